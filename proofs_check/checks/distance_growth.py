"""Evidence for Lemma 4 (distance growth): |w^D − w^R| ≤ |ln((1+α)|R|/|D|)| for λ > 0, α > 0.

* symbolic: W(a) − W(b) = ln(a/b) − ln(W(a)/W(b)), the shared sign of the two logs, z_D/z_R = (1+α)|R|/|D|;
* high_precision: at 50 digits, closed forms = roots of L'(w) = 0 (no Lambert W), the log identity holds
  numerically, and the bound holds;
* property: a seeded sweep of consistent data sets (α log-uniform over 1e-6 … 1e3, 5% at α = |F|/|R| where both
  sides vanish), the smallest relative margins re-evaluated at 50 digits;
* negative_control: the bound scaled by k = 0.5, 0.9, 0.99 is violated exactly where the mathematics says.
  The proof gives |w^D − w^R| = |ln(a/b)|·(1 − ρ) with ρ = ln(W(a)/W(b))/ln(a/b) = the mean of 1/(1+W) over
  [ln b, ln a] (d ln W/d ln x = 1/(1+W)), so ρ ∈ [1/(1+W_max), 1/(1+W_min)]: the scaled bound k|ln(a/b)| is
  violated on *every* draw with W_min ≥ 1.05·k/(1−k) + 0.05 (i.e. min(z_D, z_R) ≥ W e^W there; small λ) and
  holds on every draw with W_max ≤ 0.95·k/(1−k); W is never evaluated to sort the draws, only z_D, z_R. The
  draws use λ log-uniform down to 1e-300 so that W reaches ~700 and k = 0.99 is testable. A bound constant
  changed by ≥ 1 % (in either direction) moves draws across these thresholds and breaks a 100 % rate.
"""

from __future__ import annotations

import dataclasses
import math

import mpmath
import numpy as np

from ascent_fails.proofs_check.checks._shared import DPS, root_disagreement, spot_recheck, symbolic_evidence
from ascent_fails.proofs_check.registry import Evidence, ResultCheck, result_check
from ascent_fails.theory import axis_parameters, closed_form, closed_form_symbolic, distance_growth, rounding

SEED = 20250927  # seed of every draw below (recorded in Evidence.data)
SIZE = 20_000  # parameter draws of the property sweep
HIGH_PRECISION_POINTS = 12
SPOT_CHECKS = 5  # smallest relative margins re-evaluated at DPS digits
TIGHTENED = (0.5, 0.9, 0.99)  # bound factors of the negative control
MIN_LOG_RATIO = 1e-9  # draws with |ln(a/b)| below this are not sorted (the violation would be below rounding)


def _any_ratio(rng: np.random.Generator, n_retain: np.ndarray, n_forget: np.ndarray) -> np.ndarray:
    """α log-uniform on [1e-6, 1e3]; 5% exactly |F|/|R| (where w^D = w^R and the bound is 0)."""
    alpha = 10.0 ** rng.uniform(-6, 3, n_retain.shape)
    return np.where(rng.uniform(0, 1, n_retain.shape) < 0.05, n_forget / n_retain, alpha)


def symbolic() -> Evidence:
    return symbolic_evidence(distance_growth.proof_steps())


def high_precision() -> Evidence:
    sample = axis_parameters.sample_axes(SEED + 1, HIGH_PRECISION_POINTS, _any_ratio)
    worst_margin, worst_disagreement, worst_identity, failures = mpmath.inf, mpmath.mpf(0), mpmath.mpf(0), []
    derived = closed_form_symbolic.lambert_arguments()
    for i in range(HIGH_PRECISION_POINTS):
        args = tuple(float(v[i]) for v in sample.args())
        fast, disagreement, converged = root_disagreement(args)
        bound = distance_growth.distance_bound_mp(args[0], args[1], args[3], dps=DPS)
        with mpmath.workdps(DPS):
            margin = bound - abs(fast.pretrained - fast.oracle)
            # the proof's identity at the two arguments: W(a) − W(b) − ln(a/b) + ln(W(a)/W(b)) = 0
            # a = z_D, b = z_R derived from the objectives (z = −L'(0)/λ), not from a copy of the bound
            z = {name: f(*(mpmath.mpf(v) for v in args)) for name, f in derived.items()}
            log_ratio = mpmath.log(z["pretrained"] / z["oracle"])
            identity = abs(fast.pretrained - fast.oracle - log_ratio + mpmath.log(fast.pretrained / fast.oracle))
            bound_error = abs(bound - abs(log_ratio))  # the library's bound is |ln(a/b)|
        slack = rounding.rounding_slack(fast.pretrained, fast.oracle, dps=DPS)
        worst_margin, worst_disagreement = min(worst_margin, margin), max(worst_disagreement, disagreement)
        worst_identity = max(worst_identity, identity)
        if not converged or disagreement > slack or identity > slack or bound_error > slack or margin < -slack:
            failures.append(list(args))
    return Evidence(
        "high_precision",
        not failures,
        f"{HIGH_PRECISION_POINTS - len(failures)}/{HIGH_PRECISION_POINTS} points at {DPS} digits: closed forms = roots "
        f"of L'(w)=0 to {mpmath.nstr(worst_disagreement, 2)}, log identity to {mpmath.nstr(worst_identity, 2)}, "
        f"bound margin >= {mpmath.nstr(worst_margin, 3)}",
        worst_margin=float(worst_margin),
        data={"dps": DPS, "seed": SEED + 1, "points": HIGH_PRECISION_POINTS, "failures": failures},
    )


def property_sweep() -> Evidence:
    sample = axis_parameters.sample_axes(SEED, SIZE, _any_ratio)
    args = sample.args()
    verdict = np.asarray(distance_growth.holds(*args))  # the library's own predicate
    tested = np.asarray(distance_growth.bound_margin(*args, include_rounding_slack=True))
    bound = np.asarray(distance_growth.distance_bound(sample.n_retain, sample.n_forget, sample.forget_ratio_axis))
    distance = np.asarray(distance_growth.distance(*args))
    n_bad = int(np.count_nonzero(~verdict))
    positive = bound > 1e-8  # ratios of rounding-level quantities (α within ulps of |F|/|R|) mean nothing
    tightness = float(np.max(distance[positive] / bound[positive]))  # → 1 as λ → 0: the bound is sharp
    relative = np.where(positive, (bound - distance) / np.where(positive, bound, 1), np.inf)
    spot_margins, spot_ok = spot_recheck(
        args, relative, bound,
        lambda r, f, rj, a, lam: (
            distance_growth.distance_bound_mp(r, f, a, dps=DPS) - distance_growth.distance_mp(r, f, rj, a, lam, dps=DPS)
        ),
        SPOT_CHECKS,
    )
    return Evidence(
        "property",
        n_bad == 0 and spot_ok,
        f"{SIZE - n_bad}/{SIZE} seeded draws satisfy |w^D − w^R| <= |ln((1+α)|R|/|D|)| (distance_growth.holds); "
        f"worst margin "
        f"{tested.min():.3g}; max distance/bound {tightness:.6f} where bound > 1e-8 (sharp as λ → 0); "
        f"{SPOT_CHECKS} tightest re-checked "
        f"at {DPS} digits: {'ok' if spot_ok else 'FAIL'} (min margin {mpmath.nstr(min(spot_margins), 3)})",
        worst_margin=float(tested.min()),
        data={"seed": SEED, "draws": SIZE, "violations": n_bad, "max_distance_over_bound": tightness,
              "spot_margins_mp": [float(m) for m in spot_margins]},
    )


def _w_at_least(w: float) -> float:
    """The argument z = w e^w at which W_0(z) = w (W_0 is increasing): sorts draws by W without evaluating W."""
    return w * math.exp(w)


def negative_control() -> Evidence:
    base = axis_parameters.sample_axes(SEED + 2, SIZE, _any_ratio)
    rng = np.random.default_rng(SEED + 4)
    sample = dataclasses.replace(base, ridge=10.0 ** rng.uniform(-300, 3, SIZE))  # W up to ~700
    args = sample.args()
    z_d = np.asarray(closed_form.pretrained_argument(*args))
    z_r = np.asarray(closed_form.oracle_argument(sample.n_retain, sample.n_retain_axis, sample.ridge))
    log_ratio = np.abs(np.asarray(closed_form.pretrained_oracle_log_ratio(
        sample.n_retain, sample.n_forget, sample.forget_ratio_axis)))
    sortable = log_ratio >= MIN_LOG_RATIO
    results, missed = {}, []
    for k in TIGHTENED:
        threshold = k / (1 - k)
        must_fail = sortable & (np.minimum(z_d, z_r) >= _w_at_least(1.05 * threshold + 0.05))
        must_hold = np.maximum(z_d, z_r) <= _w_at_least(0.95 * threshold)
        holds = np.asarray(distance_growth.holds(*args, bound_factor=k))
        failed_ok, held_ok = int(np.count_nonzero(~holds & must_fail)), int(np.count_nonzero(holds & must_hold))
        n_fail, n_hold = int(must_fail.sum()), int(must_hold.sum())
        results[k] = {"must_fail": n_fail, "failed": failed_ok, "must_hold": n_hold, "held": held_ok}
        if n_fail == 0 or n_hold == 0 or failed_ok < n_fail or held_ok < n_hold:
            missed.append(k)
    summary = "; ".join(
        f"bound × {k}: violated at {r['failed']}/{r['must_fail']} draws with W_min >= {1.05 * k / (1 - k) + 0.05:.3g} "
        f"({100 * r['must_fail'] / SIZE:.0f}% of draws), kept at {r['held']}/{r['must_hold']} with W_max <= "
        f"{0.95 * k / (1 - k):.3g}"
        for k, r in results.items()
    )
    return Evidence(
        "negative_control",
        not missed,
        "expected rate 100% of each predicted set (docstring): " + summary
        + (f"; BELOW the expected rate for factors {missed}" if missed else ""),
        worst_margin=min(min(r["failed"] / max(r["must_fail"], 1), r["held"] / max(r["must_hold"], 1))
                         for r in results.values()) - 1.0,
        data={"seed": [SEED + 2, SEED + 4], "draws": SIZE, "bound_factors": list(TIGHTENED), "expected_rate": 1.0,
              "sets": {str(k): r for k, r in results.items()},
              "caught": sum(r["failed"] for r in results.values())},
    )


RESULTS: tuple[ResultCheck, ...] = (
    result_check(
        "lemma4", "Lemma 4 (distance growth)", "paper",
        symbolic, high_precision, property_sweep, negative_control,
    ),
)
