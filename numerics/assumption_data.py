r"""Real data matrices satisfying Assumptions 1–2, and the full objectives of Section 5.1.1 minimised on them.

This is the *independent route* to Lemma 2: instead of evaluating the Lambert-W closed forms, build an actual
data matrix X ∈ ℝ^{n×d} with labels y ∈ {−1, +1}^n, write the three objectives on (X, y) exactly as the paper
does, and minimise them numerically; then match each column of X to its axis and compare.

Objectives (exponential loss ℓ_i(w) = exp(−y_i⟨w, x_i⟩), ridge λ > 0, *global* normalisers) [paper]::

    L_D(w)  = (1/|D|) Σ_{i∈D} ℓ_i(w) + (λ/2)‖w‖²                     pretraining
    L_R(w)  = (1/|R|) Σ_{i∈R} ℓ_i(w) + (λ/2)‖w‖²                     oracle
    L_DA(w) = (1/|R|) Σ_{i∈R} ℓ_i(w) − (1/|F|) Σ_{i∈F} ℓ_i(w) + (λ/2)‖w‖²

All three are L(w) = Σ_i c_i ℓ_i(w) + (λ/2)‖w‖² with per-sample weights c_i, so one function evaluates them,
with gradient ∇L(w) = −Xᵀ(c ⊙ y ⊙ e^{−y⊙Xw}) + λw.

Assumption 1 (block diagonal after permuting samples and coordinates) and Assumption 2 (y_i x_ij = 1 wherever
x_ij ≠ 0) are realised with one coordinate per block: every sample lives on exactly one axis j, with
|R_j| retain and |F_j| forget samples there (α = |F_j|/|R_j| in the paper). Each group carries its own sign
s ∈ {−1, +1}, x_ij = y_i = s, so y_i x_ij = 1 whatever the sign. Optional empty coordinates (all-zero
columns) carry no sample; every objective puts them at 0. Rows and columns are then shuffled with a
recorded seed, and the ground truth (which column is which axis) is kept.

L_D and L_R are λ-strongly convex, so ‖w − w*‖₂ ≤ ‖∇L(w)‖₂ / λ bounds the optimiser's error; L_DA is not
convex and is unbounded below as soon as one axis has |F_j|/|F| > |R_j|/|R| (then ℓ_i → ∞ for its forget
samples as w_j → −∞ beats the ridge), so it is run by gradient descent from w^D and each coordinate is
classified as converged or diverging.

>>> config = AssumptionDataConfig(axes=(AxisSpec(3, 1), AxisSpec(2, 4, forget_sign=1)), seed=0)
>>> data = generate_assumption_data(config)
>>> data.X.shape, int(data.forget_mask.sum()), assumption_violations(data.X, data.y)
((10, 2), 5, [])
>>> fit = minimise_convex_objective(data, "oracle", ridge=0.5)
>>> fit.converged, bool(np.all(fit.w > 0))
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.optimize import minimize

from threadpoolctl import threadpool_limits

from ascent_fails.numerics import da_dynamics
from ascent_fails.validate import require_choice, require_nonnegative, require_positive, require_positive_int

__all__ = [
    "AxisSpec",
    "AssumptionDataConfig",
    "AssumptionData",
    "MinimisationResult",
    "DescentAscentFlowResult",
    "generate_assumption_data",
    "random_assumption_config",
    "assumption_violations",
    "sample_weights",
    "objective_and_gradient",
    "minimise_convex_objective",
    "descent_ascent_flow",
]

# Newton converges quadratically from where L-BFGS-B stops; more than a few steps means something is wrong
_NEWTON_POLISH_STEPS = 8
_LBFGS_GRADIENT_TOLERANCE = 1e-9

Objective = Literal["pretrain", "oracle", "descent_ascent"]
OBJECTIVES: tuple[str, ...] = ("pretrain", "oracle", "descent_ascent")


def _require_sign(name: str, value: int) -> int:
    if isinstance(value, bool) or value not in (-1, 1):
        raise ValueError(f"{name}={value!r} must be +1 or -1 (the common value of x_ij and y_i, Assumption 2)")
    return int(value)


@dataclass(frozen=True)
class AxisSpec:
    """One axis j of the data: its retain and forget samples and their sign convention."""

    n_retain: int  # |R_j| ≥ 1, retain samples on this axis
    n_forget: int  # |F_j| ≥ 0, forget samples on this axis (α = |F_j|/|R_j|)
    retain_sign: int = 1  # s: retain samples have x_ij = y_i = s (so y_i x_ij = 1)
    forget_sign: int = -1  # same for forget samples; mixed signs are allowed (Assumption 2 only needs y·x = 1)

    def __post_init__(self) -> None:
        require_positive_int("n_retain", self.n_retain, symbol="|R_j|")
        require_positive_int("n_forget", self.n_forget, minimum=0, symbol="|F_j|")
        _require_sign("retain_sign", self.retain_sign)
        _require_sign("forget_sign", self.forget_sign)

    @property
    def forget_ratio(self) -> float:
        """α = |F_j| / |R_j|, the per-axis forget/retain ratio of Lemma 2."""
        return self.n_forget / self.n_retain


@dataclass(frozen=True)
class AssumptionDataConfig:
    """A data set satisfying Assumptions 1–2: its axes, extra empty coordinates, and the shuffle seed."""

    axes: tuple[AxisSpec, ...]  # one entry per axis j; the forget set F must be non-empty (L_DA divides by |F|)
    seed: int  # seeds the row and column permutations (recorded so the matrix can be rebuilt)
    n_empty_coordinates: int = 0  # all-zero columns (no sample on them); their optimum is w_j = 0

    def __post_init__(self) -> None:
        if not isinstance(self.axes, tuple) or not self.axes or not all(isinstance(a, AxisSpec) for a in self.axes):
            raise ValueError(f"axes={self.axes!r} must be a non-empty tuple of AxisSpec")
        require_positive_int("seed", self.seed, minimum=0)
        require_positive_int("n_empty_coordinates", self.n_empty_coordinates, minimum=0)
        if self.n_forget == 0:
            raise ValueError("axes hold no forget sample; |F| must be >= 1 (L_DA divides by |F|)")

    @property
    def n_retain(self) -> int:
        """|R| = Σ_j |R_j|."""
        return sum(a.n_retain for a in self.axes)

    @property
    def n_forget(self) -> int:
        """|F| = Σ_j |F_j|."""
        return sum(a.n_forget for a in self.axes)


@dataclass(frozen=True)
class AssumptionData:
    """A generated data matrix with its ground truth."""

    config: AssumptionDataConfig
    X: np.ndarray = field(repr=False)  # [n, d] entries in {−1, 0, +1}, rows and columns shuffled
    y: np.ndarray = field(repr=False)  # [n] labels in {−1, +1}
    forget_mask: np.ndarray = field(repr=False)  # [n] True for samples of F
    axis_of_column: np.ndarray = field(repr=False)  # [d] axis index j of each column, −1 for an empty coordinate
    column_of_axis: np.ndarray = field(repr=False)  # [n_axes] column holding axis j

    @property
    def n_retain(self) -> int:
        return int((~self.forget_mask).sum())

    @property
    def n_forget(self) -> int:
        return int(self.forget_mask.sum())


def generate_assumption_data(config: AssumptionDataConfig) -> AssumptionData:
    """Build X, y from ``config``: one coordinate per axis, then shuffle rows and columns with ``config.seed``."""
    n_axes = len(config.axes)
    d = n_axes + config.n_empty_coordinates
    rows_x: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    forget: list[np.ndarray] = []
    for j, axis in enumerate(config.axes):
        groups = ((axis.n_retain, axis.retain_sign, False), (axis.n_forget, axis.forget_sign, True))
        for count, sign, is_forget in groups:
            block = np.zeros((count, d))
            block[:, j] = sign  # x_ij = s and y_i = s: y_i x_ij = 1 (Assumption 2)
            rows_x.append(block)
            labels.append(np.full(count, float(sign)))
            forget.append(np.full(count, is_forget))
    X = np.concatenate(rows_x)  # [n, d] before shuffling
    y = np.concatenate(labels)  # [n]
    mask = np.concatenate(forget)  # [n]
    rng = np.random.default_rng(config.seed)
    row_perm = rng.permutation(X.shape[0])
    col_perm = rng.permutation(d)  # new column k holds old column col_perm[k]
    axis_of_old = np.concatenate([np.arange(n_axes), np.full(config.n_empty_coordinates, -1)])
    axis_of_column = axis_of_old[col_perm]
    column_of_axis = np.argsort(col_perm)[:n_axes]
    return AssumptionData(config, X[row_perm][:, col_perm], y[row_perm], mask[row_perm], axis_of_column, column_of_axis)


def random_assumption_config(
    seed: int, n_axes: int, max_retain_axis: int = 20, max_forget_ratio: float = 3.0, n_empty_coordinates: int = 0
) -> AssumptionDataConfig:
    """Draw per-axis counts and signs with ``seed``: |R_j| uniform in 1..max_retain_axis, α_j ≤ max_forget_ratio."""
    require_positive_int("seed", seed, minimum=0)
    require_positive_int("n_axes", n_axes)
    require_positive_int("max_retain_axis", max_retain_axis)
    require_nonnegative("max_forget_ratio", max_forget_ratio, symbol="α")
    rng = np.random.default_rng(seed)
    n_retain = rng.integers(1, max_retain_axis + 1, size=n_axes)
    n_forget = np.floor(rng.uniform(0, max_forget_ratio, size=n_axes) * n_retain + 0.5).astype(int)
    if n_forget.sum() == 0:  # |F| ≥ 1 is required; put one forget sample on the first axis
        n_forget[0] = 1
    signs = rng.choice([-1, 1], size=(n_axes, 2))
    axes = tuple(AxisSpec(int(r), int(f), int(s[0]), int(s[1])) for r, f, s in zip(n_retain, n_forget, signs))
    return AssumptionDataConfig(axes, seed, n_empty_coordinates)


def assumption_violations(X: np.ndarray, y: np.ndarray) -> list[str]:
    """Reasons why (X, y) breaks the one-coordinate-per-block form of Assumptions 1–2; empty if it satisfies them.

    Checked from the matrix alone (no ground truth): every row has exactly one non-zero entry (so after
    permuting, X is block diagonal with blocks on single coordinates — the per-axis decoupling of Lemma 2),
    and y_i x_ij = 1 on it (Assumption 2).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    problems: list[str] = []
    if X.ndim != 2 or y.shape != (X.shape[0],):
        return [f"shapes X{X.shape}, y{y.shape} are not [n, d] and [n]"]
    support = np.count_nonzero(X, axis=1)
    if np.any(support != 1):
        problems.append(f"{int(np.sum(support != 1))} row(s) do not have exactly one non-zero coordinate")
    nonzero = X != 0
    products = (y[:, None] * X)[nonzero]
    if not np.all(products == 1):
        problems.append(f"{int(np.sum(products != 1))} non-zero entries have y_i x_ij != 1")
    return problems


def sample_weights(forget_mask: np.ndarray, objective: Objective) -> np.ndarray:
    """Per-sample weights c_i of L(w) = Σ c_i ℓ_i(w) + (λ/2)‖w‖² (global normalisers).

    ``pretrain`` (L_D): 1/|D| everywhere; ``oracle`` (L_R): 1/|R| on R, 0 on F; ``descent_ascent`` (L_DA):
    1/|R| on R, −1/|F| on F.
    """
    require_choice("objective", objective, OBJECTIVES)
    mask = np.asarray(forget_mask, dtype=bool)
    n_forget = int(mask.sum())
    n_retain = mask.size - n_forget
    if n_retain == 0:
        raise ValueError("forget_mask marks every sample; |R| must be >= 1")
    if objective == "pretrain":
        return np.full(mask.size, 1.0 / mask.size)
    if objective == "oracle":
        return np.where(mask, 0.0, 1.0 / n_retain)
    if n_forget == 0:
        raise ValueError("forget_mask marks no sample; |F| must be >= 1 for the descent_ascent objective")
    return np.where(mask, -1.0 / n_forget, 1.0 / n_retain)


def objective_and_gradient(
    w: np.ndarray, X: np.ndarray, y: np.ndarray, weights: np.ndarray, ridge: float
) -> tuple[float, np.ndarray]:
    """L(w) = Σ_i c_i exp(−y_i⟨w, x_i⟩) + (λ/2)‖w‖² and ∇L(w) = −Xᵀ(c ⊙ y ⊙ e^{−y⊙Xw}) + λw."""
    losses = np.exp(-y * (X @ w))  # [n] ℓ_i(w)
    value = float(weights @ losses + 0.5 * ridge * (w @ w))
    grad = -X.T @ (weights * y * losses) + ridge * w  # [d]
    return value, grad


@dataclass(frozen=True)
class MinimisationResult:
    """Outcome of L-BFGS-B on L_D or L_R."""

    objective: str  # "pretrain" (L_D) or "oracle" (L_R)
    w: np.ndarray = field(repr=False)  # [d] minimiser found
    converged: bool  # ‖∇L(w)‖_∞ ≤ gradient_tolerance, checked here, not taken from the optimiser
    iterations: int  # L-BFGS-B iterations
    newton_steps: int  # Newton polishing steps after L-BFGS-B (see minimise_convex_objective)
    gradient_norm: float  # ‖∇L(w)‖₂
    error_bound: float  # ‖w − w*‖₂ ≤ ‖∇L(w)‖₂ / λ (λ-strong convexity)
    message: str  # scipy's termination message


def minimise_convex_objective(
    data: AssumptionData, objective: Literal["pretrain", "oracle"], ridge: float, gradient_tolerance: float = 1e-13
) -> MinimisationResult:
    """Minimise L_D (``"pretrain"``) or L_R (``"oracle"``) on (X, y) with L-BFGS-B from w = 0, then Newton-polish.

    ``converged`` is decided here from ‖∇L(w)‖_∞ ≤ ``gradient_tolerance``, not from the optimiser's message.
    """
    require_choice("objective", objective, ("pretrain", "oracle"))
    ridge = require_positive("ridge", ridge, symbol="λ")
    gradient_tolerance = require_positive("gradient_tolerance", gradient_tolerance)
    weights = sample_weights(data.forget_mask, objective)
    # L-BFGS-B's small BLAS calls on d ≲ 100 run 20× slower when OpenBLAS wakes its thread pool for each
    # (measured on a shared 2-core machine): one thread is always enough at these sizes
    with threadpool_limits(1, user_api="blas"):
        res = minimize(
            objective_and_gradient,
        np.zeros(data.X.shape[1]),
            args=(data.X, data.y, weights, ridge),
            jac=True,
            method="L-BFGS-B",
            # L-BFGS-B only needs to reach Newton's basin: below ‖∇L‖ ≈ 1e-9 its line search stalls on an
            # objective whose change is under float resolution, so it stops there (ftol=0: on the gradient only)
            options={"gtol": max(gradient_tolerance, _LBFGS_GRADIENT_TOLERANCE), "ftol": 0.0, "maxiter": 10_000},
        )
    # Near the minimum the change of L falls below float resolution (L-BFGS-B stops with ‖∇L‖ ≈ 1e-9) while
    # ∇L itself is still accurate: finish with Newton steps, H = Xᵀdiag(c ⊙ e^{−y⊙Xw})X + λI (exact, any X).
    w = res.x
    _, grad = objective_and_gradient(w, data.X, data.y, weights, ridge)
    newton_steps = 0
    while np.max(np.abs(grad)) > gradient_tolerance and newton_steps < _NEWTON_POLISH_STEPS:
        curvature = weights * np.exp(-data.y * (data.X @ w))  # [n], y_i² = 1
        hessian = data.X.T @ (curvature[:, None] * data.X) + ridge * np.eye(w.size)  # [d, d]
        w = w - np.linalg.solve(hessian, grad)
        _, grad = objective_and_gradient(w, data.X, data.y, weights, ridge)
        newton_steps += 1
    gnorm = float(np.linalg.norm(grad))
    converged = bool(np.max(np.abs(grad)) <= gradient_tolerance)
    return MinimisationResult(
        objective, w, converged, int(res.nit), newton_steps, gnorm, gnorm / ridge, str(res.message)
    )


@dataclass(frozen=True)
class DescentAscentFlowResult:
    """Gradient descent on L_DA from w^D, per coordinate."""

    w: np.ndarray = field(repr=False)  # [d] final iterate; a diverging coordinate: its first value below the threshold
    converged: np.ndarray = field(repr=False)  # [d] |∂L_DA/∂w_j| ≤ gradient_tolerance at the end
    diverged: np.ndarray = field(repr=False)  # [d] w_j fell below divergence_threshold (DA runs off to −∞)
    steps: int  # iterations taken
    step_size: float  # η used
    gradient_residual: np.ndarray = field(repr=False)  # [d] |∂L_DA/∂w_j| at the end; inf for diverged coordinates

    @property
    def finished(self) -> bool:
        """Every coordinate either converged or diverged (no coordinate left undecided)."""
        return bool(np.all(self.converged | self.diverged))


def descent_ascent_flow(
    data: AssumptionData,
    start: np.ndarray,
    ridge: float,
    step_size: float | None = None,
    gradient_tolerance: float = 1e-12,
    max_steps: int = 50_000,
    divergence_threshold: float = -50.0,
) -> DescentAscentFlowResult:
    """Gradient descent w ← w − η∇L_DA(w) on the full (X, y), started from ``start`` (w^D), until it settles.

    A coordinate whose value drops below ``divergence_threshold`` is declared diverging and frozen there,
    which keeps e^{−y_i⟨w, x_i⟩} finite (no overflow, no NaN); under Assumption 1 no other coordinate shares
    a sample with it, so freezing it leaves their dynamics unchanged. The default step η = 1/L uses a bound L
    on the curvature along the path: the Hessian Xᵀdiag(|c|⊙e^{−m})X at ``start`` (Gershgorin) plus
    λ(1 + max(0, max_j w_j)), which dominates the curvature λ(1 + w*) at any stationary point below ``start``.
    """
    ridge = require_positive("ridge", ridge, symbol="λ")
    gradient_tolerance = require_positive("gradient_tolerance", gradient_tolerance)
    max_steps = require_positive_int("max_steps", max_steps)
    divergence_threshold = da_dynamics.require_divergence_threshold(divergence_threshold)
    w = np.array(start, dtype=float)
    if w.shape != (data.X.shape[1],) or not np.all(np.isfinite(w)):
        raise ValueError(f"start must be a finite vector of length d={data.X.shape[1]} (w^D), got shape {w.shape}")
    X, y = data.X, data.y
    weights = sample_weights(data.forget_mask, "descent_ascent")
    if step_size is None:
        hessian = X.T @ ((np.abs(weights) * np.exp(-y * (X @ w)))[:, None] * X)  # [d, d]
        curvature = np.max(np.sum(np.abs(hessian), axis=1)) + ridge * (1.0 + max(0.0, float(w.max())))
        step_size = 1.0 / curvature
    step_size = require_positive("step_size", step_size, symbol="η")
    diverged = np.zeros(w.size, dtype=bool)
    grad = np.zeros(w.size)
    for steps in range(max_steps + 1):
        _, grad = objective_and_gradient(np.where(diverged, 0.0, w), X, y, weights, ridge)
        grad = np.where(diverged, 0.0, grad)  # a frozen coordinate contributes nothing (Assumption 1 decoupling)
        if np.all(np.abs(grad) <= gradient_tolerance) or steps == max_steps:
            break  # grad is the gradient at the returned w
        with np.errstate(over="ignore"):  # a step from near the threshold may reach −inf: flagged, not NaN
            w = np.where(diverged, w, w - step_size * grad)
        diverged |= w < divergence_threshold
    converged = ~diverged & (np.abs(grad) <= gradient_tolerance)
    residual = np.where(diverged, np.inf, np.abs(grad))
    return DescentAscentFlowResult(w, converged, diverged, steps, step_size, residual)
