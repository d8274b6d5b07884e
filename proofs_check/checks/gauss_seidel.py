"""Evidence for Lemma 12 (Section 5.1.2) [paper]: Gauss–Seidel on the pretrained (D) stationarity system converges
to its solution, each update solved exactly by a Lambert W (u = c + W_0(a e^{−c})), with Y_D ≤ X_D for α ≤ 1.

The iteration is :func:`theory.correlated_model.gauss_seidel_original` (called through the module); Newton's
solutions from :mod:`numerics.correlated_solvers`; sweeps and spot points from
:mod:`proofs_check.checks._correlated_sweep`.
"""

from __future__ import annotations

import numpy as np

from ascent_fails.numerics import correlated_solvers as cs
from ascent_fails.proofs_check.checks._correlated_sweep import (
    DPS, N_SPOT, N_SWEEP, ROUNDING, SEED, mp_root, relative, spots, sweep,
)
from ascent_fails.proofs_check.registry import Evidence, ResultCheck, result_check
from ascent_fails.theory import correlated_model as cm


def _lemma12_symbolic() -> Evidence:
    import sympy as sp

    a, c = sp.symbols("a c", positive=True)
    z = a * sp.exp(-c)
    u = c + sp.LambertW(z)
    # u − c − a e^{−u} with e^{−W(z)} = W(z)/z: each Gauss–Seidel update solves its equation exactly
    gap = sp.simplify((u - c - a * sp.exp(-c) * sp.exp(-sp.LambertW(z))).subs(sp.exp(-sp.LambertW(z)), sp.LambertW(z) / z))
    ok = gap == 0
    return Evidence("symbolic", ok, f"SymPy: u = c + W_0(a e^{{−c}}) solves u = c + a e^{{−u}} (gap {gap}), for the "
                    "Y update (c = 2bεe^{−X}, a = bα(1+ε²)) and the X update (c = 2bαεe^{−Y}, a = b(1+ε²)).")


def _lemma12_high_precision() -> Evidence:
    worst = 0.0
    for eps, alpha, sizes in spots():
        gs = cm.gauss_seidel_original(eps, alpha, sizes)
        if not gs.converged:
            return Evidence("high_precision", False, f"Gauss–Seidel did not converge at ε={eps}, α={alpha}")
        # start mpmath from the α = 1 symmetric point, not from the Gauss–Seidel answer
        x0 = float(cm.lambert_w(sizes.scale_original * (1 + eps) ** 2))
        x, y, resid, _ = mp_root("original", eps, alpha, sizes, (x0, x0))
        worst = max(worst, float(max(abs(x - gs.x), abs(y - gs.y)) / (1 + abs(x))))
    ok = worst < 1e-12
    return Evidence("high_precision", ok, f"{N_SPOT} points: the Gauss–Seidel limit equals the {DPS}-digit root of "
                    f"the D system to {worst:.1e}.")


def _lemma12_property() -> Evidence:
    sw = sweep()
    alpha = 10 ** (-4 + 4 * sw.u)
    gs = cm.gauss_seidel_original(sw.eps, alpha, sw.sizes)
    d = cs.solve_convex("original", sw.eps, alpha, sw.sizes)
    gap = float(np.max(np.maximum(abs(gs.x - d.x), abs(gs.y - d.y)) / (1 + abs(d.x))))
    order = float(np.min(relative(gs.x - gs.y, gs.x)))
    ok = bool(np.all(gs.converged)) and gap <= 1e-9 and order >= -ROUNDING
    return Evidence("property", ok, f"{sw.eps.size} seeded points, α ∈ [1e-4, 1]: Gauss–Seidel converged at "
                    f"{int(np.sum(gs.converged))} (max {gs.sweeps} sweeps), agrees with Newton to {gap:.1e}, and "
                    f"Y_D ≤ X_D (worst margin {order:.2e}).", worst_margin=order,
                    data={"n": sw.eps.size, "seed": SEED, "sweeps": gs.sweeps})


def _lemma12_negative_control() -> Evidence:
    sw = sweep(N_SWEEP // 4)  # a violation is expected at almost every point: a quarter of the sweep suffices
    alpha_out = 1 + 1e-3 + 9 * sw.u  # α ∈ (1, 10]: outside Lemma 12's range
    gs = cm.gauss_seidel_original(sw.eps, alpha_out, sw.sizes)
    n_flip = int(np.sum(gs.converged & (gs.y > gs.x)))
    short = cm.gauss_seidel_original(sw.eps, 10 ** (-4 + 4 * sw.u), sw.sizes, max_sweeps=1)
    n_flag = int(np.sum(~np.asarray(short.converged)))
    ok = n_flip > 0 and n_flag > 0
    return Evidence("negative_control", ok, f"α ∈ (1, 10]: Y_D > X_D at {n_flip} of {sw.eps.size} points (the claim "
                    f"Y_D ≤ X_D needs α ≤ 1: caught); one sweep only: {n_flag} points flagged not converged.")


RESULTS: tuple[ResultCheck, ...] = (
    result_check("lemma12", "Lemma 12 (Gauss–Seidel solves the D system)", "paper",
                 _lemma12_symbolic, _lemma12_high_precision, _lemma12_property, _lemma12_negative_control),
)
