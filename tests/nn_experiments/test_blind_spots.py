"""Blind-spot flags of KLoM (nn_experiments.evaluation.blind_spot_flags) and the scores a results.json row carries."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from ascent_fails.nn_experiments.evaluation import COLLAPSE_POINT_SHARE, SPREAD_FACTOR, blind_spot_flags, score_snapshot
from ascent_fails.nn_experiments.klom_groups import klom_by_group
from ascent_fails.nn_experiments.noise_floor import finite_n_floor

GROUPS = {"forget": np.arange(0, 5), "retain": np.arange(5, 25), "validation": np.arange(25, 40)}


def test_all_margins_clipped_high_score_zero_and_are_flagged():
    """The reference's blind spot: every unlearned margin at +100 (the clip, also the joint maximum) is dropped by
    the binning, the unlearned histogram is empty and floored to eps everywhere, and KLoM falls below the noise
    floor of N = 50 (KL(P ‖ uniform on P's support) = log k − H(P)); in the other direction it is exactly 0."""
    rng = np.random.default_rng(0)
    oracle = rng.normal(5, 2, size=(50, 40))
    clipped = np.full((50, 40), 500.0)
    floor = finite_n_floor(50, n_points=2000)
    assert all(v < floor for v in klom_by_group(oracle, clipped, GROUPS).values())
    assert all(v == 0.0 for v in klom_by_group(oracle, clipped, GROUPS, direction="unlearned_oracle").values())
    flags = blind_spot_flags(oracle, clipped, GROUPS)
    assert flags["collapsed"] and all(share == 1.0 for share in flags["collapsed_share"].values())


def test_wide_spread_is_flagged_and_can_score_low():
    rng = np.random.default_rng(1)
    oracle = rng.normal(0, 1, size=(100, 40))
    wide = rng.normal(0, 40, size=(100, 40))
    flags = blind_spot_flags(oracle, wide, GROUPS)
    assert flags["spread"] and min(flags["range_ratio"].values()) > SPREAD_FACTOR
    assert not flags["collapsed"]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(-3, 3), st.floats(0.2, 5))
def test_flags_are_invariant_to_a_common_shift_and_scale(seed, shift, scale):
    """Both flags read ranks and range ratios, so a common increasing affine map changes nothing (inside the clip)."""
    rng = np.random.default_rng(seed)
    oracle, other = rng.normal(size=(30, 40)), rng.normal(0, 3, size=(30, 40))
    a = blind_spot_flags(oracle, other, GROUPS)
    b = blind_spot_flags(oracle * scale + shift, other * scale + shift, GROUPS)
    assert a["collapsed"] == b["collapsed"] and a["spread"] == b["spread"]
    assert a["collapsed_share"] == b["collapsed_share"]
    np.testing.assert_allclose(list(a["range_ratio"].values()), list(b["range_ratio"].values()), rtol=1e-9)


def test_null_rate_of_the_flags_is_zero():
    """Negative control: two ensembles of one distribution (N = 100, as the sweep), 200 seeded draws. Stated rate:
    neither flag fires (a point has one sample at the joint maximum, share ≤ 1/N ≪ 50 %; range ratios ≈ 1 ≪ 5), so
    the count must be within the 99.9 % band of Binomial(200, 0.001)."""
    rng = np.random.default_rng(11)
    fired = 0
    for _ in range(200):
        oracle, other = rng.normal(size=(100, 40)), rng.normal(size=(100, 40))
        flags = blind_spot_flags(oracle, other, GROUPS)
        fired += flags["collapsed"] or flags["spread"]
    assert fired <= binom.ppf(0.999, 200, 0.001)


def test_collapse_needs_more_than_its_share_of_points():
    """A group collapses when more than COLLAPSE_POINT_SHARE of its points are collapsed: 1 of 20 retain points is
    exactly 5 % and does not flag; 2 of 20 do."""
    rng = np.random.default_rng(3)
    oracle, other = rng.normal(size=(50, 40)), rng.normal(size=(50, 40))
    other[:, 5] = 1e9
    assert blind_spot_flags(oracle, other, GROUPS)["collapsed_share"]["retain"] == COLLAPSE_POINT_SHARE
    assert not blind_spot_flags(oracle, other, GROUPS)["collapsed"]
    other[:, 6] = 1e9
    assert blind_spot_flags(oracle, other, GROUPS)["collapsed"]


def test_score_snapshot_carries_values_intervals_and_flags():
    rng = np.random.default_rng(5)
    oracle, other = rng.normal(size=(30, 40)), rng.normal(size=(30, 40)) + 1.0
    scores = score_snapshot(oracle, other, other > 0, GROUPS, bins=20, eps=1e-5, direction="oracle_unlearned",
                            n_bootstrap=20, seed=3)
    assert scores["klom_p95"] == klom_by_group(oracle, other, GROUPS)
    for g, (low, high) in scores["klom_ci"].items():
        assert low <= high
    assert set(scores["flags"]) == {"collapsed", "spread", "collapsed_share", "range_ratio"}
    assert scores["accuracy"]["forget"] == float((other[:, :5] > 0).mean())


def test_collapse_at_the_joint_maximum_below_the_clip_is_flagged():
    """All unlearned margins equal to one value above every oracle margin (50, inside the clip): every sample sits
    at the joint maximum, which the binning drops."""
    rng = np.random.default_rng(9)
    oracle = rng.normal(size=(40, 40))
    flags = blind_spot_flags(oracle, np.full((40, 40), 50.0), GROUPS)
    assert flags["collapsed"] and flags["collapsed_share"]["forget"] == 1.0
