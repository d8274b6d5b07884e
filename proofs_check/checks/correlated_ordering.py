"""Evidence for Lemmas 9 and 10 (Section 5.1.2): where the orderings of the correlated model hold.

Lemma 9 [paper]: above α_{D>DA}(ε) the pretrained margins dominate the DA ones (X_D ≥ X_DA, Y_D ≥ Y_DA).
Lemma 10 [*reconstructed*]: below α_{R>D}(ε) = min{α^X, α^Y} the oracle dominates the pretrained model.
Formulas come from :mod:`theory.correlated_model` (called through the module, so a monkeypatched formula turns
the checks red); exact solutions from :mod:`numerics.correlated_solvers`; sweeps and spot points from
:mod:`proofs_check.checks._correlated_sweep`.

Finding (reported, not hidden): Lemma 10's reconstructed threshold min{α^X, α^Y} can exceed 1, and above
α = 1 the statement fails (α^Y rests on Lemma 7's bound Y_D ≤ W_0(b(2ε+α(1+ε²))), which needs Y_D ≤ X_D,
i.e. α ≤ 1). The check therefore certifies α ≤ min(α_{R>D}, 1), and its negative control shows the
failures for 1 < α ≤ α_{R>D}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

from ascent_fails.numerics import correlated_solvers as cs
from ascent_fails.proofs_check.checks._correlated_sweep import (
    DPS, N_SPOT, ROUNDING, SEED, fail_if_empty, relative, spots, sweep,
)
from ascent_fails.proofs_check.registry import Evidence, ResultCheck, result_check
from ascent_fails.theory import correlated_model as cm
from ascent_fails.theory.lambert import lambert_w_mp


# ---------------------------------------------------------------- Lemma 9 (D dominates DA) [paper]


def _lemma9_data(scale_low: float, scale_high: float, threshold: Callable = None) -> dict[str, Any]:
    """D and DA at α = threshold·s, s log-uniform in [scale_low, scale_high]; margins where DA converges."""
    threshold = threshold or cm.alpha_d_gt_da
    sw = sweep()
    alpha = threshold(sw.eps, sw.sizes.forget_fraction) * scale_low * (scale_high / scale_low) ** sw.u
    d = cs.solve_convex("original", sw.eps, alpha, sw.sizes)
    da = cs.flow_diff_ascent(sw.eps, alpha, sw.sizes, d.x, d.y)
    at_min = da.status == cs.FLOW_STATUS["local_min"]
    margins = np.minimum(relative(d.x - da.x, da.x), relative(d.y - da.y, da.y))[at_min]
    return {"n": sw.eps.size, "n_min": int(at_min.sum()), "margins": margins,
            "n_div": int(np.sum(da.status == cs.FLOW_STATUS["diverges"]))}


def _lemma9_symbolic() -> Evidence:
    import sympy as sp

    e, a, nd, nf = sp.symbols("epsilon alpha D F", positive=True)
    nr = nd - nf
    # Lemma 7 lower bound argument = Lemma 8 upper bound argument, times λ/r (b = r/(λ|D|), ...)
    a_x = sp.solve(sp.Eq((1 + e**2 + 2 * a * e) / nd, (1 + e**2) / nr - 2 * a * e / nf), a)[0]
    a_y = sp.solve(sp.Eq(a * (1 + e**2) / nd, 2 * e / nr - a * (1 + e**2) / nf), a)[0]
    gap_x = sp.simplify(a_x - (1 + e**2) / (2 * e) * nf**2 / (nr * (nd + nf)))
    gap_y = sp.simplify(a_y - 2 * e / (1 + e**2) * nf * nd / (nr * (nd + nf)))
    ok = gap_x == 0 and gap_y == 0
    return Evidence("symbolic", ok, "SymPy: solving W-argument equalities b(1+ε²+2αε) = p(1+ε²) − 2qε and "
                    f"bα(1+ε²) = 2pε − q(1+ε²) for α gives the two terms of α_{{D>DA}} (gaps {gap_x}, {gap_y}); "
                    "W_0 is increasing, so above both X_D ≥ X_DA and Y_D ≥ Y_DA.")


def _lemma9_high_precision() -> Evidence:
    worst = 0.0
    for eps, _, sizes in spots():
        f = sizes.forget_fraction
        with mpmath.workdps(DPS):
            e, ff = mpmath.mpf(eps), mpmath.mpf(f)
            b = mpmath.mpf(1)  # the thresholds do not depend on b (it cancels): any scale will do
            p = b / (1 - ff)
            root_x = mpmath.findroot(lambda a: b * (1 + e**2 + 2 * a * e) - (p * (1 + e**2) - 2 * a * b / ff * e), 0.1)
            root_y = mpmath.findroot(lambda a: b * a * (1 + e**2) - (2 * p * e - a * b / ff * (1 + e**2)), 0.1)
            worst = max(worst, float(abs(max(root_x, root_y) - mpmath.mpf(float(cm.alpha_d_gt_da(eps, f)))) /
                                     max(root_x, root_y)))
    ok = worst < 1e-14
    return Evidence("high_precision", ok, f"{N_SPOT} points: α_{{D>DA}} equals the larger of the two {DPS}-digit "
                    f"findroot solutions of the defining equalities to {worst:.1e} (relative).")


def _lemma9_property() -> Evidence:
    r = _lemma9_data(1.0, 10.0)
    if (empty := fail_if_empty("property", r["n_min"])) is not None:
        return empty
    worst = float(r["margins"].min())
    ok = worst >= -ROUNDING
    return Evidence("property", ok, f"{r['n']} seeded points, α ∈ [1, 10]·α_{{D>DA}}: at the {r['n_min']} points "
                    f"where the DA flow converges X_D ≥ X_DA and Y_D ≥ Y_DA (worst margin {worst:.2e}); "
                    f"{r['n_div']} points diverge (outside the lemma).", worst_margin=worst,
                    data={"n": r["n"], "seed": SEED, "n_diverges": r["n_div"]})


def _lemma9_negative_control() -> Evidence:
    r = _lemma9_data(0.05, 0.1)  # the threshold divided by 10-20: a wrong, too-small threshold
    n_bad = int(np.sum(r["margins"] < -ROUNDING))
    ok = n_bad > 0
    return Evidence("negative_control", ok, f"α ∈ [0.05, 0.1]·α_{{D>DA}}: ordering violated at {n_bad} of "
                    f"{r['n_min']} points ({'caught' if ok else 'NOT caught'}).",
                    worst_margin=float(r["margins"].min()) if r["margins"].size else None)


# ---------------------------------------------------------------- Lemma 10 (oracle dominates D) [reconstructed]


def _lemma10_data(placement: str, threshold: Callable = None) -> dict[str, Any]:
    """X_R − X_D and Y_R − Y_D margins with α placed by ``placement`` relative to α_{R>D}."""
    threshold = threshold or cm.alpha_r_gt_d
    sw = sweep()
    thr = np.asarray(threshold(sw.eps, sw.sizes))
    if placement == "inside":  # α ∈ (0, min(α_{R>D}, 1)]
        keep = thr > 0
        alpha = np.minimum(thr, 1.0) * sw.u
    else:  # "above_one": α ∈ (1, α_{R>D}], where the formula alone would allow it
        keep = thr > 1
        alpha = 1 + (thr - 1) * sw.u
    alpha = np.where(keep, alpha, 0.5)
    d = cs.solve_convex("original", sw.eps, alpha, sw.sizes)
    x_r, y_r = cm.oracle_margins(sw.eps, sw.sizes)
    margins = np.minimum(relative(x_r - d.x, d.x), relative(y_r - d.y, d.y))[keep]
    return {"n": int(keep.sum()), "margins": margins}


def _lemma10_symbolic() -> Evidence:
    import sympy as sp

    b, p, e, k, yr = sp.symbols("b p epsilon K Y_R", positive=True)
    s = 1 + e**2
    alpha_x = k * sp.exp(k) / (b * s)
    alpha_y = (yr * sp.exp(yr) / b - 2 * e) / s
    # W_0(z) = K ⇔ K e^K = z with K ≥ −1: check the defining equation of each substituted W argument
    gap_x = sp.simplify(b * alpha_x * s - k * sp.exp(k))  # W_0(bα^X(1+ε²)) = K, so the X bound equals X_R
    gap_y = sp.simplify(b * (2 * e + alpha_y * s) - yr * sp.exp(yr))  # W_0(b(2ε+α^Y(1+ε²))) = Y_R
    ok = gap_x == 0 and gap_y == 0
    return Evidence("symbolic", ok, "SymPy: at α = α^X the X_D upper bound W_0(b(1+ε²)) + (2ε/(1+ε²))W_0(bα(1+ε²)) "
                    f"equals X_R (K e^K identity, gap {gap_x}); at α = α^Y the Y_D upper bound equals Y_R (gap {gap_y}). "
                    "Both bounds increase in α, so below min{α^X, α^Y} the oracle dominates.")


def _lemma10_high_precision() -> Evidence:
    worst = 0.0
    for eps, _, sizes in spots():
        ax_f, ay_f = cm.alpha_r_gt_d_parts(eps, sizes)
        with mpmath.workdps(DPS):
            e = mpmath.mpf(eps)
            b = mpmath.mpf(sizes.group_size) / (mpmath.mpf(sizes.ridge) * sizes.n_total)
            p = b / (1 - mpmath.mpf(sizes.forget_fraction))
            s = 1 + e**2
            w = lambda z: lambert_w_mp(z, 0, DPS)  # noqa: E731
            x_r = w(s * p)
            y_r = 2 * e / s * x_r
            root_x = mpmath.findroot(lambda a: w(b * s) + 2 * e / s * w(b * a * s) - x_r, mpmath.mpf(ax_f) * 1.3)
            worst = max(worst, float(abs(root_x - ax_f) / root_x))
            if ay_f > 0:
                root_y = mpmath.findroot(lambda a: w(b * (2 * e + a * s)) - y_r, mpmath.mpf(ay_f) * 1.3)
                worst = max(worst, float(abs(root_y - ay_f) / root_y))
    ok = worst < 1e-12
    return Evidence("high_precision", ok, f"{N_SPOT} points: α^X and α^Y equal {DPS}-digit findroot solutions of "
                    f"X_R = (X_D upper bound) and Y_R = (Y_D upper bound) in α (started 30% off) to {worst:.1e}.")


def _lemma10_property() -> Evidence:
    r = _lemma10_data("inside")
    if (empty := fail_if_empty("property", r["n"])) is not None:
        return empty
    worst = float(r["margins"].min())
    ok = worst >= -ROUNDING
    return Evidence("property", ok, f"{r['n']} seeded points with α_{{R>D}} > 0, α ∈ (0, min(α_{{R>D}}, 1)]: "
                    f"X_R ≥ X_D and Y_R ≥ Y_D (worst margin {worst:.2e}). The cap α ≤ 1 is needed (see the "
                    "negative control).", worst_margin=worst, data={"n": r["n"], "seed": SEED})


def _lemma10_negative_control() -> Evidence:
    above = _lemma10_data("above_one")
    wrong = _lemma10_data("inside", threshold=lambda eps, sizes: 10 * cm.alpha_r_gt_d(eps, sizes))
    n_above = int(np.sum(above["margins"] < -ROUNDING))
    n_wrong = int(np.sum(wrong["margins"] < -ROUNDING))
    ok = n_wrong > 0 and n_above > 0
    return Evidence("negative_control", ok, f"threshold ×10 is caught ({n_wrong} of {wrong['n']} points violate); "
                    f"the uncapped formula for 1 < α ≤ α_{{R>D}} fails at {n_above} of {above['n']} points "
                    "(so α ≤ 1 is a real hypothesis of Lemma 10).",
                    worst_margin=float(min(above["margins"].min(initial=0), wrong["margins"].min(initial=0))))


RESULTS: tuple[ResultCheck, ...] = (
    result_check("lemma9", "Lemma 9 (D dominates DA above α_{D>DA})", "paper",
                 _lemma9_symbolic, _lemma9_high_precision, _lemma9_property, _lemma9_negative_control),
    result_check("lemma10", "Lemma 10 (oracle dominates D below α_{R>D})", "reconstructed",
                 _lemma10_symbolic, _lemma10_high_precision, _lemma10_property, _lemma10_negative_control),
)
