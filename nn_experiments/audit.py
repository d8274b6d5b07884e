"""``ascent-fails audit``: the paper's guidelines for unlearning evaluation, applied to any method (docs/audit.md).

The paper (Sections 5–6) asks of an unlearning method: compare it with *oracles* (models retrained without F)
rather than with forget accuracy; test it on random *and* structured (high-influence) forget sets; report how
much there was to unlearn; check its sensitivity to the learning rate and the stopping time (Fig. 2, the
"illusion"); and count its cost against retraining. :func:`audit` does exactly that for a method written
against :mod:`~ascent_fails.nn_experiments.method_plugins`'s interface, by running one sweep through the same
runner as ``nn run`` (:func:`~ascent_fails.nn_experiments.runner.run_sweep`): the do-nothing configuration plus
the method's grid, on the chosen forget sets, with the noise floor measured on every set. :func:`analyse` then
turns ``results.json`` into the audit (pure: it reads numbers, trains nothing):

* **gap**: KLoM of the pretrained models against the oracles per group, and whether doing nothing is already
  classified as unlearned (a set with nothing to unlearn at this N cannot judge a method: *uninformative*);
* **classes**: every configuration (grid point × snapshot epoch) is classified by
  :func:`ascent_fails.nn_experiments.claims.classify` against the pretrained models and the set's own floor;
* **oracle-best** configuration: the lowest worst-group KLoM among the configurations classified neither broken
  nor flagged (a KLoM blind spot);
* **user's choice** (the illusion probe): the configuration a user without oracles would pick,
  :func:`user_choice`: among configurations whose validation accuracy stays within
  ``USER_MAX_VALIDATION_DROP`` of the pretrained models', the one whose forget accuracy is closest to its
  validation accuracy (a retrained model treats F like unseen data), ties to the cheaper, then earlier one;
  the *regret* is its worst-group KLoM minus the oracle-best's (none when the user's choice is broken or flagged);
* **stopping time and learning rate**: per grid point, the KLoM after each snapshot epoch, the epoch the oracles
  would stop at and the epoch the user's rule would stop at; per learning rate (an axis named ``lr``), the best
  worst-group KLoM over the rest of the grid;
* **cost**: gradient (and forward-only) evaluations per model relative to one oracle retraining, for the
  chosen configurations, and the hyperparameter search of the whole grid
  (:func:`ascent_fails.nn_experiments.cost.search_costs`: every run to its last epoch plus the oracle training
  that choosing by KLoM needs).

**Verdict per forget set** (informative sets only), from the classes: *unlearned* when the user's choice is
classified unlearned; *unlearned only with oracle selection* when the oracle-best is but the user's choice is
not; otherwise the oracle-best's class: *partial*, *stuck near the pretrained model*, *overshoot*, *flagged*, or
*broken* (every configuration broken or flagged). **Overall**: *unlearns* when every informative set is unlearned; *unlearns only with
oracle selection* when every informative set is unlearned with oracles and at least one needed them; else
*does not unlearn*, listing the sets; *undecided* when no set is informative. One seed (``seed``), N models per
ensemble; the classification's thresholds and rule are those of ``claims`` (stated in audit.md).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ascent_fails.nn_experiments.names import GROUPS

__all__ = ["GridFile", "load_grid", "parse_grid", "AuditSettings", "audit", "analyse", "user_choice",
           "oracle_choice", "worst_group", "USER_MAX_VALIDATION_DROP", "AUDIT_FILE", "REPORT_FILE",
           "default_audit_forget_sets"]

AUDIT_FILE = "audit.json"
REPORT_FILE = "audit.md"
#: the user's own tolerance: a configuration losing more validation accuracy than this is not a candidate
USER_MAX_VALIDATION_DROP = 0.05
# class names of claims.classify (claims.CLASSES), grouped by what they mean for the verdict
_UNLEARNED = ("unlearned",)
_NEAR = ("near_pretrained",)
_UNUSABLE = ("broken", "flagged")  # damaged, or KLoM cannot be read (a blind spot): never the oracle's pick


@dataclass(frozen=True)
class GridFile:
    """A plug-in's grid file: snapshot epochs, hyperparameter axes, optional shared options (docs/audit.md)."""

    snapshot_epochs: tuple[int, ...]
    axes: tuple[tuple[str, tuple[Any, ...]], ...]
    options: Mapping[str, Any] = field(default_factory=dict)  # sweep.UnlearnOptions fields


def parse_grid(data: Mapping[str, Any], where: str = "the grid") -> GridFile:
    """The grid of a parsed TOML table: ``snapshot_epochs = [...]``, one list per hyperparameter, ``[options]``.

    >>> g = parse_grid({"snapshot_epochs": [1, 2], "lr": [1e-3, 1e-2], "steps": 5})
    >>> g.axes
    (('lr', (0.001, 0.01)), ('steps', (5,)))
    """
    data = dict(data)
    if "snapshot_epochs" not in data:
        raise ValueError(f"{where} needs snapshot_epochs = [...] (the epochs after which the method is scored)")
    epochs = data.pop("snapshot_epochs")
    epochs = epochs if isinstance(epochs, list) else [epochs]
    if not epochs or not all(isinstance(e, int) and not isinstance(e, bool) and e >= 0 for e in epochs):
        raise ValueError(f"{where}: snapshot_epochs = {epochs!r} must be a non-empty list of integers >= 0")
    options = data.pop("options", {})
    if not isinstance(options, Mapping):
        raise ValueError(f"{where}: options must be a table ([options]), got {options!r}")
    from ascent_fails.nn_experiments.sweep import UnlearnOptions

    known = set(UnlearnOptions.__dataclass_fields__)
    if set(options) - known:
        raise ValueError(f"{where}: unknown option(s) {sorted(set(options) - known)} in [options]; known: {sorted(known)}")
    axes = []
    for name, values in data.items():
        if isinstance(values, Mapping):
            raise ValueError(f"{where}: hyperparameter {name!r} must be a value or a list of values, not a table")
        values = tuple(values) if isinstance(values, list) else (values,)
        if not values:
            raise ValueError(f"{where}: hyperparameter {name!r} has an empty list of values")
        for v in values:
            if not isinstance(v, (int, float, str)):  # bool is an int; lists and tables are not grid values
                raise ValueError(f"{where}: hyperparameter {name!r} has the value {v!r}; values are numbers, "
                                 "strings or booleans")
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"{where}: hyperparameter {name!r} has the non-finite value {v!r}")
            if name == "lr" and (isinstance(v, (bool, str)) or not v > 0):
                raise ValueError(f"{where}: hyperparameter 'lr' has the value {v!r}; a learning rate is a number > 0")
        axes.append((str(name), values))
    return GridFile(tuple(epochs), tuple(axes), dict(options))


def load_grid(path: str | Path, plugin: Any, *, flag: str = "--grid") -> tuple[Any, Any]:
    """(sweep.MethodGrid of ``plugin``, sweep.UnlearnOptions) from a grid TOML file; ``UsageError`` naming ``flag``.

    The grid is validated against the plug-in's declared hyperparameter names (a typo names the key).
    """
    from ascent_fails.cli_errors import UsageError, read_toml
    from ascent_fails.nn_experiments.sweep import MethodGrid, UnlearnOptions

    data = read_toml(flag, path)
    try:
        grid = parse_grid(data, where=repr(str(path)))
        options = dict(grid.options)
        if "scrub_lr_decay_epochs" in options:
            options["scrub_lr_decay_epochs"] = tuple(options["scrub_lr_decay_epochs"])
        return MethodGrid(plugin.name, grid.snapshot_epochs, grid.axes), UnlearnOptions(**options)
    except (ValueError, TypeError) as exc:
        raise UsageError(flag, f"{str(path)!r}: {exc}") from None


def default_audit_forget_sets(dataset: str) -> tuple[str, ...]:
    """The first random set among ``dataset``'s default sets and the first structured (non-random) one of the same size.

    >>> default_audit_forget_sets("digits")[0]
    'random_10_seed0'
    >>> len(default_audit_forget_sets("digits"))
    2
    """
    from ascent_fails.nn_experiments.forget_sets import default_forget_set_names

    def size(name: str) -> int | None:
        numbers = re.findall(r"(?:^|_)(\d+)(?=_|$)", name)
        return int(numbers[0]) if numbers else None

    names = default_forget_set_names(dataset)
    random = next(n for n in names if n.startswith("random_"))
    structured = [n for n in names if not n.startswith("random_") and size(n) == size(random)]
    return (random, *structured[:1])


@dataclass(frozen=True)
class AuditSettings:
    """What is measured besides the method and its grid (defaults: the quick protocol's N and KLoM settings)."""

    n_models: int = 100  # N: pretrained models, oracles and independent oracles per forget set
    forget_sets: tuple[str, ...] = ()  # () = default_audit_forget_sets(dataset)
    seed: int = 0  # root of the runner's per-run seeds
    klom_direction: str = "oracle_unlearned"

    def __post_init__(self) -> None:
        from ascent_fails.nn_experiments.names import KLOM_DIRECTIONS
        from ascent_fails.validate import require_choice, require_positive_int

        require_positive_int("n_models", self.n_models, minimum=2, symbol="N")
        require_positive_int("seed", self.seed, minimum=0)
        require_choice("klom_direction", self.klom_direction, KLOM_DIRECTIONS)
        object.__setattr__(self, "forget_sets", tuple(str(s) for s in self.forget_sets))


def worst_group(row: Mapping[str, Any]) -> float:
    """max over groups of the 95th-percentile KLoM: a configuration is as good as its worst group."""
    return max(float(row["klom_p95"][g]) for g in GROUPS)


def _row_cost(row: Mapping[str, Any]) -> float:
    return float(row.get("cost_total", row["cost"]))


def user_choice(rows: Sequence[Mapping[str, Any]], pretrained_validation_accuracy: float,
                max_drop: float = USER_MAX_VALIDATION_DROP) -> int:
    """Index of the configuration a user who cannot see oracles picks (reads accuracies and cost only).

    Candidates keep validation accuracy ≥ pretrained − ``max_drop`` (all rows when none does); among them the
    smallest |forget accuracy − validation accuracy| wins, then the lower cost, the earlier epoch, the earlier row.

    >>> rows = [{"accuracy": {"forget": 1.0, "validation": 0.95}, "cost": 0.1, "epoch": 1},
    ...         {"accuracy": {"forget": 0.94, "validation": 0.95}, "cost": 0.2, "epoch": 2},
    ...         {"accuracy": {"forget": 0.5, "validation": 0.5}, "cost": 0.3, "epoch": 3}]
    >>> user_choice(rows, 0.95)
    1
    """
    if not rows:
        raise ValueError("user_choice needs at least one configuration")
    floor = pretrained_validation_accuracy - max_drop
    candidates = [i for i, r in enumerate(rows) if r["accuracy"]["validation"] >= floor] or list(range(len(rows)))

    def score(i: int) -> tuple[float, float, int, int]:
        acc = rows[i]["accuracy"]
        return abs(acc["forget"] - acc["validation"]), _row_cost(rows[i]), int(rows[i]["epoch"]), i

    return min(candidates, key=score)


def oracle_choice(rows: Sequence[Mapping[str, Any]], classes: Sequence[str]) -> int:
    """Index of the configuration the oracles pick: an unlearned one if any (classes are decided by intervals, so
    the lowest value need not be unlearned), then the lowest worst-group KLoM among those neither broken nor
    flagged (all if none is)."""
    if not rows:
        raise ValueError("oracle_choice needs at least one configuration")
    candidates = [i for i, c in enumerate(classes) if c not in _UNUSABLE] or list(range(len(rows)))
    return min(candidates, key=lambda i: (classes[i] != "unlearned", worst_group(rows[i]), _row_cost(rows[i]),
                                          int(rows[i]["epoch"]), i))


def _short(row: Mapping[str, Any], cls: str) -> dict[str, Any]:
    out = {k: row[k] for k in ("hparams", "epoch", "klom_p95", "accuracy", "cost") if k in row}
    out.update(worst_group_klom=worst_group(row), cost_total=_row_cost(row), **{"class": cls})
    for key in ("klom_ci", "flags", "gradient_evaluations", "forward_evaluations", "checkpoint_gradient_evaluations"):
        if key in row:
            out[key] = row[key]
    return out


def _regret(rows: Sequence[Mapping[str, Any]], classes: Sequence[str], user: int, best: int) -> float | None:
    """Worst-group KLoM of the user's choice − the oracle-best's; None when the user's choice is broken or flagged
    (its KLoM then says nothing good: a broken model can score low)."""
    if classes[user] in _UNUSABLE:
        return None
    return worst_group(rows[user]) - worst_group(rows[best])


def _set_verdict(informative: bool, user_cls: str, best_cls: str) -> str:
    if not informative:
        return "uninformative"
    if user_cls in _UNLEARNED:
        return "unlearned"
    if best_cls in _UNLEARNED:
        return "unlearned only with oracle selection"
    if best_cls == "broken":
        return "broken"
    if best_cls == "flagged":
        return "flagged: KLoM blind spot"
    if best_cls in _NEAR:
        return "stuck near the pretrained model"
    if best_cls == "overshoot":
        return "overshoot: moved away from the oracles"
    return "partial"


def analyse(results: Mapping[str, Any], method: str) -> dict[str, Any]:
    """The audit of ``method`` from an ``nn run``-style results dict holding its rows and do-nothing rows."""
    from ascent_fails.nn_experiments import claims
    from ascent_fails.nn_experiments.cost import search_costs
    from ascent_fails.nn_experiments.noise_floor import floor_interval_of, floor_of

    sets_out = []
    for fs in results["forget_sets"]:
        name = fs["name"]
        starts = [r for r in results["runs"] if r["forget_set"] == name and r["method"] == "do_nothing"]
        rows = [r for r in results["runs"] if r["forget_set"] == name and r["method"] == method]
        if not starts or not rows:
            raise ValueError(f"results hold no do-nothing or no {method!r} rows for forget set {name!r}")
        start, floor, floor_ci = starts[0], dict(floor_of(results, fs)), floor_interval_of(results, fs)
        start_cls = claims.classify(start, start, floor, floor_ci)
        informative = start_cls not in _UNLEARNED
        classes = [claims.classify(r, start, floor, floor_ci) for r in rows]
        best = oracle_choice(rows, classes)
        user = user_choice(rows, start["accuracy"]["validation"])
        runs: dict[tuple[tuple[str, Any], ...], list[int]] = {}
        for i, r in enumerate(rows):
            runs.setdefault(tuple(sorted(r["hparams"].items())), []).append(i)
        stopping = []
        for hp, idx in runs.items():
            idx = sorted(idx, key=lambda i: rows[i]["epoch"])
            sub = [rows[i] for i in idx]
            b = idx[oracle_choice(sub, [classes[i] for i in idx])]
            u = idx[user_choice(sub, start["accuracy"]["validation"])]
            stopping.append({
                "hparams": dict(hp),
                "epochs": [rows[i]["epoch"] for i in idx],
                "worst_group_klom": [worst_group(rows[i]) for i in idx],
                "forget_klom": [rows[i]["klom_p95"]["forget"] for i in idx],
                "forget_accuracy": [rows[i]["accuracy"]["forget"] for i in idx],
                "classes": [classes[i] for i in idx],
                "oracle_epoch": rows[b]["epoch"], "oracle_class": classes[b],
                "user_epoch": rows[u]["epoch"], "user_class": classes[u],
                "regret": _regret(rows, classes, u, b),
            })
        lr_sensitivity = None
        if all("lr" in r["hparams"] for r in rows):
            by_lr: dict[float, float] = {}
            for i, r in enumerate(rows):
                if classes[i] not in _UNUSABLE:
                    lr = float(r["hparams"]["lr"])
                    by_lr[lr] = min(by_lr.get(lr, math.inf), worst_group(r))
            lrs = sorted({float(r["hparams"]["lr"]) for r in rows})
            lr_sensitivity = {"lrs": lrs, "best_unbroken_worst_group_klom": [by_lr.get(lr) for lr in lrs]}
        counts = {c: classes.count(c) for c in sorted(set(classes))}
        search = search_costs(rows).get(method, {})
        sets_out.append({
            "name": name, "kind": fs["kind"], "size": fs["size"], "floor": floor, "floor_ci": floor_ci,
            "pretrained": {"klom_p95": start["klom_p95"], "klom_ci": start.get("klom_ci"), "accuracy": start["accuracy"],
                           "class": start_cls},
            "gap": {g: start["klom_p95"][g] / floor[g] if floor[g] > 0 else math.inf for g in GROUPS},
            "informative": informative,
            "classes": counts,
            "configurations": [_short(r, c) for r, c in zip(rows, classes)],
            "oracle_best": _short(rows[best], classes[best]),
            "user_choice": _short(rows[user], classes[user]),
            "regret": _regret(rows, classes, user, best),
            "stopping": stopping,
            "lr_sensitivity": lr_sensitivity,
            "search_cost": search.get("per_forget_set", {}).get(name),
            "verdict": _set_verdict(informative, classes[user], classes[best]),
        })
    return {"method": method, "forget_sets": sets_out, "verdict": _overall(sets_out)}


def _overall(sets: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    judged = [s for s in sets if s["informative"]]
    if not judged:
        return {"class": "undecided", "text": "doing nothing already scores as unlearned on every forget set at this N: "
                                              "no set has anything to unlearn, so none can judge the method"}
    verdicts = {s["name"]: s["verdict"] for s in judged}
    if all(v == "unlearned" for v in verdicts.values()):
        return {"class": "unlearns", "text": "on every informative forget set, the configuration a user picks without "
                                             "oracles is classified unlearned"}
    if all(v in ("unlearned", "unlearned only with oracle selection") for v in verdicts.values()):
        need = [n for n, v in verdicts.items() if v != "unlearned"]
        return {"class": "unlearns only with oracle selection",
                "text": f"some configuration unlearns every informative set, but on {', '.join(need)} the user's "
                        "stopping rule (forget accuracy ≈ validation accuracy) picks one that does not: the illusion"}
    failing = ", ".join(f"{n}: {v}" for n, v in verdicts.items() if v not in ("unlearned", "unlearned only with oracle selection"))
    return {"class": "does not unlearn", "text": f"no configuration reaches the noise floor on {failing}"}


def audit(plugin: Any, grid: Any, inputs: Any, out_dir: str | Path, *, settings: AuditSettings = AuditSettings(),
          options: Any = None, progress: bool = True) -> dict[str, Any]:
    """Run the audit of ``plugin`` (a registered method_plugins.MethodPlugin) with ``grid`` (sweep.MethodGrid) on
    ``inputs`` (inputs.ExperimentInputs); writes results.json, audit.json, audit.md and the figures into ``out_dir``.

    A rerun into the same ``out_dir`` resumes (the runner's units), and an edited method is run afresh (its
    source hash is part of every unit's name).
    """
    from dataclasses import asdict

    from ascent_fails.atomic_io import atomic_write_json, atomic_write_text
    from ascent_fails.nn_experiments.audit_report import report_markdown, write_audit_figures
    from ascent_fails.nn_experiments.names import DATASETS
    from ascent_fails.nn_experiments.runner import run_sweep
    from ascent_fails.nn_experiments.sweep import MethodGrid, Sweep, UnlearnOptions
    from ascent_fails.provenance import provenance

    if grid.method != plugin.name:
        raise ValueError(f"the grid is for method {grid.method!r}, not {plugin.name!r}")
    dataset = inputs.dataset.name if inputs.dataset.name in DATASETS else "digits"
    if settings.forget_sets:
        names = settings.forget_sets
    else:  # the default pair where the data has it, else the first set of the inputs
        available = {fs.name for fs in inputs.forget_sets}
        names = tuple(n for n in default_audit_forget_sets(dataset) if n in available) or (inputs.forget_sets[0].name,)
    out = Path(out_dir)
    started = time.perf_counter()
    sweep = Sweep(
        dataset=dataset,
        n_models=settings.n_models,
        forget_sets=names,
        methods=(MethodGrid("do_nothing", (0,)), grid),
        options=options if options is not None else UnlearnOptions(),
        illusion=None,  # the stopping-time probe uses the method's own snapshots, on every forget set
        klom_direction=settings.klom_direction,
        seed=settings.seed,
        floor_per_set=True,
    )
    results = run_sweep(sweep, inputs, out, progress=progress)
    result = analyse(results, plugin.name)
    result.update(
        plugin={"name": plugin.name, "version": plugin.version, "description": plugin.description,
                "declared_hparams": None if plugin.hparams is None else list(plugin.hparams),
                # "per_model": a per_model.py method, run model by model in lock-step; "ensemble": the plain form
                "form": "per_model" if hasattr(plugin.fn, "per_model") else "ensemble"},
        grid={"snapshot_epochs": list(grid.snapshot_epochs), **{n: list(v) for n, v in grid.axes}},
        options=asdict(sweep.options),
        settings=asdict(settings) | {"forget_sets": list(names)},
        dataset=results["dataset"], arch=results["arch"], n_models=results["n_models"], klom=results["klom"],
        oracle_epochs=inputs.recipe.epochs,
        rules={"user_max_validation_drop": USER_MAX_VALIDATION_DROP, "classification": _criteria()},
        cost_reported=any(c.get("gradient_evaluations", 0) or c.get("forward_evaluations", 0)
                          for s in result["forget_sets"] for c in s["configurations"]),
        timings={"seconds": time.perf_counter() - started, **results.get("timings", {})},
        provenance=provenance(inputs.device),
    )
    figures = write_audit_figures(result, out)
    result["figures"] = {k: Path(v).name for k, v in figures.items()}
    atomic_write_json(out / AUDIT_FILE, result)
    atomic_write_text(out / REPORT_FILE, report_markdown(result))
    return result


def _criteria() -> str:
    from ascent_fails.nn_experiments import claims

    return claims.criteria() if hasattr(claims, "criteria") else "see claims.classify"
