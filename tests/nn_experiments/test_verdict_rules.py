"""The statistical rules of the network verdicts (nn_experiments.verdict_rules), with their error rates measured.

The null-rate controls draw ensembles from one distribution, compute bootstrap intervals with the code the sweep
uses (klom_groups.group_summary) and count how often a rule fires; the count must lie in a binomial band around
the rate the rule states. The power controls shift one ensemble so that the rule must fire.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom

from ascent_fails.nn_experiments.klom_groups import group_summary
from ascent_fails.nn_experiments.verdict_rules import (Interval, interval_of, majority, separation, versus_draws,
                                                       worst_group_interval)

GROUPS = ("forget", "retain", "validation")


@st.composite
def intervals(draw):
    a, b, c = sorted(draw(st.lists(st.floats(0, 20, allow_nan=False), min_size=3, max_size=3)))
    return Interval(a, b, c)


@given(intervals(), intervals())
def test_separation_is_antisymmetric_and_matches_its_definition(a, b):
    side, back = separation(a, b), separation(b, a)
    assert {side, back} in ({"above", "below"}, {"overlap"})
    assert (side == "above") == (a.low > b.high)
    assert (side == "below") == (a.high < b.low)


@given(intervals(), st.lists(intervals(), min_size=1, max_size=5))
def test_versus_draws_needs_every_draw(candidate, draws):
    verdict = versus_draws(candidate, draws)
    assert (verdict == "harder") == all(candidate.low > d.high for d in draws)
    assert (verdict == "easier") == all(candidate.high < d.low for d in draws)
    # adding a draw can only make a decisive verdict inconclusive, never the reverse
    assert versus_draws(candidate, [*draws, candidate]) == "inconclusive"


@given(st.integers(1, 30).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n)).flatmap(
    lambda t: st.tuples(st.just(t[0]), st.just(t[1]), st.integers(0, t[0] - t[1])))))
def test_majority_against_a_direct_reading(counts):
    n, claimed, overlap = counts
    verdict = majority(n_claimed=claimed, n_overlap=overlap, n=n)
    expected = True if claimed > n / 2 else (None if overlap >= n / 2 else False)
    assert verdict is expected


def test_majority_rejects_impossible_counts():
    with pytest.raises(ValueError, match="n_claimed"):
        majority(n_claimed=3, n_overlap=0, n=2)
    with pytest.raises(ValueError, match="n_overlap"):
        majority(n_claimed=1, n_overlap=2, n=2)


@given(st.floats(0, 10), st.floats(0, 10), st.floats(0, 10))
def test_interval_of_contains_the_point_value(value, low, high):
    low, high = min(low, high), max(low, high)
    row = {"klom_p95": dict.fromkeys(GROUPS, value), "klom_ci": dict.fromkeys(GROUPS, [low, high])}
    iv = interval_of(row, "forget")
    assert iv.low <= iv.value == value <= iv.high
    assert iv.low == min(low, value) and iv.high == max(high, value)
    assert interval_of({"klom_p95": row["klom_p95"]}, "retain") == Interval(value, value, value)  # no CI: a point


@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 3)), min_size=3, max_size=3))
def test_worst_group_interval_bounds_the_maximum(parts):
    row = {"klom_p95": {g: v for g, (v, _) in zip(GROUPS, parts)},
           "klom_ci": {g: [v, v + w] for g, (v, w) in zip(GROUPS, parts)}}
    iv = worst_group_interval(row, GROUPS)
    assert iv.value == max(v for v, _ in parts)
    assert iv.low <= iv.value <= iv.high


def _difficulty(rng, shift, n_models=30, n_points=40, n_bootstrap=40):
    """Interval of the 95th-percentile KLoM of one simulated set: oracle vs an ensemble shifted by ``shift``."""
    oracle = rng.normal(size=(n_models, n_points))
    other = rng.normal(size=(n_models, n_points)) + shift
    summary = group_summary(oracle, other, {"forget": np.arange(n_points)}, n_bootstrap=n_bootstrap,
                            seed=int(rng.integers(2**31)), interval="centred")  # as the sweep records it
    g = summary["forget"]
    return Interval(g.ci_low, g.value, g.ci_high)


@pytest.mark.slow
def test_harder_rule_null_rate_is_at_most_its_stated_five_percent():
    """Negative control: "PC" and "random" sets from one distribution, 200 seeded draws. Stated rate: the rule says
    "harder" at most 5 % of the time; the count must not exceed the 99.9 % quantile of Binomial(200, 0.05)."""
    rng = np.random.default_rng(2025)
    fired = sum(versus_draws(_difficulty(rng, 0.0), [_difficulty(rng, 0.0)]) == "harder" for _ in range(200))
    assert fired <= binom.ppf(0.999, 200, 0.05), f"'harder' fired {fired}/200 times under the null"


def test_harder_rule_fires_on_a_real_difference():
    """Power control: a set whose ensemble is shifted by 3 standard deviations is harder in ≥ 90 % of 50 draws
    (expected ~100 %); the lower binomial band for a 90 % rate is the 0.1 % quantile of Binomial(50, 0.9)."""
    rng = np.random.default_rng(7)
    fired = sum(versus_draws(_difficulty(rng, 3.0), [_difficulty(rng, 0.0)]) == "harder" for _ in range(50))
    assert fired >= binom.ppf(0.001, 50, 0.9), f"'harder' fired only {fired}/50 times on a 3-sd shift"


def test_more_draws_make_harder_stricter():
    """With two draws the rule must clear both: a candidate between them is inconclusive."""
    low, mid, high = Interval(1.0, 1.1, 1.2), Interval(2.0, 2.1, 2.2), Interval(3.0, 3.1, 3.2)
    assert versus_draws(mid, [low]) == "harder"
    assert versus_draws(mid, [low, high]) == "inconclusive"
