"""Scoring one ensemble against the oracles: the points, the forward pass, KLoM and accuracy per group.

Every ensemble of a sweep is scored on the same points, the training set then the validation set
(:class:`EvaluationPoints`); a forget set F splits them into the groups forget (F), retain (R = train \\ F) and
validation. :func:`score_margins` gives the 95th-percentile KLoM of each group against the oracle ensemble
(docs/glossary.md, "KLoM") and the mean accuracy of each group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["EvaluationPoints", "score_margins", "evaluate"]


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
