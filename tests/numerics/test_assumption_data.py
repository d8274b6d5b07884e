"""Tests of numerics.assumption_data: the generator honours Assumptions 1–2, the objectives are the paper's,
and the optimiser (an independent route) lands on the closed forms of Lemma 2."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import event, example, given, settings, target
from hypothesis import strategies as st

from ascent_fails.numerics.assumption_data import (
    AssumptionDataConfig,
    AxisSpec,
    assumption_violations,
    descent_ascent_flow,
    generate_assumption_data,
    minimise_convex_objective,
    objective_and_gradient,
    random_assumption_config,
    sample_weights,
)
from ascent_fails.theory import closed_form
from tests.strategies import assumption_data_configs

signs = st.sampled_from([-1, 1])
axis_specs = st.builds(
    AxisSpec, n_retain=st.integers(1, 30), n_forget=st.integers(0, 30), retain_sign=signs, forget_sign=signs
)
#: at least one axis with forget samples, by construction (no filter: tests.strategies.assumption_data_configs)
data_configs = assumption_data_configs()
#: λ for the optimiser tests: log-uniform over 1e-3 … 1e2 (below that w grows like ln(1/λ) and L-BFGS needs
#: more iterations, which the closed-form tests in theory/ cover without an optimiser)
optimiser_ridges = st.floats(-3, 2).map(lambda e: 10.0**e)


@given(data_configs)
def test_generated_data_satisfies_assumptions(config: AssumptionDataConfig) -> None:
    data = generate_assumption_data(config)
    assert assumption_violations(data.X, data.y) == []
    assert data.X.shape == (config.n_retain + config.n_forget, len(config.axes) + config.n_empty_coordinates)
    assert (data.n_retain, data.n_forget) == (config.n_retain, config.n_forget)


@given(data_configs)
def test_ground_truth_describes_the_matrix(config: AssumptionDataConfig) -> None:
    # read every count and sign back from the shuffled matrix, column by column
    data = generate_assumption_data(config)
    for j, axis in enumerate(config.axes):
        column = data.X[:, data.column_of_axis[j]]
        assert data.axis_of_column[data.column_of_axis[j]] == j
        on_axis = column != 0
        retain, forget = on_axis & ~data.forget_mask, on_axis & data.forget_mask
        assert (retain.sum(), forget.sum()) == (axis.n_retain, axis.n_forget)
        assert np.all(column[retain] == axis.retain_sign) and np.all(data.y[retain] == axis.retain_sign)
        assert np.all(column[forget] == axis.forget_sign) and np.all(data.y[forget] == axis.forget_sign)
    assert np.all(data.X[:, data.axis_of_column == -1] == 0)


def test_seed_fixes_the_permutation_and_changes_it() -> None:
    config = random_assumption_config(seed=3, n_axes=5, n_empty_coordinates=2)
    a, b = generate_assumption_data(config), generate_assumption_data(config)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    other = generate_assumption_data(AssumptionDataConfig(config.axes, seed=4, n_empty_coordinates=2))
    assert not (np.array_equal(a.X, other.X) and np.array_equal(a.y, other.y))
    # the rows are really shuffled: retain and forget samples are interleaved, not in blocks
    assert np.any(np.diff(a.forget_mask.astype(int)) < 0)


@given(data_configs, st.data())
def test_violations_are_detected(config: AssumptionDataConfig, draw: st.DataObject) -> None:
    data = generate_assumption_data(config)
    row = draw.draw(st.integers(0, data.X.shape[0] - 1))
    flipped = data.y.copy()
    flipped[row] *= -1
    assert assumption_violations(data.X, flipped) != []
    if data.X.shape[1] > 1:
        X = data.X.copy()
        X[row] = data.y[row]  # the sample now sits on every coordinate: not block diagonal
        assert assumption_violations(X, data.y) != []


@given(data_configs, optimiser_ridges, st.sampled_from(["pretrain", "oracle", "descent_ascent"]), st.data())
def test_gradient_matches_central_differences(
    config: AssumptionDataConfig, ridge: float, objective: str, draw: st.DataObject
) -> None:
    data = generate_assumption_data(config)
    w = np.array(draw.draw(st.lists(st.floats(-3, 3), min_size=data.X.shape[1], max_size=data.X.shape[1])))
    weights = sample_weights(data.forget_mask, objective)
    _, grad = objective_and_gradient(w, data.X, data.y, weights, ridge)
    h = 1e-6
    for k in range(w.size):
        e = np.zeros(w.size)
        e[k] = h
        up, _ = objective_and_gradient(w + e, data.X, data.y, weights, ridge)
        down, _ = objective_and_gradient(w - e, data.X, data.y, weights, ridge)
        # central difference error ~ h² f''' plus rounding ~ eps·|f|/h
        scale = float(np.abs(weights) @ np.exp(-data.y * (data.X @ w))) + ridge * (1 + w @ w)
        assert abs((up - down) / (2 * h) - grad[k]) <= 1e-7 * scale


def test_objectives_use_global_normalisers() -> None:
    mask = np.array([False, False, False, True])
    assert np.allclose(sample_weights(mask, "pretrain"), 1 / 4)
    assert np.allclose(sample_weights(mask, "oracle"), [1 / 3, 1 / 3, 1 / 3, 0])
    assert np.allclose(sample_weights(mask, "descent_ascent"), [1 / 3, 1 / 3, 1 / 3, -1])


def _axis_parameters(config: AssumptionDataConfig, j: int) -> tuple[int, int, int, float]:
    axis = config.axes[j]
    return config.n_retain, config.n_forget, axis.n_retain, axis.forget_ratio


@given(data_configs, optimiser_ridges)
@example(AssumptionDataConfig((AxisSpec(1, 1),), seed=0), 1e-3)  # one axis: α = |F|/|R| so w^D = w^R
def test_optimiser_matches_closed_form(config: AssumptionDataConfig, ridge: float) -> None:
    data = generate_assumption_data(config)
    fits = {name: minimise_convex_objective(data, name, ridge) for name in ("pretrain", "oracle")}
    worst = 0.0
    for fit in fits.values():
        assert fit.converged, fit
        assert np.all(fit.w[data.axis_of_column == -1] == 0)
    for j in range(len(config.axes)):
        n_retain, n_forget, n_axis, ratio = _axis_parameters(config, j)
        column = data.column_of_axis[j]
        expected = {
            "pretrain": closed_form.pretrained_weight(n_retain, n_forget, n_axis, ratio, ridge),
            "oracle": closed_form.oracle_weight(n_retain, n_axis, ridge),
        }
        for name, fit in fits.items():
            # strong convexity: |w − w*| ≤ ‖∇L‖/λ; plus the closed form's own float rounding
            error = abs(fit.w[column] - expected[name])
            tol = fit.error_bound + 1e-13 * (1 + abs(expected[name]))
            assert error <= tol, (name, j, error, tol)
            worst = max(worst, error / tol)
    target(worst, label="optimiser error / tolerance")


@settings(max_examples=60)  # each example runs two optimisations and a descent-ascent flow of up to 10⁴ steps
@given(data_configs, st.floats(-1, 1).map(lambda e: 10.0**e))
def test_descent_ascent_flow_matches_regimes(config: AssumptionDataConfig, ridge: float) -> None:
    data = generate_assumption_data(config)
    pretrained = minimise_convex_objective(data, "pretrain", ridge).w  # start from the optimiser's w^D, not W_0
    flow = descent_ascent_flow(data, pretrained, ridge, max_steps=20_000)
    for j in range(len(config.axes)):
        params = _axis_parameters(config, j)
        column = data.column_of_axis[j]
        regime = closed_form.descent_ascent_regime(*params, ridge)
        z = closed_form.descent_ascent_argument(*params, ridge)
        if regime == 3:
            event("an axis in regime 3")
            assert flow.diverged[column]
        elif 1 + closed_form.descent_ascent_weight(*params, ridge) < 0.05:
            # within a hair of the regime 2/3 boundary the flow is too slow for this budget: not compared
            event("an axis within 0.05 of w = -1 (not compared)")
        else:
            assert flow.converged[column] and not flow.diverged[column], (j, z)
            limit = closed_form.descent_ascent_weight(*params, ridge, branch=0)
            # mean value theorem on f' (see numerics.da_dynamics): |w − w*| ≤ |f'(w)| / (λ min(1, 1 + w*))
            tol = 2 * flow.gradient_residual[column] / (ridge * min(1.0, 1 + limit)) + 1e-12 * (1 + abs(limit))
            assert abs(flow.w[column] - limit) <= tol
    assert not np.any(np.isnan(flow.w))


def test_flow_reports_an_unfinished_run() -> None:
    # one axis in regime 1, one in regime 3 (|F_j|/|F| = 1 > |R_j|/|R| = 1/2 with λ = 1: z_DA = −1/2 < −1/e)
    data = generate_assumption_data(AssumptionDataConfig((AxisSpec(2, 0), AxisSpec(2, 3)), seed=1))
    start = minimise_convex_objective(data, "pretrain", ridge=1.0).w
    short = descent_ascent_flow(data, start, ridge=1.0, max_steps=1)
    assert not short.finished and short.steps == 1 and not np.any(np.isnan(short.w))
    full = descent_ascent_flow(data, start, ridge=1.0)
    assert full.finished
    assert full.diverged[data.column_of_axis[1]] and full.converged[data.column_of_axis[0]]


def test_bad_input_names_the_parameter() -> None:
    with pytest.raises(ValueError, match="n_retain"):
        AxisSpec(0, 1)
    with pytest.raises(ValueError, match="n_forget"):
        AxisSpec(1, -1)
    with pytest.raises(ValueError, match="retain_sign"):
        AxisSpec(1, 1, retain_sign=0)
    with pytest.raises(ValueError, match="forget_sign"):
        AxisSpec(1, 1, forget_sign=True)
    with pytest.raises(ValueError, match="axes"):
        AssumptionDataConfig((), seed=0)
    with pytest.raises(ValueError, match=r"\|F\|"):
        AssumptionDataConfig((AxisSpec(2, 0),), seed=0)
    with pytest.raises(ValueError, match="seed"):
        AssumptionDataConfig((AxisSpec(2, 1),), seed=-1)
    data = generate_assumption_data(AssumptionDataConfig((AxisSpec(2, 1),), seed=0))
    with pytest.raises(ValueError, match="ridge"):
        minimise_convex_objective(data, "oracle", ridge=0.0)
    with pytest.raises(ValueError, match="ridge"):
        minimise_convex_objective(data, "oracle", ridge=float("nan"))
    with pytest.raises(ValueError, match="objective"):
        minimise_convex_objective(data, "descent_ascent", ridge=1.0)
    with pytest.raises(ValueError, match="step_size"):
        descent_ascent_flow(data, np.zeros(1), ridge=1.0, step_size=-0.1)
    with pytest.raises(ValueError, match="start"):
        descent_ascent_flow(data, np.zeros(3), ridge=1.0)
    with pytest.raises(ValueError, match="divergence_threshold"):
        descent_ascent_flow(data, np.zeros(1), ridge=1.0, divergence_threshold=-1000.0)
    with pytest.raises(ValueError, match="divergence_threshold"):
        descent_ascent_flow(data, np.zeros(1), ridge=1.0, divergence_threshold=-0.5)
    with pytest.raises(ValueError, match="max_forget_ratio"):
        random_assumption_config(0, 3, max_forget_ratio=-1.0)
