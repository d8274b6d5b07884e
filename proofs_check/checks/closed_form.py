r"""Evidence for Lemma 2 (closed form) [paper]: w^D = W_0(z_D), w^R = W_0(z_R), w^DA = W(z_DA), and DA's regimes.

Paper symbols ↔ parameters: |R| ``n_retain``, |F| ``n_forget``, |D| = |R| + |F|, |R_j| ``n_retain_axis``,
α ``forget_ratio_axis`` (|F_j| = α|R_j|), λ ``ridge``; the statement is in :mod:`theory.closed_form`.

* symbolic — SymPy: each closed form zeroes the derivative of its axis objective (``closed_form_residuals``);
  the second derivative there is λ(1 + w) (``stationary_curvature_residuals``); d(w e^w)/dw = (1 + w)e^w, so
  W_0 (the inverse on w ≥ −1) is a minimum and W_{−1} a maximum; the regime boundaries solve z_DA = 0 and
  z_DA = −1/e and agree with ``regime_boundary_2/3``.
* high_precision — mpmath ``findroot`` on the stationarity equations λ w e^w = c at 60 digits (c = λz, z = −L'(0)/λ
  derived by SymPy from each objective), from several starting points and brackets, with no Lambert W: the set of
  roots found must be exactly the closed-form stationary points (none in regime 3), in all three regimes and
  within 1e-12 … 1e-6 of their boundaries; the float path (``stationary_points``) and the mp path
  (``stationary_points_mp``) are compared with the roots. The float path is also split into its two error
  sources, each within its conditioning budget (:func:`_check_conditioning`, also at the ends of the float range);
  ``theory.lambert`` is checked at exact float arguments near −1/e and beyond the float range against an 80-digit
  bisection (:func:`_check_lambert`, budget :func:`_algorithm_budget`), and its branch-point series at p = ±0.05
  (:func:`_check_series`).
* property — (a) seeded random multi-axis data matrices (Assumptions 1–2, :mod:`numerics.assumption_data`):
  L_D and L_R minimised by L-BFGS-B, L_DA run by gradient descent from the optimiser's w^D, each column
  compared with the closed form of its axis; (b) 1-D DA runs (:mod:`numerics.da_dynamics`) from w^D reach the
  predicted limit, or diverge in regime 3; in regime 2, starting just below W_{−1}(z_DA) diverges and just above
  converges to W_0(z_DA); the slow edges (z_DA within 1e-5 of −1/e, the start of regime 3) are included.
* negative_control — the same comparisons applied to wrong formulas (|D| in place of |R| in w^R, |R| in place
  of |D| in w^D, branch −1 in place of 0 in regime 2) and to the regime-2 prediction just outside regime 2;
  each must be refuted by every comparison it touches (expected rate 100 %, derived in
  :func:`check_negative_control`).

Closed-form functions are called through the module (``closed_form.oracle_weight``) so a test that patches a
formula sees these checks go red (tests/proofs_check/test_formula_mutations.py).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ascent_fails.numerics import assumption_data, da_dynamics
from ascent_fails.proofs_check.checks._shared import listed_failures_evidence
from ascent_fails.proofs_check.registry import Evidence, ResultCheck, result_check
from ascent_fails.theory import closed_form, closed_form_mp, closed_form_symbolic, lambert

__all__ = ["RESULTS", "check_symbolic", "check_high_precision", "check_property", "check_negative_control"]

SEED = 20250926  # seeds every random choice below (arXiv 2509.26427)
_EPS = float(np.finfo(float).eps)
_TINY = float(np.finfo(float).tiny)  # 2.2e-308, the smallest normal float
_SUBNORMAL = 5e-324  # the smallest subnormal float: the absolute rounding unit below _TINY
_DPS = 60  # working digits for root finding; results are compared at ≥ 50 digits
_MP_UNIT = 1e-48  # unit roundoff charged to stationary_points_mp at 50 digits (100× its 1e-50)


# --- parameters in a chosen regime ------------------------------------------------------------------------------


def _regime_parameters(rng: np.random.Generator, regime: int, position: np.ndarray) -> tuple[np.ndarray, ...]:
    """(|R|, |F|, |R_j|, α, λ) with α placed by ``position`` u inside ``regime``.

    Regime 1: α = u·α_2; regime 2: α = α_2 + u(α_3 − α_2) (so z_DA = −u/e); regime 3: α = α_3(1 + u);
    α_2 = |F|/|R|, α_3 = α_2 + λ|F|/(e|R_j|) (the boundaries are recomputed here, not taken from closed_form).
    """
    n = position.size
    n_retain = rng.integers(10, 10_000, n).astype(float)
    n_forget = np.floor(rng.uniform(0.01, 1.0, n) * n_retain) + 1
    n_axis = np.floor(rng.uniform(0.0, 0.5, n) * n_retain) + 1
    ridge = 10.0 ** rng.uniform(-2, 1, n)
    alpha_2 = n_forget / n_retain
    alpha_3 = alpha_2 + ridge * n_forget / (math.e * n_axis)
    alpha = {1: position * alpha_2, 2: alpha_2 + position * (alpha_3 - alpha_2), 3: alpha_3 * (1 + position)}[regime]
    return n_retain, n_forget, n_axis, alpha, ridge


# --- symbolic -----------------------------------------------------------------------------------------------------


def check_symbolic() -> Evidence:
    """SymPy residuals of Lemma 2, curvature λ(1 + w), branch signs, and the regime boundaries."""
    residuals = closed_form_symbolic.closed_form_residuals()
    curvature = closed_form_symbolic.stationary_curvature_residuals()
    failures = [f"L'({k}) = {v}" for k, v in residuals.items() if v != 0]
    failures += [f"L''({k}) − λ(1+w) = {v}" for k, v in curvature.items() if v != 0]
    # Branch signs: (w e^w)' = (1 + w) e^w, so w ↦ w e^w is increasing on [−1, ∞) (W_0 lives there: L'' ≥ 0,
    # minimum) and decreasing on (−∞, −1] (W_{−1}: L'' ≤ 0, maximum); checked at points of (−1/e, 0).
    w = sp.Symbol("w", real=True)
    if sp.simplify(sp.diff(w * sp.exp(w), w) - (1 + w) * sp.exp(w)) != 0:
        failures.append("(w e^w)' != (1 + w) e^w")
    for z in (sp.Rational(-1, 3), sp.Rational(-1, 10), sp.Rational(-1, 10**6)):
        if not (1 + sp.LambertW(z)).evalf(30) > 0 > (1 + sp.LambertW(z, -1)).evalf(30):
            failures.append(f"branch sign at z = {z}")
    # Regime boundaries, derived (no copy of the formulas): z_DA = −L_DA'(0)/λ from the objective built from the
    # per-sample losses, and α_2, α_3 the roots in α of z_DA = 0 and z_DA = −1/e (SymPy solve). z_DA is linear and
    # decreasing in α: regime 1 is α ≤ α_2, regime 2 is α_2 < α ≤ α_3, regime 3 is α > α_3.
    obj = closed_form_symbolic.axis_objectives()
    r, f, rj, a, lam = obj.n_retain, obj.n_forget, obj.n_retain_axis, obj.forget_ratio_axis, obj.ridge
    z_da = sp.factor(-sp.diff(obj.descent_ascent, obj.weight).subs(obj.weight, 0) / lam)
    roots_2, roots_3 = sp.solve(sp.Eq(z_da, 0), a), sp.solve(sp.Eq(z_da, -sp.exp(-1)), a)
    if len(roots_2) != 1 or len(roots_3) != 1:
        failures.append(f"z_DA = 0 / −1/e have roots {roots_2} / {roots_3} in α (one each expected)")
        roots_2, roots_3 = [sp.nan], [sp.nan]
    boundary_2, boundary_3 = roots_2[0], roots_3[0]
    if not sp.diff(z_da, a).is_negative:
        failures.append("z_DA is not decreasing in α")
    # ... and the library's float boundaries agree with these roots at random points, evaluated exactly
    rng = np.random.default_rng(SEED)
    points = [
        (*(float(rng.integers(1, high)) for high in (1000, 500, 100)), float(10 ** rng.uniform(-3, 1)))
        for _ in range(5)
    ]
    worst = 0.0
    for point in points:
        library = (closed_form.regime_boundary_2(*point[:2]), closed_form.regime_boundary_3(*point))
        subs = dict(zip((r, f, rj, lam), (sp.Rational(v) for v in point)))
        for got, want in zip(library, (boundary_2.subs(subs), boundary_3.subs(subs))):
            want = float(sp.N(want, 30))
            worst = max(worst, abs(got - want) / (4 * _EPS * want))
    if worst > 1:
        failures.append(f"regime_boundary_2/3 differ from the roots of z_DA = 0, −1/e by {worst:.3g} × (4 ulp)")
    n_facts = len(residuals) + len(curvature) + 1 + 3 + 3 + 2 * len(points)
    summary = (
        f"{n_facts} symbolic facts: L'(W) = 0 for w^D, w^R, w^DA (both branches), L''(W) = λ(1+W), W_0 minimum / "
        f"W_-1 maximum, regime boundaries |F|/|R| and |F|/|R| + λ|F|/(e|R_j|)"
    )
    return listed_failures_evidence("symbolic", summary, failures, worst_margin=1 - worst)


# --- high precision -----------------------------------------------------------------------------------------------


def _stationary_roots(ridge: mpmath.mpf, coefficient: mpmath.mpf) -> list[mpmath.mpf]:
    """Every real root of g(w) = λ w − c e^{−w} (⇔ λ w e^w = c), found by findroot without Lambert W.

    Newton from several starting points finds roots wherever it converges; bracketing (Pegasus regula falsi)
    on the intervals where g changes sign catches the roots near the double root at −1 that Newton misses.
    g'(w) = λ + c e^{−w}: for c ≥ 0, g increases (one root, in [0, c/λ]); for c < 0, g is convex with its
    minimum at m = ln(−c/λ), so it has no root if g(m) > 0 and otherwise one root on each side of m.
    """
    g = lambda w: ridge * w - coefficient * mpmath.exp(-w)  # noqa: E731
    dg = lambda w: ridge + coefficient * mpmath.exp(-w)  # noqa: E731
    z = coefficient / ridge
    starts = [mpmath.mpf(-0.5), mpmath.mpf(0), mpmath.mpf(1), mpmath.log1p(abs(z)), mpmath.mpf(-2), mpmath.mpf(-5)]
    if z < 0:
        starts.append(2 * mpmath.log(-z) - 1)
    found: list[mpmath.mpf] = []
    for x0 in starts:
        try:
            found.append(mpmath.findroot(g, x0, solver="newton", df=dg, maxsteps=200))
        except (ValueError, ZeroDivisionError, OverflowError):
            pass  # did not converge from this start: the brackets below are the safety net
    # brackets where g changes sign: [0, z] for z > 0; around the minimiser m = ln(−z) of g for z < 0
    brackets: list[tuple[mpmath.mpf, mpmath.mpf]] = []
    if z > 0:
        brackets.append((mpmath.mpf(0), z))
    elif z == 0:
        found.append(mpmath.mpf(0))
    elif g(mpmath.log(-z)) <= 0:
        m = mpmath.log(-z)
        low = m - 1
        while g(low) <= 0:
            low = 2 * low - 1
        brackets += [(low, m), (m, max(mpmath.mpf(1), -m + 1))]
    for a, b in brackets:
        if g(a) == 0 or g(b) == 0:
            found.append(a if g(a) == 0 else b)
        else:
            found.append(mpmath.findroot(g, (a, b), solver="pegasus", maxsteps=1000))
    distinct: list[mpmath.mpf] = []
    for root in sorted(x for x in found if abs(g(x)) <= mpmath.mpf(10) ** (-_DPS + 10) * (1 + abs(x))):
        if not distinct or abs(root - distinct[-1]) > mpmath.mpf(10) ** -30 * (1 + abs(root)):
            distinct.append(root)
    return distinct


def _budget(weight: float, argument_scale: float, unit: float) -> float:
    """Total error budget for a computed W(z) against the root at exact parameters: W's own rounding plus the
    propagated error of z (used with the findroot roots; the two parts are checked separately, and much more
    tightly, by :func:`_check_conditioning`).

    δW = δz / (e^W |1 + W|) (the derivative of W), with δz ≤ 16 u · (size of the terms z is computed from):
    where z_DA = (1 − α|R|/|F|)|R_j|/(λ|R|) cancels, its absolute error is set by |R_j|/(λ|R|)(1 + α|R|/|F|).
    This part grows like 1/|1+W| near −1/e and is genuine: an argument off by δz moves W that much.
    """
    return 16 * unit * (1 + abs(weight)) + 16 * unit * argument_scale / (math.exp(weight) * abs(1 + weight))


# --- 80-digit reference for W, by bisection (no Lambert W, no code shared with theory.lambert) ----------------------

_REF_DPS = 90  # working digits of the bisection; results are good to 80 digits
_BISECTIONS = 300  # halvings: 2^-300 ≈ 5e-91 of the bracket


def _bisect(h: Callable[[mpmath.mpf], mpmath.mpf], low: mpmath.mpf, high: mpmath.mpf) -> mpmath.mpf:
    """The root of h in [low, high], where h changes sign (either direction), by plain bisection."""
    h_low = h(low)
    for _ in range(_BISECTIONS):
        mid = (low + high) / 2
        h_mid = h(mid)
        if h_mid == 0:
            return mid
        if (h_mid > 0) == (h_low > 0):
            low, h_low = mid, h_mid
        else:
            high = mid
    return (low + high) / 2


def _reference_w(z: mpmath.mpf, branch: int) -> mpmath.mpf:
    """W_branch(z) to 80 digits by bisection on w e^w = z (log form w + ln w = ln z for z > 0).

    Brackets from the sign of w e^w − z alone: W_0(z) ∈ [z/(1+z), ln(1+z)] for z > 0, W_0(z) ∈ [−1, z] for
    −1/e ≤ z < 0 (w e^w is increasing on [−1, ∞)), W_{−1}(z) ∈ [b, −1] with b doubled until b e^b − z > 0.
    """
    with mpmath.workdps(_REF_DPS):
        z = mpmath.mpf(z)
        if z == 0 and branch == 0:
            return mpmath.mpf(0)
        if z > 0:
            log_z = mpmath.log(z)
            return _bisect(lambda w: w + mpmath.log(w) - log_z, z / (1 + z), mpmath.log1p(z))
        h = lambda w: w * mpmath.exp(w) - z
        if branch == 0:  # W_0(z) = z e^{−W} with e^{−W} ∈ [1, e]: a bracket relative to |z|, for tiny z too
            return _bisect(h, max(mpmath.mpf(-1), mpmath.e * z), z)
        low = mpmath.mpf(-2)
        while h(low) <= 0:
            low *= 2
        return _bisect(h, low, mpmath.mpf(-1))


def _reference_w_log(log_z: mpmath.mpf) -> mpmath.mpf:
    """W_0(e^L) for L ≥ 1 to 80 digits by bisection on w + ln w = L over [1, L]."""
    with mpmath.workdps(_REF_DPS):
        log_z = mpmath.mpf(log_z)
        return _bisect(lambda w: w + mpmath.log(w) - log_z, mpmath.mpf(1), log_z)


def _algorithm_budget(weight: mpmath.mpf, argument: mpmath.mpf, unit: float = _EPS) -> float:
    r"""Largest error of a computed W(z) at an *exactly given* float z, from the conditioning of the problem.

    W'(z) = 1/(e^W (1+W)). An algorithm that is backward stable in z (it returns W(z(1+δ)), |δ| ≤ c·u) is off
    by c·u·|z W'(z)| = c·u·|W|/|1+W|, plus c·u·|W| for rounding the result: κ_z = |W|/|1+W| is the condition
    number of W in relative perturbations of z, and it blows up like 1/p at the branch point, p = √(2(ez+1)).
    :func:`theory.lambert.lambert_w` claims more within p² < 1e-6 of −1/e: there it forms ε = z + 1/e to full
    relative precision (1/e split in two floats) and evaluates the branch-point series, so it is backward
    stable in ε, and the error is c·u·|ε W'(z)| = c·u·|ε|/(e^W|1+W|) → c·u·p/2: the budget stays at a few
    ulps of |W| and does not grow like 1/|1+W|. c = 4. This is the budget that catches a wrong sign in the series
    (c_2 flipped moves W by (2/3)p², c_4 by 0.16p⁴ ≥ 1.6e-13 at p = 1e-3, i.e. ≥ 80 budgets); a flipped c_5 or
    c_6 moves W by < 1e-16 ≤ ½ ulp in double precision and is an equivalent defect at float precision (it is
    caught by :func:`_check_series`, which evaluates the series at p = 0.05).
    """
    with mpmath.workdps(30):
        w, z = mpmath.mpf(weight), mpmath.mpf(argument)
        if 1 + w == 0:
            return math.inf
        epsilon = z + mpmath.exp(-1)
        in_series = z < 0 and 2 * mpmath.e * epsilon < mpmath.mpf("1e-6")
        kappa = abs(epsilon) / (mpmath.exp(w) * abs(1 + w)) if in_series else abs(w) / abs(1 + w)
        return float(4 * unit * (abs(w) + 1 + kappa)) if in_series else float(4 * unit * (abs(w) + kappa))


#: distances p = √(2(ez+1)) from the branch point at which lambert_w is checked, both branches: the smallest float
#: above −1/e (p ≈ 1.3e-8), the series region up to just inside its edge p² = 1e-6, and scipy's region beyond
_BRANCH_DISTANCES = (1e-7, 1e-6, 1e-5, 1e-4, 3e-4, 9.9e-4, 1.01e-3, 3e-3, 1e-2, 0.03, 0.099, 0.3, 0.5)
_PLAIN_ARGUMENTS = ((0, 1e-300), (0, 1e-10), (0, 0.5), (0, 1.0), (0, 10.0), (0, 1e10), (0, 1e100), (0, 1e300),
                    (0, 1.7e308), (0, -1e-300), (0, -0.1), (0, -0.3), (-1, -1e-300), (-1, -1e-10), (-1, -0.1),
                    (-1, -0.3))
_LOG_ARGUMENTS = (700.0, 1000.0, 1e4)  # ln z beyond the float range (lambert_w_log)


def _lambert_arguments() -> list[tuple[int, float]]:
    """(branch, z) with z an exact float: near −1/e at the distances above, the float just above −1/e, plain z."""
    out: list[tuple[int, float]] = []
    with mpmath.workdps(40):
        smallest_above = float(np.nextafter(-math.exp(-1.0), 0.0))
        if smallest_above < -mpmath.exp(-1):  # the float nearest −1/e may lie above it: take the next one then
            smallest_above = float(np.nextafter(smallest_above, 0.0))
        near = [smallest_above] + [float((mpmath.mpf(p) ** 2 / 2 - 1) / mpmath.e) for p in _BRANCH_DISTANCES]
    for z in near:
        out += [(0, z), (-1, z)]
    return out + list(_PLAIN_ARGUMENTS)


def _check_lambert() -> tuple[list[str], float, int]:
    """theory.lambert at exact float arguments vs the 80-digit bisection, within :func:`_algorithm_budget`."""
    failures, worst = [], 0.0
    arguments = _lambert_arguments()
    for branch, z in arguments:
        reference = _reference_w(mpmath.mpf(z), branch)
        got = lambert.lambert_w(z, branch)
        ratio = float(abs(got - reference)) / _algorithm_budget(reference, z)
        worst = max(worst, ratio)
        if not ratio <= 1:
            failures.append(f"lambert_w({z!r}, {branch}) = {got!r}, reference {mpmath.nstr(reference, 20)}")
    for log_z in _LOG_ARGUMENTS:
        reference = _reference_w_log(mpmath.mpf(log_z))
        got = lambert.lambert_w_log(log_z)
        # L is exact here; δW = δL·W/(1+W) with δL the rounding of ln|w| in the Newton step: 4u(|W| + 1)
        ratio = float(abs(got - reference)) / (4 * _EPS * (float(reference) + 1))
        worst = max(worst, ratio)
        if not ratio <= 1:
            failures.append(f"lambert_w_log({log_z}) = {got!r}, reference {mpmath.nstr(reference, 20)}")
    return failures, worst, len(arguments) + len(_LOG_ARGUMENTS)


#: p at which the branch-point series itself is compared with the reference: large enough that every
#: coefficient's term (c_6 p⁶ ≈ 4e-10 at p = 0.05) exceeds the truncation error 2|c_7|p⁷ ≈ 2.4e-11
_SERIES_P = (0.02, 0.05)
_SERIES_C7 = 680863 / 43545600  # the first omitted coefficient (Corless et al. 1996, Eq. 4.22)


def _check_series() -> tuple[list[str], float]:
    """lambert's branch-point series Σ c_k p^k (its own coefficients) vs W(z(p)) at 80 digits, both branches."""
    failures, worst = [], 0.0
    for p in _SERIES_P:
        for branch, sign in ((0, 1.0), (-1, -1.0)):
            with mpmath.workdps(_REF_DPS):
                z = (mpmath.mpf(p) ** 2 / 2 - 1) / mpmath.e
            reference = _reference_w(z, branch)
            series = np.polynomial.polynomial.polyval(sign * p, lambert._SERIES)
            budget = 2 * _SERIES_C7 * p**7 + 8 * _EPS
            ratio = float(abs(series - reference)) / budget
            worst = max(worst, ratio)
            if not ratio <= 1:
                failures.append(f"branch-point series at p = {sign * p}: {series!r} vs W = {mpmath.nstr(reference, 20)}")
    return failures, worst


#: parameter sets at the ends of the float range: sizes up to 1e300, λ down to the smallest normal float, α up
#: to 1e308 (products such as λ|R||F| over- or underflow there)
_EXTREME_POINTS = (
    (1e160, 1e160, 1e160, 0.5, 0.01),
    (1e300, 1e300, 1e300, 0.25, 1.0),
    (1.0, 1e300, 1e300, 0.0, 2.2250738585072014e-308),
    (900.0, 100.0, 50.0, 1e308, 0.01),
    (1e300, 1.0, 1.0, 1e-300, 1e3),
    (3.0, 1e300, 1e-300, 1e299, 2.2250738585072014e-308),
)


def _check_conditioning(points: list[tuple[float, ...]]) -> tuple[list[str], float, float]:
    """The float path split into its two error sources, each against its own budget.

    (a) The Lambert arguments: z computed by ``closed_form.*_argument`` vs z at 80 digits from the objective
    (z = −L'(0)/λ, SymPy): |δz| ≤ 8u|z| (the library computes |F| − α|R| exactly, so even z_DA near α = |F|/|R|
    keeps a few ulps of relative accuracy). Beyond the float range (the function refuses) ln|z| is compared.
    (b) The weights: w from ``closed_form`` vs W at the float z (or at the exact z where z is beyond the float
    range), 80-digit bisection, within :func:`_algorithm_budget` (plus δL·|W|/|1+W| in log space).
    Returns (failures, worst ratio of (a), worst ratio of (b)).
    """
    failures, worst_z, worst_w = [], 0.0, 0.0
    derived = closed_form_symbolic.lambert_arguments()
    public = {
        "pretrained": closed_form.pretrained_argument,
        "oracle": lambda r, f, rj, a, lam: closed_form.oracle_argument(r, rj, lam),
        "descent_ascent": closed_form.descent_ascent_argument,
    }
    for params in points:
        floats = closed_form.stationary_points(*params)
        with mpmath.workdps(_REF_DPS):
            exact = {name: f(*(mpmath.mpf(v) for v in params)) for name, f in derived.items()}
        for name, z_exact in exact.items():
            weights = {"pretrained": [(0, floats.pretrained)], "oracle": [(0, floats.oracle)]}.get(name)
            if name == "descent_ascent":
                weights = [] if floats.regime == 3 else [(0, floats.descent_ascent)]
                weights += [(-1, floats.descent_ascent_maximum)] if floats.regime == 2 else []
                with mpmath.workdps(_REF_DPS):
                    exact_regime = 1 if z_exact >= 0 else (2 if z_exact >= -mpmath.exp(-1) else 3)
                if exact_regime != floats.regime:
                    failures.append(f"{params}: regime {floats.regime}, exact z_DA gives {exact_regime}")
                    continue
            try:
                z_float = public[name](*params)
            except ValueError:  # |z| beyond the float range: the weights come from ln|z|
                z_float = None
            with mpmath.workdps(_REF_DPS):
                if z_float is not None:
                    # a subnormal z carries an absolute rounding of half the smallest subnormal
                    ratio = float(abs(mpmath.mpf(z_float) - z_exact) / (8 * _EPS * abs(z_exact) + _SUBNORMAL))
                else:
                    ratio = 0.0
                worst_z = max(worst_z, ratio)
                if not ratio <= 1:
                    failures.append(f"{params}: {name} argument {z_float!r} vs {mpmath.nstr(z_exact, 20)}")
                for branch, w in weights:
                    if z_float is not None and _TINY <= abs(z_float) < 1e300 or z_float == 0:
                        reference = _reference_w(mpmath.mpf(z_float), branch)
                        budget = _algorithm_budget(reference, z_float)
                    elif z_exact > 0 and abs(z_exact) > 1:  # W_0 of a huge z, at the exact z: δL = 8u|ln z|
                        reference = _reference_w_log(mpmath.log(z_exact))
                        budget = _algorithm_budget(reference, 1.0) + 8 * _EPS * float(
                            abs(mpmath.log(z_exact)) * abs(reference) / abs(1 + reference))
                    elif branch == 0:  # |z| below the normal range: W_0(z) = z(1 − z + …) rounds to the float z
                        reference = _reference_w(z_exact, 0)
                        budget = 8 * _EPS * float(abs(reference))
                    else:  # W_{−1} of a tiny negative z, from ln|z|: δW = δL·|W|/|1+W|, δL = 8u|ln|z||
                        reference = _reference_w(z_exact, -1)
                        budget = 8 * _EPS * float(abs(mpmath.log(-z_exact)) * abs(reference) / abs(1 + reference)
                                                  + abs(reference))
                    ratio = float(abs(mpmath.mpf(w) - reference)) / (budget + _SUBNORMAL)
                    worst_w = max(worst_w, ratio)
                    if not ratio <= 1:
                        failures.append(f"{params}: {name} W_{branch} = {w!r} vs {mpmath.nstr(reference, 20)}")
    return failures, worst_z, worst_w


#: positions u inside each regime (see _regime_parameters): random-looking interior points, α = 0, and points
#: 1e-9 and 1e-6 (relative) from the boundaries α_2 = |F|/|R| and α_3 (the branch point z_DA = −1/e)
_HIGH_PRECISION_POSITIONS = {
    1: [0.0, 0.3, 0.8, 1 - 1e-9],
    2: [1e-9, 0.4, 0.9, 1 - 1e-6, 1 - 1e-9, 1 - 1e-12],
    3: [1e-12, 1e-9, 1e-6, 0.5, 3.0],
}
_REGIME_EDGES = {1: (1.0,), 2: (0.0, 1.0), 3: (0.0,)}  # u at α_2 or α_3 in each regime's parametrisation
_N_NEAR_BOUNDARY = sum(
    any(abs(u - edge) < 1e-5 for edge in _REGIME_EDGES[regime])
    for regime, us in _HIGH_PRECISION_POSITIONS.items()
    for u in us
)


def _high_precision_points() -> list[tuple[float, ...]]:
    rng = np.random.default_rng(SEED + 1)
    rows: list[tuple[float, ...]] = []
    for regime, us in _HIGH_PRECISION_POSITIONS.items():
        rows += list(zip(*_regime_parameters(rng, regime, np.array(us))))
    return [tuple(float(v) for v in row) for row in rows]


def check_high_precision() -> Evidence:
    """Roots of λ w e^w = c by mpmath findroot at 60 digits vs the float and mp closed forms."""
    failures: list[str] = []
    worst_float = 0.0  # largest |float − root| / budget
    worst_mp = 0.0  # largest |mp closed form − root| / budget
    points = _high_precision_points()
    regimes_seen = set()
    derived = closed_form_symbolic.lambert_arguments()
    with mpmath.workdps(_DPS):
        for params in points:
            floats = closed_form.stationary_points(*params)
            precise = closed_form_mp.stationary_points_mp(*params, dps=50)
            r, f, rj, a, lam = (mpmath.mpf(v) for v in params)
            # c = λz with z = −L'(0)/λ derived by SymPy from each objective (no copy of Lemma 2's arguments)
            coefficients = {name: lam * z(r, f, rj, a, lam) for name, z in derived.items()}
            roots = {name: _stationary_roots(lam, c) for name, c in coefficients.items()}
            # regime from the roots alone: c ≥ 0 one root (1); c < 0 two or a double root (2), none (3)
            n_da = len(roots["descent_ascent"])
            regime = 1 if coefficients["descent_ascent"] >= 0 else (3 if n_da == 0 else 2)
            regimes_seen.add(regime)
            if not (floats.regime == precise.regime == regime):
                failures.append(f"{params}: regime float {floats.regime}, mp {precise.regime}, roots {regime}")
                continue
            # closed-form stationary points in ascending order, as the roots are sorted
            expected = {"pretrained": [floats.pretrained], "oracle": [floats.oracle], "descent_ascent": []}
            expected_mp = {"pretrained": [precise.pretrained], "oracle": [precise.oracle], "descent_ascent": []}
            if regime == 2 and n_da == 2:
                expected["descent_ascent"] = [floats.descent_ascent_maximum, floats.descent_ascent]
                expected_mp["descent_ascent"] = [precise.descent_ascent_maximum, precise.descent_ascent]
            elif regime != 3:
                expected["descent_ascent"] = [floats.descent_ascent]
                expected_mp["descent_ascent"] = [precise.descent_ascent]
            # size of the terms each Lambert argument is computed from (_budget)
            scales = {
                "pretrained": float(coefficients["pretrained"] / lam),
                "oracle": float(coefficients["oracle"] / lam),
                "descent_ascent": float((rj / (lam * r)) * (1 + a * r / f)),
            }
            for name, found in roots.items():
                if len(found) != len(expected[name]):
                    failures.append(f"{params}: {name} has {len(found)} roots, closed form gives {len(expected[name])}")
                    continue
                for root, w_float, w_mp in zip(found, expected[name], expected_mp[name]):
                    err_float = abs(w_float - float(root)) / _budget(float(root), scales[name], _EPS)
                    err_mp = float(abs(w_mp - root)) / _budget(float(root), scales[name], _MP_UNIT)
                    worst_float, worst_mp = max(worst_float, err_float), max(worst_mp, err_mp)
                    if err_float > 1 or err_mp > 1:
                        failures.append(
                            f"{params}: {name} root {mpmath.nstr(root, 20)} vs float {w_float!r}, "
                            f"mp {mpmath.nstr(w_mp, 20)}"
                        )
    # the float path split into argument and Lambert W errors, each within its conditioning budget, at the same
    # points and at the ends of the float range; theory.lambert itself near −1/e and beyond the float range
    conditioning_failures, worst_z, worst_w = _check_conditioning(points + list(_EXTREME_POINTS))
    lambert_failures, worst_lambert, n_lambert = _check_lambert()
    series_failures, worst_series = _check_series()
    failures += conditioning_failures + lambert_failures + series_failures
    worst = max(worst_float, worst_mp, worst_z, worst_w, worst_lambert, worst_series)
    summary = (
        f"{len(points)} parameter sets (regimes {sorted(regimes_seen)}, {_N_NEAR_BOUNDARY} within 1e-12 … 1e-6 of a "
        f"regime boundary): roots of λw e^w = c found by findroot at {_DPS} digits (no Lambert W) vs the closed-form "
        f"stationary points of L_D, L_R, L_DA; worst float error {worst_float:.2g} and "
        f"worst mp error {worst_mp:.2g} of their rounding budgets (unit roundoff {_EPS:.1e}, {_MP_UNIT:.0e}); "
        f"with {len(_EXTREME_POINTS)} more at the ends of the float range (sizes 1e300, λ = 2.2e-308, α = 1e308): "
        f"Lambert arguments within {worst_z:.2g} of 8u|z|, weights at the float argument within {worst_w:.2g} of the "
        f"conditioning budget (80-digit bisection on w e^w = z); lambert_w at {n_lambert} exact arguments (p = "
        f"√(2(ez+1)) from 1.3e-8 to 0.5 on both branches, 1e-300 … 1.7e308, ln z up to 1e4) within {worst_lambert:.2g} "
        f"of 4u(|W| + κ) (κ = |ε|/(e^W|1+W|) in the series region, |W|/|1+W| outside); branch-point series at "
        f"p = ±{_SERIES_P} within {worst_series:.2g} of its truncation bound 2|c_7|p^7; {len(failures)} disagreements"
    )
    return listed_failures_evidence(
        "high_precision", summary, failures, worst_margin=1 - worst,
        data={"n_points": len(points), "extreme_points": [list(p) for p in _EXTREME_POINTS],
              "lambert_arguments": n_lambert, "worst_argument_ratio": worst_z, "worst_weight_ratio": worst_w,
              "worst_lambert_ratio": worst_lambert, "worst_series_ratio": worst_series},
        passed=regimes_seen == {1, 2, 3},
    )


# --- property: optimiser on data matrices, and 1-D DA runs ------------------------------------------------------------

_N_MATRICES = 30
_DA_BOUNDARY_GAP = 0.02  # 1 + w^DA below this: the regime-2 minimum is nearly flat, DA needs ~1/gap² steps


@dataclass(frozen=True)
class _Fit:
    """One data matrix with the three numerical solutions (independent of theory.closed_form)."""

    data: assumption_data.AssumptionData
    ridge: float
    pretrained: assumption_data.MinimisationResult
    oracle: assumption_data.MinimisationResult
    flow: assumption_data.DescentAscentFlowResult


@functools.lru_cache(maxsize=1)
def _data_sweep() -> tuple[_Fit, ...]:
    """Seeded random matrices, minimised; cached because it never calls the closed forms (a patched formula
    in a test is still compared against the same numerical solutions)."""
    rng = np.random.default_rng(SEED + 2)
    fits = []
    for k in range(_N_MATRICES):
        config = assumption_data.random_assumption_config(
            seed=SEED + 100 + k, n_axes=int(rng.integers(2, 7)), max_retain_axis=30, max_forget_ratio=3.0,
            n_empty_coordinates=int(rng.integers(0, 3)),
        )
        data = assumption_data.generate_assumption_data(config)
        ridge = float(10 ** rng.uniform(-1.3, 0.7))
        fit_d = assumption_data.minimise_convex_objective(data, "pretrain", ridge)
        fit_r = assumption_data.minimise_convex_objective(data, "oracle", ridge)
        flow = assumption_data.descent_ascent_flow(data, fit_d.w, ridge, max_steps=20_000)
        fits.append(_Fit(data, ridge, fit_d, fit_r, flow))
    return tuple(fits)


Predictor = Callable[[float, float, float, float, float], closed_form.StationaryPoints]


@dataclass(frozen=True)
class _Comparison:
    compared: int  # axis values compared
    mismatches: list[str]
    worst: float  # largest error / tolerance
    near_boundary: int  # DA coordinates within _DA_BOUNDARY_GAP of the 2/3 boundary that had not settled
    per_label: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)  # label -> (mismatched, compared)
    smallest: dict[str, float] = dataclasses.field(default_factory=dict)  # label -> smallest error / tolerance


def _compare_data_sweep(predict: Predictor) -> _Comparison:
    """Each axis's numerical w^D, w^R, w^DA against ``predict`` (the closed form, or a wrong variant)."""
    compared, worst, near = 0, 0.0, 0
    mismatches: list[str] = []
    per_label: dict[str, tuple[int, int]] = {}
    smallest: dict[str, float] = {}
    for k, fit in enumerate(_data_sweep()):
        config, data, lam = fit.data.config, fit.data, fit.ridge
        for name, result in (("pretrain", fit.pretrained), ("oracle", fit.oracle)):
            if not result.converged:
                mismatches.append(f"matrix {k}: {name} optimiser did not converge ({result.message})")
        empty = data.axis_of_column == -1
        if np.any(fit.pretrained.w[empty] != 0) or np.any(fit.oracle.w[empty] != 0) or np.any(fit.flow.w[empty] != 0):
            mismatches.append(f"matrix {k}: an empty coordinate is not at 0")
        for j, axis in enumerate(config.axes):
            col = data.column_of_axis[j]
            points = predict(config.n_retain, config.n_forget, axis.n_retain, axis.forget_ratio, lam)
            for label, numeric, closed, bound in (
                ("w^D", fit.pretrained.w[col], points.pretrained, fit.pretrained.error_bound),
                ("w^R", fit.oracle.w[col], points.oracle, fit.oracle.error_bound),
            ):
                # λ-strong convexity: |w − w*| ≤ ‖∇L‖/λ; plus the closed form's rounding
                ratio = abs(numeric - closed) / (bound + 1e-13 * (1 + abs(closed)))
                compared += 1
                worst = max(worst, ratio)
                smallest[label] = min(smallest.get(label, math.inf), ratio)
                bad, total = per_label.get(label, (0, 0))
                per_label[label] = (bad + (not ratio <= 1), total + 1)
                if not ratio <= 1:
                    mismatches.append(f"matrix {k} axis {j}: {label} optimiser {numeric:.12g} vs {closed:.12g}")
            compared += 1
            if points.regime == 3 or not math.isfinite(points.descent_ascent):
                if not fit.flow.diverged[col]:
                    mismatches.append(f"matrix {k} axis {j}: regime 3 but DA did not diverge ({fit.flow.w[col]:.6g})")
                continue
            limit = points.descent_ascent
            if not (fit.flow.converged[col] or fit.flow.diverged[col]) and 1 + limit < _DA_BOUNDARY_GAP:
                near += 1
                continue
            ratio = math.inf  # a flow that diverged or never settled where a limit is predicted is a mismatch
            if fit.flow.converged[col] and 1 + limit > 0:
                # mean value theorem on the axis gradient: |w − w*| ≤ |f'(w)| / (λ min(1, 1 + w*)) (da_dynamics)
                tol = 2 * fit.flow.gradient_residual[col] / (lam * min(1.0, 1 + limit)) + 1e-12 * (1 + abs(limit))
                ratio = abs(fit.flow.w[col] - limit) / tol
            worst = max(worst, ratio)
            if not ratio <= 1:
                mismatches.append(
                    f"matrix {k} axis {j}: DA flow {fit.flow.w[col]:.12g} (diverged={fit.flow.diverged[col]}) "
                    f"vs w^DA {limit:.12g}"
                )
    return _Comparison(compared, mismatches, worst, near, per_label, smallest)


def _axis_runs(n: int, seed: int, regimes: tuple[int, ...] = (1, 2, 3)) -> tuple[np.ndarray, ...]:
    """1-D DA parameters, n per regime, off the slow edges of regimes 2 (u ∈ [0.02, 0.92]) and 3 (u ≥ 0.05)."""
    rng = np.random.default_rng(seed)
    blocks = []
    for regime in regimes:
        u = rng.uniform(0, 1, n)
        u = {1: u, 2: 0.02 + 0.9 * u, 3: 0.05 + 2 * u}[regime]
        blocks.append(np.stack(_regime_parameters(rng, regime, u)))
    return tuple(np.concatenate(blocks, axis=1))


#: positions u at the slow edges (see _regime_parameters): regime 2 just above α_2 and within 1e-3 … 1e-5 of α_3,
#: regime 3 just above α_3
_EDGE_POSITIONS = {2: (1e-9, 1e-6, 1 - 1e-3, 1 - 1e-4, 1 - 1e-5), 3: (1e-8, 1e-6, 1e-4)}
_EDGE_RUNS_EACH = 5


def _edge_runs(seed: int) -> tuple[np.ndarray, ...]:
    """1-D DA parameters at the edges of regimes 2 and 3 (_EDGE_POSITIONS), _EDGE_RUNS_EACH per position."""
    rng = np.random.default_rng(seed)
    blocks = [
        np.stack(_regime_parameters(rng, regime, np.repeat(np.array(us), _EDGE_RUNS_EACH)))
        for regime, us in _EDGE_POSITIONS.items()
    ]
    return tuple(np.concatenate(blocks, axis=1))


def _compare_axis_runs(
    params: tuple[np.ndarray, ...], limit: np.ndarray, diverges: np.ndarray, run: da_dynamics.DescentAscentRun
) -> tuple[int, float]:
    """Mismatches between a DA run and a predicted (limit, diverges), and the worst error / tolerance.

    Tolerance: the mean value theorem on f' (numerics.da_dynamics), |w − w*| ≤ |f'(w)| / (λ min(1, 1 + w*)).
    """
    ridge = params[4]
    settled = run.converged & ~diverges
    # elements that did not settle where a limit was predicted are counted in `wrong`; keep them finite here
    safe_limit = np.where(settled, limit, 0.0)
    residual = np.where(settled, run.gradient_residual, 0.0)
    # the mean-value bound needs f''(w*) = λ(1 + w*) > 0; a predicted limit at or below −1 (a maximum, e.g. a wrong
    # branch) gets no gradient allowance: a run settles there only by coincidence
    curvature = ridge * np.minimum(1.0, 1 + safe_limit)
    allowance = np.where(curvature > 0, 2 * residual / np.where(curvature > 0, curvature, 1.0), 0.0)
    tol = allowance + 1e-12 * (1 + np.abs(safe_limit))
    ratio = np.where(settled, np.abs(np.where(settled, run.final, 0.0) - safe_limit) / tol, 0.0)
    wrong = (run.diverged != diverges) | (~diverges & ~run.converged) | (ratio > 1)
    return int(np.count_nonzero(wrong)), float(np.max(ratio))


def check_property() -> Evidence:
    """Optimiser on random data matrices vs the closed forms, and 1-D DA runs in the three regimes."""
    sweep = _compare_data_sweep(closed_form.stationary_points)
    params = _axis_runs(400, SEED + 3)
    regime = closed_form.descent_ascent_regime(*params)
    limit = closed_form.descent_ascent_weight(*params)
    run = da_dynamics.run_descent_ascent(*params)
    axis_wrong, axis_worst = _compare_axis_runs(params, limit, regime == 3, run)
    # the slow edges skipped above: α just above α_2, z_DA within 1e-3 … 1e-5 (relative) of −1/e (the minimum is
    # nearly flat, 1 + w^DA ≈ √(2·1e-5)), and the start of regime 3 (α = α_3(1 + u), u ≥ 1e-8: DA crawls through
    # the bottleneck near w = −1 for ~π/√(2ε) steps before it diverges)
    edges = _edge_runs(SEED + 7)
    edge_regime = closed_form.descent_ascent_regime(*edges)
    edge_limit = closed_form.descent_ascent_weight(*edges)
    edge_run = da_dynamics.run_descent_ascent(*edges)
    edge_wrong, edge_worst = _compare_axis_runs(edges, edge_limit, edge_regime == 3, edge_run)
    axis_wrong += edge_wrong
    axis_worst = max(axis_worst, edge_worst)
    # regime 2: W_{−1}(z_DA) separates the basins; start a hair either side of it
    p2 = _axis_runs(300, SEED + 4, regimes=(2,))
    maximum = closed_form.descent_ascent_weight(*p2, branch=-1)
    minimum = closed_form.descent_ascent_weight(*p2)
    offset = 1e-6 * (1 + np.abs(maximum))
    below = da_dynamics.run_descent_ascent(*p2, start=maximum - offset)
    above = da_dynamics.run_descent_ascent(*p2, start=maximum + offset)
    basin_wrong = int(np.count_nonzero(~below.diverged))
    above_wrong, above_worst = _compare_axis_runs(p2, minimum, np.zeros(minimum.shape, bool), above)
    n_axis = params[0].size + edges[0].size
    n_regime = [int(np.count_nonzero(regime == k)) + int(np.count_nonzero(edge_regime == k)) for k in (1, 2, 3)]
    passed = not sweep.mismatches and axis_wrong == 0 and basin_wrong == 0 and above_wrong == 0 and min(n_regime) > 0
    worst = max(sweep.worst, axis_worst, above_worst)
    summary = (
        f"{_N_MATRICES} random data matrices (Assumptions 1-2): {sweep.compared} axis values from L-BFGS-B / DA flow "
        f"match Lemma 2, {len(sweep.mismatches)} mismatches ({sweep.near_boundary} undecided within {_DA_BOUNDARY_GAP} "
        f"of the regime 2/3 boundary); {n_axis} 1-D DA runs (regimes 1/2/3: {n_regime}) reach W_0(z_DA) or diverge "
        f"as predicted ({edges[0].size} of them at the slow edges: z_DA within 1e-5 of −1/e, α_2 + 1e-9, α_3(1 + 1e-8)), "
        f"{axis_wrong} wrong; regime 2 from W_-1 ∓ 1e-6: {p2[0].size - basin_wrong}/{p2[0].size} "
        f"diverge below, {p2[0].size - above_wrong}/{p2[0].size} converge to W_0 above; "
        f"worst error {worst:.2g} of tolerance"
    )
    if sweep.mismatches:
        summary += "; FAILED: " + "; ".join(sweep.mismatches[:3])
    return Evidence("property", passed, summary, worst_margin=1 - worst,
                    data={"matrices": _N_MATRICES, "axis_values": sweep.compared, "axis_runs": n_axis,
                          "basin_runs": int(p2[0].size), "regime_counts": n_regime, "mismatches": sweep.mismatches[:20],
                          "runs_wrong": axis_wrong})


# --- negative control -------------------------------------------------------------------------------------------------


def _replace(**changes: Callable[..., float]) -> Predictor:
    """closed_form.stationary_points with some fields recomputed by a wrong formula of (|R|, |F|, |R_j|, α, λ)."""

    def predict(*args: float) -> closed_form.StationaryPoints:
        points = closed_form.stationary_points(*args)
        return dataclasses.replace(points, **{name: formula(*args) for name, formula in changes.items()})

    return predict


def check_negative_control() -> Evidence:
    """Wrong closed forms and a parameter just outside regime 2 must be caught, each at the rate the mathematics
    gives: every comparison it touches.

    * |D| for |R| in w^R (|R| for |D| in w^D): the argument moves by the factor q = |D|/|R| = 1 + |F|/|R|
      (resp. 1/q), and d W(e^t)/dt = W/(1+W) is increasing in t, so |ΔW| ≥ W(z/q)/(1 + W(z))·ln q; on the
      sweep's data sets this exceeds the comparison tolerance (optimiser error bound + 1e-13) by orders of
      magnitude (the control reports the smallest error / tolerance), so *every* w^R (resp. w^D) comparison
      must fail;
    * W_{−1} for W_0 in regime 2: DA from w^D converges to W_0(z_DA) ≥ −1 ≥ W_{−1}(z_DA), and the two differ by
      ≥ 1 + W_0(z_DA) ≈ √(2(1 − u)) ≥ 0.3 at these runs (u ≤ 0.92), far above the run tolerance: *every* run
      refutes it;
    * regime 2 claimed at α = α_3(1 + 1e-2): there f'(w) ≥ λ(1 + ln|z_DA|) > 0 for all w (Lemma 2, regime 3), so
      *every* run diverges and refutes "DA settles at a finite minimum".
    """
    rates: dict[str, tuple[int, int]] = {}  # variant -> (comparisons refuting it, comparisons it touches)
    wrong_formulas = {
        # |D| in place of |R| in w^R = W_0(|R_j|/(λ|R|)): touches every w^R comparison
        "w^R with |D|": ("w^R", _replace(oracle=lambda r, f, rj, a, lam: closed_form.oracle_weight(r + f, rj, lam))),
        # |R| in place of |D| in w^D = W_0((1+α)|R_j|/(λ|D|)): touches every w^D comparison
        "w^D with |R|": ("w^D", _replace(pretrained=lambda r, f, rj, a, lam: lambert.lambert_w(
            closed_form.pretrained_argument(r, f, rj, a, lam) * (r + f) / r))),
    }
    smallest: dict[str, float] = {}
    for name, (label, predict) in wrong_formulas.items():
        comparison = _compare_data_sweep(predict)
        rates[name] = comparison.per_label.get(label, (0, 0))
        smallest[name] = comparison.smallest.get(label, 0.0)
    # branch −1 in place of 0 in regime 2: DA runs from w^D do not end at W_{−1}
    p2 = _axis_runs(100, SEED + 5, regimes=(2,))
    run = da_dynamics.run_descent_ascent(*p2)
    maximum = closed_form.descent_ascent_weight(*p2, branch=-1)
    wrong, _ = _compare_axis_runs(p2, maximum, np.zeros(p2[0].shape, bool), run)
    rates["W_-1 in regime 2"] = (wrong, p2[0].size)
    # just outside regime 2 (α = α_3(1 + 1e-2)): the regime-2 claim "DA settles at a finite minimum" is refuted
    outside = _axis_runs(100, SEED + 6, regimes=(3,))
    alpha_3 = closed_form.regime_boundary_3(outside[0], outside[1], outside[2], outside[4])
    outside = (*outside[:3], alpha_3 * (1 + 1e-2), outside[4])
    run = da_dynamics.run_descent_ascent(*outside)
    rates["regime 2 claimed 1% above α_3"] = (int(np.count_nonzero(run.diverged)), outside[0].size)
    missed = [name for name, (bad, total) in rates.items() if total == 0 or bad < total]
    summary = (
        f"{len(rates)} wrong variants, each must be refuted by every comparison it touches (expected rate 100%, "
        "derivations in the docstring): "
        + ", ".join(f"{name} {bad}/{total}" for name, (bad, total) in rates.items())
        + f" (smallest error of a wrong formula: {min(smallest.values()):.3g} tolerances)"
        + (f"; NOT refuted at the expected rate: {missed}" if missed else "")
    )
    worst = min(bad / total if total else 0.0 for bad, total in rates.values())
    return Evidence("negative_control", not missed, summary, worst_margin=worst,
                    data={"caught": {name: bad / total if total else 0.0 for name, (bad, total) in rates.items()},
                          "refuted": {name: [bad, total] for name, (bad, total) in rates.items()},
                          "expected_rate": 1.0})


RESULTS: tuple[ResultCheck, ...] = (
    result_check(
        "lemma2", "Lemma 2 (closed form)", "paper",
        check_symbolic, check_high_precision, check_property, check_negative_control,
    ),
)
