"""Tests of theory.toy_problem: the toy's data, objective weights, float formulas and decision patterns."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascent_fails.theory import toy_problem as tp

#: preset names and θ in the region where the minima live
variant_names = st.sampled_from(tuple(tp.VARIANTS))
thetas = st.tuples(st.floats(-8, 8), st.floats(-4, 4))
#: λ ≥ 0 over the range the toy is used in (plus 0)
toy_ridges = st.one_of(st.just(0.0), st.floats(min_value=-4, max_value=0.5).map(lambda e: 10.0**e))
objectives = st.sampled_from(tp.OBJECTIVES)


@given(variant_names, toy_ridges, objectives, thetas)
@example("tanh", 0.1, "pretrained", (2.42, -0.44))
def test_gradient_and_hessian_match_finite_differences(name, ridge, objective, theta):
    variant, w = tp.get_variant(name, ridge), tp.objective_weights(objective)
    theta, h = np.array(theta), 1e-6
    basis = np.eye(2) * h
    fd_grad = np.array([(tp.loss(theta + e, w, variant) - tp.loss(theta - e, w, variant)) / (2 * h) for e in basis])
    fd_hess = np.array([(tp.gradient(theta + e, w, variant) - tp.gradient(theta - e, w, variant)) / (2 * h)
                        for e in basis])
    scale = 1 + np.abs(tp.gradient(theta, w, variant)).max() + np.abs(tp.hessian(theta, w, variant)).max()
    assert np.allclose(tp.gradient(theta, w, variant), fd_grad, atol=1e-6 * scale)
    assert np.allclose(tp.hessian(theta, w, variant), fd_hess, atol=1e-6 * scale)


def test_vectorised_loss_equals_pointwise():
    variant, w = tp.get_variant("shifted-sigmoid"), tp.objective_weights("oracle")
    pts = np.random.default_rng(0).normal(size=(3, 5, 2))
    assert np.allclose(tp.loss(pts, w, variant), [[tp.loss(p, w, variant) for p in row] for row in pts])
    assert tp.hessian(pts, w, variant).shape == (3, 5, 2, 2)


def test_objective_weights_follow_the_forget_set():
    assert tp.objective_weights("oracle", 1).tolist() == [5, 4, 1, 3]
    assert tp.objective_weights("descent_ascent", 1).tolist() == [5, 4, 1, 2]
    assert tp.objective_weights("descent_ascent", 0).tolist() == tp.objective_weights("pretrained").tolist()


@pytest.mark.parametrize("call, match", [
    (lambda: tp.get_variant("relu"), "must be one of 'tanh', 'shifted-sigmoid', 'sigmoid-01'"),
    (lambda: tp.get_variant("tanh", ridge=-0.1), "ridge=-0.1 must be >= 0"),
    (lambda: tp.get_variant("tanh", ridge=float("nan")), "ridge"),
    (lambda: tp.ToyVariant("tanh_half", "pm1", "quarter"), "ridge_scaling"),
    (lambda: tp.ToyVariant("relu", "pm1", "half"), "output"),
    (lambda: tp.objective_weights("retrain"), "objective"),
    (lambda: tp.objective_weights("oracle", 5), "forget_copies=5 must be <= 4"),
    (lambda: tp.objective_weights("oracle", -1), "forget_copies"),
])
def test_bad_input_is_rejected(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_decision_pattern_and_weighted_accuracy():
    variant = tp.get_variant("sigmoid-01")  # threshold ½ between the {0, 1} targets
    # θ = (1, 0) predicts sign(x): right at x = −1, 1, 4 (labels −1, +1, +1), wrong at x = 3 (label −1)
    assert tp.decision_pattern((1.0, 0.0), variant) == (True, True, False, True)
    assert tp.decision_pattern((-1.0, 0.0), variant) == (False, False, True, False)
    assert tp.weighted_right((True, True, False, True), tp.objective_weights("pretrained")) == (13.0, 14.0)
    assert tp.weighted_right((True, True, True, False), tp.objective_weights("oracle")) == (10.0, 12.0)


def test_stationary_radius_contains_the_minima():
    # every stationary point satisfies 2cλ‖θ‖ ≤ Σ 2|w_i| sup|σ − t_i| sup|σ'| ‖φ_i‖; the pilot minima lie far inside
    variant, w = tp.get_variant("tanh"), tp.objective_weights("pretrained")
    radius = tp.stationary_radius(w, variant)
    assert np.linalg.norm([3.06, -1.24]) < radius < np.inf
    assert tp.stationary_radius(w, variant.with_ridge(0.0)) == np.inf
