"""The rewind plateau (docs/experiments.md#the-rewind-plateau): KLoM saturates when the margin distributions are
disjoint, so moving a disjoint ensemble towards the oracles does not lower it.

The numbers are those measured on the digits (N = 50, random_10_seed0): oracle margins ≈ 5.8 ± 0.5; the epoch-5
checkpoint ≈ 3.5, fine-tuned by the unlearning loop to ≈ 3.8 with spread 0.2.
"""

from __future__ import annotations

import numpy as np

from ascent_fails.nn_experiments.klom import klom
from ascent_fails.nn_experiments.klom_groups import klom_percentile


def _p95(oracle_mean, other_mean, other_sd, seed):
    rng = np.random.default_rng(seed)
    oracle = rng.normal(oracle_mean, 0.5, size=(100, 400))
    other = rng.normal(other_mean, other_sd, size=(100, 400))
    return klom_percentile(klom(oracle, other), 95)


def test_disjoint_ensembles_sit_near_the_ceiling_whatever_their_distance():
    ceiling = -np.log(1e-5)  # log(1/eps): Q floored to eps wherever P has mass
    values = [_p95(5.8, m, 0.2, seed) for seed, m in enumerate((3.5, 3.8, 4.1))]
    assert all(ceiling - np.log(20) < v <= ceiling for v in values)  # between log(1/eps) − log(bins) and log(1/eps)
    assert max(values) - min(values) < 1.0  # a 0.6 move towards the oracles changes KLoM by < 1 nat


def test_control_overlapping_ensembles_fall_to_the_floor():
    """Negative control: once the distributions overlap (pretraining optimiser, margins back at 5.8 ± 0.5), KLoM
    drops to the floor's level (≈ 0.66 at N = 100), far below the ceiling."""
    assert _p95(5.8, 5.8, 0.5, seed=7) < 1.5
