"""Lemma 1 in its own setting: F ⊂ D uniformly random, an oracle retrained on D \\ F for every draw.

The fast path (rank-m downdate of the normal equations, batched) is checked against scikit-learn's Ridge fitted from
scratch on D \\ F (no code shared), the closed-form population metrics against large samples, and the claim that
Acc_F is *not* Bin(m, Acc_T)/m by construction: the oracle changes per draw, Acc_F is the retrained model's held-out
accuracy on points of D, and for one fixed D its law visibly differs from the binomial one.
"""

import dataclasses

import numpy as np
import pytest
from scipy.stats import chi2
from sklearn.linear_model import Ridge

from ascent_fails.numerics import lemma1_retraining as l1
from ascent_fails.theory import random_sets

SMALL = l1.RetrainConfig(seed=11, datasets=6, draws=5, forget_sizes=(5, 40), train_size=120, dimension=8)


@pytest.fixture(scope="module")
def small_draws() -> dict[int, l1.Draws]:
    return {m: l1.retrain_draws(SMALL, m) for m in SMALL.forget_sizes}


@pytest.mark.parametrize("m", SMALL.forget_sizes)
def test_downdate_matches_sklearn_ridge_from_scratch(small_draws, m):
    draws = small_draws[m]
    x_all, y_all = l1.training_sets(SMALL)
    n = SMALL.train_size
    for i in range(0, draws.acc_test.size, 3):  # a handful of draws from several training sets
        x, y = x_all[draws.dataset[i]], y_all[draws.dataset[i]]
        forget = draws.forget_index[i]
        assert len(set(forget.tolist())) == m  # m distinct points of D (without replacement)
        keep = np.setdiff1d(np.arange(n), forget)
        # (1/(2|R|))‖y − Xw − c‖² + (λ/2)‖w‖²  ⇔  ‖y − Xw − c‖² + λ|R| ‖w‖² with the intercept unpenalised
        ref = Ridge(alpha=SMALL.ridge * len(keep), fit_intercept=True, solver="cholesky").fit(x[keep], y[keep])
        np.testing.assert_allclose(draws.weights[i], ref.coef_, rtol=1e-8, atol=1e-10)
        assert draws.bias[i] == pytest.approx(ref.intercept_, abs=1e-10)
        # Acc_F: the retrained model's accuracy on F (points it did not see), recomputed from sklearn's predictions
        assert draws.acc_forget[i] == pytest.approx(np.mean(y[forget] * ref.predict(x[forget]) > 0), abs=1e-12)
        # the not-retrained model θ_D is sklearn's fit on all of D
        full = Ridge(alpha=SMALL.ridge * n, fit_intercept=True, solver="cholesky").fit(x, y)
        assert draws.acc_forget_full[i] == pytest.approx(np.mean(y[forget] * full.predict(x[forget]) > 0), abs=1e-12)


def test_population_metrics_match_large_samples():
    rng = np.random.default_rng(5)
    signal, noise, kappa = 0.7, 0.1, 0.3
    w, c = rng.standard_normal((4, 6)) * 0.4, rng.standard_normal(4) * 0.3
    acc, met = l1.population_metrics(w, c, signal, noise, kappa)
    n = 400_000
    # an independent sampler of the task (written here, not the module's)
    clean = rng.choice([-1.0, 1.0], size=n)
    x = rng.standard_normal((n, 6))
    x[:, 0] += signal * clean
    y = np.where(rng.random(n) < noise, -clean, clean)
    for j in range(4):
        margin = y * (x @ w[j] + c[j])
        acc_mc, met_mc = np.mean(margin > 0), np.mean(np.clip(margin / kappa, -1, 1))
        assert abs(acc_mc - acc[j]) <= 5 * np.sqrt(acc[j] * (1 - acc[j]) / n)
        assert abs(met_mc - met[j]) <= 5 * np.std(np.clip(margin / kappa, -1, 1)) / np.sqrt(n)


def test_the_oracle_differs_per_draw(small_draws):
    for d in small_draws.values():
        same_d = d.dataset == 0
        # different forget sets of the same D give different oracles and different Acc_T
        assert np.ptp(d.weights[same_d], axis=0).max() > 1e-3
        assert np.unique(np.round(d.acc_test[same_d], 12)).size == same_d.sum()


def test_fixed_training_set_is_not_binomial_by_construction():
    """For ONE fixed D, Acc_F over many F is not Bin(m, Acc_T)/m: F is drawn without replacement from D and the
    oracle depends on it. With m = n/2 the variance of Acc_F − Acc_T falls well below the binomial mean
    E[Acc_T(1 − Acc_T)]/m (finite-population correction (n − m)/(n − 1) ≈ 1/2, partly offset by the changing oracle)
    and its mean is offset from 0 by a D-specific amount. A fixed-oracle simulation would match the binomial law."""
    config = l1.RetrainConfig(seed=3, datasets=2, draws=3000, forget_sizes=(100,))
    d = l1.retrain_draws(config, 100)
    for k in range(2):
        s = d.dataset == k
        diff = d.acc_forget[s] - d.acc_test[s]
        binomial_var = np.mean(d.acc_test[s] * (1 - d.acc_test[s])) / 100
        n_draws = s.sum()
        # chi-square test of "variance = binomial variance", one-sided (too small), at level 1e-6
        statistic = (n_draws - 1) * diff.var(ddof=1) / binomial_var
        assert statistic < chi2.ppf(1e-6, n_draws - 1)
    # the same oracles scored on fresh points (the lemma's conditional law) DO have the binomial variance
    fresh = d.acc_fresh - d.acc_test
    binomial_var = np.mean(d.acc_test * (1 - d.acc_test)) / 100
    statistic = (fresh.size - 1) * fresh.var(ddof=1) / binomial_var
    assert chi2.ppf(1e-4, fresh.size - 1) < statistic < chi2.ppf(1 - 1e-4, fresh.size - 1)


def test_pooled_over_training_sets_matches_the_lemma(small_draws):
    # E[Acc_F − Acc_T] = 0 under the lemma's law; the full-data model (trained on F) is optimistic
    res = l1.run_experiment(l1.RetrainConfig(seed=4, datasets=500, draws=4, forget_sizes=(10, 50)))
    for b in res.bias:
        assert abs(b.retrained_mean) <= 4 * b.retrained_stderr
        assert b.full_model_mean >= 10 * b.full_model_stderr
    for r in res.accuracy_rows:
        assert r.frequency <= random_sets.hoeffding_bound(r.forget_size, r.tolerance) + 4 * r.stderr
        assert abs(r.frequency - r.conditional_tail) <= 4 * r.stderr
    for c in res.calibration:
        assert c.share <= c.level + 4 * c.stderr


def test_result_round_trips_through_json(tmp_path):
    res = l1.run_experiment(l1.RetrainConfig(seed=2, datasets=20, draws=3, forget_sizes=(5, 20)))
    path = l1.save_result(res, tmp_path / "lemma1.json")
    assert l1.load_result(path) == res
    assert res.config["seed"] == 2 and set(res.seeds) == {"training_sets", "forget_sets", "fresh_points"}
    assert res.total_retrains == 2 * 20 * 3


def test_seeded_and_reproducible():
    config = l1.RetrainConfig(seed=9, datasets=10, draws=2, forget_sizes=(7,))
    a, b = l1.run_experiment(config), l1.run_experiment(config)
    assert a == b
    other = l1.run_experiment(dataclasses.replace(config, seed=10))
    assert other.seeds != a.seeds and other.accuracy_rows != a.accuracy_rows


def test_doubled_exponent_p_value_is_the_squared_bound():
    gap = np.linspace(0.0, 0.7, 8)
    got = l1.doubled_exponent_p_value(20, gap)
    np.testing.assert_allclose(got, np.minimum(1.0, 2 * np.exp(-4 * 20 * gap**2)), rtol=1e-12)


@pytest.mark.parametrize(
    "field, value",
    [("dimension", 0), ("signal", 0.0), ("label_noise", 0.5), ("train_size", 2), ("ridge", 0.0),
     ("margin_scale", -1.0), ("forget_sizes", ()), ("forget_sizes", (0,)), ("forget_sizes", (199,)),
     ("datasets", 1), ("draws", 0), ("tolerances", (0.0,)), ("metric_tolerances", (2.5,)),
     ("calibration_levels", (1.0,)), ("seed", -1)],
)
def test_bad_config_names_the_field(field, value):
    with pytest.raises(ValueError, match=field.rstrip("s") if field != "seed" else "seed"):
        l1.RetrainConfig(**{field: value})
