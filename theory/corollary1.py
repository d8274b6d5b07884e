r"""Corollary 1 [paper]: with vanishing ridge, pretraining reaches the oracle while DA runs away from it.

Statement. Fix |R|, |F|, |R_j| and put α = |F|/|R| (an axis represented in F as in D; in a one-axis data set
this is forced). As λ → 0,

    |w_j^D − w_j^R| → 0        and        |w_j^R − w_j^DA| → ∞,  growing like ln(1/λ) − ln ln(1/λ).

Here in fact |w^D − w^R| = 0 for every λ (z_D = z_R at α = |F|/|R|), w^DA = W(0) = 0, and with c = |R_j|/|R|

    |w^R − w^DA| = W_0(c/λ) = ln(1/λ) − ln ln(1/λ) + ln c + o(1).

Proof (steps checked by :func:`proof_steps`), x = c/λ → ∞:

1. at α = |F|/|R|: z_D − z_R = 0 and z_DA = 0;
2. y = ln x − ln ln x has y e^y = x(1 − ln ln x/ln x) ≤ x for x ≥ e, so W_0(x) ≥ y (W_0 increasing);
3. for δ > 0, (y+δ)e^{y+δ}/x → e^δ > 1, so W_0(x) ≤ y + δ eventually: W_0(x) − y → 0;
4. [ln(c/λ) − ln ln(c/λ)] − [ln(1/λ) − ln ln(1/λ)] → ln c, and ln(1/λ) − ln ln(1/λ) → ∞.

The numerical sweep also checks the sharper bounds of Hoorfar & Hassani (2008, Thm 2.7), for x ≥ e:
½·ln ln x/ln x ≤ W_0(x) − (ln x − ln ln x) ≤ e/(e−1)·ln ln x/ln x.

Floating point: α = |F|/|R| must be exact (α|R| = |F| in binary), else w^DA picks up W(1e-16·|R_j|/(λ|R|)),
which is large for tiny λ (Lemma 2's z_DA is ill-conditioned in α there); :func:`balanced_ratio` enforces it.

References: A. Hoorfar, M. Hassani, "Inequalities on the Lambert W function and hyperpower function",
J. Inequal. Pure Appl. Math. 9(2), art. 51 (2008).

>>> gap_d, gap_da = gaps(800, 200, 50, 1e-100)
>>> gap_d, round(gap_da, 4), round(growth_rate(1e-100) + math.log(50 / 800), 4)
(0.0, 222.0829, 222.0467)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ascent_fails.theory import axis_parameters, closed_form, closed_form_mp, rounding
from ascent_fails.theory.closed_form_symbolic import SymbolicStep
from ascent_fails.validate import require_in_range

__all__ = [
    "balanced_ratio",
    "gaps",
    "gaps_mp",
    "growth_rate",
    "lambert_remainder_bounds",
    "lambert_remainder_bounds_log",
    "RidgeSweep",
    "ridge_sweep",
    "proof_steps",
]


def balanced_ratio(n_retain: Any, n_forget: Any) -> Any:
    """α = |F|/|R|, required to be exact in binary (α|R| = |F|), e.g. |R| = 800, |F| = 200.

    >>> balanced_ratio(900, 100)
    Traceback (most recent call last):
    ...
    ValueError: n_forget/n_retain = 100.0/900.0 is not exact in floating point (α|R| - |F| = -5.55e-15); ...
    """
    alpha = closed_form.regime_boundary_2(n_retain, n_forget)
    excess = np.asarray(closed_form.retain_excess(n_retain, n_forget, alpha))
    if np.any(excess != 0):
        i = np.flatnonzero(excess)[0]
        r, f = np.broadcast_arrays(np.asarray(n_retain, dtype=float), np.asarray(n_forget, dtype=float))
        raise ValueError(
            f"n_forget/n_retain = {f.flat[i]}/{r.flat[i]} is not exact in floating point "
            f"(α|R| - |F| = {-excess.flat[i]:.3g}); w^DA at α = |F|/|R| would carry an error ~1e-16·|R_j|/(λ|R|): "
            "choose sizes with a dyadic ratio"
        )
    return alpha


def gaps(n_retain: Any, n_forget: Any, n_retain_axis: Any, ridge: Any) -> tuple[Any, Any]:
    """(|w^D − w^R|, |w^R − w^DA|) at α = |F|/|R| from Lemma 2's closed forms (float path, vectorised)."""
    alpha = balanced_ratio(n_retain, n_forget)
    w_d, w_r, w_da = closed_form.stationary_weights(n_retain, n_forget, n_retain_axis, alpha, ridge)
    return axis_parameters.scalar_or_array(np.abs(w_d - w_r)), axis_parameters.scalar_or_array(np.abs(w_r - w_da))


def gaps_mp(n_retain: Any, n_forget: Any, n_retain_axis: Any, ridge: Any, dps: int = 50) -> tuple[Any, Any]:
    """:func:`gaps` from :func:`theory.closed_form_mp.stationary_points_mp` (α = |F|/|R| exact, see module docstring)."""
    alpha = balanced_ratio(n_retain, n_forget)
    p = closed_form_mp.stationary_points_mp(n_retain, n_forget, n_retain_axis, alpha, ridge, dps=dps)
    with mpmath.workdps(dps):
        return abs(p.pretrained - p.oracle), abs(p.oracle - p.descent_ascent)


def growth_rate(ridge: Any) -> Any:
    """ln(1/λ) − ln ln(1/λ), the growth of |w^R − w^DA| as λ → 0 (λ < 1, so that ln ln(1/λ) is defined)."""
    lam = require_in_range("ridge", ridge, 0.0, 1.0, symbol="λ; Corollary 1 takes λ → 0")
    inv = -np.log(lam)
    return axis_parameters.scalar_or_array(inv - np.log(inv))


def lambert_remainder_bounds(argument: Any) -> tuple[Any, Any]:
    """(½, e/(e−1)) × ln ln x/ln x: bounds on W_0(x) − (ln x − ln ln x) for x ≥ e (Hoorfar & Hassani 2008)."""
    x = require_in_range("argument", argument, math.e, math.inf, closed=(True, False), symbol="x = |R_j|/(λ|R|) >= e")
    return lambert_remainder_bounds_log(np.log(x))


def lambert_remainder_bounds_log(log_argument: Any) -> tuple[Any, Any]:
    """:func:`lambert_remainder_bounds` from L = ln x ≥ 1 (x beyond the float range allowed: λ down to 2.2e-308)."""
    log_x = require_in_range("log_argument", log_argument, 1.0, math.inf, closed=(True, False), symbol="ln x >= 1")
    rate = np.log(log_x) / log_x
    return axis_parameters.scalar_or_array(0.5 * rate), axis_parameters.scalar_or_array(math.e / (math.e - 1) * rate)


@dataclass(frozen=True)
class RidgeSweep:
    """Corollary 1 evaluated along decreasing ridges (float path); arrays have the shape of ``ridges``."""

    ridges: np.ndarray  # λ, strictly decreasing
    forget_ratio_axis: float  # α used (|F|/|R| for the corollary; anything else is a perturbation)
    pretrained_oracle_gap: np.ndarray  # |w^D − w^R|, 0 up to rounding at α = |F|/|R|
    oracle_da_gap: np.ndarray  # |w^R − w^DA|
    slack: np.ndarray  # rounding slack of the gap comparison
    remainder: np.ndarray  # |w^R − w^DA| − (ln x − ln ln x), x = |R_j|/(λ|R|); NaN where x < e
    remainder_low: np.ndarray  # Hoorfar–Hassani lower bound; NaN where x < e
    remainder_high: np.ndarray  # Hoorfar–Hassani upper bound; NaN where x < e

    def __post_init__(self) -> None:
        if self.ridges.ndim != 1 or np.any(np.diff(self.ridges) >= 0):
            raise ValueError("ridges must be a strictly decreasing 1-D array (λ → 0)")

    def gap_vanishes(self) -> np.ndarray:
        """|w^D − w^R| ≤ rounding slack at each λ."""
        return self.pretrained_oracle_gap <= self.slack

    def gap_grows(self) -> bool:
        """|w^R − w^DA| strictly increases as λ decreases (an infinite gap, i.e. divergence, counts as not growing)."""
        return bool(np.all(np.isfinite(self.oracle_da_gap)) and np.all(np.diff(self.oracle_da_gap) > 0))

    def remainder_within_bounds(self) -> np.ndarray:
        """Hoorfar–Hassani bounds hold (up to rounding) wherever x ≥ e; True where x < e (no claim there)."""
        tol = rounding.rounding_slack(self.oracle_da_gap)
        inside = (self.remainder >= self.remainder_low - tol) & (self.remainder <= self.remainder_high + tol)
        return np.where(np.isnan(self.remainder), True, inside)

    def holds(self) -> bool:
        """All three numerical consequences of Corollary 1 hold along the sweep."""
        return bool(np.all(self.gap_vanishes())) and self.gap_grows() and bool(np.all(self.remainder_within_bounds()))


def ridge_sweep(
    n_retain: float, n_forget: float, n_retain_axis: float, ridges: Any, forget_ratio_axis: float | None = None
) -> RidgeSweep:
    """Evaluate Corollary 1 along ``ridges`` (decreasing); ``forget_ratio_axis=None`` means α = |F|/|R| exactly."""
    alpha = balanced_ratio(n_retain, n_forget) if forget_ratio_axis is None else forget_ratio_axis
    lam = np.asarray(ridges, dtype=float)
    w_d, w_r, w_da = closed_form.stationary_weights(n_retain, n_forget, n_retain_axis, alpha, lam)
    log_x = np.asarray(closed_form.oracle_log_argument(n_retain, n_retain_axis, lam))  # ln x, x = |R_j|/(λ|R|)
    big = log_x >= 1
    log_x = np.where(big, log_x, 1.0)
    low, high = lambert_remainder_bounds_log(log_x)
    gap_da = np.abs(w_r - w_da)
    nan = np.full(lam.shape, np.nan)
    return RidgeSweep(
        ridges=lam,
        forget_ratio_axis=float(alpha),
        pretrained_oracle_gap=np.abs(w_d - w_r),
        oracle_da_gap=gap_da,
        slack=rounding.rounding_slack(w_d, w_r),
        remainder=np.where(big, gap_da - (log_x - np.log(log_x)), nan),
        remainder_low=np.where(big, low, nan),
        remainder_high=np.where(big, high, nan),
    )


@functools.lru_cache(maxsize=1)
def proof_steps() -> tuple[SymbolicStep, ...]:
    """SymPy: steps 1–4 of the module docstring (limits by ``sympy.limit``)."""
    r, f, rj, lam, x, delta, c = sp.symbols("R F R_j lambda x delta c", positive=True)
    alpha = f / r
    z_gap = sp.simplify((1 + alpha) * rj / (lam * (r + f)) - rj / (lam * r))
    z_da = sp.simplify((1 - alpha * r / f) * rj / (lam * r))
    y = sp.log(x) - sp.log(sp.log(x))
    lower = sp.simplify(y * sp.exp(y) - x * (1 - sp.log(sp.log(x)) / sp.log(x)))
    upper = sp.limit(sp.simplify((y + delta) * sp.exp(y + delta) / x), x, sp.oo)
    rate = sp.log(1 / lam) - sp.log(sp.log(1 / lam))
    offset = sp.limit(rate.subs(lam, lam / c) - rate, lam, 0, "+")  # x = c/λ
    grows = sp.limit(rate, lam, 0, "+")
    return (
        SymbolicStep(
            "balanced_axis",
            "α = |F|/|R|: z_D − z_R = 0 and z_DA = 0, so w^D = w^R and w^DA = W(0) = 0",
            f"z_D − z_R = {z_gap}; z_DA = {z_da}; W(0) = {sp.LambertW(z_da)}",
            z_gap == 0 and z_da == 0 and sp.LambertW(z_da) == 0,
        ),
        SymbolicStep(
            "lower_bound",
            "y = ln x − ln ln x: y e^y = x(1 − ln ln x/ln x) ≤ x for x ≥ e, so W_0(x) ≥ y",
            f"residual {lower}",
            lower == 0,
        ),
        SymbolicStep(
            "upper_bound",
            "lim_{x→∞} (y+δ)e^{y+δ}/x = e^δ > 1, so W_0(x) ≤ y + δ for large x",
            f"limit {upper}",
            sp.simplify(upper - sp.exp(delta)) == 0,
        ),
        SymbolicStep(
            "growth_rate",
            "[ln(c/λ) − ln ln(c/λ)] − [ln(1/λ) − ln ln(1/λ)] → ln c "
            "and ln(1/λ) − ln ln(1/λ) → ∞ as λ → 0+",
            f"offset limit {offset}; rate limit {grows}",
            sp.simplify(offset - sp.log(c)) == 0 and grows == sp.oo,
        ),
    )
