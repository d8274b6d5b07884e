"""Benchmark: what the intervals, the blind-spot flags and the per-set floor add to a quick ``reproduce``.

Input: the digits scale of the quick protocol: N = 100 oracle and 100 unlearned models × P = 1,797 points (1,437
training + 360 validation), standard normal margins, groups forget (10 points), retain, validation.

Measured (best of ``REPEATS``; the 2 cores are shared):

* ``score_margins`` (point values only, as before) and ``score_snapshot`` (point values + centred bootstrap
  interval with ``SNAPSHOT_BOOTSTRAP`` resamples + flags), per snapshot; the extra time of a quick sweep is the
  difference × ``QUICK_SNAPSHOTS`` (684 configurations + 40 illusion snapshots on the nine sets of the quick protocol,
  docs/experiments.md#quick-and-full-protocols) and the floors.
* with ``--train``: the training time of one ensemble of 100 digits MLPs (30 epochs, the oracle recipe), which is
  what measuring the floor on every forget set adds per set beyond the first (one independent oracle ensemble
  each), plus its scoring.

Run: ``python bench/bench_snapshot_scoring.py [--train]``. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from ascent_fails.nn_experiments.evaluation import SNAPSHOT_BOOTSTRAP, score_margins, score_snapshot

N_MODELS, N_TRAIN, N_VAL = 100, 1437, 360
QUICK_SNAPSHOTS = 684 + 40
QUICK_SETS = 9  # forget sets of the quick protocol at the time of measurement: floors on 8 more sets
REPEATS = 3
KL = dict(bins=20, eps=1e-5, direction="oracle_unlearned")


def _best(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="also time training one 100-model digits ensemble")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    p = N_TRAIN + N_VAL
    oracle, other = rng.normal(size=(N_MODELS, p)), rng.normal(size=(N_MODELS, p)) + 0.2
    keep = np.ones(N_TRAIN, bool)
    keep[:10] = False
    groups = {"forget": np.arange(10), "retain": np.flatnonzero(keep), "validation": np.arange(N_TRAIN, p)}
    correct = other > 0
    plain = _best(lambda: score_margins(oracle, other, correct, groups, **KL))
    full = _best(lambda: score_snapshot(oracle, other, correct, groups, **KL))
    extra = full - plain
    out = {"points": p, "n_models": N_MODELS, "n_bootstrap": SNAPSHOT_BOOTSTRAP,
           "score_margins_s": round(plain, 4), "score_snapshot_s": round(full, 4),
           "extra_per_snapshot_s": round(extra, 4),
           "extra_quick_sweep_scoring_s": round(extra * QUICK_SNAPSHOTS, 1),
           "cpu_count": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 2)}
    if args.train:
        import torch

        from ascent_fails.nn_experiments.data import load_dataset
        from ascent_fails.nn_experiments.recipe import DIGITS_RECIPE
        from ascent_fails.nn_experiments.training import train_ensemble

        torch.set_num_threads(1)
        data = load_dataset("digits", seed=0)
        start = time.perf_counter()
        train_ensemble("mlp", data.train_x, data.train_y, DIGITS_RECIPE, n_models=N_MODELS, seed=123, num_classes=10,
                       progress=False)
        seconds = time.perf_counter() - start
        out["train_one_ensemble_1thread_s"] = round(seconds, 1)
        out["floor_per_set_extra_quick_s"] = round((QUICK_SETS - 1) * (seconds + full), 1)
    print(f"score_margins {plain:.3f} s, score_snapshot {full:.3f} s per snapshot ({SNAPSHOT_BOOTSTRAP} resamples)")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
