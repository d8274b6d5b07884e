"""The resumable sweep runner behind ``ascent-fails nn run`` (docs/experiments.md#overview).

For every forget set F: the oracle ensemble's margins are computed once; every run of every method grid is
applied to the N pretrained models (:func:`nn_experiments.methods.unlearn`) and every snapshot is scored
against the oracles with KLoM (95th percentile over the forget, retain and validation points), accuracy and
cost relative to retraining. A *unit* (one run on one forget set, all its snapshots) is written to
``DIR/units/<fingerprint>/<forget set>-<hash of its indices>/<runs|illusion>-<run key>.json`` atomically (temp file + ``os.replace``) the moment it
finishes; a rerun skips every unit whose file exists, so an interrupted sweep continues where it stopped.
The fingerprint (:func:`ascent_fails.config_hash.config_hash`) hashes everything that changes the numbers
(data set, architecture, recipe, N, options, KLoM settings, seed), so units of another configuration are
never mixed in.

Progress is reported stage by stage (:func:`ascent_fails.progress.stage`): a header line saying what is
trained or computed and how many, then a bar on a terminal, or one summary line with the count and the time
in a log. The stages of a sweep: the oracle ensembles of the forget sets that still have work, the pretrained
ensemble, the unlearning runs, then the noise floor and the oracle checks.

The results are written as ``results.json`` (schema and loader check in
:mod:`~ascent_fails.nn_experiments.results_schema`).

Faults and concurrency (docs/scaling.md). Unit and floor files are written with a manifest record (size,
SHA-256) and verified before reuse (:mod:`ascent_fails.integrity`): a truncated, garbage, empty or edited
file is moved aside with one warning line and recomputed. Each unit is computed under its own lock and the
run claims ``out_dir`` for its configuration (:mod:`ascent_fails.locks`): a second run of the same
configuration shares the work (it waits for units being computed and loads them), a run of another
configuration is refused (exit 2) unless ``force``. Orphaned temporary files of killed writes are removed at
the start. With an ``executor`` (:mod:`~ascent_fails.nn_experiments.executor`) the ensemble chunks and
units run as independent tasks, e.g. on Ray; the artefacts and ``results.json`` are the same.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ascent_fails.config_hash import array_fingerprint, config_hash
from ascent_fails.integrity import load_verified, write_json_artefact
from ascent_fails.locks import claim_output, compute_once
from ascent_fails.nn_experiments.evaluation import EvaluationPoints, evaluate, score_snapshot
from ascent_fails.nn_experiments.inputs import ExperimentInputs
from ascent_fails.nn_experiments.names import GROUPS
from ascent_fails.nn_experiments.results_schema import RESULTS_FILE, validate_results
from ascent_fails.nn_experiments.sweep import MethodConfig, Sweep
from ascent_fails.progress import stage
from ascent_fails.provenance import provenance

__all__ = ["run_sweep"]


def _fingerprint(sweep: Sweep, inputs: ExperimentInputs) -> str:
    return _fingerprint_of(sweep, inputs.dataset, inputs.arch, inputs.recipe, inputs.extra.get("ensemble_seed"))


def _fingerprint_of(sweep: Sweep, dataset: Any, arch: str, recipe: Any, ensemble_seed: Any) -> str:
    what = {
        "dataset": dataset.name,
        "dataset_seed": dataset.seed,
        "arch": arch,
        "recipe": asdict(recipe),
        "n_models": sweep.n_models,
        "options": asdict(sweep.options),
        "klom": [sweep.klom_direction, sweep.klom_bins, sweep.klom_eps],
        "seed": sweep.seed,
        "ensemble_seed": ensemble_seed,
        "scores": "klom_p95+centred klom_ci+flags+cost_total",  # rows scored before intervals/flags are not reused
    }
    return config_hash(what)[:16]


def _run_seed(sweep: Sweep, forget_set: str, key: str) -> int:
    from ascent_fails.nn_experiments.seeds import derive_seed

    return derive_seed(sweep.seed, "unlearn", forget_set, key) % (2**31)


@dataclass
class _ForgetSetState:
    """Per-forget-set values computed once and reused by every unit (lazily)."""

    forget_set: Any
    groups: dict[str, np.ndarray]
    oracle_margins: np.ndarray | None = None
    floor: dict[str, float] | None = None


def _unit_payload(path: Path) -> dict[str, Any]:
    """A unit file's content, checked for its shape (``config``, ``seed``, ``rows``: a list of row objects)."""
    payload = json.loads(path.read_text())
    if not (isinstance(payload, dict) and {"config", "seed", "rows"} <= set(payload) and isinstance(payload["rows"], list)
            and payload["rows"] and all(isinstance(row, dict) for row in payload["rows"])):
        raise ValueError("not a unit: an object with config, seed and a non-empty list of rows")
    return payload


def output_claim(sweep: Sweep, dataset: Any, arch: str, recipe: Any, ensemble_seed: Any) -> tuple[str, str]:
    """(configuration key, its description) from what a plan knows before anything is trained: the key says what
    ``results.json`` in an output directory is of (the unit fingerprint and the whole sweep, hashed).

    ``nn run`` claims ``--out`` with it before preparing the inputs (the runner's own claim then shares that
    one, so both must be this key); ``ensemble_seed`` is the inputs' ``extra["ensemble_seed"]``.
    """
    key = config_hash({"fingerprint": _fingerprint_of(sweep, dataset, arch, recipe, ensemble_seed),
                       "sweep": sweep.to_dict()})
    what = (f"{dataset.name}, {arch}, N={sweep.n_models}, seed {sweep.seed}, "
            f"{sweep.n_configurations()} configurations, config {key[:12]}")
    return key, what


def run_sweep(
    sweep: Sweep,
    inputs: ExperimentInputs,
    out_dir: str | Path,
    *,
    progress: bool = True,
    stop_after: int | None = None,
    executor: Any = None,
    force: bool = False,
) -> dict[str, Any]:
    """Run (or resume) ``sweep`` on ``inputs``, write every unit and ``results.json`` into ``out_dir``.

    ``stop_after`` stops after that many *newly computed* units (a controlled interruption, used by the
    resume test) and returns ``{}`` without writing results.json. Returns the results dict otherwise.
    ``executor`` (default: in this process) runs the ensemble chunks and units; ``force`` lets this run replace
    the results of another configuration in ``out_dir`` (never while a run of it is live). A caller that holds
    the claim of ``out_dir`` for this configuration already (``nn run``) shares it (the claim is re-entrant).
    """
    key, what = output_claim(sweep, inputs.dataset, inputs.arch, inputs.recipe, inputs.extra.get("ensemble_seed"))
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with claim_output(out_dir, key, what, force=force):
        return _run_sweep(sweep, inputs, out_dir, progress=progress, stop_after=stop_after, executor=executor)


def _run_sweep(sweep: Sweep, inputs: ExperimentInputs, out_dir: str | Path, *, progress: bool,
               stop_after: int | None, executor: Any) -> dict[str, Any]:
    """:func:`run_sweep` once ``out_dir`` is claimed."""
    from ascent_fails.atomic_io import remove_orphans
    from ascent_fails.nn_experiments.executor import LocalExecutor, Task
    from ascent_fails.nn_experiments.cost import row_costs
    from ascent_fails.nn_experiments.methods import unlearn
    from ascent_fails.atomic_io import atomic_write_json

    out = Path(out_dir)
    started = time.perf_counter()
    remove_orphans(out, older_than=time.time(), recursive=True)  # temp files of writes killed in earlier runs
    executor = LocalExecutor() if executor is None else executor
    sets = {fs.name: fs for fs in inputs.forget_sets}
    if sweep.forget_sets:
        unknown = [n for n in sweep.forget_sets if n not in sets]
        if unknown:
            raise ValueError(f"unknown forget set(s) {unknown}; available: {sorted(sets)}")
        chosen = [sets[n] for n in sweep.forget_sets]
    else:
        chosen = list(inputs.forget_sets)
    if not chosen:
        raise ValueError("the sweep selects no forget set")
    points = EvaluationPoints(
        np.concatenate([inputs.dataset.train_x, inputs.dataset.val_x]),
        np.concatenate([inputs.dataset.train_y, inputs.dataset.val_y]),
        inputs.dataset.n_train,
    )
    fingerprint = _fingerprint(sweep, inputs)
    unit_root = out / "units" / fingerprint
    states = {fs.name: _ForgetSetState(fs, points.groups(fs.indices)) for fs in chosen}
    kl = dict(bins=sweep.klom_bins, eps=sweep.klom_eps, direction=sweep.klom_direction)

    # every unit: (forget set, run config, tag); the illusion runs are GA runs scored after every epoch
    units: list[tuple[Any, MethodConfig, str]] = [(fs, run, "runs") for fs in chosen for run in sweep.runs()]
    illusion_set = None
    if sweep.illusion is not None:
        randoms = [fs for fs in chosen if fs.kind == "random"]
        if randoms:
            illusion_set = min(randoms, key=lambda fs: (fs.size, fs.name))
            units += [(illusion_set, sweep.illusion.run(lr), "illusion") for lr in sweep.illusion.lrs]

    def set_dir(fs: Any) -> Path:
        # the indices' hash is part of the folder: a PC set recomputed from another datamodel is another set
        return unit_root / f"{fs.name}-{array_fingerprint(np.asarray(fs.indices, dtype=np.int64))[:8]}"

    def unit_path(fs: Any, run: MethodConfig, tag: str) -> Path:
        return set_dir(fs) / f"{tag}-{run.key()}.json"

    cache: dict[str, Any] = {}

    def pretrained() -> Any:
        if "pretrained" not in cache:
            cache["pretrained"] = inputs.pretrained()
        return cache["pretrained"]

    def oracle_state(state: _ForgetSetState) -> _ForgetSetState:
        if state.oracle_margins is None:
            state.oracle_margins = np.asarray(inputs.oracle_margins(state.forget_set.name), dtype=np.float64)
        return state

    floor_cis: dict[str, Any] = {}  # forget set -> bootstrap interval of its floor, {group: [low, high]}

    def load_floor(path: Path) -> dict[str, Any] | None:
        def check(p: Path) -> dict[str, Any]:
            saved = json.loads(p.read_text())
            if not (isinstance(saved, dict) and set(GROUPS) <= set(saved.get("floor", {})) and "floor_ci" in saved):
                raise ValueError("not a noise floor: an object with floor (per group) and floor_ci")
            return saved
        return load_verified(path, check)

    def floor_of(state: _ForgetSetState) -> dict[str, float]:
        path = set_dir(state.forget_set) / "floor.json"

        def make() -> dict[str, Any]:
            oracle_state(state)
            margins = np.asarray(inputs.independent_margins(state.forget_set.name), dtype=np.float64)
            scores = score_snapshot(state.oracle_margins, margins, margins > 0, state.groups, **kl)
            write_json_artefact(path, {"floor": scores["klom_p95"], "floor_ci": scores["klom_ci"]})
            return load_floor(path)  # as stored (JSON), so a fresh and a resumed run report the same values

        if state.floor is None:
            saved = compute_once(path, load_floor, make)
            state.floor, floor_cis[state.forget_set.name] = saved["floor"], saved["floor_ci"]
        return state.floor

    stored: dict[Path, dict[str, Any]] = {}  # verified unit files (a failing one is quarantined: recomputed)
    for u in units:
        payload = load_verified(unit_path(*u), _unit_payload)
        if payload is not None:
            stored[unit_path(*u)] = payload
    todo = [u for u in units if unit_path(*u) not in stored]
    if stop_after is not None:
        todo = todo[:stop_after]
    n_models, arch = sweep.n_models, inputs.arch

    # oracles first, as a stage of their own: N models retrained without F, for every set that has work left
    waiting = [name for name in states if any(fs.name == name for fs, _, _ in todo)]
    floor_sets = list(states) if sweep.floor_per_set else [chosen[0].name]
    remote = not isinstance(executor, LocalExecutor)
    if inputs.repair_tasks is not None:
        # the integrity audit of every stored ensemble this sweep uses, read now or not: damaged files are moved
        # aside (one warning line each) and rebuilt, so none stays damaged because its consumer is cached
        executor.map(inputs.repair_tasks(list(states), floor_sets), title="rebuild damaged ensembles",
                     progress=progress)
    if remote and inputs.ensemble_tasks is not None:
        # chunks of the pretrained, oracle and independent-oracle ensembles as parallel tasks; the units below
        # and the floor then load them from the store (each unit process loads what it needs itself)
        floors_todo = [n for n in floor_sets if load_floor(set_dir(states[n].forget_set) / "floor.json") is None]
        executor.map(inputs.ensemble_tasks(waiting, floors_todo), progress=progress,
                     title=f"ensemble chunks: pretrained, oracles of {len(waiting)} and independent oracles of "
                           f"{len(floors_todo)} forget set(s)")
    if waiting and not remote:
        title = f"oracle ensembles: {n_models} {arch} models retrained without each of {len(waiting)} forget set(s)"
        with stage(title, total=len(waiting), unit="forget set", enabled=progress) as bar:
            for name in waiting:
                oracle_state(states[name])
                bar.update(1)
        with stage(f"pretrained ensemble: {n_models} {arch} models on all {inputs.dataset.n_train} training points",
                   total=1, unit="ensemble", enabled=progress) as bar:
            pretrained()
            bar.update(1)

    methods_run = sorted({run.method for _, run, _ in units})
    title = (f"unlearning: {len(units)} runs ({', '.join(methods_run)}) on {len(chosen)} forget set(s), "
             f"each scored with KLoM against the oracles")

    def compute_unit(fs: Any, run: MethodConfig, tag: str) -> bool:
        """Compute and write one unit unless it is stored (verified) or another process computed it: True if
        computed here. A closure, shipped whole to a Ray worker, which loads the ensembles from the store."""
        path = unit_path(fs, run, tag)
        made: list[bool] = []

        def make() -> dict[str, Any]:
            state = oracle_state(states[fs.name])
            unit_start = time.perf_counter()
            rows: list[dict[str, Any]] = []
            retain_size = int(len(state.groups["retain"]))

            def on_snapshot(epoch: int, ensemble: Any, evaluations: int, forward_evaluations: int = 0) -> None:
                margins, correct = evaluate(ensemble, points)
                scores = score_snapshot(state.oracle_margins, margins, correct, state.groups, **kl)  # KLoM, CI, flags
                rows.append({
                    "method": run.method,
                    "forget_set": fs.name,
                    "hparams": run.hparams(),
                    "epoch": epoch,
                    **scores,
                    **row_costs(run.method, evaluations, forward_evaluations, rewind_epoch=run.rewind_epoch, n_train=inputs.dataset.n_train,
                                retain_size=retain_size, oracle_epochs=inputs.recipe.epochs),
                    "gradient_evaluations": evaluations,
                    "seconds": time.perf_counter() - unit_start,
                })

            seed = _run_seed(sweep, fs.name, run.key())
            unlearn(
                pretrained(),
                inputs.dataset.train_x,
                inputs.dataset.train_y,
                fs.indices,
                run,
                options=sweep.options,
                checkpoints={run.rewind_epoch: inputs.checkpoint(run.rewind_epoch)} if run.method == "rewind" and run.rewind_epoch else None,
                seed=seed,
                on_snapshot=on_snapshot,
            )
            write_json_artefact(path, {"config": asdict(run), "seed": seed, "rows": rows})
            made.append(True)
            return {}

        compute_once(path, lambda p: load_verified(p, _unit_payload), make)
        return bool(made)

    computed = 0
    if remote:
        flags = executor.map([Task(compute_unit, u, gpu=str(inputs.device).startswith("cuda"),
                                   label=f"{u[2]} {u[1].key()} on {u[0].name}") for u in todo],
                             title=title, progress=progress)
        computed = sum(flags)
    with stage(title, total=len(units), unit="run", enabled=progress and not remote,
               initial=len(units) - len(todo)) as bar:
        current = None
        for fs, run, tag in [] if remote else todo:
            if (fs.name, tag) != current:
                current = (fs.name, tag)
                count = sum(u[0].name == fs.name and u[2] == tag for u in todo)
                what = "GA scored after every epoch (illusion)" if tag == "illusion" else "method runs"
                bar.note(f"{fs.name} (|F| = {fs.size}, {fs.kind}): {count} {what}")
            computed += compute_unit(fs, run, tag)
            bar.update(1)
    if stop_after is not None and any(not unit_path(*u).exists() for u in units):
        return {}  # the controlled interruption: some units are left for the next session

    # assemble results.json from the unit files (those just computed and those of earlier sessions)
    runs, illusion_rows = [], []
    for fs, run, tag in units:
        payload = load_verified(unit_path(fs, run, tag), _unit_payload)
        if payload is None:  # damaged since it was checked above: computed again, here
            computed += compute_unit(fs, run, tag)
            payload = load_verified(unit_path(fs, run, tag), _unit_payload)
            if payload is None:
                raise RuntimeError(f"{unit_path(fs, run, tag)}: written again but still fails verification; "
                                   "is the output folder's file system faulty or shared with a foreign writer?")
        (illusion_rows if tag == "illusion" else runs).extend(payload["rows"])
    title = (f"noise floor: a second, independent oracle ensemble ({n_models} models) on {', '.join(floor_sets)}"
             + ("; oracle leave-out checks" if inputs.oracle_check is not None else ""))
    with stage(title, total=len(floor_sets), unit="forget set", enabled=progress) as bar:
        floors = {}
        for name in floor_sets:
            floors[name] = floor_of(states[name])
            bar.update(1)
        checks = {name: dict(inputs.oracle_check(name)) for name in states} if inputs.oracle_check is not None else {}
    results = {
        "dataset": inputs.dataset.name,
        "n_models": sweep.n_models,
        "klom": {"direction": sweep.klom_direction, "bins": sweep.klom_bins, "eps": sweep.klom_eps, "percentile": 95},
        "floor": {g: float(np.median([f[g] for f in floors.values()])) for g in GROUPS},
        "forget_sets": [
            {"name": fs.name, "size": fs.size, "kind": fs.kind, "fraction": fs.fraction, "source": fs.source,
             "floor": floors.get(fs.name), "floor_ci": floor_cis.get(fs.name), "oracle_check": checks.get(fs.name)}
            for fs in chosen
        ],
        "floor_forget_sets": floor_sets,
        "runs": runs,
        "illusion": {"forget_set": None if illusion_set is None else illusion_set.name, "runs": illusion_rows},
        "fingerprint": fingerprint,
        "arch": inputs.arch,
        "device": inputs.device,
        "dataset_description": inputs.dataset.description,
        "recipe": asdict(inputs.recipe),
        "sweep": sweep.to_dict(),
        "provenance": provenance(inputs.device),
        "timings": {"this_session_seconds": time.perf_counter() - started, "units_computed_now": computed, "units_total": len(units)},
        **{k: v for k, v in inputs.extra.items()},
    }
    validate_results(results)
    atomic_write_json(out / RESULTS_FILE, results)
    return results
