r"""Iterated vs simultaneous DA (appendix) [paper claim; the η² correction term is *reconstructed*].

Setting (Section 5.1.1, one decoupled axis; docs/theory.md#iterated-vs-simultaneous-da). With a = |R_j|/|R| (``retain_share``),
b = |F_j|/|F| (``forget_share``), λ (``ridge``) and step η (``step``), the two per-step directions are

    g_R(w) = λw − a e^{−w}      gradient of the retain objective a e^{−w} + (λ/2)w²      (descent step)
    g_F(w) = λw + b e^{−w}      gradient of (λ/2)w² − b e^{−w}: ascent on the forget loss  (ascent step)

and one iteration applies both: w ↦ w − η g_1(w) ↦ w_{t+2} = w_1 − η g_2(w_1), with (g_1, g_2) = (g_R, g_F)
(``"descent_first"``) or (g_F, g_R) (``"ascent_first"``). Taylor expansion of g_2 around w gives

    w_{t+2} = w_t − η[2λ w_t − (a − b) e^{−w_t}] + η² g_1(w_t) g_2'(w_t) + O(η³),

which for descent first is g_R(w) g_F'(w), the η² term of our reconstruction
(docs/theory.md#iterated-vs-simultaneous-da). To first order the two-step map is simultaneous DA
with the ridge *doubled* (both steps carry λw), so its fixed point tends to W_0((a − b)/(2λ)) as η → 0,
not to the simultaneous DA point W((a − b)/λ) of Lemma 2. The fixed point drifts linearly in η with slope
c₁ = g_1 g_2'/G' at w₀ (G(w) = 2λw − (a − b)e^{−w}); :func:`fixed_point_coefficients` gives c₁ and the
next coefficient c₂ from the implicit-function theorem. As w → −∞ the η² term behaves like +ab e^{−2w} for
both orders (:func:`damping_limit`): it pushes w up, i.e. it damps DA's divergence.

*Reconstructed*: the paper's printed η² term could not be read; the expression above is re-derived here
(SymPy series of the composed map, :func:`map_series`): it is g_1 g_2' exactly, for both orders
(docs/theory.md#iterated-vs-simultaneous-da).

Beyond the series (derived here, not in the paper): for b > a the exact map has a far fixed point where
u = η e^{−w} is O(1), at w ≈ ln(η c / ln(b/a)) with c = a (descent first) or c = b (ascent first), with
multiplier 1 − ln(b/a)², so it is stable iff ln(b/a) < √2 (:func:`arrested_level`). This level tends to
−∞ as η → 0: the finite step arrests the divergence at depth ~ln(1/η); it does not remove it.

>>> w0 = first_order_fixed_point(0.5, 0.2, 0.1)
>>> abs(2 * 0.1 * w0 * math.exp(w0) - (0.5 - 0.2)) < 1e-14   # 2λ w e^{w} = a − b
True
"""

from __future__ import annotations

import math  # noqa: F401  (used by the docstring examples)
from functools import lru_cache
from typing import Any, Literal

import mpmath
import numpy as np
import sympy as sp

from ascent_fails.theory.lambert import BRANCH_POINT, lambert_w
from ascent_fails.validate import require_choice, require_nonnegative, require_positive

__all__ = [
    "Order",
    "ORDERS",
    "SCHEMES",
    "step_directions",
    "two_step_map",
    "two_step_kernel",
    "two_step_map_mp",
    "map_series",
    "reconstructed_second_order_term",
    "damping_limit",
    "first_order_fixed_point",
    "fixed_point_coefficients",
    "arrested_level",
]

Order = Literal["descent_first", "ascent_first"]
ORDERS: tuple[str, ...] = ("descent_first", "ascent_first")
#: the two orders of iterated DA and Lemma 2's simultaneous DA (one gradient step on L_DA)
SCHEMES: tuple[str, ...] = ORDERS + ("simultaneous",)


def _validate(retain_share: Any, forget_share: Any, ridge: Any) -> tuple[Any, Any, Any]:
    a = require_positive("retain_share", retain_share, symbol="a = |R_j|/|R|")
    b = require_nonnegative("forget_share", forget_share, symbol="b = |F_j|/|F|")
    lam = require_positive("ridge", ridge, symbol="λ")
    return a, b, lam


def step_directions(order: Order = "descent_first") -> tuple[sp.Lambda, sp.Lambda]:
    """SymPy (g_1, g_2) as functions of w for ``order``, in the symbols a, b, λ (``sp.Symbol('lambda')``)."""
    require_choice("order", order, ORDERS)
    w, a, b, lam = sp.symbols("w a b lambda", real=True)
    g_retain = sp.Lambda(w, lam * w - a * sp.exp(-w))
    g_forget = sp.Lambda(w, lam * w + b * sp.exp(-w))
    return (g_retain, g_forget) if order == "descent_first" else (g_forget, g_retain)


def two_step_map(
    w: Any, retain_share: Any, forget_share: Any, ridge: Any, step: Any, order: Order = "descent_first"
) -> Any:
    """One iteration w_t ↦ w_{t+2} of iterated DA in double precision, vectorised (overflow gives ±inf/NaN).

    >>> w = first_order_fixed_point(0.5, 0.2, 0.1)
    >>> abs(two_step_map(w, 0.5, 0.2, 0.1, 1e-4) - w) < 1e-7   # a fixed point up to O(η²)
    True
    """
    a, b, lam = _validate(retain_share, forget_share, ridge)
    eta = require_positive("step", step, symbol="η")
    require_choice("order", order, ORDERS)
    return two_step_kernel(w, a, b, lam, eta, order)


def two_step_kernel(w: Any, a: Any, b: Any, lam: Any, eta: Any, scheme: str) -> Any:
    """The unvalidated arithmetic of one iteration, for inner loops whose caller validated once.

    ``scheme`` is an :data:`ORDERS` entry (the two-step map) or ``"simultaneous"``: one gradient step on
    Lemma 2's L_DA, w ↦ w − η[λw − (a − b)e^{−w}], the scheme iterated DA is compared with.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if scheme == "simultaneous":
            out = w - eta * (lam * w - (a - b) * np.exp(-w))
        else:
            shares = (-a, b) if scheme == "descent_first" else (b, -a)  # g(w) = λw + share·e^{−w}
            w1 = w - eta * (lam * w + shares[0] * np.exp(-w))
            out = w1 - eta * (lam * w1 + shares[1] * np.exp(-w1))
    return float(out) if np.ndim(out) == 0 else out


def two_step_map_mp(
    w: Any, retain_share: Any, forget_share: Any, ridge: Any, step: Any, order: Order = "descent_first"
) -> mpmath.mpf:
    """:func:`two_step_map` in mpmath at the caller's working precision (wrap in ``mpmath.workdps``)."""
    _validate(float(retain_share), float(forget_share), float(ridge))
    require_positive("step", float(step), symbol="η")
    require_choice("order", order, ORDERS)
    a, b, lam, eta = (mpmath.mpf(v) for v in (retain_share, forget_share, ridge, step))
    shares = (-a, b) if order == "descent_first" else (b, -a)
    w1 = w - eta * (lam * w + shares[0] * mpmath.exp(-w))
    return w1 - eta * (lam * w1 + shares[1] * mpmath.exp(-w1))


@lru_cache(maxsize=None)
def map_series(order: Order = "descent_first") -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """SymPy: coefficients (c₀, c₁, c₂) of w_{t+2} = c₀ + c₁η + c₂η² + O(η³), the series of the composed map.

    >>> c0, c1, c2 = map_series(); w, a, b, lam = sp.symbols('w a b lambda', real=True)
    >>> sp.expand(c1 + (2 * lam * w - (a - b) * sp.exp(-w)))
    0
    """
    g1, g2 = step_directions(order)
    w, eta = sp.symbols("w eta", real=True)
    composed = (w - eta * g1(w)) - eta * g2(w - eta * g1(w))
    # Taylor coefficients (1/k!) ∂^k/∂η^k at η = 0: the same as sp.series, several times faster
    return tuple(sp.expand(sp.diff(composed, eta, k).subs(eta, 0) / sp.factorial(k)) for k in range(3))


def reconstructed_second_order_term(order: Order = "descent_first") -> sp.Expr:
    """The reconstructed η² term g_1(w)·g_2'(w) (descent first: g_R g_F'), to be compared with :func:`map_series`.

    The reconstruction is described in docs/theory.md#iterated-vs-simultaneous-da.
    """
    g1, g2 = step_directions(order)
    w = sp.Symbol("w", real=True)
    return g1(w) * sp.diff(g2(w), w)


def damping_limit(order: Order = "descent_first") -> sp.Expr:
    """SymPy: lim_{w→−∞} c₂(w) / (ab e^{−2w}); equal to 1 means the η² term is ≈ +ab e^{−2w} (damping).

    >>> damping_limit("ascent_first")
    1
    """
    _, _, c2 = map_series(order)
    w, a, b = sp.symbols("w a b", real=True)
    s = sp.Symbol("s", positive=True)
    ratio = (c2 / (a * b * sp.exp(-2 * w))).subs(w, -s)
    positive = {a: sp.Symbol("a", positive=True), b: sp.Symbol("b", positive=True),
                sp.Symbol("lambda", real=True): sp.Symbol("lambda", positive=True)}
    return sp.limit(sp.expand(ratio.subs(positive)), s, sp.oo)


def first_order_fixed_point(retain_share: Any, forget_share: Any, ridge: Any, *, ridge_factor: float = 2.0) -> Any:
    """W_0((a − b)/(ridge_factor·λ)): the η → 0 limit of iterated DA (``ridge_factor=2``, the doubled ridge).

    ``ridge_factor=1`` gives Lemma 2's simultaneous DA point W_0((a − b)/λ), used as a negative control.
    W_0 is the stable branch: G'(w) = 2λ(1 + w) > 0 there. Raises ``ValueError`` where the argument is below
    −1/e (no fixed point: the first-order dynamics diverge to −∞).
    """
    a, b, lam = _validate(retain_share, forget_share, ridge)
    factor = require_positive("ridge_factor", ridge_factor)
    z = (np.asarray(a) - np.asarray(b)) / (factor * np.asarray(lam))
    if np.any(z < BRANCH_POINT):
        raise ValueError(f"(a − b)/({factor:g}λ) = {np.min(z)!r} < −1/e: no fixed point, the first-order map diverges")
    return lambert_w(z if np.ndim(z) else float(z), branch=0)


@lru_cache(maxsize=None)
def _fixed_point_coefficient_functions(order: Order) -> tuple[Any, Any]:
    """Lambdified c₁(w₀, a, b, λ), c₂(w₀, a, b, λ) of w*(η) = w₀ + c₁η + c₂η² + O(η³).

    w*(η) solves F(w, η) = (Φ(w) − w)/η = −g_1(w) − g_2(w − η g_1(w)) = 0; the implicit-function theorem at
    (w₀, 0) gives c₁ = −F_η/F_w and c₂ = −(F_ww c₁² + 2F_wη c₁ + F_ηη)/(2F_w).
    """
    g1, g2 = step_directions(order)
    w, eta, a, b, lam = sp.symbols("w eta a b lambda", real=True)
    F = -g1(w) - g2(w - eta * g1(w))
    at0 = {eta: 0}
    Fw, Fe = sp.diff(F, w).subs(at0), sp.diff(F, eta).subs(at0)
    Fww, Fwe, Fee = (sp.diff(F, *v).subs(at0) for v in ((w, 2), (w, eta), (eta, 2)))
    c1 = -Fe / Fw
    c2 = -(Fww * c1**2 + 2 * Fwe * c1 + Fee) / (2 * Fw)
    return sp.lambdify((w, a, b, lam), c1, "numpy"), sp.lambdify((w, a, b, lam), c2, "numpy")


def fixed_point_coefficients(
    retain_share: Any, forget_share: Any, ridge: Any, order: Order = "descent_first"
) -> tuple[Any, Any, Any]:
    """(w₀, c₁, c₂): the two-step map's fixed point is w*(η) = w₀ + c₁η + c₂η² + O(η³), w₀ = W_0((a−b)/(2λ)).

    c₁ = g_1(w₀) g_2'(w₀) / G'(w₀) is the slope the high-precision check measures.

    >>> w0, c1, c2 = fixed_point_coefficients(0.5, 0.2, 0.1)
    >>> eta = 1e-3; w = w0 + c1 * eta + c2 * eta**2
    >>> abs(two_step_map(w, 0.5, 0.2, 0.1, eta) - w) < 1e-9 * eta   # fixed up to O(η³) per unit step
    True
    """
    require_choice("order", order, ORDERS)
    w0 = first_order_fixed_point(retain_share, forget_share, ridge)
    c1_fn, c2_fn = _fixed_point_coefficient_functions(order)
    args = (w0, retain_share, forget_share, ridge)
    c1, c2 = (np.asarray(fn(*args), dtype=float) for fn in (c1_fn, c2_fn))
    return (w0, float(c1), float(c2)) if c1.ndim == 0 else (w0, c1, c2)


def arrested_level(retain_share: Any, forget_share: Any, step: Any, order: Order = "descent_first") -> tuple[Any, Any]:
    """Leading-order far fixed point of the exact map for b > a, and its multiplier (derived here).

    With u = η e^{−w} = O(1) and ηλw → 0, descent first reads w ↦ w + au − bu e^{−au}, fixed at
    u = ln(b/a)/a; ascent first reads w ↦ w − bu + au e^{bu}, fixed at u = ln(b/a)/b. Hence
    w* ≈ ln(η c/ln(b/a)), c = a or b, with multiplier Φ'(w*) ≈ 1 − ln(b/a)² (stable iff ln(b/a) < √2).
    Returns (w*, multiplier).
    """
    a = require_positive("retain_share", retain_share, symbol="a = |R_j|/|R|")
    b = require_positive("forget_share", forget_share, symbol="b = |F_j|/|F|")
    eta = require_positive("step", step, symbol="η")
    require_choice("order", order, ORDERS)
    log_ratio = np.log(np.asarray(b) / np.asarray(a))
    if np.any(log_ratio <= 0):
        raise ValueError("forget_share must exceed retain_share (b > a) for the far fixed point to exist")
    c = np.asarray(a) if order == "descent_first" else np.asarray(b)
    level, multiplier = np.log(eta * c / log_ratio), 1.0 - log_ratio**2
    return (float(level), float(multiplier)) if level.ndim == 0 else (level, multiplier)
