r"""Non-convex toy of Section 5.2 (Figure 5): descent–ascent traps the model in a worse minimum.

Data (THEORY.md §4, [paper]): four 1-D inputs through the feature map φ(x) = (x, x²),

    x = −1, 1, 3, 4   labels y = −1, +1, −1, +1   multiplicities m = (5, 4, 1, 4)

(clusters of identical points: 6 negatives, 8 positives, |D| = 14). The model is h_θ(x) = σ(a·x + b·x²),
θ = (a, b), trained by a weighted squared loss with a ridge,

    L_w(θ) = Σ_i w_i (σ(z_i) − t_i)² + c·λ‖θ‖²,      z_i = a·x_i + b·x_i²,

where w are the cluster weights of the objective, t_i the encoded target and c the ridge scaling.
The forget set F is ``forget_copies`` (= 2) of the four copies of x = 4. The three objectives differ only in
the weight on x = 4:

* ``pretrained``: w = m (the full data set D);
* ``oracle`` (retraining on R = D \ F): w₄ = 4 − k;
* ``descent_ascent`` (GDA with equal-weight unnormalised sums, descent on D and ascent on F is descent on
  Σ_D ℓ − Σ_F ℓ): w₄ = 4 − 2k, i.e. 0 for k = 2 — the two ascent copies cancel two descent copies.

*Reconstructed* (THEORY.md §4): the paper's exact σ, target encoding and ridge scaling could not be read.
They are the explicit options of :class:`ToyVariant`; the default reading (preset ``tanh``) is
σ(z) = tanh(z/2) with ±1 targets and ridge (λ/2)‖θ‖², λ = 0.1. Since tanh(z/2) = 2·sigmoid(z) − 1, the
preset ``sigmoid-01`` (sigmoid, {0, 1} targets) has loss ¼·L_tanh with the ridge multiplied by 4: it is the
``tanh`` landscape at ridge 4λ (proved symbolically in :mod:`theory.toy_model`). ``shifted-sigmoid`` reads
σ(z) = sigmoid(z) − ½ with the ±1 labels as targets (outputs never reach the targets).

The claims (THEORY.md §4, [paper]) are statements about minimisers of fixed objectives, independent of step
size: the pretrained landscape has a global and a local minimum; the pretrained global minimum classifies
x = −1, 1, 4 correctly (13/14 weighted); retraining stays in that basin (11/12 on R); the GDA objective prefers
the other basin (x = −1, 1, 3 correct: 10 right and 2 wrong on R); fine-tuning on R from there stays trapped.
:func:`check_claims` checks each one and returns the numbers.

>>> claims = check_claims(get_variant("tanh"))
>>> [c.reproduced for c in claims.subclaims]
[True, True, True, True, True]
>>> claims.trapped.correct
(True, True, True, False)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import minimize

from ascent_fails.validate import (
    require_choice,
    require_finite,
    require_in_range,
    require_nonnegative,
    require_positive,
    require_positive_int,
)

__all__ = [
    "INPUTS",
    "LABELS",
    "MULTIPLICITIES",
    "OBJECTIVES",
    "ToyVariant",
    "VARIANTS",
    "get_variant",
    "objective_weights",
    "features",
    "targets",
    "loss",
    "gradient",
    "hessian",
    "predict",
    "decision_pattern",
    "weighted_right",
    "stationary_radius",
    "Minimum",
    "find_minima",
    "FineTuneResult",
    "fine_tune",
    "SubClaim",
    "ToyClaims",
    "check_claims",
    "RidgeSweep",
    "ridge_sweep",
    "RidgeContinuation",
    "continue_minimum",
]

#: the four cluster inputs x, their labels y ∈ {−1, +1} and multiplicities m (THEORY.md §4)
INPUTS: tuple[float, ...] = (-1.0, 1.0, 3.0, 4.0)
LABELS: tuple[int, ...] = (-1, 1, -1, 1)
MULTIPLICITIES: tuple[int, ...] = (5, 4, 1, 4)
#: index of x = 4, the cluster the forget set is drawn from
FORGET_INDEX = 3
OBJECTIVES: tuple[str, ...] = ("pretrained", "oracle", "descent_ascent")

OUTPUTS: tuple[str, ...] = ("tanh_half", "shifted_sigmoid", "sigmoid")
TARGETS: tuple[str, ...] = ("pm1", "pm_half", "zero_one")
RIDGE_SCALINGS: tuple[str, ...] = ("half", "full")
_RIDGE_FACTOR = {"half": 0.5, "full": 1.0}  # c in c·λ‖θ‖²
# range of σ and sup |σ'| per output function: they bound the data gradient (stationary_radius)
_OUTPUT_RANGE = {"tanh_half": (-1.0, 1.0), "shifted_sigmoid": (-0.5, 0.5), "sigmoid": (0.0, 1.0)}
_OUTPUT_SLOPE = {"tanh_half": 0.5, "shifted_sigmoid": 0.25, "sigmoid": 0.25}


@dataclass(frozen=True)
class ToyVariant:
    """One reading of the reconstructed parts of the toy (THEORY.md §4, *reconstructed*)."""

    output: str  # σ: "tanh_half" = tanh(z/2); "shifted_sigmoid" = sigmoid(z) − ½; "sigmoid" = sigmoid(z)
    targets: str  # encoding of y = ±1: "pm1" → ±1, "pm_half" → ±½, "zero_one" → (y + 1)/2 ∈ {0, 1}
    ridge_scaling: str  # c in c·λ‖θ‖²: "half" → (λ/2)‖θ‖², "full" → λ‖θ‖²
    ridge: float = 0.1  # λ ≥ 0, the ridge strength (paper: λ = 0.1)

    def __post_init__(self) -> None:
        require_choice("output", self.output, OUTPUTS)
        require_choice("targets", self.targets, TARGETS)
        require_choice("ridge_scaling", self.ridge_scaling, RIDGE_SCALINGS)
        object.__setattr__(self, "ridge", require_nonnegative("ridge", self.ridge, symbol="λ in the toy's ridge"))

    def with_ridge(self, ridge: float) -> ToyVariant:
        """The same reading at another ridge λ."""
        return replace(self, ridge=ridge)


#: named presets (``--variant``); ``tanh`` is the default reading of THEORY.md §4
VARIANTS: dict[str, ToyVariant] = {
    "tanh": ToyVariant("tanh_half", "pm1", "half"),
    "shifted-sigmoid": ToyVariant("shifted_sigmoid", "pm1", "half"),
    "sigmoid-01": ToyVariant("sigmoid", "zero_one", "half"),
}


def get_variant(name: str, ridge: float | None = None) -> ToyVariant:
    """The preset ``name`` (one of :data:`VARIANTS`), optionally at another ridge λ ≥ 0.

    >>> get_variant("tanh", ridge=0.2).ridge
    0.2
    >>> get_variant("relu")
    Traceback (most recent call last):
    ...
    ValueError: variant='relu' must be one of 'tanh', 'shifted-sigmoid', 'sigmoid-01'
    """
    variant = VARIANTS[require_choice("variant", name, tuple(VARIANTS))]
    return variant if ridge is None else variant.with_ridge(ridge)


def objective_weights(objective: str, forget_copies: int = 2) -> np.ndarray:
    """Cluster weights w of ``objective`` when ``forget_copies`` (k) copies of x = 4 are forgotten.

    pretrained: m; oracle (retrain on R): w₄ = 4 − k; descent_ascent (Σ_D ℓ − Σ_F ℓ): w₄ = 4 − 2k.

    >>> [objective_weights(o).tolist() for o in OBJECTIVES]
    [[5.0, 4.0, 1.0, 4.0], [5.0, 4.0, 1.0, 2.0], [5.0, 4.0, 1.0, 0.0]]
    """
    require_choice("objective", objective, OBJECTIVES)
    k = _forget_copies(forget_copies)
    weights = np.array(MULTIPLICITIES, dtype=float)
    weights[FORGET_INDEX] -= {"pretrained": 0, "oracle": k, "descent_ascent": 2 * k}[objective]
    return weights


def _forget_copies(forget_copies: int) -> int:
    k = require_positive_int("forget_copies", forget_copies, minimum=0, symbol="|F|, copies of x = 4 forgotten")
    if k > MULTIPLICITIES[FORGET_INDEX]:
        raise ValueError(f"forget_copies={k} must be <= {MULTIPLICITIES[FORGET_INDEX]} (|F| ≤ copies of x = 4)")
    return k


_PHI = np.stack([np.array(INPUTS), np.array(INPUTS) ** 2], axis=1)  # (4, 2)
_PHI.setflags(write=False)


def features() -> np.ndarray:
    """φ(x_i) = (x_i, x_i²) for the four inputs, shape (4, 2) (read-only)."""
    return _PHI


def targets(variant: ToyVariant) -> np.ndarray:
    """Encoded targets t_i of the labels y_i under ``variant``, shape (4,)."""
    y = np.array(LABELS, dtype=float)
    return {"pm1": y, "pm_half": y / 2, "zero_one": (y + 1) / 2}[variant.targets]


def _output(z: np.ndarray, variant: ToyVariant) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """σ(z), σ'(z), σ''(z) of the variant's output function."""
    if variant.output == "tanh_half":
        h = np.tanh(z / 2)
        d1 = (1 - h**2) / 2  # d/dz tanh(z/2)
        return h, d1, -h * d1
    s = 0.5 * (1 + np.tanh(z / 2))  # sigmoid(z), overflow-free
    d1 = s * (1 - s)
    return (s - 0.5 if variant.output == "shifted_sigmoid" else s), d1, d1 * (1 - 2 * s)


def _parts(theta: np.ndarray, variant: ToyVariant):
    theta = np.asarray(theta, dtype=float)
    phi = features()  # (4, 2)
    z = theta @ phi.T  # (..., 4)
    h, d1, d2 = _output(z, variant)
    return theta, phi, h - targets(variant), d1, d2


def loss(theta: np.ndarray, weights: np.ndarray, variant: ToyVariant) -> np.ndarray:
    """L_w(θ) = Σ_i w_i (σ(z_i) − t_i)² + c·λ‖θ‖², vectorised over θ of shape (..., 2).

    >>> float(loss(np.zeros(2), objective_weights("pretrained"), get_variant("tanh")))  # σ(0) = 0: Σ m_i·1
    14.0
    """
    theta, _, r, _, _ = _parts(theta, variant)
    ridge = _RIDGE_FACTOR[variant.ridge_scaling] * variant.ridge
    return (r**2) @ weights + ridge * np.sum(theta**2, axis=-1)


def gradient(theta: np.ndarray, weights: np.ndarray, variant: ToyVariant) -> np.ndarray:
    """∇L_w = Σ_i 2 w_i (σ − t_i) σ'(z_i) φ_i + 2cλθ, shape (..., 2) (hand-derived; SymPy checks it)."""
    theta, phi, r, d1, _ = _parts(theta, variant)
    ridge = _RIDGE_FACTOR[variant.ridge_scaling] * variant.ridge
    return (2 * weights * r * d1) @ phi + 2 * ridge * theta


def hessian(theta: np.ndarray, weights: np.ndarray, variant: ToyVariant) -> np.ndarray:
    """∇²L_w = Σ_i 2 w_i (σ'² + (σ − t_i) σ'') φ_i φ_iᵀ + 2cλ I, shape (..., 2, 2)."""
    theta, phi, r, d1, d2 = _parts(theta, variant)
    ridge = _RIDGE_FACTOR[variant.ridge_scaling] * variant.ridge
    curvature = 2 * weights * (d1**2 + r * d2)  # (..., 4)
    return np.einsum("...i,ij,ik->...jk", curvature, phi, phi) + 2 * ridge * np.eye(2)


def predict(theta: Sequence[float], x: np.ndarray, variant: ToyVariant) -> np.ndarray:
    """h_θ(x) = σ(a·x + b·x²) at arbitrary inputs ``x`` (any shape).

    >>> float(predict((1.0, 0.0), np.array(0.0), get_variant("tanh")))
    0.0
    """
    x = np.asarray(x, dtype=float)
    a, b = np.asarray(theta, dtype=float)
    return _output(a * x + b * x**2, variant)[0]


def decision_pattern(theta: Sequence[float], variant: ToyVariant) -> tuple[bool, ...]:
    """Whether h_θ classifies x = −1, 1, 3, 4 correctly: predict +1 iff σ(z) exceeds the midpoint of the targets.

    >>> decision_pattern((2.42, -0.44), get_variant("tanh"))  # the pilot's pretrained global minimum
    (True, True, False, True)
    """
    h, _, _ = _output(np.asarray(theta, dtype=float) @ features().T, variant)
    t = targets(variant)
    midpoint = (t.max() + t.min()) / 2
    return tuple(bool(p) for p in (h > midpoint) == (np.array(LABELS) > 0))


def weighted_right(pattern: Sequence[bool], weights: np.ndarray) -> tuple[float, float]:
    """(Σ w_i over correctly classified clusters, Σ w_i): e.g. 13 of 14 on D, 11 of 12 on R."""
    w = np.asarray(weights, dtype=float)
    return float(w[np.asarray(pattern, dtype=bool)].sum()), float(w.sum())


def stationary_radius(weights: np.ndarray, variant: ToyVariant) -> float:
    """A radius R with every stationary point of L_w inside ‖θ‖ ≤ R (∞ when λ = 0).

    At a stationary point 2cλθ = −Σ 2 w_i (σ − t_i) σ' φ_i, so 2cλ‖θ‖ ≤ Σ 2|w_i| sup|σ − t_i| sup|σ'| ‖φ_i‖.
    """
    lo, hi = _OUTPUT_RANGE[variant.output]
    gap = np.maximum(np.abs(lo - targets(variant)), np.abs(hi - targets(variant)))
    bound = float(np.sum(2 * np.abs(weights) * gap * _OUTPUT_SLOPE[variant.output] * np.linalg.norm(features(), axis=1)))
    ridge = _RIDGE_FACTOR[variant.ridge_scaling] * variant.ridge
    return math.inf if ridge == 0 else bound / (2 * ridge)


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
_GRAD_TOL = 1e-9
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


def _batched_descent(starts: np.ndarray, weights: np.ndarray, variant: ToyVariant, iterations: int = 200) -> np.ndarray:
    """Saddle-free damped Newton from every start at once: step −|H|⁻¹∇L with backtracking, so L decreases.

    Starts whose gradient has fallen below the tolerance are frozen; the loop ends when all are.
    """
    theta = starts.copy()  # (n, 2)
    for _ in range(iterations):
        g = gradient(theta, weights, variant)  # (n, 2)
        current = loss(theta, weights, variant)  # (n,)
        active = np.linalg.norm(g, axis=1) > 1e-3 * _GRAD_TOL * (1 + np.abs(current))
        if not active.any():
            break
        step = -_abs_inverse_times(hessian(theta[active], weights, variant), g[active])  # (m, 2)
        base, target = theta[active], current[active] + 1e-13 * (1 + np.abs(current[active]))
        alpha = np.ones(len(base))
        # accept a step that does not raise L beyond rounding; halve the others, re-evaluating only those
        pending = np.arange(len(base))
        for _ in range(40):
            worse = loss(base[pending] + alpha[pending, None] * step[pending], weights, variant) > target[pending]
            pending = pending[worse]
            if pending.size == 0:
                break
            alpha[pending] /= 2
        theta[active] = base + alpha[:, None] * step
    return theta


def find_minima(objective: str, variant: ToyVariant, forget_copies: int = 2, seed: int = 0) -> tuple[Minimum, ...]:
    """All strict local minima of one objective found by multi-start optimisation, lowest loss first.

    Starts: a seeded, jittered 41 × 41 grid on |a| ≤ 12, |b| ≤ 6 and log-polar rings (24 angles × 8 radii) out
    to :func:`stationary_radius`, which contains every stationary point. Each start descends by batched
    saddle-free Newton (200 steps); the distinct end points that are already stationary to 1e-8 and curve
    upward are polished by ``scipy.optimize.minimize`` (trust-exact with the analytic Hessian) and kept if ‖∇L‖ < 1e-9·(1 + |L|) and the Hessian is positive definite (smallest
    eigenvalue > 1e-7·(1 + largest), which rejects the flat saturated plateaus of λ = 0).

    >>> [(round(m.a, 2), round(m.b, 2), m.is_global) for m in find_minima("pretrained", get_variant("tanh"))]
    [(2.42, -0.44, True), (3.06, -1.24, False)]
    """
    weights = objective_weights(objective, forget_copies)
    radius = min(stationary_radius(weights, variant), _MAX_RADIUS_NO_RIDGE if variant.ridge == 0 else math.inf)
    ends = _batched_descent(_starts(radius, seed), weights, variant)
    # Newton converges quadratically at a strict minimum, so only end points that are already nearly stationary
    # and curve upward are polished; the saturated plateaus of λ = 0 (‖∇L‖ ~ 1e-6 after 200 steps, curvature
    # ~ 1e-6 or 0) are not minima and would each cost a full scipy run
    evals = np.linalg.eigvalsh(hessian(ends, weights, variant))  # (n, 2), ascending
    grad_norms = np.linalg.norm(gradient(ends, weights, variant), axis=1)
    ends = ends[(evals[:, 0] > _MIN_CURVATURE * (1 + evals[:, 1]))
                & (grad_norms < 10 * _GRAD_TOL * (1 + np.abs(loss(ends, weights, variant))))]
    # one candidate per cluster of end points (the lowest-loss end first), then polish each candidate
    remaining = ends[np.argsort(loss(ends, weights, variant))]
    candidates: list[np.ndarray] = []
    while len(remaining):
        head = remaining[0]
        candidates.append(head)
        remaining = remaining[np.linalg.norm(remaining - head, axis=1) > 1e-3 * (1 + np.linalg.norm(head))]
    found: list[tuple[np.ndarray, float, np.ndarray]] = []
    for end in candidates:
        res = minimize(loss, end, args=(weights, variant), jac=gradient, hess=hessian, method="trust-exact",
                       options={"gtol": 1e-12, "maxiter": 200})
        theta = res.x
        value = float(loss(theta, weights, variant))
        grad_norm = float(np.linalg.norm(gradient(theta, weights, variant)))
        evals = np.linalg.eigvalsh(hessian(theta, weights, variant))
        if grad_norm > _GRAD_TOL * (1 + abs(value)) or evals.min() <= _MIN_CURVATURE * (1 + evals.max()):
            continue  # a saddle, a non-converged run, or a saturated plateau (λ = 0: the infimum is at infinity)
        if any(np.linalg.norm(theta - t) < _DEDUPE_DISTANCE * (1 + np.linalg.norm(t)) for t, _, _ in found):
            continue
        found.append((theta, value, evals))
    if not found:
        return ()
    best = min(v for _, v, _ in found)
    minima = [
        Minimum(objective, float(t[0]), float(t[1]), v, v <= best + 1e-9 * (1 + abs(best)),
                decision_pattern(t, variant), float(np.linalg.norm(gradient(t, weights, variant))),
                (float(e[0]), float(e[1])))
        for t, v, e in found
    ]
    return tuple(sorted(minima, key=lambda m: m.loss))


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


def fine_tune(start: Sequence[float], objective: str, variant: ToyVariant, forget_copies: int = 2,
              tolerance: float = 1e-10, max_time: float = 1e7) -> FineTuneResult:
    """Gradient flow dθ/dt = −∇L_w(θ) from ``start`` (the small-step limit of fine-tuning by gradient descent).

    The flow is integrated (LSODA) until ‖∇L‖ < 1e-6, then polished by Newton steps; the end point is the
    minimum whose basin of attraction holds ``start``, independent of any step size.

    >>> gda = find_minima("descent_ascent", get_variant("tanh"))[0]
    >>> fine_tune(gda.theta, "oracle", get_variant("tanh")).correct  # stays in the GDA basin
    (True, True, True, False)
    """
    require_positive("tolerance", tolerance)
    require_positive("max_time", max_time)
    weights = objective_weights(objective, forget_copies)
    theta0 = np.atleast_1d(require_finite("start", start, symbol="θ = (a, b)"))
    if theta0.shape != (2,):
        raise ValueError(f"start={start!r} must be a pair θ = (a, b)")

    def near_stationary(_t: float, theta: np.ndarray) -> float:
        return float(np.linalg.norm(gradient(theta, weights, variant))) - 1e-6

    near_stationary.terminal = True
    if near_stationary(0.0, theta0) < 0:  # already near a stationary point: the event could never fire
        theta, reached, flow_time = theta0.astype(float), True, 0.0
    else:
        sol = solve_ivp(lambda _t, th: -gradient(th, weights, variant), (0.0, max_time), theta0, method="LSODA",
                        events=near_stationary, rtol=1e-9, atol=1e-12)
        # reached: stopped by the event, not by max_time or an integrator failure
        theta, reached, flow_time = sol.y[:, -1], sol.status == 1, float(sol.t[-1])
    # Newton polish inside the basin: quadratic convergence once the flow is this close to the minimum; only
    # while the Hessian is positive definite, so that a step cannot leave the basin towards a saddle
    for _ in range(50):
        g = gradient(theta, weights, variant)
        H = hessian(theta, weights, variant)
        if np.linalg.norm(g) < tolerance or np.linalg.eigvalsh(H).min() <= 0:
            break
        theta = theta - np.linalg.solve(H, g)
    grad_norm = float(np.linalg.norm(gradient(theta, weights, variant)))
    positive = bool(np.linalg.eigvalsh(hessian(theta, weights, variant)).min() > 0)
    return FineTuneResult((float(theta0[0]), float(theta0[1])), float(theta[0]), float(theta[1]),
                          float(loss(theta, weights, variant)), decision_pattern(theta, variant),
                          bool(reached and grad_norm < tolerance and positive), grad_norm, flow_time)


#: decision patterns named in the paper's claims (x = −1, 1, 3, 4)
PATTERN_WRONG_ON_3 = (True, True, False, True)  # pretrained global and oracle: −1, 1, 4 correct
PATTERN_WRONG_ON_4 = (True, True, True, False)  # GDA: −1, 1, 3 correct


@dataclass(frozen=True)
class SubClaim:
    """One sub-claim of THEORY.md §4 under one variant."""

    name: str
    statement: str
    reproduced: bool
    numbers: dict = field(default_factory=dict)  # what was found, JSON-serialisable


@dataclass(frozen=True)
class ToyClaims:
    """Every sub-claim of THEORY.md §4 under one variant, with the minima and the fine-tuning behind them."""

    variant: dict  # asdict(ToyVariant)
    forget_copies: int
    seed: int
    minima: tuple[Minimum, ...]  # all objectives
    trapped: FineTuneResult | None  # fine-tuning on R from the GDA global minimum (None if GDA has no minimum)
    subclaims: tuple[SubClaim, ...]

    @property
    def reproduced(self) -> bool:
        return all(c.reproduced for c in self.subclaims)

    @property
    def is_trapped(self) -> bool:
        """Fine-tuning on R from the GDA minimum ends at a worse minimum than retraining."""
        return next(c for c in self.subclaims if c.name == "finetune_trapped").reproduced


def check_claims(variant: ToyVariant, forget_copies: int = 2, seed: int = 0) -> ToyClaims:
    """Check the five sub-claims of THEORY.md §4 under ``variant`` (pretrained two minima; pretrained global
    pattern 13/14; retraining stays, 11/12; GDA prefers the other basin, 10 right 2 wrong on R; fine-tuning
    from the GDA minimum stays trapped)."""
    by = {o: find_minima(o, variant, forget_copies, seed) for o in OBJECTIVES}
    d_w, r_w = objective_weights("pretrained"), objective_weights("oracle", forget_copies)
    pre, ora, gda = (by[o][0] if by[o] else None for o in OBJECTIVES)
    claims = [SubClaim("pretrained_two_minima", "the pretrained landscape has a global and a local minimum",
                       len(by["pretrained"]) >= 2, {"n_minima": len(by["pretrained"])})]
    if pre is None:
        claims.append(SubClaim("pretrained_global_pattern", "pretrained global classifies −1, 1, 4 (13/14)", False))
    else:
        claims.append(SubClaim("pretrained_global_pattern", "pretrained global classifies −1, 1, 4 (13/14)",
                               pre.correct == PATTERN_WRONG_ON_3,
                               {"correct": list(pre.correct), "right_of": weighted_right(pre.correct, d_w)}))
    stay = None if pre is None else fine_tune(pre.theta, "oracle", variant, forget_copies)
    claims.append(SubClaim(
        "retrain_stays", "retraining stays in the pretrained basin (11/12 on R)",
        bool(ora is not None and stay is not None and stay.converged and ora.correct == PATTERN_WRONG_ON_3
             and np.linalg.norm(np.array([stay.a, stay.b]) - ora.theta) < 1e-6 * (1 + np.linalg.norm(ora.theta))),
        {} if ora is None else {"correct": list(ora.correct), "right_of": weighted_right(ora.correct, r_w),
                                "flow_from_pretrained_reaches_oracle_global": stay is not None
                                and bool(np.allclose([stay.a, stay.b], ora.theta, atol=1e-5))}))
    claims.append(SubClaim(
        "gda_prefers_other_basin", "the GDA global minimum classifies −1, 1, 3 (10 right, 2 wrong on R)",
        gda is not None and gda.correct == PATTERN_WRONG_ON_4,
        {} if gda is None else {"correct": list(gda.correct), "right_of": weighted_right(gda.correct, r_w),
                                "n_minima": len(by["descent_ascent"])}))
    trapped = None if gda is None else fine_tune(gda.theta, "oracle", variant, forget_copies)
    worse = (trapped is not None and ora is not None and trapped.converged
             and trapped.loss > ora.loss + 1e-8 * (1 + abs(ora.loss)) and trapped.correct != ora.correct)
    claims.append(SubClaim(
        "finetune_trapped", "fine-tuning on R from the GDA minimum stays in a worse minimum", worse,
        {} if trapped is None or ora is None else
        {"end": [trapped.a, trapped.b], "end_loss": trapped.loss, "oracle_global_loss": ora.loss,
         "correct": list(trapped.correct), "right_of": weighted_right(trapped.correct, r_w)}))
    minima = tuple(m for o in OBJECTIVES for m in by[o])
    return ToyClaims(asdict(variant), _forget_copies(forget_copies), seed, minima, trapped, tuple(claims))


@dataclass(frozen=True)
class RidgeSweep:
    """Where the claims hold along a ridge sweep of one variant."""

    variant: dict  # asdict(ToyVariant) at the base ridge
    ridges: tuple[float, ...]  # λ values swept (ascending)
    holds: tuple[bool, ...]  # all five sub-claims reproduced at each λ
    failing: tuple[tuple[str, ...], ...]  # names of the failed sub-claims at each λ
    interval: tuple[float, float] | None  # [λ_lo, λ_hi]: the longest contiguous run of swept λ that holds


def ridge_sweep(variant: ToyVariant, ridges: Sequence[float], forget_copies: int = 2, seed: int = 0) -> RidgeSweep:
    """Check the claims of ``variant`` at every λ in ``ridges`` and report the holding interval.

    ``interval`` is the largest contiguous run of swept λ that holds (the edges lie between it and its failing
    neighbours); None if no λ holds.
    """
    lams = tuple(sorted(float(require_nonnegative("ridge", r, symbol="λ")) for r in ridges))
    results = [check_claims(variant.with_ridge(lam), forget_copies, seed) for lam in lams]
    holds = tuple(r.reproduced for r in results)
    failing = tuple(tuple(c.name for c in r.subclaims if not c.reproduced) for r in results)
    best: tuple[int, int] | None = None
    start = None
    for i, ok in enumerate(holds + (False,)):
        if ok and start is None:
            start = i
        if not ok and start is not None:
            if best is None or i - start > best[1] - best[0] + 1:
                best = (start, i - 1)
            start = None
    interval = None if best is None else (lams[best[0]], lams[best[1]])
    return RidgeSweep(asdict(variant), lams, holds, failing, interval)


@dataclass(frozen=True)
class RidgeContinuation:
    """A minimum followed as λ grows until it disappears (a fold), with the bracket of the edge."""

    objective: str
    ridge_holding: float  # last λ at which the followed minimum exists (Newton converged, Hessian PD)
    ridge_failing: float | None  # first λ at which it no longer exists; None if it survived up to max_ridge
    a: float  # the minimum at ridge_holding
    b: float
    steps: int


def continue_minimum(objective: str, variant: ToyVariant, start: Sequence[float], max_ridge: float,
                     factor: float = 1.02, forget_copies: int = 2) -> RidgeContinuation:
    """Follow the minimum near ``start`` (at the variant's λ) while λ grows by ``factor`` up to ``max_ridge``.

    At each λ, Newton steps from the previous minimum must converge to a point with a positive-definite
    Hessian that stays close (a jump means the minimum vanished and Newton found another critical point).
    The edge λ* of existence then lies in (ridge_holding, ridge_failing]; :func:`theory.toy_model.fold_ridge`
    pins it to 50 digits.
    """
    require_positive("max_ridge", max_ridge, symbol="λ")
    require_in_range("factor", factor, 1.0, 2.0, closed=(False, True))
    weights = objective_weights(objective, forget_copies)
    theta = np.atleast_1d(require_finite("start", start, symbol="θ = (a, b)")).astype(float)
    lam, steps = variant.ridge, 0
    while lam * factor <= max_ridge:
        trial_variant = variant.with_ridge(lam * factor)
        trial = theta.copy()
        ok = False
        for _ in range(30):
            g = gradient(trial, weights, trial_variant)
            if np.linalg.norm(g) < _GRAD_TOL:
                ok = bool(np.linalg.eigvalsh(hessian(trial, weights, trial_variant)).min() > 0)
                break
            trial = trial - np.linalg.solve(hessian(trial, weights, trial_variant), g)
        if not ok or np.linalg.norm(trial - theta) > 0.2 * (1 + np.linalg.norm(theta)):
            return RidgeContinuation(objective, lam, lam * factor, float(theta[0]), float(theta[1]), steps)
        theta, lam, steps = trial, lam * factor, steps + 1
    return RidgeContinuation(objective, lam, None, float(theta[0]), float(theta[1]), steps)
