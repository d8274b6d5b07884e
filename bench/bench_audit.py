"""Benchmark: wall-clock time of ``ascent-fails audit`` at its defaults, on the documented example method.

Runs the audit of ``docs/examples/audit_method.py:unlearn`` with ``docs/examples/audit_grid.toml`` (digits, MLP,
N = 100, the two default forget sets) into ``--out`` (a fresh temporary directory by default, so nothing is
cached; give ``--cache-dir`` of an earlier ``nn run`` or audit to time the cached case). The target is under 10
minutes on 2 cores. The last line is one JSON object: total seconds, the seconds of preparing the inputs (data,
datamodels, forget sets) versus the sweep (oracles, floors, runs), the load average before and after, the CPU
count and the verdict.

    python bench/bench_audit.py [--out DIR] [--cache-dir DIR] [--threads T]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    from ascent_fails.nn_experiments.audit_command import AuditRequest, plan_audit, run_audit

    out = args.out or Path(tempfile.mkdtemp(prefix="bench-audit-"))
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    request = AuditRequest(method=f"{ROOT / 'docs/examples/audit_method.py'}:unlearn",
                           grid=ROOT / "docs/examples/audit_grid.toml", cache_dir=args.cache_dir, threads=args.threads,
                           progress=False)
    result = run_audit(plan_audit(out, request))
    total = time.perf_counter() - started
    print(json.dumps({
        "seconds_total": round(total, 1),
        "seconds_sweep": round(result["timings"].get("seconds", float("nan")), 1),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "n_models": result["n_models"],
        "forget_sets": [s["name"] for s in result["forget_sets"]],
        "verdict": result["verdict"]["class"],
        "out": str(out),
    }))


if __name__ == "__main__":
    main()
