"""Benchmark: time of ``ascent-fails nn run`` and an extrapolation to the paper's full protocol.

Reads the ``results.json`` of a finished run (default: the quick protocol at N = 100 on digits) and prints the
measured times (data + datamodels + forget sets, then training and unlearning), the measured seconds per run
of each method, and the full protocol's unlearning time extrapolated as (runs per forget set in the full
grids) × (measured seconds per run of that method) × (forget sets). Oracle training and datamodels are the
same in both protocols and are not extrapolated.

    python bench/bench_nn_run.py OUT/results.json
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="results.json of a finished `ascent-fails nn run`")
    args = parser.parse_args()
    results = json.loads(args.results.read_text())
    from ascent_fails.nn_experiments.sweep import default_sweep

    # unit time = the last snapshot's elapsed seconds (rows of a unit share method, set and hparams)
    units: dict[tuple, float] = {}
    for row in results["runs"]:
        key = (row["method"], row["forget_set"], json.dumps(row["hparams"], sort_keys=True))
        units[key] = max(units.get(key, 0.0), row["seconds"])
    per_method: dict[str, list[float]] = defaultdict(list)
    for (method, _, _), seconds in units.items():
        per_method[method].append(seconds)
    timings = results["timings"]
    n_sets = len(results["forget_sets"])
    print(f"{results['dataset']}, N={results['n_models']}, {results.get('protocol')} protocol, {n_sets} forget sets, "
          f"{len(results['runs'])} configurations, {timings.get('threads')} torch thread(s), {results['hardware']}")
    print(f"measured: prepare (data, datamodels, forget sets) {timings.get('prepare_seconds', float('nan')):.0f} s; "
          f"sweep (oracles, unlearning, scoring) {timings['this_session_seconds']:.0f} s; "
          f"total {timings.get('total_seconds', float('nan')):.0f} s "
          f"(units computed in this session: {timings['units_computed_now']}/{timings['units_total']})")
    full_runs = {g.method: len(g.runs()) for g in default_sweep().methods}
    unlearning_now = sum(sum(v) for v in per_method.values())
    full = 0.0
    for method, seconds in sorted(per_method.items()):
        mean = sum(seconds) / len(seconds)
        full += mean * full_runs[method] * n_sets
        print(f"  {method:<11} {len(seconds):4d} runs, {mean:6.2f} s per run; full protocol: {full_runs[method]} runs per set")
    print(f"unlearning + scoring: measured {unlearning_now:.0f} s; full grids extrapolated {full:.0f} s "
          f"(+ {full - unlearning_now:.0f} s over the measured run)")


if __name__ == "__main__":
    main()
