"""Datamodels: a linear estimate of how each training point's presence moves each target's margin.

Nobody ships the train×train datamodel (influence) matrix behind the paper's PC forget sets
(docs/experiments.md#datamodels), so the suite estimates it (Ilyas et al. 2022, "Datamodels"): train M models, model m
on a random subset S_m ⊂ D that holds each training point independently with probability p =
``subset_fraction`` (inclusion mask x_m ∈ {0, 1}^n), record every model's margin y_{m,i} on every training
point i, and fit per target i

    y_{m,i} ≈ b_i + Σ_j Θ_{ij} x_{m,j}          (Θ_{ij}: effect on target i's margin of training on j).

All n targets are fitted at once by ridge regression in closed form (no per-target loop): with the centred
masks X̃ = X − x̄ [M, n] and margins Ỹ = Y − ȳ [M, n],

    Θᵀ = (X̃ᵀX̃/M + λ I)⁻¹ X̃ᵀỸ/M,      b = ȳ − Θ x̄,

one Cholesky solve of an n×n system with n right-hand sides (λ = ``ridge``; λ = 0 is ordinary least squares
and needs M > n). With noise-free linear margins and λ = 0 it recovers Θ exactly. As λ → ∞, λΘᵀ → X̃ᵀỸ/M,
the covariance of masks and margins, i.e. about p(1 − p) times the difference-of-means estimator
(p = subset_fraction).

The original datamodels use LASSO and ~10⁵ models; this is the cheaper, smoothed estimate the suite can afford
on a CPU (for digits: a small MLP, a short recipe, a few thousand models; ``bench/bench_datamodels.py``), and it
is used through its diagonal (the self-influence sets), its top principal components
(:meth:`DatamodelResult.principal_components`: the paper's PC sets, measured for split-half stability in
:mod:`nn_experiments.pc_stability`) and its forget × retain blocks (:mod:`nn_experiments.cross_influence`).

Models are trained in chunks of ``chunk_size``; with a ``cache_dir`` every finished chunk (its masks and
margins) is written atomically under a directory keyed by the hash of the configuration and the data, so an
interrupted estimation resumes by skipping finished chunks, and the final matrix is cached the same way.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ascent_fails.validate import require_choice, require_in_range, require_nonnegative, require_positive_int

__all__ = [
    "DATAMODEL_RECIPE_FIELDS",
    "MAX_TRAIN_POINTS",
    "DatamodelConfig",
    "DatamodelResult",
    "PrincipalComponents",
    "subset_masks",
    "fit_datamodels",
    "principal_components",
    "estimate_datamodels",
]

#: the datamodel ensemble's training recipe (TrainRecipe fields): shorter than the digits pretraining recipe
#: (30 epochs, batch 64) so that thousands of subset models fit in minutes on a CPU. Trained on half of digits,
#: 200 such MLPs reached validation accuracy 0.93 on average (0.90 to 0.95; pilot run), against about 0.97
#: for the full recipe on all of digits: good enough for influence directions
DATAMODEL_RECIPE_FIELDS: dict[str, Any] = dict(epochs=10, batch_size=256, lr=0.2, momentum=0.9, weight_decay=5e-4)
#: largest training set whose n×n datamodel matrix is estimated (20,000² float64 = 3.2 GB)
MAX_TRAIN_POINTS = 20_000


@dataclass(frozen=True)
class DatamodelConfig:
    """How the datamodel matrix is estimated (every field enters the cache key)."""

    n_models: int = 4000            # M subset models (> n_train for digits, so λ = 0 would be well posed)
    subset_fraction: float = 0.5    # p: each training point is in each model's subset with probability p
    arch: str = "mlp"               # ensemble architecture (names.ARCHITECTURES)
    recipe: Any = None              # recipe.TrainRecipe; None = TrainRecipe(**DATAMODEL_RECIPE_FIELDS)
    ridge: float = 1e-2             # λ of the closed-form ridge regression (0 = least squares)
    chunk_size: int = 500           # models trained (and cached) together
    seed: int = 0                   # root of the mask seeds and of the models' seeds

    def __post_init__(self) -> None:
        require_positive_int("n_models", self.n_models, minimum=2, symbol="M")
        require_in_range("subset_fraction", self.subset_fraction, 0.0, 1.0, symbol="p")
        require_nonnegative("ridge", self.ridge, symbol="λ")
        require_positive_int("chunk_size", self.chunk_size)
        require_positive_int("seed", self.seed, minimum=0)
        from ascent_fails.nn_experiments.recipe import TrainRecipe
        from ascent_fails.nn_experiments.names import ARCHITECTURES

        require_choice("arch", self.arch, ARCHITECTURES)
        if self.recipe is None:
            object.__setattr__(self, "recipe", TrainRecipe(**DATAMODEL_RECIPE_FIELDS))
        if not isinstance(self.recipe, TrainRecipe):
            raise ValueError(f"recipe={self.recipe!r} must be a recipe.TrainRecipe (or None for the default)")


@dataclass(frozen=True, eq=False)
class PrincipalComponents:
    """Top principal components of the rows of Θ (each target's datamodel vector), largest first."""

    components: np.ndarray            # [k, n_train] unit vectors in training-point space
    projections: np.ndarray           # [n_targets, k] coordinates of each target's centred row of Θ
    singular_values: np.ndarray       # [k]
    explained_variance_ratio: np.ndarray  # [k] share of the rows' total variance


def principal_components(matrix: Any, n_components: int = 2) -> PrincipalComponents:
    """PCA of the rows of ``matrix``: the top singular vectors of the row-centred matrix.

    Only the ``n_components`` leading singular triplets are computed (ARPACK, ``scipy.sparse.linalg.svds``,
    started from a fixed vector so that the result is reproducible), which costs a few dozen products with
    the matrix instead of a full O(n³) SVD. A component's sign is arbitrary in an SVD; it is fixed here so
    that the largest-magnitude projection is positive, which makes "top" and "bottom" of a component
    reproducible.

    >>> rng = np.random.default_rng(0)
    >>> direction = np.array([3.0, 4.0, 0.0]) / 5
    >>> rows = rng.normal(size=(200, 1)) * 10 * direction + rng.normal(size=(200, 3))
    >>> pcs = principal_components(rows, 1)
    >>> bool(abs(abs(pcs.components[0] @ direction) - 1) < 1e-2), pcs.projections.shape
    (True, (200, 1))
    """
    from scipy.sparse.linalg import svds

    arr = np.asarray(matrix, dtype=np.float64)
    if arr.ndim != 2 or not np.all(np.isfinite(arr)):
        raise ValueError(f"matrix must be a finite 2-D array, got shape {arr.shape}")
    n_components = require_positive_int("n_components", n_components)
    if n_components >= min(arr.shape):
        raise ValueError(f"n_components={n_components} must be < min(matrix.shape)={min(arr.shape)}")
    centred = arr - arr.mean(axis=0)
    start = np.random.default_rng(0).standard_normal(min(arr.shape))
    u, s, vt = svds(centred, k=n_components, v0=start, tol=0, solver="arpack")
    order = np.argsort(s)[::-1]                                           # svds returns ascending values
    u, s, vt = u[:, order], s[order], vt[order]
    projections = u * s                                                   # [n_targets, k]
    signs = np.sign(projections[np.abs(projections).argmax(axis=0), np.arange(n_components)])
    signs[signs == 0] = 1.0
    total = float(np.sum(centred**2))                                     # Σ of all squared singular values
    return PrincipalComponents(
        components=vt * signs[:, None], projections=projections * signs, singular_values=s,
        explained_variance_ratio=s**2 / total if total > 0 else np.zeros(n_components))


def subset_masks(n_train: int, n_models: int, subset_fraction: float, seed: int) -> np.ndarray:
    """Inclusion masks [n_models, n_train]: each point is in each subset independently with probability p.

    Independent (Bernoulli) inclusion rather than subsets of a fixed size: with a fixed size k every row of
    the masks sums to k, so adding a constant c to a target's whole datamodel row (and −ck to its intercept)
    would fit equally well and Θ would not be identifiable. A row that comes out empty gets one point
    (drawn from the same generator), since a model needs at least one training point.

    >>> m = subset_masks(1000, 3, 0.5, seed=0)
    >>> m.shape, bool(np.all(np.abs(m.mean(axis=1) - 0.5) < 0.05))
    ((3, 1000), True)
    """
    n_train = require_positive_int("n_train", n_train)
    n_models = require_positive_int("n_models", n_models)
    subset_fraction = require_in_range("subset_fraction", subset_fraction, 0.0, 1.0, symbol="p")
    rng = np.random.default_rng(require_positive_int("seed", seed, minimum=0))
    masks = rng.random((n_models, n_train)) < subset_fraction
    empty = np.flatnonzero(~masks.any(axis=1))
    masks[empty, rng.integers(0, n_train, size=empty.size)] = True
    return masks


def fit_datamodels(masks: Any, margins: Any, ridge: float = 1e-2) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form ridge fit of every target at once: (Θ [n_targets, n_train], intercepts b [n_targets]).

    ``masks`` [M, n_train] (0/1), ``margins`` [M, n_targets]; solves (X̃ᵀX̃/M + λI) Θᵀ = X̃ᵀỸ/M.

    >>> rng = np.random.default_rng(0)
    >>> x = (rng.random((50, 4)) < 0.5).astype(float); theta = rng.normal(size=(3, 4))
    >>> fitted, b = fit_datamodels(x, x @ theta.T + 1.0, ridge=0.0)
    >>> bool(np.allclose(fitted, theta)), bool(np.allclose(b, 1.0))
    (True, True)
    """
    from scipy.linalg import LinAlgError, solve

    x = np.asarray(masks, dtype=np.float64)
    y = np.asarray(margins, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise ValueError(f"masks {x.shape} and margins {y.shape} must be [M, n_train] and [M, n_targets]")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("masks and margins must be finite")
    ridge = require_nonnegative("ridge", ridge, symbol="λ")
    n_models = x.shape[0]
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    xc, yc = x - x_mean, y - y_mean                                       # [M, n], [M, t]
    gram = xc.T @ xc / n_models + ridge * np.eye(x.shape[1])             # [n, n]
    try:
        theta_t = solve(gram, xc.T @ yc / n_models, assume_a="pos")     # [n, t]
    except LinAlgError:
        raise ValueError(f"the regression is singular: ridge={ridge} with M={n_models} models for "
                         f"n_train={x.shape[1]} points; use ridge > 0 or more models") from None
    theta = theta_t.T                                                     # [t, n]
    return theta, y_mean - theta @ x_mean


@dataclass(frozen=True, eq=False)
class DatamodelResult:
    """An estimated datamodel matrix with its provenance."""

    matrix: np.ndarray          # Θ [n_train, n_train]: row i = target i's datamodel over training points j
    intercepts: np.ndarray      # b [n_train]
    config: DatamodelConfig
    dataset: str                # name of the data set it was estimated on
    data_hash: str              # fingerprint of the training inputs and labels
    train_seconds: float        # wall-clock time spent training subset models in this call (0 if all cached)
    cache_path: str | None = field(default=None)

    def principal_components(self, n_components: int = 2) -> PrincipalComponents:
        return principal_components(self.matrix, n_components)


def estimate_datamodels(dataset: Any, config: DatamodelConfig = DatamodelConfig(), *,
                        cache_dir: str | os.PathLike | None = None, device: str = "cpu",
                        progress: bool = True, purpose: str = "") -> DatamodelResult:
    """Train ``config.n_models`` subset models on ``dataset`` (a :class:`nn_experiments.data.Dataset`) and fit Θ.

    ``purpose`` ends the progress header (what the matrix is for, e.g. ``"for the PC forget sets"``).

    Chunk c's masks come from ``subset_masks(..., seed=derive_seed(config.seed, "datamodel-masks", c))`` and
    model m (global index) is trained with ``seeds.model_seeds(config.seed, m)``, so a resumed run trains
    exactly the models an uninterrupted one would. With ``cache_dir``, chunks and the final matrix are cached
    under ``cache_dir/datamodels-<hash of config and data>/``. Θ has n_train² entries (8n² bytes), so this
    is meant for data sets of at most ``MAX_TRAIN_POINTS`` points (digits, synthetic, a CIFAR-10 subset).
    """
    from ascent_fails.atomic_io import atomic_write_json
    from ascent_fails.config_hash import array_fingerprint
    from ascent_fails.integrity import load_verified, write_artefact
    from ascent_fails.locks import compute_once
    from ascent_fails.progress import announce, stage

    x, y = dataset.train_x, dataset.train_y
    n_train = int(y.shape[0])
    if n_train > MAX_TRAIN_POINTS:
        raise ValueError(f"dataset {dataset.name!r} has n_train={n_train} > {MAX_TRAIN_POINTS}: the datamodel matrix "
                         f"would need {8 * n_train**2 / 1e9:.0f} GB; estimate it on a subset, or give the PC forget "
                         f"sets as index files")
    data_hash = array_fingerprint(x, y)
    key = {"config": config, "data_sha256": data_hash}
    folder = datamodel_folder(dataset, config, cache_dir)
    final = folder / "datamodels.npz" if folder is not None else None

    def fit() -> tuple[np.ndarray, np.ndarray, float]:
        """(Θ, b, seconds spent training): every chunk loaded or trained, then the ridge fit."""
        if folder is not None and not (folder / "config.json").exists():
            atomic_write_json(folder / "config.json", {**key, "dataset": dataset.name})
        all_masks, all_margins, seconds = [], [], 0.0
        starts = range(0, config.n_models, config.chunk_size)
        missing = set(missing_datamodel_chunks(dataset, config, cache_dir)) if folder is not None else set(range(len(starts)))
        cached = sum(min(config.chunk_size, config.n_models - starts[c]) for c in range(len(starts)) if c not in missing)
        # one progress stage for all M models (a header and a summary line in a log), not one per chunk
        title = (f"datamodels: train {config.n_models - cached} {config.arch} models ({config.recipe.epochs} epochs), each "
                 f"on a random {config.subset_fraction:.0%} of {dataset.name}" + (f", {purpose}" if purpose else ""))
        with stage(title, total=config.n_models, unit="model", initial=cached, enabled=progress) as bar:
            for chunk, start in enumerate(starts):
                count = min(config.chunk_size, config.n_models - start)
                started = time.perf_counter()
                if folder is None:
                    masks, chunk_margins = train_datamodel_chunk(dataset, config, chunk, device)
                else:
                    masks, chunk_margins = store_datamodel_chunk(dataset, config, cache_dir, chunk, device)
                if chunk in missing:
                    seconds += time.perf_counter() - started
                    bar.update(count)
                all_masks.append(masks)
                all_margins.append(chunk_margins)
        matrix, intercepts = fit_datamodels(np.concatenate(all_masks), np.concatenate(all_margins), config.ridge)
        return matrix, intercepts, seconds

    if final is None:
        matrix, intercepts, seconds = fit()
        return DatamodelResult(matrix, intercepts, config, dataset.name, data_hash, seconds, None)
    fitted: dict[str, float] = {}

    def make() -> dict[str, np.ndarray]:
        matrix, intercepts, fitted["seconds"] = fit()
        write_artefact(final, lambda file: np.savez(file, matrix=matrix, intercepts=intercepts))
        return {"matrix": matrix, "intercepts": intercepts}

    # under the matrix's lock: a second process waits for the first one's fit and reads it
    stored = compute_once(final, lambda p: load_verified(p, lambda q: _load_npz(q, matrix=(n_train, n_train),
                                                                                 intercepts=(n_train,))), make)
    if not fitted:
        # the chunks are not read when the matrix is stored: audit them anyway, so a damaged one is rebuilt
        for chunk in missing_datamodel_chunks(dataset, config, cache_dir, damaged_only=True):
            store_datamodel_chunk(dataset, config, cache_dir, chunk, device)
        announce(f"datamodels: the matrix of {config.n_models} {config.arch} subset models on {dataset.name}"
                 + (f", {purpose}" if purpose else ""), f"read from the cache ({final})", enabled=progress)
    return DatamodelResult(stored["matrix"], stored["intercepts"], config, dataset.name, data_hash,
                           fitted.get("seconds", 0.0), str(final))


# --- the cache of datamodel chunks: one verified .npz per chunk, computed once under its lock -----------------
# (module-level functions, so that an executor can ship a chunk to another process: ascent_fails.nn_experiments.executor)


def datamodel_folder(dataset: Any, config: DatamodelConfig, cache_dir: str | os.PathLike | None) -> Path | None:
    """``cache_dir/datamodels-<hash of config and data>`` (``None`` without a cache)."""
    from ascent_fails.config_hash import array_fingerprint, config_hash

    if cache_dir is None:
        return None
    key = {"config": config, "data_sha256": array_fingerprint(dataset.train_x, dataset.train_y)}
    return Path(cache_dir) / f"datamodels-{config_hash(key)[:16]}"


def _chunk_count(config: DatamodelConfig, chunk: int) -> int:
    return min(config.chunk_size, config.n_models - chunk * config.chunk_size)


def _load_npz(path: Path, **shapes: tuple[int, ...]) -> dict[str, np.ndarray]:
    """The arrays ``shapes`` names from the ``.npz`` at ``path``, each checked for its shape and finiteness."""
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in shapes}
    for name, shape in shapes.items():
        if arrays[name].shape != shape or not np.all(np.isfinite(arrays[name])):
            raise ValueError(f"{name} has shape {arrays[name].shape} (expected {shape}) or non-finite values")
    return arrays


def train_datamodel_chunk(dataset: Any, config: DatamodelConfig, chunk: int, device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """(masks [count, n] bool, margins [count, n] float32) of chunk ``chunk``'s subset models, trained now."""
    import torch

    from ascent_fails.nn_experiments.margins import margins as ensemble_margins
    from ascent_fails.nn_experiments.seeds import derive_seed
    from ascent_fails.nn_experiments.training import train_ensemble

    n_train = int(dataset.train_y.shape[0])
    start, count = chunk * config.chunk_size, _chunk_count(config, chunk)
    inputs, labels = torch.as_tensor(np.array(dataset.train_x)), torch.as_tensor(np.array(dataset.train_y))
    masks = subset_masks(n_train, count, config.subset_fraction, derive_seed(config.seed, "datamodel-masks", chunk))
    trained = train_ensemble(config.arch, inputs, labels, config.recipe, n_models=count, seed=config.seed,
                             num_classes=dataset.num_classes, masks=torch.from_numpy(masks), device=device,
                             first_model=start, progress=False)
    return masks, ensemble_margins(trained.ensemble, inputs, labels).numpy().astype(np.float32)


def missing_datamodel_chunks(dataset: Any, config: DatamodelConfig, cache_dir: str | os.PathLike, *,
                             damaged_only: bool = False) -> list[int]:
    """Chunks without a stored file that passes its manifest check (failing files are quarantined here, one
    warning line each); with ``damaged_only``, only the chunks whose file existed and failed."""
    from ascent_fails.integrity import check, quarantine

    folder = datamodel_folder(dataset, config, cache_dir)
    missing = []
    for chunk in range(-(-config.n_models // config.chunk_size)):
        path = folder / f"chunk-{chunk:05d}.npz"
        existed = path.exists()
        reason = check(path) if existed else "missing"
        if reason is not None and existed:
            quarantine(path, reason)
        if reason is not None and (existed or not damaged_only):
            missing.append(chunk)
    return missing


def store_datamodel_chunk(dataset: Any, config: DatamodelConfig, cache_dir: str | os.PathLike, chunk: int,
                          device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Chunk ``chunk`` from the cache (verified), or trained under its lock and stored with its manifest record."""
    from ascent_fails.integrity import load_verified, write_artefact
    from ascent_fails.locks import compute_once

    folder = datamodel_folder(dataset, config, cache_dir)
    path = folder / f"chunk-{chunk:05d}.npz"
    shape = (_chunk_count(config, chunk), int(dataset.train_y.shape[0]))

    def load(p: Path) -> tuple[np.ndarray, np.ndarray] | None:
        arrays = load_verified(p, lambda q: _load_npz(q, masks=shape, margins=shape))
        return None if arrays is None else (arrays["masks"], arrays["margins"])

    def make() -> tuple[np.ndarray, np.ndarray]:
        masks, margins = train_datamodel_chunk(dataset, config, chunk, device)
        write_artefact(path, lambda file: np.savez(file, masks=masks, margins=margins))
        return masks, margins

    return compute_once(path, load, make)
