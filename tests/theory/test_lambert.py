"""theory.lambert against mpmath at 40 digits, across every order of magnitude and near −1/e, both branches.

The pattern of SciPy's ``test_lambertw_real``: every grid point is evaluated and every failing point is
reported, not just the first. The reference is mpmath's W at the *exact* float argument. A value passes if it
is forward accurate, |w − W(z)| ≤ K·eps·max(|W|, |W/(1+W)|) (the second term is |z W'(z)|, the conditioning), or
backward accurate, |w e^w − z| ≤ K·eps·|z|·max(1, |1+w|) (w is the exact W of an argument within K ulps of z;
the |1+w| allows for the rounding of w itself). Near −1/e only the backward test is meaningful for W_0 and
W_{−1} alike (dW/dz → ∞), and lambert_w's snapping of arguments within 8 ulps of −1/e to w = −1 passes it.

Near −1/e lambert_w evaluates the branch-point series (scipy's own k = −1 iteration came back ≈ −1 there,
errors up to ~4e-5 for 1e-15 ≲ 1 + e·z ≲ 1e-8: scipy/scipy#8028 left "W(z, −1) TBD"); the grids below
pin that region for both branches. For subnormal z scipy's W_{−1} loses up to ~70 ulps and returns −inf at the
smallest subnormal; lambert_w solves that range by Newton (``test_lower_branch_subnormal_arguments``).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, target
from hypothesis import strategies as st

from ascent_fails.theory.lambert import BRANCH_POINT, lambert_w, lambert_w_mp

EPS = float(np.finfo(float).eps)
# ulps allowed, forward or backward: lambert_w snaps z up to 8 ulps below float(−1/e), itself ½ ulp below −1/e, to −1
K = 10
TINY = float(np.finfo(float).tiny)  # smallest normal float; subnormal z have fewer significant bits
DIGITS = 40


def _near_branch_point(offsets: np.ndarray) -> np.ndarray:
    """Floats z = −(1 − d)/e for relative offsets d > 0, rounded from 40-digit values (all ≥ −1/e exactly)."""
    with mpmath.workdps(DIGITS):
        zs = [float(-mpmath.exp(-1) * (1 - mpmath.mpf(float(d)))) for d in offsets]
        return np.array([z for z in zs if mpmath.mpf(z) >= -mpmath.exp(-1)])


def _failures(zs: np.ndarray, branch: int) -> list[str]:
    """Every z in ``zs`` where lambert_w is neither forward nor backward accurate, described in one line each."""
    ws = np.asarray(lambert_w(zs, branch))
    bad = []
    with mpmath.workdps(DIGITS):
        for z, w in zip(zs, ws):
            ref = mpmath.lambertw(mpmath.mpf(z), branch).real
            if mpmath.isinf(ref):
                ok = bool(np.isinf(w)) and w < 0
            else:
                cond = abs(ref) if ref == -1 else max(abs(ref), abs(ref / (1 + ref)))
                forward = abs(mpmath.mpf(w) - ref) <= K * EPS * cond
                backward = abs(mpmath.mpf(w) * mpmath.exp(w) - z) <= K * EPS * abs(z) * max(1, abs(1 + w))
                ok = bool(forward or backward)
            if not ok:
                bad.append(f"W_{branch}({z!r}) = {w!r}, mpmath {mpmath.nstr(ref, 17)}")
    return bad


def _assert_none(bad: list[str], n: int) -> None:
    assert not bad, f"{len(bad)}/{n} points fail:\n" + "\n".join(bad)


def test_principal_branch_positive_arguments_every_magnitude() -> None:
    zs = np.concatenate([10.0 ** np.arange(-310, 308.5, 0.25), [np.finfo(float).max, 5e-324]])
    _assert_none(_failures(zs, 0), zs.size)


def test_principal_branch_negative_arguments_every_magnitude() -> None:
    zs = -(10.0 ** np.arange(-310, math.log10(math.exp(-1)), 0.25))
    _assert_none(_failures(zs, 0), zs.size)


def test_principal_branch_near_branch_point() -> None:
    zs = np.concatenate([_near_branch_point(10.0 ** np.arange(-17, -0.5, 0.125)),
                         [BRANCH_POINT + k * 2.0**-54 for k in range(1, 40)]])
    _assert_none(_failures(zs, 0), zs.size)


def test_lower_branch_every_magnitude() -> None:
    """W_{−1} on [−1/e·(1 − 1e-7), −2.2e-308]: normal floats (the branch-point region has its own test)."""
    zs = np.concatenate([-(10.0 ** np.arange(-307.5, math.log10(math.exp(-1)), 0.25)), [-TINY],
                         _near_branch_point(10.0 ** np.arange(-7, -0.5, 0.125))])
    _assert_none(_failures(zs, -1), zs.size)


def test_lower_branch_subnormal_arguments() -> None:
    zs = -np.array([1e-309, 1e-310, 1e-315, 5e-324])
    _assert_none(_failures(zs, -1), zs.size)


def test_lower_branch_near_branch_point() -> None:
    zs = np.concatenate([_near_branch_point(10.0 ** np.arange(-17, -7, 0.125)),
                         [BRANCH_POINT + k * 2.0**-54 for k in range(1, 40)]])
    _assert_none(_failures(zs, -1), zs.size)


@pytest.mark.parametrize("branch", [0, -1])
def test_branch_point_and_the_floats_below_it_give_minus_one(branch: int) -> None:
    """float(−1/e) lies below −1/e; it and the floats within the slack below are the branch point, never NaN."""
    below = BRANCH_POINT * (1 + np.arange(0, 8) * EPS)
    assert np.array_equal(lambert_w(below, branch), np.full(8, -1.0))
    above = np.nextafter(BRANCH_POINT, 0)
    assert _failures(np.array([above]), branch) == []
    assert (lambert_w(above, branch) > -1) == (branch == 0)


@given(st.floats(min_value=-300, max_value=300).map(lambda e: 10.0**e))
@example(1.0)
@example(1e300)
@example(1e-300)
def test_principal_branch_inverts_w_exp_w(z: float) -> None:
    w = lambert_w(z, 0)
    with mpmath.workdps(DIGITS):
        rel = abs(mpmath.mpf(w) * mpmath.exp(w) - z) / z
    target(float(rel) / EPS, label="backward error in ulps")
    assert rel <= K * EPS * max(1, abs(1 + w))


@given(st.floats(min_value=1e-300, max_value=1.0), st.sampled_from([0, -1]))
@example(1 - 1e-9, -1)
@example(1 - 1e-9, 0)
def test_negative_arguments_invert_w_exp_w(fraction: float, branch: int) -> None:
    """z = −fraction/e on both branches, up to the branch point: backward error within K ulps."""
    z = -fraction * math.exp(-1)
    w = lambert_w(z, branch)
    assert (w >= -1) if branch == 0 else (w <= -1)
    with mpmath.workdps(DIGITS):
        rel = abs(mpmath.mpf(w) * mpmath.exp(w) - z) / abs(z)
    target(float(rel) / EPS, label="backward error in ulps")
    assert rel <= K * EPS * max(1, abs(1 + w))


def test_lower_branch_at_zero_is_minus_infinity() -> None:
    assert lambert_w(0.0, -1) == -math.inf
    assert lambert_w(np.array([0.0, -0.1]), -1)[0] == -math.inf


@pytest.mark.parametrize(
    ("z", "branch", "match"),
    [
        (float("nan"), 0, "NaN"),
        (-0.5, 0, "-1/e"),
        (BRANCH_POINT * (1 + 1e-12), -1, "-1/e"),
        (0.5, -1, r"\[-1/e, 0\]"),
        (1.0, 1, "branch"),
        (np.array([1.0, float("nan")]), 0, "NaN"),
    ],
)
def test_bad_input_is_rejected(z, branch, match) -> None:
    with pytest.raises(ValueError, match=match):
        lambert_w(z, branch)


@given(st.floats(min_value=-300, max_value=300), st.sampled_from([30, 50, 80]))
def test_mp_principal_branch_satisfies_definition(exponent: float, dps: int) -> None:
    z = mpmath.mpf(10) ** exponent
    w = lambert_w_mp(z, 0, dps)
    with mpmath.workdps(dps):
        assert abs(w * mpmath.exp(w) - z) <= mpmath.mpf(10) ** (3 - dps) * z


@given(st.floats(min_value=1e-30, max_value=1.0, exclude_max=True))
def test_mp_lower_branch_satisfies_definition(fraction: float) -> None:
    with mpmath.workdps(50):
        z = -mpmath.mpf(fraction) / mpmath.e
    w = lambert_w_mp(z, -1, 50)
    with mpmath.workdps(50):
        assert w <= -1
        assert abs(w * mpmath.exp(w) - z) <= mpmath.mpf(10) ** -47 * abs(z)


@pytest.mark.parametrize(("z", "branch", "match"), [("-0.5", 0, "-1/e"), ("0.1", -1, r"\[-1/e, 0\)"), ("0", -1, "W_-1"),
                                                    ("1", 2, "branch")])
def test_mp_bad_input_is_rejected(z, branch, match) -> None:
    with pytest.raises(ValueError, match=match):
        lambert_w_mp(z, branch, 50)
