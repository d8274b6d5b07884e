"""Tests of numerics.phase_reference, the independent route behind ``verify``'s figure4 and the phase-diagram tests.

The reference must not share code with what it checks: its imports are checked; its answers are checked against the
stationarity systems written out here from docs/theory.md (not the library's residual functions)."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest

from ascent_fails.numerics import phase_reference as pr

PILOT = dict(n_total=1e4, forget_fraction=0.1, group_size=100.0, ridge=1e-2)  # b = 1


def _da_residual(x, y, eps, p, q):
    """The DA system of docs/theory.md: X = p(1+ε²)e^{−X} − 2qεe^{−Y}, Y = 2pεe^{−X} − q(1+ε²)e^{−Y}."""
    s = 1 + eps**2
    return x - p * s * np.exp(-x) + 2 * q * eps * np.exp(-y), y - 2 * p * eps * np.exp(-x) + q * s * np.exp(-y)


def test_imports_nothing_it_checks():
    tree = ast.parse(inspect.getsource(pr))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    forbidden = {"phase_diagram", "correlated_solvers", "correlated_model", "lambert"}
    assert not {m for m in imported if m and any(f in m for f in forbidden)}, imported


@pytest.mark.parametrize("eps", [1e-3, 0.3, 0.7, 0.999])
@pytest.mark.parametrize("alpha", [1e-3, 0.02, 0.2])
def test_every_stationary_point_is_a_root_and_they_come_in_pairs(eps, alpha):
    _, p, q = pr.scales(alpha, **PILOT)
    roots = pr.da_stationary_points(eps, p, q)
    n = int(roots.count[0])
    assert n % 2 == 0  # G → +∞ at both ends of its domain
    for k in range(n):
        x, y = roots.x[0, k], roots.y[0, k]
        f1, f2 = _da_residual(x, y, eps, p, q)
        terms = abs(x) + abs(y) + p * (1 + eps) ** 2 * np.exp(-x) + q * (1 + eps) ** 2 * np.exp(-y)  # rounding scale
        assert abs(f1) + abs(f2) < 1e-12 * terms
        assert roots.y[0, k] <= roots.x[0, k]  # X − Y = (1−ε)²(pe^{−X} + qe^{−Y}) ≥ 0
    if n == 2:  # one minimum, one saddle
        kinds = pr.da_local_min(roots.x[0], roots.y[0], eps, p, q)
        assert sorted(kinds.tolist()) == [False, True]


def test_no_stationary_point_far_beyond_the_fold():
    _, p, q = pr.scales(5.0, **PILOT)
    assert int(pr.da_stationary_points(0.5, p, q).count[0]) == 0


def test_a_coarse_scan_finds_the_same_roots():
    eps = np.linspace(0.01, 0.99, 50)
    alpha = np.geomspace(1e-4, 1.0, 50)
    _, p, q = pr.scales(alpha, **PILOT)
    fine, coarse = pr.da_stationary_points(eps, p, q), pr.da_stationary_points(eps, p, q, n_scan=16)
    assert np.array_equal(fine.count, coarse.count)
    np.testing.assert_allclose(fine.x, coarse.x, rtol=1e-12, atol=1e-12)


def test_oracle_and_original_solve_their_systems():
    eps, alpha = np.array([1e-3, 0.5, 0.999]), np.array([1e-4, 0.3, 1.0])
    b, p, _ = pr.scales(alpha, **PILOT)
    xr, yr = pr.oracle_point(eps, p)
    s = 1 + eps**2
    np.testing.assert_allclose(xr, p * s * np.exp(-xr), rtol=1e-14)
    np.testing.assert_allclose(yr, 2 * p * eps * np.exp(-xr), rtol=1e-14)
    xd, yd = pr.original_point(eps, alpha, b)
    np.testing.assert_allclose(xd, b * s * np.exp(-xd) + 2 * b * alpha * eps * np.exp(-yd), rtol=1e-12)
    np.testing.assert_allclose(yd, 2 * b * eps * np.exp(-xd) + b * alpha * s * np.exp(-yd), rtol=1e-12)


def test_flow_statuses():
    ref = pr.reference_cells(np.array([0.5, 0.5]), np.array([0.03, 0.9]), **PILOT)
    assert ref.status.tolist() == ["local_min", "diverges"]
    assert ref.category.tolist() == ["ordered", "diverges"]
    # the local minimum is a root of the DA system
    _, p, q = pr.scales(0.03, **PILOT)
    assert max(map(abs, _da_residual(ref.x_da[0], ref.y_da[0], 0.5, p, q))) < 1e-9


def test_flow_from_beyond_the_saddle_diverges_and_from_near_the_minimum_converges():
    _, p, q = pr.scales(0.03, **PILOT)
    roots = pr.da_stationary_points(0.5, p, q)
    is_min = pr.da_local_min(roots.x[0], roots.y[0], 0.5, p, q)
    (m,), (s,) = np.nonzero(is_min)[0], np.nonzero(~is_min)[0]
    beyond = roots.x[0, m] + 1.2 * (roots.x[0, s] - roots.x[0, m]), roots.y[0, m] + 1.2 * (roots.y[0, s] - roots.y[0, m])
    near = roots.x[0, m] + 0.1 * (roots.x[0, s] - roots.x[0, m]), roots.y[0, m] + 0.1 * (roots.y[0, s] - roots.y[0, m])
    assert pr.da_flow(0.5, p, q, *beyond, roots.x[0], roots.y[0])[2] == "diverges"
    assert pr.da_flow(0.5, p, q, *near, roots.x[0], roots.y[0])[2] == "local_min"


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(correlation=1.0), "correlation"),
        (dict(forget_ratio=0.0), "forget_ratio"),
        (dict(ridge=-1.0), "ridge"),
        (dict(forget_fraction=1.0), "forget_fraction"),
        (dict(n_total=0.0), "n_total"),
        (dict(group_size=float("nan")), "group_size"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, name):
    args = dict(correlation=0.5, forget_ratio=0.1, **PILOT) | kwargs
    with pytest.raises(ValueError, match=name):
        pr.reference_cells(args.pop("correlation"), args.pop("forget_ratio"), **args)


def test_bad_scan_size_is_refused():
    with pytest.raises(ValueError, match="n_scan"):
        pr.da_stationary_points(0.5, 1.0, 0.1, n_scan=2)
