"""The ten CIFAR-10 forget sets of the benchmark the paper used, shipped with the package.

The paper's nine forget sets on CIFAR-10 are three random sets and six sets built from the top (and top-and-bottom)
projections on the first two principal components of the benchmark's 50,000 × 50,000 datamodel matrix, which this
suite cannot recompute at that scale. The benchmark (data-unlearning-bench, MIT licence) publishes them as index
files; ``benchmark_forget_sets/`` holds them as text with the licence and attribution, and this module loads them
under readable names. One difference from the paper's text: the third random set has 1,000 points in the
benchmark's files, where the paper says 500 (docs/experiments.md, "Forget sets"). The tenth set is an extra of the
benchmark, not used in the paper.

>>> [name for name in CIFAR10_DEFAULT_NAMES][:3]
['random_10', 'random_100', 'random_1000']
>>> load_benchmark_forget_set("pc1_top_bottom_500").size
500
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from ascent_fails.nn_experiments.forget_sets import ForgetSet, validate_indices
from ascent_fails.validate import require_choice

__all__ = ["BenchmarkSet", "BENCHMARK_SETS", "CIFAR10_DEFAULT_NAMES", "CIFAR10_TRAIN_SIZE", "load_benchmark_forget_set",
           "cifar10_default_forget_sets"]

CIFAR10_TRAIN_SIZE = 50_000  # data batches 1-5, in order: the index space of the files


@dataclass(frozen=True)
class BenchmarkSet:
    """One shipped file: its number in the benchmark, our kind (``forget_sets.FORGET_SET_KINDS``) and its size."""

    number: int
    kind: str
    size: int

    @property
    def file_name(self) -> str:
        return f"forget_set_{self.number}.txt"


#: readable name → shipped file; the first nine, in this order, are the paper's CIFAR-10 forget sets
BENCHMARK_SETS: dict[str, BenchmarkSet] = {
    "random_10": BenchmarkSet(1, "random", 10),
    "random_100": BenchmarkSet(2, "random", 100),
    "random_1000": BenchmarkSet(3, "random", 1000),
    "pc1_top_10": BenchmarkSet(4, "pc1", 10),
    "pc1_top_100": BenchmarkSet(5, "pc1", 100),
    "pc1_top_bottom_500": BenchmarkSet(6, "pc1_top_bottom", 500),
    "pc2_top_10": BenchmarkSet(7, "pc2", 10),
    "pc2_top_100": BenchmarkSet(8, "pc2", 100),
    "pc2_top_bottom_500": BenchmarkSet(9, "pc2_top_bottom", 500),
    "benchmark_extra_100": BenchmarkSet(10, "file", 100),
}
CIFAR10_DEFAULT_NAMES: tuple[str, ...] = tuple(BENCHMARK_SETS)[:9]


def load_benchmark_forget_set(name: str, n_train: int = CIFAR10_TRAIN_SIZE) -> ForgetSet:
    """The shipped forget set ``name`` (one of :data:`BENCHMARK_SETS`), checked against its recorded size.

    ``n_train`` must be CIFAR-10's 50,000: the indices refer to that training set and to no other.
    """
    require_choice("name", name, tuple(BENCHMARK_SETS))
    if n_train != CIFAR10_TRAIN_SIZE:
        raise ValueError(f"n_train={n_train}: the benchmark's forget sets index CIFAR-10's {CIFAR10_TRAIN_SIZE} "
                         "training points (data batches 1-5 in order) and fit no other training set")
    spec = BENCHMARK_SETS[name]
    text = resources.files("ascent_fails.nn_experiments").joinpath("benchmark_forget_sets", spec.file_name).read_text()
    values = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    indices = validate_indices(np.array([int(v) for v in values], dtype=np.int64), n_train,
                               what=f"benchmark forget set {name} ({spec.file_name})")
    if indices.size != spec.size:
        raise ValueError(f"benchmark forget set {name} ({spec.file_name}) holds {indices.size} indices, "
                         f"not the recorded {spec.size}: the shipped file is damaged")
    return ForgetSet(name=name, kind=spec.kind, indices=indices, n_train=n_train, seed=None,
                     source=f"data-unlearning-bench forget_set_{spec.number} (MIT licence, shipped with the package)")


def cifar10_default_forget_sets(n_train: int = CIFAR10_TRAIN_SIZE) -> tuple[ForgetSet, ...]:
    """The paper's nine CIFAR-10 forget sets, in the paper's order."""
    return tuple(load_benchmark_forget_set(name, n_train) for name in CIFAR10_DEFAULT_NAMES)
