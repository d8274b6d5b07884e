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

Range. Every argument is formed in scaled arithmetic (each factor as m·2^k, mantissas multiplied, exponents
added), which rounds exactly as the plain formula in the normal range and does not overflow beyond it: sizes up to
1e300, λ down to the smallest normal float 2.2e-308 and α up to 1e308 give the right weights (|R| = |F| = |R_j| =
1e160 is regime 1, not an overflowed regime 3). Where z itself exceeds the float range, W_0 is computed from ln z
(:func:`theory.lambert.lambert_w_log`) and W_{−1} of a tiny argument from ln|z|; the public ``*_argument`` functions
refuse such z (``ValueError``), and ``StationaryPoints.argument`` is ±inf only there.

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
    "oracle_log_argument",
    "retain_excess_sign",
    "pretrained_oracle_log_ratio",
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


# --- scaled arithmetic: z = m·2^k with the exponent kept as an integer ---------------------------------------------
#
# The Lambert arguments are products and quotients of the sizes and λ. With sizes up to 1e300 and λ down to the
# smallest normal float (2.2e-308) an intermediate product such as λ|R||F| over- or underflows although z itself is
# moderate (|R| = |F| = |R_j| = 1e160 gives λ|R||F| = inf and z_DA = NaN), and z itself can reach ~1e908. Each
# factor is split as x = m·2^k (frexp: m ∈ [0.5, 1)), mantissas are multiplied (no overflow) and exponents added
# as integers: in the normal range this rounds exactly as the plain formula does (scaling by 2^k commutes with
# rounding), and outside it ln|z| = ln|m| + k·ln 2 stays exact to a few ulps of itself (ln 2 split into a 33-bit
# head and a tail, so k·ln2_hi is exact for |k| < 2^20).

_LN2_HI = 6.93147180369123816490e-01  # ln 2 to 33 bits (fdlibm)
_LN2_LO = 1.90821492927058770002e-10  # ln 2 − _LN2_HI
# exponents beyond which the float z is not used: |z| ≥ 2^996 ≈ 7e299 goes through ln|z| (W_0 in log form);
# |z| < 2^-996 is W_0(z) = z(1 − z + …) = z to double precision, and W_{−1} goes through ln|z|
_EXPONENT_LIMIT = 996


@dataclass(frozen=True)
class _Scaled:
    """x = mantissa·2^exponent (arrays): the mantissa in ±[0.5, 1) or 0, the exponent an int64."""

    mantissa: np.ndarray
    exponent: np.ndarray

    @staticmethod
    def of(x: Any) -> _Scaled:
        m, k = np.frexp(np.asarray(x, dtype=float))
        return _Scaled(m, k.astype(np.int64))

    def times(self, *others: _Scaled) -> _Scaled:
        m, k = self.mantissa, self.exponent
        for o in others:
            m, k = m * o.mantissa, k + o.exponent
        return _Scaled(*_renormalise(m, k))

    def over(self, *others: _Scaled) -> _Scaled:
        m, k = self.mantissa, self.exponent
        for o in others:
            m, k = m / o.mantissa, k - o.exponent
        return _Scaled(*_renormalise(m, k))

    def to_float(self) -> np.ndarray:
        """The nearest float: ±inf beyond 1.8e308, gradual underflow below 2.2e-308."""
        with np.errstate(over="ignore", under="ignore"):
            return np.ldexp(self.mantissa, np.clip(self.exponent, -2200, 2200).astype(np.int32))

    def log_abs(self) -> np.ndarray:
        """ln|x| = ln|m| + k ln 2, to a few ulps of itself (−inf at x = 0)."""
        with np.errstate(divide="ignore"):
            return (np.log(np.abs(self.mantissa)) + self.exponent * _LN2_LO) + self.exponent * _LN2_HI


def _renormalise(m: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m2, k2 = np.frexp(m)
    return m2, np.where(m == 0, 0, k + k2).astype(np.int64)


def _sum_scaled(x: Any, y: Any) -> _Scaled:
    """x + y for x, y ≥ 0 up to 1.8e308 each, without overflow ((x/2 + y/2)·2)."""
    half = 0.5 * np.asarray(x, dtype=float) + 0.5 * np.asarray(y, dtype=float)
    s = _Scaled.of(half)
    return _Scaled(s.mantissa, np.where(s.mantissa == 0, 0, s.exponent + 1))


def _pretrained_scaled(r: Any, f: Any, rj: Any, a: Any, lam: Any) -> _Scaled:
    return _Scaled.of(1 + np.asarray(a)).times(_Scaled.of(rj)).over(_Scaled.of(lam), _sum_scaled(r, f))


def _oracle_scaled(r: Any, rj: Any, lam: Any) -> _Scaled:
    return _Scaled.of(rj).over(_Scaled.of(lam), _Scaled.of(r))


def _excess_scaled(r: Any, f: Any, a: Any) -> _Scaled:
    """|F| − α|R| with α|R| = p + e split exactly on the mantissas (no overflow for α|R| up to ~1e616)."""
    sa, sr, sf = _Scaled.of(a), _Scaled.of(r), _Scaled.of(f)
    p, e = _two_product(sa.mantissa, sr.mantissa)  # exact: |mantissas| < 1, so nothing overflows
    kp = sa.exponent + sr.exponent
    top = np.maximum(sf.exponent, kp)
    with np.errstate(under="ignore"):
        # f − p is exact when the two are within a factor 2 (Sterbenz); the scalings by 2^(·) are exact there
        diff = (np.ldexp(sf.mantissa, (sf.exponent - top).astype(np.int32))
                - np.ldexp(p, np.maximum(kp - top, -2200).astype(np.int32)))
        diff = diff - np.ldexp(e, np.maximum(kp - top, -2200).astype(np.int32))
    return _Scaled(*_renormalise(diff, top))


def _descent_ascent_scaled(r: Any, f: Any, rj: Any, a: Any, lam: Any) -> _Scaled:
    return _excess_scaled(r, f, a).times(_Scaled.of(rj)).over(_Scaled.of(lam), _Scaled.of(r), _Scaled.of(f))


def _as_float_argument(z: _Scaled, symbol: str) -> Any:
    value = z.to_float()
    if not np.all(np.isfinite(value)):
        worst = float(np.max(z.log_abs()[~np.isfinite(value)]) / math.log(10))
        raise ValueError(
            f"the Lambert argument {symbol} = ±10^{worst:.1f} exceeds the largest float (1.8e308) for these "
            "n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge; the weights are still computed (in log "
            "space) by the *_weight functions and stationary_points"
        )
    return scalar_or_array(value)


def pretrained_argument(n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any) -> Any:
    """z_D = (1+α)|R_j|/(λ|D|), |D| = |R| + |F| (Lemma 2); ``ValueError`` if z_D exceeds the largest float."""
    r, f, rj, a, lam = validate_parameters(
        n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, forget_ratio_axis=forget_ratio_axis, ridge=ridge
    )
    return _as_float_argument(_pretrained_scaled(r, f, rj, a, lam), "z_D = (1+α)|R_j|/(λ|D|)")


def oracle_argument(n_retain: Any, n_retain_axis: Any, ridge: Any) -> Any:
    """z_R = |R_j|/(λ|R|) (Lemma 2); ``ValueError`` if z_R exceeds the largest float."""
    r, rj, lam = validate_parameters(n_retain=n_retain, n_retain_axis=n_retain_axis, ridge=ridge)
    return _as_float_argument(_oracle_scaled(r, rj, lam), "z_R = |R_j|/(λ|R|)")


def oracle_log_argument(n_retain: Any, n_retain_axis: Any, ridge: Any) -> Any:
    """ln z_R = ln(|R_j|/(λ|R|)) without forming z_R (finite for every admissible input; Corollary 1's ln x)."""
    r, rj, lam = validate_parameters(n_retain=n_retain, n_retain_axis=n_retain_axis, ridge=ridge)
    return scalar_or_array(_oracle_scaled(r, rj, lam).log_abs())


def pretrained_oracle_log_ratio(n_retain: Any, n_forget: Any, forget_ratio_axis: Any) -> Any:
    """ln(z_D/z_R) = ln((1+α)|R|/|D|) to a few ulps of itself for every admissible float input (Lemma 4).

    Near α = |F|/|R| it is log1p(−(|F| − α|R|)/|D|) with |F| − α|R| exact-signed (:func:`retain_excess`); where
    that ratio is below −1/2 or above 1e300 it is ln of the quotient (1+α)|R|/|D| formed in scaled arithmetic
    (|ln| ≥ ln 2 there, so the absolute error of ln of a quotient with a few ulps is a few ulps of the result).

    >>> pretrained_oracle_log_ratio(900, 100, 1 / 9) < 1e-17      # α = |F|/|R| up to one ulp: z_D = z_R
    True
    """
    r, f, a = validate_parameters(n_retain=n_retain, n_forget=n_forget, forget_ratio_axis=forget_ratio_axis)
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.asarray(-_excess_scaled(r, f, a).over(_sum_scaled(r, f)).to_float())
        near = (ratio > -0.5) & (ratio < 1e300)
        quotient = _Scaled.of(1 + np.asarray(a)).times(_Scaled.of(r)).over(_sum_scaled(r, f))
    return scalar_or_array(np.where(near, np.log1p(np.where(near, ratio, 0.0)), quotient.log_abs()))


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p = fl(a·b) and its rounding error e, a·b = p + e exactly (Dekker 1971, with Veltkamp's split).

    Called on frexp mantissas (|a|, |b| < 1), where the split cannot overflow and e is exact.
    """

    def split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = 134217729.0 * x  # 2^27 + 1: halves the 53-bit significand
        hi = c - (c - x)
        return hi, x - hi

    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        p = a * b
        a_hi, a_lo = split(a)
        b_hi, b_lo = split(b)
        e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, np.where(np.isfinite(e), e, 0.0)


def retain_excess(n_retain: Any, n_forget: Any, forget_ratio_axis: Any) -> Any:
    """|F| − α|R| to a few ulps of itself (α|R| split exactly): its sign is exact, 0 iff α = |F|/|R| exactly.

    −inf where α|R| exceeds the largest float (the sign is still right; :func:`retain_excess_sign` gives it
    without forming the value).

    >>> retain_excess(900, 100, 1 / 9)   # the float nearest 1/9 lies below 1/9
    5.551115123125783e-15
    """
    r, f, a = validate_parameters(n_retain=n_retain, n_forget=n_forget, forget_ratio_axis=forget_ratio_axis)
    return scalar_or_array(_excess_scaled(r, f, a).to_float())


def retain_excess_sign(n_retain: Any, n_forget: Any, forget_ratio_axis: Any) -> Any:
    """sign(|F| − α|R|) ∈ {−1, 0, 1}, exact for every admissible float input (int, or int array).

    >>> retain_excess_sign(1e300, 1e300, [1.0, 1e308])
    array([ 0, -1])
    """
    r, f, a = validate_parameters(n_retain=n_retain, n_forget=n_forget, forget_ratio_axis=forget_ratio_axis)
    sign = np.sign(_excess_scaled(r, f, a).mantissa).astype(int)
    return int(sign) if sign.ndim == 0 else sign


def descent_ascent_argument(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any
) -> Any:
    """z_DA = (1 − α|R|/|F|)|R_j|/(λ|R|) = (|F| − α|R|)|R_j|/(λ|R||F|) (Lemma 2), via :func:`retain_excess`.

    ``ValueError`` if |z_DA| exceeds the largest float (the regime and weights are still computed in log space).
    """
    r, f, rj, a, lam = validate_parameters(
        n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, forget_ratio_axis=forget_ratio_axis, ridge=ridge
    )
    return _as_float_argument(_descent_ascent_scaled(r, f, rj, a, lam), "z_DA = (|F| − α|R|)|R_j|/(λ|R||F|)")


def _regime_of_scaled(z: _Scaled) -> np.ndarray:
    """1 for z ≥ 0 (read from the mantissa: an underflowed −0.0 is negative), 2 for −1/e ≤ z < 0, 3 below."""
    value = z.to_float()
    return np.where(z.mantissa >= 0, 1, np.where(value >= _REGIME_3_BELOW, 2, 3))


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
    r, f, rj, a, lam = validate_parameters(
        n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, forget_ratio_axis=forget_ratio_axis, ridge=ridge
    )
    regime = _descent_ascent_regime(r, f, rj, a, lam)
    return int(regime) if regime.ndim == 0 else regime


def _descent_ascent_regime(r: Any, f: Any, rj: Any, a: Any, lam: Any) -> np.ndarray:
    """Regime from the public z_DA in the float range (a patched formula is seen), from the scaled z_DA beyond."""
    z = _descent_ascent_scaled(r, f, rj, a, lam)
    value = _public_argument(descent_ascent_argument, z, r, f, rj, a, lam)
    return np.where(_in_float_range(z), _regime_of(np.where(np.isnan(value), 0.0, value)), _regime_of_scaled(z))


def _lambert_scaled(z: _Scaled, branch: Literal[0, -1]) -> np.ndarray:
    """W_branch(z) for z = m·2^k of any size: the float path in the float range, log form beyond it.

    z ≥ 2^996: W_0 from ln z (:func:`theory.lambert.lambert_w_log`); |z| < 2^-996: W_0(z) = z to double
    precision (|W_0(z) − z| ≤ z² ≤ 2^-1992) and W_{−1} from ln|z|; otherwise :func:`theory.lambert.lambert_w`.
    """
    k = z.exponent
    value = z.to_float()
    big = k > _EXPONENT_LIMIT
    tiny = k < -_EXPONENT_LIMIT
    middle = ~big & ~tiny
    w = lambert.lambert_w(np.where(middle, value, 0.0 if branch == 0 else -0.1), branch)
    log_abs = z.log_abs()
    if branch == 0:
        w = np.where(big, lambert.lambert_w_log(np.where(big, log_abs, 3.0), 0), w)
        return np.where(tiny, value, w)
    return np.where(tiny, lambert.lambert_w_log(np.where(tiny, log_abs, -3.0), -1), w)


def _in_float_range(z: _Scaled) -> np.ndarray:
    return (np.abs(z.exponent) <= _EXPONENT_LIMIT) | (z.mantissa == 0)


def _public_argument(argument: Any, z: _Scaled, *params: Any) -> np.ndarray:
    """z from the public ``argument`` function (looked up on the module at call time, so a patched formula is
    seen by every weight) where z is in the float range; NaN elsewhere, where the caller uses the scaled z.
    Out-of-range elements get the benign parameters (1, …, 1) so that the public function never overflows."""
    inside = _in_float_range(z)
    if np.all(inside):
        return np.asarray(argument(*params), dtype=float)
    shape = np.broadcast(*params).shape
    safe = [np.where(inside, np.broadcast_to(np.asarray(v, dtype=float), shape), 1.0) for v in params]
    return np.where(inside, np.asarray(argument(*safe), dtype=float), np.nan)


def _weight(argument: Any, z: _Scaled, branch: Literal[0, -1], *params: Any) -> np.ndarray:
    """W_branch of a Lambert argument: :func:`theory.lambert.lambert_w` of the public argument in the float range,
    :func:`_lambert_scaled` (log form) beyond it."""
    inside = _in_float_range(z)
    value = _public_argument(argument, z, *params)
    w = lambert.lambert_w(np.where(inside, value, 0.0 if branch == 0 else -0.1), branch)
    return np.where(inside, w, _lambert_scaled(z, branch)) if not np.all(inside) else w


def pretrained_weight(n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any) -> Any:
    """w_j^D = W_0((1+α)|R_j|/(λ|D|)), the minimiser of L_D on axis j (Lemma 2)."""
    r, f, rj, a, lam = validate_parameters(
        n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, forget_ratio_axis=forget_ratio_axis, ridge=ridge
    )
    z = _pretrained_scaled(r, f, rj, a, lam)
    return scalar_or_array(_weight(pretrained_argument, z, 0, r, f, rj, a, lam))


def oracle_weight(n_retain: Any, n_retain_axis: Any, ridge: Any) -> Any:
    """w_j^R = W_0(|R_j|/(λ|R|)), the minimiser of L_R on axis j (Lemma 2)."""
    r, rj, lam = validate_parameters(n_retain=n_retain, n_retain_axis=n_retain_axis, ridge=ridge)
    return scalar_or_array(_weight(oracle_argument, _oracle_scaled(r, rj, lam), 0, r, rj, lam))


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
    r, f, rj, a, lam = validate_parameters(
        n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, forget_ratio_axis=forget_ratio_axis, ridge=ridge
    )
    z = _descent_ascent_scaled(r, f, rj, a, lam)
    regime = _descent_ascent_regime(r, f, rj, a, lam)
    if branch == -1:
        outside = int(np.count_nonzero(regime != 2))
        if outside:
            raise ValueError(
                "branch=-1 (local maximum W_-1(z_DA)) exists only in regime 2 "
                f"(|F|/|R| < α <= |F|/|R| + λ|F|/(e|R_j|)); {outside} of {regime.size} points are outside it"
            )
        return scalar_or_array(_weight(descent_ascent_argument, z, -1, r, f, rj, a, lam))
    diverges = regime == 3
    # regime 3 entries get α = 0 (a benign regime-1 argument) so no W below −1/e is asked for; their value is −inf
    a_safe = np.where(diverges, 0.0, a)
    z_safe = _descent_ascent_scaled(r, f, rj, a_safe, lam)
    w = _weight(descent_ascent_argument, z_safe, 0, r, f, rj, a_safe, lam)
    return scalar_or_array(np.where(diverges, -np.inf, w))


def regime_boundary_2(n_retain: Any, n_forget: Any) -> Any:
    """α_2 = |F|/|R|: z_DA = 0 and w^DA = 0; above it the axis is over-represented in F (regime 2 starts)."""
    r, f = validate_parameters(n_retain=n_retain, n_forget=n_forget)
    return scalar_or_array(f / r)


def regime_boundary_3(n_retain: Any, n_forget: Any, n_retain_axis: Any, ridge: Any) -> Any:
    """α_3 = |F|/|R| + λ|F|/(e|R_j|): z_DA = −1/e; above it DA diverges (regime 3).

    +inf where α_3 exceeds the largest float (every float α is then in regime 1 or 2).
    """
    r, f, rj, lam = validate_parameters(n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, ridge=ridge)
    width = _Scaled.of(lam).times(_Scaled.of(f)).over(_Scaled.of(math.e), _Scaled.of(rj)).to_float()
    return scalar_or_array(f / r + width)


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
    r, f, rj, a, lam = validate_parameters(
        n_retain=n_retain, n_forget=n_forget, n_retain_axis=n_retain_axis, forget_ratio_axis=forget_ratio_axis, ridge=ridge
    )
    return StationaryPoints(
        pretrained=w_d,
        oracle=w_r,
        descent_ascent=w_da,
        descent_ascent_maximum=descent_ascent_weight(*args, branch=-1) if regime == 2 else None,
        regime=regime,
        # ±inf only where |z_DA| itself exceeds 1.8e308 (then regime 3 or a huge regime-1 argument)
        argument=float(_descent_ascent_scaled(r, f, rj, a, lam).to_float()),
    )
