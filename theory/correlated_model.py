r"""Cross-dimensional correlations: the two-coordinate model of Section 5.1.2 (Lemmas 6–10, 12, Figure 4).

Model. Exponential loss ℓ(w) = e^{−y⟨w, x⟩}, ridge λ, global normalisers |D|, |R|, |F| (docs/theory.md#the-exponential-loss-logistic-model).
Two coordinates (i, j) carry a retain group of r points x = (1, ε) and a forget group of αr points
x = (ε, 1), all labelled +1; ε ∈ (0, 1) is the correlation. The change of variables

    X = w_i + ε w_j,   Y = ε w_i + w_j      ((X, Y) = M w,  M = [[1, ε], [ε, 1]])

turns X, Y into the two groups' margins. With b = r/(λ|D|), p = r/(λ|R|), q = αr/(λ|F|) every objective
divided by λ is, in these variables,

    E(X, Y) = c_X e^{−X} + c_Y e^{−Y} + ½ ‖M^{−1}(X, Y)‖²,
    (c_X, c_Y) = (b, bα) for L_D,   (p, 0) for L_R,   (p, −q) for L_DA,

and its stationarity system F(X, Y) = M ∇_w E = 0 reads [reconstructed; :func:`sympy_stationarity_gap`
re-derives it from the objectives]

    D :  X = b(1+ε²)e^{−X} + 2bαε e^{−Y},   Y = 2bε e^{−X} + bα(1+ε²) e^{−Y}
    R :  X = p(1+ε²)e^{−X},                 Y = 2pε e^{−X}
    DA:  X = p(1+ε²)e^{−X} − 2qε e^{−Y},    Y = 2pε e^{−X} − q(1+ε²) e^{−Y}.

Gradient flow on L(w) is the flow dZ/dt = −λ F(Z) in Z = (X, Y) (because dZ/dt = −M∇_w L = −λF).
Useful identities (all checked by SymPy in the tests):  X − Y = b(1−ε)²(e^{−X} − αe^{−Y}) for D, so
α ≤ 1 ⟹ Y_D ≤ X_D; and X − Y = (1−ε)²(p e^{−X} + q e^{−Y}) ≥ 0 for DA.

Results (tags as in docs/theory.md#the-correlated-model):

* Lemma 6 [reconstructed]: X_R = W_0((1+ε²)p), Y_R = (2ε/(1+ε²)) X_R.
* Lemma 7 [reconstructed] (Y_D ≤ X_D, i.e. α ≤ 1): W_0(b(1+ε²+2αε)) ≤ X_D ≤ W_0(b(1+ε²)) + (2ε/(1+ε²))W_0(bα(1+ε²)),
  W_0(bα(1+ε²)) ≤ Y_D ≤ W_0(b(2ε+α(1+ε²))).
* Lemma 8 [reconstructed]: X_DA ≤ W_0(p(1+ε²) − 2qε), Y_DA ≤ W_0(2pε − q(1+ε²)); an argument below −1/e
  means L_DA has no stationary point.
* Lemma 9 [paper]: α ≥ α_{D>DA}(ε) = max{((1+ε²)/(2ε))|F|²/(|R|(|D|+|F|)), (2ε/(1+ε²))|F||D|/(|R|(|D|+|F|))}
  ⟹ X_D ≥ X_DA and Y_D ≥ Y_DA (for every stationary point of L_DA).
* Lemma 10 [paper statement, formula reconstructed]: α ≤ α_{R>D}(ε) = min{α^X, α^Y} ⟹ X_R ≥ X_D, Y_R ≥ Y_D,
  α^X = K e^K/(b(1+ε²)), K = ((1+ε²)/(2ε))[W_0((1+ε²)p) − W_0((1+ε²)b)], α^Y = (Y_R e^{Y_R}/b − 2ε)/(1+ε²).
  α^Y uses Lemma 7's upper bound on Y_D, which needs Y_D ≤ X_D, i.e. α ≤ 1: the statement holds for
  α ≤ min{α_{R>D}, 1}; min{α^X, α^Y} can exceed 1 and for 1 < α ≤ α_{R>D} the ordering can fail (verify shows it).
* Lemma 12 [paper]: for α ≤ 1 the D system is solved by nonlinear Gauss–Seidel from the α = 1 symmetric
  solution X = Y = W_0(b(1+ε)²).

Parameter names ↔ symbols: ``correlation`` ε, ``forget_ratio`` α, ``n_total`` |D|, ``forget_fraction``
|F|/|D|, ``group_size`` r, ``ridge`` λ. Everything broadcasts over numpy arrays.

>>> sizes = CorrelatedSizes(n_total=1e4, forget_fraction=0.1, group_size=100, ridge=1e-2)
>>> x_r, y_r = oracle_margins(0.5, sizes)
>>> [float(abs(f)) < 1e-12 for f in stationarity_residual("oracle", x_r, y_r, 0.5, 0.0, sizes)]
[True, True]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np

from ascent_fails.theory.lambert import BRANCH_POINT, lambert_w
from ascent_fails.validate import require_choice, require_in_range, require_nonnegative, require_positive

__all__ = [
    "MODELS",
    "CorrelatedSizes",
    "GaussSeidelResult",
    "OriginalBounds",
    "DABounds",
    "validate_point",
    "loss_weights",
    "stationarity_residual",
    "residual_jacobian",
    "energy",
    "to_weights",
    "oracle_margins",
    "original_bounds",
    "da_bounds",
    "alpha_d_gt_da",
    "alpha_r_gt_d_parts",
    "alpha_r_gt_d",
    "gauss_seidel_original",
    "sympy_stationarity_gap",
    "sympy_lemma6_residual",
    "SYMPY_SYMBOLS",
    "sympy_formulas",
]

Model = Literal["original", "oracle", "diff_ascent"]
#: the three objectives: L_D ("original"), L_R ("oracle"), L_DA ("diff_ascent")
MODELS: tuple[str, ...] = ("original", "oracle", "diff_ascent")


@dataclass(frozen=True)
class CorrelatedSizes:
    """Set sizes and ridge of the correlated model; fields may be arrays that broadcast together."""

    n_total: Any  # |D| > 0, size of the full training set
    forget_fraction: Any  # |F|/|D| ∈ (0, 1); |F| = forget_fraction·|D|, |R| = |D| − |F|
    group_size: Any  # r > 0, number of retain points x = (1, ε) (the forget group has αr points)
    ridge: Any  # λ > 0, ridge coefficient of every objective

    def __post_init__(self) -> None:
        require_positive("n_total", self.n_total, symbol="|D|")
        require_in_range("forget_fraction", self.forget_fraction, 0.0, 1.0, symbol="|F|/|D|")
        require_positive("group_size", self.group_size, symbol="r")
        require_positive("ridge", self.ridge, symbol="λ")

    @property
    def scale_original(self) -> Any:
        """b = r/(λ|D|)."""
        return np.asarray(self.group_size) / (np.asarray(self.ridge) * np.asarray(self.n_total))

    @property
    def scale_oracle(self) -> Any:
        """p = r/(λ|R|) = b/(1 − |F|/|D|)."""
        return self.scale_original / (1.0 - np.asarray(self.forget_fraction))

    def scale_forget(self, forget_ratio: Any) -> Any:
        """q = αr/(λ|F|) = αb/(|F|/|D|)."""
        return np.asarray(forget_ratio) * self.scale_original / np.asarray(self.forget_fraction)


def validate_point(correlation: Any, forget_ratio: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check ε ∈ (0, 1) and α ≥ 0 and return them as float arrays."""
    eps = np.asarray(require_in_range("correlation", correlation, 0.0, 1.0, symbol="ε"), dtype=float)
    alpha = np.asarray(require_nonnegative("forget_ratio", forget_ratio, symbol="α"), dtype=float)
    return eps, alpha


def loss_weights(model: Model, forget_ratio: Any, sizes: CorrelatedSizes) -> tuple[Any, Any]:
    """(c_X, c_Y) of the normalised objective E = c_X e^{−X} + c_Y e^{−Y} + ½‖w‖² (module docstring)."""
    require_choice("model", model, MODELS)
    if model == "original":
        return sizes.scale_original, sizes.scale_original * np.asarray(forget_ratio)
    if model == "oracle":
        return sizes.scale_oracle, np.zeros_like(sizes.scale_oracle * np.asarray(forget_ratio))
    return sizes.scale_oracle, -sizes.scale_forget(forget_ratio)  # diff_ascent


def stationarity_residual(
    model: Model, x: Any, y: Any, correlation: Any, forget_ratio: Any, sizes: CorrelatedSizes
) -> tuple[Any, Any]:
    """F(X, Y) = (X − c_X(1+ε²)e^{−X} − 2c_Yε e^{−Y},  Y − 2c_Xε e^{−X} − c_Y(1+ε²)e^{−Y}); zero at stationarity."""
    eps = np.asarray(correlation, dtype=float)
    cx, cy = loss_weights(model, forget_ratio, sizes)
    ex, ey = cx * np.exp(-np.asarray(x)), cy * np.exp(-np.asarray(y))
    return x - (1 + eps**2) * ex - 2 * eps * ey, y - 2 * eps * ex - (1 + eps**2) * ey


def residual_jacobian(
    model: Model, x: Any, y: Any, correlation: Any, forget_ratio: Any, sizes: CorrelatedSizes
) -> tuple[Any, Any, Any, Any]:
    """Entries (∂F₁/∂X, ∂F₁/∂Y, ∂F₂/∂X, ∂F₂/∂Y) of the Jacobian of F.

    J = M H M^{−1} with H the Hessian of E in w, so J's eigenvalues are H's: a stationary point is a strict
    local minimum iff det J > 0 and tr J > 0.
    """
    eps = np.asarray(correlation, dtype=float)
    cx, cy = loss_weights(model, forget_ratio, sizes)
    ex, ey = cx * np.exp(-np.asarray(x)), cy * np.exp(-np.asarray(y))
    return 1 + (1 + eps**2) * ex, 2 * eps * ey, 2 * eps * ex, 1 + (1 + eps**2) * ey


def to_weights(x: Any, y: Any, correlation: Any) -> tuple[Any, Any]:
    """(w_i, w_j) = M^{−1}(X, Y), M = [[1, ε], [ε, 1]]."""
    eps = np.asarray(correlation, dtype=float)
    det = 1 - eps**2
    return (x - eps * y) / det, (y - eps * x) / det


def energy(model: Model, x: Any, y: Any, correlation: Any, forget_ratio: Any, sizes: CorrelatedSizes) -> Any:
    """E = L/λ = c_X e^{−X} + c_Y e^{−Y} + ½‖M^{−1}(X, Y)‖² (gradient flow decreases it)."""
    cx, cy = loss_weights(model, forget_ratio, sizes)
    wi, wj = to_weights(x, y, correlation)
    return cx * np.exp(-np.asarray(x)) + cy * np.exp(-np.asarray(y)) + 0.5 * (wi**2 + wj**2)


def oracle_margins(correlation: Any, sizes: CorrelatedSizes) -> tuple[Any, Any]:
    """Lemma 6 [reconstructed]: X_R = W_0((1+ε²)p), Y_R = (2ε/(1+ε²)) X_R."""
    eps, _ = validate_point(correlation, 0.0)
    x_r = lambert_w((1 + eps**2) * sizes.scale_oracle)
    return x_r, 2 * eps / (1 + eps**2) * x_r


class OriginalBounds(NamedTuple):
    """Lemma 7 [reconstructed]: bounds on the pretrained margins (X_D, Y_D), valid for α ≤ 1."""

    x_lower: Any  # W_0(b(1+ε²+2αε))
    x_upper: Any  # W_0(b(1+ε²)) + (2ε/(1+ε²)) W_0(bα(1+ε²))
    y_lower: Any  # W_0(bα(1+ε²))
    y_upper: Any  # W_0(b(2ε+α(1+ε²)))


def original_bounds(correlation: Any, forget_ratio: Any, sizes: CorrelatedSizes) -> OriginalBounds:
    """Lemma 7 bounds; each follows from X e^X = b(1+ε²) + 2bαε e^{X−Y} and Y e^Y = 2bε e^{Y−X} + bα(1+ε²)."""
    eps, alpha = validate_point(correlation, forget_ratio)
    b = sizes.scale_original
    s = 1 + eps**2
    y_lower = lambert_w(b * alpha * s)
    return OriginalBounds(
        x_lower=lambert_w(b * (s + 2 * alpha * eps)),
        x_upper=lambert_w(b * s) + 2 * eps / s * y_lower,
        y_lower=y_lower,
        y_upper=lambert_w(b * (2 * eps + alpha * s)),
    )


class DABounds(NamedTuple):
    """Lemma 8 [reconstructed]: upper bounds on every stationary point of L_DA (NaN where none exists)."""

    x_upper: Any  # W_0(p(1+ε²) − 2qε)
    y_upper: Any  # W_0(2pε − q(1+ε²))
    has_stationary_point: Any  # False where an argument is below −1/e: L_DA has no stationary point


def da_bounds(correlation: Any, forget_ratio: Any, sizes: CorrelatedSizes) -> DABounds:
    """Lemma 8: X e^X = p(1+ε²) − 2qε e^{X−Y} ≤ p(1+ε²) − 2qε because Y ≤ X at every DA stationary point."""
    eps, alpha = validate_point(correlation, forget_ratio)
    p, q = sizes.scale_oracle, sizes.scale_forget(alpha)
    arg_x = p * (1 + eps**2) - 2 * q * eps
    arg_y = 2 * p * eps - q * (1 + eps**2)
    ok = (arg_x >= BRANCH_POINT) & (arg_y >= BRANCH_POINT)
    return DABounds(
        x_upper=np.where(ok, lambert_w(np.where(ok, arg_x, 0.0)), np.nan),
        y_upper=np.where(ok, lambert_w(np.where(ok, arg_y, 0.0)), np.nan),
        has_stationary_point=ok,
    )


def alpha_d_gt_da(correlation: Any, forget_fraction: Any) -> Any:
    """Lemma 9 [paper]: α_{D>DA}(ε) = max{((1+ε²)/(2ε)) f²/((1−f)(1+f)), (2ε/(1+ε²)) f/((1−f)(1+f))}, f = |F|/|D|.

    The first term makes Lemma 7's lower bound on X_D reach Lemma 8's upper bound on X_DA, the second does the
    same for Y. Only the forget fraction enters (|F|²/(|R|(|D|+|F|)) = f²/((1−f)(1+f))).

    >>> round(float(alpha_d_gt_da(0.5, 0.1)), 6)
    0.080808
    """
    eps, _ = validate_point(correlation, 0.0)
    f = np.asarray(require_in_range("forget_fraction", forget_fraction, 0.0, 1.0, symbol="|F|/|D|"))
    denom = (1 - f) * (1 + f)
    s = 1 + eps**2
    return np.maximum(s / (2 * eps) * f**2 / denom, 2 * eps / s * f / denom)


def alpha_r_gt_d_parts(correlation: Any, sizes: CorrelatedSizes) -> tuple[Any, Any]:
    """Lemma 10 [formula reconstructed]: (α^X, α^Y), the α at which X_R, Y_R meet Lemma 7's upper bounds.

    α^X = K e^K/(b(1+ε²)), K = ((1+ε²)/(2ε))[W_0((1+ε²)p) − W_0((1+ε²)b)];  α^Y = (Y_R e^{Y_R}/b − 2ε)/(1+ε²).
    α^Y may be negative: then even α = 0 is not certified for Y. Lemma 7's Y bound behind α^Y needs α ≤ 1, so
    the lemma holds for α ≤ min{α^X, α^Y, 1} (``ascent-fails verify`` shows it fails for 1 < α ≤ α_{R>D}).
    """
    eps, _ = validate_point(correlation, 0.0)
    b = sizes.scale_original
    s = 1 + eps**2
    x_r, y_r = oracle_margins(eps, sizes)
    k = s / (2 * eps) * (x_r - lambert_w(s * b))
    with np.errstate(over="ignore"):  # K ≳ 700 (ε → 0): α^X exceeds every float and is returned as +inf
        return k * np.exp(k) / (b * s), (y_r * np.exp(y_r) / b - 2 * eps) / s


def alpha_r_gt_d(correlation: Any, sizes: CorrelatedSizes) -> Any:
    """Lemma 10 threshold α_{R>D}(ε) = min{α^X, α^Y} [reconstructed]; see :func:`alpha_r_gt_d_parts`."""
    return np.minimum(*alpha_r_gt_d_parts(correlation, sizes))


class GaussSeidelResult(NamedTuple):
    """Outcome of Lemma 12's iteration (arrays broadcast like the inputs)."""

    x: Any  # X_D
    y: Any  # Y_D
    converged: Any  # bool per point: last sweep moved (X, Y) by less than tol·(1 + |X|)
    sweeps: int  # sweeps done (for the slowest point)
    residual: Any  # max |F| of the D system at the returned point


def gauss_seidel_original(
    correlation: Any, forget_ratio: Any, sizes: CorrelatedSizes, *, tol: float = 1e-13, max_sweeps: int = 10_000
) -> GaussSeidelResult:
    """Lemma 12 [paper]: nonlinear Gauss–Seidel for the D system, started from X = Y = W_0(b(1+ε)²) (α = 1).

    Y ← 2bεe^{−X} + W_0(bα(1+ε²) e^{−2bεe^{−X}}),   X ← 2bαεe^{−Y} + W_0(b(1+ε²) e^{−2bαεe^{−Y}}).
    Each update solves one equation exactly (u = c + a e^{−u} ⇔ u = c + W_0(a e^{−c})); both maps are
    decreasing, so one sweep X ↦ X is increasing and the iterates are monotone.

    >>> sizes = CorrelatedSizes(1e4, 0.1, 100, 1e-2)
    >>> gs = gauss_seidel_original(0.5, 0.3, sizes)
    >>> bool(gs.converged), float(gs.residual) < 1e-12, bool(gs.y <= gs.x)
    (True, True, True)
    """
    eps, alpha = validate_point(correlation, forget_ratio)
    require_positive("tol", tol)
    b = sizes.scale_original
    s = 1 + eps**2
    fields = (sizes.n_total, sizes.forget_fraction, sizes.group_size, sizes.ridge)
    shape = np.broadcast_shapes(eps.shape, alpha.shape, *(np.shape(v) for v in fields))
    x = np.broadcast_to(lambert_w(b * (1 + eps) ** 2), shape).copy()
    y = x.copy()
    converged = np.zeros(x.shape, dtype=bool)
    sweeps = 0
    while sweeps < max_sweeps and not converged.all():
        sweeps += 1
        c = 2 * b * eps * np.exp(-x)
        y_new = c + lambert_w(b * alpha * s * np.exp(-c))
        c = 2 * b * alpha * eps * np.exp(-y_new)
        x_new = c + lambert_w(b * s * np.exp(-c))
        converged = np.maximum(abs(x_new - x), abs(y_new - y)) <= tol * (1 + abs(x_new))
        x, y = x_new, y_new
    f1, f2 = stationarity_residual("original", x, y, eps, alpha, sizes)
    residual = np.maximum(abs(f1), abs(f2))
    if x.ndim == 0:
        return GaussSeidelResult(float(x), float(y), bool(converged), sweeps, float(residual))
    return GaussSeidelResult(x, y, converged, sweeps, residual)


def sympy_stationarity_gap(model: Model) -> tuple[Any, Any]:
    """Symbolic (F₁ − M∇_w E)₁, (F₂ − M∇_w E)₂ from the objectives written in w; both simplify to 0.

    E_D = (r/(λ|D|))(e^{−X} + αe^{−Y}) + ½‖w‖², E_R = (r/(λ|R|))e^{−X} + ½‖w‖²,
    E_DA = (r/(λ|R|))e^{−X} − (αr/(λ|F|))e^{−Y} + ½‖w‖², with X = w_i + εw_j, Y = εw_i + w_j.

    >>> sympy_stationarity_gap("diff_ascent")
    (0, 0)
    """
    import sympy as sp

    require_choice("model", model, MODELS)
    wi, wj, eps, alpha, r, lam, nd, nr, nf = sp.symbols("w_i w_j epsilon alpha r lambda D R F", positive=True)
    x, y = wi + eps * wj, eps * wi + wj
    losses = {
        "original": (r / nd) * (sp.exp(-x) + alpha * sp.exp(-y)),
        "oracle": (r / nr) * sp.exp(-x),
        "diff_ascent": (r / nr) * sp.exp(-x) - (alpha * r / nf) * sp.exp(-y),
    }
    e = losses[model] / lam + (wi**2 + wj**2) / 2
    grad = sp.Matrix([sp.diff(e, wi), sp.diff(e, wj)])
    m_grad = sp.Matrix([[1, eps], [eps, 1]]) * grad
    b, p, q = r / (lam * nd), r / (lam * nr), alpha * r / (lam * nf)
    weights = {"original": (b, b * alpha), "oracle": (p, 0), "diff_ascent": (p, -q)}[model]
    cx, cy = weights
    f1 = x - cx * (1 + eps**2) * sp.exp(-x) - 2 * cy * eps * sp.exp(-y)
    f2 = y - 2 * cx * eps * sp.exp(-x) - cy * (1 + eps**2) * sp.exp(-y)
    # the gap is a polynomial in w, e^{−X}, e^{−Y} and the constants: expansion decides whether it is 0
    return sp.expand(f1 - m_grad[0]), sp.expand(f2 - m_grad[1])


#: names of the symbols of :func:`sympy_formulas`, in the order of its ``symbols`` entry
SYMPY_SYMBOLS: tuple[str, ...] = ("epsilon", "alpha", "b", "f")


def sympy_formulas() -> dict[str, Any]:
    """SymPy twins of this module's closed forms, written in the symbols ε, α, b, f = |F|/|D| (all positive).

    p = b/(1 − f), q = αb/f, s = 1 + ε². Keys (each mirrors one float function of this module):

    * ``x_r``, ``y_r`` — Lemma 6 (:func:`oracle_margins`);
    * ``x_lower``, ``x_upper``, ``y_lower``, ``y_upper`` — Lemma 7 (:func:`original_bounds`);
    * ``x_da_upper``, ``y_da_upper`` — Lemma 8 (:func:`da_bounds`, where an argument is ≥ −1/e);
    * ``alpha_d_gt_da_x``, ``alpha_d_gt_da_y`` — the two terms of Lemma 9's max (:func:`alpha_d_gt_da`);
    * ``alpha_x``, ``alpha_y`` — Lemma 10's α^X, α^Y (:func:`alpha_r_gt_d_parts`);
    * ``symbols`` — the tuple (ε, α, b, f).

    The proofs of ``verify`` run on these expressions; ``verify`` also checks that each agrees with its float twin
    at seeded points, so a proof about a twin is a proof about the code.

    >>> sorted(k for k in sympy_formulas() if k.startswith("alpha"))
    ['alpha_d_gt_da_x', 'alpha_d_gt_da_y', 'alpha_x', 'alpha_y']
    """
    import sympy as sp

    eps, alpha, b, f = sp.symbols(" ".join(SYMPY_SYMBOLS), positive=True)
    w = sp.LambertW
    s = 1 + eps**2
    p = b / (1 - f)
    q = alpha * b / f
    x_r = w(s * p)
    y_r = 2 * eps / s * x_r
    k = s / (2 * eps) * (x_r - w(s * b))
    return {
        "symbols": (eps, alpha, b, f),
        "x_r": x_r,
        "y_r": y_r,
        "x_lower": w(b * (s + 2 * alpha * eps)),
        "x_upper": w(b * s) + 2 * eps / s * w(b * alpha * s),
        "y_lower": w(b * alpha * s),
        "y_upper": w(b * (2 * eps + alpha * s)),
        "x_da_upper": w(p * s - 2 * q * eps),
        "y_da_upper": w(2 * p * eps - q * s),
        "alpha_d_gt_da_x": s / (2 * eps) * f**2 / ((1 - f) * (1 + f)),
        "alpha_d_gt_da_y": 2 * eps / s * f / ((1 - f) * (1 + f)),
        "alpha_x": k * sp.exp(k) / (b * s),
        "alpha_y": (y_r * sp.exp(y_r) / b - 2 * eps) / s,
    }


def sympy_lemma6_residual() -> tuple[Any, Any]:
    """Residual of the R system at Lemma 6's closed form, simplified symbolically; both entries are 0.

    >>> sympy_lemma6_residual()
    (0, 0)
    """
    import sympy as sp

    eps, p = sp.symbols("epsilon p", positive=True)
    z = (1 + eps**2) * p
    x_r = sp.LambertW(z)
    y_r = 2 * eps / (1 + eps**2) * x_r
    f1 = x_r - p * (1 + eps**2) * sp.exp(-x_r)
    f2 = y_r - 2 * p * eps * sp.exp(-x_r)
    # the only identity used is the definition W(z) e^{W(z)} = z, i.e. e^{−W(z)} = W(z)/z (z > 0)
    defining = {sp.exp(-x_r): x_r / z}
    return sp.simplify(f1.subs(defining)), sp.simplify(f2.subs(defining))
