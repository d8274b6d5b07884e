r"""Every strict local minimum of the toy's objectives L_w (Section 5.2, Figure 5), by multi-start search.

The objectives, data and readings are :mod:`theory.toy_problem`'s. The claims of the toy are statements about
minimisers, so the search must not miss one: starts cover a jittered box where the data term is not saturated
and log-polar rings out to :func:`theory.toy_problem.stationary_radius`, which contains every stationary point;
each start descends by batched saddle-free Newton, and the survivors are polished and certified by
‖∇L_w‖ ≈ 0 with a positive-definite Hessian. :mod:`theory.toy_model` certifies them again at 50 digits.

>>> from ascent_fails.theory.toy_problem import get_variant
>>> [(round(m.a, 2), round(m.b, 2), m.is_global) for m in find_minima("pretrained", get_variant("tanh"))]
[(2.42, -0.44, True), (3.06, -1.24, False)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from ascent_fails.theory import toy_problem as tp

__all__ = ["Minimum", "find_minima", "GRADIENT_TOLERANCE"]


@dataclass(frozen=True)
class Minimum:
    """A strict local minimum of one objective, confirmed by ‖∇L‖ ≈ 0 and a positive-definite Hessian."""

    objective: str  # "pretrained" | "oracle" | "descent_ascent"
    a: float  # θ = (a, b)
    b: float
    loss: float  # L_w(θ)
    is_global: bool  # lowest loss among the minima found
    correct: tuple[bool, ...]  # decision pattern on x = −1, 1, 3, 4
    gradient_norm: float  # ‖∇L_w(θ)‖ after polishing
    hessian_eigenvalues: tuple[float, float]  # both > 0 for a strict minimum

    @property
    def theta(self) -> np.ndarray:
        return np.array([self.a, self.b])

    def to_json(self) -> dict:
        return {"objective": self.objective, "a": self.a, "b": self.b, "loss": self.loss,
                "global": self.is_global, "correct": list(self.correct)}


# Multi-start grid. Minima sit where the data term is not saturated, |z_i| = |a·x_i + b·x_i²| of order 1, which
# with x up to 4 is inside the box below; the narrow basin of the pretrained local minimum needs a step of about
# 0.5 in a (41 × 41 box starts hit it about 30 times at λ = 0.11). Log-polar rings outside the box reach the
# stationary radius, which contains every stationary point. The seeded jitter breaks the grid's symmetry.
_BOX_HALF_WIDTH = (12.0, 6.0)  # (a, b)
_BOX_POINTS = 41  # per axis
_N_ANGLES, _N_RADII, _MAX_RADIUS_NO_RIDGE = 24, 8, 100.0
_DEDUPE_DISTANCE = 1e-4  # minima closer than this (relative to 1 + ‖θ‖) are the same minimum
GRADIENT_TOLERANCE = 1e-9  # ‖∇L‖ < this·(1 + |L|) at a reported minimum
# a minimum must curve upward by more than this (relative): with λ = 0 the saturated plateaus have ‖∇L‖ and
# both Hessian eigenvalues below 1e-9, numerically "minima" that are not
_MIN_CURVATURE = 1e-7


def _starts(radius: float, seed: int) -> np.ndarray:
    """Seeded multi-start points, shape (n, 2): a jittered box grid plus log-polar rings out to ``radius``."""
    rng = np.random.default_rng(seed)
    half = np.array(_BOX_HALF_WIDTH)
    grid = np.stack(np.meshgrid(*(np.linspace(-h, h, _BOX_POINTS) for h in half)), axis=-1).reshape(-1, 2)
    grid = grid + rng.uniform(-0.5, 0.5, grid.shape) * (2 * half / (_BOX_POINTS - 1))
    inner = float(np.linalg.norm(half))
    if radius <= inner:
        return grid
    radii = np.geomspace(inner, radius, _N_RADII)[:, None] * np.exp(rng.uniform(-0.1, 0.1, (_N_RADII, _N_ANGLES)))
    angles = np.linspace(0, 2 * np.pi, _N_ANGLES, endpoint=False) + rng.uniform(0, 2 * np.pi / _N_ANGLES, radii.shape)
    rings = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=-1).reshape(-1, 2)
    return np.concatenate([grid, rings])


def _abs_inverse_times(H: np.ndarray, g: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """|H|⁻¹ g for symmetric 2 × 2 matrices H (m, 2, 2), |H| = Σ |μ_k| P_k with eigenvalue floor ``floor``.

    Closed form through the spectral projectors P± = ±(H − μ∓ I)/(μ+ − μ−): no LAPACK call per matrix.
    """
    p, q, r = H[:, 0, 0], H[:, 0, 1], H[:, 1, 1]
    mean, half_gap = (p + r) / 2, np.hypot((p - r) / 2, q)
    mu_plus, mu_minus = mean + half_gap, mean - half_gap
    inv_plus, inv_minus = 1 / np.maximum(np.abs(mu_plus), floor), 1 / np.maximum(np.abs(mu_minus), floor)
    safe_gap = np.where(half_gap > 1e-12 * (1 + np.abs(mean)), 2 * half_gap, 1.0)
    Hg = np.einsum("mij,mj->mi", H, g)
    proj_plus = (Hg - mu_minus[:, None] * g) / safe_gap[:, None]  # P+ g
    proj_minus = g - proj_plus  # P− g
    split = inv_plus[:, None] * proj_plus + inv_minus[:, None] * proj_minus
    # H = μ I when the eigenvalues coincide: |H|⁻¹ g = g / max(|μ|, floor)
    return np.where((half_gap > 1e-12 * (1 + np.abs(mean)))[:, None], split, inv_plus[:, None] * g)


def _batched_descent(starts: np.ndarray, weights: np.ndarray, variant: tp.ToyVariant, iterations: int = 200) -> np.ndarray:
    """Saddle-free damped Newton from every start at once: step −|H|⁻¹∇L with backtracking, so L decreases.

    Starts whose gradient has fallen below the tolerance are frozen; the loop ends when all are.
    """
    theta = starts.copy()  # (n, 2)
    for _ in range(iterations):
        g = tp.gradient(theta, weights, variant)  # (n, 2)
        current = tp.loss(theta, weights, variant)  # (n,)
        active = np.linalg.norm(g, axis=1) > 1e-3 * GRADIENT_TOLERANCE * (1 + np.abs(current))
        if not active.any():
            break
        step = -_abs_inverse_times(tp.hessian(theta[active], weights, variant), g[active])  # (m, 2)
        base, target = theta[active], current[active] + 1e-13 * (1 + np.abs(current[active]))
        alpha = np.ones(len(base))
        # accept a step that does not raise L beyond rounding; halve the others, re-evaluating only those
        pending = np.arange(len(base))
        for _ in range(40):
            worse = tp.loss(base[pending] + alpha[pending, None] * step[pending], weights, variant) > target[pending]
            pending = pending[worse]
            if pending.size == 0:
                break
            alpha[pending] /= 2
        theta[active] = base + alpha[:, None] * step
    return theta


def find_minima(objective: str, variant: tp.ToyVariant, forget_copies: int = 2, seed: int = 0) -> tuple[Minimum, ...]:
    """All strict local minima of one objective found by multi-start optimisation, lowest loss first.

    Starts: a seeded, jittered 41 × 41 grid on |a| ≤ 12, |b| ≤ 6 and log-polar rings (24 angles × 8 radii) out
    to :func:`theory.toy_problem.stationary_radius`, which contains every stationary point. Each start descends by batched
    saddle-free Newton (200 steps); the distinct end points that are already stationary to 1e-8 and curve
    upward are polished by ``scipy.optimize.minimize`` (trust-exact with the analytic Hessian) and kept if ‖∇L‖ < 1e-9·(1 + |L|) and the Hessian is positive definite (smallest
    eigenvalue > 1e-7·(1 + largest), which rejects the flat saturated plateaus of λ = 0).
    """
    weights = tp.objective_weights(objective, forget_copies)
    radius = min(tp.stationary_radius(weights, variant), _MAX_RADIUS_NO_RIDGE if variant.ridge == 0 else math.inf)
    ends = _batched_descent(_starts(radius, seed), weights, variant)
    # Newton converges quadratically at a strict minimum, so only end points that are already nearly stationary
    # and curve upward are polished; the saturated plateaus of λ = 0 (‖∇L‖ ~ 1e-6 after 200 steps, curvature
    # ~ 1e-6 or 0) are not minima and would each cost a full scipy run
    evals = np.linalg.eigvalsh(tp.hessian(ends, weights, variant))  # (n, 2), ascending
    grad_norms = np.linalg.norm(tp.gradient(ends, weights, variant), axis=1)
    ends = ends[(evals[:, 0] > _MIN_CURVATURE * (1 + evals[:, 1]))
                & (grad_norms < 10 * GRADIENT_TOLERANCE * (1 + np.abs(tp.loss(ends, weights, variant))))]
    # one candidate per cluster of end points (the lowest-loss end first), then polish each candidate
    remaining = ends[np.argsort(tp.loss(ends, weights, variant))]
    candidates: list[np.ndarray] = []
    while len(remaining):
        head = remaining[0]
        candidates.append(head)
        remaining = remaining[np.linalg.norm(remaining - head, axis=1) > 1e-3 * (1 + np.linalg.norm(head))]
    found: list[tuple[np.ndarray, float, np.ndarray]] = []
    for end in candidates:
        res = minimize(tp.loss, end, args=(weights, variant), jac=tp.gradient, hess=tp.hessian,
                       method="trust-exact", options={"gtol": 1e-12, "maxiter": 200})
        theta = res.x
        value = float(tp.loss(theta, weights, variant))
        grad_norm = float(np.linalg.norm(tp.gradient(theta, weights, variant)))
        evals = np.linalg.eigvalsh(tp.hessian(theta, weights, variant))
        if grad_norm > GRADIENT_TOLERANCE * (1 + abs(value)) or evals.min() <= _MIN_CURVATURE * (1 + evals.max()):
            continue  # a saddle, a non-converged run, or a saturated plateau (λ = 0: the infimum is at infinity)
        if any(np.linalg.norm(theta - t) < _DEDUPE_DISTANCE * (1 + np.linalg.norm(t)) for t, _, _ in found):
            continue
        found.append((theta, value, evals))
    if not found:
        return ()
    best = min(v for _, v, _ in found)
    minima = [
        Minimum(objective, float(t[0]), float(t[1]), v, v <= best + 1e-9 * (1 + abs(best)),
                tp.decision_pattern(t, variant), float(np.linalg.norm(tp.gradient(t, weights, variant))),
                (float(e[0]), float(e[1])))
        for t, v, e in found
    ]
    return tuple(sorted(minima, key=lambda m: m.loss))
