r"""Lemma 3 (Divergence) [paper; exact range from the appendix]: DA moves away from the oracle.

Statement. Let λ > 0, |R_j| > 0 and

    |F|² / (|R| (|F| + |D|))  ≤  α  ≤  |F| / |R|.

Then the DA solution and the oracle lie on opposite sides of the pretrained point (Lemma 2's closed forms):

    w_j^DA ≤ w_j^D ≤ w_j^R,        i.e.  (w_j^DA − w_j^D)(w_j^D − w_j^R) ≥ 0.

Every DA step from w^D moves away from w^R: doing nothing is better. Below the lower end DA moves towards the
oracle without overshooting (the lemma is silent there); above |F|/|R| the product is ≤ 0 (w^R < w^D) and
the harm is overshoot (Lemmas 4–5). With one axis only, α = |F|/|R| and w^D = w^R, w^DA = 0.

Proof (each step checked by :func:`proof_steps`). With z_D, z_R, z_DA the Lambert arguments of Lemma 2,

1. upper end: 1/|R| − (1+α)/|D| = (|F| − α|R|)/(|R||D|), so α ≤ |F|/|R| ⇔ z_D ≤ z_R;
2. lower end: (1+α)/|D| − (1 − α|R|/|F|)/|R| = (α|R|(|F|+|D|) − |F|²)/(|R||F||D|), so
   α ≥ |F|²/(|R|(|F|+|D|)) ⇔ z_DA ≤ z_D;
3. W_0 is increasing on [−1/e, ∞): its inverse w ↦ w e^w has derivative (1+w)e^w > 0 for w > −1;
4. in the range z_DA ≥ 0 (regime 1), so w^DA = W_0(z_DA), and 1–3 give W_0(z_DA) ≤ W_0(z_D) ≤ W_0(z_R).

Paper symbols ↔ names: |R| ``n_retain``, |F| ``n_forget``, |D| = |R| + |F|, |R_j| ``n_retain_axis``,
α ``forget_ratio_axis``, λ ``ridge``.

>>> low, high = admissible_range(900, 100)
>>> round(low, 6), round(high, 6)
(0.010101, 0.111111)
>>> bool(holds(900, 100, 50, 0.05, 0.01)), bool(holds(900, 100, 50, 0.005, 0.01))   # inside, below the range
(True, False)
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ascent_fails.theory import axis_parameters, closed_form, closed_form_mp, closed_form_symbolic, lambert, rounding
from ascent_fails.theory.closed_form_symbolic import SymbolicStep

__all__ = [
    "admissible_range",
    "admissible_range_symbolic",
    "admissible_range_mp",
    "in_admissible_range",
    "ordering_margin",
    "holds",
    "ordering_margin_mp",
    "proof_steps",
]


def admissible_range(n_retain: Any, n_forget: Any) -> tuple[Any, Any]:
    """(α_low, α_high) = (|F|²/(|R|(|F|+|D|)), |F|/|R|), the closed range of α in Lemma 3."""
    r, f = axis_parameters.validate_parameters(n_retain=n_retain, n_forget=n_forget)
    low = (f / r) * (f / (2 * f + r))  # |F|²/(|R|(|F|+|D|)) without forming |F|² (|F| up to 1e300)
    return axis_parameters.scalar_or_array(low), closed_form.regime_boundary_2(n_retain, n_forget)


@functools.lru_cache(maxsize=1)
def admissible_range_symbolic() -> tuple[sp.Expr, sp.Expr, tuple[sp.Symbol, sp.Symbol]]:
    """(α_low, α_high, (|R|, |F|)) as SymPy expressions *derived* from Lemma 2: the roots in α of z_DA = z_D and
    z_D = z_R, with each z = −L'(0)/λ taken from the axis objectives (:mod:`theory.closed_form_symbolic`).

    >>> low, high, (r, f) = admissible_range_symbolic()
    >>> sp.simplify(low - f**2 / (r * (2 * f + r))), sp.simplify(high - f / r)
    (0, 0)
    """
    obj = closed_form_symbolic.axis_objectives()
    w, lam = obj.weight, obj.ridge
    z = {name: sp.factor(-sp.diff(objective, w).subs(w, 0) / lam)
         for name, objective in (("D", obj.pretraining), ("R", obj.oracle), ("DA", obj.descent_ascent))}
    (low,) = sp.solve(sp.Eq(z["DA"], z["D"]), obj.forget_ratio_axis)
    (high,) = sp.solve(sp.Eq(z["D"], z["R"]), obj.forget_ratio_axis)
    return sp.factor(low), sp.factor(high), (obj.n_retain, obj.n_forget)


def admissible_range_mp(n_retain: Any, n_forget: Any, dps: int = 50) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(α_low, α_high) at ``dps`` ∈ [15, 10000] digits from :func:`admissible_range_symbolic` (inputs exact)."""
    axis_parameters.validate_parameters(n_retain=float(n_retain), n_forget=float(n_forget))
    dps = lambert.validate_dps(dps)
    low, high, symbols = admissible_range_symbolic()
    with mpmath.workdps(dps):
        values = [mpmath.mpf(v) for v in (n_retain, n_forget)]
        return tuple(sp.lambdify(symbols, end, "mpmath")(*values) for end in (low, high))  # type: ignore[return-value]


def in_admissible_range(n_retain: float, n_forget: float, forget_ratio_axis: float) -> bool:
    """α_low ≤ α ≤ α_high decided exactly (rational arithmetic on the float values, ends from
    :func:`admissible_range_symbolic`): a rounded end of :func:`admissible_range` may lie just outside."""
    axis_parameters.validate_parameters(
        n_retain=n_retain, n_forget=n_forget, forget_ratio_axis=forget_ratio_axis
    )
    low, high, symbols = admissible_range_symbolic()
    subs = dict(zip(symbols, (sp.Rational(n_retain), sp.Rational(n_forget))))
    alpha = sp.Rational(forget_ratio_axis)
    return bool(low.subs(subs) <= alpha <= high.subs(subs))


def ordering_margin(
    n_retain: Any,
    n_forget: Any,
    n_retain_axis: Any,
    forget_ratio_axis: Any,
    ridge: Any,
    include_rounding_slack: bool = False,
) -> Any:
    """min(w^D − w^DA, w^R − w^D): ≥ 0 exactly when w^DA ≤ w^D ≤ w^R (float path, vectorised).

    With ``include_rounding_slack`` the :func:`theory.rounding.rounding_slack` of the three weights is added:
    the margin of the float test :func:`holds` performs.
    """
    w_d, w_r, w_da = closed_form.stationary_weights(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)
    margin = np.minimum(w_d - w_da, w_r - w_d)
    if include_rounding_slack:
        margin = margin + rounding.rounding_slack(w_da, w_d, w_r)
    return axis_parameters.scalar_or_array(margin)


def holds(n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any) -> Any:
    """Lemma 3's conclusion w^DA ≤ w^D ≤ w^R, up to :func:`theory.rounding.rounding_slack` (bool, vectorised).

    It is evaluated wherever asked, so that a test can show where it fails (outside :func:`admissible_range`).
    """
    return rounding.nonnegative(ordering_margin(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, True))


def ordering_margin_mp(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any, dps: int = 50
) -> mpmath.mpf:
    """:func:`ordering_margin` from :func:`theory.closed_form_mp.stationary_points_mp` (mpmath throughout)."""
    p = closed_form_mp.stationary_points_mp(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, dps=dps)
    with mpmath.workdps(dps):
        return min(p.pretrained - p.descent_ascent, p.oracle - p.pretrained)


@functools.lru_cache(maxsize=1)
def proof_steps() -> tuple[SymbolicStep, ...]:
    """The SymPy steps 1–3 of the proof (module docstring) over the library's own range ends
    (:func:`admissible_range_symbolic`) and Lemma 2's arguments z = −L'(0)/λ; step 4 is their composition."""
    obj = closed_form_symbolic.axis_objectives()
    w, a, lam = obj.weight, obj.forget_ratio_axis, obj.ridge
    z_d, z_r, z_da = (sp.factor(-sp.diff(o, w).subs(w, 0) / lam) for o in (obj.pretraining, obj.oracle, obj.descent_ascent))
    low, high, _ = admissible_range_symbolic()
    # each difference is linear in α: its sign flips exactly at its root, on the side given by its slope
    upper, lower = sp.expand(z_r - z_d), sp.expand(z_d - z_da)
    upper_slope, lower_slope = sp.diff(upper, a), sp.diff(lower, a)
    upper_root, lower_root = sp.simplify(upper.subs(a, high)), sp.simplify(lower.subs(a, low))
    linear = sp.diff(upper, a, 2) == 0 and sp.diff(lower, a, 2) == 0
    r, f = obj.n_retain, obj.n_forget
    # the derived ends are the ones the lemma states (|D| = |R| + |F|)
    stated = sp.simplify(high - f / r) == 0, sp.simplify(low - f**2 / (r * (f + (r + f)))) == 0
    u = sp.Symbol("u", positive=True)
    slope = sp.factor(sp.diff(w * sp.exp(w), w))  # (w + 1)·e^w
    increasing = slope.subs(w, u - 1).is_positive  # w = u − 1 > −1
    return (
        SymbolicStep(
            "upper_end",
            "z_R − z_D is linear and decreasing in α and vanishes at α_high = |F|/|R|, so z_D ≤ z_R ⇔ α ≤ α_high",
            f"α_high = {high}; z_R − z_D at α_high: {upper_root}; slope {sp.factor(upper_slope)}",
            linear and stated[0] and upper_root == 0 and upper_slope.is_negative is True,
        ),
        SymbolicStep(
            "lower_end",
            "z_D − z_DA is linear and increasing in α and vanishes at α_low = |F|²/(|R|(|F|+|D|)), "
            "so z_DA ≤ z_D ⇔ α ≥ α_low",
            f"α_low = {low}; z_D − z_DA at α_low: {lower_root}; slope {sp.factor(lower_slope)}",
            linear and stated[1] and lower_root == 0 and lower_slope.is_positive is True,
        ),
        SymbolicStep(
            "w0_increasing",
            "d(w e^w)/dw = (1+w)e^w > 0 for w > −1, so W_0 is increasing on [−1/e, ∞)",
            f"d(w e^w)/dw = {slope}; positive for w > -1: {increasing}",
            increasing is True,
        ),
    )
