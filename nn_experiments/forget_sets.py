"""Forget sets F ⊂ D (docs/experiments.md#forget-sets): random, self-influence, class, principal-component and file sets.

* random: the reference recipe ``np.random.seed(s); sort(choice(n, k, replace=False))``, reproduced with a
  private ``np.random.RandomState(s)`` (the same stream) so that the global numpy state is left alone;
* self-influence sets (``influence_top_k``): the k training points with the largest self-influence Θ_ii of the
  datamodel matrix Θ (:mod:`nn_experiments.datamodels`; Θ_ii = how much training on i raises i's own margin,
  i.e. how much the model memorises i). The high-influence sets of the default sweep: unlike the PC sets they
  are stable under re-estimation of Θ (split-half Jaccard ≥ 0.8 on digits, :mod:`nn_experiments.pc_stability`);
* class sets (``class_k_seed{s}``): k points drawn at random (seed s) from one class, itself drawn with seed s
  among the classes with at least k training points: coherent blocks of mutually influencing points, whose
  forget × retain cross-influence is large (:mod:`nn_experiments.cross_influence`);
* PC sets: the training points with the largest projections on the first (``pc1``) or second (``pc2``)
  principal component of the train×train datamodel matrix Θ (row i = the datamodel of target i), or the ⌈k/2⌉
  largest plus the ⌊k/2⌋ smallest projections (``pc*_top_bottom``): the paper's construction. On digits the
  top components are nearly degenerate (one per class, explained variance 8.2 / 7.7 / 6.2 / 5.7 %), so which
  class a PC set picks is noise (split-half Jaccard 0.00 to 0.05, docs/experiments.md#pc-set-stability): they are
  measured in the stability table but not part of the default digits sweep;
* ``file``: indices listed in a ``.npy`` file or a text file (integers separated by whitespace or commas,
  ``#`` starts a comment).

The paper's nine CIFAR-10 sets are random 10 / 100 / 500 (seeds 0, 1, 2), top-10 and top-100 on PC1,
250 top + 250 bottom on PC1, and the same three on PC2 (shipped with the benchmark). On digits (1,437
training points) the default sweep runs fifteen sets (:data:`DIGITS_DEFAULTS`): three random draws of each size
10 / 50 / 100 (so that a verdict "harder than random" or "larger is harder" sees the draw-to-draw spread, not one
draw), self-influence top 10 / 50 / 100 and class sets of 10 / 50 / 100 points, a spread of sizes and of
cross-influence for the test of the paper's App. A conjecture.

>>> random_forget_set(1437, 10, seed=0).indices.tolist()
[34, 52, 233, 487, 517, 987, 1224, 1273, 1334, 1364]
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ascent_fails.validate import require_choice, require_positive_int

__all__ = [
    "FORGET_SET_KINDS",
    "ForgetSetSizes",
    "DefaultSets",
    "DIGITS_DEFAULTS",
    "DIGITS_SIZES",
    "PAPER_SIZES",
    "ForgetSet",
    "validate_indices",
    "random_forget_set",
    "pc_forget_set",
    "pc_forget_sets",
    "self_influence",
    "influence_forget_set",
    "class_forget_set",
    "load_forget_set",
    "default_forget_sets",
]

FORGET_SET_KINDS = ("random", "pc1", "pc2", "pc1_top_bottom", "pc2_top_bottom", "influence", "class", "file")


@dataclass(frozen=True)
class ForgetSetSizes:
    """Sizes of the nine default forget sets."""

    random: tuple[int, int, int]   # sizes of the random sets (seeds 0, 1, 2 respectively)
    pc_top: tuple[int, int]        # sizes of the two top-k sets on each of PC1 and PC2
    pc_top_bottom: int             # total size of the top + bottom set on each of PC1 and PC2

    def __post_init__(self) -> None:
        for size in (*self.random, *self.pc_top, self.pc_top_bottom):
            require_positive_int("forget set size", size, symbol="|F|")


#: CIFAR-10 (50,000 training points): the paper's counts
PAPER_SIZES = ForgetSetSizes(random=(10, 100, 500), pc_top=(10, 100), pc_top_bottom=500)
#: digits (1,437 training points): 0.7 % / 3.5 % / 7 % of the data; the PC sets of this size are measured in
#: the stability table (nn_experiments.pc_stability), not run by default
DIGITS_SIZES = ForgetSetSizes(random=(10, 50, 100), pc_top=(10, 50), pc_top_bottom=100)


@dataclass(frozen=True)
class DefaultSets:
    """The default forget sets of a data set with an estimated datamodel (digits, synthetic), in report order."""

    random: tuple[tuple[int, int], ...]   # (size, seed) of each random set
    influence: tuple[int, ...]            # sizes of the top self-influence sets
    classes: tuple[tuple[int, int], ...]  # (size, seed) of each class set

    def __post_init__(self) -> None:
        for size, seed in (*self.random, *self.classes):
            require_positive_int("forget set size", size, symbol="|F|")
            require_positive_int("seed", seed, minimum=0)
        for size in self.influence:
            require_positive_int("forget set size", size, symbol="|F|")


#: digits: three random draws per size, the first of each size with the reference's seed (0, 1, 2), and one
#: self-influence and one class set per size (fifteen sets: docs/experiments.md#forget-sets)
DIGITS_DEFAULTS = DefaultSets(random=((10, 0), (50, 1), (100, 2), (10, 3), (50, 4), (100, 5), (10, 6), (50, 7), (100, 8)),
                              influence=(10, 50, 100), classes=((10, 0), (50, 1), (100, 2)))


def validate_indices(indices: Any, n_train: int, *, what: str = "indices") -> np.ndarray:
    """Sorted int64 copy of ``indices`` (read-only) if they are distinct integers in [0, n_train).

    >>> validate_indices([3, 1, 1], 5)
    Traceback (most recent call last):
    ...
    ValueError: indices has duplicate entries: [1]
    """
    n_train = require_positive_int("n_train", n_train, symbol="|D|")
    arr = np.asarray(indices)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be a 1-D list of training-point indices, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{what} is empty; a forget set needs at least one training point")
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)  # integral floats, as np.savetxt writes them
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f":
            bad = arr[~np.isfinite(arr) | (arr != np.round(arr))].tolist()
        else:
            bad = [v for v in arr.tolist() if isinstance(v, bool) or not isinstance(v, (int, np.integer))]
        raise ValueError(f"{what} must be integers; non-integer entries: {bad[:10]}")
    arr = arr.astype(np.int64)
    outside = arr[(arr < 0) | (arr >= n_train)]
    if outside.size:
        raise ValueError(f"{what} has entries outside [0, {n_train}): {outside[:10].tolist()}")
    values, counts = np.unique(arr, return_counts=True)
    if np.any(counts > 1):
        raise ValueError(f"{what} has duplicate entries: {values[counts > 1][:10].tolist()}")
    values.setflags(write=False)
    return values


@dataclass(frozen=True, eq=False)
class ForgetSet:
    """A forget set: sorted distinct training indices and how they were chosen."""

    name: str             # unique within a run, e.g. "random_10_seed0", "pc1_top_10", "pc2_top_bottom_100"
    kind: str             # one of FORGET_SET_KINDS
    indices: np.ndarray   # sorted distinct int64 indices into the training set
    n_train: int          # |D|, the size of the training set the indices refer to
    seed: int | None      # seed of a random set; None otherwise
    source: str           # the recipe, datamodel or file the set came from

    def __post_init__(self) -> None:
        require_choice("kind", self.kind, FORGET_SET_KINDS)
        object.__setattr__(self, "indices", validate_indices(self.indices, self.n_train, what=f"{self.name}.indices"))

    @property
    def size(self) -> int:
        return int(self.indices.size)

    @property
    def fraction(self) -> float:
        """|F| / |D|."""
        return self.size / self.n_train

    def retain_indices(self) -> np.ndarray:
        """R = D \\ F, sorted."""
        keep = np.ones(self.n_train, dtype=bool)
        keep[self.indices] = False
        return np.flatnonzero(keep)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ForgetSet) and (self.name, self.kind, self.n_train, self.seed, self.source)
                == (other.name, other.kind, other.n_train, other.seed, other.source)
                and np.array_equal(self.indices, other.indices))

    __hash__ = None  # type: ignore[assignment]  # mutable-looking array field: not hashable


def _random_name(size: int, seed: int) -> str:
    return f"random_{size}_seed{seed}"


def _pc_name(component: int, size: int, *, top_bottom: bool) -> str:
    return f"pc{component}_top_bottom_{size}" if top_bottom else f"pc{component}_top_{size}"


def _influence_name(size: int) -> str:
    return f"influence_top_{size}"


def _class_name(size: int, seed: int) -> str:
    return f"class_{size}_seed{seed}"


def default_sizes(dataset_name: str) -> ForgetSetSizes:
    """:data:`PAPER_SIZES` for CIFAR-10, :data:`DIGITS_SIZES` for the smaller data sets."""
    return PAPER_SIZES if dataset_name == "cifar10" else DIGITS_SIZES


def default_forget_set_names(dataset_name: str) -> tuple[str, ...]:
    """Names of the default sets, known before any datamodel is estimated (to check user input early).

    For CIFAR-10 they are the benchmark's shipped sets (:mod:`~ascent_fails.nn_experiments.benchmark_forget_sets`),
    otherwise those of :data:`DIGITS_DEFAULTS`.

    >>> default_forget_set_names("digits")[:4]
    ('random_10_seed0', 'random_50_seed1', 'random_100_seed2', 'random_10_seed3')
    >>> default_forget_set_names("digits")[9:12]
    ('influence_top_10', 'influence_top_50', 'influence_top_100')
    >>> default_forget_set_names("cifar10")[-1]
    'pc2_top_bottom_500'
    """
    if dataset_name == "cifar10":
        from ascent_fails.nn_experiments.benchmark_forget_sets import CIFAR10_DEFAULT_NAMES

        return CIFAR10_DEFAULT_NAMES
    d = DIGITS_DEFAULTS
    return tuple([_random_name(size, seed) for size, seed in d.random] + [_influence_name(size) for size in d.influence]
                 + [_class_name(size, seed) for size, seed in d.classes])


def random_forget_set(n_train: int, size: int, seed: int) -> ForgetSet:
    """The reference's random set: ``np.random.seed(seed); sort(np.random.choice(n_train, size, replace=False))``."""
    n_train = require_positive_int("n_train", n_train, symbol="|D|")
    size = require_positive_int("size", size, symbol="|F|")
    seed = require_positive_int("seed", seed, minimum=0)
    if size > n_train:
        raise ValueError(f"size={size} must be <= n_train={n_train}")
    if seed >= 2**32:
        raise ValueError(f"seed={seed} must be < 2**32 (np.random.seed's range)")
    indices = np.sort(np.random.RandomState(seed).choice(n_train, size, replace=False))
    return ForgetSet(name=_random_name(size, seed), kind="random", indices=indices, n_train=n_train, seed=seed,
                     source=f"np.random.seed({seed}); sort(np.random.choice({n_train}, {size}, replace=False))")


def pc_forget_set(projections: Any, component: int, size: int, *, top_bottom: bool = False,
                  source: str = "datamodel") -> ForgetSet:
    """Top-``size`` points on a principal component, or its ⌈size/2⌉ top and ⌊size/2⌋ bottom points.

    ``projections`` [n_train] are the points' coordinates on PC ``component`` (1 or 2), e.g. a column of
    :attr:`nn_experiments.datamodels.PrincipalComponents.projections`. Ties are broken by the lower index
    at the top and by the higher index at the bottom (one stable descending order), so the set is a
    deterministic function of the projections and its two halves never overlap.

    >>> pc_forget_set([0.5, -2.0, 3.0, 0.1, 1.0], 1, 2).indices.tolist()
    [2, 4]
    >>> pc_forget_set([0.5, -2.0, 3.0, 0.1, 1.0], 1, 3, top_bottom=True).indices.tolist()
    [1, 2, 4]
    """
    values = np.asarray(projections, dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"projections must be a non-empty 1-D array of finite numbers, got shape {values.shape}")
    component = require_choice("component", component, (1, 2))
    size = require_positive_int("size", size, symbol="|F|")
    if size > values.size:
        raise ValueError(f"size={size} must be <= n_train={values.size}")
    descending = np.argsort(-values, kind="stable")
    if top_bottom:
        top = size - size // 2
        # both ends of one ordering: disjoint even when ties straddle them
        chosen = np.concatenate([descending[:top], descending[values.size - size // 2:]])
        kind, name = f"pc{component}_top_bottom", _pc_name(component, size, top_bottom=True)
        how = f"top {top} + bottom {size // 2}"
    else:
        chosen = descending[:size]
        kind, name, how = f"pc{component}", _pc_name(component, size, top_bottom=False), f"top {size}"
    return ForgetSet(name=name, kind=kind, indices=chosen, n_train=values.size, seed=None,
                     source=f"{how} projections on PC{component} of {source}")


def pc_forget_sets(projections: Any, sizes: ForgetSetSizes = DIGITS_SIZES, *,
                   source: str = "datamodel") -> tuple[ForgetSet, ...]:
    """The paper's six PC sets: for PC1 then PC2, the top-k sets of ``sizes.pc_top`` and one top + bottom set.

    ``projections`` [n_train, ≥ 2] are the PC1 and PC2 coordinates (e.g. ``PrincipalComponents.projections``).

    >>> [s.name for s in pc_forget_sets(np.random.default_rng(0).normal(size=(200, 2)))][:3]
    ['pc1_top_10', 'pc1_top_50', 'pc1_top_bottom_100']
    """
    coords = np.asarray(projections, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] < 2:
        raise ValueError(f"projections must be [n_train, >= 2] (PC1, PC2 coordinates), got shape {coords.shape}")
    sets: list[ForgetSet] = []
    for component in (1, 2):
        column = coords[:, component - 1]
        sets += [pc_forget_set(column, component, size, source=source) for size in sizes.pc_top]
        sets.append(pc_forget_set(column, component, sizes.pc_top_bottom, top_bottom=True, source=source))
    return tuple(sets)


def self_influence(datamodel: Any) -> np.ndarray:
    """Self-influence Θ_ii [n_train] of a datamodel (a ``DatamodelResult``, a square Θ, or Θ's diagonal itself).

    Θ_ii is the effect on point i's margin of training on i: large for points the model memorises (atypical or
    ambiguous images), whose removal changes their own prediction most.

    >>> self_influence(np.array([[2.0, 0.1], [0.3, 0.5]])).tolist()
    [2.0, 0.5]
    """
    arr = np.asarray(getattr(datamodel, "matrix", datamodel), dtype=np.float64)
    if arr.ndim == 2 and arr.shape[0] == arr.shape[1]:
        arr = np.diag(arr)
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"datamodel must be a finite square matrix Θ or its diagonal, got shape {arr.shape}")
    return arr


def influence_forget_set(influence: Any, size: int, *, source: str = "datamodel") -> ForgetSet:
    """The ``size`` points of largest self-influence (``influence`` [n_train], e.g. :func:`self_influence`).

    The order is one stable descending sort (ties: the lower index first). There is no sign to choose: a
    larger Θ_ii always means a point the model depends on more for its own prediction.

    >>> influence_forget_set([0.1, 0.9, 0.5, 0.9], 2).indices.tolist()
    [1, 3]
    """
    values = np.asarray(influence, dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"influence must be a non-empty 1-D array of finite numbers, got shape {values.shape}")
    size = require_positive_int("size", size, symbol="|F|")
    if size > values.size:
        raise ValueError(f"size={size} must be <= n_train={values.size}")
    chosen = np.argsort(-values, kind="stable")[:size]
    return ForgetSet(name=_influence_name(size), kind="influence", indices=chosen, n_train=values.size, seed=None,
                     source=f"top {size} self-influence Θ_ii of {source}")


def class_forget_set(labels: Any, size: int, seed: int) -> ForgetSet:
    """``size`` points of one class: ``rng = np.random.RandomState(seed)``, the class ``rng.choice`` among the
    classes with at least ``size`` training points, then ``sort(rng.choice(members, size, replace=False))``.

    >>> y = np.array([0, 1, 1, 0, 1, 1])   # only class 1 has >= 3 points
    >>> fs = class_forget_set(y, 3, seed=0)
    >>> y[fs.indices].tolist(), fs.name, fs.size
    ([1, 1, 1], 'class_3_seed0', 3)
    """
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0 or y.dtype.kind not in "iu":
        raise ValueError(f"labels must be a non-empty 1-D integer array, got shape {y.shape} dtype {y.dtype}")
    size = require_positive_int("size", size, symbol="|F|")
    seed = require_positive_int("seed", seed, minimum=0)
    if seed >= 2**32:
        raise ValueError(f"seed={seed} must be < 2**32 (np.random.RandomState's range)")
    classes, counts = np.unique(y, return_counts=True)
    eligible = classes[counts >= size]
    if eligible.size == 0:
        raise ValueError(f"size={size} must be <= the largest class's size ({int(counts.max())})")
    rng = np.random.RandomState(seed)
    label = int(eligible[rng.choice(eligible.size)])
    indices = np.sort(rng.choice(np.flatnonzero(y == label), size, replace=False))
    return ForgetSet(name=_class_name(size, seed), kind="class", indices=indices, n_train=y.size, seed=seed,
                     source=f"RandomState({seed}): class {label} of the {eligible.size} classes with >= {size} points, "
                            f"then {size} of its {int(np.sum(y == label))} points")


def _read_index_file(path: Path) -> np.ndarray:
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    tokens = [t for line in path.read_text().splitlines() for t in re.split(r"[\s,]+", line.split("#", 1)[0]) if t]
    bad = [t for t in tokens if not re.fullmatch(r"[+-]?\d+", t)]
    if bad:
        raise ValueError(f"{path} must list integers; non-integer entries: {bad[:10]}")
    return np.array([int(t) for t in tokens], dtype=np.int64)


def load_forget_set(path: str | os.PathLike, n_train: int, *, name: str | None = None) -> ForgetSet:
    """A forget set from an index file: ``.npy`` (integer array) or text (integers, whitespace/commas, # comments)."""
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"forget-set file {file} does not exist")
    indices = validate_indices(_read_index_file(file), n_train, what=f"forget-set file {file}")
    return ForgetSet(name=name or file.stem, kind="file", indices=indices, n_train=n_train, seed=None,
                     source=str(file.resolve()))


def default_forget_sets(dataset: Any, datamodel: Any, *, defaults: DefaultSets = DIGITS_DEFAULTS,
                        labels: Any = None) -> tuple[ForgetSet, ...]:
    """The default sets of :data:`DIGITS_DEFAULTS`: random sets, top self-influence sets, class sets, in that order.

    ``dataset`` is a :class:`nn_experiments.data.Dataset` (its ``train_y`` gives the classes) or just n_train with
    ``labels``; ``datamodel`` a :class:`nn_experiments.datamodels.DatamodelResult`, its matrix Θ or Θ's diagonal
    (:func:`self_influence`).

    >>> rng = np.random.default_rng(0)
    >>> sets = default_forget_sets(1437, rng.normal(size=1437), labels=rng.integers(0, 10, 1437))
    >>> [(s.name, s.size) for s in sets][9:11]
    [('influence_top_10', 10), ('influence_top_50', 50)]
    >>> len(sets), len({s.name for s in sets})
    (15, 15)
    """
    n_train = dataset.n_train if hasattr(dataset, "n_train") else require_positive_int("n_train", dataset)
    labels = getattr(dataset, "train_y", None) if labels is None else labels
    if labels is None:
        raise ValueError("default_forget_sets needs the training labels (a Dataset, or labels=) for the class sets")
    influence = self_influence(datamodel)
    if influence.shape != (n_train,) or np.shape(labels) != (n_train,):
        raise ValueError(f"the self-influence {influence.shape} and labels {np.shape(labels)} must both have "
                         f"n_train={n_train} entries")
    source = (f"the datamodel matrix of {datamodel.dataset} ({datamodel.config.n_models} subset models)"
              if hasattr(datamodel, "config") else "the given datamodel")
    return tuple([random_forget_set(n_train, size, seed) for size, seed in defaults.random]
                 + [influence_forget_set(influence, size, source=source) for size in defaults.influence]
                 + [class_forget_set(labels, size, seed) for size, seed in defaults.classes])
