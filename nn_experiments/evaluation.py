"""Scoring one ensemble against the oracles: the points, the forward pass, KLoM and accuracy per group.

Every ensemble of a sweep is scored on the same points, the training set then the validation set
(:class:`EvaluationPoints`); a forget set F splits them into the groups forget (F), retain (R = train \\ F) and
validation. :func:`score_margins` gives the 95th-percentile KLoM of each group against the oracle ensemble
(docs/glossary.md, "KLoM") and the mean accuracy of each group; :func:`score_snapshot` adds what results.json
carries beside them: a bootstrap interval over models for each group's 95th percentile
(:func:`~ascent_fails.nn_experiments.klom_groups.group_summary`, ``SNAPSHOT_BOOTSTRAP`` resamples) and the
blind-spot flags of :func:`blind_spot_flags` (docs/experiments.md#blind-spot-flags).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["EvaluationPoints", "score_margins", "score_snapshot", "blind_spot_flags", "evaluate", "SNAPSHOT_BOOTSTRAP",
           "SNAPSHOT_CONFIDENCE", "COLLAPSE_SAMPLE_SHARE", "COLLAPSE_POINT_SHARE", "SPREAD_FACTOR"]

# Bootstrap resamples behind every snapshot's interval: 50 keeps a quick sweep's ~720 snapshots at ~0.3 s each
# (klom of 100 + 100 models × 1,797 points ≈ 5.5 ms per resample on one core; bench/bench_snapshot_scoring.py);
# the 2.5/97.5 % ends of 50 resamples are coarse (between the 1st and 2nd order statistics), which is why verdicts
# compare interval with interval (claims.py), never a point with an interval end.
SNAPSHOT_BOOTSTRAP = 50
SNAPSHOT_CONFIDENCE = 0.95
# Blind-spot thresholds, fixed before looking at any sweep (docs/experiments.md#blind-spot-flags):
COLLAPSE_SAMPLE_SHARE = 0.5  # a point is collapsed when > 50 % of the unlearned margins sit at the joint max or a clip end
COLLAPSE_POINT_SHARE = 0.05  # a group collapses when > 5 % of its points are collapsed (> its 95th percentile's 5 % tail)
SPREAD_FACTOR = 5.0  # a group spreads when its median per-point range ratio unlearned / oracle exceeds 5


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


def blind_spot_flags(oracle_margins: np.ndarray, margins: np.ndarray, groups: Mapping[str, np.ndarray], *,
                     clip: tuple[float, float] = (-100.0, 100.0)) -> dict[str, Any]:
    """Where KLoM cannot be trusted for this ensemble (the reference's blind spots, docs/experiments.md#blind-spot-flags).

    With a and b the oracle and unlearned margins of a point, clipped to ``clip`` as KLoM clips them:

    * *collapse*: share of b at the joint maximum max(a ∪ b) (dropped by KLoM's binning) or at a clip end.
      A point is collapsed when that share exceeds ``COLLAPSE_SAMPLE_SHARE``; a group collapses when more than
      ``COLLAPSE_POINT_SHARE`` of its points do. All margins clipped to +100 score KLoM 0 ("perfect").
    * *spread*: ratio of ranges (max − min of b) / (max − min of a) per point; a group spreads when the median
      ratio exceeds ``SPREAD_FACTOR``. Widely spread margins put the oracle's samples in one or two wide bins
      where the unlearned ensemble also has mass, and KLoM can fall below the noise floor.

    Two ensembles from one distribution have one sample per point at the joint maximum (share ≤ 1/N) and a
    range ratio near 1, so neither flag fires (tests/nn_experiments/test_blind_spots.py checks the rate).
    Returns ``{"collapsed": bool, "spread": bool, "collapsed_share": {group: share of collapsed points},
    "range_ratio": {group: median ratio}}``.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> oracle = rng.normal(size=(50, 20))
    >>> groups = {"forget": np.arange(5), "retain": np.arange(5, 20)}
    >>> blind_spot_flags(oracle, np.full((50, 20), 1e9), groups)["collapsed"]   # every margin at the clip
    True
    >>> blind_spot_flags(oracle, rng.normal(size=(50, 20)), groups)["collapsed"]
    False
    """
    lo, hi = float(clip[0]), float(clip[1])
    a = np.clip(np.asarray(oracle_margins, dtype=np.float64), lo, hi)
    b = np.clip(np.asarray(margins, dtype=np.float64), lo, hi)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"oracle_margins {a.shape} and margins {b.shape} must be [N, P] with the same P")
    joint_max = np.maximum(a.max(0), b.max(0))
    stuck = ((b == joint_max) | (b <= lo) | (b >= hi)).mean(0) > COLLAPSE_SAMPLE_SHARE  # [P]
    range_a = a.max(0) - a.min(0)
    range_b = b.max(0) - b.min(0)
    # a constant oracle (range 0) with any spread of b is infinitely spread; both constant: ratio 1
    ratio = np.where(range_a > 0, range_b / np.where(range_a > 0, range_a, 1.0), np.where(range_b > 0, np.inf, 1.0))
    collapsed_share = {g: float(stuck[idx].mean()) for g, idx in groups.items()}
    range_ratio = {g: float(np.median(ratio[idx])) for g, idx in groups.items()}
    return {
        "collapsed": any(v > COLLAPSE_POINT_SHARE for v in collapsed_share.values()),
        "spread": any(v > SPREAD_FACTOR for v in range_ratio.values()),
        "collapsed_share": collapsed_share,
        "range_ratio": {g: (v if np.isfinite(v) else 1e300) for g, v in range_ratio.items()},  # JSON has no inf
    }


def score_snapshot(oracle_margins: np.ndarray, margins: np.ndarray, correct: np.ndarray,
                   groups: Mapping[str, np.ndarray], *, bins: int, eps: float, direction: str,
                   n_bootstrap: int = SNAPSHOT_BOOTSTRAP, seed: int = 0) -> dict[str, Any]:
    """The scores of one ensemble that a results.json row carries: ``klom_p95`` and ``accuracy`` (as
    :func:`score_margins`), ``klom_ci`` ({group: [low, high]}, the *centred* bootstrap interval over the models of
    both ensembles, ``n_bootstrap`` resamples seeded by ``seed``: it keeps the replicates' spread and removes the
    upward shift that duplicated models cause, see :func:`~ascent_fails.nn_experiments.klom_groups.group_summary`)
    and ``flags`` (:func:`blind_spot_flags`).
    """
    from ascent_fails.nn_experiments.klom_groups import group_summary

    summary = group_summary(oracle_margins, margins, groups, n_bootstrap=n_bootstrap, confidence=SNAPSHOT_CONFIDENCE,
                            seed=seed, bins=bins, eps=eps, direction=direction, interval="centred")
    return {
        "klom_p95": {g.group: g.value for g in summary.groups},
        "klom_ci": {g.group: [g.ci_low, g.ci_high] for g in summary.groups},
        "accuracy": {g: float(correct[:, idx].mean()) for g, idx in groups.items()},
        "flags": blind_spot_flags(oracle_margins, margins, groups),
    }


def evaluate(ensemble: Any, points: EvaluationPoints, batch_size: int = 2048) -> tuple[np.ndarray, np.ndarray]:
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
