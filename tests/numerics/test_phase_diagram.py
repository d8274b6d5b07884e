"""Tests of numerics.phase_diagram: categories against an independent reference (numerics.phase_reference), CSV
schema, comparison text."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import numpy as np
import pytest

from ascent_fails.numerics import correlated_solvers as cs
from ascent_fails.numerics import phase_diagram as pdg
from ascent_fails.numerics import phase_reference as pr
from ascent_fails.theory import correlated_model as cm

SMALL = pdg.PhaseConfig(n_total=1e4, ridge=1e-2, group_size=100, forget_fractions=(0.1, 0.3), n_correlation=15,
                        n_forget_ratio=18)


@pytest.fixture(scope="module")
def small():
    return pdg.compute_phase(SMALL)


def test_shapes_and_codes(small):
    assert small.category.shape == (2, 18, 15)
    assert small.alpha_d_gt_da.shape == small.alpha_r_gt_d.shape == (2, 15)
    assert set(np.unique(small.category)) <= {0, 1, 2}
    assert small.unresolved == 0


def test_categories_match_independent_reference(small):
    """Every cell is recomputed by numerics.phase_reference, which shares no code with compute_phase, classify or
    the divergence certificate (bisection on 1-D reductions, every DA stationary point, solve_ivp on the flow in w,
    divergence judged from the trajectory's energy)."""
    shape = small.category.shape
    eps = np.broadcast_to(small.correlation[None, None, :], shape).ravel()
    alpha = np.broadcast_to(small.forget_ratio[None, :, None], shape).ravel()
    frac = np.broadcast_to(np.asarray(SMALL.forget_fractions)[:, None, None], shape).ravel()
    ref = pr.reference_cells(eps, alpha, n_total=SMALL.n_total, forget_fraction=frac, group_size=SMALL.group_size,
                             ridge=SMALL.ridge)
    assert not np.any(ref.status == "unresolved")
    assert int(ref.tied.sum()) <= 2  # a tie within rounding may go either way; the grid hardly meets one
    project = np.asarray(pdg.CATEGORIES)[small.category.ravel()]
    bad = np.nonzero((project != ref.category) & ~ref.tied)[0]
    assert bad.size == 0, [(eps[i], alpha[i], frac[i], project[i], ref.category[i]) for i in bad[:5]]
    # every category occurs, so the comparison is not vacuous
    assert set(ref.category) == set(pdg.CATEGORIES)


def test_solutions_match_independent_reference():
    """D and R from Newton, the DA flow limit: equal to the reference's bisection / solve_ivp values."""
    sizes = SMALL.sizes(0.1)
    eps, alpha = np.array([0.005, 0.3, 0.7, 0.995]), np.array([0.002, 0.03, 0.01, 0.02])
    d = cs.solve_convex("original", eps, alpha, sizes)
    r = cs.solve_convex("oracle", eps, alpha, sizes)
    da = cs.flow_diff_ascent(eps, alpha, sizes, d.x, d.y)
    ref = pr.reference_cells(eps, alpha, n_total=SMALL.n_total, forget_fraction=0.1, group_size=SMALL.group_size,
                             ridge=SMALL.ridge)
    np.testing.assert_allclose(d.x, ref.x_d, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(d.y, ref.y_d, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r.x, ref.x_r, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r.y, ref.y_r, rtol=1e-9, atol=1e-12)
    at_min = ref.status == "local_min"
    assert at_min.any()
    assert np.all((np.asarray(da.status) == cs.FLOW_STATUS["local_min"]) == at_min)
    np.testing.assert_allclose(np.asarray(da.x)[at_min], ref.x_da[at_min], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(np.asarray(da.y)[at_min], ref.y_da[at_min], rtol=1e-7, atol=1e-9)


def test_classify_definition():
    d = SimpleNamespace(x=np.array([1.0, 1.0, 1.0, 1.0]), y=np.array([0.5, 0.5, 0.5, 0.5]))
    r = SimpleNamespace(x=np.array([2.0, 2.0, 2.0, 0.9]), y=np.array([1.0, 1.0, 1.0, 1.0]))
    da_x, da_y = np.array([0.5, 0.5, 0.5, 0.5]), np.array([0.2, 0.2, 0.2, 0.2])
    status = np.array([0, 1, 2, 0])  # local_min, diverges, other_stationary, local_min but X_R < X_D
    assert pdg.classify(d, r, da_x, da_y, status).tolist() == [0, 1, 2, 2]


def test_curves_are_the_lemma_formulas(small):
    for k, f in enumerate(SMALL.forget_fractions):
        np.testing.assert_allclose(small.alpha_d_gt_da[k], cm.alpha_d_gt_da(small.correlation, f), rtol=1e-15)
        np.testing.assert_allclose(small.alpha_r_gt_d[k], cm.alpha_r_gt_d(small.correlation, SMALL.sizes(f)),
                                   rtol=1e-15)


def test_csv_schema_and_content(small, tmp_path):
    pdg.write_curves_csv(small, tmp_path / "c.csv")
    pdg.write_region_csv(small, tmp_path / "r.csv")
    with open(tmp_path / "c.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["forget_fraction", "correlation", "alpha_d_gt_da", "alpha_r_gt_d"]
    assert len(rows) == 2 * 15
    row = rows[15 + 3]
    assert float(row["forget_fraction"]) == 0.3 and float(row["correlation"]) == small.correlation[3]
    assert float(row["alpha_r_gt_d"]) == small.alpha_r_gt_d[1, 3]
    with open(tmp_path / "r.csv", newline="") as fh:
        region = list(csv.DictReader(fh))
    assert list(region[0]) == ["forget_fraction", "correlation", "alpha", "category"]
    assert len(region) == small.category.size
    for row in region[::37]:
        k = SMALL.forget_fractions.index(float(row["forget_fraction"]))
        i = int(np.flatnonzero(small.forget_ratio == float(row["alpha"]))[0])
        j = int(np.flatnonzero(small.correlation == float(row["correlation"]))[0])
        assert row["category"] == pdg.CATEGORIES[small.category[k, i, j]]


def test_comparison_counts_come_from_the_grid(small):
    text = pdg.comparison_markdown(small)
    for k, f in enumerate(SMALL.forget_fractions):
        assert f"## |F|/|D| = {f:g}" in text
        n_ordered = int(np.sum(small.category[k] == 0))
        assert f"of {n_ordered} (" in text
        n_div = int(np.sum(small.category[k] == 1))
        assert f"DA diverges at {n_div} grid points" in text


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(forget_fractions=(0.1, 1.5)), "forget_fractions"),
        (dict(forget_fractions=(0.0,)), "forget_fractions"),
        (dict(forget_fractions=()), "forget_fractions"),
        (dict(n_total=-10), "n_total"),
        (dict(group_size=-1), "group_size"),
        (dict(ridge=0), "ridge"),
        (dict(correlation_max=1.0), "correlation_max"),
        (dict(correlation_min=0.6, correlation_max=0.5), "correlation_min"),
        (dict(n_correlation=1), "n_correlation"),
    ],
)
def test_bad_config_is_rejected(kwargs, name):
    with pytest.raises(ValueError, match=name):
        pdg.PhaseConfig(**kwargs)
