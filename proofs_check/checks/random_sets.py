r"""Evidence for Lemma 1 (random forget sets) [paper]: P(|Acc_T − Acc_F| ≥ t) ≤ 2 exp(−2|F|t²).

Paper symbols ↔ parameters: |F| = m ``forget_size``, t ``tolerance``, Acc_T = p ``accuracy``; the statement and
the functions checked are in :mod:`theory.random_sets`, the experiment in :mod:`numerics.random_forget_sets`.

* symbolic — SymPy: Hoeffding's exponent 2s²/Σ(hi_i − lo_i)² with s = m t and X_i ∈ [0, 1] is 2 m t², and
  2 m t²/(hi − lo)² for a metric in [lo, hi]; ``hoeffding_bound`` equals 2 exp(−exponent) at random points; the
  tolerance t(m, δ) solves 2 exp(−2 m t²) = δ.
* high_precision — the exact two-sided binomial tail P(|Bin(m, p)/m − p| ≥ t), an exact rational, against the
  bound at 50 digits on a grid of m and rational p, t (many grid points sit exactly on lattice boundaries);
  reports the worst ratio tail/bound; the double-precision tail must agree with the exact one there.
* property — a seeded sweep over (m, p, t) with SciPy, and the Monte Carlo experiment with a trained oracle:
  per (|F|, t) the frequency of |Acc_T − Acc_F| ≥ t over independent random forget sets stays ≤ bound + one
  Monte Carlo standard error, and agrees with the exact binomial tail within 4 standard errors.
* negative_control — a tightened bound 2 exp(−4 m t²) and the one-sided bound exp(−2 m t²) are violated by
  the exact tail somewhere on the grid; the gradient-ascent model and a non-random forget set (points the
  oracle misclassifies) get p-values < 1e-6 while the oracle on a random forget set is not flagged; |F| = 0
  and t = 0 are rejected.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from ascent_fails.numerics import random_forget_sets
from ascent_fails.proofs_check.checks._shared import listed_failures_evidence
from ascent_fails.proofs_check.registry import Evidence, ResultCheck, result_check
from ascent_fails.theory import random_sets

__all__ = ["RESULTS", "check_symbolic", "check_high_precision", "check_property", "check_negative_control"]

SEED = 20250926  # seeds every random choice below (arXiv 2509.26427)
_DPS = 50
_GRID_M = (1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 80)  # |F|: small m is where the bound is tightest
_GRID_DENOMINATOR = 20  # p = i/20, t = j/20: rational, so m(p ± t) often lands exactly on an integer
_FLAG_P_VALUE = 1e-6  # a p-value below this flags a model as not oracle-like


@functools.lru_cache(maxsize=1)
def _exact_grid() -> tuple[tuple[int, Fraction, Fraction, mpmath.mpf, mpmath.mpf], ...]:
    """(m, p, t, exact tail, 2 exp(−2 m t²)) at 50 digits over the grid, computed once for two checks."""
    rows = []
    with mpmath.workdps(_DPS):
        for m in _GRID_M:
            for i in range(_GRID_DENOMINATOR + 1):
                for j in range(1, _GRID_DENOMINATOR + 1):
                    p, t = Fraction(i, _GRID_DENOMINATOR), Fraction(j, _GRID_DENOMINATOR)
                    exact = random_sets.binomial_tail_mp(m, p, t, dps=_DPS)
                    bound = 2 * mpmath.exp(-2 * m * mpmath.mpf(t.numerator) ** 2 / t.denominator**2)
                    rows.append((m, p, t, exact, bound))
    return tuple(rows)


@functools.lru_cache(maxsize=1)
def _experiment() -> random_forget_sets.ForgetSetExperiment:
    return random_forget_sets.run_experiment(random_forget_sets.ForgetSetConfig(seed=SEED % 2**32))


def check_symbolic() -> Evidence:
    """SymPy: the Hoeffding exponent, the rescaled exponent, and t(m, δ)."""
    exponents = random_sets.hoeffding_exponent_symbolic()
    m, t, lo, hi, delta = sp.symbols("m t lo hi delta", positive=True)
    failures = []
    if sp.simplify(exponents["accuracy"] - 2 * m * t**2) != 0:
        failures.append(f"accuracy exponent {exponents['accuracy']} != 2 m t^2")
    if sp.simplify(exponents["rescaled"] - 2 * m * t**2 / (hi - lo) ** 2) != 0:
        failures.append(f"rescaled exponent {exponents['rescaled']} != 2 m t^2/(hi-lo)^2")
    solutions = sp.solve(sp.Eq(2 * sp.exp(-exponents["accuracy"]), delta), t)
    bound_fn = sp.lambdify((m, t), 2 * sp.exp(-exponents["accuracy"]), "mpmath")
    rescaled_fn = sp.lambdify((m, t, lo, hi), 2 * sp.exp(-exponents["rescaled"]), "mpmath")
    tolerance_fn = sp.lambdify((m, delta), sp.Max(*solutions), "mpmath")
    rng = np.random.default_rng(SEED)
    worst = 0.0
    for _ in range(50):
        mm, tt, dd = int(rng.integers(1, 5000)), float(rng.uniform(0.01, 1.0)), float(rng.uniform(1e-9, 1.0))
        width = float(rng.uniform(0.5, 5.0))
        pairs = [
            (random_sets.hoeffding_bound(mm, tt), bound_fn(mm, tt)),
            (random_sets.hoeffding_bound(mm, tt * width, metric_range=(1.0, 1.0 + width)),
             rescaled_fn(mm, tt * width, 1.0, 1.0 + width)),
            (random_sets.tolerance(mm, dd), tolerance_fn(mm, dd)),
        ]
        for got, want in pairs:
            want = float(want)
            rel = abs(got - want) / max(abs(want), 1e-300)
            worst = max(worst, rel)
            if rel > 1e-12:
                failures.append(f"m={mm}, t={tt}, δ={dd}: library {got!r} vs SymPy {want!r}")
    summary = (f"SymPy: Hoeffding exponent 2s²/Σ(range²) with s = m t is {exponents['accuracy']} "
               f"({exponents['rescaled']} on [lo, hi]); bound, rescaled bound and t(m, δ) match SymPy at 50 random "
               f"points (worst relative error {worst:.1e})")
    return listed_failures_evidence("symbolic", summary, failures, worst_margin=1 - worst / 1e-12,
                                    data={"worst_relative_error": worst})


def check_high_precision() -> Evidence:
    """Exact rational binomial tails ≤ bound on the grid (50 digits); the float tail agrees with them."""
    grid = _exact_grid()
    worst_ratio, worst_at, failures, worst_float = mpmath.mpf(0), None, [], 0.0
    for m, p, t, exact, bound in grid:
        ratio = exact / bound
        if ratio > worst_ratio:
            worst_ratio, worst_at = ratio, (m, str(p), str(t))
        if exact > bound:
            failures.append(f"m={m}, p={p}, t={t}: tail {mpmath.nstr(exact, 10)} > bound {mpmath.nstr(bound, 10)}")
    # the double-precision path, one vectorised call per m, against the exact rationals
    for m in _GRID_M:
        rows = [r for r in grid if r[0] == m]
        approx = random_sets.binomial_tail(m, np.array([float(r[1]) for r in rows]), np.array([float(r[2]) for r in rows]))
        for (_, p, t, exact, _), got in zip(rows, approx):
            err = abs(float(got) - float(exact))
            worst_float = max(worst_float, err)
            if err > 1e-12:
                failures.append(f"m={m}, p={p}, t={t}: float tail {got!r} vs exact {mpmath.nstr(exact, 17)}")
    summary = (f"exact rational tails P(|Bin(m,p)/m − p| ≥ t) on {len(grid)} grid points (m ≤ {max(_GRID_M)}, "
               f"p, t multiples of 1/{_GRID_DENOMINATOR}) never exceed 2exp(−2mt²) at {_DPS} digits: worst ratio "
               f"{mpmath.nstr(worst_ratio, 6)} at (m, p, t) = {worst_at}; float path agrees to {worst_float:.1e}")
    return listed_failures_evidence("high_precision", summary, failures, worst_margin=float(1 - worst_ratio),
                                    data={"points": len(grid), "worst_ratio": float(worst_ratio), "worst_at": worst_at,
                                          "worst_float_error": worst_float})


def check_property() -> Evidence:
    """Seeded sweep of the float tail vs the bound, and the Monte Carlo experiment with a trained oracle."""
    rng = np.random.default_rng(SEED)
    n = 4000
    sizes = np.unique(np.round(np.exp(rng.uniform(0, np.log(3000), 40))).astype(int))
    worst, failures, count = 0.0, [], 0
    for m in sizes:
        p = rng.uniform(0, 1, n // len(sizes))
        # half the tolerances on the lattice (t = k/m) where the ≥ matters, half continuous
        t = np.where(rng.random(p.size) < 0.5, rng.integers(1, m + 1, p.size) / m, rng.uniform(1e-3, 1, p.size))
        tail = random_sets.binomial_tail(int(m), p, t)
        bound = random_sets.hoeffding_bound(int(m), t)
        count += p.size
        # where the bound underflows to 0 the tail must be 0 too (ratio 0), else the ratio is inf and fails
        ratio = np.divide(tail, bound, out=np.where(tail > 0, np.inf, 0.0), where=bound > 0)
        worst = max(worst, float(np.max(ratio)))
        bad = tail > bound * (1 + 1e-12)
        failures += [f"m={m}, p={pp:.6g}, t={tt:.6g}: {a:.6g} > {b:.6g}"
                     for pp, tt, a, b in zip(p[bad], t[bad], tail[bad], bound[bad])]

    exp = _experiment()
    mc_worst = 0.0
    for row in exp.rows:
        slack = row.bound + row.stderr - row.frequency  # ≥ 0 required
        mc_worst = max(mc_worst, row.frequency / (row.bound + row.stderr))
        if slack < 0:
            failures.append(f"MC |F|={row.forget_size}, t={row.tolerance}: frequency {row.frequency} > bound {row.bound:.4g} + s.e.")
        if abs(row.frequency - row.exact_tail) > 4 * row.stderr + 1.0 / exp.config["trials"]:
            failures.append(f"MC |F|={row.forget_size}, t={row.tolerance}: frequency {row.frequency} vs exact {row.exact_tail:.4g}")
    if not exp.oracle_converged:
        failures.append("the oracle's L-BFGS fit did not converge")
    if abs(exp.test_sample_accuracy - exp.oracle_accuracy) > 4 * exp.test_sample_stderr:
        failures.append(f"test sample accuracy {exp.test_sample_accuracy} vs closed form {exp.oracle_accuracy}")
    summary = (f"{count} seeded (m ≤ {sizes.max()}, p, t) points: SciPy tail ≤ bound (worst ratio {worst:.4f}); "
               f"Monte Carlo with a trained oracle (Acc_T = {exp.oracle_accuracy:.3f}), {exp.config['trials']} "
               f"independent random forget sets per |F| in {exp.config['forget_sizes']}: frequency ≤ bound + 1 s.e. in "
               f"all {len(exp.rows)} (|F|, t) cells (worst frequency/(bound + s.e.) {mc_worst:.3f}) and within 4 s.e. "
               f"of the exact binomial tail")
    return listed_failures_evidence("property", summary, failures, worst_margin=1 - max(worst, mc_worst),
                                    data={"points": count, "worst_ratio": worst, "mc_rows": [vars(r) for r in exp.rows],
                                          "seeds": exp.seeds})


def check_negative_control() -> Evidence:
    """Wrong bounds are violated by the exact tail; non-random forget sets are flagged; bad inputs rejected."""
    grid = _exact_grid()
    with mpmath.workdps(_DPS):
        # bound(m, t) = 2exp(−2mt²) ⇒ exp(−2mt²) = bound/2 and 2exp(−4mt²) = bound²/2
        variants = {"2exp(−4|F|t²)": lambda b: b**2 / 2, "exp(−2|F|t²) (one-sided)": lambda b: b / 2}
        caught = {}
        for name, wrong in variants.items():
            excess = max(float(exact - wrong(bound)) for _, _, _, exact, bound in grid)
            caught[name] = excess  # > 0: the exact tail exceeds the wrong bound somewhere
    exp = _experiment()
    detector = {
        "GA model": exp.ga.p_value,
        "oracle-misclassified forget set": exp.misclassified_p_value,
    }
    for name, p_value in detector.items():
        caught[name] = _FLAG_P_VALUE - p_value  # > 0: flagged
    for name, call in {"|F| = 0": lambda: random_sets.hoeffding_bound(0, 0.1),
                       "t = 0": lambda: random_sets.hoeffding_bound(10, 0.0)}.items():
        try:
            call()
            caught[name] = -1.0
        except ValueError:
            caught[name] = 1.0
    missed = [k for k, v in caught.items() if not v > 0]
    oracle_ok = exp.ga.oracle_p_value > 0.01 and exp.ga.converged
    if not oracle_ok:
        missed.append(f"oracle on the GA forget set flagged (p = {exp.ga.oracle_p_value:.3g}) or GA did not converge")
    summary = (f"caught {len(caught) - len([m for m in missed if m in caught])}/{len(caught)} wrong variants: tightened and "
               f"one-sided bounds violated by up to {caught['2exp(−4|F|t²)']:.3f} and {caught['exp(−2|F|t²) (one-sided)']:.3f}; "
               f"GA model (Acc_F {exp.ga.forget_accuracy:.2f} vs Acc_T {exp.ga.test_accuracy:.2f} after {exp.ga.steps} steps) "
               f"p = {exp.ga.p_value:.1e}, misclassified forget set p = {exp.misclassified_p_value:.1e}, oracle on the "
               f"same random forget set p = {exp.ga.oracle_p_value:.2f} (not flagged); |F| = 0 and t = 0 rejected")
    return listed_failures_evidence("negative_control", summary, missed, worst_margin=min(caught.values()),
                                    data={"caught": caught}, label="MISSED")


RESULTS: tuple[ResultCheck, ...] = (
    result_check(
        "lemma1", "Lemma 1 (random forget sets)", "paper",
        check_symbolic, check_high_precision, check_property, check_negative_control,
    ),
)
