"""bench/device_check.sh --dry-run: the GPU session's script runs on a CPU at tiny sizes and writes its report.

The report is checked for every stage, every headline figure finite and positive, and the extrapolation's total
equal to the sum of its terms. Negative control: the same checks reject a report with one figure NaN, one figure
zero and one stage missing (3 of 3 corruptions found).
"""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEADLINES = {
    "bench": ["plain_model_images_per_s", "engine_k1_model_images_per_s", "engine_kauto_model_images_per_s",
              "engine_k1_vs_plain", "auto_models_per_pass", "stage_seconds"],
    "training": ["model_images_per_s", "seconds", "peak_memory_bytes", "predicted_peak_bytes", "memory_budget_bytes",
                 "chunk", "models_per_pass", "n_models", "epochs"],
    "klom": ["eval_model_images_per_s", "margins_seconds", "klom_seconds", "peak_memory_bytes", "n_models", "points"],
    "extrapolation": ["training_seconds", "unlearning_seconds", "scoring_seconds", "total_seconds", "total_hours"],
}


def problems(report: dict) -> list[str]:
    found = []
    for stage, keys in HEADLINES.items():
        if stage not in report:
            found.append(f"stage {stage} missing")
            continue
        for key in keys:
            value = report[stage].get(key)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                found.append(f"{stage}.{key} = {value!r} is not a finite positive number")
    if "extrapolation" in report:
        e = report["extrapolation"]
        parts = e.get("training_seconds", 0) + e.get("unlearning_seconds", 0) + e.get("scoring_seconds", 0)
        if not math.isclose(parts, e.get("total_seconds", -1), rel_tol=1e-9):
            found.append("extrapolation total is not the sum of its terms")
        if not e.get("arithmetic") or not all(isinstance(line, str) for line in e["arithmetic"]):
            found.append("extrapolation arithmetic missing")
    return found


@pytest.mark.slow
def test_the_dry_run_writes_a_complete_report(tmp_path) -> None:
    env = {**os.environ, "OUT": str(tmp_path / "out"), "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(REPO / "bench" / "device_check.sh"), "--dry-run"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "device_check.json").read_text())
    assert report["dry_run"] is True and report["device"] == "cpu"
    assert problems(report) == []
    assert json.loads(done.stdout.strip().splitlines()[-1])["report"].endswith("device_check.json")
    # negative control: each corruption is found
    corrupted = [copy.deepcopy(report) for _ in range(3)]
    corrupted[0]["training"]["model_images_per_s"] = float("nan")
    corrupted[1]["klom"]["eval_model_images_per_s"] = 0
    del corrupted[2]["bench"]
    assert sum(bool(problems(c)) for c in corrupted) == 3


def test_the_checkout_imports_without_installing() -> None:
    """With the installed package hidden, ``import_checkout`` loads ``ascent_fails`` from this checkout."""
    code = (
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in type(f).__module__ + repr(f)]\n"
        "sys.path_hooks[:] = [h for h in sys.path_hooks if 'editable' not in repr(h)]\n"
        "sys.path_importer_cache.clear()\n"
        "for name in [m for m in sys.modules if m.startswith('ascent_fails')]: del sys.modules[name]\n"
        f"sys.path.insert(0, {str(REPO / 'bench')!r})\n"
        "import device_check\n"
        "try:\n"
        "    import ascent_fails.nn_experiments\n"
        "    print('installed')\n"
        "except ImportError:\n"
        "    print('hidden')\n"
        "device_check.import_checkout()\n"
        "import ascent_fails.nn_experiments.engine as e\n"
        "print(e.__file__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    assert lines[0] == "hidden"  # control: the installed package really was out of reach
    assert Path(lines[1]) == REPO / "nn_experiments" / "engine.py"
