"""The App. A conjecture test: cross-influence norms, Spearman's ρ, its permutation test, the verdict.

References share no code with the module: the spectral norm comes from an eigenvalue solver, ρ and the
permutation p-values from scipy.stats (spearmanr, permutation_test). The negative control checks that the
permutation test rejects at the nominal 5 % rate on shuffled outcomes.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from ascent_fails.nn_experiments import cross_influence as CI

_finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def theta_and_forget(draw):
    n = draw(st.integers(3, 12))
    theta = draw(arrays(np.float64, (n, n), elements=_finite))
    size = draw(st.integers(1, n - 1))
    forget = draw(st.permutations(range(n)))[:size]
    return theta, np.array(forget, dtype=np.int64)


@given(theta_and_forget())
def test_norm_is_the_largest_singular_value_of_the_forget_by_retain_block(case):
    theta, forget = case
    out = CI.cross_influence(theta, forget)
    retain = np.array([j for j in range(theta.shape[0]) if j not in set(forget.tolist())])
    block = theta[forget][:, retain]                      # rows: forget targets, columns: retain training points
    reference = np.sqrt(max(0.0, np.linalg.eigvalsh(block @ block.T).max()))
    assert out["norm"] == pytest.approx(reference, rel=1e-7, abs=1e-7)
    assert out["normalised"] == pytest.approx(reference / np.sqrt(forget.size * retain.size), rel=1e-7, abs=1e-7)
    assert out["size"] == forget.size


def test_norm_uses_the_forget_rows_not_the_forget_columns():
    theta = np.zeros((4, 4))
    theta[0, 1:] = 1.0       # retain points 1..3 influence target 0: Θ_{F,R} with F = {0} is [1, 1, 1]
    assert CI.cross_influence(theta, [0])["norm"] == pytest.approx(np.sqrt(3))
    assert CI.cross_influence(theta.T, [0])["norm"] == 0.0  # the transposed block Θ_{R,F} is not what is measured
    with pytest.raises(ValueError, match="retain"):
        CI.cross_influence(theta, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="square"):
        CI.cross_influence(theta[:3], [0])


# small integer ranges make ties frequent: the average-rank convention is exercised
_pairs = st.integers(3, 30).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=st.integers(-4, 4).map(float)),
    arrays(np.float64, n, elements=st.integers(-4, 4).map(float))))


@given(_pairs)
def test_spearman_matches_scipy(pair):
    x, y = pair
    if np.all(x == x[0]) or np.all(y == y[0]):
        with pytest.raises(ValueError, match="constant"):
            CI.spearman(x, y)
    else:
        assert CI.spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert np.array_equal(CI.rank(x), stats.rankdata(x))


_small = st.integers(4, 6).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=st.integers(0, 5).map(float), unique=False),
    arrays(np.float64, n, elements=st.floats(-3, 3, allow_nan=False, width=32).map(float), unique=True)))


@settings(max_examples=30, deadline=None)
@given(_small, st.sampled_from(["greater", "less", "two-sided"]))
def test_exact_permutation_pvalue_matches_scipy(pair, alternative):
    x, y = pair
    if np.all(x == x[0]) or np.all(y == y[0]):
        x = np.arange(x.size, dtype=float)  # keep ρ defined (constant inputs are tested above)

    def statistic(xp):
        return stats.spearmanr(xp, y).statistic

    reference = stats.permutation_test((x,), statistic, permutation_type="pairings", n_resamples=np.inf,
                                       alternative=alternative, vectorized=False).pvalue
    p, exact = CI.permutation_pvalue(x, y, alternative=alternative)
    assert exact and p == pytest.approx(reference, abs=1e-12)


def test_monte_carlo_permutation_pvalue_agrees_with_scipy_within_its_error():
    rng = np.random.default_rng(3)
    x = rng.normal(size=12)
    y = 0.4 * x + rng.normal(size=12)
    p, exact = CI.permutation_pvalue(x, y, alternative="greater", n_permutations=4_999, seed=1)
    reference = stats.permutation_test((x,), lambda xp: stats.spearmanr(xp, y).statistic, permutation_type="pairings",
                                       n_resamples=4_999, alternative="greater", vectorized=False,
                                       random_state=np.random.default_rng(2)).pvalue
    # two independent Monte Carlo estimates of the same p: sd ≤ sqrt(0.25/B) ≈ 0.007 each, their difference ≤ 0.01:
    # 0.04 is 4 sd of the difference
    assert not exact and abs(p - reference) < 0.04 and 0.0 < p < 1.0


def test_negative_control_shuffled_outcomes_reject_at_the_nominal_rate():
    """200 shuffles of an outcome vector: the one-sided test at α = 0.05 rejects ≈ 5 % of them.

    Under H0 the exact test rejects with probability ≤ α (here n = 7, so the attainable level is just below
    0.05) and the Monte Carlo test (n = 12) with probability α; the count must lie in the central 99 % binomial
    band of Binomial(200, 0.05), [3, 19]. A positive control (y = x + noise) must reject almost always.
    """
    low, high = stats.binom.ppf([0.005, 0.995], 200, 0.05)
    assert (low, high) == (3, 19)
    rng = np.random.default_rng(11)
    for n, permutations in ((7, None), (12, 999)):
        x = rng.normal(size=n)
        outcome = rng.normal(size=n)
        kwargs = {} if permutations is None else {"n_permutations": permutations}
        rejections = sum(CI.permutation_pvalue(x, rng.permutation(outcome), seed=s, **kwargs)[0] < 0.05
                         for s in range(200))
        assert low <= rejections <= high, (n, rejections)
        powered = sum(CI.permutation_pvalue(x, x + 0.1 * rng.normal(size=n), seed=s, **kwargs)[0] < 0.05
                      for s in range(50))
        assert powered >= 45, (n, powered)


def test_bootstrap_interval_brackets_rho_and_is_seeded():
    rng = np.random.default_rng(0)
    x = rng.normal(size=15)
    y = x + rng.normal(size=15)
    low, high, used = CI.bootstrap_interval(x, y, seed=4)
    assert low <= CI.spearman(x, y) <= high and used == CI.N_BOOTSTRAP
    assert CI.bootstrap_interval(x, y, seed=4) == (low, high, used)
    with pytest.raises(ValueError, match="constant"):
        CI.bootstrap_interval(np.ones(5), np.arange(5.0))


def _results(norms, gda_forget, pretrained_forget=10.0, broken_sets=()):
    """A results.json-like dict: one do-nothing row and three GDA/GA rows per set; broken_sets have one broken row."""
    sets, runs, table = [], [], {}
    ok = {"forget": 0.95, "retain": 0.99, "validation": 0.97}
    for i, (norm, forget) in enumerate(zip(norms, gda_forget)):
        name = f"set{i}"
        sets.append({"name": name, "size": 10, "kind": "random", "floor": None})
        table[name] = {"norm": norm, "normalised": norm / 100, "size": 10}
        runs.append({"method": "do_nothing", "forget_set": name, "hparams": {}, "epoch": 0, "cost": 0.0,
                     "klom_p95": {"forget": pretrained_forget, "retain": 1.0, "validation": 1.0}, "accuracy": ok})
        for method in ("gda", "ga"):
            for k, extra in enumerate((0.0, 0.5, 1.0)):
                row = {"method": method, "forget_set": name, "hparams": {"lr": k}, "epoch": 5, "cost": 1.0,
                       "klom_p95": {"forget": forget + extra, "retain": 1.0, "validation": 1.0}, "accuracy": dict(ok)}
                if name in broken_sets and k == 2:
                    row["accuracy"]["validation"] = 0.5   # far below the do-nothing accuracy: broken
                runs.append(row)
    return {"floor": {"forget": 0.7, "retain": 0.7, "validation": 0.7}, "forget_sets": sets, "runs": runs,
            "cross_influence": table}


def test_verdict_follows_the_stated_rule_on_planted_outcomes():
    norms = np.linspace(1.0, 8.0, 10)
    rising = CI.assess_conjecture(_results(norms, 1.0 + norms))
    assert rising["verdict"] == "supported" and rising["primary"]["rho"] == pytest.approx(1.0)
    assert rising["primary"]["p_greater"] < CI.ALPHA and rising["primary"]["n"] == 10
    falling = CI.assess_conjecture(_results(norms, 10.0 - norms))
    assert falling["verdict"] == "contradicted"
    shuffled = CI.assess_conjecture(_results(norms, 1.0 + np.array([4, 9, 0, 7, 2, 5, 8, 1, 6, 3])))
    assert shuffled["verdict"] == "not supported" and abs(shuffled["primary"]["rho"]) < 0.3
    assert CI.assess_conjecture({"forget_sets": [], "runs": []}) is None
    text = CI.conjecture_markdown(rising)
    assert "**supported**" in text and "p < 0.05" in text and text.count("\n| norm |") == 6


def test_outcomes_count_broken_configurations_and_skip_them_for_the_best():
    results = _results([1.0, 2.0, 3.0], [2.0, 3.0, 4.0], broken_sets=("set1",))
    gda = CI.outcomes_per_set(results, "gda")
    assert gda["set1"]["fraction_broken"] == pytest.approx(1 / 3) and gda["set0"]["fraction_broken"] == 0.0
    assert gda["set1"]["best_unbroken_forget"] == 3.0 and gda["set2"]["best_relative_to_pretrained"] == 0.4
    assert gda["set0"]["n_configs"] == 3


def test_figure_is_written(tmp_path):
    assessment = CI.assess_conjecture(_results(np.linspace(1.0, 8.0, 6), np.linspace(2.0, 5.0, 6)))
    path = CI.conjecture_figure(assessment, tmp_path / "conjecture.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_carries_the_stability_table_and_the_conjecture_verdict(tmp_path):
    """reproduce.write_report renders both sections from a results dict that holds their inputs."""
    from ascent_fails.nn_experiments import pc_stability
    from ascent_fails.proofs_check import reproduce
    from tests.nn_experiments.test_claims import make_results
    from tests.nn_experiments.test_pc_stability import SIZES, _planted

    results = make_results()
    results["cross_influence"] = {fs["name"]: {"norm": 1.0 + i, "normalised": 0.01 * (1 + i), "size": fs["size"]}
                                  for i, fs in enumerate(results["forget_sets"])}
    masks, margins = _planted([(np.arange(0, 10), 1.0)])
    results["pc_stability"] = pc_stability.measure_stability(masks, margins, ridge=1e-2, sizes=SIZES, n_splits=1,
                                                             in_use=["influence_top_10"])
    report = reproduce.write_report(tmp_path, None, {}, results, {}, 1.0).read_text()
    assert "### PC-set stability table" in report and "| influence_top_10 | influence | 10 |" in report
    assert "### The paper's open conjecture (App. A)" in report and "Verdict: **" in report
    assert "| norm | gda | best_unbroken_forget |" in report
    bare = reproduce.write_report(tmp_path, None, {}, make_results(), {}, 1.0).read_text()
    assert "Not tested (no datamodel matrix" in bare and "Not measured" in bare
