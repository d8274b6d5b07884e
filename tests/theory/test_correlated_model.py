"""Tests of theory.correlated_model: systems, Lemma 6 closed form, Lemma 7–10 bounds and thresholds, Lemma 12."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import event, example, given, target
from hypothesis import strategies as st

from ascent_fails.numerics import correlated_solvers as cs
from tests.strategies import correlations, lemma10_certified_sizes, ridges, set_sizes, small_set_sizes
from ascent_fails.theory import correlated_model as cm

#: |F|/|D| ∈ (0, 1), away from the ends where |R| or |F| vanish
forget_fractions = st.floats(min_value=1e-3, max_value=1 - 1e-3, allow_nan=False)
#: α ∈ [0, 1], Lemma 7 and 12's range, log-uniform plus the ends
unit_forget_ratios = st.one_of(st.just(0.0), st.just(1.0), st.floats(min_value=-6, max_value=0).map(lambda e: 10.0**e))
correlated_sizes = st.builds(cm.CorrelatedSizes, n_total=set_sizes, forget_fraction=forget_fractions,
                             group_size=small_set_sizes, ridge=ridges)
TOL = 1e-10  # relative rounding slack of a margin


def rel(diff, value):
    return diff / (1 + abs(value))


@pytest.mark.parametrize("model", cm.MODELS)
def test_stationarity_systems_are_gradients(model):
    assert cm.sympy_stationarity_gap(model) == (0, 0)


def test_lemma6_solves_oracle_system_symbolically():
    assert cm.sympy_lemma6_residual() == (0, 0)


def test_residual_matches_finite_difference_gradient():
    """F = M ∇_w E, checked numerically against central differences of the energy."""
    sizes = cm.CorrelatedSizes(1e4, 0.2, 100, 0.05)
    eps, alpha, wi, wj, h = 0.4, 0.3, 0.7, -0.2, 1e-6
    for model in cm.MODELS:
        def e(a, b):
            x, y = a + eps * b, eps * a + b
            return cm.energy(model, x, y, eps, alpha, sizes)
        gi = (e(wi + h, wj) - e(wi - h, wj)) / (2 * h)
        gj = (e(wi, wj + h) - e(wi, wj - h)) / (2 * h)
        f1, f2 = cm.stationarity_residual(model, wi + eps * wj, eps * wi + wj, eps, alpha, sizes)
        assert f1 == pytest.approx(gi + eps * gj, abs=1e-7)
        assert f2 == pytest.approx(eps * gi + gj, abs=1e-7)


@given(correlations, correlated_sizes)
@example(1e-3, cm.CorrelatedSizes(1, 0.5, 1, 1e-12))
@example(1 - 1e-3, cm.CorrelatedSizes(10**6, 1e-3, 1, 1e3))
def test_lemma6_matches_newton(eps, sizes):
    x_r, y_r = cm.oracle_margins(eps, sizes)
    newton = cs.solve_convex("oracle", eps, 0.0, sizes)
    assert newton.converged
    target(abs(x_r - newton.x) / (1 + x_r), label="lemma6 gap")
    assert abs(x_r - newton.x) <= 1e-10 * (1 + x_r)
    assert abs(y_r - newton.y) <= 1e-10 * (1 + x_r)


@pytest.mark.parametrize("seed", range(3))
def test_lemma6_against_mpmath_root(seed):
    rng = np.random.default_rng(seed)
    eps, p = rng.uniform(0.05, 0.95), 10 ** rng.uniform(-3, 6)
    sizes = cm.CorrelatedSizes(1.0, 0.5, p / 2, 1.0)  # p = r/(λ|R|) with |R| = 1/2
    x_f, y_f = cm.oracle_margins(eps, sizes)
    with mpmath.workdps(50):
        e = mpmath.mpf(eps)
        # bracketing solver on [0, 2X + 1] (f < 0 at 0, > 0 at the right end): the root is found, not assumed
        root = mpmath.findroot(lambda x: x - sizes.scale_oracle * (1 + e**2) * mpmath.exp(-x),
                               (mpmath.mpf(0), mpmath.mpf(2 * x_f + 1)), solver="illinois")
        assert abs(root - x_f) <= 1e-14 * (1 + abs(root))
        assert abs(2 * e / (1 + e**2) * root - y_f) <= 1e-14 * (1 + abs(root))


@given(correlations, unit_forget_ratios, correlated_sizes)
@example(0.5, 1.0, cm.CorrelatedSizes(10**4, 0.1, 100, 1e-2))
@example(1e-3, 0.0, cm.CorrelatedSizes(1, 0.5, 1000, 1e-12))
def test_lemma7_bounds_hold(eps, alpha, sizes):
    d = cs.solve_convex("original", eps, alpha, sizes)
    assert d.converged
    b = cm.original_bounds(eps, alpha, sizes)
    margins = [rel(d.x - b.x_lower, d.x), rel(b.x_upper - d.x, d.x), rel(d.y - b.y_lower, d.y),
               rel(b.y_upper - d.y, d.y)]
    target(-min(margins), label="lemma7 worst violation")
    assert min(margins) >= -TOL, margins


def test_lemma7_fails_outside_alpha_le_one():
    """Negative control: for α > 1, Y_D > X_D and the X lower / Y upper bounds break."""
    sizes = cm.CorrelatedSizes(1e4, 0.1, 100, 1e-2)
    d = cs.solve_convex("original", 0.5, 3.0, sizes)
    b = cm.original_bounds(0.5, 3.0, sizes)
    assert d.y > d.x
    assert d.x < b.x_lower and d.y > b.y_upper


def _runs_off(eps, alpha, sizes, start, end):
    """The DA flow from ``start`` provably has Y → −∞, judged at its end point ``end`` in 40-digit arithmetic.

    Recomputed here from the mathematics (numerics.correlated_solvers' docstring), sharing no code with
    ``divergence_certified``: V = (1+ε²)X − 2εY obeys dV/dτ = −V + p(1−ε²)²e^{−X} ≥ −V, so V ≥ V_min =
    min(V(start), 0) for ever; then dY/dτ = −Y + 2pεe^{−X} − q(1+ε²)e^{−Y} ≤ e^t[t e^{−t} + B e^{−(1−κ)t} − a]
    with t = −Y, κ = 2ε/(1+ε²), B = 2pε e^{−V_min/(1+ε²)}, a = q(1+ε²); for t ≥ 1 the bracket decreases in t,
    so t ≥ 1 with a negative bracket means Y decreases for ever. Also dY/dτ < 0 at ``end`` itself.
    """
    with mpmath.workdps(40):
        e, p, q = mpmath.mpf(eps), mpmath.mpf(float(sizes.scale_oracle)), mpmath.mpf(float(sizes.scale_forget(alpha)))
        s = 1 + e**2
        v_min = min(s * mpmath.mpf(float(start[0])) - 2 * e * mpmath.mpf(float(start[1])), 0)
        x, t = mpmath.mpf(float(end[0])), -mpmath.mpf(float(end[1]))
        bracket = t * mpmath.exp(-t) + 2 * p * e * mpmath.exp(-v_min / s) * mpmath.exp(-(1 - 2 * e / s) * t) - q * s
        dy = t + 2 * p * e * mpmath.exp(-x) - q * s * mpmath.exp(t)
        return bool(t >= 1 and bracket < 0 and dy < 0)


@given(correlations, unit_forget_ratios, correlated_sizes)
def test_lemma8_bounds_hold_at_flow_limit(eps, alpha, sizes):
    """Lemma 8 at the flow limit; where the flow runs off, that is certified (and forced if no stationary point)."""
    d = cs.solve_convex("original", eps, alpha, sizes)
    da = cs.flow_diff_ascent(eps, alpha, sizes, d.x, d.y)
    bd = cm.da_bounds(eps, alpha, sizes)
    status = cs.STATUS_NAMES[int(da.status)]
    event(f"DA flow: {status}, L_DA has {'a' if bd.has_stationary_point else 'no'} stationary point")
    if status == "local_min":
        # a limit of the flow is a stationary point, so Lemma 8's existence condition must hold
        assert bd.has_stationary_point
        assert da.y <= da.x + TOL * (1 + abs(da.x))
        assert rel(bd.x_upper - da.x, da.x) >= -TOL
        assert rel(bd.y_upper - da.y, da.y) >= -TOL
    else:
        # no other end state on this domain (α ≤ 1): the flow runs off, and provably so
        assert status == "diverges"
        assert _runs_off(eps, alpha, sizes, (d.x, d.y), (da.x, da.y))


def test_lemma9_threshold_by_hand():
    """|F|/|D| = 0.1, ε = 0.5: terms 1.25·0.01/0.99 = 0.0126… and 0.8·0.1/0.99 = 0.0808…; the max is the second."""
    assert cm.alpha_d_gt_da(0.5, 0.1) == pytest.approx(0.08 / 0.99, rel=1e-14)
    assert cm.alpha_d_gt_da(0.1, 0.1) == pytest.approx((1.01 / 0.2) * 0.01 / 0.99, rel=1e-14)


@given(correlations, st.floats(min_value=1.0, max_value=10.0), correlated_sizes)
def test_lemma9_ordering_above_threshold(eps, scale, sizes):
    """α ≥ α_{D>DA}: X_D ≥ X_DA, Y_D ≥ Y_DA at the flow limit; a flow that runs off is certified to.

    Where L_DA has stationary points and α ≤ 1, the proof's inequality chain is checked too: Lemma 8's bounds
    (which every DA stationary point obeys) lie below (X_D, Y_D), so the ordering holds at *every* stationary
    point, not only at the flow limit.
    """
    alpha = scale * float(cm.alpha_d_gt_da(eps, sizes.forget_fraction))
    d = cs.solve_convex("original", eps, alpha, sizes)
    da = cs.flow_diff_ascent(eps, alpha, sizes, d.x, d.y)
    bd = cm.da_bounds(eps, alpha, sizes)
    status = cs.STATUS_NAMES[int(da.status)]
    event(f"DA flow: {status}")
    if bd.has_stationary_point and alpha <= 1:
        event("Lemma 8 bounds checked below (X_D, Y_D)")
        assert rel(d.x - bd.x_upper, d.x) >= -TOL
        assert rel(d.y - bd.y_upper, d.y) >= -TOL
    if status == "local_min":
        assert rel(d.x - da.x, da.x) >= -TOL
        assert rel(d.y - da.y, da.y) >= -TOL
    else:
        assert status == "diverges"
        assert _runs_off(eps, alpha, sizes, (d.x, d.y), (da.x, da.y))


@given(lemma10_certified_sizes(), st.floats(min_value=0.0, max_value=1.0))
@example((0.5, cm.CorrelatedSizes(10**4, 0.3, 100, 1.0)), 1.0)
def test_lemma10_ordering_below_capped_threshold(case, fraction):
    """α ≤ min{α_{R>D}, 1} ⟹ X_R ≥ X_D, Y_R ≥ Y_D, on sizes where α_{R>D} > 0 (derived in the strategy)."""
    eps, sizes = case
    thr = float(cm.alpha_r_gt_d(eps, sizes))
    assert thr > 0  # the strategy's region, derived from Lemma 6 independently of alpha_r_gt_d
    alpha = fraction * min(thr, 1.0)
    d = cs.solve_convex("original", eps, alpha, sizes)
    x_r, y_r = cm.oracle_margins(eps, sizes)
    assert rel(x_r - d.x, d.x) >= -TOL
    assert rel(y_r - d.y, d.y) >= -TOL


def test_lemma10_threshold_solves_its_defining_equations():
    sizes = cm.CorrelatedSizes(1e4, 0.2, 100, 0.1)
    eps = 0.6
    ax, ay = cm.alpha_r_gt_d_parts(eps, sizes)
    x_r, y_r = cm.oracle_margins(eps, sizes)
    b_x = cm.original_bounds(eps, ax, sizes)
    b_y = cm.original_bounds(eps, ay, sizes)
    assert b_x.x_upper == pytest.approx(x_r, rel=1e-13)
    assert b_y.y_upper == pytest.approx(y_r, rel=1e-13)
    assert cm.alpha_r_gt_d(eps, sizes) == min(ax, ay)


def test_lemma10_needs_alpha_at_most_one():
    """Finding: the uncapped threshold can exceed 1, and there the claimed ordering can fail."""
    rng = np.random.default_rng(7)
    n = 20000
    eps = rng.uniform(0.01, 0.99, n)
    n_total = 10 ** rng.uniform(2, 6, n)
    frac = rng.uniform(0.01, 0.9, n)
    sizes = cm.CorrelatedSizes(n_total, frac, 10 ** rng.uniform(0, np.log10(n_total * (1 - frac))),
                               10 ** rng.uniform(-4, 2, n))
    thr = cm.alpha_r_gt_d(eps, sizes)
    alpha = np.where(thr > 1, 1 + (thr - 1) * rng.uniform(0, 1, n), 0.5)
    d = cs.solve_convex("original", eps, alpha, sizes)
    x_r, y_r = cm.oracle_margins(eps, sizes)
    bad = (thr > 1) & ((x_r < d.x) | (y_r < d.y))
    assert bad.any()


@given(correlations, unit_forget_ratios, correlated_sizes)
def test_lemma12_gauss_seidel_matches_newton(eps, alpha, sizes):
    gs = cm.gauss_seidel_original(eps, alpha, sizes)
    d = cs.solve_convex("original", eps, alpha, sizes)
    assert gs.converged
    assert abs(gs.x - d.x) <= 1e-9 * (1 + abs(d.x)) and abs(gs.y - d.y) <= 1e-9 * (1 + abs(d.x))
    assert gs.y <= gs.x + TOL * (1 + gs.x)


def test_gauss_seidel_reports_non_convergence():
    gs = cm.gauss_seidel_original(0.5, 0.3, cm.CorrelatedSizes(1e4, 0.1, 100, 1e-2), max_sweeps=1)
    assert gs.converged is False and gs.sweeps == 1


def test_vectorised_over_arrays():
    sizes = cm.CorrelatedSizes(1e4, np.array([[0.1], [0.3]]), 100, 0.1)
    eps = np.linspace(0.1, 0.9, 5)
    assert cm.alpha_r_gt_d(eps, sizes).shape == (2, 5)
    assert cm.original_bounds(eps, 0.2, sizes).x_upper.shape == (5,)
    assert cm.gauss_seidel_original(eps, 0.2, sizes).x.shape == (2, 5)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_total=-5, forget_fraction=0.1, group_size=1, ridge=1), "n_total"),
        (dict(n_total=10, forget_fraction=1.0, group_size=1, ridge=1), "forget_fraction"),
        (dict(n_total=10, forget_fraction=0.1, group_size=0, ridge=1), "group_size"),
        (dict(n_total=10, forget_fraction=0.1, group_size=1, ridge=math.nan), "ridge"),
    ],
)
def test_bad_sizes_are_rejected(kwargs, name):
    with pytest.raises(ValueError, match=name):
        cm.CorrelatedSizes(**kwargs)


@pytest.mark.parametrize("eps, alpha, name", [(0.0, 0.1, "correlation"), (1.0, 0.1, "correlation"),
                                              (1.5, 0.1, "correlation"), (0.5, -0.1, "forget_ratio")])
def test_bad_point_is_rejected(eps, alpha, name):
    sizes = cm.CorrelatedSizes(1e4, 0.1, 100, 1e-2)
    with pytest.raises(ValueError, match=rf"{name}=.*(\(0.0, 1.0\)|>= 0)"):
        cm.original_bounds(eps, alpha, sizes)
    with pytest.raises(ValueError, match="forget_fraction"):
        cm.alpha_d_gt_da(0.5, 1.2)
    with pytest.raises(ValueError, match="model"):
        cm.stationarity_residual("retrain", 0.0, 0.0, 0.5, 0.1, sizes)


@pytest.mark.parametrize(
    "name, wrong, check",
    [
        ("oracle_margins", lambda f: lambda eps, sizes: tuple(1.01 * v for v in f(eps, sizes)),
         "correlated_oracle._lemma6_property"),
        ("alpha_d_gt_da", lambda f: lambda eps, frac: 0.05 * f(eps, frac), "correlated_ordering._lemma9_property"),
        ("alpha_r_gt_d", lambda f: lambda eps, sizes: 10 * f(eps, sizes), "correlated_ordering._lemma10_property"),
        ("original_bounds", lambda f: lambda *a: f(*a)._replace(y_upper=0.9 * f(*a).y_upper),
         "correlated_bounds._lemma7_property"),
    ],
)
def test_verify_checks_go_red_on_a_wrong_formula(monkeypatch, name, wrong, check):
    """The verify checks call the formulas through the module, so a perturbed formula is caught."""
    import importlib

    module_name, function = check.split(".")
    checks = importlib.import_module(f"ascent_fails.proofs_check.checks.{module_name}")
    assert getattr(checks, function)().passed
    monkeypatch.setattr(cm, name, wrong(getattr(cm, name)))
    assert not getattr(checks, function)().passed
