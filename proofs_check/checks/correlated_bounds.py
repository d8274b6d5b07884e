"""Evidence for Lemmas 7 and 8 (Section 5.1.2, *reconstructed*): Lambert-W bounds on the pretrained (D) and the
descent–ascent (DA) margins of the correlated model.

Lemma 7 bounds X_D, Y_D from both sides for α ≤ 1 (its Y_D bound needs Y_D ≤ X_D, which fails above α = 1:
the negative control shows it); Lemma 8 bounds X_DA, Y_DA from above at a DA stationary point, and says DA
has none (it diverges) when an argument falls below −1/e. Formulas come from :mod:`theory.correlated_model`
(called through the module, so a monkeypatched formula turns the checks red); exact solutions from
:mod:`numerics.correlated_solvers`; sweeps and spot points from :mod:`proofs_check.checks._correlated_sweep`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

from ascent_fails.numerics import correlated_solvers as cs
from ascent_fails.proofs_check.checks._correlated_sweep import (
    DPS, N_SPOT, ROUNDING, SEED, fail_if_empty, mp_root, relative, spots, sweep,
)
from ascent_fails.proofs_check.registry import Evidence, ResultCheck, result_check
from ascent_fails.theory import correlated_model as cm
from ascent_fails.theory.lambert import lambert_w_mp


# ---------------------------------------------------------------- Lemma 7 (bounds on D) [reconstructed]


def _lemma7_margins(alpha_low: float, alpha_high: float, bounds: Callable = None) -> tuple[np.ndarray, int]:
    """Relative margins (4, n) of Lemma 7's bounds at Newton's D solution, α log-uniform in [alpha_low, alpha_high]."""
    bounds = bounds or cm.original_bounds
    sw = sweep()
    alpha = alpha_low * (alpha_high / alpha_low) ** sw.u
    d = cs.solve_convex("original", sw.eps, alpha, sw.sizes)
    if not np.all(d.converged):
        raise RuntimeError("Newton on L_D did not converge everywhere")
    b = bounds(sw.eps, alpha, sw.sizes)
    margins = np.stack([relative(d.x - b.x_lower, d.x), relative(b.x_upper - d.x, d.x),
                        relative(d.y - b.y_lower, d.y), relative(b.y_upper - d.y, d.y)])
    return margins, sw.eps.size


def _lemma7_symbolic() -> Evidence:
    import sympy as sp

    b, e, a, u, v, c, big_a = sp.symbols("b epsilon alpha u v C A", positive=True)  # u = e^{−X}, v = e^{−Y}
    x = b * (1 + e**2) * u + 2 * b * a * e * v  # D stationarity, first row
    y = 2 * b * e * u + b * a * (1 + e**2) * v  # second row
    steps = {
        "X e^X − b(1+ε²+2αε) = 2bαε(e^{X−Y} − 1)": x / u - b * (1 + e**2 + 2 * a * e) - 2 * b * a * e * (v / u - 1),
        "Y e^Y − bα(1+ε²) = 2bε e^{Y−X}": y / v - b * a * (1 + e**2) - 2 * b * e * u / v,
        "b(2ε+α(1+ε²)) − Y e^Y = 2bε(1 − e^{Y−X})": b * (2 * e + a * (1 + e**2)) - y / v - 2 * b * e * (1 - u / v),
        "X − Y = b(1−ε)²(e^{−X} − αe^{−Y})": x - y - b * (1 - e) ** 2 * (u - a * v),
        "d/dC [C + W(Ae^{−C})] = 1/(1+W) > 0": sp.diff(c + sp.LambertW(big_a * sp.exp(-c)), c)
        - 1 / (1 + sp.LambertW(big_a * sp.exp(-c))),
    }
    bad = [k for k, expr in steps.items() if sp.simplify(expr) != 0]
    return Evidence("symbolic", not bad, "SymPy proof steps: " + "; ".join(steps) + (" all hold." if not bad else
                    f" FAILED: {bad}"))


def _lemma7_high_precision() -> Evidence:
    worst = mpmath.inf
    for eps, alpha, sizes in spots():
        d = cs.solve_convex("original", eps, alpha, sizes)
        x, y, resid, (b, _, _, e, a) = mp_root("original", eps, alpha, sizes, (d.x, d.y))
        with mpmath.workdps(DPS):
            w = lambda z: lambert_w_mp(z, 0, DPS)  # noqa: E731
            s = 1 + e**2
            margins = [x - w(b * (s + 2 * a * e)), w(b * s) + 2 * e / s * w(b * a * s) - x,
                       y - w(b * a * s), w(b * (2 * e + a * s)) - y]
            worst = min(worst, *margins)
            if abs(x - d.x) > 1e-12 * (1 + abs(x)) or resid > mpmath.mpf(10) ** (5 - DPS):
                return Evidence("high_precision", False, f"float D solution off the {DPS}-digit root at ε={eps}")
    ok = worst >= 0
    return Evidence("high_precision", bool(ok), f"{N_SPOT} points: at the {DPS}-digit root of the D system all four "
                    f"Lemma 7 bounds hold (smallest margin {float(worst):.3g}); float Newton agrees to 1e-12.",
                    worst_margin=float(worst))


def _lemma7_property() -> Evidence:
    margins, n = _lemma7_margins(1e-4, 1.0)
    worst = float(margins.min())
    ok = worst >= -ROUNDING
    return Evidence("property", ok, f"{n} seeded points, α ∈ [1e-4, 1]: the four bounds hold; worst relative margin "
                    f"{worst:.2e} (per bound {np.round(margins.min(axis=1), 14).tolist()}).", worst_margin=worst,
                    data={"n": n, "seed": SEED})


def _lemma7_negative_control() -> Evidence:
    outside, n = _lemma7_margins(1.0 + 1e-3, 10.0)  # just outside α ≤ 1 (Y_D ≤ X_D fails)

    def no_cross_term(eps, alpha, sizes):  # drops (2ε/(1+ε²))W_0(bα(1+ε²)) from the upper bound on X_D
        b = cm.original_bounds(eps, alpha, sizes)
        return b._replace(x_upper=cm.lambert_w(sizes.scale_original * (1 + np.asarray(eps) ** 2)))

    perturbed, _ = _lemma7_margins(1e-4, 1.0, no_cross_term)
    out_min, pert_min = float(outside.min()), float(perturbed[1].min())
    ok = out_min < -1e3 * ROUNDING and pert_min < -1e3 * ROUNDING
    return Evidence("negative_control", ok, f"α ∈ (1, 10] breaks the bounds (worst margin {out_min:.3g}: "
                    f"{int(np.sum(outside.min(axis=0) < -ROUNDING))}/{n} points); dropping the cross term from the "
                    f"X_D upper bound is caught (worst {pert_min:.3g}).", worst_margin=min(out_min, pert_min))


# ---------------------------------------------------------------- Lemma 8 (bounds on DA) [reconstructed]


def _lemma8_data(bounds: Callable = None) -> dict[str, Any]:
    bounds = bounds or cm.da_bounds
    sw = sweep()
    alpha = 10 ** (-4 + 4 * sw.u)
    d = cs.solve_convex("original", sw.eps, alpha, sw.sizes)
    da = cs.flow_diff_ascent(sw.eps, alpha, sw.sizes, d.x, d.y)
    bd = bounds(sw.eps, alpha, sw.sizes)
    at_min = da.status == cs.FLOW_STATUS["local_min"]
    with np.errstate(invalid="ignore"):
        margins = np.minimum(relative(bd.x_upper - da.x, da.x), relative(bd.y_upper - da.y, da.y))[at_min]
    no_point = ~np.asarray(bd.has_stationary_point)
    return {"n": sw.eps.size, "n_min": int(at_min.sum()), "margins": margins,
            "n_no_point": int(no_point.sum()),
            "no_point_not_diverging": int(np.sum(no_point & (da.status != cs.FLOW_STATUS["diverges"]))),
            "status_counts": np.bincount(da.status, minlength=4).tolist()}


def _lemma8_symbolic() -> Evidence:
    import sympy as sp

    p, q, e, u, v = sp.symbols("p q epsilon u v", positive=True)  # u = e^{−X}, v = e^{−Y}
    x = p * (1 + e**2) * u - 2 * q * e * v
    y = 2 * p * e * u - q * (1 + e**2) * v
    steps = {
        "X − Y = (1−ε)²(p e^{−X} + q e^{−Y}) ≥ 0": x - y - (1 - e) ** 2 * (p * u + q * v),
        "X e^X − (p(1+ε²) − 2qε) = −2qε(e^{X−Y} − 1) ≤ 0": x / u - (p * (1 + e**2) - 2 * q * e) + 2 * q * e * (v / u - 1),
        "Y e^Y − (2pε − q(1+ε²)) = −2pε(1 − e^{Y−X}) ≤ 0": y / v - (2 * p * e - q * (1 + e**2)) + 2 * p * e * (1 - u / v),
    }
    bad = [k for k, expr in steps.items() if sp.simplify(expr) != 0]
    return Evidence("symbolic", not bad, "SymPy proof steps: " + "; ".join(steps) + "; min of z e^z is −1/e, so an "
                    "argument below −1/e leaves no stationary point." + (f" FAILED: {bad}" if bad else ""))


def _lemma8_high_precision() -> Evidence:
    worst, n = mpmath.inf, 0
    for eps, alpha, sizes in spots():
        alpha = alpha * 0.05  # keep DA inside its convergent regime at the spots
        d = cs.solve_convex("original", eps, alpha, sizes)
        da = cs.flow_diff_ascent(eps, alpha, sizes, d.x, d.y)
        if da.status != cs.FLOW_STATUS["local_min"]:
            continue
        n += 1
        x, y, resid, (_, p, q, e, _) = mp_root("diff_ascent", eps, alpha, sizes, (da.x, da.y))
        with mpmath.workdps(DPS):
            margins = [lambert_w_mp(p * (1 + e**2) - 2 * q * e, 0, DPS) - x,
                       lambert_w_mp(2 * p * e - q * (1 + e**2), 0, DPS) - y]
            worst = min(worst, *margins)
            if abs(x - da.x) > 1e-10 * (1 + abs(x)):
                return Evidence("high_precision", False, f"DA flow limit off the {DPS}-digit root at ε={eps}")
    if n == 0:
        return Evidence("high_precision", False, "no spot point had a convergent DA flow")
    return Evidence("high_precision", bool(worst >= 0), f"{n} points: at the {DPS}-digit stationary point of L_DA "
                    f"reached by the flow, both Lemma 8 bounds hold (smallest margin {float(worst):.3g}).",
                    worst_margin=float(worst))


def _lemma8_property() -> Evidence:
    r = _lemma8_data()
    if (empty := fail_if_empty("property", r["n_min"])) is not None:
        return empty
    worst = float(r["margins"].min())
    ok = worst >= -ROUNDING and r["no_point_not_diverging"] == 0
    return Evidence("property", ok, f"{r['n']} seeded points (α ∈ [1e-4, 1]): at the {r['n_min']} DA flow limits "
                    f"both bounds hold (worst margin {worst:.2e}); at all {r['n_no_point']} points with an argument "
                    f"< −1/e the flow diverges ({r['no_point_not_diverging']} exceptions).", worst_margin=worst,
                    data={"n": r["n"], "seed": SEED, "status_counts": r["status_counts"]})


def _lemma8_negative_control() -> Evidence:
    def doubled(eps, alpha, sizes):  # twice the ascent term in the X bound: W_0(p(1+ε²) − 4qε)
        bd = cm.da_bounds(eps, alpha, sizes)
        arg = sizes.scale_oracle * (1 + eps**2) - 4 * sizes.scale_forget(alpha) * eps
        ok = arg >= -np.exp(-1.0)
        return bd._replace(x_upper=np.where(ok, cm.lambert_w(np.where(ok, arg, 0.0)), -np.inf))

    r = _lemma8_data(doubled)
    worst = float(r["margins"].min())
    ok = worst < -1e3 * ROUNDING
    return Evidence("negative_control", ok, f"W_0(p(1+ε²) − 4qε) as X_DA bound is {'caught' if ok else 'NOT caught'}: "
                    f"{int(np.sum(r['margins'] < -ROUNDING))} of {r['n_min']} flow limits violate it.",
                    worst_margin=worst)


RESULTS: tuple[ResultCheck, ...] = (
    result_check("lemma7", "Lemma 7 (bounds on the pretrained margins)", "reconstructed",
                 _lemma7_symbolic, _lemma7_high_precision, _lemma7_property, _lemma7_negative_control),
    result_check("lemma8", "Lemma 8 (bounds on the DA margins)", "reconstructed",
                 _lemma8_symbolic, _lemma8_high_precision, _lemma8_property, _lemma8_negative_control),
)
