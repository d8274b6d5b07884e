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

>>> spec_a = {"arch": "mlp", "recipe": {"lr": 0.05, "epochs": 30}}
>>> config_hash(spec_a) == config_hash({"recipe": {"epochs": 30, "lr": 0.05}, "arch": "mlp"})
True
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import platform
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nn_experiments.ensemble import Ensemble, TrainRecipe, concat_ensembles, margins, train_ensemble
from nn_experiments.models import resolve_device
from theory.validate import require_positive_int

__all__ = [
    "canonical_json",
    "config_hash",
    "array_fingerprint",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_torch_save",
    "load_checkpoint",
    "EnsembleSpec",
    "CachedEnsemble",
    "EnsembleStore",
]

# bumped whenever the stored parameter layout or the training code changes what a key's models are
CACHE_FORMAT = 1
_CHUNK_FILE = re.compile(r"models_(\d{5})_(\d{5})\.pt$")


def _plain(obj: Any) -> Any:
    """Dataclasses, tuples, numpy scalars and arrays → JSON values (arrays by their fingerprint)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _plain(asdict(obj))
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (np.ndarray, torch.Tensor)):
        return {"array_sha256": array_fingerprint(obj)}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return repr(obj)  # JSON has no NaN/inf; the repr keeps them distinct
    return obj


def canonical_json(obj: Any) -> str:
    """Sorted keys, no whitespace, tuples as lists: equal configurations give equal strings."""
    return json.dumps(_plain(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def config_hash(obj: Any) -> str:
    """SHA-256 (hex) of ``canonical_json(obj)``."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def array_fingerprint(*arrays: np.ndarray | torch.Tensor) -> str:
    """SHA-256 over dtype, shape and bytes of each array (C order).

    >>> a = np.arange(6, dtype=np.float32)
    >>> array_fingerprint(a) == array_fingerprint(a.copy()) != array_fingerprint(a.reshape(2, 3))
    True
    """
    digest = hashlib.sha256()
    for array in arrays:
        values = array.detach().cpu().numpy() if isinstance(array, torch.Tensor) else np.asarray(array)
        values = np.ascontiguousarray(values)
        digest.update(f"{values.dtype.str}{values.shape}".encode())
        digest.update(values.tobytes())
    return digest.hexdigest()


def atomic_write_bytes(path: str | os.PathLike, write: Callable[[Any], None]) -> Path:
    """Call ``write(file)`` on a temporary file beside ``path``, then ``os.replace`` it onto ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    text = json.dumps(_plain(obj), indent=2, sort_keys=True) + "\n"
    return atomic_write_bytes(path, lambda file: file.write(text.encode()))


def atomic_torch_save(path: str | os.PathLike, obj: Any) -> Path:
    return atomic_write_bytes(path, lambda file: torch.save(obj, file))


def load_checkpoint(path: str | os.PathLike) -> Any:
    """``torch.load`` restricted to tensors and plain containers (``weights_only=True``), on the CPU."""
    return torch.load(Path(path), map_location="cpu", weights_only=True)


def _provenance(device: torch.device) -> dict[str, Any]:
    return {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor(),
        "written_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


@dataclass(frozen=True)
class EnsembleSpec:
    """Everything that determines the models of a cached ensemble (hashed into its key)."""

    arch: str  # models.ARCHITECTURES
    recipe: TrainRecipe  # training recipe of every model
    n_models: int  # N
    seed: int  # base seed; model k uses ensemble.model_seeds(seed, k)
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
        chunks of at most ``chunk_size`` models and saved as each finishes.
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
                                                     **_provenance(target)})
        finished = self._finished_chunks(folder, n_models)
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
                masks=None if mask_array is None else mask_array[position : position + count], progress=progress,
            )  # fmt: skip
            path = folder / f"models_{position:05d}_{position + count - 1:05d}.pt"
            metadata = {"label": label, "key": spec.key(), "first_model": position, "n_models": count,
                        "seconds": result.seconds, "gradient_evaluations": result.gradient_evaluations,
                        "mixed_precision_used": result.mixed_precision_used, **_provenance(target)}
            atomic_torch_save(path, {"ensemble": result.ensemble.state_dict(), "metadata": json.dumps(metadata)})
            parts.append(result.ensemble)
            trained += count
            position += count
        ensemble = parts[0] if len(parts) == 1 else concat_ensembles(parts)
        return CachedEnsemble(ensemble, spec, folder, models_trained=trained, models_loaded=loaded)

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
