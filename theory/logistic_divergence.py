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

from ascent_fails.theory import axis_parameters, closed_form, closed_form_mp, rounding
from ascent_fails.theory.closed_form_symbolic import SymbolicStep

__all__ = ["admissible_range", "ordering_margin", "holds", "ordering_margin_mp", "proof_steps"]


def admissible_range(n_retain: Any, n_forget: Any) -> tuple[Any, Any]:
    """(α_low, α_high) = (|F|²/(|R|(|F|+|D|)), |F|/|R|), the closed range of α in Lemma 3."""
    r, f = axis_parameters.validate_parameters(n_retain=n_retain, n_forget=n_forget)
    low = f * f / (r * (f + (r + f)))
    return axis_parameters.scalar_or_array(low), closed_form.regime_boundary_2(n_retain, n_forget)


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
    """The SymPy steps 1–3 of the proof (module docstring); step 4 is their composition."""
    r, f, a, rj, lam = sp.symbols("R F alpha R_j lambda", positive=True)
    d = r + f
    z_d = (1 + a) * rj / (lam * d)
    z_r = rj / (lam * r)
    z_da = (1 - a * r / f) * rj / (lam * r)
    upper = sp.simplify((z_r - z_d) * lam / rj - (f - a * r) / (r * d))
    lower = sp.simplify((z_d - z_da) * lam / rj - (a * r * (f + d) - f**2) / (r * f * d))
    low_end = sp.solve(sp.Eq(a * r * (f + d), f**2), a)
    w, u = sp.Symbol("w", real=True), sp.Symbol("u", positive=True)
    slope = sp.factor(sp.diff(w * sp.exp(w), w))  # (w + 1)·e^w
    increasing = slope.subs(w, u - 1).is_positive  # w = u − 1 > −1
    return (
        SymbolicStep(
            "upper_end",
            "(z_R − z_D)·λ/|R_j| = (|F| − α|R|)/(|R||D|), so z_D ≤ z_R ⇔ α ≤ |F|/|R|",
            f"residual {upper}",
            upper == 0,
        ),
        SymbolicStep(
            "lower_end",
            "(z_D − z_DA)·λ/|R_j| = (α|R|(|F|+|D|) − |F|²)/(|R||F||D|), "
            "so z_DA ≤ z_D ⇔ α ≥ |F|²/(|R|(|F|+|D|))",
            f"residual {lower}; root in α: {low_end}",
            lower == 0 and len(low_end) == 1 and sp.simplify(low_end[0] - f**2 / (r * (f + d))) == 0,
        ),
        SymbolicStep(
            "w0_increasing",
            "d(w e^w)/dw = (1+w)e^w > 0 for w > −1, so W_0 is increasing on [−1/e, ∞)",
            f"d(w e^w)/dw = {slope}; positive for w > -1: {increasing}",
            increasing is True,
        ),
    )
