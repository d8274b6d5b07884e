"""The Lemma 1 experiment: a real oracle, random forget sets, and the gradient-ascent detector."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ascent_fails.numerics import random_forget_sets as rfs
from ascent_fails.theory import random_sets


@pytest.fixture(scope="module")
def experiment() -> rfs.ForgetSetExperiment:
    return rfs.run_experiment(rfs.ForgetSetConfig(seed=7, trials=1000))


def test_random_forget_sets_respect_the_bound(experiment):
    assert experiment.oracle_converged
    assert 0.8 <= experiment.oracle_accuracy <= 0.92  # the task is built to sit in the 80–90 % range
    for row in experiment.rows:
        assert row.frequency <= row.bound + row.stderr
        # the frequency estimates the exact binomial tail: a wrong Acc_T or a dependent F would show here
        assert abs(row.frequency - row.exact_tail) <= 4 * row.stderr + 1e-3


def test_closed_form_accuracy_matches_the_test_sample(experiment):
    assert abs(experiment.test_sample_accuracy - experiment.oracle_accuracy) <= 4 * experiment.test_sample_stderr


def test_gradient_ascent_is_flagged_and_the_oracle_is_not(experiment):
    ga = experiment.ga
    assert ga.converged
    assert ga.test_accuracy - ga.forget_accuracy >= experiment.config["ga_target_gap"]
    assert ga.p_value < 1e-6
    assert ga.oracle_p_value > 0.01
    assert experiment.misclassified_p_value < 1e-6


def test_seeds_are_recorded_and_reproducible(experiment):
    again = rfs.run_experiment(rfs.ForgetSetConfig(seed=7, trials=1000))
    assert again.seeds == experiment.seeds
    assert again.rows == experiment.rows
    assert experiment.config["seed"] == 7
    other = rfs.run_experiment(rfs.ForgetSetConfig(seed=8, trials=50, forget_sizes=(5,), tolerances=(0.2,)))
    assert other.seeds != experiment.seeds


@settings(max_examples=50)  # each example samples 50 000 points; 50 cover the weight/bias range well
@given(st.integers(min_value=0, max_value=2**32 - 1), st.floats(min_value=-2, max_value=2))
def test_population_accuracy_matches_a_large_sample(seed, bias):
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal(5)
    model = rfs.LinearModel(weights, bias, True)
    x, y = rfs._sample(50_000, 5, 1.5, 0.05, rng)
    sampled = model.correct(x, y).mean()
    exact = rfs.population_accuracy(model, 1.5, 0.05)
    assert abs(sampled - exact) <= 5 * np.sqrt(exact * (1 - exact) / 50_000) + 1e-12


def test_ridge_logistic_fit_is_stationary():
    rng = np.random.default_rng(0)
    x, y = rfs._sample(500, 4, 1.0, 0.1, rng)
    model = rfs.fit_ridge_logistic(x, y, 0.1)
    assert model.converged
    params = np.append(model.weights, model.bias)

    def objective(p: np.ndarray) -> float:
        margin = y * (x @ p[:-1] + p[-1])
        return float(np.mean(np.logaddexp(0, -margin)) + 0.05 * p[:-1] @ p[:-1])

    # central differences on an independently written objective: the gradient vanishes at the fit
    h = 1e-6
    grad = [(objective(params + h * e) - objective(params - h * e)) / (2 * h) for e in np.eye(params.size)]
    assert np.max(np.abs(grad)) < 1e-6


def test_gradient_ascent_reports_non_convergence():
    config = rfs.ForgetSetConfig(ga_max_steps=1)
    rng = np.random.default_rng(1)
    x, y = rfs._sample(300, config.dimension, config.signal, config.label_noise, rng)
    model = rfs.fit_ridge_logistic(x, y, config.ridge)
    _, steps, converged = rfs.gradient_ascent(model, x[:50], y[:50], config)
    assert not converged and steps == 1


def test_results_are_frozen(experiment):
    with pytest.raises(dataclasses.FrozenInstanceError):
        experiment.ga.p_value = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        rfs.ForgetSetConfig().seed = 3


@pytest.mark.parametrize(
    "field, value",
    [("dimension", 0), ("signal", -1.0), ("label_noise", 0.5), ("retain_size", 1), ("ridge", 0.0),
     ("forget_sizes", ()), ("forget_sizes", (0,)), ("tolerances", (0.0,)), ("trials", 1), ("ga_target_gap", 1.5),
     ("seed", -1)],
)
def test_bad_config_names_the_field(field, value):
    with pytest.raises(ValueError, match=field if value != () else "forget_sizes"):
        rfs.ForgetSetConfig(**{field: value})


def test_p_value_detector_uses_lemma1():
    # the detector is the Lemma 1 bound itself, capped at 1
    assert random_sets.gap_p_value(100, 0.3) == pytest.approx(2 * np.exp(-18.0))


def test_detector_only_run_skips_the_monte_carlo(experiment):
    # verify uses the detector alone: same oracle, GA and misclassified-set p-values, no tail rows
    detector = rfs.run_experiment(rfs.ForgetSetConfig(seed=7, trials=1000), monte_carlo=False)
    assert detector.rows == ()
    assert detector.ga == experiment.ga
    assert detector.misclassified_p_value == experiment.misclassified_p_value
