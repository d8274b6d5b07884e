"""A content-addressed cache of trained ensembles and their margins, written atomically and resumable.

Key: every ensemble is stored under ``sha256(canonical JSON of its EnsembleSpec)``: architecture, the full
``TrainRecipe``, N, base seed, classes, SHA-256 fingerprints of the training arrays and of the per-model
masks, and the cache format version. Change anything that changes the models and the key changes; a human label is recorded but not hashed.

Layout under ``root``::

    ensembles/<key>/spec.json                      spec + label + torch version (written once)
    ensembles/<key>/models_00000_00024.pt          models 0…24: Ensemble.state_dict() + JSON metadata
    ensembles/<key>/margins_<name>_<data fp>.pt    float64 margins [N, P] of the ensemble on a split

Writes go to a temporary file in the same directory, then ``os.replace`` (atomic on POSIX), so a killed run
never leaves a truncated file under a final name. Every chunk and margins file is recorded with its size and
SHA-256 in the folder's manifest and verified before it is loaded (:mod:`ascent_fails.integrity`); a file
that fails (truncated, zero bytes, overwritten, unloadable) is moved aside with one warning line and
recomputed. Each chunk and margins file is computed under its own lock (:mod:`ascent_fails.locks`), so
processes sharing the store (several runs, or the workers of ``--executor ray``) never compute one twice. The ensemble is trained in chunks of models (model k of the
chunk starting at f is model f + k of the ensemble, see ``train_ensemble(first_model=...)``); each chunk is
saved when it finishes, and a rerun loads the finished chunks and trains only the missing ones. Checkpoints
are read with ``torch.load(..., weights_only=True)``.

"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ascent_fails.atomic_io import atomic_write_bytes, atomic_write_json
from ascent_fails.config_hash import array_fingerprint, config_hash
from ascent_fails.integrity import check, load_verified, quarantine, write_artefact
from ascent_fails.locks import compute_once
from ascent_fails.progress import Stage, stage
from ascent_fails.provenance import provenance
from ascent_fails.nn_experiments.ensemble import Ensemble, concat_ensembles
from ascent_fails.nn_experiments.margins import margins
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.training import train_ensemble
from ascent_fails.nn_experiments.models import resolve_device
from ascent_fails.validate import require_positive_int

__all__ = [
    "atomic_torch_save",
    "load_checkpoint",
    "EnsembleSpec",
    "CachedEnsemble",
    "EnsembleStore",
]

# bumped whenever the stored parameter layout or the training code changes what a key's models are
CACHE_FORMAT = 1
_CHUNK_FILE = re.compile(r"models_(\d{5})_(\d{5})\.pt$")


def atomic_torch_save(path: str | os.PathLike, obj: Any) -> Path:
    """``torch.save`` through :func:`ascent_fails.atomic_io.atomic_write_bytes`."""
    return atomic_write_bytes(path, lambda file: torch.save(obj, file))


def load_checkpoint(path: str | os.PathLike) -> Any:
    """``torch.load`` restricted to tensors and plain containers (``weights_only=True``), on the CPU."""
    return torch.load(Path(path), map_location="cpu", weights_only=True)


@dataclass(frozen=True)
class EnsembleSpec:
    """Everything that determines the models of a cached ensemble (hashed into its key)."""

    arch: str  # names.ARCHITECTURES
    recipe: TrainRecipe  # training recipe of every model
    n_models: int  # N
    seed: int  # base seed; model k uses seeds.model_seeds(seed, k)
    num_classes: int  # C
    data_sha256: str  # array_fingerprint(train x, train y)
    masks_sha256: str  # array_fingerprint(masks [N, n]), or "all" when every model trains on every point
    cache_format: int = CACHE_FORMAT  # storage/parameter layout version (an old cache is never misread)

    def __post_init__(self) -> None:
        require_positive_int("n_models", self.n_models, symbol="N")
        require_positive_int("seed", self.seed, minimum=0)

    def key(self) -> str:
        return config_hash(self)


@dataclass(frozen=True)
class CachedEnsemble:
    """An ensemble from the store, where it lives, and how much of it was trained by this call."""

    ensemble: Ensemble
    spec: EnsembleSpec
    directory: Path  # ensembles/<key>
    models_trained: int  # models trained now (0: everything came from the cache)
    models_loaded: int  # models read from finished chunks


class EnsembleStore:
    """Trained ensembles and their margins under ``root`` (see the module docstring for the layout)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.trained_chunks: list[Path] = []  # chunk files this object trained and wrote (in order)
        self.computed_margins: list[Path] = []  # margins files this object computed and wrote

    def directory(self, spec: EnsembleSpec) -> Path:
        return self.root / "ensembles" / spec.key()

    def ensemble(
        self,
        arch: str,
        x: np.ndarray | torch.Tensor,
        y: np.ndarray | torch.Tensor,
        recipe: TrainRecipe,
        *,
        n_models: int,
        seed: int,
        num_classes: int,
        masks: np.ndarray | torch.Tensor | None = None,
        device: str | torch.device = "cpu",
        chunk_size: int = 50,
        label: str = "",
        progress: bool = True,
    ) -> CachedEnsemble:
        """Load the ensemble ``train_ensemble(arch, x, y, recipe, ...)`` from the cache, training missing chunks.

        Finished chunk files are reused whatever chunk size wrote them; the gaps between them are trained in
        chunks of at most ``chunk_size`` models and saved as each finishes. ``label`` says what the models are
        (e.g. "oracles for digits without forget set random_10_seed0"): it is recorded beside them and titles the
        one progress stage of the models trained now (none when everything comes from the cache).
        """
        chunk_size = require_positive_int("chunk_size", chunk_size)
        target = resolve_device(device)
        n_models = require_positive_int("n_models", n_models, symbol="N")
        mask_array = None if masks is None else torch.as_tensor(masks).cpu()
        spec = self.spec(arch, x, y, recipe, n_models=n_models, seed=seed, num_classes=num_classes, masks=mask_array)
        folder = self.directory(spec)
        self._write_spec(folder, spec, label, target)
        finished = self._finished_chunks(folder, n_models)
        cached_models = sum(last - first + 1 for first, (last, _) in finished.items())
        to_train = n_models - cached_models
        title = f"train {to_train} models ({arch}, {recipe.epochs} epochs)"
        if cached_models:
            title += f" ({cached_models} of the {n_models} loaded from the cache)"
        title += f": {label}" if label else ""
        with stage(title, total=n_models, unit="model", enabled=progress and to_train > 0,
                   initial=cached_models) as bar:
            parts, trained, loaded = self._load_or_train(
                folder, spec, finished, arch, x, y, recipe, mask_array, target, chunk_size, label, bar)
        ensemble = parts[0] if len(parts) == 1 else concat_ensembles(parts)
        return CachedEnsemble(ensemble, spec, folder, models_trained=trained, models_loaded=loaded)

    @staticmethod
    def spec(arch: str, x: Any, y: Any, recipe: TrainRecipe, *, n_models: int, seed: int, num_classes: int,
             masks: Any = None) -> EnsembleSpec:
        """The :class:`EnsembleSpec` (hence the key) of ``train_ensemble(arch, x, y, recipe, ...)``."""
        mask_array = None if masks is None else torch.as_tensor(masks).cpu()
        return EnsembleSpec(
            arch=arch,
            recipe=recipe,
            n_models=require_positive_int("n_models", n_models, symbol="N"),
            seed=int(seed),
            num_classes=int(num_classes),
            data_sha256=array_fingerprint(x, y),
            masks_sha256="all" if mask_array is None else array_fingerprint(mask_array),
        )

    @staticmethod
    def _write_spec(folder: Path, spec: EnsembleSpec, label: str, target: torch.device) -> None:
        if not (folder / "spec.json").exists():
            atomic_write_json(folder / "spec.json", {"spec": spec, "key": spec.key(), "label": label,
                                                     **provenance(target)})

    @staticmethod
    def chunk_path(folder: Path, first: int, count: int) -> Path:
        """``models_<first>_<last>.pt``: the chunk of models first … first + count − 1."""
        return folder / f"models_{first:05d}_{first + count - 1:05d}.pt"

    def missing_chunks(self, spec: EnsembleSpec, chunk_size: int) -> list[tuple[int, int]]:
        """(first model, count) of the chunks that ``ensemble(...)`` would train now, in order.

        A finished chunk file that fails verification is quarantined here (one warning line) and planned again.
        Used to hand the chunks to an executor (:mod:`ascent_fails.nn_experiments.executor`) before loading.
        """
        chunk_size = require_positive_int("chunk_size", chunk_size)
        folder = self.directory(spec)
        finished = self._finished_chunks(folder, spec.n_models)
        for first, (last, path) in list(finished.items()):
            reason = check(path)
            if reason is not None:
                quarantine(path, reason)
                del finished[first]
        plan, position = [], 0
        while position < spec.n_models:
            if position in finished:
                position = finished[position][0] + 1
                continue
            next_start = min([start for start in finished if start > position], default=spec.n_models)
            count = min(chunk_size, next_start - position)
            plan.append((position, count))
            position += count
        return plan

    def audit(self, spec: EnsembleSpec) -> list[Path]:
        """Check every stored chunk and margins file of ``spec`` against the manifest; quarantine the failures.

        Returns the quarantined files (each also reported in one warning line). Run at the start of a sweep, so
        that a damaged file of an ensemble the sweep would not otherwise read (e.g. the independent oracles,
        once the noise floor is stored) is still found and rebuilt instead of staying damaged.
        """
        folder = self.directory(spec)
        failed = []
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if _CHUNK_FILE.match(path.name) or (path.name.startswith("margins_") and path.suffix == ".pt"):
                reason = check(path)
                if reason is not None:
                    failed.append(quarantine(path, reason))
        return failed

    def train_chunk(self, spec: EnsembleSpec, x: Any, y: Any, first: int, count: int, *, masks: Any = None,
                    device: str | torch.device = "cpu", label: str = "") -> Ensemble:
        """Models ``first … first + count − 1`` of ``spec``: loaded if stored and verified, else trained and stored.

        Runs under the chunk's lock: a second process asking for the same chunk waits and loads it.
        """
        target = resolve_device(device)
        folder = self.directory(spec)
        self._write_spec(folder, spec, label, target)
        path = self.chunk_path(folder, first, count)
        mask_array = None if masks is None else torch.as_tensor(masks).cpu()

        def make() -> Ensemble:
            result = train_ensemble(
                spec.arch, x, y, spec.recipe,
                n_models=count, seed=spec.seed, num_classes=spec.num_classes, first_model=first, device=target,
                masks=None if mask_array is None else mask_array[first : first + count], progress=False,
            )  # fmt: skip
            metadata = {"label": label, "key": spec.key(), "first_model": first, "n_models": count,
                        "seconds": result.seconds, "gradient_evaluations": result.gradient_evaluations,
                        "mixed_precision_used": result.mixed_precision_used, **provenance(target)}
            write_artefact(path, lambda file: torch.save({"ensemble": result.ensemble.state_dict(),
                                                          "metadata": json.dumps(metadata)}, file))
            self.trained_chunks.append(path)
            return result.ensemble

        return compute_once(path, lambda p: self._load_chunk(p, count, target), make)

    @staticmethod
    def _load_chunk(path: Path, count: int, target: torch.device) -> Ensemble | None:
        """The verified chunk at ``path`` holding ``count`` models, or ``None`` (missing, or quarantined)."""
        def load(p: Path) -> Ensemble:
            ensemble = Ensemble.from_state(load_checkpoint(p)["ensemble"], target)
            if ensemble.n_models != count:
                raise ValueError(f"holds {ensemble.n_models} models, its name says {count}")
            return ensemble

        return load_verified(path, load)

    def _load_or_train(self, folder: Path, spec: EnsembleSpec, finished: dict[int, tuple[int, Path]], arch: str,
                       x: Any, y: Any, recipe: TrainRecipe, mask_array: torch.Tensor | None, target: torch.device,
                       chunk_size: int, label: str, bar: Stage) -> tuple[list[Ensemble], int, int]:
        """(chunks of models in order, models trained, models loaded): finished chunks loaded, the gaps trained
        in chunks of at most ``chunk_size`` and saved as each finishes."""
        n_models = spec.n_models
        parts: list[Ensemble] = []
        trained = loaded = 0
        position = 0
        while position < n_models:
            if position in finished:
                last, path = finished[position]
                part = self._load_chunk(path, last - position + 1, target)
                if part is not None:
                    parts.append(part)
                    loaded += last - position + 1
                    position = last + 1
                    continue
                del finished[position]  # quarantined: its models are trained again below
            next_start = min([start for start in finished if start > position], default=n_models)
            count = min(chunk_size, next_start - position)
            before = len(self.trained_chunks)
            parts.append(self.train_chunk(spec, x, y, position, count, masks=mask_array, device=target, label=label))
            if len(self.trained_chunks) > before:
                trained += count
                bar.update(count)
            else:  # another process trained it while this one waited for the chunk's lock
                loaded += count
            position += count
        return parts, trained, loaded

    @staticmethod
    def _finished_chunks(folder: Path, n_models: int) -> dict[int, tuple[int, Path]]:
        """first model → (last model, file) for the finished chunk files that fit in [0, n_models), in order of
        their first model, skipping any file that overlaps one already taken."""
        chunks: dict[int, tuple[int, Path]] = {}
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                match = _CHUNK_FILE.match(path.name)
                if match:
                    first, last = int(match[1]), int(match[2])
                    if first <= last < n_models and all(first > taken for taken, _ in chunks.values()):
                        chunks[first] = (last, path)
        return chunks

    def margins(
        self,
        cached: CachedEnsemble,
        split: str,
        x: np.ndarray | torch.Tensor,
        y: np.ndarray | torch.Tensor,
        batch_size: int = 1024,
    ) -> torch.Tensor:
        """Margins ``[N, P]`` (float64) of the cached ensemble on ``(x, y)``, computed once and stored."""
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", split):
            raise ValueError(f"split={split!r} must be a file-name-safe word (letters, digits, _ . -)")
        path = cached.directory / f"margins_{split}_{array_fingerprint(x, y)[:16]}.pt"
        shape = (cached.spec.n_models, len(y))

        def load(p: Path) -> torch.Tensor:
            values = load_checkpoint(p)["margins"]
            if tuple(values.shape) != shape or values.dtype != torch.float64:
                raise ValueError(f"holds {values.dtype} margins of shape {tuple(values.shape)}, expected float64 {shape}")
            return values

        def make() -> torch.Tensor:
            values = margins(cached.ensemble, x, y, batch_size)
            metadata = json.dumps({"split": split, "key": cached.spec.key()})
            write_artefact(path, lambda file: torch.save({"margins": values, "metadata": metadata}, file))
            self.computed_margins.append(path)
            return values

        return compute_once(path, lambda p: load_verified(p, load), make)
