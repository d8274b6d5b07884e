"""A content-addressed cache of trained ensembles and their margins, written atomically and resumable.

Key: every ensemble is stored under ``sha256(canonical JSON of its EnsembleSpec)``: architecture, the full
``TrainRecipe``, N, base seed, classes, SHA-256 fingerprints of the training arrays and of the per-model
masks, and the cache format version. Change anything that changes the models and the key changes; a human label is recorded but not hashed.

Layout under ``root``::

    ensembles/<key>/spec.json                      spec + label + torch version (written once)
    ensembles/<key>/models_00000_00024.pt          models 0…24: Ensemble.state_dict() + JSON metadata
    ensembles/<key>/margins_<name>_<data fp>.pt    float64 margins [N, P] of the ensemble on a split

Writes go to a temporary file in the same directory, then ``os.replace`` (atomic on POSIX), so a killed run
never leaves a truncated file under a final name. The ensemble is trained in chunks of models (model k of the
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
        spec = EnsembleSpec(
            arch=arch,
            recipe=recipe,
            n_models=n_models,
            seed=int(seed),
            num_classes=int(num_classes),
            data_sha256=array_fingerprint(x, y),
            masks_sha256="all" if mask_array is None else array_fingerprint(mask_array),
        )
        folder = self.directory(spec)
        if not (folder / "spec.json").exists():
            atomic_write_json(folder / "spec.json", {"spec": spec, "key": spec.key(), "label": label,
                                                     **provenance(target)})
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

    def _load_or_train(self, folder: Path, spec: EnsembleSpec, finished: dict[int, tuple[int, Path]], arch: str,
                       x: Any, y: Any, recipe: TrainRecipe, mask_array: torch.Tensor | None, target: torch.device,
                       chunk_size: int, label: str, bar: Stage) -> tuple[list[Ensemble], int, int]:
        """(chunks of models in order, models trained, models loaded): finished chunks loaded, the gaps trained
        in chunks of at most ``chunk_size`` and saved as each finishes."""
        n_models, seed, num_classes = spec.n_models, spec.seed, spec.num_classes
        parts: list[Ensemble] = []
        trained = loaded = 0
        position = 0
        while position < n_models:
            if position in finished:
                last, path = finished[position]
                parts.append(Ensemble.from_state(load_checkpoint(path)["ensemble"], target))
                loaded += last - position + 1
                position = last + 1
                continue
            next_start = min([start for start in finished if start > position], default=n_models)
            count = min(chunk_size, next_start - position)
            result = train_ensemble(
                arch, x, y, recipe,
                n_models=count, seed=seed, num_classes=num_classes, first_model=position, device=target,
                masks=None if mask_array is None else mask_array[position : position + count], progress=False,
            )  # fmt: skip
            path = folder / f"models_{position:05d}_{position + count - 1:05d}.pt"
            metadata = {"label": label, "key": spec.key(), "first_model": position, "n_models": count,
                        "seconds": result.seconds, "gradient_evaluations": result.gradient_evaluations,
                        "mixed_precision_used": result.mixed_precision_used, **provenance(target)}
            atomic_torch_save(path, {"ensemble": result.ensemble.state_dict(), "metadata": json.dumps(metadata)})
            parts.append(result.ensemble)
            trained += count
            position += count
            bar.update(count)
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
        if path.exists():
            return load_checkpoint(path)["margins"]
        values = margins(cached.ensemble, x, y, batch_size)
        atomic_torch_save(path, {"margins": values, "metadata": json.dumps({"split": split, "key": cached.spec.key()})})
        return values
