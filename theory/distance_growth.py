r"""Lemma 4 (Distance growth) [paper]: pretraining already lies close to the oracle.

Statement. For λ > 0 and α > 0 (the proof also covers α = 0),

    |w_j^D − w_j^R|  ≤  | ln( (1+α)|R| / |D| ) |,

a bound free of λ and |R_j| that vanishes as α → |F|/|R|.

Proof (steps checked by :func:`proof_steps`). For a, b > 0 write W = W_0. Taking logs of W(x)e^{W(x)} = x,

    W(a) − W(b) = ln(a/b) − ln(W(a)/W(b)),

and ln(a/b), ln(W(a)/W(b)) share a sign (W is increasing and positive on (0, ∞)), so
|W(a) − W(b)| = |ln(a/b)| − |ln(W(a)/W(b))| ≤ |ln(a/b)|. With a = z_D = (1+α)|R_j|/(λ|D|) and
b = z_R = |R_j|/(λ|R|) (Lemma 2), a/b = (1+α)|R|/|D|. The bound is sharp as λ → 0 (both W large, the
second log → 0) and loose as λ → ∞ (W(x) ≈ x).

Paper symbols ↔ names: |R| ``n_retain``, |F| ``n_forget``, |D| = |R| + |F|, |R_j| ``n_retain_axis``,
α ``forget_ratio_axis``, λ ``ridge``.

>>> round(distance(900, 100, 50, 0.5, 0.01), 6), round(distance_bound(900, 100, 0.5), 6)
(0.17885, 0.300105)
>>> bool(holds(900, 100, 50, 0.5, 1e-9)), bool(holds(900, 100, 50, 0.5, 1e-9, bound_factor=0.9))
(True, False)
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ascent_fails.theory import axis_parameters, closed_form, closed_form_mp, lambert, rounding
from ascent_fails.theory.closed_form_symbolic import SymbolicStep
from ascent_fails.validate import require_positive

__all__ = ["distance", "distance_bound", "bound_margin", "holds", "distance_mp", "distance_bound_mp", "proof_steps"]


def _weights(n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any) -> tuple[Any, Any]:
    """(w^D, w^R) from Lemma 2's closed forms (float path, vectorised)."""
    w_d = closed_form.pretrained_weight(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)
    return w_d, closed_form.oracle_weight(n_retain, n_retain_axis, ridge)


def distance(n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any) -> Any:
    """|w^D − w^R| from Lemma 2's closed forms (float path, vectorised)."""
    w_d, w_r = _weights(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)
    return axis_parameters.scalar_or_array(np.abs(w_d - w_r))


def distance_bound(n_retain: Any, n_forget: Any, forget_ratio_axis: Any) -> Any:
    """|ln((1+α)|R|/|D|)| = |ln(z_D/z_R)|, accurate near α = |F|/|R| and for sizes up to 1e300
    (:func:`theory.closed_form.pretrained_oracle_log_ratio`)."""
    return axis_parameters.scalar_or_array(
        np.abs(closed_form.pretrained_oracle_log_ratio(n_retain, n_forget, forget_ratio_axis))
    )


def bound_margin(
    n_retain: Any,
    n_forget: Any,
    n_retain_axis: Any,
    forget_ratio_axis: Any,
    ridge: Any,
    bound_factor: float = 1.0,
    include_rounding_slack: bool = False,
) -> Any:
    """bound_factor·|ln((1+α)|R|/|D|)| − |w^D − w^R|: ≥ 0 where the (scaled) bound holds (vectorised).

    ``bound_factor=1`` is Lemma 4; a factor below 1 is a tightened bound, which fails as λ → 0 (negative
    control). ``include_rounding_slack`` adds the rounding slack of the two weights (the test :func:`holds` does).
    """
    factor = require_positive("bound_factor", bound_factor, symbol="multiplier of Lemma 4's bound")
    w_d, w_r = _weights(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)
    bound = factor * distance_bound(n_retain, n_forget, forget_ratio_axis)
    return rounding.distance_margin(w_d, w_r, bound, "upper", include_rounding_slack)


def holds(
    n_retain: Any,
    n_forget: Any,
    n_retain_axis: Any,
    forget_ratio_axis: Any,
    ridge: Any,
    bound_factor: float = 1.0,
) -> Any:
    """|w^D − w^R| ≤ bound_factor · |ln((1+α)|R|/|D|)| up to rounding (bool, vectorised; Lemma 4 at factor 1)."""
    return rounding.nonnegative(
        bound_margin(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, bound_factor, True)
    )


def distance_mp(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any, dps: int = 50
) -> mpmath.mpf:
    """|w^D − w^R| from :func:`theory.closed_form_mp.stationary_points_mp`."""
    p = closed_form_mp.stationary_points_mp(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, dps=dps)
    with mpmath.workdps(dps):
        return abs(p.pretrained - p.oracle)


def distance_bound_mp(n_retain: Any, n_forget: Any, forget_ratio_axis: Any, dps: int = 50) -> mpmath.mpf:
    """|ln((1+α)|R|/|D|)| at ``dps`` ∈ [15, 10000] digits (inputs taken exactly)."""
    axis_parameters.validate_parameters(
        n_retain=float(n_retain), n_forget=float(n_forget), forget_ratio_axis=float(forget_ratio_axis)
    )
    dps = lambert.validate_dps(dps)
    with mpmath.workdps(dps):
        r, f, a = mpmath.mpf(n_retain), mpmath.mpf(n_forget), mpmath.mpf(forget_ratio_axis)
        # (1+α)|R|/|D| = 1 − (|F| − α|R|)/|D|: log1p keeps a tiny α (1 + α would round it away at dps digits);
        # a quotient below 1/2 is taken directly (1 − x would cancel instead)
        ratio = -(f - a * r) / (r + f)
        return abs(mpmath.log1p(ratio) if ratio > -0.5 else mpmath.log((1 + a) * r / (r + f)))


@functools.lru_cache(maxsize=1)
def proof_steps() -> tuple[SymbolicStep, ...]:
    """SymPy: the log identity, the shared sign of its two logs, and a/b = (1+α)|R|/|D|."""
    wa, wb, t = sp.symbols("W_a W_b t", positive=True)
    a, b = wa * sp.exp(wa), wb * sp.exp(wb)  # a = W(a) e^{W(a)}: W_a, W_b are the values W(a), W(b) > 0
    identity = sp.simplify(sp.expand_log(sp.log(a / b) - sp.log(wa / wb), force=True) - (wa - wb))
    # a > b ⇔ W(a) = W(b) + t with t > 0 (W increasing); both logs are then positive (a < b: swap a and b)
    log_w = sp.log(1 + t / wb)  # ln(W(a)/W(b)); positive as its argument exceeds 1
    log_ab = sp.log((wb + t) * sp.exp(wb + t) / (wb * sp.exp(wb)))  # ln(a/b)
    split = sp.simplify(sp.expand_log(log_ab - t - log_w, force=True))
    shared = log_w.is_positive is True and split == 0
    r, f, al, rj, lam = sp.symbols("R F alpha R_j lambda", positive=True)
    ratio = sp.simplify(((1 + al) * rj / (lam * (r + f))) / (rj / (lam * r)) - (1 + al) * r / (r + f))
    return (
        SymbolicStep(
            "log_identity",
            "W(a) − W(b) = ln(a/b) − ln(W(a)/W(b)) for a, b > 0 (logs of W e^W = x)",
            f"residual {identity}",
            identity == 0,
        ),
        SymbolicStep(
            "shared_sign",
            "W(a) = W(b) + t, t > 0: ln(W(a)/W(b)) > 0 and ln(a/b) = t + ln(W(a)/W(b)) > 0, so |ΔW| ≤ |ln(a/b)|",
            f"ln(W_a/W_b) positive: {log_w.is_positive}; ln(a/b) − t − ln(W_a/W_b) = {split}",
            shared,
        ),
        SymbolicStep(
            "argument_ratio",
            "z_D / z_R = (1+α)|R|/|D|",
            f"residual {ratio}",
            ratio == 0,
        ),
    )
