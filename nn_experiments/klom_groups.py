"""KLoM reported per group of points: the q-th percentile over the forget, retain and validation sets.

For a group G of evaluation points (docs/experiments.md#reporting-95th-percentile-per-group), the reported number is

    KLoM_q(G) = percentile_q { KLoM(x) : x ∈ G },   q = 95, linear interpolation (numpy's default),

with KLoM(x) the per-point value of :func:`~ascent_fails.nn_experiments.klom.klom`. :func:`klom_by_group` is the
one function that computes these numbers: every table and figure of the network experiments (Table 1 of
``nn table`` and of ``nn run``, the scatter plots, the claims of ``reproduce``) shows values it returned.
:func:`group_summary` adds a bootstrap interval over the models of both ensembles.

>>> import numpy as np
>>> oracle = np.array([[0.0], [0.1], [0.2]]).repeat(4, axis=1)   # 3 models, 4 points
>>> unlearned = oracle.copy(); unlearned[:, :2] = [[9.9], [10.0], [10.0]]   # points 0, 1 far off
>>> {g: round(v, 2) for g, v in klom_by_group(oracle, unlearned, {"forget": [0, 1], "retain": [2, 3]}).items()}
{'forget': 11.51, 'retain': 0.0}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ascent_fails.nn_experiments.klom import DIRECTIONS, klom, validated_inputs
from ascent_fails.validate import require_choice, require_finite, require_in_range, require_positive_int

__all__ = ["klom_percentile", "klom_by_group", "GroupKlom", "KlomSummary", "group_summary", "INTERVALS"]

#: how the bootstrap replicates become an interval (group_summary's docstring)
INTERVALS = ("percentile", "centred")


def klom_percentile(values: Any, q: float = 95.0) -> float:
    """The q-th percentile (linear interpolation, numpy's default) of per-point KLoM values.

    >>> klom_percentile([0.0, 1.0, 2.0, 3.0, 4.0], q=95)
    3.8
    """
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError("values is empty; the percentile of KLoM needs at least one point")
    require_finite("values", arr)  # not "≥ 0": a KL of nearly equal histograms may round to −1e−17
    q = require_in_range("q", q, 0.0, 100.0, closed=(True, True))
    return float(np.percentile(arr, q))


def _index_sets(groups: Mapping[str, Any], n_points: int) -> dict[str, np.ndarray]:
    """Each group's point indices as a 1-D integer array, checked against the n_points columns."""
    if not groups:
        raise ValueError("groups is empty; give at least one named set of point indices")
    index_sets = {}
    for name, indices in groups.items():
        idx = np.asarray(list(indices) if not hasattr(indices, "__array__") else indices)
        if idx.size == 0 or idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise ValueError(f"groups[{name!r}] must be a non-empty 1-D array of integer point indices")
        out = idx[(idx < 0) | (idx >= n_points)]
        if out.size:
            raise ValueError(f"groups[{name!r}] has indices outside [0, {n_points}): {out[:10].tolist()}")
        index_sets[name] = idx
    return index_sets


def klom_by_group(oracle_margins: Any, other_margins: Any, groups: Mapping[str, Any], *, q: float = 95.0,
                  bins: int = 20, eps: float = 1e-5, clip: tuple[float, float] = (-100.0, 100.0),
                  direction: str = "oracle_unlearned") -> dict[str, float]:
    """``{group: KLoM_q(group)}``: the q-th percentile of per-point KLoM between two ensembles over each group.

    ``oracle_margins`` [N_o, P] and ``other_margins`` [N, P] (the unlearned, pretrained or independent oracle
    ensemble); ``groups`` maps a name to column indices. The KL settings are those of
    :func:`~ascent_fails.nn_experiments.klom.klom`.
    """
    oracle, other, bins, eps, clip = validated_inputs(oracle_margins, other_margins, bins, eps, clip, direction)
    q = require_in_range("q", q, 0.0, 100.0, closed=(True, True))
    index_sets = _index_sets(groups, oracle.shape[1])
    values = klom(oracle, other, bins=bins, eps=eps, clip=clip, direction=direction)  # [P]
    return {name: klom_percentile(values[idx], q) for name, idx in index_sets.items()}


@dataclass(frozen=True)
class GroupKlom:
    """The q-th percentile of KLoM over one group of points, with a bootstrap interval over models."""

    group: str          # "forget", "retain", "validation", ...
    n_points: int       # number of evaluation points in the group
    value: float        # q-th percentile of KLoM on the full ensembles (nats)
    ci_low: float       # lower end of the bootstrap percentile interval (NaN when n_bootstrap = 0)
    ci_high: float      # upper end


@dataclass(frozen=True)
class KlomSummary:
    """Per-group KLoM percentiles of one (oracle, unlearned) comparison, with its settings."""

    groups: tuple[GroupKlom, ...]
    q: float                    # percentile reported (95 in the paper)
    direction: str              # "oracle_unlearned" = KL(P_oracle ‖ P_unlearned)
    n_oracle: int               # N of the oracle ensemble
    n_unlearned: int            # N of the unlearned ensemble
    n_bootstrap: int            # B model resamples behind the interval (0: no interval)
    confidence: float           # coverage of the bootstrap interval
    seed: int                   # seed of the model resampling
    bins: int
    eps: float
    clip: tuple[float, float]
    interval: str = "percentile"  # "percentile" or "centred" (INTERVALS)

    def __post_init__(self) -> None:
        require_choice("direction", self.direction, DIRECTIONS)
        require_choice("interval", self.interval, INTERVALS)
        names = [g.group for g in self.groups]
        if len(set(names)) != len(names):
            raise ValueError(f"groups has repeated names {names}")

    def __getitem__(self, group: str) -> GroupKlom:
        for entry in self.groups:
            if entry.group == group:
                return entry
        raise KeyError(f"no group {group!r}; groups are {[g.group for g in self.groups]}")


def group_summary(oracle_margins: Any, unlearned_margins: Any, groups: Mapping[str, Any], *, q: float = 95.0,
                  n_bootstrap: int = 200, confidence: float = 0.95, seed: int = 0, bins: int = 20,
                  eps: float = 1e-5, clip: tuple[float, float] = (-100.0, 100.0),
                  direction: str = "oracle_unlearned", interval: str = "percentile") -> KlomSummary:
    """q-th percentile of KLoM per group of points, e.g. {"forget": F, "retain": R, "validation": V}.

    ``groups`` maps a name to column indices of the margin matrices. The interval resamples the N models
    of *both* ensembles with replacement (``n_bootstrap`` times, ``np.random.default_rng(seed)``) and
    takes the central ``confidence`` percentile interval of the group's q-th percentile. Resampling
    duplicates models, which shrinks the number of distinct samples and raises KLoM's finite-N floor, so
    the interval describes the spread due to the particular models drawn and sits above the point value;
    it is not a bias-corrected interval.

    ``interval="centred"`` keeps the spread and removes that shift: with θ̂ the point value and m the median of
    the B replicates, the interval is [max(0, θ̂ − (m − q_low)), θ̂ + (q_high − m)], so it always contains θ̂
    (the verdicts of ``reproduce`` use it, nn_experiments/evaluation.py). On two ensembles of one distribution
    at N = 100 the percentile interval of the floor sits about twice as high as the floor itself.

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> o, u = rng.normal(size=(50, 30)), rng.normal(size=(50, 30))
    >>> s = group_summary(o, u, {"forget": range(10), "retain": range(10, 30)}, n_bootstrap=20)
    >>> s["forget"].n_points, s.direction
    (10, 'oracle_unlearned')
    """
    oracle, unlearned, bins, eps, clip = validated_inputs(oracle_margins, unlearned_margins, bins, eps, clip,
                                                          direction)
    n_bootstrap = require_positive_int("n_bootstrap", n_bootstrap, minimum=0)
    confidence = require_in_range("confidence", confidence, 0.0, 1.0)
    interval = require_choice("interval", interval, INTERVALS)
    seed = require_positive_int("seed", seed, minimum=0)
    q = require_in_range("q", q, 0.0, 100.0, closed=(True, True))
    index_sets = _index_sets(groups, oracle.shape[1])
    kw = dict(bins=bins, eps=eps, clip=clip, direction=direction)
    full = klom_by_group(oracle, unlearned, index_sets, q=q, **kw)
    rng = np.random.default_rng(seed)
    boot = {name: np.empty(n_bootstrap) for name in index_sets}
    for b in range(n_bootstrap):
        values = klom(oracle[rng.integers(0, oracle.shape[0], oracle.shape[0])],
                      unlearned[rng.integers(0, unlearned.shape[0], unlearned.shape[0])], **kw)
        for name, idx in index_sets.items():
            boot[name][b] = np.percentile(values[idx], q)
    tail = 100 * (1 - confidence) / 2

    def ends(name: str) -> tuple[float, float]:
        if not n_bootstrap:
            return float("nan"), float("nan")
        low, high = float(np.percentile(boot[name], tail)), float(np.percentile(boot[name], 100 - tail))
        if interval == "percentile":
            return low, high
        middle = float(np.median(boot[name]))
        return min(full[name], max(0.0, full[name] - (middle - low))), full[name] + (high - middle)

    entries = tuple(GroupKlom(name, int(idx.size), full[name], *ends(name)) for name, idx in index_sets.items())
    return KlomSummary(groups=entries, q=q, direction=direction, n_oracle=oracle.shape[0],
                       n_unlearned=unlearned.shape[0], n_bootstrap=n_bootstrap, confidence=confidence,
                       seed=seed, bins=bins, eps=eps, clip=clip, interval=interval)
