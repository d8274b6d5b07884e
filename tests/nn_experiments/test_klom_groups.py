"""KLoM per group: the percentile is numpy's linear interpolation; the summary's values, interval and checks."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ascent_fails.nn_experiments import klom_groups as K
from ascent_fails.nn_experiments.klom import klom


@given(arrays(np.float64, st.integers(1, 30), elements=st.floats(0, 50)), st.floats(0, 100))
def test_percentile_is_linear_interpolation(values, q):
    ordered = np.sort(values)
    pos = q / 100 * (len(values) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    expected = ordered[lo] + (pos - lo) * (ordered[hi] - ordered[lo])
    assert K.klom_percentile(values, q) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_group_summary():
    rng = np.random.default_rng(4)
    oracle, unlearned = rng.normal(size=(40, 60)), rng.normal(size=(30, 60)) + 0.5
    groups = {"forget": np.arange(10), "retain": np.arange(10, 50), "validation": np.arange(50, 60)}
    summary = K.group_summary(oracle, unlearned, groups, n_bootstrap=30, seed=7)
    per_point = klom(oracle, unlearned)
    for name, idx in groups.items():
        entry = summary[name]
        assert entry.n_points == len(idx)
        assert entry.value == np.percentile(per_point[idx], 95)
        assert entry.ci_low <= entry.ci_high
    assert summary == K.group_summary(oracle, unlearned, groups, n_bootstrap=30, seed=7)  # seeded
    assert summary != K.group_summary(oracle, unlearned, groups, n_bootstrap=30, seed=8)
    assert (summary.n_oracle, summary.n_unlearned, summary.direction) == (40, 30, "oracle_unlearned")
    no_ci = K.group_summary(oracle, unlearned, groups, n_bootstrap=0)
    assert math.isnan(no_ci["forget"].ci_low) and no_ci["forget"].value == summary["forget"].value
    with pytest.raises(KeyError):
        summary["test"]
    with pytest.raises(ValueError, match="outside"):
        K.group_summary(oracle, unlearned, {"forget": [0, 60]})
    with pytest.raises(ValueError, match="non-empty"):
        K.group_summary(oracle, unlearned, {"forget": []})


def test_klom_by_group_is_the_summarys_value_and_the_percentile_of_per_point_klom():
    rng = np.random.default_rng(5)
    oracle, other = rng.normal(size=(20, 40)), rng.normal(size=(25, 40)) * 2
    groups = {"forget": np.arange(5), "retain": np.arange(5, 30), "validation": np.arange(30, 40)}
    for direction in ("oracle_unlearned", "unlearned_oracle"):
        values = K.klom_by_group(oracle, other, groups, direction=direction)
        per_point = klom(oracle, other, direction=direction)
        summary = K.group_summary(oracle, other, groups, n_bootstrap=0, direction=direction)
        for name, idx in groups.items():
            assert values[name] == np.percentile(per_point[idx], 95) == summary[name].value
    assert K.klom_by_group(oracle, other, groups, q=50)["forget"] == np.median(klom(oracle, other)[:5])
    with pytest.raises(ValueError, match="outside"):
        K.klom_by_group(oracle, other, {"forget": [40]})


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.0, 2.0), st.integers(5, 30))
def test_centred_interval_contains_the_point_value_and_keeps_the_spread(seed, shift, n_models):
    """The centred interval holds θ̂ by construction and has the percentile interval's width (unless cut at 0)."""
    rng = np.random.default_rng(seed)
    oracle, other = rng.normal(size=(n_models, 25)), rng.normal(size=(n_models, 25)) + shift
    groups = {"forget": np.arange(5), "retain": np.arange(5, 25)}
    centred = K.group_summary(oracle, other, groups, n_bootstrap=20, seed=1, interval="centred")
    plain = K.group_summary(oracle, other, groups, n_bootstrap=20, seed=1)
    for g in groups:
        c, p = centred[g], plain[g]
        assert c.value == p.value and c.ci_low <= c.value <= c.ci_high
        assert c.ci_low >= 0.0
        if c.ci_low > 0.0:
            assert c.ci_high - c.ci_low == pytest.approx(p.ci_high - p.ci_low, rel=1e-9, abs=1e-12)


def test_percentile_interval_of_the_floor_sits_above_it_and_the_centred_one_does_not():
    """Negative control of the shift the centred interval removes: for two ensembles of one distribution
    (N = 100, 20 seeds) the plain percentile interval excludes its own point value below in most draws (expected
    rate high, ≥ 50 %), the centred interval never does (stated rate 0)."""
    rng = np.random.default_rng(0)
    above = contains = 0
    for _ in range(20):
        oracle, other = rng.normal(size=(100, 40)), rng.normal(size=(100, 40))
        groups = {"forget": np.arange(40)}
        plain = K.group_summary(oracle, other, groups, n_bootstrap=30, seed=int(rng.integers(2**31)))["forget"]
        centred = K.group_summary(oracle, other, groups, n_bootstrap=30, seed=1, interval="centred")["forget"]
        above += plain.ci_low > plain.value
        contains += centred.ci_low <= centred.value <= centred.ci_high
    assert above >= 10 and contains == 20
