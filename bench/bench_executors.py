"""Benchmark: wall time of one small ``nn run`` sweep with the local executor and with ``--executor ray``.

Each executor runs the same sweep from scratch (fresh ``--out`` and cache, in a temporary folder) as a
separate ``ascent-fails nn run`` process, so the figures include everything a user waits for: imports, data,
datamodels, ensembles, unlearning units, figures, and for Ray the start of a local Ray instance. Then the two
``results.json`` are compared value for value (KLoM, accuracy, cost: everything but timings). The 1-minute
load average before each run is recorded, since other jobs on the machine change the figures.

    python bench/bench_executors.py [--n-models 4] [--repeats 1]

The last line is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(out: Path, n_models: int, executor: str) -> float:
    argv = [sys.executable, "-m", "ascent_fails.proofs_check.cli", "nn", "run", "--out", str(out),
            "--n-models", str(n_models), "--methods", "do_nothing", "ga", "--forget-sets", "random_10_seed0",
            "--datamodel-models", "8", "--threads", "1", "--no-progress", "--executor", executor]
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def comparable(path: Path) -> dict:
    results = json.loads(path.read_text())
    return {"runs": [{k: v for k, v in r.items() if k != "seconds"} for r in results["runs"]],
            "illusion": [{k: v for k, v in r.items() if k != "seconds"} for r in results["illusion"]["runs"]],
            "floor": results["floor"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-models", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    figures: dict[str, list] = {"local_seconds": [], "ray_seconds": [], "load_before": []}
    equal = True
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            outs = {}
            for executor in ("local", "ray"):
                figures["load_before"].append(round(os.getloadavg()[0], 2))
                outs[executor] = Path(tmp) / f"{executor}{repeat}"
                seconds = run(outs[executor], args.n_models, executor)
                figures[f"{executor}_seconds"].append(round(seconds, 1))
                print(f"{executor}: {seconds:.1f} s (1-min load before: {figures['load_before'][-1]})", flush=True)
            equal &= comparable(outs["local"] / "results.json") == comparable(outs["ray"] / "results.json")
        units = len(json.loads((outs["local"] / "results.json").read_text())["runs"])
    print(json.dumps({**figures, "n_models": args.n_models, "configurations": units, "cpus": os.cpu_count(),
                      "results_equal": equal}))


if __name__ == "__main__":
    main()
