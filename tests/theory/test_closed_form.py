"""Lemma 2 float path (theory.closed_form) against the mpmath closed forms: regimes, extremes, bad input.

Accuracy criterion (as in test_lambert): a float value w of W at an argument z passes against the 50-digit
value W* if it is forward accurate, |w − W*| ≤ K·eps·max(|W*|, |W*/(1+W*)|) (|z W'(z)| is the conditioning), or
backward accurate, |w e^w − z*| ≤ K·eps·|z*|·max(1, |1+w|). Arguments are accurate to a few ulps (|F| − α|R| is
formed exactly), so the same K covers them. Every failing point of a grid is reported.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, target
from hypothesis import strategies as st

from ascent_fails.theory import closed_form, closed_form_mp
from ascent_fails.theory.lambert import BRANCH_POINT
from tests.strategies import consistent_axes, regime_2_axes, set_sizes

EPS = float(np.finfo(float).eps)
K = 16
DPS = 50


def _accurate(w: float, ref: mpmath.mpf, z: mpmath.mpf) -> bool:
    with mpmath.workdps(DPS):
        if mpmath.isinf(ref):
            return w == -math.inf
        cond = max(abs(ref), abs(ref / (1 + ref))) if ref != -1 else mpmath.inf
        forward = abs(mpmath.mpf(w) - ref) <= K * EPS * cond
        backward = abs(mpmath.mpf(w) * mpmath.exp(w) - z) <= K * EPS * abs(z) * max(1, abs(1 + w))
        return bool(forward or backward)


def _mismatches(args: tuple[float, ...]) -> list[str]:
    """Fields of stationary_points(args) that are not accurate against stationary_points_mp(args)."""
    fast, ref = closed_form.stationary_points(*args), closed_form_mp.stationary_points_mp(*args, dps=DPS)
    with mpmath.workdps(DPS):
        r, f, rj, a, lam = (mpmath.mpf(v) for v in args)
        z = {"pretrained": (1 + a) * rj / (lam * (r + f)), "oracle": rj / (lam * r), "descent_ascent": ref.argument,
             "descent_ascent_maximum": ref.argument}
    if fast.regime != ref.regime:
        with mpmath.workdps(DPS):
            relative_gap = abs(ref.argument * mpmath.e + 1)
        if {fast.regime, ref.regime} == {2, 3} and relative_gap <= 16 * EPS:
            # z_DA within rounding of −1/e: the float path snaps it onto the branch point (lambert.BRANCH_FLOOR),
            # so regime 2 (w = −1) against the exact regime 3 is the documented convention, not an error
            return []
        return [f"{args}: regime {fast.regime} vs mp {ref.regime} (z_DA = {mpmath.nstr(ref.argument, 17)})"]
    bad = []
    for name, zz in z.items():
        w, w_ref = getattr(fast, name), getattr(ref, name)
        if (w is None) != (w_ref is None) or (w is not None and not _accurate(w, w_ref, zz)):
            bad.append(f"{args}: {name} {w!r} vs mp {w_ref if w_ref is None else mpmath.nstr(w_ref, 17)}")
    return bad


# --- float path against mpmath --------------------------------------------------------------------------------


def test_float_path_matches_mpmath_on_a_grid_of_magnitudes() -> None:
    """|R|, |F|, |R_j| over 1 … 1e6, λ over 1e-12 … 1e3, α in all three regimes; every mismatch reported."""
    bad, n = [], 0
    for r, f, lam in itertools.product([1.0, 37.0, 1e6], [1.0, 250.0, 1e6], 10.0 ** np.arange(-12, 3.5, 3.0)):
        for rj in {1.0, r}:
            alpha_2 = f / r
            alpha_3 = closed_form.regime_boundary_3(r, f, rj, lam)
            for alpha in (0.0, 0.5 * alpha_2, alpha_2, (alpha_2 + alpha_3) / 2, alpha_3 * 1.5):
                bad += _mismatches((r, f, rj, alpha, float(lam)))
                n += 1
    assert not bad, f"{len(bad)}/{n} parameter sets mismatch:\n" + "\n".join(bad)


@given(consistent_axes())
@example((900.0, 100.0, 50.0, 1 / 9, 1e-12))  # α a rounded |F|/|R|, huge arguments
@example((1.0, 1.0, 1.0, 1.0, 1e-12))  # a one-axis data set: α = |F|/|R|
@example((2.0, 1.0, 1.0, 0.8678794411714423, 1.0))  # float z_DA rounds onto −1/e, exact z_DA just below it
def test_float_path_matches_mpmath_on_consistent_data(args: tuple[float, ...]) -> None:
    assert _mismatches(args) == []
    fast, ref = closed_form.stationary_points(*args), closed_form_mp.stationary_points_mp(*args)
    if fast.regime == ref.regime and math.isfinite(fast.descent_ascent) and fast.descent_ascent != 0:
        target(float(abs((fast.descent_ascent - ref.descent_ascent) / ref.descent_ascent)) / EPS, label="ulps w^DA")


@pytest.mark.parametrize(
    "args",
    [
        (1.0, 1.0, 1e6, 0.0, 1e-12),  # z = 1e18; |R_j| > |R| (wider domain)
        (1.0, 1.0, 1e6, 0.5, 1e-300),  # z = 5e305
        (1e6, 1.0, 1e6, 0.0, 1e3),  # moderate
        (1e6, 1e6, 1.0, 0.0, 1e3),  # z = 1e-9: W ≈ z
        (10.0, 1.0, 100.0, 0.05, 1.0),  # α|R_j| = 5 > |F| = 1 (wider domain)
        (1.0, 1e6, 1.0, 2e6, 1e-12),  # regime 3 with |F| ≫ |R|
    ],
)
def test_extremes_and_wider_domain_match_mpmath(args: tuple[float, ...]) -> None:
    assert _mismatches(args) == []


def test_weights_satisfy_their_defining_equation_at_tiny_ridge() -> None:
    """λ = 1e-12: arguments near 1e12; w e^w = z to 4 ulps (backward) for all three closed forms."""
    r, f, rj, a, lam = 900.0, 100.0, 50.0, 0.05, 1e-12
    for w, z in [
        (closed_form.pretrained_weight(r, f, rj, a, lam), closed_form.pretrained_argument(r, f, rj, a, lam)),
        (closed_form.oracle_weight(r, rj, lam), closed_form.oracle_argument(r, rj, lam)),
        (closed_form.descent_ascent_weight(r, f, rj, a, lam), closed_form.descent_ascent_argument(r, f, rj, a, lam)),
    ]:
        with mpmath.workdps(30):
            assert abs(mpmath.mpf(w) * mpmath.exp(w) / z - 1) <= 4 * EPS * (1 + w)


# --- regimes and their boundaries -----------------------------------------------------------------------------


def test_alpha_exactly_balanced_gives_zero_descent_ascent_weight() -> None:
    for r, f in [(800.0, 200.0), (1.0, 1.0), (1024.0, 3.0), (3.0, 1.5)]:
        alpha = closed_form.regime_boundary_2(r, f)
        assert alpha * r == f  # exact in binary, so α = |F|/|R| exactly
        p = closed_form.stationary_points(r, f, 7.0, alpha, 1e-12)
        assert (p.descent_ascent, p.argument, p.regime, p.descent_ascent_maximum) == (0.0, 0.0, 1, None)
        above = closed_form.stationary_points(r, f, 7.0, float(np.nextafter(alpha, np.inf)), 1e-12)
        assert above.regime == 2 and above.descent_ascent < 0 and above.descent_ascent_maximum < -1


@pytest.mark.parametrize("ridge", [1e-12, 1e-6, 0.3, 1e3])
def test_regime_boundary_2_3_scan_is_nan_free_and_monotone(ridge: float) -> None:
    """2001 consecutive α floats around α_3 (and a wider scan): no NaN, regime never decreases, branches ordered."""
    r, f, rj = 900.0, 100.0, 50.0
    alpha_3 = closed_form.regime_boundary_3(r, f, rj, ridge)
    ulps = alpha_3 * EPS * np.arange(-1000, 1001)
    for alphas in (alpha_3 + ulps, alpha_3 * (1 + np.linspace(-1e-6, 1e-6, 2001))):
        regime = closed_form.descent_ascent_regime(r, f, rj, alphas, ridge)
        w_min = closed_form.descent_ascent_weight(r, f, rj, alphas, ridge)
        assert not np.any(np.isnan(w_min))
        assert np.all(np.diff(regime) >= 0), "regime flips back as α grows"
        assert np.all(np.isinf(w_min) == (regime == 3))
        two = regime == 2
        w_max = closed_form.descent_ascent_weight(r, f, rj, alphas[two], ridge, branch=-1)
        assert np.all(w_min[two] >= -1) and np.all(w_max <= -1) and not np.any(np.isnan(w_max))


def test_regime_matches_the_alpha_boundaries_away_from_rounding() -> None:
    r, f, rj, lam = 900.0, 100.0, 50.0, 0.01
    a2, a3 = closed_form.regime_boundary_2(r, f), closed_form.regime_boundary_3(r, f, rj, lam)
    alphas = np.array([0.0, a2 * 0.999, a2 * 1.001, (a2 + a3) / 2, a3 * 0.999999, a3 * 1.000001, 10 * a3])
    assert closed_form.descent_ascent_regime(r, f, rj, alphas, lam).tolist() == [1, 1, 2, 2, 2, 3, 3]
    with mpmath.workdps(DPS):  # boundary 3 is where z_DA = −1/e
        z = closed_form_mp.stationary_points_mp(r, f, rj, a3, lam).argument
        assert abs(z + mpmath.exp(-1)) < 1e-15


def test_regime_boundaries_solve_their_defining_equations_symbolically() -> None:
    r, f, rj, lam, a = sp.symbols("R F R_j lambda alpha", positive=True)
    z_da = (1 - a * r / f) * rj / (lam * r)
    assert sp.solve(sp.Eq(z_da, 0), a) == [f / r]
    (a3,) = sp.solve(sp.Eq(z_da, -sp.exp(-1)), a)
    assert sp.simplify(a3 - (f / r + lam * f / (sp.E * rj))) == 0
    expected = float(a3.subs({r: 900, f: 100, rj: 50, lam: 0.01}))
    assert math.isclose(closed_form.regime_boundary_3(900, 100, 50, 0.01), expected)


def test_branch_minus_one_outside_regime_2_is_an_error() -> None:
    with pytest.raises(ValueError, match="regime 2"):
        closed_form.descent_ascent_weight(900, 100, 50, [0.05, 0.112], 0.01, branch=-1)
    with pytest.raises(ValueError, match="regime 2"):
        closed_form.descent_ascent_weight(900, 100, 50, 5.0, 0.01, branch=-1)


# --- stationarity and curvature (float) -----------------------------------------------------------------------


@given(regime_2_axes())
def test_both_da_stationary_points_zero_the_gradient_and_have_the_predicted_curvature(args) -> None:
    z = closed_form.descent_ascent_argument(*args)
    # regime 2 by construction (tests.strategies.regime_2_axes), ends of the regime included
    assert closed_form.descent_ascent_regime(*args) == 2 and -math.exp(-1) < z < 0
    lam = args[4]
    for branch, kind in [(0, 1), (-1, -1)]:
        w = closed_form.descent_ascent_weight(*args, branch=branch)
        scale = lam * (abs(w) + abs(z * math.exp(-w)))
        assert abs(closed_form.axis_gradient(w, z, lam)) <= K * EPS * scale
        assert math.isclose(closed_form.axis_curvature(w, z, lam), lam * (1 + w), rel_tol=1e-6, abs_tol=K * EPS * scale)
        assert closed_form.stationary_point_kind(w, lam) in (kind, 0)  # 0 only exactly at w = −1


def test_stationary_point_kind_at_the_branch_point_is_degenerate() -> None:
    assert closed_form.stationary_point_kind(-1.0, 0.5) == 0
    assert closed_form.stationary_point_kind(np.array([0.0, -2.0]), 0.5).tolist() == [1, -1]


# --- helpers: exact excess, vectorisation ----------------------------------------------------------------------


@given(set_sizes, set_sizes, st.floats(0, 1e3))
@example(900, 100, 1 / 9)
def test_retain_excess_has_the_exact_sign_and_is_accurate(n_retain: int, n_forget: int, alpha: float) -> None:
    exact = Fraction(n_forget) - Fraction(alpha) * Fraction(n_retain)
    got = closed_form.retain_excess(n_retain, n_forget, alpha)
    assert (got > 0) == (exact > 0) and (got == 0) == (exact == 0)
    assert abs(Fraction(got) - exact) <= abs(exact) * 2 * EPS


def test_functions_broadcast_and_return_scalars_for_scalars() -> None:
    r = np.array([[100.0], [1000.0]])  # (2, 1)
    a = np.array([0.0, 0.05, 0.1, 1.0])  # (4,)
    assert closed_form.pretrained_weight(r, 100.0, 50.0, a, 0.01).shape == (2, 4)
    assert closed_form.descent_ascent_weight(r, 100.0, 50.0, a, 0.01).shape == (2, 4)
    assert closed_form.descent_ascent_regime(r, 100.0, 50.0, a, 0.01).dtype.kind == "i"
    assert isinstance(closed_form.oracle_weight(900, 50, 0.01), float)
    assert isinstance(closed_form.descent_ascent_regime(900, 100, 50, 0.05, 0.01), int)
    scalar = closed_form.stationary_points(900, 100, 50, 0.05, 0.01)
    assert scalar.pretrained == closed_form.pretrained_weight(900, 100, 50, np.array([0.05]), 0.01)[0]


# --- bad input ------------------------------------------------------------------------------------------------

_GOOD = dict(n_retain=900.0, n_forget=100.0, n_retain_axis=50.0, forget_ratio_axis=0.05, ridge=0.01)
_FUNCTIONS = {
    "pretrained_argument": ("n_retain", "n_forget", "n_retain_axis", "forget_ratio_axis", "ridge"),
    "oracle_argument": ("n_retain", "n_retain_axis", "ridge"),
    "descent_ascent_argument": ("n_retain", "n_forget", "n_retain_axis", "forget_ratio_axis", "ridge"),
    "pretrained_weight": ("n_retain", "n_forget", "n_retain_axis", "forget_ratio_axis", "ridge"),
    "oracle_weight": ("n_retain", "n_retain_axis", "ridge"),
    "descent_ascent_weight": ("n_retain", "n_forget", "n_retain_axis", "forget_ratio_axis", "ridge"),
    "descent_ascent_regime": ("n_retain", "n_forget", "n_retain_axis", "forget_ratio_axis", "ridge"),
    "regime_boundary_2": ("n_retain", "n_forget"),
    "regime_boundary_3": ("n_retain", "n_forget", "n_retain_axis", "ridge"),
    "retain_excess": ("n_retain", "n_forget", "forget_ratio_axis"),
    "stationary_points": ("n_retain", "n_forget", "n_retain_axis", "forget_ratio_axis", "ridge"),
}
_BAD = {"n_retain": [0.0, -3.0], "n_forget": [0.0], "n_retain_axis": [-1.0], "forget_ratio_axis": [-0.1],
        "ridge": [0.0, -1.0]}
_CASES = [
    (fn, name, bad)
    for fn, names in _FUNCTIONS.items()
    for name in names
    for bad in _BAD[name] + [float("nan"), float("inf")]
]


@pytest.mark.parametrize(("function", "name", "bad"), _CASES)
def test_bad_parameters_are_rejected_by_name(function: str, name: str, bad: float) -> None:
    kwargs = {k: _GOOD[k] for k in _FUNCTIONS[function]} | {name: bad}
    with pytest.raises(ValueError, match=name):
        getattr(closed_form, function)(**kwargs)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: closed_form.descent_ascent_weight(900, 100, 50, 0.112, 0.01, branch=1), "branch"),
        (lambda: closed_form.stationary_points(np.array([900.0, 10.0]), 100, 50, 0.05, 0.01), "n_retain"),
        (lambda: closed_form.axis_gradient(float("nan"), 1.0, 0.1), "weight"),
        (lambda: closed_form.axis_curvature(0.0, float("inf"), 0.1), "argument"),
        (lambda: closed_form.axis_curvature(0.0, 1.0, 0.0), "ridge"),
        (lambda: closed_form.stationary_point_kind(-math.inf, 0.1), "weight"),
        (lambda: closed_form.StationaryPoints(1.0, 1.0, 1.0, None, 4, 1.0), "regime"),
        (lambda: closed_form.StationaryPoints(1.0, 1.0, -0.5, None, 2, -0.1), "regime 2"),
    ],
)
def test_other_bad_input_is_rejected(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_branch_point_constant_is_shared_with_lambert() -> None:
    """The regime-3 floor is lambert_w's own floor: an argument lambert_w accepts is never 'diverges'."""
    floor = closed_form._REGIME_3_BELOW
    assert floor < BRANCH_POINT
    assert closed_form._regime_of(floor).item() == 2 and closed_form._regime_of(np.nextafter(floor, -1)).item() == 3
