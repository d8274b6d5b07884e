"""Evidence for Lemma 5 (distance unlearning): for α ≥ |F|/|R|, |w^R − w^DA| ≥ W_0(|R_j|/(λ|R|)).

* symbolic: z_DA ≤ 0 on the range, W ≤ 0 on z ≤ 0, hence |w^R − w^DA| − w^R = −w^DA ≥ 0;
* high_precision: at 50 digits, in all three regimes of Lemma 2, the closed forms equal roots of L'(w) = 0
  (no Lambert W) and the bound holds for both stationary points of regime 2;
* property: a seeded sweep of consistent data sets with α = (|F|/|R|)(1+u) (10% exactly |F|/|R|, where the bound
  is attained), α moved up by ulps until α|R| ≥ |F| exactly; the smallest finite margins re-checked at 50 digits;
* negative_control: four controls, each with the rate the mathematics gives (100 %). Just outside the range,
  α = (1 − 1e-6)|F|/|R| gives z_DA = 1e-6·z_R > 0, so w^DA = W_0(1e-6 z_R) ≥ 1e-6·w^R (W_0(x)/x is decreasing)
  and the bound is missed by ≥ 1e-6·w^R ≥ 7e7 rounding slacks (64u·w^R) on *every* draw; the bound × 1.1 at
  α = |F|/|R| (where it is attained) is missed by 0.1·w^R on every draw. Just inside, α = |F|/|R| (bound attained,
  margin 0) and α = (1 + 1e-6)|F|/|R| keep the bound on every draw. A rounding slack loosened 1e12-fold (to
  1.4e-2·w^R) misses the first rate; a range end moved in or out misses one of the inside/outside rates.
  The library's range predicate ``admissible`` is compared with the hypothesis α|R| ≥ |F| in exact rational
  arithmetic at α = |F|/|R|·(1 ± 1e-15) and at the float nearest |F|/|R|.
"""

from __future__ import annotations

import math

from fractions import Fraction

import mpmath
import numpy as np

from ascent_fails.proofs_check.checks._shared import DPS, root_disagreement, spot_recheck, symbolic_evidence
from ascent_fails.proofs_check.registry import Evidence, ResultCheck, result_check
from ascent_fails.theory import axis_parameters, closed_form, closed_form_mp, distance_unlearning, rounding

SEED = 20250928  # seed of every draw below (recorded in Evidence.data)
SIZE = 20_000  # parameter draws of the property sweep
POINTS_PER_REGIME = 4  # high-precision points in each regime of Lemma 2
SPOT_CHECKS = 5
BELOW = 1e-6  # relative step below |F|/|R| for the negative control
INFLATED = 1.1  # bound factor of the negative control


def _admissible(n_retain: np.ndarray, n_forget: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """α stepped up by ulps until α|R| ≥ |F| exactly (a rounded |F|/|R| may sit one ulp below it)."""
    for _ in range(4):
        alpha = np.where(distance_unlearning.admissible(n_retain, n_forget, alpha), alpha, np.nextafter(alpha, np.inf))
    return alpha


def _at_or_above(rng: np.random.Generator, n_retain: np.ndarray, n_forget: np.ndarray) -> np.ndarray:
    """α = (|F|/|R|)(1 + u), u = 0 for 10% of draws, else log-uniform on [1e-12, 1e2]; exactly admissible."""
    u = np.where(rng.uniform(0, 1, n_retain.shape) < 0.1, 0.0, 10.0 ** rng.uniform(-12, 2, n_retain.shape))
    return _admissible(n_retain, n_forget, n_forget / n_retain * (1 + u))


def _balanced(rng: np.random.Generator, n_retain: np.ndarray, n_forget: np.ndarray) -> np.ndarray:
    """α = |F|/|R| (up to the ulp that makes it admissible), where Lemma 5's bound is attained."""
    return _admissible(n_retain, n_forget, n_forget / n_retain)


def _below(rng: np.random.Generator, n_retain: np.ndarray, n_forget: np.ndarray) -> np.ndarray:
    return n_forget / n_retain * (1 - BELOW)


def _just_above(rng: np.random.Generator, n_retain: np.ndarray, n_forget: np.ndarray) -> np.ndarray:
    return _admissible(n_retain, n_forget, n_forget / n_retain * (1 + BELOW))


def symbolic() -> Evidence:
    return symbolic_evidence(distance_unlearning.proof_steps())


def high_precision() -> Evidence:
    sample = axis_parameters.sample_axes(SEED + 1, 2000, _at_or_above)
    regimes = np.asarray(closed_form.descent_ascent_regime(*sample.args()))
    chosen = [i for k in (1, 2, 3) for i in np.flatnonzero(regimes == k)[:POINTS_PER_REGIME]]
    worst_margin, worst_disagreement, failures = mpmath.inf, mpmath.mpf(0), []
    for i in chosen:
        args = tuple(float(v[i]) for v in sample.args())
        fast, disagreement, converged = root_disagreement(args)
        stationary = [fast.descent_ascent] + ([fast.descent_ascent_maximum] if fast.regime == 2 else [])
        branches = [0] + ([-1] if fast.regime == 2 else [])
        with mpmath.workdps(DPS):  # the library's distance and bound (bound = w^R = W_0(|R_j|/(λ|R|)))
            exact = {b: distance_unlearning.distance_mp(*args, branch=b, dps=DPS) for b in branches}
            margin = min(d - fast.oracle for d in exact.values())
        slack = rounding.rounding_slack(fast.oracle, *stationary, dps=DPS)
        # the float path's distance on each branch (W_0: local minimum; W_-1: local maximum in regime 2)
        # (+inf on both paths where DA diverges); compared with the float rounding slack of the weights involved
        float_gap = max(0.0 if math.isinf(f := float(distance_unlearning.distance(*args, branch=b))) and mpmath.isinf(d)
                        else abs(f - float(d)) for b, d in exact.items())
        worst_disagreement = max(worst_disagreement, mpmath.mpf(float_gap))
        if float_gap > rounding.rounding_slack(float(fast.oracle), *(float(w) for w in stationary)):
            failures.append(list(args))
        worst_margin, worst_disagreement = min(worst_margin, margin), max(worst_disagreement, disagreement)
        if not converged or disagreement > slack or margin < -slack:
            failures.append(list(args))
    counts = {k: int(min(POINTS_PER_REGIME, np.count_nonzero(regimes == k))) for k in (1, 2, 3)}
    return Evidence(
        "high_precision",
        not failures and all(c == POINTS_PER_REGIME for c in counts.values()),
        f"{len(chosen) - len(failures)}/{len(chosen)} points at {DPS} digits (regimes 1/2/3: {counts[1]}/{counts[2]}/"
        f"{counts[3]}): closed forms = roots of L'(w)=0 and the float distances (both branches in regime 2) = the "
        f"{DPS}-digit ones to {mpmath.nstr(worst_disagreement, 2)}, bound margin >= "
        f"{mpmath.nstr(worst_margin, 3)} (both stationary points in regime 2)",
        worst_margin=float(worst_margin),
        data={"dps": DPS, "seed": SEED + 1, "points": len(chosen), "per_regime": counts, "failures": failures},
    )


def property_sweep() -> Evidence:
    sample = axis_parameters.sample_axes(SEED, SIZE, _at_or_above)
    args = sample.args()
    regimes = np.asarray(closed_form.descent_ascent_regime(*args))
    verdict = np.asarray(distance_unlearning.holds(*args))  # the library's own predicate
    tested = np.asarray(distance_unlearning.bound_margin(*args, include_rounding_slack=True))
    two = regimes == 2
    tested_max = np.asarray(  # the local maximum W_{−1}(z_DA), which exists in regime 2 only
        distance_unlearning.bound_margin(*(a[two] for a in args), branch=-1, include_rounding_slack=True)
        if two.any() else []
    )
    verdict_max = np.asarray(distance_unlearning.holds(*(a[two] for a in args), branch=-1) if two.any() else [], bool)
    n_bad = int(np.count_nonzero(~verdict)) + int(np.count_nonzero(~verdict_max))
    raw = np.asarray(distance_unlearning.bound_margin(*args))
    scale = np.asarray(distance_unlearning.distance_bound(sample.n_retain, sample.n_retain_axis, sample.ridge))
    spot_margins, spot_ok = spot_recheck(  # regime 3 margins are +inf and sort last
        args, raw / scale, scale,
        lambda r, f, rj, a, lam: (
            distance_unlearning.distance_mp(r, f, rj, a, lam, dps=DPS)
            - closed_form_mp.stationary_points_mp(r, f, rj, a, lam, dps=DPS).oracle
        ),
        SPOT_CHECKS,
    )
    counts = [int(np.count_nonzero(regimes == k)) for k in (1, 2, 3)]
    worst = float(min(tested.min(), tested_max.min(initial=np.inf)))
    return Evidence(
        "property",
        n_bad == 0 and spot_ok,
        f"{SIZE + int(two.sum()) - n_bad}/{SIZE + int(two.sum())} checks hold on {SIZE} seeded draws with α >= |F|/|R| "
        f"(regimes 1/2/3: {counts[0]}/{counts[1]}/{counts[2]}; both stationary points in regime 2); worst margin "
        f"{worst:.3g}; {SPOT_CHECKS} smallest re-checked at {DPS} digits: {'ok' if spot_ok else 'FAIL'} "
        f"(min {mpmath.nstr(min(spot_margins), 3)})",
        worst_margin=worst,
        data={"seed": SEED, "draws": SIZE, "regime_counts": counts, "violations": n_bad,
              "spot_margins_mp": [float(m) for m in spot_margins]},
    )


def _predicate_agreement() -> tuple[int, int]:
    """(disagreements, points): ``distance_unlearning.admissible`` vs α|R| ≥ |F| in exact rational arithmetic."""
    rng = np.random.default_rng(SEED + 5)
    n_retain, n_forget = np.floor(10.0 ** rng.uniform(0, 6, (2, 200)))
    bad, n = 0, 0
    for r, f in zip(n_retain, n_forget):
        for alpha in (f / r, f / r * (1 - 1e-15), f / r * (1 + 1e-15), float(np.nextafter(f / r, 0)),
                      float(np.nextafter(f / r, np.inf))):
            exact = Fraction(alpha) * Fraction(r) >= Fraction(f)
            bad += bool(distance_unlearning.admissible(r, f, alpha)) != exact
            n += 1
    return bad, n


def negative_control() -> Evidence:
    controls = {  # name -> (sample rule, seed, bound factor, must hold?)
        f"α = (1 − {BELOW:g})|F|/|R|": (_below, SEED + 2, 1.0, False),
        f"bound × {INFLATED} at α = |F|/|R|": (_balanced, SEED + 3, INFLATED, False),
        "α = |F|/|R| (inside, bound attained)": (_balanced, SEED + 3, 1.0, True),
        f"α = (1 + {BELOW:g})|F|/|R| (inside)": (_just_above, SEED + 6, 1.0, True),
    }
    rates, sizes = {}, {}
    for name, (rule, seed, factor, should_hold) in controls.items():
        args = axis_parameters.sample_axes(seed, SIZE, rule).args()
        verdict = np.asarray(distance_unlearning.holds(*args, bound_factor=factor))
        rates[name] = int(np.count_nonzero(verdict if should_hold else ~verdict))
        if not should_hold:  # how many rounding slacks the violations exceed
            margin = np.asarray(distance_unlearning.bound_margin(*args, bound_factor=factor))
            w_da, w_r = np.asarray(distance_unlearning.distance(*args)), np.asarray(
                distance_unlearning.distance_bound(args[0], args[2], args[4]))
            sizes[name] = float(np.min(-margin / rounding.rounding_slack(w_r, w_r - w_da)))
    disagreements, n_predicate = _predicate_agreement()
    missed = [name for name, n in rates.items() if n < SIZE]
    return Evidence(
        "negative_control",
        not missed and disagreements == 0,
        "expected rate 100% (docstring): " + "; ".join(f"{name}: {n}/{SIZE}" for name, n in rates.items())
        + f" (violations >= {min(sizes.values()):.3g} rounding slacks); admissible() = exact α|R| >= |F| at "
        f"{n_predicate - disagreements}/{n_predicate} points" + (f"; BELOW the expected rate: {missed}" if missed else ""),
        worst_margin=min(rates.values()) / SIZE - 1.0,
        data={"seeds": [SEED + 2, SEED + 3, SEED + 6], "draws": SIZE, "expected_rate": 1.0, "agreeing": rates,
              "smallest_violation_in_slacks": sizes, "predicate_disagreements": disagreements,
              "caught_below": rates[f"α = (1 − {BELOW:g})|F|/|R|"],
              "caught_inflated": rates[f"bound × {INFLATED} at α = |F|/|R|"]},
    )


RESULTS: tuple[ResultCheck, ...] = (
    result_check(
        "lemma5", "Lemma 5 (distance unlearning)", "paper",
        symbolic, high_precision, property_sweep, negative_control,
    ),
)
