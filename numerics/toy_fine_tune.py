r"""Fine-tuning on the toy (Section 5.2): the gradient flow dθ/dt = −∇L_w(θ) from a start point to the minimum
whose basin holds it.

Fine-tuning by gradient descent with small steps follows this flow, so where it ends depends on the basin of
attraction, not on a step size: the toy's trap claim (fine-tuning on R from the GDA minimum stays in a worse
minimum) is a statement about these basins. Objectives are :mod:`theory.toy_problem`'s.

>>> from ascent_fails.numerics.toy_landscape import find_minima
>>> from ascent_fails.theory.toy_problem import get_variant
>>> gda = find_minima("descent_ascent", get_variant("tanh"))[0]
>>> fine_tune(gda.theta, "oracle", get_variant("tanh")).correct  # stays in the GDA basin
(True, True, True, False)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from ascent_fails.theory import toy_problem as tp
from ascent_fails.validate import require_finite, require_positive

__all__ = ["FineTuneResult", "fine_tune"]


@dataclass(frozen=True)
class FineTuneResult:
    """End of gradient flow on one objective from a start point."""

    start: tuple[float, float]
    a: float
    b: float
    loss: float
    correct: tuple[bool, ...]  # decision pattern at the end point
    converged: bool  # flow reached ‖∇L‖ < 1e-6, then ‖∇L‖ < tolerance with a positive-definite Hessian
    gradient_norm: float
    flow_time: float  # t at which the flow was stopped


def fine_tune(start: Sequence[float], objective: str, variant: tp.ToyVariant, forget_copies: int = 2,
              tolerance: float = 1e-10, max_time: float = 1e7) -> FineTuneResult:
    """Gradient flow dθ/dt = −∇L_w(θ) from ``start`` (the small-step limit of fine-tuning by gradient descent).

    The flow is integrated (LSODA) until ‖∇L‖ < 1e-6, then polished by Newton steps; the end point is the
    minimum whose basin of attraction holds ``start``, independent of any step size.
    """
    require_positive("tolerance", tolerance)
    require_positive("max_time", max_time)
    weights = tp.objective_weights(objective, forget_copies)
    theta0 = np.atleast_1d(require_finite("start", start, symbol="θ = (a, b)"))
    if theta0.shape != (2,):
        raise ValueError(f"start={start!r} must be a pair θ = (a, b)")

    def near_stationary(_t: float, theta: np.ndarray) -> float:
        return float(np.linalg.norm(tp.gradient(theta, weights, variant))) - 1e-6

    near_stationary.terminal = True
    if near_stationary(0.0, theta0) < 0:  # already near a stationary point: the event could never fire
        theta, reached, flow_time = theta0.astype(float), True, 0.0
    else:
        sol = solve_ivp(lambda _t, th: -tp.gradient(th, weights, variant), (0.0, max_time), theta0, method="LSODA",
                        events=near_stationary, rtol=1e-9, atol=1e-12)
        # reached: stopped by the event, not by max_time or an integrator failure
        theta, reached, flow_time = sol.y[:, -1], sol.status == 1, float(sol.t[-1])
    # Newton polish inside the basin: quadratic convergence once the flow is this close to the minimum; only
    # while the Hessian is positive definite, so that a step cannot leave the basin towards a saddle
    for _ in range(50):
        g = tp.gradient(theta, weights, variant)
        H = tp.hessian(theta, weights, variant)
        if np.linalg.norm(g) < tolerance or np.linalg.eigvalsh(H).min() <= 0:
            break
        theta = theta - np.linalg.solve(H, g)
    grad_norm = float(np.linalg.norm(tp.gradient(theta, weights, variant)))
    positive = bool(np.linalg.eigvalsh(tp.hessian(theta, weights, variant)).min() > 0)
    return FineTuneResult((float(theta0[0]), float(theta0[1])), float(theta[0]), float(theta[1]),
                          float(tp.loss(theta, weights, variant)), tp.decision_pattern(theta, variant),
                          bool(reached and grad_norm < tolerance and positive), grad_norm, flow_time)
