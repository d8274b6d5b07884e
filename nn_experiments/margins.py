"""The margin of a model on a labelled point: the per-model quantity whose distribution KLoM compares.

For a model with logits z ∈ R^C on (x, y) (docs/experiments.md#margins),

    margin = z_y − log Σ_{k≠y} exp z_k = log(p_y / (1 − p_y)),   p = softmax(z),

computed in float64 from the logits (the second form overflows where p_y rounds to 1; the first does not).

>>> import math
>>> z = torch.tensor([[[2.0, 0.0, 0.0]]])   # one model, one point, three classes
>>> round(float(margins_from_logits(z, torch.tensor([0]))), 6) == round(2 - math.log(2), 6)
True
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ascent_fails.nn_experiments.ensemble import Ensemble, as_tensor

__all__ = ["margins_from_logits", "margins"]


def margins_from_logits(logits: Tensor, y: Tensor) -> Tensor:
    """``z_y − logsumexp_{k≠y} z_k`` in float64 for logits ``[N, P, C]`` and labels ``[P]`` → ``[N, P]``.

    >>> z = torch.tensor([[[1000.0, -1000.0]]])   # two classes: exactly z_y − z_other, no overflow
    >>> float(margins_from_logits(z, torch.tensor([0])))
    2000.0
    """
    z = logits.to(torch.float64)
    labels = torch.as_tensor(y, dtype=torch.long, device=z.device)
    index = labels.view(1, -1, 1).expand(z.shape[0], -1, 1)  # [N, P, 1]
    correct = z.gather(2, index).squeeze(2)  # [N, P]
    others = z.scatter(2, index, float("-inf"))  # exclude the true class from the log-sum-exp
    return correct - torch.logsumexp(others, dim=2)


def margins(ensemble: Ensemble, x: Tensor | np.ndarray, y: Tensor | np.ndarray, batch_size: int = 1024) -> Tensor:
    """Margins of every model on every point (the module docstring), eval mode, float64, on CPU: ``[N, P]``."""
    labels = as_tensor(y, torch.long)
    if labels.shape != (len(x),):
        raise ValueError(f"y has shape {tuple(labels.shape)}; it must be [{len(x)}] like x's first axis")
    return margins_from_logits(ensemble.logits(x, batch_size), labels).cpu()
