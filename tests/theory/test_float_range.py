"""The float path of Lemma 2 is right, or refuses, over the whole representable range (issue 10, item 7).

Sizes |R|, |F|, |R_j| are drawn log-uniformly up to 1e300 and the ridge λ down to the smallest normal float
(2.2e-308), so that products such as λ|R||F| over- and underflow and the Lambert arguments themselves reach
~1e900. The reference is the mpmath path (:func:`theory.closed_form_mp.stationary_points_mp`, exact inputs, no
float code), and the tolerance is the conditioning of W at its argument: the float argument carries a few ulps u
of relative error, and W'(z)·z = W/(1+W), so |δW| ≤ c·u·(|W| + |W|/|1+W|), plus the underflow floor 2^-1022·c
where W itself is below the normal range.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from ascent_fails.theory import (
    closed_form,
    closed_form_mp,
    corollary1,
    distance_growth,
    distance_unlearning,
    lambert,
    logistic_divergence,
    stationary_roots,
)
from hypothesis import event, given
from hypothesis import strategies as st

EPS = float(np.finfo(float).eps)
TINY = float(np.finfo(float).tiny)  # 2.2e-308, the smallest normal float


def log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(math.log10(low), math.log10(high)).map(lambda e: float(min(max(10.0**e, low), high)))


sizes = log_uniform(1.0, 1e300)
ridges = log_uniform(TINY, 1e3)


@st.composite
def parameters(draw: st.DrawFn) -> tuple[float, float, float, float, float]:
    """(|R|, |F|, |R_j|, α, λ) over the whole range; α placed in one of Lemma 2's regimes or at an extreme."""
    r, f, rj, lam = draw(sizes), draw(sizes), draw(sizes), draw(ridges)
    kind = draw(st.sampled_from(["regime 1", "regime 2", "regime 3", "zero", "huge", "balanced"]))
    alpha_2 = f / r
    u = draw(st.floats(1e-6, 1 - 1e-6))
    if kind == "regime 1":
        alpha = alpha_2 * u
    elif kind == "regime 2":  # z_DA = −u/e: α = α_2 + u·λ|F|/(e|R_j|), formed without overflow
        alpha = alpha_2 + float(mpmath.mpf(u) * lam * f / (mpmath.e * rj))
    elif kind == "regime 3":
        alpha = alpha_2 * (1 + u) + float(min(mpmath.mpf(lam) * f / rj, mpmath.mpf(1e300)))
    elif kind == "zero":
        alpha = 0.0
    elif kind == "huge":
        alpha = draw(log_uniform(1e200, 1e308))
    else:
        alpha = alpha_2
    alpha = min(alpha, 1.7e308)
    event(kind)
    return r, f, rj, alpha, lam


def _tolerance(w: float) -> float:
    """c·u·(|W| + |W|/|1+W|) + c·2^-1022 (conditioning of W at z, module docstring), c = 64."""
    if w == -1.0:
        return math.inf  # exactly the branch point: W is not differentiable there (never drawn in practice)
    return 64 * EPS * (abs(w) + abs(w) / abs(1 + w)) + 64 * TINY


def _agree(fast: float, precise: mpmath.mpf) -> bool:
    if not mpmath.isfinite(precise):
        return fast == float(precise)
    return abs(fast - float(precise)) <= _tolerance(float(precise))


@given(parameters())
def test_float_path_matches_mp_path_over_the_whole_range(params: tuple[float, ...]) -> None:
    fast = closed_form.stationary_points(*params)
    precise = closed_form_mp.stationary_points_mp(*params, dps=40)
    assert fast.regime == precise.regime, (params, fast, precise)
    for field in ("pretrained", "oracle", "descent_ascent", "descent_ascent_maximum"):
        a, b = getattr(fast, field), getattr(precise, field)
        assert (a is None) == (b is None)
        assert a is None or _agree(a, b), (field, params, a, b)


@given(parameters())
def test_lemma_predicates_defined_over_the_whole_range(params: tuple[float, ...]) -> None:
    """Lemmas 3–5's float verdicts and margins are finite booleans/numbers (no NaN) at every drawn point."""
    r, f, _, a, _ = params
    assert isinstance(bool(logistic_divergence.holds(*params)), bool)
    assert not math.isnan(logistic_divergence.ordering_margin(*params))
    assert distance_growth.holds(*params)  # Lemma 4 has no range: it must hold everywhere
    bound, bound_mp = distance_growth.distance_bound(r, f, a), distance_growth.distance_bound_mp(r, f, a, dps=40)
    assert abs(bound - float(bound_mp)) <= 64 * EPS * float(bound_mp) + 64 * TINY, (params, bound, bound_mp)
    if distance_unlearning.admissible(r, f, a):
        assert distance_unlearning.holds(*params)  # Lemma 5 on its range


@pytest.mark.parametrize("size", [1e160, 1e200, 1e300])
def test_huge_equal_sizes_are_regime_1(size: float) -> None:
    # the example: |R| = |F| = |R_j| ≥ 1e160 overflowed λ|R||F| and gave regime 3 / −inf
    fast = closed_form.stationary_points(size, size, size, 0.5, 0.01)
    precise = closed_form_mp.stationary_points_mp(size, size, size, 0.5, 0.01)
    assert fast.regime == precise.regime == 1
    assert abs(fast.descent_ascent - float(precise.descent_ascent)) < 1e-14 * abs(fast.descent_ascent)


def test_largest_forget_ratio_gives_finite_pretrained_weight() -> None:
    fast = closed_form.stationary_points(900, 100, 50, 1e308, 0.01)
    precise = closed_form_mp.stationary_points_mp(900, 100, 50, 1e308, 0.01)
    assert math.isfinite(fast.pretrained) and fast.regime == 3
    assert abs(fast.pretrained - float(precise.pretrained)) <= _tolerance(fast.pretrained)


def test_smallest_normal_ridge_against_root_finding() -> None:
    # independent of Lambert W: the root of w + ln w = ln z_R found by stationary_roots
    w = closed_form.oracle_weight(1.0, 1e300, TINY)
    with mpmath.workdps(40):
        z = mpmath.mpf(1e300) / mpmath.mpf(TINY)
    root = stationary_roots.stationary_point_root_mp(z, 0, dps=40)
    assert root.converged and abs(w - float(root.value)) <= _tolerance(w)


@given(log_uniform(1.0, 1e4))
def test_lambert_w_log_solves_the_log_equation(log_z: float) -> None:
    w = lambert.lambert_w_log(log_z + 1.0)
    assert abs(w + math.log(w) - (log_z + 1.0)) <= 8 * EPS * (log_z + 1.0)
    v = lambert.lambert_w_log(-(log_z + 1.0), branch=-1)
    assert v < -1 and abs(v + math.log(-v) + (log_z + 1.0)) <= 8 * EPS * (log_z + 1.0)


# --- refusals -----------------------------------------------------------------------------------------------------

MP_FUNCTIONS = [
    lambda dps: closed_form_mp.stationary_points_mp(900, 100, 50, 0.05, 0.01, dps=dps),
    lambda dps: stationary_roots.stationary_points_root_mp(900, 100, 50, 0.05, 0.01, dps=dps),
    lambda dps: stationary_roots.stationary_point_root_mp(2.0, 0, dps=dps),
    lambda dps: lambert.lambert_w_mp(0.5, 0, dps=dps),
    lambda dps: logistic_divergence.ordering_margin_mp(900, 100, 50, 0.05, 0.01, dps=dps),
    lambda dps: distance_growth.distance_mp(900, 100, 50, 0.05, 0.01, dps=dps),
    lambda dps: distance_growth.distance_bound_mp(900, 100, 0.05, dps=dps),
    lambda dps: distance_unlearning.distance_mp(800, 200, 50, 0.25, 0.01, dps=dps),
    lambda dps: corollary1.gaps_mp(800, 200, 50, 0.01, dps=dps),
]


@pytest.mark.parametrize("function", range(len(MP_FUNCTIONS)))
@pytest.mark.parametrize("dps", [0, 2, 14, 10_001, 10**6, 20.5, True, "30"])
def test_mp_paths_refuse_precision_outside_15_to_10000(function: int, dps: object) -> None:
    with pytest.raises(ValueError, match=r"dps=.* must be an integer in \[15, 10000\]"):
        MP_FUNCTIONS[function](dps)


@pytest.mark.parametrize("function", range(len(MP_FUNCTIONS)))
def test_mp_paths_accept_the_ends_of_the_precision_range(function: int) -> None:
    MP_FUNCTIONS[function](15)


def test_lambert_w_refuses_non_finite_arguments() -> None:
    for z in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError, match="finite"):
            lambert.lambert_w(z)


def test_lambert_w_log_refuses_outside_its_domain() -> None:
    with pytest.raises(ValueError, match="log_abs_z"):
        lambert.lambert_w_log(1.0)
    with pytest.raises(ValueError, match="log_abs_z"):
        lambert.lambert_w_log(-1.0, branch=-1)
    with pytest.raises(ValueError, match="log_abs_z"):
        lambert.lambert_w_log(math.inf)


def test_arguments_beyond_the_float_range_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"z_R = \|R_j\|/\(λ\|R\|\) = ±10\^\d+"):
        closed_form.oracle_argument(1.0, 1e300, TINY)
    with pytest.raises(ValueError, match="z_DA"):
        closed_form.descent_ascent_argument(1.0, 1.0, 1e300, 1e308, TINY)
    # ... while the weight and the regime are still given (log space)
    assert math.isfinite(closed_form.oracle_weight(1.0, 1e300, TINY))
    assert closed_form.descent_ascent_regime(1.0, 1.0, 1e300, 1e308, TINY) == 3


def test_retain_excess_sign_exact_beyond_the_float_range() -> None:
    assert closed_form.retain_excess_sign(1e300, 1e300, 1.0) == 0
    assert closed_form.retain_excess_sign(1e300, 1.0, 1e308) == -1
    assert closed_form.retain_excess_sign(3.0, 1.0, float(np.nextafter(1 / 3, 0))) == 1
