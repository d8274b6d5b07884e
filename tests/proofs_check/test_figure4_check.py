"""``verify``'s correlated-model results catch planted defects: Figure 4 (figure4) and the symbolic proofs of
Lemmas 9, 10 and 12 that now run over the library's own expressions.

Each defect is planted with monkeypatch (the library is not edited) and the result must turn red in the evidence
kind named; the clean run must be green. The figure4 reference is cached but calls no project code, so a patch
reaches every project route the check compares with it.
"""

from __future__ import annotations

import numpy as np
import pytest

from ascent_fails import proofs_check
from ascent_fails.numerics import correlated_solvers as cs
from ascent_fails.numerics import phase_diagram as pdg
from ascent_fails.proofs_check.checks import phase_diagram as fig4
from ascent_fails.proofs_check.registry import EVIDENCE_KINDS
from ascent_fails.proofs_check.runner import registered_results
from ascent_fails.theory import correlated_model as cm


def _failing(result_id: str) -> set[str]:
    """Evidence kinds that fail; a check that crashed does not count as catching anything."""
    (report,) = proofs_check.run_all([result_id]).results
    crashed = [e.summary for e in report.evidence if e.summary.startswith("check raised")]
    assert not crashed, crashed
    return {e.kind for e in report.evidence if not e.passed}


def test_figure4_is_registered_with_four_kinds():
    (result,) = [r for r in registered_results() if r.id == "figure4"]
    assert set(result.checks) == set(EVIDENCE_KINDS)


def test_figure4_passes_clean():
    assert _failing("figure4") == set()


def test_grid_has_pilot_scale_and_extreme_correlations():
    assert any(c.ridge == 1e-2 and c.n_total == 1e4 and c.group_size == 100 for c in fig4.GRIDS)
    for c in fig4.GRIDS:
        assert c.correlation_min <= 0.01 and c.correlation_max >= 0.99


def _early_certificate(x, y, correlation, forget_ratio, sizes, v_min):
    return fig4._early_certificate(x, y, correlation, forget_ratio, sizes, v_min)


@pytest.mark.parametrize(
    "target, name, replacement",
    [
        (pdg, "classify", fig4._classify_without_xd_ge_xda),
        (cs, "divergence_certified", _early_certificate),
        (cs, "divergence_certified", fig4._certificate_forget_x10()),  # unsound, changes no cell: soundness probe
    ],
    ids=["classify without X_D >= X_DA", "certificate fires early", "certificate q x10"],
)
def test_figure4_catches_planted_phase_defects(monkeypatch, target, name, replacement):
    monkeypatch.setattr(target, name, replacement)
    (report,) = proofs_check.run_all(["figure4"]).results
    (prop,) = [e for e in report.evidence if e.kind == "property"]
    assert not prop.passed and "raised" not in prop.summary, prop.summary  # caught by the comparison, not a crash


def test_lemma10_symbolic_catches_a_wrong_threshold(monkeypatch):
    parts = cm.alpha_r_gt_d_parts
    monkeypatch.setattr(cm, "alpha_r_gt_d_parts", lambda eps, sizes: tuple(1.01 * v for v in parts(eps, sizes)))
    assert "symbolic" in _failing("lemma10")


def test_lemma10_symbolic_proof_fails_for_a_wrong_twin(monkeypatch):
    formulas = cm.sympy_formulas

    def wrong():
        out = formulas()
        out["alpha_x"] = 2 * out["alpha_x"]
        return out

    monkeypatch.setattr(cm, "sympy_formulas", wrong)
    (report,) = proofs_check.run_all(["lemma10"]).results
    (symbolic,) = [e for e in report.evidence if e.kind == "symbolic"]
    assert not symbolic.passed and symbolic.data["gap_x"] != "0"


def test_lemma9_symbolic_catches_a_wrong_threshold(monkeypatch):
    original = cm.alpha_d_gt_da
    monkeypatch.setattr(cm, "alpha_d_gt_da", lambda eps, f: original(eps, np.asarray(f) * 1.001))
    assert "symbolic" in _failing("lemma9")


def test_lemma12_catches_the_update_order_swapped(monkeypatch):
    def swapped(correlation, forget_ratio, sizes, *, tol=1e-13, max_sweeps=10_000):
        eps, alpha = cm.validate_point(correlation, forget_ratio)
        b, s = sizes.scale_original, 1 + eps**2
        x = np.broadcast_to(cm.lambert_w(b * (1 + eps) ** 2), np.broadcast_shapes(eps.shape, alpha.shape,
                                                                                  np.shape(b))).copy()
        y = x.copy()
        for sweeps in range(1, max_sweeps + 1):  # X first, then Y: the wrong order
            c = 2 * b * alpha * eps * np.exp(-y)
            x_new = c + cm.lambert_w(b * s * np.exp(-c))
            c = 2 * b * eps * np.exp(-x_new)
            y_new = c + cm.lambert_w(b * alpha * s * np.exp(-c))
            done = np.maximum(abs(x_new - x), abs(y_new - y)) <= tol * (1 + abs(x_new))
            x, y = x_new, y_new
            if np.all(done):
                break
        f1, f2 = cm.stationarity_residual("original", x, y, eps, alpha, sizes)
        res = np.maximum(abs(f1), abs(f2))
        if np.ndim(x) == 0:
            return cm.GaussSeidelResult(float(x), float(y), bool(done), sweeps, float(res))
        return cm.GaussSeidelResult(x, y, done, sweeps, res)

    monkeypatch.setattr(cm, "gauss_seidel_original", swapped)
    assert "high_precision" in _failing("lemma12")


def test_twins_agree_with_the_float_functions_at_the_pilot_point():
    from ascent_fails.proofs_check.checks._correlated_sweep import twin_values

    sizes = cm.CorrelatedSizes(1e4, 0.1, 100.0, 1e-2)
    vals = twin_values(("alpha_x", "alpha_y", "x_r"), 0.5, 0.3, sizes)
    ax, ay = cm.alpha_r_gt_d_parts(0.5, sizes)
    np.testing.assert_allclose([vals["alpha_x"], vals["alpha_y"], vals["x_r"]],
                               [ax, ay, cm.oracle_margins(0.5, sizes)[0]], rtol=1e-12)
