"""The ``results.json`` of ``ascent-fails nn run``: its schema and the check every loader applies.

``results.json`` (written last, atomically) follows the schema::

    {"dataset", "n_models", "klom": {"direction", "bins", "eps"},
     "floor": {"forget", "retain", "validation"},
     "forget_sets": [{"name", "size", "kind", "floor": {...}, "source"}],
     "runs": [{"method", "forget_set", "hparams", "epoch", "klom_p95": {"forget", "retain", "validation"},
               "accuracy": {"forget", "retain", "validation"}, "cost", "gradient_evaluations", "seconds"}],
     "illusion": {"forget_set", "runs": [same rows, GA after every epoch]},
     optional per row (written since intervals and flags exist; older files load without them):
       "klom_ci": {group: [low, high]}, the bootstrap interval over models of klom_p95 (low ≤ high);
       "flags": {"collapsed", "spread": bool, "collapsed_share", "range_ratio": {group: number}} (blind spots);
       "cost_total", "forward_evaluations", "checkpoint_gradient_evaluations" (nn_experiments/cost.py);
     optional per forget set: "floor_ci": {group: [low, high]} (the interval of its own floor),
     ... extra keys: "sweep", "recipe", "arch", "seeds", "provenance", "timings", "oracle_check"}

``floor`` is the noise floor: KLoM of an independent oracle ensemble against the oracle ensemble (docs/experiments.md#noise-floor),
measured on every forget set (``Sweep.floor_per_set``, the default: the top-level value is the median over sets,
and each set carries its own ``floor`` and ``floor_ci``), or on the first set only (``floor_forget_sets``; the
others' ``floor`` is then ``null``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ascent_fails.nn_experiments.names import GROUPS

__all__ = ["RESULTS_FILE", "validate_results", "load_results"]

RESULTS_FILE = "results.json"


def _require_keys(where: str, value: Any, keys: Sequence[str]) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be an object, got {type(value).__name__}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise ValueError(f"{where} lacks key(s) {missing}")


def _check_interval_map(where: str, value: Any) -> None:
    """{group: [low, high]} with finite low ≤ high for every group of GROUPS."""
    _require_keys(where, value, GROUPS)
    for g in GROUPS:
        pair = value[g]
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(v, (int, float)) and np.isfinite(v) for v in pair) or pair[0] > pair[1]):
            raise ValueError(f"{where}.{g} must be [low, high] with finite low ≤ high, got {pair!r}")


def _check_optional_row_keys(where: str, row: Mapping[str, Any]) -> None:
    if "klom_ci" in row:
        _check_interval_map(f"{where}.klom_ci", row["klom_ci"])
    if "flags" in row:
        _require_keys(f"{where}.flags", row["flags"], ("collapsed", "spread"))
        if not all(isinstance(row["flags"][k], bool) for k in ("collapsed", "spread")):
            raise ValueError(f"{where}.flags.collapsed and .spread must be true or false, got {row['flags']}")
    for key in ("cost_total", "forward_evaluations", "checkpoint_gradient_evaluations"):
        if key in row and not (isinstance(row[key], (int, float)) and np.isfinite(row[key]) and row[key] >= 0):
            raise ValueError(f"{where}.{key}={row[key]!r} must be a finite number >= 0")


def validate_results(results: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the first place where ``results`` departs from the results.json schema."""
    from ascent_fails.nn_experiments.forget_sets import FORGET_SET_KINDS

    _require_keys("results", results, ("dataset", "n_models", "klom", "floor", "forget_sets", "runs"))
    _require_keys("results.klom", results["klom"], ("direction", "bins", "eps"))
    _require_keys("results.floor", results["floor"], GROUPS)
    names = set()
    for i, fs in enumerate(results["forget_sets"]):
        _require_keys(f"forget_sets[{i}]", fs, ("name", "size", "kind"))
        if fs["kind"] not in FORGET_SET_KINDS:
            raise ValueError(f"forget_sets[{i}].kind={fs['kind']!r} must be one of {FORGET_SET_KINDS}")
        if fs.get("floor_ci") is not None:
            _check_interval_map(f"forget_sets[{i}].floor_ci", fs["floor_ci"])
        names.add(fs["name"])
    for i, row in enumerate(results["runs"]):
        _require_keys(f"runs[{i}]", row, ("method", "forget_set", "hparams", "epoch", "klom_p95", "accuracy", "cost"))
        _require_keys(f"runs[{i}].klom_p95", row["klom_p95"], GROUPS)
        _require_keys(f"runs[{i}].accuracy", row["accuracy"], GROUPS)
        if row["forget_set"] not in names:
            raise ValueError(f"runs[{i}].forget_set={row['forget_set']!r} is not among forget_sets")
        values = [row["cost"], *row["klom_p95"].values(), *row["accuracy"].values()]
        if not all(isinstance(v, (int, float)) and np.isfinite(v) and v >= 0 for v in values):
            raise ValueError(f"runs[{i}] has a cost, KLoM or accuracy that is not a finite number >= 0: {row}")
        _check_optional_row_keys(f"runs[{i}]", row)
    for i, row in enumerate((results.get("illusion") or {}).get("runs", [])):
        _check_optional_row_keys(f"illusion.runs[{i}]", row)


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a ``results.json`` (or the folder holding one) and check it against the schema.

    Raises ``ValueError`` naming the file when it is missing, is not JSON, or departs from the schema, so that a
    truncated or foreign file is never plotted or tabulated as if it were a run.
    """
    import json

    file = Path(path)
    if file.is_dir():
        file = file / RESULTS_FILE
    if not file.is_file():
        raise ValueError(f"{file} does not exist (expected the {RESULTS_FILE} written by `ascent-fails nn run`)")
    try:
        results = json.loads(file.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{file} is not valid JSON: {error}") from None
    try:
        validate_results(results)
    except ValueError as error:
        raise ValueError(f"{file}: {error}") from None
    return results
