"""Evidence for Lemma 5 (distance unlearning): for α ≥ |F|/|R|, |w^R − w^DA| ≥ W_0(|R_j|/(λ|R|)).

* symbolic: z_DA ≤ 0 on the range, W ≤ 0 on z ≤ 0, hence |w^R − w^DA| − w^R = −w^DA ≥ 0;
* high_precision: at 50 digits, in all three regimes of Lemma 2, the closed forms equal roots of L'(w) = 0
  (no Lambert W) and the bound holds for both stationary points of regime 2;
* property: a seeded sweep of consistent data sets with α = (|F|/|R|)(1+u) (10% exactly |F|/|R|, where the bound
  is attained), α moved up by ulps until α|R| ≥ |F| exactly; the smallest finite margins re-checked at 50 digits;
* negative_control: α one part in 1e6 below |F|/|R| violates the bound, and so does the bound × 1.1 at α = |F|/|R|.
"""

from __future__ import annotations

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
        with mpmath.workdps(DPS):
            margin = min(abs(fast.oracle - w) - fast.oracle for w in stationary)  # +inf in regime 3
        slack = rounding.rounding_slack(fast.oracle, *stationary, dps=DPS)
        worst_margin, worst_disagreement = min(worst_margin, margin), max(worst_disagreement, disagreement)
        if not converged or disagreement > slack or margin < -slack:
            failures.append(list(args))
    counts = {k: int(min(POINTS_PER_REGIME, np.count_nonzero(regimes == k))) for k in (1, 2, 3)}
    return Evidence(
        "high_precision",
        not failures and all(c == POINTS_PER_REGIME for c in counts.values()),
        f"{len(chosen) - len(failures)}/{len(chosen)} points at {DPS} digits (regimes 1/2/3: {counts[1]}/{counts[2]}/"
        f"{counts[3]}): closed forms = roots of L'(w)=0 to {mpmath.nstr(worst_disagreement, 2)}, bound margin >= "
        f"{mpmath.nstr(worst_margin, 3)} (both stationary points in regime 2)",
        worst_margin=float(worst_margin),
        data={"dps": DPS, "seed": SEED + 1, "points": len(chosen), "per_regime": counts, "failures": failures},
    )


def property_sweep() -> Evidence:
    sample = axis_parameters.sample_axes(SEED, SIZE, _at_or_above)
    args = sample.args()
    regimes = np.asarray(closed_form.descent_ascent_regime(*args))
    tested = np.asarray(distance_unlearning.bound_margin(*args, include_rounding_slack=True))
    two = regimes == 2
    tested_max = np.asarray(  # the local maximum W_{−1}(z_DA), which exists in regime 2 only
        distance_unlearning.bound_margin(*(a[two] for a in args), branch=-1, include_rounding_slack=True)
        if two.any() else []
    )
    n_bad = int(np.count_nonzero(tested < 0)) + int(np.count_nonzero(tested_max < 0))
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


def negative_control() -> Evidence:
    margin_below = np.asarray(
        distance_unlearning.bound_margin(*axis_parameters.sample_axes(SEED + 2, SIZE, _below).args(), include_rounding_slack=True)
    )
    margin_inflated = np.asarray(
        distance_unlearning.bound_margin(
            *axis_parameters.sample_axes(SEED + 3, SIZE, _balanced).args(), bound_factor=INFLATED, include_rounding_slack=True
        )
    )
    caught_below = int(np.count_nonzero(margin_below < 0))
    caught_inflated = int(np.count_nonzero(margin_inflated < 0))
    return Evidence(
        "negative_control",
        caught_below > 0 and caught_inflated > 0,
        f"α = (1 − {BELOW:g})·|F|/|R| violates the bound at {caught_below}/{SIZE} draws (worst {margin_below.min():.3g}); "
        f"the bound × {INFLATED} at α = |F|/|R| at {caught_inflated}/{SIZE} (worst {margin_inflated.min():.3g})",
        worst_margin=float(min(margin_below.min(), margin_inflated.min())),
        data={"seeds": [SEED + 2, SEED + 3], "draws": SIZE, "caught_below": caught_below,
              "caught_inflated": caught_inflated},
    )


RESULTS: tuple[ResultCheck, ...] = (
    result_check(
        "lemma5", "Lemma 5 (distance unlearning)", "paper",
        symbolic, high_precision, property_sweep, negative_control,
    ),
)
