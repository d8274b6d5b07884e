"""Tests of numerics.correlated_solvers: the fast batched solvers against the slow scipy references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascent_fails.numerics import correlated_solvers as cs
from tests.strategies import correlations, ridges, small_set_sizes
from ascent_fails.theory import correlated_model as cm

forget_fractions = st.floats(min_value=0.01, max_value=0.9, allow_nan=False)
#: α log-uniform in [1e-4, 3]: crosses both the convergent and the divergent DA regimes
forget_ratios_wide = st.floats(min_value=-4, max_value=0.5).map(lambda e: 10.0**e)
#: moderate scales, where the slow references (fsolve, LSODA) are themselves reliable
moderate_sizes = st.builds(cm.CorrelatedSizes, n_total=st.integers(10**3, 10**5), forget_fraction=forget_fractions,
                           group_size=small_set_sizes, ridge=st.floats(-3, 1).map(lambda e: 10.0**e))
correlated_sizes = st.builds(cm.CorrelatedSizes, n_total=st.integers(1, 10**6), forget_fraction=forget_fractions,
                             group_size=small_set_sizes, ridge=ridges)


@given(st.sampled_from(["original", "oracle"]), correlations, forget_ratios_wide, correlated_sizes)
@example("original", 1e-3, 3.0, cm.CorrelatedSizes(1, 0.5, 1000, 1e-12))
def test_convex_newton_converges_to_a_root(model, eps, alpha, sizes):
    res = cs.solve_convex(model, eps, alpha, sizes)
    assert res.converged
    f1, f2 = cm.stationarity_residual(model, res.x, res.y, eps, alpha, sizes)
    assert max(abs(f1), abs(f2)) <= 1e-12 * (1 + max(abs(res.x), abs(res.y)))


@given(st.sampled_from(["original", "oracle"]), correlations, forget_ratios_wide, moderate_sizes)
def test_convex_newton_matches_fsolve(model, eps, alpha, sizes):
    fast = cs.solve_convex(model, eps, alpha, sizes)
    x, y, ok = cs.fsolve_point(model, eps, alpha, sizes, (0.0, 0.0))
    # on moderate sizes the reference converges (1,500 random draws: every one); the convex objective has one
    # stationary point, so the converged fsolve must find the same one
    assert ok
    assert abs(fast.x - x) <= 1e-9 * (1 + abs(x)) and abs(fast.y - y) <= 1e-9 * (1 + abs(x))


@given(correlations, forget_ratios_wide, moderate_sizes)
@example(0.5, 0.06, cm.CorrelatedSizes(10**4, 0.1, 100, 1e-2))  # the scale of docs/theory.md#figure-4's λ = 0.01 run, inside the ordered window
@example(0.5, 0.5, cm.CorrelatedSizes(10**4, 0.1, 100, 1e-2))  # same scale, DA diverges
def test_da_flow_matches_solve_ivp_reference(eps, alpha, sizes):
    d = cs.solve_convex("original", eps, alpha, sizes)
    fast = cs.flow_diff_ascent(eps, alpha, sizes, d.x, d.y)
    x, y, status = cs.flow_point_reference(eps, alpha, sizes, (d.x, d.y))
    assert cs.STATUS_NAMES[int(fast.status)] == status
    if status == "local_min":
        assert abs(fast.x - x) <= 1e-8 * (1 + abs(x)) and abs(fast.y - y) <= 1e-8 * (1 + abs(x))


def test_divergence_certificate_is_sound():
    """Where the certificate fires, a long reference integration indeed runs Y far below its start."""
    sizes = cm.CorrelatedSizes(1e4, 0.1, 100, 1e-2)
    d = cs.solve_convex("original", 0.5, 0.5, sizes)
    fast = cs.flow_diff_ascent(0.5, 0.5, sizes, d.x, d.y)
    assert cs.STATUS_NAMES[int(fast.status)] == "diverges"
    v_min = min((1 + 0.25) * d.x - 2 * 0.5 * d.y, 0.0)
    assert cs.divergence_certified(fast.x, fast.y, 0.5, 0.5, sizes, v_min)
    from scipy.integrate import solve_ivp

    def rhs(_t, z):
        f1, f2 = cm.stationarity_residual("diff_ascent", z[0], z[1], 0.5, 0.5, sizes)
        return [-f1, -f2]

    def far(_t, z):
        return z[1] + 30.0

    far.terminal = True
    sol = solve_ivp(rhs, (0, 1e3), [fast.x, fast.y], method="LSODA", events=far, rtol=1e-9, atol=1e-12)
    assert sol.t_events[0].size == 1  # Y reached −30: the run-off continues past the certificate


def test_flow_with_no_stationary_point_diverges():
    """Lemma 8: an argument below −1/e leaves no stationary point, so the flow must be classed `diverges`."""
    sizes = cm.CorrelatedSizes(1e4, 0.1, 100, 1e-2)
    eps = np.linspace(0.05, 0.95, 30)
    alpha = np.geomspace(1e-3, 2.0, 40)[:, None]
    bd = cm.da_bounds(eps, alpha, sizes)
    assert (~bd.has_stationary_point).any()
    d = cs.solve_convex("original", eps, alpha, sizes)
    da = cs.flow_diff_ascent(eps, alpha, sizes, d.x, d.y)
    assert np.all(da.status[~bd.has_stationary_point] == cs.FLOW_STATUS["diverges"])
    assert np.all(da.status != cs.FLOW_STATUS["unresolved"])


def test_flow_reports_unresolved_when_step_limit_hit():
    sizes = cm.CorrelatedSizes(1e4, 0.1, 100, 1e-2)
    d = cs.solve_convex("original", 0.5, 0.03, sizes)
    da = cs.flow_diff_ascent(0.5, 0.03, sizes, d.x, d.y, max_steps=2)
    assert da.status == cs.FLOW_STATUS["unresolved"] and da.steps == 2


def test_grid_matches_pointwise_calls():
    """Batching does not change any answer: the grid solution equals point-by-point fast solves."""
    sizes = cm.CorrelatedSizes(1e4, np.array([0.1, 0.3])[:, None, None], 100, 0.1)
    eps = np.linspace(0.1, 0.9, 4)[None, None, :]
    alpha = np.geomspace(1e-2, 1.0, 5)[None, :, None]
    d = cs.solve_convex("original", eps, alpha, sizes)
    da = cs.flow_diff_ascent(eps, alpha, sizes, d.x, d.y)
    assert d.x.shape == da.status.shape == (2, 5, 4)
    for k, f in enumerate([0.1, 0.3]):
        one = cm.CorrelatedSizes(1e4, f, 100, 0.1)
        for i in range(5):
            for j in range(4):
                dp = cs.solve_convex("original", eps[0, 0, j], alpha[0, i, 0], one)
                dap = cs.flow_diff_ascent(eps[0, 0, j], alpha[0, i, 0], one, dp.x, dp.y)
                assert dp.x == pytest.approx(d.x[k, i, j], rel=1e-12)
                assert dap.status == da.status[k, i, j]
                if dap.status == cs.FLOW_STATUS["local_min"]:
                    assert dap.x == pytest.approx(da.x[k, i, j], rel=1e-9, abs=1e-12)


def test_bad_arguments():
    sizes = cm.CorrelatedSizes(1e4, 0.1, 100, 1e-2)
    with pytest.raises(ValueError, match="model"):
        cs.solve_convex("diff_ascent", 0.5, 0.1, sizes)
    with pytest.raises(ValueError, match="correlation"):
        cs.solve_convex("original", 1.0, 0.1, sizes)
    with pytest.raises(ValueError, match="forget_ratio"):
        cs.flow_diff_ascent(0.5, -1.0, sizes, 0.0, 0.0)
    with pytest.raises(ValueError, match="path_tol"):
        cs.flow_diff_ascent(0.5, 0.1, sizes, 0.0, 0.0, path_tol=0.0)
