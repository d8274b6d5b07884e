"""Iterated vs simultaneous DA: the series of the two-step map, its fixed point, and the damping term."""

import functools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ascent_fails.theory import iterated_da
from ascent_fails.theory.lambert import lambert_w
from tests.strategies import arrested_shares, iterated_axes

#: a = |R_j|/|R| > 0 and b = |F_j|/|F| ≥ 0 (shares of an axis), λ > 0, the order of the two steps
shares = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)
forget_shares = st.one_of(st.just(0.0), shares)
axis_ridges = st.floats(min_value=-2, max_value=1).map(lambda e: 10.0**e)
orders = st.sampled_from(iterated_da.ORDERS)
weights = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False)

_SYMBOLS = sp.symbols("w a b lambda", real=True)


@functools.lru_cache(maxsize=None)
def _series_mp(order: str):
    """mpmath-evaluable c₁, c₂ of the map series (independent of the float path)."""
    _, c1, c2 = iterated_da.map_series(order)
    return sp.lambdify(_SYMBOLS, c1, "mpmath"), sp.lambdify(_SYMBOLS, c2, "mpmath")


@given(weights, shares, forget_shares, axis_ridges, orders)
@example(0.0, 1.0, 1.0, 1.0, "descent_first")
@example(-3.0, 1.0, 1.0, 0.01, "ascent_first")  # deep in the region where the η² term ~ ab e^{−2w} dominates
def test_series_matches_the_exact_map_to_third_order(w, a, b, lam, order):
    """Φ(w; η) − (w + c₁η + c₂η²) is O(η³): halving η divides the remainder by ≈ 8 (at least by 5)."""
    c1_fn, c2_fn = _series_mp(order)
    scale = lam + (a + b) * math.exp(-w)  # the size of g_1, g_2: η·scale ≪ 1 keeps the series in its regime
    with mpmath.workdps(40):
        # mp arguments: a double-precision c₁ would leave an error of 1e-16·c₁η, far above the O(η³) remainder
        w, a, b, lam = (mpmath.mpf(v) for v in (w, a, b, lam))
        c1, c2 = c1_fn(w, a, b, lam), c2_fn(w, a, b, lam)

        def remainder(eta):
            exact = iterated_da.two_step_map_mp(w, a, b, lam, eta, order)
            return abs(exact - (w + c1 * eta + c2 * eta**2))

        eta = mpmath.mpf(1e-4) / scale
        r_big, r_small = remainder(eta), remainder(eta / 2)
        assert r_small <= r_big / 5 or r_big < mpmath.mpf(10) ** -35


@given(iterated_axes(z_min=-math.exp(-1) + 1e-9))
def test_first_order_fixed_point_solves_the_doubled_ridge_equation(axis):
    """(a, b, λ) drawn with z = (a − b)/(2λ) ≥ −1/e + 1e-9 (W_0 defined), up to the branch point."""
    a, b, lam = axis
    assume((a - b) / (2 * lam) >= -math.exp(-1) + 1e-9)  # rounding at the edge only (the strategy's margin)
    w = iterated_da.first_order_fixed_point(a, b, lam)
    # 2λ w e^w = a − b, i.e. the first-order drift −[2λw − (a − b)e^{−w}] vanishes
    assert 2 * lam * w * math.exp(w) == pytest.approx(a - b, rel=1e-9, abs=1e-12)
    assert w >= -1.0  # W_0, the stable branch (G'(w) = 2λ(1 + w) ≥ 0)


def test_undoubled_ridge_is_lemma2():
    w = iterated_da.first_order_fixed_point(0.5, 0.2, 0.1, ridge_factor=1.0)
    assert w == pytest.approx(lambert_w(3.0))


@pytest.mark.parametrize("order", iterated_da.ORDERS)
def test_series_terms_symbolically(order):
    w, a, b, lam = _SYMBOLS
    c0, c1, c2 = iterated_da.map_series(order)
    assert sp.expand(c0 - w) == 0
    assert sp.expand(c1 + 2 * lam * w - (a - b) * sp.exp(-w)) == 0
    assert sp.expand(c2 - iterated_da.reconstructed_second_order_term(order)) == 0
    assert iterated_da.damping_limit(order) == 1


def test_orders_differ_at_second_order_by_the_expected_term():
    w, a, b, lam = _SYMBOLS
    difference = iterated_da.map_series("ascent_first")[2] - iterated_da.map_series("descent_first")[2]
    # derived by hand: g_F g_R' − g_R g_F' = λ(a + b)(1 + w)e^{−w}
    assert sp.simplify(difference - lam * (a + b) * (1 + w) * sp.exp(-w)) == 0


@given(iterated_axes(z_min=-0.3), orders)
def test_fixed_point_coefficients_make_the_map_nearly_stationary(axis, order):
    a, b, lam = axis
    assume((a - b) / (2 * lam) >= -0.3)  # rounding at the edge only (the strategy's margin)
    w0, c1, c2 = iterated_da.fixed_point_coefficients(a, b, lam, order)
    curvature = 2 * lam * (1 + w0)  # G'(w₀)
    eta = 1e-3 / (curvature + lam + (a + b) * math.exp(-w0))  # small against both G' and the size of g_1, g_2
    with mpmath.workdps(40):
        w_pred = mpmath.mpf(w0) + mpmath.mpf(c1) * eta + mpmath.mpf(c2) * eta**2
        drift = (iterated_da.two_step_map_mp(w_pred, a, b, lam, eta, order) - w_pred) / eta
        w_first = mpmath.mpf(w0) + mpmath.mpf(c1) * eta
        drift_first = (iterated_da.two_step_map_mp(w_first, a, b, lam, eta, order) - w_first) / eta
    # adding c₂η² must not make the drift worse, and the drift is O(η²) relative to G'
    assert abs(drift) <= abs(drift_first) + 1e-12
    assert abs(drift) <= curvature * (abs(c2) * eta**2 + 1e-5 * eta)


@given(arrested_shares(), st.floats(min_value=1e-4, max_value=1e-2), orders)
def test_arrested_level_is_a_near_fixed_point(shares_and_ratio, eta, order):
    a, ratio = shares_and_ratio  # b = a·ratio ≤ 1 by construction (up to one rounding, clipped)
    b = min(a * ratio, 1.0)
    level, multiplier = iterated_da.arrested_level(a, b, eta, order)
    assert multiplier == pytest.approx(1 - math.log(ratio) ** 2)
    # at the level, the exact map moves w by much less than one unit (the level is where the O(1) terms cancel)
    step = iterated_da.two_step_map(level, a, b, 0.01, eta, order) - level
    assert abs(step) < 0.05 + 0.01 * abs(level)


def test_two_step_map_vectorises():
    w = np.linspace(-1, 1, 5)
    vec = iterated_da.two_step_map(w, 0.5, 0.2, 0.1, 0.01, "ascent_first")
    assert np.allclose(vec, [iterated_da.two_step_map(float(x), 0.5, 0.2, 0.1, 0.01, "ascent_first") for x in w])


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: iterated_da.two_step_map(0.0, 0.0, 0.2, 0.1, 0.01), "retain_share"),
        (lambda: iterated_da.two_step_map(0.0, 0.5, -0.2, 0.1, 0.01), "forget_share"),
        (lambda: iterated_da.two_step_map(0.0, 0.5, 0.2, 0.0, 0.01), "ridge"),
        (lambda: iterated_da.two_step_map(0.0, 0.5, 0.2, 0.1, 0.0), "step"),
        (lambda: iterated_da.two_step_map(0.0, 0.5, 0.2, 0.1, float("nan")), "step"),
        (lambda: iterated_da.two_step_map(0.0, 0.5, 0.2, 0.1, 0.01, "sideways"), "order"),
        (lambda: iterated_da.first_order_fixed_point(0.1, 0.9, 0.5), "no fixed point"),
        (lambda: iterated_da.first_order_fixed_point(0.5, 0.2, 0.1, ridge_factor=0.0), "ridge_factor"),
        (lambda: iterated_da.arrested_level(0.5, 0.2, 0.01), "forget_share must exceed"),
        (lambda: iterated_da.arrested_level(0.5, 0.7, 0.0), "step"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
