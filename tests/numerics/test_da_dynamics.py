"""Tests of numerics.da_dynamics: DA on one axis reaches Lemma 2's limit in regimes 1–2 and diverges in regime 3."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, example, given, target
from hypothesis import strategies as st

from ascent_fails.numerics.da_dynamics import axis_coefficient, axis_gradient, run_descent_ascent, stable_step_size
from ascent_fails.theory import closed_form


@st.composite
def axis_problems(draw: st.DrawFn, regime: int) -> tuple[float, float, float, float, float]:
    """(|R|, |F|, |R_j|, α, λ) with α inside ``regime``; regime 2 and 3 stay off their slow edges
    (u ∈ [0.02, 0.92] puts z_DA in [−0.92/e, −0.02/e]; α ≥ 1.05 α_3), where DA needs ~1/gap² steps."""
    n_retain = draw(st.integers(10, 10**5))
    n_forget = draw(st.integers(1, n_retain))
    n_axis = draw(st.integers(1, n_retain))
    ridge = 10.0 ** draw(st.floats(-2, 1))
    alpha_2 = closed_form.regime_boundary_2(n_retain, n_forget)
    alpha_3 = closed_form.regime_boundary_3(n_retain, n_forget, n_axis, ridge)
    if regime == 1:
        alpha = draw(st.floats(0, 1)) * alpha_2
    elif regime == 2:
        alpha = alpha_2 + draw(st.floats(0.02, 0.92)) * (alpha_3 - alpha_2)
    else:
        alpha = alpha_3 * draw(st.floats(1.05, 20))
    return float(n_retain), float(n_forget), float(n_axis), alpha, ridge


def _limit_tolerance(residual: float, limit: float, ridge: float) -> float:
    # mean value theorem (module docstring of da_dynamics): |w − w*| ≤ |f'(w)| / (λ min(1, 1 + w*)), ×2 for rounding
    return 2 * residual / (ridge * min(1.0, 1 + limit)) + 1e-12 * (1 + abs(limit))


@given(axis_problems(1))
@example((800.0, 200.0, 50.0, 0.25, 0.01))  # α = |F|/|R| exactly: z_DA = 0, w^DA = 0
@example((800.0, 200.0, 50.0, 0.0, 0.01))  # α = 0: no forget sample on the axis
def test_regime_1_converges_to_principal_branch(problem: tuple[float, ...]) -> None:
    # u·α_2 rounded can land a hair above |F|/|R| (z_DA ≈ −1e-17, regime 2): keep exact regime-1 points only
    assume(closed_form.descent_ascent_regime(*problem) == 1)
    run = run_descent_ascent(*problem)
    limit = closed_form.descent_ascent_weight(*problem)
    assert run.converged and not run.diverged
    assert run.final >= -1e-12 and limit >= 0
    error = abs(run.final - limit)
    tol = _limit_tolerance(run.gradient_residual, limit, problem[4])
    target(error / tol, label="error / tolerance")
    assert error <= tol


@given(axis_problems(2))
def test_regime_2_converges_to_the_minimum_not_the_maximum(problem: tuple[float, ...]) -> None:
    run = run_descent_ascent(*problem)
    minimum = closed_form.descent_ascent_weight(*problem, branch=0)
    maximum = closed_form.descent_ascent_weight(*problem, branch=-1)
    assert run.converged and not run.diverged
    assert -1 <= run.final < 0
    assert abs(run.final - minimum) <= _limit_tolerance(run.gradient_residual, minimum, problem[4])
    assert abs(run.final - maximum) > 1e-3  # ... and not at the local maximum W_-1


@given(axis_problems(2))
def test_regime_2_below_the_maximum_runs_off(problem: tuple[float, ...]) -> None:
    maximum = closed_form.descent_ascent_weight(*problem, branch=-1)
    minimum = closed_form.descent_ascent_weight(*problem, branch=0)
    offset = 1e-6 * (1 + abs(maximum))
    below = run_descent_ascent(*problem, start=maximum - offset)
    above = run_descent_ascent(*problem, start=maximum + offset)
    assert below.diverged and not below.converged and below.final < -50
    assert above.converged
    assert abs(above.final - minimum) <= _limit_tolerance(above.gradient_residual, minimum, problem[4])


@given(axis_problems(3))
def test_regime_3_diverges_without_nan(problem: tuple[float, ...]) -> None:
    run = run_descent_ascent(*problem)
    assert run.diverged and not run.converged
    assert run.final < -50 and not math.isnan(run.final)
    assert run.gradient_residual == math.inf


def test_regime_3_overflowing_step_is_flagged_not_nan() -> None:
    # threshold −700 and tiny λ: the last step overflows to −inf; it must be reported as divergence
    run = run_descent_ascent(100, 10, 20, [1.0, 500.0], 1e-3, divergence_threshold=-700.0)
    assert np.all(run.diverged) and not np.any(np.isnan(run.final))


@given(st.sampled_from([1, 2]).flatmap(axis_problems), st.floats(0, 1))
def test_default_step_is_below_inverse_curvature_on_the_path(problem: tuple[float, ...], fraction: float) -> None:
    # f''(w) = λ + c e^{−w} ≤ 1/η for every w between w^D and the limit: the map w − ηf'(w) is monotone
    start = closed_form.pretrained_weight(*problem)
    limit = closed_form.descent_ascent_weight(*problem)
    c = axis_coefficient(*problem[:4])
    eta = stable_step_size(start, c, problem[4])
    w = start + fraction * (limit - start)
    assert eta * (problem[4] + c * math.exp(-w)) <= 1 + 1e-12


def test_too_large_step_is_not_reported_converged() -> None:
    problem = (1000.0, 100.0, 50.0, 0.02, 0.01)
    limit = closed_form.descent_ascent_weight(*problem)
    curvature = problem[4] * (1 + limit)  # f'' at the minimum
    run = run_descent_ascent(*problem, step_size=4 / curvature, max_steps=2000)  # η f'' = 4 > 2: unstable
    assert not run.converged and not math.isnan(run.final)


def test_vectorised_runs_keep_shape_and_match_scalar_runs() -> None:
    alphas = np.array([[0.05, 0.105], [0.2, 0.0]])
    batch = run_descent_ascent(1000, 100, 20, alphas, 0.05)
    assert batch.final.shape == batch.converged.shape == batch.steps.shape == (2, 2)
    for index in np.ndindex(alphas.shape):
        single = run_descent_ascent(1000, 100, 20, float(alphas[index]), 0.05)
        assert isinstance(single.final, float) and isinstance(single.converged, bool)
        assert single.converged == batch.converged[index] and single.diverged == batch.diverged[index]
        assert single.final == batch.final[index] or (single.diverged and batch.final[index] < -50)


def test_gradient_is_the_derivative_of_the_axis_objective() -> None:
    c, lam = -0.03, 0.2
    objective = lambda w: c * math.exp(-w) + lam / 2 * w * w  # noqa: E731
    for w in (-3.0, -0.5, 0.0, 2.0):
        numeric = (objective(w + 1e-6) - objective(w - 1e-6)) / 2e-6
        assert abs(axis_gradient(w, c, lam) - numeric) < 1e-8


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_retain": 0}, "n_retain"),
        ({"n_forget": -1}, "n_forget"),
        ({"n_retain_axis": float("nan")}, "n_retain_axis"),
        ({"forget_ratio_axis": -0.1}, "forget_ratio_axis"),
        ({"ridge": 0.0}, "ridge"),
        ({"step_size": 0.0}, "step_size"),
        ({"step_size": float("inf")}, "step_size"),
        ({"tolerance": -1e-12}, "tolerance"),
        ({"max_steps": 0}, "max_steps"),
        ({"divergence_threshold": 0.5}, "divergence_threshold"),
        ({"divergence_threshold": -800.0}, "divergence_threshold"),
        ({"start": -60.0}, "start"),
    ],
)
def test_bad_input_names_the_parameter(kwargs: dict, name: str) -> None:
    params = {"n_retain": 100, "n_forget": 10, "n_retain_axis": 20, "forget_ratio_axis": 0.05, "ridge": 0.1} | kwargs
    with pytest.raises(ValueError, match=name):
        run_descent_ascent(**params)
