"""The finite-N noise floor of KLoM: its value between two independent ensembles of one distribution.

KLoM is a histogram estimate of a KL divergence from N samples per side, so two ensembles of N models drawn from
the *same* distribution do not give 0. The floor is the level below which no method can be told apart from
retraining at this N (docs/experiments.md#noise-floor). The experiments *measure* it on the real models, as KLoM of a
second, independent oracle ensemble against the oracle ensemble (``floor`` in ``results.json``);
:func:`finite_n_floor` is the idealised version, for margins that are exactly Gaussian, and says how the floor
falls with N. :func:`floor_of` reads the measured floor of a forget set off ``results.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ascent_fails.nn_experiments.klom import klom
from ascent_fails.nn_experiments.klom_groups import klom_percentile
from ascent_fails.validate import require_positive_int

__all__ = ["floor_of", "floor_interval_of", "finite_n_floor"]


def floor_of(results: Mapping[str, Any], forget_set: Mapping[str, Any]) -> Mapping[str, float]:
    """The measured noise floor of one forget set of an ``nn run`` results dict, group → KLoM p95: the set's own
    where it was measured (every set by default, ``Sweep.floor_per_set``), else the run-wide one (``results["floor"]``, measured on the sets
    listed in ``results["floor_forget_sets"]``).

    >>> results = {"floor": {"forget": 0.7}, "forget_sets": [{"name": "a", "floor": None}]}
    >>> floor_of(results, results["forget_sets"][0])
    {'forget': 0.7}
    """
    return forget_set.get("floor") or results["floor"]


def floor_interval_of(results: Mapping[str, Any], forget_set: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The bootstrap interval over models of the floor :func:`floor_of` returns, group → [low, high], or ``None``
    for results written before intervals were recorded: the set's own where it was measured, else the interval of
    the set the run-wide floor was measured on when that is a single set (with several, the median has none).

    >>> results = {"floor_forget_sets": ["a"], "forget_sets": [
    ...     {"name": "a", "floor": {"forget": 0.7}, "floor_ci": {"forget": [0.6, 0.9]}}, {"name": "b", "floor": None}]}
    >>> floor_interval_of(results, results["forget_sets"][1])
    {'forget': [0.6, 0.9]}
    """
    if forget_set.get("floor"):
        return forget_set.get("floor_ci")
    measured = results.get("floor_forget_sets") or []
    if len(measured) == 1:
        for fs in results["forget_sets"]:
            if fs["name"] == measured[0]:
                return fs.get("floor_ci")
    return None


def finite_n_floor(n_models: int, *, n_points: int = 10_000, q: float = 95.0, seed: int = 0, bins: int = 20,
                   eps: float = 1e-5) -> float:
    """q-th percentile of KLoM between two independent N-model ensembles from the *same* distribution.

    Both ensembles' margins are i.i.d. standard normal at each of ``n_points`` points, so the true KL is
    0 and the result is pure finite-N estimation noise: the floor below which no method can be judged.
    docs/experiments.md#noise-floor quotes about 0.66 at N = 100, 1.72 at N = 50, 0.28 at N = 200 (95th percentile).
    KLoM is invariant under a common increasing affine map of both ensembles (edges move with the data),
    so the normal's mean and scale do not matter.

    >>> 0.4 < finite_n_floor(100, n_points=2000) < 1.0
    True
    """
    n_models = require_positive_int("n_models", n_models, symbol="N")
    n_points = require_positive_int("n_points", n_points)
    rng = np.random.default_rng(require_positive_int("seed", seed, minimum=0))
    oracle = rng.standard_normal((n_models, n_points))
    other = rng.standard_normal((n_models, n_points))
    return klom_percentile(klom(oracle, other, bins=bins, eps=eps), q)
