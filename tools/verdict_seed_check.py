"""Run the verdict classifier (nn_experiments/claims.py) on another seed's sweep: the out-of-sample check of its thresholds.

The thresholds of the classes (broken, flagged, unlearned, near the pretrained model, overshoot, partial) were fixed
before the default sweep (seed 0) was judged; this tool applies them, unchanged, to the ``results.json`` of a sweep
whose models, data split and forget sets come from another seed, and prints what they say there, so that
docs/experiments.md#verdicts can record it. The cheap sweep used for the record (two random forget sets, the quick
grids, N = 100, 200 datamodel models since no structured set is run)::

    sed -e 's/^seed = 0$/seed = 1/' \\
        -e 's/^forget_sets = \\[\\].*$/forget_sets = ["random_10_seed0", "random_100_seed2"]/' \\
        nn_experiments/quick_sweep.toml > /tmp/sweep_seed1.toml
    ascent-fails nn run --out /tmp/seed1 --sweep /tmp/sweep_seed1.toml --datamodel-models 200 --threads 1
    python tools/verdict_seed_check.py /tmp/seed1

Output: one line per method (configurations per class), the controls paragraph of ``report.md``, the claims'
verdicts, then as the last line one JSON object ``{"seed", "n_models", "forget_sets", "classes": {method: {class:
count}}, "any_unlearned", "flagged"}``. Exit status 2 (with the reason) when DIR holds no valid results.json.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    from ascent_fails.nn_experiments.claims import ASCENT_METHODS, BASELINE_METHODS, assess_claims, class_counts, controls
    from ascent_fails.nn_experiments.results_schema import load_results

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="a results.json of `ascent-fails nn run`, or the folder holding it")
    args = parser.parse_args(argv)
    try:
        results = load_results(args.results)
    except ValueError as error:
        print(f"error: results: {error}", file=sys.stderr)
        return 2
    methods = [m for m in (*ASCENT_METHODS, *BASELINE_METHODS) if any(r["method"] == m for r in results["runs"])]
    counts = class_counts(results, methods)
    for m in methods:
        print(f"{m}: " + ", ".join(f"{c} {n}" for c, n in counts[m].items() if n))
    print(controls(results))
    for claim in assess_claims(results):
        print(f"{claim.id}: {claim.reproduced} — {claim.evidence}")
    print(json.dumps({
        "seed": (results.get("sweep") or {}).get("seed"),
        "n_models": results["n_models"],
        "forget_sets": [fs["name"] for fs in results["forget_sets"]],
        "classes": counts,
        "any_unlearned": any(c["unlearned"] for c in counts.values()),
        "flagged": sum(bool((r.get("flags") or {}).get("collapsed") or (r.get("flags") or {}).get("spread"))
                       for r in results["runs"]),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
