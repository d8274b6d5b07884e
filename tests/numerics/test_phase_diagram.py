"""Tests of numerics.phase_diagram: categories against the slow references, CSV schema, comparison text."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import numpy as np
import pytest

from ascent_fails.numerics import correlated_solvers as cs
from ascent_fails.numerics import phase_diagram as pdg
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


def test_categories_match_slow_reference(small):
    """Every category on a seeded sample of grid points is recomputed with fsolve + solve_ivp and classified."""
    rng = np.random.default_rng(11)
    picks = [(rng.integers(2), rng.integers(18), rng.integers(15)) for _ in range(40)]
    for k, i, j in picks:
        sizes = SMALL.sizes(SMALL.forget_fractions[k])
        eps, alpha = small.correlation[j], small.forget_ratio[i]
        xd, yd, ok_d = cs.fsolve_point("original", eps, alpha, sizes, (0.0, 0.0))
        xr, yr, ok_r = cs.fsolve_point("oracle", eps, alpha, sizes, (0.0, 0.0))
        assert ok_d and ok_r
        x, y, status = cs.flow_point_reference(eps, alpha, sizes, (xd, yd))
        code = pdg.classify(SimpleNamespace(x=xd, y=yd), SimpleNamespace(x=xr, y=yr), x, y,
                            cs.FLOW_STATUS[status])
        assert int(code) == small.category[k, i, j], (k, i, j, status)


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
