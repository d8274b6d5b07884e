"""Pretrained and oracle ensembles (docs/experiments.md#ensembles), their cached margins, and the oracle sanity check.

* pretrained: N models trained on the full training set D;
* oracle for a forget set F: N models trained from scratch on the retain set R = D \\ F with the same recipe
  and fresh seeds (derived from the base seed, the content of F and a replicate number);
* a second, independent oracle ensemble (``replicate=1``) gives the finite-N noise floor of KLoM.

Everything goes through ``storage.EnsembleStore``, so a rerun (or ``ascent-fails nn run`` after ``nn table``)
reuses the models and margins.

The oracle check (docs/experiments.md#oracle-check: a past bug in the reference pipeline had oracles that did
not leave F out; the requirement is only that the oracles' forget-set margins look like validation margins,
and the statistic below is this suite's construction, not the paper's). An oracle has never seen F, so on F
it should behave as on validation points, whereas the pretrained models trained on F. For a point i
let dᵢ = mean_k m_pre,k(i) − mean_k m_oracle,k(i) (margins averaged over each ensemble's models). Points that
neither ensemble trained on (validation) give the baseline gap d̄_val (slightly positive: the oracles saw fewer
points); points of F give d̄_F. With sᵢ² = var_pre(i)/N_pre + var_oracle(i)/N_oracle (points held fixed, models
random),

    z = (d̄_F − d̄_val) / sqrt(Σ_{i∈F} sᵢ²/|F|² + Σ_{i∈val} sᵢ²/|val|²),

and the check passes when z ≥ ``z_threshold`` (3): the pretrained models know F measurably better than the
oracles do, beyond what they know validation points better. If the oracles trained on F, d̄_F ≈ d̄_val and z ≈ 0;
but z ≈ 0 also when training on F hardly moves F's own margins (redundant, easy points), so a low z is reported
as "NOT DETECTED", not as proof of a bug.
The result also reports the oracles' mean margins on F, R and validation and two-sample Kolmogorov–Smirnov
statistics of the per-point mean margins (F vs validation, F vs R) as descriptive evidence; those are not
part of the pass rule because train and validation margins can be close on an easy data set (digits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ascent_fails.nn_experiments.recipe import DIGITS_RECIPE, TrainRecipe
from ascent_fails.nn_experiments.seeds import derive_seed
from ascent_fails.nn_experiments.models import resolve_device
from ascent_fails.nn_experiments.names import ARCHITECTURES
from ascent_fails.config_hash import array_fingerprint
from ascent_fails.nn_experiments.storage import CachedEnsemble, EnsembleStore
from ascent_fails.validate import require_choice, require_positive, require_positive_int

__all__ = [
    "EnsembleSettings",
    "SplitMargins",
    "EnsembleMargins",
    "OracleCheck",
    "forget_indices",
    "pretrained_ensemble",
    "oracle_seed",
    "oracle_ensemble",
    "check_oracle",
    "ensemble_chunk_tasks",
    "repair_tasks",
]


@dataclass(frozen=True)
class EnsembleSettings:
    """How the pretrained and oracle ensembles of one experiment are trained."""

    arch: str = "mlp"  # names.ARCHITECTURES
    recipe: TrainRecipe = DIGITS_RECIPE  # training recipe of every model (pretrained and oracles alike)
    n_models: int = 100  # N per ensemble (the paper: 100)
    seed: int = 0  # base seed; every ensemble's seed is derived from it
    device: str = "cpu"  # "cpu" or "cuda"
    chunk_size: int | str = 50  # models trained (and saved) per chunk: the unit of resumption; "auto": memory.py

    def __post_init__(self) -> None:
        require_choice("arch", self.arch, ARCHITECTURES)
        require_positive_int("n_models", self.n_models, symbol="N")
        require_positive_int("seed", self.seed, minimum=0)
        if self.chunk_size != "auto":
            require_positive_int("chunk_size", self.chunk_size)
        resolve_device(self.device)


def _chunk_size(settings: EnsembleSettings, dataset: Any) -> int:
    """``settings.chunk_size``, or for ``"auto"`` the models that fit the device's training memory budget
    (:func:`~ascent_fails.nn_experiments.memory.auto_training_chunk`)."""
    if settings.chunk_size != "auto":
        return int(settings.chunk_size)
    from ascent_fails.nn_experiments.memory import auto_training_chunk

    return auto_training_chunk(settings.arch, dataset.train_x, dataset.num_classes, settings.recipe.batch_size,
                               settings.device, maximum=settings.n_models)


@dataclass(frozen=True)
class SplitMargins:
    """Margins of an ensemble's N models on the training and validation points (float64)."""

    train: Tensor  # [N, n_train]
    val: Tensor  # [N, n_val]

    def all_points(self) -> np.ndarray:
        """``[N, n_train + n_val]``: training columns first, then validation (the KLoM evaluation points)."""
        return torch.cat([self.train, self.val], dim=1).numpy()


@dataclass(frozen=True)
class EnsembleMargins:
    """A cached ensemble and its margins."""

    cached: CachedEnsemble
    margins: SplitMargins


def forget_indices(forget_set: Any, n_train: int) -> tuple[str, np.ndarray]:
    """(name, sorted distinct int64 indices) of a ``forget_sets.ForgetSet`` or of ``(name, indices)``."""
    if isinstance(forget_set, tuple):
        name, raw = forget_set
    else:
        name, raw = forget_set.name, forget_set.indices
    indices = np.asarray(raw)
    if indices.ndim != 1 or indices.size == 0 or indices.dtype.kind not in "iu":
        raise ValueError(f"forget set {name!r} must be a non-empty 1-D array of integer training indices")
    indices = np.unique(indices.astype(np.int64))
    if indices.size != np.asarray(raw).size or indices[0] < 0 or indices[-1] >= n_train:
        raise ValueError(f"forget set {name!r} must hold distinct indices in [0, {n_train})")
    if indices.size >= n_train:
        raise ValueError(f"forget set {name!r} holds every training point; the oracle would have no data")
    return str(name), indices


def _margins(store: EnsembleStore, cached: CachedEnsemble, dataset: Any) -> SplitMargins:
    return SplitMargins(
        train=store.margins(cached, "train", dataset.train_x, dataset.train_y),
        val=store.margins(cached, "val", dataset.val_x, dataset.val_y),
    )


def pretrained_ensemble(
    store: EnsembleStore, dataset: Any, settings: EnsembleSettings, *, progress: bool = True
) -> EnsembleMargins:
    """N models trained on the whole training set (seed ``derive_seed(settings.seed, "pretrained")``)."""
    seed, masks, label = _pretrained_request(dataset, settings)
    cached = store.ensemble(
        settings.arch, dataset.train_x, dataset.train_y, settings.recipe,
        n_models=settings.n_models, seed=seed, num_classes=dataset.num_classes,
        device=settings.device, chunk_size=_chunk_size(settings, dataset), label=label, progress=progress,
    )  # fmt: skip
    return EnsembleMargins(cached, _margins(store, cached, dataset))


def _pretrained_request(dataset: Any, settings: EnsembleSettings) -> tuple[int, None, str]:
    """(seed, masks, label) of the pretrained ensemble."""
    return derive_seed(settings.seed, "pretrained"), None, f"pretrained on all of {dataset.name}"


def _oracle_request(dataset: Any, forget_set: Any, settings: EnsembleSettings, replicate: int) -> tuple[int, np.ndarray, str]:
    """(seed, masks [N, n_train], label) of oracle ensemble ``replicate`` without ``forget_set``."""
    name, indices = forget_indices(forget_set, len(dataset.train_y))
    replicate = require_positive_int("replicate", replicate, minimum=0)
    keep = np.ones(len(dataset.train_y), dtype=bool)
    keep[indices] = False
    masks = np.ascontiguousarray(np.broadcast_to(keep, (settings.n_models, keep.size)))  # every oracle trains on R
    label = f"oracles for {dataset.name} without forget set {name}"
    label += f", independent replicate {replicate}" if replicate else ""
    return oracle_seed(settings.seed, indices, replicate), masks, label


def ensemble_chunk_tasks(store: EnsembleStore, dataset: Any, settings: EnsembleSettings,
                         oracles: Sequence[tuple[Any, int]] = (), *, pretrained: bool = True) -> list[Any]:
    """The chunks still to train of the pretrained ensemble and of the oracle ensembles ``(forget set,
    replicate)``, as :class:`~ascent_fails.nn_experiments.executor.Task` objects (one per chunk; each trains
    and stores its chunk under the chunk's lock, exactly the models ``pretrained_ensemble`` /
    ``oracle_ensemble`` would train)."""
    from ascent_fails.nn_experiments.executor import Task

    requests = [_pretrained_request(dataset, settings)] if pretrained else []
    requests += [_oracle_request(dataset, fs, settings, replicate) for fs, replicate in oracles]
    x, y = dataset.train_x, dataset.train_y
    gpu = str(settings.device).startswith("cuda")
    tasks = []
    for seed, masks, label in requests:
        spec = store.spec(settings.arch, x, y, settings.recipe, n_models=settings.n_models, seed=seed,
                          num_classes=dataset.num_classes, masks=masks)
        for first, count in store.missing_chunks(spec, _chunk_size(settings, dataset)):
            tasks.append(Task(_train_chunk, (store.root, spec, x, y, first, count, masks, settings.device, label),
                              gpu=gpu, label=f"models {first}-{first + count - 1}: {label}"))
    return tasks


def repair_tasks(store: EnsembleStore, dataset: Any, settings: EnsembleSettings,
                 oracles: Sequence[tuple[Any, int]] = ()) -> list[Any]:
    """Audit the stored pretrained ensemble and oracle ensembles ``(forget set, replicate)``
    (:meth:`EnsembleStore.audit`: failing files are quarantined, one warning line each) and return one
    :class:`~ascent_fails.nn_experiments.executor.Task` per ensemble that lost a file: it rebuilds the
    ensemble's missing chunks and margins, exactly as ``pretrained_ensemble`` / ``oracle_ensemble`` would."""
    from ascent_fails.nn_experiments.executor import Task

    wanted: list[tuple[Any, int] | None] = [None, *oracles]
    tasks = []
    for item in wanted:
        seed, masks, label = (_pretrained_request(dataset, settings) if item is None
                              else _oracle_request(dataset, item[0], settings, item[1]))
        spec = store.spec(settings.arch, dataset.train_x, dataset.train_y, settings.recipe, n_models=settings.n_models,
                          seed=seed, num_classes=dataset.num_classes, masks=masks)
        if store.audit(spec):
            tasks.append(Task(_rebuild, (store.root, dataset, settings, item), gpu=str(settings.device).startswith("cuda"),
                              label=f"rebuild: {label}"))
    return tasks


def _rebuild(root: Any, dataset: Any, settings: EnsembleSettings, item: tuple[Any, int] | None) -> None:
    """Load (training what is missing) one ensemble and its margins: the repair of :func:`repair_tasks`."""
    store = EnsembleStore(root)
    if item is None:
        pretrained_ensemble(store, dataset, settings, progress=False)
    else:
        oracle_ensemble(store, dataset, item[0], settings, replicate=item[1], progress=False)


def _train_chunk(root: Any, spec: Any, x: Any, y: Any, first: int, count: int, masks: Any, device: str,
                 label: str) -> int:
    """Train and store one chunk (in whatever process runs the task); returns the models it holds."""
    EnsembleStore(root).train_chunk(spec, x, y, first, count, masks=masks, device=device, label=label)
    return count


def oracle_seed(seed: int, indices: np.ndarray, replicate: int) -> int:
    """Base seed of oracle ensemble ``replicate`` for the forget set ``indices``: fresh per set and replicate."""
    return derive_seed(seed, "oracle", array_fingerprint(np.asarray(indices, dtype=np.int64)), replicate)


def oracle_ensemble(
    store: EnsembleStore,
    dataset: Any,
    forget_set: Any,
    settings: EnsembleSettings,
    *,
    replicate: int = 0,
    progress: bool = True,
) -> EnsembleMargins:
    """N oracles trained from scratch on D \\ F; ``replicate`` 1, 2, … give independent oracle ensembles.

    Seeds: ``oracle_seed(settings.seed, F, replicate)``, fresh for every set and replicate.
    """
    seed, masks, label = _oracle_request(dataset, forget_set, settings, replicate)
    cached = store.ensemble(
        settings.arch, dataset.train_x, dataset.train_y, settings.recipe,
        n_models=settings.n_models, seed=seed, num_classes=dataset.num_classes, masks=masks,
        device=settings.device, chunk_size=_chunk_size(settings, dataset),
        label=label, progress=progress,
    )  # fmt: skip
    return EnsembleMargins(cached, _margins(store, cached, dataset))


@dataclass(frozen=True)
class OracleCheck:
    """Evidence that an oracle ensemble left the forget set out (see the module docstring for z)."""

    forget_set: str
    n_forget: int  # |F|
    oracle_forget_mean: float  # oracles' margin averaged over models and F
    oracle_retain_mean: float  # ... over R
    oracle_val_mean: float  # ... over validation points
    gap_forget: float  # d̄_F: pretrained − oracle mean margin, averaged over F
    gap_val: float  # d̄_val: the same over validation points (neither ensemble trained on them)
    z: float  # (d̄_F − d̄_val) / standard error
    ks_forget_val: float  # KS statistic, per-point oracle mean margins, F vs validation
    ks_forget_retain: float  # KS statistic, F vs R
    z_threshold: float  # pass rule: z ≥ z_threshold
    passed: bool

    @property
    def verdict(self) -> str:
        """"PASS" (leave-out effect detected) or "NOT DETECTED" (z below the threshold: either the oracles saw F,
        or F's own margins barely depend on training on F, e.g. redundant points; margins cannot tell these apart)."""
        return "PASS" if self.passed else "NOT DETECTED"

    def summary(self) -> str:
        verdict = self.verdict
        return (
            f"{verdict} oracle check {self.forget_set} (|F|={self.n_forget}): leave-out gap on F "
            f"{self.gap_forget:.3f} vs validation {self.gap_val:.3f}, z={self.z:.1f} (need ≥ {self.z_threshold:g}); "
            f"oracle mean margin F {self.oracle_forget_mean:.2f} / R {self.oracle_retain_mean:.2f} / "
            f"val {self.oracle_val_mean:.2f}; KS(F, val)={self.ks_forget_val:.2f}, KS(F, R)={self.ks_forget_retain:.2f}"
        )


def check_oracle(
    pretrained: SplitMargins, oracle: SplitMargins, forget_set: Any, *, z_threshold: float = 3.0
) -> OracleCheck:
    """Do the oracles' margins on F look like held-out margins? (module docstring: the paired leave-out z)."""
    from scipy.stats import ks_2samp

    z_threshold = require_positive("z_threshold", z_threshold)
    n_train = pretrained.train.shape[1]
    if oracle.train.shape[1] != n_train or oracle.val.shape[1] != pretrained.val.shape[1]:
        raise ValueError("pretrained and oracle margins must cover the same training and validation points")
    if min(pretrained.train.shape[0], oracle.train.shape[0]) < 2:
        raise ValueError("the oracle check needs at least 2 models per ensemble (a variance across models)")
    name, forget = forget_indices(forget_set, n_train)
    retain = np.setdiff1d(np.arange(n_train), forget)

    def gap(pre: Tensor, orc: Tensor) -> tuple[float, float]:
        """(mean over points of dᵢ, its variance) for margins [N, P] of one group of points."""
        d = pre.mean(0) - orc.mean(0)  # [P]
        var = pre.var(0) / pre.shape[0] + orc.var(0) / orc.shape[0]  # [P] sᵢ²
        return float(d.mean()), float(var.sum()) / d.numel() ** 2

    gap_f, var_f = gap(pretrained.train[:, forget], oracle.train[:, forget])
    gap_v, var_v = gap(pretrained.val, oracle.val)
    z = (gap_f - gap_v) / math.sqrt(var_f + var_v) if var_f + var_v > 0 else math.copysign(math.inf, gap_f - gap_v)
    point_means = oracle.train.mean(0).numpy()
    val_means = oracle.val.mean(0).numpy()
    return OracleCheck(
        forget_set=name,
        n_forget=int(forget.size),
        oracle_forget_mean=float(point_means[forget].mean()),
        oracle_retain_mean=float(point_means[retain].mean()),
        oracle_val_mean=float(val_means.mean()),
        gap_forget=gap_f,
        gap_val=gap_v,
        z=float(z),
        ks_forget_val=float(ks_2samp(point_means[forget], val_means).statistic),
        ks_forget_retain=float(ks_2samp(point_means[forget], point_means[retain]).statistic),
        z_threshold=float(z_threshold),
        passed=bool(z >= z_threshold),
    )
