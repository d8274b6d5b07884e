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

Paper symbols ↔ parameter names: |R| ``n_retain``, |F| ``n_forget`` (|D| = |R| + |F|), |R_j| ``n_retain_axis``,
α ``forget_ratio_axis`` (|F_j| = α|R_j|; not the α of Section 5.1.2), λ ``ridge``. Counts may be real numbers:
the formulas extend, and nothing requires |R_j| ≤ |R|.

Floating point. z_DA is computed as (|F| − α|R|)·|R_j|/(λ|R||F|) with the product α|R| split exactly
(Dekker's two-product), so z_DA keeps a few ulps of *relative* accuracy even where 1 − α|R|/|F| cancels
(α near |F|/|R| with λ = 1e-12 puts |R_j|/(λ|R|) near 1e12, and a naive formula would lose 4 digits there).
The regime is read from the computed z_DA with the same tolerance :func:`theory.lambert.lambert_w` uses at −1/e:
arguments within a few ulps below −1/e count as the branch point (regime 2, w = −1), never as NaN. α is taken
as the float it is: fl(|F|/|R|) is |F|/|R| only if α|R| = |F| in binary (1/9 is not), and near α = |F|/|R|
w^DA ≈ z_DA is ill-conditioned in α (an ulp of α moves it by ~1e-16·|R_j|/(λ|R|)).

Routes to the same numbers: the vectorised float path (:func:`pretrained_weight`, :func:`oracle_weight`,
:func:`descent_ascent_weight`, assembled by :func:`stationary_points`); mpmath throughout
(:func:`stationary_points_mp`); root finding on L'(w) = 0 with arguments derived by SymPy from the objectives
and no Lambert W (:func:`stationary_points_root_mp`, the slow reference); and SymPy, which checks that each
closed form zeroes L' and that L'' = λ(1 + w) there (:func:`closed_form_residuals`,
:func:`stationary_curvature_residuals`).

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

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import mpmath
import numpy as np
import sympy as sp

from ascent_fails.theory import lambert
from ascent_fails.validate import require_choice, require_finite, require_nonnegative, require_positive, require_positive_int

__all__ = [
    "PARAMETER_SYMBOLS",
    "validate_parameters",
    "scalar_or_array",
    "rounding_slack",
    "distance_margin",
    "nonnegative",
    "SymbolicStep",
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
    "stationary_points_mp",
    "AxisSample",
    "sample_axes",
    "RootResult",
    "stationary_point_root_mp",
    "RootedStationaryPoints",
    "stationary_points_root_mp",
    "AxisObjectives",
    "axis_objectives",
    "apply_lambert_identity",
    "closed_form_residuals",
    "stationary_curvature_residuals",
]

#: parameter name -> (validator, paper symbol and meaning), shared by every module of Section 5.1.1
PARAMETER_SYMBOLS: Mapping[str, tuple[Any, str]] = {
    "n_retain": (require_positive, "|R|, retain-set size"),
    "n_forget": (require_positive, "|F|, forget-set size"),
    "n_retain_axis": (require_positive, "|R_j|, retain samples on axis j"),
    "forget_ratio_axis": (require_nonnegative, "α = |F_j|/|R_j|, forget/retain ratio on axis j"),
    "ridge": (require_positive, "λ, ridge of L_D, L_R, L_DA"),
}

# z_DA below this is regime 3. It is the floor below which lambert_w raises (same expression, same float), so
# an argument rounded a few ulps below −1/e is the branch point, w = −1, not NaN and not "diverges".
_REGIME_3_BELOW: float = lambert.BRANCH_FLOOR


def validate_parameters(**values: Any) -> tuple[Any, ...]:
    """Validate Section 5.1.1 parameters by name (see :data:`PARAMETER_SYMBOLS`); return them in order as floats.

    >>> validate_parameters(ridge=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: ridge=-1.0 must be > 0 (λ, ridge of L_D, L_R, L_DA)
    """
    out = []
    for name, value in values.items():
        check, symbol = PARAMETER_SYMBOLS[name]
        out.append(check(name, value, symbol=symbol))
    return tuple(out)


def scalar_or_array(x: Any) -> Any:
    """A float for 0-d input, else an ndarray: the return convention of every vectorised function here."""
    return float(x) if np.ndim(x) == 0 else np.asarray(x)


#: slack, relative to the largest |w| compared, that a float inequality between closed forms may miss by: each
#: argument carries a few ulps and W_0 is well conditioned on z ≥ 0 (|z W'(z)/W(z)| = 1/(1+W) ≤ 1)
FLOAT_SLACK: float = 64 * float(np.finfo(float).eps)


def rounding_slack(*weights: Any, dps: int | None = None) -> Any:
    """Slack for comparing float (``dps=None``) or ``dps``-digit mpmath closed forms: scale × max |w| (finite ones).

    >>> rounding_slack(1.0, -2.0) == 2 * FLOAT_SLACK
    True
    """
    if dps is not None:
        return mpmath.mpf(10) ** (8 - dps) * max(abs(w) for w in weights if mpmath.isfinite(w))
    finite = [np.where(np.isfinite(w), np.abs(w), 0.0) for w in weights]
    return scalar_or_array(FLOAT_SLACK * functools.reduce(np.maximum, finite))


def distance_margin(
    weight: Any,
    reference: Any,
    bound: Any,
    side: Literal["upper", "lower"],
    include_rounding_slack: bool = False,
) -> Any:
    """Slack of a bound on |w − w_ref| between two closed-form weights (vectorised): bound − |w − w_ref| for an
    upper bound (Lemma 4), |w − w_ref| − bound for a lower bound (Lemma 5); ≥ 0 where the bound holds.

    ``include_rounding_slack`` adds :func:`rounding_slack` of the two weights (the float test of a ``holds``).
    A weight of −inf (DA diverges) gives +inf for a lower bound, −inf for an upper one.

    >>> distance_margin(1.0, 0.25, 1.0, "upper"), distance_margin(1.0, 0.25, 1.0, "lower")
    (0.25, -0.25)
    """
    require_choice("side", side, ("upper", "lower"))
    gap = np.abs(np.asarray(weight) - reference)
    margin = bound - gap if side == "upper" else gap - bound  # the reference weight is finite: no inf − inf
    if include_rounding_slack:
        margin = margin + rounding_slack(weight, reference)
    return scalar_or_array(margin)


def nonnegative(margin: Any) -> Any:
    """margin ≥ 0, a bool for 0-d input, else a bool array: the verdict of every ``holds`` (Lemmas 3–5).

    >>> nonnegative(0.0), nonnegative([-1e-300, 2.0])
    (True, array([False,  True]))
    """
    ok = np.asarray(margin) >= 0
    return bool(ok) if ok.ndim == 0 else ok


@dataclass(frozen=True)
class SymbolicStep:
    """One proof step checked by SymPy (Section 5.1.1 modules): what is claimed, what SymPy returned, verdict."""

    name: str  # short identifier, e.g. "upper_end"
    claim: str  # the step in the paper's symbols
    result: str  # what SymPy returned (a residual that must be 0, a sign, a limit)
    passed: bool


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


def _validate_mp(n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any, dps: int) -> int:
    """Validate the parameters of an mpmath path (scalars; strings like ``'0.1'`` allowed) and return ``dps`` ≥ 15."""
    validate_parameters(
        n_retain=float(n_retain), n_forget=float(n_forget), n_retain_axis=float(n_retain_axis),
        forget_ratio_axis=float(forget_ratio_axis), ridge=float(ridge),
    )
    return require_positive_int("dps", dps, minimum=15)


def stationary_points_mp(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any, dps: int = 50
) -> StationaryPoints:
    """:func:`stationary_points` computed with mpmath at ``dps`` digits throughout, independently of the float path.

    Inputs are taken exactly (a float is its binary value; strings like ``'0.1'`` are read at ``dps`` digits).
    An argument within 2^(8−prec) (relative) of −1/e is the branch point.

    >>> p = stationary_points_mp(900, 100, 50, '0.112', '0.01')
    >>> p.regime, mpmath.nstr(p.descent_ascent, 15), mpmath.nstr(p.descent_ascent_maximum, 15)
    (2, '-0.0465628405687156', '-4.65048732422756')
    >>> with mpmath.workdps(50): print(mpmath.nstr(p.descent_ascent * mpmath.exp(p.descent_ascent) - p.argument, 3))
    0.0
    """
    dps = _validate_mp(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, dps)
    with mpmath.workdps(dps):
        r, f, rj, a, lam = (mpmath.mpf(v) for v in (n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge))
        z_d = (1 + a) * rj / (lam * (r + f))
        z_r = rj / (lam * r)
        z_da = (f - a * r) * rj / (lam * r * f)  # = (1 − α|R|/|F|)|R_j|/(λ|R|); |F| − α|R| is exact for float inputs
        branch_point = -mpmath.exp(-1)
        if abs(z_da - branch_point) <= abs(branch_point) * mpmath.ldexp(1, 8 - mpmath.mp.prec):
            z_da = branch_point
        regime = 1 if z_da >= 0 else (2 if z_da >= branch_point else 3)
        return StationaryPoints(
            pretrained=lambert.lambert_w_mp(z_d, 0, dps),
            oracle=lambert.lambert_w_mp(z_r, 0, dps),
            descent_ascent=lambert.lambert_w_mp(z_da, 0, dps) if regime != 3 else mpmath.ninf,
            descent_ascent_maximum=lambert.lambert_w_mp(z_da, -1, dps) if regime == 2 else None,
            regime=regime,
            argument=z_da,
        )


@dataclass(frozen=True)
class AxisSample:
    """Seeded parameter draws for the property sweeps of Section 5.1.1 (arrays of equal length)."""

    seed: int  # numpy default_rng seed that produced the draw
    n_retain: np.ndarray  # |R|, integers log-uniform in [1, 1e6]
    n_forget: np.ndarray  # |F|, integers log-uniform in [1, 1e6]
    n_retain_axis: np.ndarray  # |R_j|, log-uniform in [min(1, cap), cap], cap = min(|R|, |F|/α): consistent sets
    forget_ratio_axis: np.ndarray  # α, from the caller's rule
    ridge: np.ndarray  # λ, log-uniform in [1e-12, 1e3]

    def args(self) -> tuple[np.ndarray, ...]:
        """(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge), the argument order used everywhere here."""
        return self.n_retain, self.n_forget, self.n_retain_axis, self.forget_ratio_axis, self.ridge

    def with_forget_ratio(self, forget_ratio_axis: np.ndarray) -> AxisSample:
        """The same draw with α replaced (|R_j| kept): used to step just outside a lemma's range."""
        return AxisSample(self.seed, self.n_retain, self.n_forget, self.n_retain_axis, forget_ratio_axis, self.ridge)


def sample_axes(
    seed: int,
    size: int,
    forget_ratio: Callable[[np.random.Generator, np.ndarray, np.ndarray], np.ndarray],
) -> AxisSample:
    """Draw ``size`` consistent data sets: |R_j| ≤ |R| and α|R_j| ≤ |F| (where |F|/α ≥ 1; else |R_j| = |F|/α < 1).

    ``forget_ratio(rng, n_retain, n_forget)`` returns α for each draw (the lemma's range).

    >>> s = sample_axes(0, 1000, lambda rng, r, f: f / r * rng.uniform(0, 1, r.shape))
    >>> bool(np.all(s.n_retain_axis <= s.n_retain)), bool(np.all(s.forget_ratio_axis * s.n_retain_axis <= s.n_forget))
    (True, True)
    """
    size = require_positive_int("size", size)
    rng = np.random.default_rng(seed)
    n_retain = np.floor(10.0 ** rng.uniform(0, 6, size))
    n_forget = np.floor(10.0 ** rng.uniform(0, 6, size))
    ridge = 10.0 ** rng.uniform(-12, 3, size)
    alpha = np.asarray(forget_ratio(rng, n_retain, n_forget), dtype=float)
    with np.errstate(divide="ignore"):
        cap = np.minimum(n_retain, np.where(alpha > 0, n_forget / alpha, np.inf))
    low = np.minimum(1.0, cap)
    n_retain_axis = np.exp(rng.uniform(np.log(low), np.log(cap)))
    n_retain_axis = np.where(cap >= 1, np.clip(np.floor(n_retain_axis), 1, cap), n_retain_axis)  # counts where possible
    return AxisSample(int(seed), n_retain, n_forget, n_retain_axis, alpha, ridge)


@dataclass(frozen=True)
class RootResult:
    """A stationary point found by root finding on L'(w) = 0 (the slow, independent route to Lemma 2)."""

    value: Any  # the root w (mpmath number)
    converged: bool  # |residual| <= tolerance
    steps: int  # solver iterations used (bracket expansions included)
    residual: Any  # ln(w e^w / z), the relative residual of L'(w) = 0


def stationary_point_root_mp(argument: Any, branch: Literal[0, -1] = 0, dps: int = 50) -> RootResult:
    """Solve L'(w) = 0, i.e. w e^w = z, by mpmath's bracketing Anderson solver on the ``branch`` of W.

    The equation is solved in log form, g(w) = w + ln|w| − ln|z| = 0 (w and z share a sign), which stays well
    scaled for z up to 1e300. Brackets: W_0(z) ∈ [z/(1+z), ln(1+z)] for z > 0 (from z/(1+z) ≤ ln(1+z));
    W_0(z) ∈ [−1, z] for −1/e ≤ z < 0; W_{−1}(z) ∈ [b, −1] with b doubled until g(b) < 0. No Lambert W is
    evaluated, so this is a route to Lemma 2 independent of the closed form.

    >>> root = stationary_point_root_mp(5, dps=30)
    >>> root.converged, mpmath.nstr(root.value, 12), mpmath.nstr(lambert.lambert_w_mp(5, 0, 30), 12)
    (True, '1.32672466524', '1.32672466524')
    """
    require_choice("branch", branch, (0, -1))
    dps = require_positive_int("dps", dps, minimum=15)
    with mpmath.workdps(dps + 10):
        z = mpmath.mpf(argument)
        if z < -mpmath.exp(-1) or (branch == -1 and z >= 0):
            raise ValueError(f"argument={mpmath.nstr(z, 20)} has no real W_{branch} (z >= -1/e; z < 0 for W_-1)")
        if z == 0:
            return RootResult(value=mpmath.mpf(0), converged=True, steps=0, residual=mpmath.mpf(0))

        def g(w: mpmath.mpf) -> mpmath.mpf:
            return w + mpmath.log(abs(w)) - mpmath.log(abs(z))  # ln(w e^w / z)

        steps = 0
        if z > 0:
            bracket = (z / (1 + z), mpmath.log1p(z))
        elif branch == 0:
            bracket = (mpmath.mpf(-1), z)
        else:
            low = mpmath.mpf(-2)
            while g(low) >= 0:  # g(−1) = −1 − ln(−z) ≥ 0 and g → −∞ as w → −∞
                low, steps = 2 * low, steps + 1
            bracket = (low, mpmath.mpf(-1))
        ends = [w for w in bracket if g(w) == 0]
        if ends:
            w = ends[0]
        else:
            w = mpmath.findroot(g, bracket, solver="anderson", verify=False, maxsteps=500)
            steps += 1
        residual = g(w)
        converged = abs(residual) <= mpmath.mpf(10) ** (2 - dps)
    with mpmath.workdps(dps):
        return RootResult(value=+w, converged=bool(converged), steps=steps, residual=+residual)


@dataclass(frozen=True)
class RootedStationaryPoints:
    """Stationary points found by root finding on L'(w) = 0, with each root's convergence record."""

    points: StationaryPoints  # same fields as stationary_points_mp, values from root finding
    roots: tuple[RootResult, ...]  # every root solved (pretrained, oracle, then the DA ones that exist)
    converged: bool  # all roots converged

    def max_relative_difference(self, other: StationaryPoints) -> Any:
        """Largest |a − b|/max(1, |b|) over the finite fields (inf if regimes differ): agreement with a fast path."""
        if other.regime != self.points.regime:
            return mpmath.inf
        fields = ("pretrained", "oracle", "descent_ascent", "descent_ascent_maximum")
        pairs = [(getattr(self.points, k), getattr(other, k)) for k in fields]
        return max(abs(a - b) / max(1, abs(b)) for a, b in pairs if a is not None and mpmath.isfinite(a))


def stationary_points_root_mp(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any, dps: int = 50
) -> RootedStationaryPoints:
    """The slow reference for :func:`stationary_points_mp`: no closed form is used.

    Each Lambert argument is derived by SymPy from the objective itself, z = −L'(0)/λ (L = λ z e^{−w} + λw²/2 on
    an axis), and each stationary point is a root of L'(w) = 0 found by :func:`stationary_point_root_mp`.

    >>> ref = stationary_points_root_mp(900, 100, 50, '0.112', '0.01')
    >>> fast = stationary_points_mp(900, 100, 50, '0.112', '0.01')
    >>> ref.converged, ref.points.regime, abs(ref.points.descent_ascent_maximum - fast.descent_ascent_maximum) < 1e-45
    (True, 2, True)
    """
    dps = _validate_mp(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, dps)
    with mpmath.workdps(dps):
        values = [mpmath.mpf(v) for v in (n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)]
        z = {name: f(*values) for name, f in _argument_functions().items()}
        branch_point = -mpmath.exp(-1)
        z_da = z["descent_ascent"]
        regime = 1 if z_da >= 0 else (2 if z_da >= branch_point else 3)
    roots = [stationary_point_root_mp(z["pretrained"], 0, dps), stationary_point_root_mp(z["oracle"], 0, dps)]
    if regime != 3:
        roots.append(stationary_point_root_mp(z_da, 0, dps))
    if regime == 2:
        roots.append(stationary_point_root_mp(z_da, -1, dps))
    points = StationaryPoints(
        pretrained=roots[0].value,
        oracle=roots[1].value,
        descent_ascent=roots[2].value if regime != 3 else mpmath.ninf,
        descent_ascent_maximum=roots[3].value if regime == 2 else None,
        regime=regime,
        argument=z_da,
    )
    return RootedStationaryPoints(points, tuple(roots), all(r.converged for r in roots))


# --- SymPy: the objectives and the symbolic proof that each closed form is stationary -------------------------


@dataclass(frozen=True)
class AxisObjectives:
    """The axis-j parts of L_D, L_R, L_DA (global normalisers |D|, |R|, |F|) as SymPy expressions in ``weight``."""

    weight: sp.Symbol  # w (= w_j), real
    n_retain: sp.Symbol  # |R| > 0
    n_forget: sp.Symbol  # |F| > 0
    n_retain_axis: sp.Symbol  # |R_j| > 0
    forget_ratio_axis: sp.Symbol  # α > 0
    ridge: sp.Symbol  # λ > 0
    pretraining: sp.Expr  # (1/|D|)(|R_j| + α|R_j|) e^{−w} + (λ/2) w²
    oracle: sp.Expr  # (1/|R|)|R_j| e^{−w} + (λ/2) w²
    descent_ascent: sp.Expr  # (1/|R|)|R_j| e^{−w} − (1/|F|) α|R_j| e^{−w} + (λ/2) w²

    def closed_forms(self) -> dict[str, tuple[sp.Expr, sp.Expr]]:
        """name -> (objective, Lemma 2's closed form as sympy LambertW); DA on both branches."""
        r, f, rj, a, lam = self.n_retain, self.n_forget, self.n_retain_axis, self.forget_ratio_axis, self.ridge
        z_da = (1 - a * r / f) * rj / (lam * r)
        return {
            "pretrained": (self.pretraining, sp.LambertW((1 + a) * rj / (lam * (r + f)))),
            "oracle": (self.oracle, sp.LambertW(rj / (lam * r))),
            "descent_ascent": (self.descent_ascent, sp.LambertW(z_da)),
            "descent_ascent_maximum": (self.descent_ascent, sp.LambertW(z_da, -1)),
        }


@functools.lru_cache(maxsize=1)
def axis_objectives() -> AxisObjectives:
    """Per-axis objectives of Section 5.1.1 built from the per-sample losses (Assumption 2: each is e^{−w})."""
    w = sp.Symbol("w", real=True)
    r, f, rj, a, lam = sp.symbols("R F R_j alpha lambda", positive=True)
    loss = sp.exp(-w)  # ℓ_i(w) = exp(−y_i x_ij w) with y_i x_ij = 1
    ridge_term = lam / 2 * w**2
    n_forget_axis = a * rj  # |F_j| = α|R_j|
    return AxisObjectives(
        weight=w, n_retain=r, n_forget=f, n_retain_axis=rj, forget_ratio_axis=a, ridge=lam,
        pretraining=(rj + n_forget_axis) * loss / (r + f) + ridge_term,
        oracle=rj * loss / r + ridge_term,
        descent_ascent=rj * loss / r - n_forget_axis * loss / f + ridge_term,
    )


@functools.lru_cache(maxsize=1)
def _argument_functions() -> dict[str, Callable[..., Any]]:
    """z = −L'(0)/λ for each axis objective, derived by SymPy and compiled for mpmath."""
    obj = axis_objectives()
    params = (obj.n_retain, obj.n_forget, obj.n_retain_axis, obj.forget_ratio_axis, obj.ridge)
    out = {}
    for name, objective in (("pretrained", obj.pretraining), ("oracle", obj.oracle), ("descent_ascent", obj.descent_ascent)):
        # factor: one fraction, so |F| − α|R| is formed before dividing (no cancellation between two large terms)
        z = sp.factor(-sp.diff(objective, obj.weight).subs(obj.weight, 0) / obj.ridge)
        out[name] = sp.lambdify(params, z, "mpmath")
    return out


def apply_lambert_identity(expr: sp.Expr) -> sp.Expr:
    """Rewrite exp(c·W_k(x) + r) as exp(r)·(x/W_k(x))^c, the defining identity W e^W = x, then simplify.

    SymPy 1.14 does not simplify e^{W(x)} by itself (``simplify(LambertW(x)*exp(LambertW(x)) - x)`` stays
    unevaluated), so the identity is applied explicitly; only exponents linear in W are rewritten.

    >>> x = sp.Symbol('x', positive=True)
    >>> apply_lambert_identity(sp.LambertW(x) * sp.exp(sp.LambertW(x)) - x)
    0
    """
    for w_atom in expr.atoms(sp.LambertW):
        x = w_atom.args[0]
        s = sp.Dummy("W")

        def rewrite(exponent: sp.Expr, w_atom: sp.Expr = w_atom, x: sp.Expr = x, s: sp.Dummy = s) -> sp.Expr:
            linear = sp.expand(exponent.subs(w_atom, s))
            c = sp.diff(linear, s)
            if c == 0 or c.has(s):
                return sp.exp(exponent)
            return sp.exp(sp.expand(linear - c * s)) * (x / w_atom) ** c

        expr = expr.replace(sp.exp, rewrite)
    return sp.simplify(expr)


@functools.lru_cache(maxsize=1)
def _residuals() -> tuple[tuple[str, sp.Expr], ...]:
    obj = axis_objectives()
    return tuple(
        (name, apply_lambert_identity(sp.diff(objective, obj.weight).subs(obj.weight, closed)))
        for name, (objective, closed) in obj.closed_forms().items()
    )


def closed_form_residuals() -> dict[str, sp.Expr]:
    """L'(closed form) for each objective of Lemma 2, simplified with W e^W = x: every value is 0."""
    return dict(_residuals())


@functools.lru_cache(maxsize=1)
def _curvature_residuals() -> tuple[tuple[str, sp.Expr], ...]:
    obj = axis_objectives()
    out = []
    for name, (objective, closed) in obj.closed_forms().items():
        second = sp.diff(objective, obj.weight, 2).subs(obj.weight, closed)
        out.append((name, apply_lambert_identity(second - obj.ridge * (1 + closed))))
    return tuple(out)


def stationary_curvature_residuals() -> dict[str, sp.Expr]:
    """L''(closed form) − λ(1 + closed form) for each objective of Lemma 2: every value is 0."""
    return dict(_curvature_residuals())
