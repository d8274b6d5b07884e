"""The resumable sweep runner behind ``ascent-fails nn run`` (docs/experiments.md#overview).

For every forget set F: the oracle ensemble's margins are computed once; every run of every method grid is
applied to the N pretrained models (:func:`nn_experiments.methods.unlearn`) and every snapshot is scored
against the oracles with KLoM (95th percentile over the forget, retain and validation points), accuracy and
cost relative to retraining. A *unit* (one run on one forget set, all its snapshots) is written to
``DIR/units/<fingerprint>/<forget set>/<run key>.json`` atomically (temp file + ``os.replace``) the moment it
finishes; a rerun skips every unit whose file exists, so an interrupted sweep continues where it stopped.
The fingerprint (:func:`ascent_fails.config_hash.config_hash`) hashes everything that changes the numbers
(data set, architecture, recipe, N, options, KLoM settings, seed), so units of another configuration are
never mixed in.

Progress is reported stage by stage (:func:`ascent_fails.progress.stage`): a header line saying what is
trained or computed and how many, then a bar on a terminal, or one summary line with the count and the time
in a log. The stages of a sweep: the oracle ensembles of the forget sets that still have work, the pretrained
ensemble, the unlearning runs, then the noise floor and the oracle checks.

``results.json`` (written last, atomically) follows the schema::

    {"dataset", "n_models", "klom": {"direction", "bins", "eps"},
     "floor": {"forget", "retain", "validation"},
     "forget_sets": [{"name", "size", "kind", "floor": {...}, "source"}],
     "runs": [{"method", "forget_set", "hparams", "epoch", "klom_p95": {"forget", "retain", "validation"},
               "accuracy": {"forget", "retain", "validation"}, "cost", "gradient_evaluations", "seconds"}],
     "illusion": {"forget_set", "runs": [same rows, GA after every epoch]},
     ... extra keys: "sweep", "recipe", "arch", "seeds", "provenance", "timings", "oracle_check"}

``floor`` is the noise floor: KLoM of an independent oracle ensemble against the oracle ensemble (docs/experiments.md#noise-floor),
measured on the first forget set (``floor_forget_sets``), or on every set with ``Sweep.floor_per_set`` (then
the top-level value is the median over sets, and each set carries its own ``floor``; otherwise ``null``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ascent_fails.nn_experiments.names import ARCHITECTURES, DATASETS, GROUPS
from ascent_fails.nn_experiments.sweep import MethodConfig, Sweep
from ascent_fails.config_hash import array_fingerprint, config_hash
from ascent_fails.progress import stage
from ascent_fails.provenance import provenance

__all__ = [
    "GROUPS",
    "EvaluationPoints",
    "ExperimentInputs",
    "score_margins",
    "run_sweep",
    "validate_results",
    "DataSettings",
    "load_data",
    "model_plan",
    "prepare_inputs",
]

RESULTS_FILE = "results.json"


@dataclass(frozen=True)
class EvaluationPoints:
    """The points every ensemble is scored on: the training set then the validation set, concatenated."""

    x: np.ndarray  # [n_train + n_val, *input_shape]
    y: np.ndarray  # [n_train + n_val]
    n_train: int

    def groups(self, forget: np.ndarray) -> dict[str, np.ndarray]:
        """Column indices of F, R = train \\ F and the validation set in the margin matrices."""
        keep = np.ones(self.n_train, dtype=bool)
        keep[forget] = False
        return {
            "forget": np.asarray(forget, dtype=np.int64),
            "retain": np.flatnonzero(keep),
            "validation": np.arange(self.n_train, len(self.y)),
        }


@dataclass(frozen=True, eq=False)
class ExperimentInputs:
    """Everything a sweep consumes besides its configuration: data, models and forget sets.

    The callables are called lazily, so that a resumed sweep whose units are all done trains nothing:
    ``oracle_margins(name)`` / ``independent_margins(name)`` return the margins ``[N, n_train + n_val]`` of the
    N oracles retrained without forget set ``name`` and of a second, independent oracle ensemble (the noise
    floor); ``checkpoint(epoch)`` returns the pretraining checkpoint after ``epoch`` epochs (for rewind).
    """

    dataset: Any  # nn_experiments.data.Dataset
    arch: str  # architecture of every ensemble
    recipe: Any  # nn_experiments.recipe.TrainRecipe of pretraining and of every oracle
    forget_sets: tuple[Any, ...]  # nn_experiments.forget_sets.ForgetSet, in report order
    pretrained: Callable[[], Any]  # () -> Ensemble of N models trained on the full training set
    checkpoint: Callable[[int], Any]  # epoch -> Ensemble after that many pretraining epochs
    oracle_margins: Callable[[str], np.ndarray]  # forget-set name -> [N, P] oracle margins
    independent_margins: Callable[[str], np.ndarray]  # forget-set name -> [N, P] independent oracle margins
    oracle_check: Callable[[str], Mapping[str, Any]] | None = None  # forget-set name -> leave-out evidence
    device: str = "cpu"
    extra: Mapping[str, Any] = field(default_factory=dict)  # provenance recorded in results.json


def score_margins(
    oracle_margins: np.ndarray,
    margins: np.ndarray,
    correct: np.ndarray,
    groups: Mapping[str, np.ndarray],
    *,
    bins: int,
    eps: float,
    direction: str,
) -> tuple[dict[str, float], dict[str, float]]:
    """(95th-percentile KLoM per group, mean accuracy per group) of one ensemble against the oracles.

    ``oracle_margins``, ``margins`` are ``[N, P]``; ``correct`` is ``[N, P]`` bool (argmax = label).
    """
    from ascent_fails.nn_experiments.klom_groups import klom_by_group

    return (
        klom_by_group(oracle_margins, margins, groups, bins=bins, eps=eps, direction=direction),
        {g: float(correct[:, idx].mean()) for g, idx in groups.items()},
    )


def _evaluate(ensemble: Any, points: EvaluationPoints, batch_size: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """(margins [N, P] float64, correct [N, P] bool) from one forward pass (eval mode)."""
    import torch

    from ascent_fails.nn_experiments.margins import margins_from_logits

    logits = ensemble.logits(points.x, batch_size)  # [N, P, C]
    labels = torch.as_tensor(points.y, dtype=torch.long, device=logits.device)
    margins = margins_from_logits(logits, labels).cpu().numpy()
    correct = (logits.argmax(2) == labels).cpu().numpy()
    # a diverged model (inf/NaN logits, e.g. GA at a large lr) has no defined margin: it is scored as the
    # most wrong margin there is, −inf (clipped to −100 by KLoM), and never counted as correct
    broken = np.isnan(margins)
    margins[broken] = -np.inf
    correct[broken] = False
    return margins, correct


def _fingerprint(sweep: Sweep, inputs: ExperimentInputs) -> str:
    what = {
        "dataset": inputs.dataset.name,
        "dataset_seed": inputs.dataset.seed,
        "arch": inputs.arch,
        "recipe": asdict(inputs.recipe),
        "n_models": sweep.n_models,
        "options": asdict(sweep.options),
        "klom": [sweep.klom_direction, sweep.klom_bins, sweep.klom_eps],
        "seed": sweep.seed,
        "ensemble_seed": inputs.extra.get("ensemble_seed"),
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


def run_sweep(
    sweep: Sweep,
    inputs: ExperimentInputs,
    out_dir: str | Path,
    *,
    progress: bool = True,
    stop_after: int | None = None,
) -> dict[str, Any]:
    """Run (or resume) ``sweep`` on ``inputs``, write every unit and ``results.json`` into ``out_dir``.

    ``stop_after`` stops after that many *newly computed* units (a controlled interruption, used by the
    resume test) and returns ``{}`` without writing results.json. Returns the results dict otherwise.
    """
    from ascent_fails.nn_experiments.methods import cost_relative_to_retraining, unlearn
    from ascent_fails.atomic_io import atomic_write_json

    out = Path(out_dir)
    started = time.perf_counter()
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

    def floor_of(state: _ForgetSetState) -> dict[str, float]:
        path = set_dir(state.forget_set) / "floor.json"
        if state.floor is None and path.exists():
            state.floor = json.loads(path.read_text())["floor"]
        if state.floor is None:
            oracle_state(state)
            margins = np.asarray(inputs.independent_margins(state.forget_set.name), dtype=np.float64)
            state.floor, _ = score_margins(state.oracle_margins, margins, margins > 0, state.groups, **kl)
            atomic_write_json(path, {"floor": state.floor})
        return state.floor

    todo = [u for u in units if not unit_path(*u).exists()]
    if stop_after is not None:
        todo = todo[:stop_after]
    n_models, arch = sweep.n_models, inputs.arch

    # oracles first, as a stage of their own: N models retrained without F, for every set that has work left
    waiting = [name for name in states if any(fs.name == name for fs, _, _ in todo)]
    if waiting:
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
    computed = 0
    with stage(title, total=len(units), unit="run", enabled=progress, initial=len(units) - len(todo)) as bar:
        current = None
        for fs, run, tag in todo:
            if fs.name != current and progress:
                current = fs.name
                bar.note(f"{fs.name} (|F| = {fs.size}, {fs.kind}): {sum(u[0].name == fs.name for u in todo)} run(s)")
            state = oracle_state(states[fs.name])
            unit_start = time.perf_counter()
            rows: list[dict[str, Any]] = []
            retain_size = int(len(state.groups["retain"]))

            def on_snapshot(epoch: int, ensemble: Any, evaluations: int) -> None:
                margins, correct = _evaluate(ensemble, points)
                klom_p95, accuracy = score_margins(state.oracle_margins, margins, correct, state.groups, **kl)
                rows.append({
                    "method": run.method,
                    "forget_set": fs.name,
                    "hparams": run.hparams(),
                    "epoch": epoch,
                    "klom_p95": klom_p95,
                    "accuracy": accuracy,
                    "cost": cost_relative_to_retraining(evaluations, retain_size=retain_size, oracle_epochs=inputs.recipe.epochs),
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
            atomic_write_json(unit_path(fs, run, tag), {"config": asdict(run), "seed": seed, "rows": rows})
            computed += 1
            bar.update(1)
    if stop_after is not None and any(not unit_path(*u).exists() for u in units):
        return {}  # the controlled interruption: some units are left for the next session

    # assemble results.json from the unit files (those just computed and those of earlier sessions)
    runs, illusion_rows = [], []
    for fs, run, tag in units:
        rows = json.loads(unit_path(fs, run, tag).read_text())["rows"]
        (illusion_rows if tag == "illusion" else runs).extend(rows)
    floor_sets = list(states) if sweep.floor_per_set else [chosen[0].name]
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
             "floor": floors.get(fs.name), "oracle_check": checks.get(fs.name)}
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


def _require_keys(where: str, value: Any, keys: Sequence[str]) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be an object, got {type(value).__name__}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise ValueError(f"{where} lacks key(s) {missing}")


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


@dataclass(frozen=True)
class DataSettings:
    """Where the models and forget sets of a sweep come from (``ascent-fails nn run`` flags)."""

    dataset: str = "digits"  # nn_experiments.data.DATASETS
    data_dir: str | None = None  # CIFAR-10 directory (cifar-10-batches-py); never downloaded
    device: str = "cpu"  # "cpu" or "cuda": the same code path
    arch: str | None = None  # None: "mlp" on CPU for digits/synthetic, "resnet9" on CUDA or for CIFAR-10
    n_models: int = 100  # N of the pretrained, oracle and independent-oracle ensembles
    seed: int = 0  # base seed of the ensembles and of the data split
    # M subset models behind the datamodel matrix (PC forget sets); not scaled down by the quick protocol: with
    # 1,000 models the PC sets of the digits came out no harder than random ones (pretrained forget KLoM of
    # pc1_top_10 0.88, at the floor), with 4,000 they are clearly harder (9.66), for about 70 s more
    datamodel_models: int = 4000
    forget_set_files: tuple[str, ...] = ()  # extra forget sets read from index files

    def __post_init__(self) -> None:
        from ascent_fails.validate import require_choice, require_positive_int

        require_choice("dataset", self.dataset, DATASETS)
        if self.arch is not None:
            require_choice("arch", self.arch, ARCHITECTURES)
        require_positive_int("n_models", self.n_models, minimum=2, symbol="N")
        require_positive_int("seed", self.seed, minimum=0)
        require_positive_int("datamodel_models", self.datamodel_models, minimum=2, symbol="M")
        object.__setattr__(self, "forget_set_files", tuple(str(f) for f in self.forget_set_files))


def model_plan(settings: DataSettings) -> tuple[Any, str, Any]:
    """(torch device, architecture, training recipe) of every ensemble of ``settings``; nothing is loaded.

    The architecture is ``settings.arch``, else ResNet-9 on CUDA or for CIFAR-10 and the MLP otherwise.
    """
    from dataclasses import replace

    from ascent_fails.nn_experiments.models import resolve_device
    from ascent_fails.nn_experiments.recipe import DIGITS_RECIPE, RESNET9_RECIPE

    device = resolve_device(settings.device)
    arch = settings.arch or ("resnet9" if device.type == "cuda" or settings.dataset == "cifar10" else "mlp")
    if arch == "resnet9":
        recipe = RESNET9_RECIPE if settings.dataset == "cifar10" else replace(RESNET9_RECIPE, batch_size=128, lr=0.1)
    else:
        recipe = DIGITS_RECIPE
    return device, arch, recipe


def load_data(settings: DataSettings) -> Any:
    """The data set of ``settings`` (``data.Dataset``): the digits are upsampled to 32×32×3 on CUDA."""
    from ascent_fails.nn_experiments import data as data_mod
    from ascent_fails.nn_experiments.models import resolve_device

    upsample = settings.dataset == "digits" and resolve_device(settings.device).type == "cuda"
    return data_mod.load_dataset(settings.dataset, data_dir=settings.data_dir, seed=settings.seed, upsample_32=upsample)


def prepare_inputs(settings: DataSettings, cache_dir: str | Path, *, progress: bool = True,
                   dataset: Any = None) -> ExperimentInputs:
    """Data, forget sets (the nine defaults from an estimated datamodel matrix, plus files) and lazy ensembles.

    ``dataset`` is ``load_data(settings)`` when the caller has it already (the command line loads the data
    before any training, to check the forget-set files against its size).

    On CUDA the digits are upsampled to 32×32×3 (a stand-in with CIFAR-10's input shape, named as such) and
    ResNet-9 is trained with the paper's recipe, its batch reduced to 128 and its peak lr scaled linearly to
    0.1 for the 1,437 digits (untested here: no GPU on the development machine). Rewind checkpoints are the
    same seeds trained for ``epoch`` epochs with the recipe truncated to ``epoch`` epochs: exactly the
    pretraining trajectory's state at that epoch when the learning rate is constant (the digits recipe); with a
    triangular schedule the truncated run has the same shape compressed, not the same trajectory.
    """
    from dataclasses import replace

    from ascent_fails.nn_experiments import datamodels, forget_sets, oracles
    from ascent_fails.nn_experiments.seeds import derive_seed
    from ascent_fails.nn_experiments.storage import EnsembleStore

    device, arch, recipe = model_plan(settings)
    if dataset is None:
        dataset = load_data(settings)
    store = EnsembleStore(cache_dir)
    ens = oracles.EnsembleSettings(arch=arch, recipe=recipe, n_models=settings.n_models, seed=settings.seed, device=str(device))
    n_train = dataset.n_train
    extra: dict[str, Any] = {"ensemble_seed": settings.seed, "data_settings": asdict(settings)}
    if n_train <= datamodels.MAX_TRAIN_POINTS:
        dm_config = datamodels.DatamodelConfig(n_models=settings.datamodel_models, seed=settings.seed)
        title = (f"datamodels: {dm_config.n_models} {dm_config.arch} models, each on a random {dm_config.subset_fraction:.0%} "
                 f"of the {n_train} training points, for the PC forget sets")
        with stage(title, total=dm_config.n_models, unit="model", enabled=progress) as bar:
            dm = datamodels.estimate_datamodels(dataset, dm_config, cache_dir=cache_dir, device=str(device), progress=progress)
            if dm.train_seconds == 0.0 and progress:  # (Stage.note prints even when the stage is disabled)
                bar.note(f"the datamodel matrix was read from the cache ({dm.cache_path})")
            else:
                bar.update(dm_config.n_models)
        pcs = dm.principal_components(2)
        sets = list(forget_sets.default_forget_sets(dataset, dm))
        extra["datamodels"] = {**asdict(dm_config), "explained_variance_ratio": pcs.explained_variance_ratio.tolist(),
                               "train_seconds_this_session": dm.train_seconds}
    else:  # no n×n datamodel matrix: the random sets only; PC sets must come as index files
        sets = [forget_sets.random_forget_set(n_train, size, seed) for size, seed in zip(forget_sets.PAPER_SIZES.random, (0, 1, 2))]
        extra["datamodels"] = f"not estimated (n_train={n_train} > {datamodels.MAX_TRAIN_POINTS}); give PC sets with --forget-set-file"
    sets += [forget_sets.load_forget_set(path, n_train) for path in settings.forget_set_files]
    by_name = {fs.name: fs for fs in sets}
    if len(by_name) != len(sets):
        raise ValueError(f"forget-set names must be distinct, got {[fs.name for fs in sets]}")

    memo: dict[Any, Any] = {}

    def once(key: Any, make: Callable[[], Any]) -> Any:
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def pretrained() -> Any:
        return once("pretrained", lambda: oracles.pretrained_ensemble(store, dataset, ens, progress=progress))

    def checkpoint(epoch: int) -> Any:
        if not 0 < epoch < recipe.epochs:
            raise ValueError(f"rewind_epoch={epoch} must lie in [0, {recipe.epochs}) (pretraining epochs)")
        short = replace(recipe, epochs=epoch, peak_epoch=min(recipe.peak_epoch, epoch / 2))
        return once(("checkpoint", epoch), lambda: store.ensemble(
            arch, dataset.train_x, dataset.train_y, short, n_models=settings.n_models, seed=derive_seed(settings.seed, "pretrained"),
            num_classes=dataset.num_classes, device=device, label=f"pretraining checkpoint at epoch {epoch}", progress=progress,
        ).ensemble)

    def oracle(name: str, replicate: int) -> Any:
        return once(("oracle", name, replicate), lambda: oracles.oracle_ensemble(store, dataset, by_name[name], ens, replicate=replicate, progress=progress))

    def check(name: str) -> Mapping[str, Any]:
        return asdict(oracles.check_oracle(pretrained().margins, oracle(name, 0).margins, by_name[name]))

    return ExperimentInputs(
        dataset=dataset,
        arch=arch,
        recipe=recipe,
        forget_sets=tuple(sets),
        pretrained=lambda: pretrained().cached.ensemble,
        checkpoint=checkpoint,
        oracle_margins=lambda name: oracle(name, 0).margins.all_points(),
        independent_margins=lambda name: oracle(name, 1).margins.all_points(),
        oracle_check=check,
        device=str(device),
        extra=extra,
    )
