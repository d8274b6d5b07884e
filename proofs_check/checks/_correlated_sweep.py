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
           "fail_if_empty", "twin_values", "twin_gap", "TWIN_TOL", "mp_residual", "EXTREME_SPOTS", "twin_mp"]

SEED = 20250926  # seed of every sweep of the correlated-model checks
N_SWEEP = 20_000  # points per property sweep
N_SPOT = 9  # high-precision spot points per lemma: 5 seeded moderate ones + the 4 extremes of EXTREME_SPOTS
#: (ε, α, |D|, |F|/|D|, r, λ) of the hard corners: ε near 0 and 1, small ridge (b = r/(λ|D|) up to 1e3)
EXTREME_SPOTS = ((1e-3, 0.3, 1e4, 0.1, 100.0, 1e-4), (0.999, 0.05, 1e4, 0.3, 100.0, 1e-4),
                 (0.01, 0.8, 1e5, 0.05, 10.0, 1e-3), (0.99, 0.002, 1e3, 0.5, 50.0, 1e-2))
DPS = 50  # mpmath digits
ROUNDING = 1e-10  # relative slack allowed for float rounding in a margin
TWIN_TOL = 1e-9  # relative gap allowed between a SymPy twin (lambdified) and its float function


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
    """Spot points (ε, α ≤ 1, sizes) for the mpmath checks: 5 seeded ones of moderate scale (ε ∈ [0.1, 0.9],
    λ ∈ [1e-2, 1]) and the hard corners :data:`EXTREME_SPOTS` (ε = 0.001 and 0.999, λ down to 1e-4)."""
    rng = np.random.default_rng(SEED + 1)
    out = []
    for _ in range(N_SPOT - len(EXTREME_SPOTS)):
        sizes = cm.CorrelatedSizes(float(10 ** rng.uniform(3, 5)), float(rng.uniform(0.05, 0.5)),
                                   float(rng.uniform(10, 200)), float(10 ** rng.uniform(-2, 0)))
        out.append((float(rng.uniform(0.1, 0.9)), float(10 ** rng.uniform(-2, 0)), sizes))
    for eps, alpha, n_total, frac, group, ridge in EXTREME_SPOTS:
        out.append((eps, alpha, cm.CorrelatedSizes(n_total, frac, group, ridge)))
    return out


def relative(bound_minus_value: Any, value: Any) -> np.ndarray:
    """(bound − value)/(1 + |value|): a margin that is scale-free for large values and absolute near 0."""
    return np.asarray(bound_minus_value) / (1 + np.abs(value))


def _mp_system(model: str, eps: float, alpha: float, sizes: cm.CorrelatedSizes):
    """The stationarity system of ``model`` at the working precision, written from the docstring of
    :mod:`theory.correlated_model` (not from its float code); returns (F, (b, p, q, ε, α))."""
    e, a = mpmath.mpf(eps), mpmath.mpf(alpha)
    b = mpmath.mpf(sizes.group_size) / (mpmath.mpf(sizes.ridge) * sizes.n_total)
    p = b / (1 - mpmath.mpf(sizes.forget_fraction))
    q = a * b / mpmath.mpf(sizes.forget_fraction)
    cx, cy = {"original": (b, b * a), "oracle": (p, 0), "diff_ascent": (p, -q)}[model]

    def f(x, y):
        return [x - cx * (1 + e**2) * mpmath.exp(-x) - 2 * cy * e * mpmath.exp(-y),
                y - 2 * cx * e * mpmath.exp(-x) - cy * (1 + e**2) * mpmath.exp(-y)]

    return f, (b, p, q, e, a)


def mp_residual(model: str, eps: float, alpha: float, sizes: cm.CorrelatedSizes, x: Any, y: Any) -> list:
    """The two residuals of the stationarity system at (X, Y), at DPS digits."""
    with mpmath.workdps(DPS):
        f, _ = _mp_system(model, eps, alpha, sizes)
        return f(mpmath.mpf(x), mpmath.mpf(y))


def mp_root(model: str, eps: float, alpha: float, sizes: cm.CorrelatedSizes, start: tuple[float, float]):
    """Root of the stationarity system at DPS digits (mpmath Newton from ``start``) and its residual."""
    with mpmath.workdps(DPS):
        f, consts = _mp_system(model, eps, alpha, sizes)
        root = mpmath.findroot(f, [mpmath.mpf(start[0]), mpmath.mpf(start[1])])
        x, y = root[0], root[1]
        return x, y, max(abs(v) for v in f(x, y)), consts


def fail_if_empty(kind: str, n: int) -> Evidence | None:
    """A failed :class:`Evidence` when a sweep left nothing to check (an empty check must not pass)."""
    return None if n else Evidence(kind, False, "the sweep produced no admissible point; nothing was checked")


def twin_values(keys: tuple[str, ...], eps: Any, alpha: Any, sizes: cm.CorrelatedSizes) -> dict[str, np.ndarray]:
    """The SymPy twins :func:`theory.correlated_model.sympy_formulas` ``keys``, lambdified (W_0 from SciPy) and
    evaluated at (ε, α, sizes): the numbers a float formula of the module must reproduce."""
    import sympy as sp
    from scipy.special import lambertw

    formulas = cm.sympy_formulas()
    symbols = formulas["symbols"]
    args = (np.asarray(eps, dtype=float), np.asarray(alpha, dtype=float), np.asarray(sizes.scale_original),
            np.asarray(sizes.forget_fraction, dtype=float))
    out = {}
    with np.errstate(all="ignore"):
        for key in keys:
            fn = sp.lambdify(symbols, formulas[key], modules=[{"LambertW": lambda z: lambertw(z).real}, "numpy"])
            out[key] = np.broadcast_to(np.asarray(fn(*args), dtype=float), np.broadcast_shapes(*map(np.shape, args)))
    return out


def twin_gap(twin: Any, value: Any) -> float:
    """Largest relative gap |twin − value|/max(|value|, 1e-300) (equal infinities count as agreement; an infinity
    on one side only, or a NaN on either, as an infinite gap)."""
    t, v = np.broadcast_arrays(np.asarray(twin, dtype=float), np.asarray(value, dtype=float))
    same_inf = np.isinf(t) & (t == v)
    with np.errstate(all="ignore"):
        gap = np.where(same_inf, 0.0, np.abs(t - v) / np.maximum(np.abs(v), 1e-300))
    gap = np.where(np.isnan(gap), np.inf, gap)
    return float(gap.max(initial=0.0))


def twin_mp(key: str, eps: float, alpha: float, sizes: cm.CorrelatedSizes):
    """The SymPy twin ``key`` of :func:`theory.correlated_model.sympy_formulas` evaluated by mpmath at DPS digits
    (principal-branch W_0) at one point: the library's own formula, at high precision."""
    import sympy as sp

    formulas = cm.sympy_formulas()
    fn = sp.lambdify(formulas["symbols"], formulas[key], modules=[{"LambertW": lambda z: mpmath.re(mpmath.lambertw(z))},
                                                                   "mpmath"])
    with mpmath.workdps(DPS):
        b = mpmath.mpf(sizes.group_size) / (mpmath.mpf(sizes.ridge) * mpmath.mpf(sizes.n_total))
        return fn(mpmath.mpf(eps), mpmath.mpf(alpha), b, mpmath.mpf(sizes.forget_fraction))
