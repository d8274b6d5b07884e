"""Tests of theory.toy_model: SymPy objectives and derivatives, 50-digit certificates, the fold, the identity."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascent_fails.numerics import toy_claims
from ascent_fails.numerics.toy_landscape import find_minima
from ascent_fails.numerics.toy_ridge import continue_minimum
from ascent_fails.proofs_check.checks import toy_trap
from ascent_fails.theory import toy_model as tm
from ascent_fails.theory import toy_problem as tp

variant_names = st.sampled_from(tuple(tp.VARIANTS))
objectives = st.sampled_from(tp.OBJECTIVES)
thetas = st.tuples(st.floats(-8, 8), st.floats(-4, 4))
toy_ridges = st.floats(min_value=-4, max_value=0.5).map(lambda e: 10.0**e)


@given(variant_names, objectives, thetas, toy_ridges)
@example("tanh", "pretrained", (2.42, -0.44), 0.1)
def test_sympy_gradient_matches_finite_differences_of_the_sympy_objective(name, objective, theta, ridge):
    f = tm.numeric_functions(objective, tp.get_variant(name))
    a, b = theta
    h = 1e-6
    value, grad, hess = f(a, b, ridge)
    fd_grad = [(f(a + h, b, ridge)[0] - f(a - h, b, ridge)[0]) / (2 * h),
               (f(a, b + h, ridge)[0] - f(a, b - h, ridge)[0]) / (2 * h)]
    fd_hess_row_a = [(f(a + h, b, ridge)[1][k] - f(a - h, b, ridge)[1][k]) / (2 * h) for k in range(2)]
    scale = 1 + np.abs(grad).max() + np.abs(hess).max()
    assert np.allclose(grad, fd_grad, atol=1e-6 * scale)
    assert np.allclose(hess[0], fd_hess_row_a, atol=1e-6 * scale)


@given(variant_names, objectives, thetas, toy_ridges)
def test_sympy_derivatives_equal_the_hand_written_float_formulas(name, objective, theta, ridge):
    variant = tp.get_variant(name, ridge)
    weights = tp.objective_weights(objective)
    value, grad, hess = tm.numeric_functions(objective, variant)(*theta, ridge)
    point = np.array(theta)
    assert value == pytest.approx(float(tp.loss(point, weights, variant)), rel=1e-12, abs=1e-12)
    assert np.allclose(grad, tp.gradient(point, weights, variant), rtol=1e-10, atol=1e-10)
    assert np.allclose(hess, tp.hessian(point, weights, variant), rtol=1e-10, atol=1e-10)


def test_sigmoid01_is_the_tanh_landscape_at_four_times_the_ridge():
    assert tm.sigmoid01_is_tanh_at_four_lambda()


@given(objectives, thetas, toy_ridges)
def test_sigmoid01_identity_numerically(objective, theta, ridge):
    w = tp.objective_weights(objective)
    point = np.array(theta)
    sig = tp.loss(point, w, tp.get_variant("sigmoid-01", ridge))
    tanh = tp.loss(point, w, tp.get_variant("tanh", 4 * ridge))
    assert sig == pytest.approx(tanh / 4, rel=1e-12, abs=1e-13)


@pytest.mark.parametrize("name", tuple(tp.VARIANTS))
def test_every_reported_minimum_is_certified_at_50_digits(name):
    variant = tp.get_variant(name)
    for objective in tp.OBJECTIVES:
        for m in find_minima(objective, variant):
            cert = tm.certify_minimum(objective, variant, m.a, m.b, dps=50)
            assert cert.is_minimum and cert.residual < 1e-45
            assert cert.shift < 1e-8  # the float minimum agrees with the 50-digit root
            assert float(cert.loss) == pytest.approx(m.loss, rel=1e-12)


def test_a_saddle_is_not_certified_as_a_minimum():
    # between the two pretrained minima lies the saddle that separates their basins
    cert = tm.certify_minimum("pretrained", tp.get_variant("tanh"), 2.74, -0.84)
    assert cert.converged and not cert.is_minimum and cert.minors[1] < 0


def test_certificate_rejects_low_precision_and_bad_points():
    with pytest.raises(ValueError, match="dps"):
        tm.certify_minimum("pretrained", tp.get_variant("tanh"), 2.4, -0.4, dps=30)
    with pytest.raises(ValueError, match="a=nan"):
        tm.certify_minimum("pretrained", tp.get_variant("tanh"), float("nan"), -0.4)
    with pytest.raises(ValueError, match="module"):
        tm.numeric_functions("pretrained", tp.get_variant("tanh"), module="torch")


def test_fold_of_sigmoid01_is_a_quarter_of_the_tanh_fold_to_40_digits():
    # independent of the identity proof: two separate 50-digit root finds on two different objectives
    folds = {}
    for name, guess_ridge in (("tanh", 0.15), ("sigmoid-01", 0.0375)):
        folds[name] = tm.fold_ridge("pretrained", tp.get_variant(name), 2.6, -1.03, guess_ridge, dps=50)
        assert folds[name].residual < 1e-40
    with mpmath.workdps(50):
        assert abs(4 * folds["sigmoid-01"].ridge - folds["tanh"].ridge) < mpmath.mpf(10) ** -40


def test_fold_lies_inside_the_float_continuation_bracket():
    variant = tp.get_variant("tanh", 1e-3)
    other = next(m for m in find_minima("pretrained", variant) if m.correct == tp.PATTERN_WRONG_ON_4)
    edge = continue_minimum("pretrained", variant, other.theta, max_ridge=10.0)
    fold = tm.fold_ridge("pretrained", variant, edge.a, edge.b, edge.ridge_holding)
    assert edge.ridge_holding <= float(fold.ridge) <= edge.ridge_failing


def test_symbolic_evidence_goes_red_when_the_float_gradient_is_perturbed(monkeypatch):
    original = tp.gradient
    monkeypatch.setattr(tp, "gradient", lambda theta, w, v: original(theta, w, v) * 1.001)
    assert not toy_trap.check_symbolic().passed


def test_negative_control_evidence_goes_red_when_the_checker_always_says_trapped(monkeypatch):
    monkeypatch.setattr(toy_claims.ToyClaims, "is_trapped", property(lambda self: True))
    assert not toy_trap.check_negative_control().passed
