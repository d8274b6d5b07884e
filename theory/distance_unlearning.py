r"""Lemma 5 (Distance unlearning) [paper]: on over-represented axes DA lands at least |w^R| from the oracle.

Statement. For λ > 0 and α ≥ |F|/|R|,

    |w_j^R − w_j^DA|  ≥  W_0( |R_j| / (λ|R|) )  ( = w_j^R ),

because w_j^DA ≤ 0 there, or DA diverges (w_j^DA = −∞, regime 3 of Lemma 2). In regime 2 both stationary
points of L_DA (the local minimum W_0(z_DA) and the local maximum W_{−1}(z_DA)) are ≤ 0, so the bound holds
for either; :func:`holds` takes the branch.

Proof (steps checked by :func:`proof_steps`):

1. α = |F|/|R| + t with t ≥ 0 gives z_DA = −t|R_j|/(λ|F|) ≤ 0;
2. w e^w = z ≤ 0 forces w ≤ 0 on both real branches (w > 0 would give w e^w > 0);
3. w^R = W_0(z_R) > 0 since z_R > 0 (same fact), so |w^R − w^DA| = w^R − w^DA ≥ w^R.

The bound is attained at α = |F|/|R| (w^DA = 0), and just below |F|/|R| it fails (w^DA > 0): the range is sharp.
In floating point "α ≥ |F|/|R|" is decided exactly (:func:`admissible`), because w^DA ≈ (|F| − α|R|)|R_j|/(λ|R||F|)
near the end of the range, so one ulp of α moves w^DA by ~1e-16·|R_j|/(λ|R|), which is large for small λ.

Paper symbols ↔ names: |R| ``n_retain``, |F| ``n_forget``, |R_j| ``n_retain_axis``, α ``forget_ratio_axis``,
λ ``ridge``.

>>> bool(holds(800, 200, 50, 0.25, 1e-6)), bool(holds(800, 200, 50, 0.2499, 1e-6))   # at |F|/|R|, just below
(True, False)
>>> distance(800, 200, 50, 0.5, 1e-6)      # regime 3: DA diverges
inf
"""

from __future__ import annotations

import functools
from typing import Any, Literal

import mpmath
import numpy as np
import sympy as sp

from ascent_fails.theory import axis_parameters, closed_form, closed_form_mp, rounding
from ascent_fails.theory.closed_form_symbolic import SymbolicStep
from ascent_fails.validate import require_positive

__all__ = ["admissible", "distance", "distance_bound", "bound_margin", "holds", "distance_mp", "proof_steps"]


def admissible(n_retain: Any, n_forget: Any, forget_ratio_axis: Any) -> Any:
    """α ≥ |F|/|R|, decided exactly (sign of |F| − α|R| from :func:`theory.closed_form.retain_excess_sign`)."""
    return rounding.nonnegative(-np.asarray(closed_form.retain_excess_sign(n_retain, n_forget, forget_ratio_axis)))


def _weights(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any, branch: Literal[0, -1]
) -> tuple[Any, Any]:
    """(w^DA = W_branch(z_DA), w^R) from Lemma 2's closed forms (float path, vectorised)."""
    w_da = closed_form.descent_ascent_weight(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, branch=branch)
    return w_da, closed_form.oracle_weight(n_retain, n_retain_axis, ridge)


def distance(
    n_retain: Any,
    n_forget: Any,
    n_retain_axis: Any,
    forget_ratio_axis: Any,
    ridge: Any,
    branch: Literal[0, -1] = 0,
) -> Any:
    """|w^R − w^DA| with w^DA = W_branch(z_DA) (float path, vectorised; +inf where DA diverges, branch 0)."""
    w_da, w_r = _weights(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, branch)
    return axis_parameters.scalar_or_array(np.abs(w_r - w_da))


def distance_bound(n_retain: Any, n_retain_axis: Any, ridge: Any) -> Any:
    """W_0(|R_j|/(λ|R|)), the right-hand side of Lemma 5 (the oracle weight itself)."""
    return closed_form.oracle_weight(n_retain, n_retain_axis, ridge)


def bound_margin(
    n_retain: Any,
    n_forget: Any,
    n_retain_axis: Any,
    forget_ratio_axis: Any,
    ridge: Any,
    bound_factor: float = 1.0,
    branch: Literal[0, -1] = 0,
    include_rounding_slack: bool = False,
) -> Any:
    """|w^R − w^DA| − bound_factor·W_0(|R_j|/(λ|R|)): ≥ 0 where the (scaled) bound holds; +inf where DA diverges.

    ``bound_factor=1`` is Lemma 5 (a factor above 1 is violated at α = |F|/|R|, where the bound is attained).
    ``include_rounding_slack`` adds the rounding slack of the two weights (the test :func:`holds` does).
    """
    factor = require_positive("bound_factor", bound_factor, symbol="multiplier of Lemma 5's bound")
    w_da, w_r = _weights(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, branch)
    bound = factor * distance_bound(n_retain, n_retain_axis, ridge)
    return rounding.distance_margin(w_da, w_r, bound, "lower", include_rounding_slack)


def holds(
    n_retain: Any,
    n_forget: Any,
    n_retain_axis: Any,
    forget_ratio_axis: Any,
    ridge: Any,
    bound_factor: float = 1.0,
    branch: Literal[0, -1] = 0,
) -> Any:
    """|w^R − w^DA| ≥ bound_factor · W_0(|R_j|/(λ|R|)) up to rounding (bool, vectorised; Lemma 5 at factor 1).

    Evaluated wherever asked, so a test can show it failing below α = |F|/|R| or with ``bound_factor`` > 1.
    """
    return rounding.nonnegative(
        bound_margin(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, bound_factor, branch, True)
    )


def distance_mp(
    n_retain: Any,
    n_forget: Any,
    n_retain_axis: Any,
    forget_ratio_axis: Any,
    ridge: Any,
    branch: Literal[0, -1] = 0,
    dps: int = 50,
) -> mpmath.mpf:
    """|w^R − w^DA| from :func:`theory.closed_form_mp.stationary_points_mp` (branch −1 requires regime 2)."""
    p = closed_form_mp.stationary_points_mp(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, dps=dps)
    w_da = p.descent_ascent if branch == 0 else p.descent_ascent_maximum
    if w_da is None:
        raise ValueError(f"branch={branch} (local maximum W_-1(z_DA)) exists only in regime 2, not regime {p.regime}")
    with mpmath.workdps(dps):
        return abs(p.oracle - w_da)


@functools.lru_cache(maxsize=1)
def proof_steps() -> tuple[SymbolicStep, ...]:
    """SymPy: sign of z_DA on the range, sign of W on z ≤ 0, and the resulting distance bound."""
    r, f, rj, lam, t = sp.symbols("R F R_j lambda t", positive=True)
    z_da = sp.simplify(((1 - (f / r + t) * r / f) * rj / (lam * r)))  # α = |F|/|R| + t
    w = sp.Symbol("w", positive=True)
    w_r, w_da = sp.Symbol("w_R", positive=True), sp.Symbol("w_DA", nonpositive=True)
    excess = sp.simplify(sp.Abs(w_r - w_da) - w_r)
    return (
        SymbolicStep(
            "z_da_nonpositive",
            "α = |F|/|R| + t, t ≥ 0: z_DA = −t|R_j|/(λ|F|) ≤ 0",
            f"z_DA = {z_da}; nonpositive: {z_da.is_nonpositive}",
            z_da.is_nonpositive is True and sp.simplify(z_da + t * rj / (lam * f)) == 0,
        ),
        SymbolicStep(
            "w_nonpositive",
            "w > 0 ⇒ w e^w > 0, so W(z) ≤ 0 for z ≤ 0 and W_0(z_R) > 0 for z_R > 0",
            f"w e^w positive for w > 0: {(w * sp.exp(w)).is_positive}",
            (w * sp.exp(w)).is_positive is True,
        ),
        SymbolicStep(
            "distance_bound",
            "w^R > 0 ≥ w^DA ⇒ |w^R − w^DA| − w^R = −w^DA ≥ 0",
            f"|w_R − w_DA| − w_R = {excess}; nonnegative: {excess.is_nonnegative}",
            excess.is_nonnegative is True,
        ),
    )
