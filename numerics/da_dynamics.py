r"""Simultaneous descent–ascent (DA) on one axis of the logistic model, in the three regimes of Lemma 2.

Under Assumptions 1–2 the DA objective decouples per axis j (Section 5.1.1). With |R| = ``n_retain``,
|F| = ``n_forget``, |R_j| = ``n_retain_axis``, α = ``forget_ratio_axis`` (|F_j| = α|R_j|) and λ = ``ridge``::

    f(w)  = (|R_j|/|R|) e^{−w} − (α|R_j|/|F|) e^{−w} + (λ/2) w² = c e^{−w} + (λ/2) w²,   c = |R_j|/|R| − α|R_j|/|F|
    f'(w) = λ w − c e^{−w},        f''(w) = λ + c e^{−w}

so f'(w) = 0 ⇔ λ w e^{w} = c, and f''(w*) = λ(1 + w*) at a stationary point. With z_DA = c/λ (Lemma 2):

1. z_DA ≥ 0: one stationary point W_0(z_DA) ≥ 0, the minimum (f is convex);
2. −1/e ≤ z_DA < 0: the local minimum W_0(z_DA) ∈ [−1, 0) and the local maximum W_{−1}(z_DA) ≤ −1;
   started above the maximum DA settles at W_0, started below it DA runs off to −∞;
3. z_DA < −1/e: f'(w) = λ(w + |z_DA| e^{−w}) ≥ λ(1 + ln|z_DA|) > 0 everywhere (minimum at w = ln|z_DA|),
   so every descent step lowers w by at least ηλ(1 + ln|z_DA|): DA diverges to −∞.

(The paper calls the DA axis objective unbounded below whenever α > 0; that holds only for c < 0, i.e.
regimes 2–3 (docs/theory.md#regimes-of-the-da-objective). In regime 1, c ≥ 0 and f → +∞ as w → −∞, so the
axis objective is convex and coercive.)

Accuracy of a converged run: f'(w) = f''(ξ)(w − w*) for some ξ between w and w*. In regime 1, f'' ≥ λ. In
regime 2, f'' = λ + c e^{−w} increases with w, and with η ≤ 1/max f'' the map w ↦ w − ηf'(w) is monotone,
so iterates started above w* stay above it and f''(ξ) ≥ f''(w*) = λ(1 + w*). Hence

    |w − w*| ≤ |f'(w)| / (λ min(1, 1 + w*)),

which the tests and ``proofs_check`` use with a factor 2 (which also covers runs that approach w* from below,
where f''(ξ) → f''(w*) as the residual shrinks).

Gradient descent w ← w − η f'(w) is run here without any Lambert W: its limit is the independent check of
the closed forms (the starting point w^D is the only value taken from ``theory.closed_form``). Divergence is
explicit: an element whose iterate falls below ``divergence_threshold`` is frozen and flagged; e^{−w} is
never evaluated below the threshold, so no overflow reaches the next step and no NaN appears.

>>> run = run_descent_ascent(n_retain=100, n_forget=10, n_retain_axis=20, forget_ratio_axis=0.05, ridge=0.1)
>>> bool(run.converged), bool(run.diverged), run.final > 0      # regime 1: α < |F|/|R| = 0.1
(True, False, True)
>>> float(abs(0.1 * run.final * math.exp(run.final) - (20 / 100 - 0.05 * 20 / 10))) < 1e-10   # λ w e^w = c
True
>>> bool(run_descent_ascent(100, 10, 20, 1.0, 0.1).diverged)        # regime 3
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ascent_fails.theory import closed_form
from ascent_fails.validate import require_in_range, require_nonnegative, require_positive, require_positive_int

__all__ = [
    "DescentAscentRun",
    "axis_coefficient",
    "axis_gradient",
    "stable_step_size",
    "require_divergence_threshold",
    "run_descent_ascent",
]


@dataclass(frozen=True)
class DescentAscentRun:
    """Outcome of DA on the 1-D axis objective; arrays broadcast over the parameters (floats for scalar input)."""

    final: Any = field(repr=False)  # last iterate; for a diverged element, its first value below the threshold
    converged: Any  # |f'(w)| / λ ≤ tolerance at the end
    diverged: Any  # the iterate fell below divergence_threshold (DA runs off to −∞)
    steps: Any  # iterations taken by each element before it converged or diverged (max_steps if neither)
    gradient_residual: Any = field(repr=False)  # |f'(w)| at the end; inf for a diverged element (never NaN)
    step_size: Any = field(repr=False)  # η used for each element


def axis_coefficient(n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any) -> Any:
    """c = |R_j|/|R| − α|R_j|/|F|, the net weight of e^{−w} in the axis objective (global normalisers)."""
    n_retain = require_positive("n_retain", n_retain, symbol="|R|")
    n_forget = require_positive("n_forget", n_forget, symbol="|F|")
    n_retain_axis = require_positive("n_retain_axis", n_retain_axis, symbol="|R_j|")
    forget_ratio_axis = require_nonnegative("forget_ratio_axis", forget_ratio_axis, symbol="α")
    return n_retain_axis / n_retain - forget_ratio_axis * n_retain_axis / n_forget


def axis_gradient(w: Any, coefficient: Any, ridge: Any) -> Any:
    """f'(w) = λ w − c e^{−w} for the axis objective f(w) = c e^{−w} + (λ/2) w²."""
    return ridge * w - coefficient * np.exp(-w)


def stable_step_size(start: Any, coefficient: Any, ridge: Any) -> Any:
    """η = 1/L with L = λ(1 + max(0, w₀, c e^{−w₀}/λ)) ≥ f'' on the path from w₀ to the minimum it reaches.

    f'' = λ + c e^{−w} is monotone in w, so its maximum over the path is at one end: at w₀ it is
    λ + c e^{−w₀}, at a minimum w* < w₀ it is λ(1 + w*) ≤ λ(1 + w₀); for c < 0, f'' ≤ λ.
    """
    return 1.0 / (ridge * (1.0 + np.maximum(0.0, np.maximum(start, coefficient * np.exp(-start) / ridge))))


def require_divergence_threshold(value: float) -> float:
    """A threshold below which a coordinate counts as diverging: in [−700, −1), since e^{−w} overflows a double
    below −700 and a threshold above −1 would cut off regime 2's minimum in [−1, 0) (Lemma 2)."""
    return require_in_range("divergence_threshold", value, -700.0, -1.0, closed=(True, False))


def run_descent_ascent(
    n_retain: Any,
    n_forget: Any,
    n_retain_axis: Any,
    forget_ratio_axis: Any,
    ridge: Any,
    start: Any = None,
    step_size: Any = None,
    tolerance: float = 1e-12,
    max_steps: int = 100_000,
    divergence_threshold: float = -50.0,
) -> DescentAscentRun:
    """Gradient descent on the DA axis objective (ascent on F, descent on R), vectorised over the parameters.

    ``start`` defaults to the pretrained weight w^D = W_0((1+α)|R_j|/(λ|D|)) (Lemma 2), as in the paper's
    unlearning protocol; ``step_size`` η defaults to :func:`stable_step_size`. Convergence is |f'(w)|/λ ≤
    ``tolerance`` (f'/λ = w − z_DA e^{−w} has the units of w, so the test does not depend on the scale of λ).
    """
    coefficient = axis_coefficient(n_retain, n_forget, n_retain_axis, forget_ratio_axis)
    ridge = require_positive("ridge", ridge, symbol="λ")
    tolerance = require_positive("tolerance", tolerance)
    max_steps = require_positive_int("max_steps", max_steps)
    divergence_threshold = require_divergence_threshold(divergence_threshold)
    if start is None:
        start = closed_form.pretrained_weight(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)
    start = require_in_range("start", start, divergence_threshold, math.inf, symbol="w₀")
    shape = np.broadcast(coefficient, ridge, start).shape
    # work on flat copies (a 0-d input becomes length 1) and restore the shape at the end
    coefficient, ridge, w = (
        np.broadcast_to(np.asarray(v, dtype=float), shape).ravel().copy() for v in (coefficient, ridge, start)
    )
    if step_size is None:
        eta = stable_step_size(w, coefficient, ridge)
    else:
        eta = np.broadcast_to(np.asarray(require_positive("step_size", step_size, symbol="η")), shape).ravel().copy()
    steps = np.full(w.shape, max_steps)
    converged = np.zeros(w.shape, dtype=bool)
    diverged = np.zeros(w.shape, dtype=bool)
    active = np.ones(w.shape, dtype=bool)
    grad = np.zeros(w.shape)  # filled for every element at step 0
    for step in range(max_steps + 1):
        # evaluate only the active elements: a frozen diverged w would overflow e^{−w}
        grad[active] = axis_gradient(w[active], coefficient[active], ridge[active])
        done = active & (np.abs(grad) <= tolerance * ridge)
        converged |= done
        steps[done] = step
        active &= ~done
        if step == max_steps or not active.any():
            break
        with np.errstate(over="ignore"):  # a step from near the threshold may reach −inf: flagged below, not NaN
            w[active] -= eta[active] * grad[active]
        fell = active & (w < divergence_threshold)
        diverged |= fell
        steps[fell] = step + 1
        active &= ~fell
    residual = np.where(diverged, np.inf, np.abs(grad))
    if not shape:
        return DescentAscentRun(
            float(w[0]), bool(converged[0]), bool(diverged[0]), int(steps[0]), float(residual[0]), float(eta[0])
        )
    return DescentAscentRun(*(v.reshape(shape) for v in (w, converged, diverged, steps, residual, eta)))
