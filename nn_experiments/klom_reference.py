"""KLoM by the plain per-point loop of the reference pipeline: the slow path the tests hold :func:`klom` to.

For each point: clip, take the joint range, ``np.linspace`` edges, ``np.digitize`` both samples, drop indices 0
and bins + 1 (the reference's quirk at the joint maximum, :mod:`~ascent_fails.nn_experiments.klom`), floor Q at
eps where P > 0 and hand both histograms to ``scipy.stats.entropy``. It shares no arithmetic with the
vectorised :func:`~ascent_fails.nn_experiments.klom.klom`, only the checking of its arguments.

>>> import numpy as np
>>> oracle, unlearned = np.array([[0.0], [0.1], [0.2]]), np.array([[9.9], [10.0], [10.0]])
>>> round(float(klom_reference(oracle, unlearned)[0]), 4)   # disjoint: about ln(1/eps)
11.5129
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ascent_fails.nn_experiments.klom import validated_inputs

__all__ = ["klom_reference"]


def klom_reference(oracle_margins: Any, unlearned_margins: Any, *, bins: int = 20, eps: float = 1e-5,
                   clip: tuple[float, float] = (-100.0, 100.0), direction: str = "oracle_unlearned") -> np.ndarray:
    """The same quantity as :func:`klom`, by a plain loop over points (slow; for tests and benchmarks)."""
    from scipy.stats import entropy

    oracle, unlearned, bins, eps, clip = validated_inputs(oracle_margins, unlearned_margins, bins, eps, clip,
                                                          direction)
    values = np.empty(oracle.shape[1])
    for point in range(oracle.shape[1]):
        a = np.clip(oracle[:, point], *clip)
        b = np.clip(unlearned[:, point], *clip)
        lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
        if lo >= hi:
            hi = lo + 1.0
        edges = np.linspace(lo, hi, bins + 1)
        counts_a = np.bincount(np.digitize(a, edges), minlength=bins + 2)[1:bins + 1]
        counts_b = np.bincount(np.digitize(b, edges), minlength=bins + 2)[1:bins + 1]
        if direction == "unlearned_oracle":
            counts_a, counts_b = counts_b, counts_a
        p = counts_a / counts_a.sum() if counts_a.sum() > 0 else np.zeros(bins)
        q = counts_b / counts_b.sum() if counts_b.sum() > 0 else np.zeros(bins)
        q = np.where(p > 0, np.maximum(q, eps), q)
        values[point] = entropy(p, q) if p.sum() > 0 else 0.0
    return values
