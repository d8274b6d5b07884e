r"""Lemma 2 in SymPy: the axis objectives built from the per-sample losses, and the proof that each closed form
is a stationary point of the right kind.

On axis j (Assumption 2: every sample contributes ℓ_i(w) = e^{−w}; |F_j| = α|R_j|; global normalisers),

    L_D(w)  = (|R_j| + α|R_j|) e^{−w}/|D| + (λ/2) w²,
    L_R(w)  = |R_j| e^{−w}/|R| + (λ/2) w²,
    L_DA(w) = |R_j| e^{−w}/|R| − α|R_j| e^{−w}/|F| + (λ/2) w².

:func:`closed_form_residuals` substitutes Lemma 2's closed forms (sympy ``LambertW``) into L' and simplifies with
W e^W = x (:func:`apply_lambert_identity`): every residual is 0. :func:`stationary_curvature_residuals` shows
L'' = λ(1 + w) there, so W_0 (≥ −1) is a minimum and W_{−1} a maximum. :func:`lambert_arguments` gives each
objective's z = −L'(0)/λ for the root-finding reference (:mod:`theory.stationary_roots`). :class:`SymbolicStep`
records one SymPy-checked proof step of the Section 5.1.1 lemmas.

>>> sorted(closed_form_residuals().items())
[('descent_ascent', 0), ('descent_ascent_maximum', 0), ('oracle', 0), ('pretrained', 0)]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

__all__ = [
    "SymbolicStep",
    "AxisObjectives",
    "axis_objectives",
    "lambert_arguments",
    "apply_lambert_identity",
    "closed_form_residuals",
    "stationary_curvature_residuals",
]


@dataclass(frozen=True)
class SymbolicStep:
    """One proof step checked by SymPy (Section 5.1.1 modules): what is claimed, what SymPy returned, verdict."""

    name: str  # short identifier, e.g. "upper_end"
    claim: str  # the step in the paper's symbols
    result: str  # what SymPy returned (a residual that must be 0, a sign, a limit)
    passed: bool


@dataclass(frozen=True)
class AxisObjectives:
    """The axis-j parts of L_D, L_R, L_DA (global normalisers |D|, |R|, |F|) as SymPy expressions in ``weight``."""

    weight: sp.Symbol  # w (= w_j), real
    n_retain: sp.Symbol  # |R| > 0
    n_forget: sp.Symbol  # |F| > 0
    n_retain_axis: sp.Symbol  # |R_j| > 0
    forget_ratio_axis: sp.Symbol  # α > 0
    ridge: sp.Symbol  # λ > 0
    pretraining: sp.Expr  # (1/|D|)(|R_j| + α|R_j|) e^{−w} + (λ/2) w²
    oracle: sp.Expr  # (1/|R|)|R_j| e^{−w} + (λ/2) w²
    descent_ascent: sp.Expr  # (1/|R|)|R_j| e^{−w} − (1/|F|) α|R_j| e^{−w} + (λ/2) w²

    def closed_forms(self) -> dict[str, tuple[sp.Expr, sp.Expr]]:
        """name -> (objective, Lemma 2's closed form as sympy LambertW); DA on both branches."""
        r, f, rj, a, lam = self.n_retain, self.n_forget, self.n_retain_axis, self.forget_ratio_axis, self.ridge
        z_da = (1 - a * r / f) * rj / (lam * r)
        return {
            "pretrained": (self.pretraining, sp.LambertW((1 + a) * rj / (lam * (r + f)))),
            "oracle": (self.oracle, sp.LambertW(rj / (lam * r))),
            "descent_ascent": (self.descent_ascent, sp.LambertW(z_da)),
            "descent_ascent_maximum": (self.descent_ascent, sp.LambertW(z_da, -1)),
        }


@functools.lru_cache(maxsize=1)
def axis_objectives() -> AxisObjectives:
    """Per-axis objectives of Section 5.1.1 built from the per-sample losses (Assumption 2: each is e^{−w})."""
    w = sp.Symbol("w", real=True)
    r, f, rj, a, lam = sp.symbols("R F R_j alpha lambda", positive=True)
    loss = sp.exp(-w)  # ℓ_i(w) = exp(−y_i x_ij w) with y_i x_ij = 1
    ridge_term = lam / 2 * w**2
    n_forget_axis = a * rj  # |F_j| = α|R_j|
    return AxisObjectives(
        weight=w, n_retain=r, n_forget=f, n_retain_axis=rj, forget_ratio_axis=a, ridge=lam,
        pretraining=(rj + n_forget_axis) * loss / (r + f) + ridge_term,
        oracle=rj * loss / r + ridge_term,
        descent_ascent=rj * loss / r - n_forget_axis * loss / f + ridge_term,
    )


@functools.lru_cache(maxsize=1)
def lambert_arguments() -> dict[str, Callable[..., Any]]:
    """z = −L'(0)/λ for each axis objective, derived by SymPy and compiled for mpmath."""
    obj = axis_objectives()
    params = (obj.n_retain, obj.n_forget, obj.n_retain_axis, obj.forget_ratio_axis, obj.ridge)
    out = {}
    for name, objective in (("pretrained", obj.pretraining), ("oracle", obj.oracle), ("descent_ascent", obj.descent_ascent)):
        # factor: one fraction, so |F| − α|R| is formed before dividing (no cancellation between two large terms)
        z = sp.factor(-sp.diff(objective, obj.weight).subs(obj.weight, 0) / obj.ridge)
        out[name] = sp.lambdify(params, z, "mpmath")
    return out


def apply_lambert_identity(expr: sp.Expr) -> sp.Expr:
    """Rewrite exp(c·W_k(x) + r) as exp(r)·(x/W_k(x))^c, the defining identity W e^W = x, then simplify.

    SymPy 1.14 does not simplify e^{W(x)} by itself (``simplify(LambertW(x)*exp(LambertW(x)) - x)`` stays
    unevaluated), so the identity is applied explicitly; only exponents linear in W are rewritten.

    >>> x = sp.Symbol('x', positive=True)
    >>> apply_lambert_identity(sp.LambertW(x) * sp.exp(sp.LambertW(x)) - x)
    0
    """
    for w_atom in expr.atoms(sp.LambertW):
        x = w_atom.args[0]
        s = sp.Dummy("W")

        def rewrite(exponent: sp.Expr, w_atom: sp.Expr = w_atom, x: sp.Expr = x, s: sp.Dummy = s) -> sp.Expr:
            linear = sp.expand(exponent.subs(w_atom, s))
            c = sp.diff(linear, s)
            if c == 0 or c.has(s):
                return sp.exp(exponent)
            return sp.exp(sp.expand(linear - c * s)) * (x / w_atom) ** c

        expr = expr.replace(sp.exp, rewrite)
    return sp.simplify(expr)


@functools.lru_cache(maxsize=1)
def _residuals() -> tuple[tuple[str, sp.Expr], ...]:
    obj = axis_objectives()
    return tuple(
        (name, apply_lambert_identity(sp.diff(objective, obj.weight).subs(obj.weight, closed)))
        for name, (objective, closed) in obj.closed_forms().items()
    )


def closed_form_residuals() -> dict[str, sp.Expr]:
    """L'(closed form) for each objective of Lemma 2, simplified with W e^W = x: every value is 0."""
    return dict(_residuals())


@functools.lru_cache(maxsize=1)
def _curvature_residuals() -> tuple[tuple[str, sp.Expr], ...]:
    obj = axis_objectives()
    out = []
    for name, (objective, closed) in obj.closed_forms().items():
        second = sp.diff(objective, obj.weight, 2).subs(obj.weight, closed)
        out.append((name, apply_lambert_identity(second - obj.ridge * (1 + closed))))
    return tuple(out)


def stationary_curvature_residuals() -> dict[str, sp.Expr]:
    """L''(closed form) − λ(1 + closed form) for each objective of Lemma 2: every value is 0."""
    return dict(_curvature_residuals())
