r"""Lemma 2 (closed form) [paper]: the per-axis minimisers of L_D, L_R and L_DA are Lambert W values.

Setting (Section 5.1.1, Assumptions 1–2): a linear model with the exponential loss e^{−y⟨w, x⟩} and ridge
λ, data block diagonal over axes, every sample on axis j contributing e^{−w_j}. With |R_j| retain samples
and |F_j| = α|R_j| forget samples on axis j, and the *global* normalisers |D| = |R| + |F|, |R|, |F| of
L_D, L_R, L_DA, each objective restricted to axis j is

    L(w) = λ z e^{−w} + (λ/2) w²,       L'(w) = λ(w − z e^{−w}),       L''(w) = λ(1 + z e^{−w}),

so every stationary point solves λ w e^{w} = λ z, i.e. w = W(z), with the Lambert arguments

    z_D  = (1+α) |R_j| / (λ|D|)                          w_j^D  = W_0(z_D)         (pretrained)
    z_R  = |R_j| / (λ|R|)                                w_j^R  = W_0(z_R)         (oracle)
    z_DA = (1 − α|R|/|F|) |R_j| / (λ|R|)                 w_j^DA = W(z_DA)          (descent–ascent)

At a stationary point L'' = λ(1 + w): W_0 (≥ −1) is a local minimum and W_{−1} (≤ −1) a local maximum.
The DA axis objective has three regimes (it is unbounded below as w → −∞ whenever α > 0):

1. α ≤ α_2 = |F|/|R|               (z_DA ≥ 0):          one stationary point W_0(z_DA) ≥ 0, the minimum;
2. α_2 < α ≤ α_3 = α_2 + λ|F|/(e|R_j|)  (−1/e ≤ z_DA < 0): local minimum W_0(z_DA) ∈ [−1, 0),
   local maximum W_{−1}(z_DA) ≤ −1;
3. α > α_3                        (z_DA < −1/e):       no stationary point; DA diverges to −∞.

Paper symbols ↔ parameter names (:mod:`theory.axis_parameters`): |R| ``n_retain``, |F| ``n_forget``
(|D| = |R| + |F|), |R_j| ``n_retain_axis``, α ``forget_ratio_axis`` (|F_j| = α|R_j|), λ ``ridge``.

Floating point. z_DA is computed as (|F| − α|R|)·|R_j|/(λ|R||F|) with the product α|R| split exactly
(Dekker's two-product), so z_DA keeps a few ulps of *relative* accuracy even where 1 − α|R|/|F| cancels
(α near |F|/|R| with λ = 1e-12 puts |R_j|/(λ|R|) near 1e12, and a naive formula would lose 4 digits there).
The regime is read from the computed z_DA with the same tolerance :func:`theory.lambert.lambert_w` uses at −1/e:
arguments within a few ulps below −1/e count as the branch point (regime 2, w = −1), never as NaN. α is taken
as the float it is: fl(|F|/|R|) is |F|/|R| only if α|R| = |F| in binary (1/9 is not), and near α = |F|/|R|
w^DA ≈ z_DA is ill-conditioned in α (an ulp of α moves it by ~1e-16·|R_j|/(λ|R|)).

This module is the vectorised float path (:func:`pretrained_weight`, :func:`oracle_weight`,
:func:`descent_ascent_weight`, assembled by :func:`stationary_points`). Independent routes to the same numbers:
mpmath throughout (:mod:`theory.closed_form_mp`); root finding on L'(w) = 0 with arguments derived by SymPy
from the objectives and no Lambert W (:mod:`theory.stationary_roots`, the slow reference); and SymPy, which
checks that each closed form zeroes L' and that L'' = λ(1 + w) there (:mod:`theory.closed_form_symbolic`).

>>> p = stationary_points(n_retain=900, n_forget=100, n_retain_axis=50, forget_ratio_axis=0.05, ridge=0.01)
>>> p.regime, round(p.oracle, 6), round(p.pretrained, 6), round(p.descent_ascent, 6)
(1, 1.387381, 1.35467, 1.059327)
>>> abs(p.oracle * math.exp(p.oracle) - 50 / (0.01 * 900)) < 1e-12     # W e^W = z
True
>>> stationary_points(800, 200, 50, 0.25, 0.01).descent_ascent           # α = |F|/|R|: w^DA = 0
0.0
>>> stationary_points(900, 100, 50, 1 / 9, 0.01).descent_ascent < 1e-15  # the float 1/9 is not |F|/|R| exactly
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ascent_fails.theory import lambert
from ascent_fails.theory.axis_parameters import scalar_or_array, validate_parameters
from ascent_fails.validate import require_choice, require_finite

__all__ = [
    "StationaryPoints",
    "retain_excess",
    "pretrained_argument",
    "oracle_argument",
    "descent_ascent_argument",
    "pretrained_weight",
    "oracle_weight",
    "descent_ascent_weight",
    "descent_ascent_regime",
    "regime_boundary_2",
    "regime_boundary_3",
    "axis_gradient",
    "axis_curvature",
    "stationary_point_kind",
    "stationary_weights",
    "stationary_points",
]

# z_DA below this is regime 3. It is the floor below which lambert_w raises (same expression, same float), so
# an argument rounded a few ulps below −1/e is the branch point, w = −1, not NaN and not "diverges".
_REGIME_3_BELOW: float = lambert.BRANCH_FLOOR


@dataclass(frozen=True)
class StationaryPoints:
    """Stationary points of the three axis objectives (Lemma 2); floats, or mpmath numbers from the mp path."""

    pretrained: Any  # w_j^D = W_0(z_D), minimiser of L_D on axis j
    oracle: Any  # w_j^R = W_0(z_R), minimiser of L_R on axis j
    descent_ascent: Any  # w_j^DA: W_0(z_DA), the local minimum (regimes 1, 2); -inf in regime 3 (divergence)
    descent_ascent_maximum: Any | None  # W_{-1}(z_DA), the local maximum, in regime 2; None otherwise
    regime: int  # 1, 2 or 3 (module docstring)
    argument: Any  # z_DA

    def __post_init__(self) -> None:
        require_choice("regime", self.regime, (1, 2, 3))
        if (self.descent_ascent_maximum is None) != (self.regime != 2):
            raise ValueError(f"descent_ascent_maximum must be given exactly in regime 2, got regime {self.regime}")


def pretrained_argument(n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any) -> Any:
    """z_D = (1+α)|R_j|/(λ|D|), |D| = |R| + |F| (Lemma 2)."""
    r, f, rj, a, lam = validate_parameters(
        n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, forget_ratio_axis=forget_ratio_axis, ridge=ridge
    )
    return scalar_or_array((1 + a) * rj / (lam * (r + f)))


def oracle_argument(n_retain: Any, n_retain_axis: Any, ridge: Any) -> Any:
    """z_R = |R_j|/(λ|R|) (Lemma 2)."""
    r, rj, lam = validate_parameters(n_retain=n_retain, n_retain_axis=n_retain_axis, ridge=ridge)
    return scalar_or_array(rj / (lam * r))


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p = fl(a·b) and its rounding error e, a·b = p + e exactly (Dekker 1971, with Veltkamp's split)."""

    def split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = 134217729.0 * x  # 2^27 + 1: halves the 53-bit significand
        hi = c - (c - x)
        return hi, x - hi

    with np.errstate(over="ignore", invalid="ignore"):
        p = a * b
        a_hi, a_lo = split(a)
        b_hi, b_lo = split(b)
        e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    # beyond ~1e300 the split overflows; the correction is then below the resolution that matters
    return p, np.where(np.isfinite(e), e, 0.0)


def retain_excess(n_retain: Any, n_forget: Any, forget_ratio_axis: Any) -> Any:
    """|F| − α|R| to a few ulps of itself (α|R| split exactly): its sign is exact, 0 iff α = |F|/|R| exactly.

    >>> retain_excess(900, 100, 1 / 9)   # the float nearest 1/9 lies below 1/9
    5.551115123125783e-15
    """
    r, f, a = validate_parameters(n_retain=n_retain, n_forget=n_forget, forget_ratio_axis=forget_ratio_axis)
    product, error = _two_product(np.asarray(a), np.asarray(r))
    return scalar_or_array((f - product) - error)  # f − product is exact when the two are close (Sterbenz)


def descent_ascent_argument(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any
) -> Any:
    """z_DA = (1 − α|R|/|F|)|R_j|/(λ|R|) = (|F| − α|R|)|R_j|/(λ|R||F|) (Lemma 2), via :func:`retain_excess`."""
    r, f, rj, lam = validate_parameters(n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, ridge=ridge)
    excess = retain_excess(n_retain, n_forget, forget_ratio_axis)
    return scalar_or_array(excess * rj / (lam * r * f))


def _regime_of(argument: Any) -> np.ndarray:
    z = np.asarray(argument)
    return np.where(z >= 0, 1, np.where(z >= _REGIME_3_BELOW, 2, 3))


def descent_ascent_regime(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any
) -> Any:
    """Regime 1, 2 or 3 of the DA axis objective (module docstring); int for scalar input, int array otherwise.

    >>> descent_ascent_regime(900, 100, 50, [0.1, 0.112, 0.2], 0.01)
    array([1, 2, 3])
    """
    z = descent_ascent_argument(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)
    regime = _regime_of(z)
    return int(regime) if np.ndim(z) == 0 else regime


def pretrained_weight(n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any) -> Any:
    """w_j^D = W_0((1+α)|R_j|/(λ|D|)), the minimiser of L_D on axis j (Lemma 2)."""
    return lambert.lambert_w(pretrained_argument(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge), 0)


def oracle_weight(n_retain: Any, n_retain_axis: Any, ridge: Any) -> Any:
    """w_j^R = W_0(|R_j|/(λ|R|)), the minimiser of L_R on axis j (Lemma 2)."""
    return lambert.lambert_w(oracle_argument(n_retain, n_retain_axis, ridge), 0)


def descent_ascent_weight(
    n_retain: Any,
    n_forget: Any,
    n_retain_axis: Any,
    forget_ratio_axis: Any,
    ridge: Any,
    branch: Literal[0, -1] = 0,
) -> Any:
    """A stationary point of L_DA on axis j (Lemma 2): W_0(z_DA) (``branch=0``) or W_{−1}(z_DA) (``branch=-1``).

    ``branch=0`` is w_j^DA, the local minimum; it is −inf in regime 3, where L_DA has no stationary point and
    DA diverges to −∞ (the only non-finite value returned). ``branch=-1`` is the local maximum, which exists
    in regime 2 only; asking for it anywhere else raises ``ValueError`` (it does not exist there).

    >>> descent_ascent_weight(900, 100, 50, [0.05, 0.2], 0.01)
    array([1.05932732,       -inf])
    >>> descent_ascent_weight(900, 100, 50, 0.05, 0.01, branch=-1)
    Traceback (most recent call last):
    ...
    ValueError: branch=-1 (local maximum W_-1(z_DA)) exists only in regime 2 ...; 1 of 1 points are outside it
    """
    require_choice("branch", branch, (0, -1))
    z = descent_ascent_argument(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)
    regime = _regime_of(z)
    if branch == -1:
        outside = int(np.count_nonzero(regime != 2))
        if outside:
            raise ValueError(
                "branch=-1 (local maximum W_-1(z_DA)) exists only in regime 2 "
                f"(|F|/|R| < α <= |F|/|R| + λ|F|/(e|R_j|)); {outside} of {regime.size} points are outside it"
            )
        return lambert.lambert_w(z, -1)
    diverges = regime == 3
    w = lambert.lambert_w(np.where(diverges, 0.0, z), 0)
    return scalar_or_array(np.where(diverges, -np.inf, w))


def regime_boundary_2(n_retain: Any, n_forget: Any) -> Any:
    """α_2 = |F|/|R|: z_DA = 0 and w^DA = 0; above it the axis is over-represented in F (regime 2 starts)."""
    r, f = validate_parameters(n_retain=n_retain, n_forget=n_forget)
    return scalar_or_array(f / r)


def regime_boundary_3(n_retain: Any, n_forget: Any, n_retain_axis: Any, ridge: Any) -> Any:
    """α_3 = |F|/|R| + λ|F|/(e|R_j|): z_DA = −1/e; above it DA diverges (regime 3)."""
    r, f, rj, lam = validate_parameters(n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, ridge=ridge)
    return scalar_or_array(f / r + lam * f / (math.e * rj))


def axis_gradient(weight: Any, argument: Any, ridge: Any) -> Any:
    """L'(w) = λ(w − z e^{−w}) for the axis objective with Lambert argument z (z_D, z_R or z_DA)."""
    w = require_finite("weight", weight, symbol="w_j")
    z = require_finite("argument", argument, symbol="Lambert argument z")
    (lam,) = validate_parameters(ridge=ridge)
    return scalar_or_array(lam * (w - z * np.exp(-w)))


def axis_curvature(weight: Any, argument: Any, ridge: Any) -> Any:
    """L''(w) = λ(1 + z e^{−w}); equal to λ(1 + w) where L'(w) = 0 (module docstring)."""
    w = require_finite("weight", weight, symbol="w_j")
    z = require_finite("argument", argument, symbol="Lambert argument z")
    (lam,) = validate_parameters(ridge=ridge)
    return scalar_or_array(lam * (1 + z * np.exp(-w)))


def stationary_point_kind(weight: Any, ridge: Any) -> Any:
    """Sign of λ(1 + w), the second derivative at a stationary point w: +1 minimum, −1 maximum, 0 degenerate.

    >>> stationary_point_kind([0.3, -0.5, -1.0, -2.0], 0.01)
    array([ 1,  1,  0, -1])
    """
    w = require_finite("weight", weight, symbol="stationary point w_j")
    (lam,) = validate_parameters(ridge=ridge)
    kind = np.sign(lam * (1 + np.asarray(w))).astype(int)
    return int(kind) if np.ndim(w) == 0 else kind


def stationary_weights(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any
) -> tuple[Any, Any, Any]:
    """(w^D, w^R, w^DA) = (W_0(z_D), W_0(z_R), W_0(z_DA)) (Lemma 2; float path, vectorised; w^DA = −inf in regime 3).

    >>> stationary_weights(900, 100, 50, [0.05, 0.2], 0.01)[2]
    array([1.05932732,       -inf])
    """
    args = (n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)
    return pretrained_weight(*args), oracle_weight(n_retain, n_retain_axis, ridge), descent_ascent_weight(*args)


def stationary_points(
    n_retain: float, n_forget: float, n_retain_axis: float, forget_ratio_axis: float, ridge: float
) -> StationaryPoints:
    """All stationary points of Lemma 2 for one axis (scalar parameters), from the vectorised float path."""
    for name, value in dict(
        n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, forget_ratio_axis=forget_ratio_axis, ridge=ridge
    ).items():
        if np.ndim(value) != 0:
            raise ValueError(f"{name} must be a scalar for stationary_points (use the vectorised functions for arrays)")
    args = (n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)
    regime = descent_ascent_regime(*args)
    w_d, w_r, w_da = stationary_weights(*args)
    return StationaryPoints(
        pretrained=w_d,
        oracle=w_r,
        descent_ascent=w_da,
        descent_ascent_maximum=descent_ascent_weight(*args, branch=-1) if regime == 2 else None,
        regime=regime,
        argument=descent_ascent_argument(*args),
    )
