"""Tests of numerics.toy_landscape: formulas, multi-start enumeration, fine-tuning and the claim checker."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from ascent_fails.numerics import toy_landscape as tl

#: preset names and θ in the region where the minima live
variant_names = st.sampled_from(tuple(tl.VARIANTS))
thetas = st.tuples(st.floats(-8, 8), st.floats(-4, 4))
#: λ ≥ 0 over the range the toy is used in (plus 0)
toy_ridges = st.one_of(st.just(0.0), st.floats(min_value=-4, max_value=0.5).map(lambda e: 10.0**e))
objectives = st.sampled_from(tl.OBJECTIVES)


@given(variant_names, toy_ridges, objectives, thetas)
@example("tanh", 0.1, "pretrained", (2.42, -0.44))
def test_gradient_and_hessian_match_finite_differences(name, ridge, objective, theta):
    variant, w = tl.get_variant(name, ridge), tl.objective_weights(objective)
    theta, h = np.array(theta), 1e-6
    basis = np.eye(2) * h
    fd_grad = np.array([(tl.loss(theta + e, w, variant) - tl.loss(theta - e, w, variant)) / (2 * h) for e in basis])
    fd_hess = np.array([(tl.gradient(theta + e, w, variant) - tl.gradient(theta - e, w, variant)) / (2 * h)
                        for e in basis])
    scale = 1 + np.abs(tl.gradient(theta, w, variant)).max() + np.abs(tl.hessian(theta, w, variant)).max()
    assert np.allclose(tl.gradient(theta, w, variant), fd_grad, atol=1e-6 * scale)
    assert np.allclose(tl.hessian(theta, w, variant), fd_hess, atol=1e-6 * scale)


def test_vectorised_loss_equals_pointwise():
    variant, w = tl.get_variant("shifted-sigmoid"), tl.objective_weights("oracle")
    pts = np.random.default_rng(0).normal(size=(3, 5, 2))
    assert np.allclose(tl.loss(pts, w, variant), [[tl.loss(p, w, variant) for p in row] for row in pts])
    assert tl.hessian(pts, w, variant).shape == (3, 5, 2, 2)


def test_objective_weights_follow_the_forget_set():
    assert tl.objective_weights("oracle", 1).tolist() == [5, 4, 1, 3]
    assert tl.objective_weights("descent_ascent", 1).tolist() == [5, 4, 1, 2]
    assert tl.objective_weights("descent_ascent", 0).tolist() == tl.objective_weights("pretrained").tolist()


@pytest.mark.parametrize("call, match", [
    (lambda: tl.get_variant("relu"), "must be one of 'tanh', 'shifted-sigmoid', 'sigmoid-01'"),
    (lambda: tl.get_variant("tanh", ridge=-0.1), "ridge=-0.1 must be >= 0"),
    (lambda: tl.get_variant("tanh", ridge=float("nan")), "ridge"),
    (lambda: tl.ToyVariant("tanh_half", "pm1", "quarter"), "ridge_scaling"),
    (lambda: tl.ToyVariant("relu", "pm1", "half"), "output"),
    (lambda: tl.objective_weights("retrain"), "objective"),
    (lambda: tl.objective_weights("oracle", 5), "forget_copies=5 must be <= 4"),
    (lambda: tl.objective_weights("oracle", -1), "forget_copies"),
    (lambda: tl.fine_tune((1.0,), "oracle", tl.get_variant("tanh")), "pair"),
    (lambda: tl.fine_tune((np.inf, 0.0), "oracle", tl.get_variant("tanh")), "start"),
    (lambda: tl.ridge_sweep(tl.get_variant("tanh"), [-1.0]), "ridge"),
])
def test_bad_input_is_rejected(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_decision_pattern_and_weighted_accuracy():
    variant = tl.get_variant("sigmoid-01")  # threshold ½ between the {0, 1} targets
    # θ = (1, 0) predicts sign(x): right at x = −1, 1, 4 (labels −1, +1, +1), wrong at x = 3 (label −1)
    assert tl.decision_pattern((1.0, 0.0), variant) == (True, True, False, True)
    assert tl.decision_pattern((-1.0, 0.0), variant) == (False, False, True, False)
    assert tl.weighted_right((True, True, False, True), tl.objective_weights("pretrained")) == (13.0, 14.0)
    assert tl.weighted_right((True, True, True, False), tl.objective_weights("oracle")) == (10.0, 12.0)


def _reference_minima(objective: str, variant: tl.ToyVariant) -> list[np.ndarray]:
    """Slow reference: plain BFGS (no analytic Hessian) from a 12 × 12 grid, deduplicated."""
    w = tl.objective_weights(objective)
    found: list[np.ndarray] = []
    for a0 in np.linspace(-9, 9, 12):
        for b0 in np.linspace(-4.5, 4.5, 12):
            res = minimize(tl.loss, [a0, b0], args=(w, variant), jac=tl.gradient, method="BFGS",
                           options={"gtol": 1e-10})
            if np.linalg.eigvalsh(tl.hessian(res.x, w, variant)).min() > 1e-6 and np.linalg.norm(res.jac) < 1e-6:
                if all(np.linalg.norm(res.x - f) > 1e-4 for f in found):
                    found.append(res.x)
    return found


@pytest.mark.parametrize("name", tuple(tl.VARIANTS))
def test_multistart_finds_every_minimum_of_the_slow_reference(name):
    variant = tl.get_variant(name)
    fast = tl.find_minima("pretrained", variant)
    for ref in _reference_minima("pretrained", variant):
        assert min(np.linalg.norm(m.theta - ref) for m in fast) < 1e-5
    assert sum(m.is_global for m in fast) == 1
    for m in fast:
        assert m.gradient_norm < 1e-9 and min(m.hessian_eigenvalues) > 0


def test_default_variant_reproduces_the_pilot_minima_of_the_spec():
    # THEORY.md §4 pilot: D (2.42, −0.44) global and (3.06, −1.24) local; R (2.33, −0.46), (3.10, −1.27);
    # GDA only (3.12, −1.29)
    pilot = {"pretrained": [(2.42, -0.44), (3.06, -1.24)], "oracle": [(2.33, -0.46), (3.10, -1.27)],
             "descent_ascent": [(3.12, -1.29)]}
    claims = tl.check_claims(tl.get_variant("tanh"))
    for objective, points in pilot.items():
        found = sorted((m.a, m.b) for m in claims.minima if m.objective == objective)
        assert np.allclose(found, sorted(points), atol=0.011), (objective, found)
    assert claims.reproduced and claims.is_trapped
    numbers = {c.name: c.numbers for c in claims.subclaims}
    assert numbers["pretrained_global_pattern"]["right_of"] == (13.0, 14.0)
    assert numbers["retrain_stays"]["right_of"] == (11.0, 12.0)
    assert numbers["gda_prefers_other_basin"]["right_of"] == (10.0, 12.0)


def test_fine_tuning_from_a_minimum_of_the_same_objective_stays_there():
    variant = tl.get_variant("tanh")
    for m in tl.find_minima("oracle", variant):
        end = tl.fine_tune(m.theta, "oracle", variant)
        assert end.converged and np.allclose([end.a, end.b], m.theta, atol=1e-8)


@pytest.mark.parametrize("forget_copies", [0, 1])
def test_negative_control_forgetting_fewer_copies_is_not_trapped(forget_copies):
    claims = tl.check_claims(tl.get_variant("tanh"), forget_copies=forget_copies)
    assert not claims.is_trapped
    assert claims.trapped.correct == tl.PATTERN_WRONG_ON_3


def test_claims_fail_at_zero_ridge_where_the_other_basin_escapes_to_infinity():
    claims = tl.check_claims(tl.get_variant("tanh", ridge=0.0))
    failed = {c.name for c in claims.subclaims if not c.reproduced}
    assert "pretrained_two_minima" in failed


@pytest.fixture(scope="module")
def edges() -> dict[str, tl.RidgeContinuation]:
    """Per variant: the bracket of the λ where the pretrained 'other basin' minimum disappears."""
    out = {}
    for name, base in tl.VARIANTS.items():
        small = base.with_ridge(1e-3)
        other = next(m for m in tl.find_minima("pretrained", small) if m.correct == tl.PATTERN_WRONG_ON_4)
        out[name] = tl.continue_minimum("pretrained", small, other.theta, max_ridge=10.0, factor=1.02)
    return out


# each example runs the full claim checker (about 0.3 s): 50 examples instead of 200
@settings(max_examples=50)
@given(name=variant_names, fraction=st.one_of(st.floats(0.01, 0.9), st.floats(1.1, 3.0)))
@example(name="tanh", fraction=0.9)
@example(name="sigmoid-01", fraction=1.1)
def test_claims_hold_below_the_ridge_edge_and_fail_above(edges, name, fraction):
    edge = edges[name]
    assert edge.ridge_failing is not None and edge.ridge_failing / edge.ridge_holding < 1.03
    ridge = fraction * (edge.ridge_holding if fraction < 1 else edge.ridge_failing)
    claims = tl.check_claims(tl.get_variant(name, ridge))
    if fraction < 1:
        assert claims.reproduced, [c.name for c in claims.subclaims if not c.reproduced]
    else:
        assert not claims.subclaims[0].reproduced


def test_sigmoid01_edge_is_a_quarter_of_the_tanh_edge(edges):
    # the sigmoid-{0,1} landscape is the tanh landscape at 4λ (theory.toy_model proves it symbolically)
    assert edges["sigmoid-01"].ridge_holding * 4 == pytest.approx(edges["tanh"].ridge_holding, rel=0.03)


def test_ridge_sweep_reports_the_holding_interval():
    sweep = tl.ridge_sweep(tl.get_variant("tanh"), [0.3, 0.05, 0.1])
    assert sweep.ridges == (0.05, 0.1, 0.3)
    assert sweep.holds == (True, True, False)
    assert sweep.interval == (0.05, 0.1)
    assert "pretrained_two_minima" in sweep.failing[2]


def test_closed_form_abs_inverse_matches_eigh():
    # slow reference: the LAPACK eigendecomposition of each symmetric 2 × 2 matrix
    rng = np.random.default_rng(0)
    A = rng.normal(size=(200, 2, 2))
    H = np.concatenate([A + A.transpose(0, 2, 1), np.tile(-3 * np.eye(2), (3, 1, 1))])  # incl. H = μI
    g = rng.normal(size=(len(H), 2))
    evals, evecs = np.linalg.eigh(H)
    ref = np.einsum("nij,nj,nkj,nk->ni", evecs, 1 / np.maximum(np.abs(evals), 1e-3), evecs, g)
    assert np.allclose(tl._abs_inverse_times(H, g), ref, rtol=1e-10, atol=1e-10)


def test_fine_tuning_reports_non_convergence_when_the_flow_is_cut_short():
    variant = tl.get_variant("tanh")
    gda = tl.find_minima("descent_ascent", variant)[0]
    short = tl.fine_tune(gda.theta, "oracle", variant, max_time=1e-3)
    assert not short.converged and short.flow_time == pytest.approx(1e-3)
