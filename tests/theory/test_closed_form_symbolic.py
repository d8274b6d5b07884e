"""Lemma 2 in SymPy (theory.closed_form_symbolic): each closed form is stationary, with curvature λ(1 + w)."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ascent_fails.theory import closed_form_symbolic


def test_each_closed_form_zeroes_the_derivative_symbolically() -> None:
    residuals = closed_form_symbolic.closed_form_residuals()
    assert set(residuals) == {"pretrained", "oracle", "descent_ascent", "descent_ascent_maximum"}
    assert all(v == 0 for v in residuals.values()), residuals


def test_second_derivative_at_each_closed_form_is_ridge_times_one_plus_w() -> None:
    assert all(v == 0 for v in closed_form_symbolic.stationary_curvature_residuals().values())


def test_symbolic_residual_is_zero_numerically_at_random_points() -> None:
    """The unsimplified L'(closed form), evaluated at 30 digits: the symbolic step is not a rewriting artefact."""
    obj = closed_form_symbolic.axis_objectives()
    rng = np.random.default_rng(7)
    symbols = (obj.n_retain, obj.n_forget, obj.n_retain_axis, obj.forget_ratio_axis, obj.ridge)
    for name, (objective, closed) in obj.closed_forms().items():
        residual = sp.diff(objective, obj.weight).subs(obj.weight, closed)
        for _ in range(5):
            r, f = rng.integers(1, 1000, 2)
            lam = 10 ** rng.uniform(-3, 1)
            a3 = f / r + lam * f / (math.e * 10)
            a = rng.uniform(f / r, a3) if name == "descent_ascent_maximum" else rng.uniform(0, a3)
            exact = [sp.Float(float(v), 60) for v in (r, f, 10, a, lam)]  # the binary values, not 15-digit decimals
            value = sp.N(residual.subs(dict(zip(symbols, exact))), 30)
            assert abs(complex(value)) < 1e-25, (name, value)


def test_identity_rewriting_does_not_zero_a_wrong_closed_form() -> None:
    """Negative control: W_0 of the oracle argument is not stationary for L_D (|D| vs |R|)."""
    obj = closed_form_symbolic.axis_objectives()
    wrong = sp.LambertW(obj.n_retain_axis / (obj.ridge * obj.n_retain))
    residual = closed_form_symbolic.apply_lambert_identity(sp.diff(obj.pretraining, obj.weight).subs(obj.weight, wrong))
    assert residual != 0


def test_objectives_use_global_normalisers() -> None:
    obj = closed_form_symbolic.axis_objectives()
    e = sp.exp(-obj.weight)
    r, f, rj, a = obj.n_retain, obj.n_forget, obj.n_retain_axis, obj.forget_ratio_axis
    assert sp.simplify(obj.pretraining.coeff(e) - (rj + a * rj) / (r + f)) == 0
    assert sp.simplify(obj.descent_ascent.coeff(e) - (rj / r - a * rj / f)) == 0
