r"""The non-convex toy of Section 5.2 (Figure 5) in SymPy: objectives, gradients, Hessians, certified minima.

With z_i = a·x_i + b·x_i² (x = −1, 1, 3, 4) the objective with cluster weights w is

    L_w(a, b; λ) = Σ_i w_i (σ(z_i) − t_i)² + c·λ(a² + b²),

σ, targets t and ridge factor c given by a :class:`theory.toy_problem.ToyVariant` (*reconstructed*,
docs/theory.md#non-convex-toy). This module derives ∇L_w and ∇²L_w symbolically (independently of the hand-written float
formulas of :mod:`theory.toy_problem`) and uses them to

* certify a reported minimum: mpmath ``findroot`` on ∇L_w = 0 at ≥ 50 digits from the float point, then
  both leading principal minors of ∇²L_w positive at the polished root (Sylvester: a strict minimum);
* locate the fold where a minimum disappears as λ grows: ∇L_w = 0 and det ∇²L_w = 0, solved for (a, b, λ);
* prove that the ``sigmoid-01`` reading is the ``tanh`` reading at ridge 4λ:
  (sigmoid(z) − (y+1)/2)² = ¼ (tanh(z/2) − y)², so L_sigmoid-01(λ) = ¼ L_tanh(4λ).

>>> from ascent_fails.theory.toy_problem import get_variant
>>> cert = certify_minimum("pretrained", get_variant("tanh"), 2.42, -0.44)
>>> cert.is_minimum, round(float(cert.a), 4), round(float(cert.b), 4)
(True, 2.4207, -0.4381)
>>> sigmoid01_is_tanh_at_four_lambda()
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import sympy as sp

from ascent_fails.theory.toy_problem import INPUTS, LABELS, ToyVariant, objective_weights
from ascent_fails.validate import require_choice, require_finite, require_positive_int

__all__ = [
    "A",
    "B",
    "RIDGE",
    "objective_expr",
    "gradient_expr",
    "hessian_expr",
    "numeric_functions",
    "MinimumCertificate",
    "certify_minimum",
    "FoldPoint",
    "fold_ridge",
    "sigmoid01_is_tanh_at_four_lambda",
]

#: θ = (a, b) and the ridge λ as SymPy symbols
A, B = sp.symbols("a b", real=True)
RIDGE = sp.Symbol("lambda", nonnegative=True)
_Z = sp.Symbol("z", real=True)


def _sigma(output: str, z: sp.Expr) -> sp.Expr:
    """σ(z) of the variant, as an expression."""
    sigmoid = 1 / (1 + sp.exp(-z))
    return {"tanh_half": sp.tanh(z / 2), "shifted_sigmoid": sigmoid - sp.Rational(1, 2), "sigmoid": sigmoid}[output]


def _target(encoding: str, label: int) -> sp.Rational:
    y = sp.Integer(label)
    return {"pm1": y, "pm_half": y / 2, "zero_one": (y + 1) / 2}[encoding]


@lru_cache(maxsize=64)
def _objective(output: str, encoding: str, ridge_scaling: str, weights: tuple[int, ...]) -> sp.Expr:
    factor = {"half": sp.Rational(1, 2), "full": sp.Integer(1)}[ridge_scaling]
    data = sum(
        sp.Integer(w) * (_sigma(output, A * sp.Integer(int(x)) + B * sp.Integer(int(x)) ** 2) - _target(encoding, y)) ** 2
        for x, y, w in zip(INPUTS, LABELS, weights)
    )
    return data + factor * RIDGE * (A**2 + B**2)


def objective_expr(objective: str, variant: ToyVariant, forget_copies: int = 2) -> sp.Expr:
    """L_w(a, b; λ) of ``objective`` (pretrained | oracle | descent_ascent) with λ left symbolic (:data:`RIDGE`)."""
    weights = tuple(int(w) for w in objective_weights(objective, forget_copies))
    return _objective(variant.output, variant.targets, variant.ridge_scaling, weights)


def gradient_expr(objective: str, variant: ToyVariant, forget_copies: int = 2) -> sp.Matrix:
    """∇L_w = (∂L/∂a, ∂L/∂b) by symbolic differentiation."""
    L = objective_expr(objective, variant, forget_copies)
    return sp.Matrix([sp.diff(L, A), sp.diff(L, B)])


def hessian_expr(objective: str, variant: ToyVariant, forget_copies: int = 2) -> sp.Matrix:
    """∇²L_w by symbolic differentiation."""
    return sp.hessian(objective_expr(objective, variant, forget_copies), (A, B))


def _key(variant: ToyVariant) -> tuple[str, str, str]:
    return (variant.output, variant.targets, variant.ridge_scaling)


@lru_cache(maxsize=64)
def _lambdified(objective: str, variant_key: tuple[str, str, str], forget_copies: int, module: str):
    variant = ToyVariant(*variant_key)  # λ stays symbolic: the key omits it
    H = hessian_expr(objective, variant, forget_copies)
    exprs = [objective_expr(objective, variant, forget_copies), *gradient_expr(objective, variant, forget_copies),
             H[0, 0], H[0, 1], H[1, 1]]
    # one lambdify with shared subexpressions for L, ∇L, ∇²L: printing the expressions is the slow part
    flat = sp.lambdify((A, B, RIDGE), exprs, module, cse=True)

    def compiled(a, b, ridge):
        value, ga, gb, haa, hab, hbb = flat(a, b, ridge)
        return value, [ga, gb], [[haa, hab], [hab, hbb]]

    return compiled


def numeric_functions(objective: str, variant: ToyVariant, forget_copies: int = 2, module: str = "numpy"):
    """f(a, b, λ) → (L, [∂_a L, ∂_b L], [[H_aa, H_ab], [H_ba, H_bb]]) compiled from the SymPy expressions.

    ``module`` is ``"numpy"`` (floats) or ``"mpmath"`` (arbitrary precision, under ``mpmath.workdps``).

    >>> from ascent_fails.theory.toy_problem import get_variant
    >>> f = numeric_functions("pretrained", get_variant("tanh"))
    >>> float(f(0.0, 0.0, 0.1)[0])  # σ(0) = 0, so L(0) = Σ m_i · 1
    14.0
    """
    require_choice("module", module, ("numpy", "mpmath"))
    return _lambdified(objective, _key(variant), forget_copies, module)


@dataclass(frozen=True)
class MinimumCertificate:
    """A float minimum polished at high precision and classified by the SymPy Hessian."""

    objective: str
    a: mpmath.mpf  # polished root of ∇L_w = 0
    b: mpmath.mpf
    loss: mpmath.mpf
    dps: int  # working precision (decimal digits)
    residual: float  # ‖∇L_w‖ at the polished root
    float_gradient_norm: float  # ‖∇L_w‖ (SymPy, at dps) at the float point given
    shift: float  # ‖polished − float point‖
    minors: tuple[float, float]  # leading principal minors H_aa, det H at the polished root
    converged: bool  # findroot returned and the residual is below 10^(−dps+5)

    @property
    def is_minimum(self) -> bool:
        """A converged root with both leading principal minors > 0 (Sylvester), i.e. a strict local minimum."""
        return self.converged and self.minors[0] > 0 and self.minors[1] > 0


def certify_minimum(objective: str, variant: ToyVariant, a: float, b: float, forget_copies: int = 2,
                    dps: int = 50) -> MinimumCertificate:
    """Polish (a, b) by mpmath ``findroot`` on the SymPy gradient at ``dps`` digits and test the Hessian."""
    a = require_finite("a", a, symbol="θ = (a, b)")
    b = require_finite("b", b, symbol="θ = (a, b)")
    dps = require_positive_int("dps", dps, minimum=50)
    f = numeric_functions(objective, variant, forget_copies, "mpmath")

    def grad(u, v, lam):
        return f(u, v, lam)[1]

    def hess(u, v, lam):
        return f(u, v, lam)[2]

    def value(u, v, lam):
        return f(u, v, lam)[0]

    with mpmath.workdps(dps):
        lam = mpmath.mpf(variant.ridge)
        g0 = grad(mpmath.mpf(a), mpmath.mpf(b), lam)
        float_norm = float(mpmath.norm(g0))
        try:
            root = mpmath.findroot(lambda u, v: grad(u, v, lam), (mpmath.mpf(a), mpmath.mpf(b)),
                                   J=lambda u, v: hess(u, v, lam), tol=mpmath.mpf(10) ** (-2 * dps + 10))
            ra, rb = root[0], root[1]
            found = True
        except ValueError:  # findroot did not converge: report the start point, not converged
            ra, rb, found = mpmath.mpf(a), mpmath.mpf(b), False
        residual = mpmath.norm(grad(ra, rb, lam))
        H = hess(ra, rb, lam)
        minors = (float(H[0][0]), float(H[0][0] * H[1][1] - H[0][1] * H[1][0]))
        converged = found and residual < mpmath.mpf(10) ** (-dps + 5)
        return MinimumCertificate(objective, ra, rb, value(ra, rb, lam), dps, float(residual), float_norm,
                                  float(mpmath.sqrt((ra - a) ** 2 + (rb - b) ** 2)), minors, bool(converged))


@dataclass(frozen=True)
class FoldPoint:
    """A fold of the landscape: ∇L_w = 0 and det ∇²L_w = 0 at ridge λ*."""

    objective: str
    ridge: mpmath.mpf  # λ* in the variant's own ridge scaling
    a: mpmath.mpf
    b: mpmath.mpf
    residual: float  # max |equation| at the solution
    dps: int


def fold_ridge(objective: str, variant: ToyVariant, a: float, b: float, ridge: float, forget_copies: int = 2,
               dps: int = 50) -> FoldPoint:
    """Solve ∂_a L = ∂_b L = det ∇²L = 0 for (a, b, λ) by mpmath ``findroot`` from the guess (a, b, ridge).

    Beyond λ* the minimum that merges with a saddle no longer exists; a guess near the last minimum before
    the edge converges to the fold that removes it.
    """
    dps = require_positive_int("dps", dps, minimum=50)
    f = numeric_functions(objective, variant, forget_copies, "mpmath")

    def system(u, v, lam):
        _, g, H = f(u, v, lam)
        return [g[0], g[1], H[0][0] * H[1][1] - H[0][1] * H[1][0]]

    with mpmath.workdps(dps):
        root = mpmath.findroot(system, (mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(ridge)),
                               tol=mpmath.mpf(10) ** (-2 * dps + 10))
        residual = max(abs(r) for r in system(root[0], root[1], root[2]))
        return FoldPoint(objective, root[2], root[0], root[1], float(residual), dps)


def sigmoid01_is_tanh_at_four_lambda() -> bool:
    """SymPy proof that L_sigmoid-01(a, b; λ) = ¼ L_tanh(a, b; 4λ) for every objective.

    Per point, for both labels y = ±1: (sigmoid(z) − (y+1)/2)² − ¼(tanh(z/2) − y)² simplifies to 0, since
    sigmoid(z) = (1 + tanh(z/2))/2; the ridge terms agree, c·λ = ¼·c·(4λ). Both objectives are weighted sums of
    these terms with the same weights, so they are equal.
    """
    sig = ToyVariant("sigmoid", "zero_one", "half")
    tanh = ToyVariant("tanh_half", "pm1", "half")
    half_exp = sp.Symbol("u", positive=True)  # u = e^{z/2}: both sides become rational functions of u
    for label in (-1, 1):
        term = (_sigma(sig.output, _Z) - _target(sig.targets, label)) ** 2
        term_tanh = (_sigma(tanh.output, _Z) - _target(tanh.targets, label)) ** 2
        difference = (term - term_tanh / 4).rewrite(sp.exp).subs(_Z, 2 * sp.log(half_exp))
        if sp.cancel(difference) != 0:
            return False
    ridge_sig = sp.diff(objective_expr("pretrained", sig), RIDGE)
    ridge_tanh = sp.diff(objective_expr("pretrained", tanh).subs(RIDGE, 4 * RIDGE), RIDGE) / 4
    return sp.simplify(ridge_sig - ridge_tanh) == 0
