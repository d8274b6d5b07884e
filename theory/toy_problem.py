r"""The non-convex toy of Section 5.2 (Figure 5): its data, model, objectives and the readings of its
reconstructed parts. :mod:`ascent_fails.theory.toy_model` derives the same objectives in SymPy;
:mod:`ascent_fails.numerics` only searches and draws them.

Data ([paper]): four 1-D inputs through the feature map φ(x) = (x, x²),

    x = −1, 1, 3, 4   labels y = −1, +1, −1, +1   multiplicities m = (5, 4, 1, 4)

(clusters of identical points: 6 negatives, 8 positives, |D| = 14). The model is h_θ(x) = σ(a·x + b·x²),
θ = (a, b), trained by a weighted squared loss with a ridge,

    L_w(θ) = Σ_i w_i (σ(z_i) − t_i)² + c·λ‖θ‖²,      z_i = a·x_i + b·x_i²,

where w are the cluster weights of the objective, t_i the encoded target and c the ridge scaling.
The forget set F is ``forget_copies`` (k = 2) of the four copies of x = 4. The three objectives differ only in
the weight on x = 4:

* ``pretrained``: w = m (the full data set D);
* ``oracle`` (retraining on R = D \ F): w₄ = 4 − k;
* ``descent_ascent`` (GDA with equal-weight unnormalised sums, descent on R and ascent on F is descent on
  Σ_R ℓ − Σ_F ℓ): w₄ = (4 − k) − k = 4 − 2k, i.e. 0 for k = 2 — the two ascent copies cancel the two
  remaining descent copies.

*Reconstructed* (docs/theory.md#non-convex-toy): the paper's exact σ, target encoding and ridge scaling could not be read.
They are the explicit options of :class:`ToyVariant`; the default reading (preset ``tanh``) is
σ(z) = tanh(z/2) with ±1 targets and ridge (λ/2)‖θ‖², λ = 0.1. Since tanh(z/2) = 2·sigmoid(z) − 1, the
preset ``sigmoid-01`` (sigmoid, {0, 1} targets) has loss ¼·L_tanh with the ridge multiplied by 4: it is the
``tanh`` landscape at ridge 4λ (proved symbolically in :mod:`ascent_fails.theory.toy_model`).
``shifted-sigmoid`` reads σ(z) = sigmoid(z) − ½ with the ±1 labels as targets (outputs never reach the targets).

The claims ([paper]) are statements about minimisers of these fixed objectives, independent of step size:
the pretrained landscape has a global and a local minimum; the pretrained global minimum classifies
x = −1, 1, 4 correctly (13/14 weighted, :data:`PATTERN_WRONG_ON_3`); retraining stays in that basin (11/12
on R); the GDA objective prefers the other basin (x = −1, 1, 3 correct, :data:`PATTERN_WRONG_ON_4`: 10 right
and 2 wrong on R); fine-tuning on R from there stays trapped. :mod:`ascent_fails.numerics.toy_claims` checks
them.

The float formulas here (:func:`loss`, :func:`gradient`, :func:`hessian`) are derived by hand; SymPy checks
them (:mod:`ascent_fails.theory.toy_model`).

>>> [objective_weights(o, forget_copies=2).tolist() for o in OBJECTIVES]  # w on x = −1, 1, 3, 4
[[5.0, 4.0, 1.0, 4.0], [5.0, 4.0, 1.0, 2.0], [5.0, 4.0, 1.0, 0.0]]
>>> decision_pattern((2.42, -0.44), get_variant("tanh")) == PATTERN_WRONG_ON_3
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ascent_fails.validate import require_choice, require_nonnegative, require_positive_int

__all__ = [
    "INPUTS",
    "LABELS",
    "MULTIPLICITIES",
    "FORGET_INDEX",
    "OBJECTIVES",
    "ToyVariant",
    "VARIANTS",
    "get_variant",
    "objective_weights",
    "validate_forget_copies",
    "features",
    "targets",
    "loss",
    "gradient",
    "hessian",
    "predict",
    "decision_pattern",
    "weighted_right",
    "stationary_radius",
    "PATTERN_WRONG_ON_3",
    "PATTERN_WRONG_ON_4",
]

#: the four cluster inputs x, their labels y ∈ {−1, +1} and multiplicities m (docs/theory.md)
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
    """One reading of the reconstructed parts of the toy (docs/theory.md, *reconstructed*)."""

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


#: named presets (``--variant``); ``tanh`` is the default reading of docs/theory.md
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

    pretrained (Σ_D ℓ): m; oracle (retrain on R, Σ_R ℓ): w₄ = 4 − k;
    descent_ascent (Σ_R ℓ − Σ_F ℓ): w₄ = (4 − k) − k = 4 − 2k.

    >>> [objective_weights(o).tolist() for o in OBJECTIVES]
    [[5.0, 4.0, 1.0, 4.0], [5.0, 4.0, 1.0, 2.0], [5.0, 4.0, 1.0, 0.0]]
    """
    require_choice("objective", objective, OBJECTIVES)
    k = validate_forget_copies(forget_copies)
    weights = np.array(MULTIPLICITIES, dtype=float)
    weights[FORGET_INDEX] -= {"pretrained": 0, "oracle": k, "descent_ascent": 2 * k}[objective]
    return weights


def validate_forget_copies(forget_copies: int) -> int:
    """k = |F|, the copies of x = 4 forgotten: an integer in [0, 4]."""
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

    >>> decision_pattern((2.42, -0.44), get_variant("tanh"))  # ≈ the pretrained global minimum
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


#: decision patterns named in the paper's claims (correct or not at x = −1, 1, 3, 4)
PATTERN_WRONG_ON_3 = (True, True, False, True)  # pretrained global and oracle: −1, 1, 4 correct
PATTERN_WRONG_ON_4 = (True, True, True, False)  # GDA: −1, 1, 3 correct
