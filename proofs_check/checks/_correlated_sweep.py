"""The seeded sweeps and spot points behind the correlated-model checks (Section 5.1.2, Lemmas 6–10, 12).

Every property sweep is seeded (:data:`SEED`) and draws :data:`N_SWEEP` points: ε ~ U(0.01, 0.99), |D|
log-uniform in [1e2, 1e6], |F|/|D| ~ U(0.01, 0.9), r log-uniform in [1, |R|], λ log-uniform in [1e-4, 1e2]
(so b = r/(λ|D|) spans about 1e-8 … 1e4), and α as each lemma's hypothesis allows (from :attr:`Sweep.u`).
Margins are relative, (bound − value)/(1 + |value|) (:func:`relative`); float rounding is tolerated down to
−:data:`ROUNDING`. The high-precision checks solve the stationarity systems at :data:`DPS` digits from
:func:`spots` (:func:`mp_root`), independently of the float solvers of :mod:`numerics.correlated_solvers`.

>>> sw = sweep(n=4)
>>> sw.eps.shape, bool(((0.01 <= sw.eps) & (sw.eps <= 0.99)).all())
((4,), True)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import mpmath
import numpy as np

from ascent_fails.proofs_check.registry import Evidence
from ascent_fails.theory import correlated_model as cm

__all__ = ["SEED", "N_SWEEP", "N_SPOT", "DPS", "ROUNDING", "Sweep", "sweep", "spots", "relative", "mp_root",
           "fail_if_empty"]

SEED = 20250926  # seed of every sweep of the correlated-model checks
N_SWEEP = 20_000  # points per property sweep
N_SPOT = 5  # high-precision spot points per lemma
DPS = 50  # mpmath digits
ROUNDING = 1e-10  # relative slack allowed for float rounding in a margin


class Sweep(NamedTuple):
    eps: np.ndarray
    sizes: cm.CorrelatedSizes
    u: np.ndarray  # U(0, 1) draws used to place α inside each lemma's range


def sweep(n: int = N_SWEEP, seed: int = SEED) -> Sweep:
    """``n`` seeded draws of (ε, sizes) over the ranges of the module docstring, with one U(0, 1) draw each."""
    rng = np.random.default_rng(seed)
    eps = rng.uniform(0.01, 0.99, n)
    n_total = 10 ** rng.uniform(2, 6, n)
    frac = rng.uniform(0.01, 0.9, n)
    group = 10 ** rng.uniform(0, np.log10(n_total * (1 - frac)))
    ridge = 10 ** rng.uniform(-4, 2, n)
    return Sweep(eps, cm.CorrelatedSizes(n_total, frac, group, ridge), rng.uniform(0, 1, n))


def spots() -> list[tuple[float, float, cm.CorrelatedSizes]]:
    """Seeded spot points (ε, α ≤ 1, sizes) of moderate scale for the mpmath checks."""
    rng = np.random.default_rng(SEED + 1)
    out = []
    for _ in range(N_SPOT):
        sizes = cm.CorrelatedSizes(float(10 ** rng.uniform(3, 5)), float(rng.uniform(0.05, 0.5)),
                                   float(rng.uniform(10, 200)), float(10 ** rng.uniform(-2, 0)))
        out.append((float(rng.uniform(0.1, 0.9)), float(10 ** rng.uniform(-2, 0)), sizes))
    return out


def relative(bound_minus_value: Any, value: Any) -> np.ndarray:
    """(bound − value)/(1 + |value|): a margin that is scale-free for large values and absolute near 0."""
    return np.asarray(bound_minus_value) / (1 + np.abs(value))


def mp_root(model: str, eps: float, alpha: float, sizes: cm.CorrelatedSizes, start: tuple[float, float]):
    """Root of the stationarity system at DPS digits (mpmath Newton from ``start``) and its residual."""
    with mpmath.workdps(DPS):
        e, a = mpmath.mpf(eps), mpmath.mpf(alpha)
        b = mpmath.mpf(sizes.group_size) / (mpmath.mpf(sizes.ridge) * sizes.n_total)
        p = b / (1 - mpmath.mpf(sizes.forget_fraction))
        q = a * b / mpmath.mpf(sizes.forget_fraction)
        cx, cy = {"original": (b, b * a), "oracle": (p, 0), "diff_ascent": (p, -q)}[model]

        def f(x, y):
            return [x - cx * (1 + e**2) * mpmath.exp(-x) - 2 * cy * e * mpmath.exp(-y),
                    y - 2 * cx * e * mpmath.exp(-x) - cy * (1 + e**2) * mpmath.exp(-y)]

        root = mpmath.findroot(f, [mpmath.mpf(start[0]), mpmath.mpf(start[1])])
        x, y = root[0], root[1]
        return x, y, max(abs(v) for v in f(x, y)), (b, p, q, e, a)


def fail_if_empty(kind: str, n: int) -> Evidence | None:
    """A failed :class:`Evidence` when a sweep left nothing to check (an empty check must not pass)."""
    return None if n else Evidence(kind, False, "the sweep produced no admissible point; nothing was checked")
