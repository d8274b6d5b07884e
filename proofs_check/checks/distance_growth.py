"""Evidence for Lemma 4 (distance growth): |w^D − w^R| ≤ |ln((1+α)|R|/|D|)| for λ > 0, α > 0.

* symbolic: W(a) − W(b) = ln(a/b) − ln(W(a)/W(b)), the shared sign of the two logs, z_D/z_R = (1+α)|R|/|D|;
* high_precision: at 50 digits, closed forms = roots of L'(w) = 0 (no Lambert W), the log identity holds
  numerically, and the bound holds;
* property: a seeded sweep of consistent data sets (α log-uniform over 1e-6 … 1e3, 5% at α = |F|/|R| where both
  sides vanish), the smallest relative margins re-evaluated at 50 digits;
* negative_control: the bound scaled by 0.9 is violated (it is sharp as λ → 0).
"""

from __future__ import annotations

import mpmath
import numpy as np

from ascent_fails.proofs_check.checks._shared import DPS, root_disagreement, spot_recheck, symbolic_evidence
from ascent_fails.proofs_check.registry import Evidence, ResultCheck, result_check
from ascent_fails.theory import axis_parameters, distance_growth, rounding

SEED = 20250927  # seed of every draw below (recorded in Evidence.data)
SIZE = 20_000  # parameter draws of the property sweep
HIGH_PRECISION_POINTS = 12
SPOT_CHECKS = 5  # smallest relative margins re-evaluated at DPS digits
TIGHTENED = 0.9  # bound factor of the negative control


def _any_ratio(rng: np.random.Generator, n_retain: np.ndarray, n_forget: np.ndarray) -> np.ndarray:
    """α log-uniform on [1e-6, 1e3]; 5% exactly |F|/|R| (where w^D = w^R and the bound is 0)."""
    alpha = 10.0 ** rng.uniform(-6, 3, n_retain.shape)
    return np.where(rng.uniform(0, 1, n_retain.shape) < 0.05, n_forget / n_retain, alpha)


def symbolic() -> Evidence:
    return symbolic_evidence(distance_growth.proof_steps())


def high_precision() -> Evidence:
    sample = axis_parameters.sample_axes(SEED + 1, HIGH_PRECISION_POINTS, _any_ratio)
    worst_margin, worst_disagreement, worst_identity, failures = mpmath.inf, mpmath.mpf(0), mpmath.mpf(0), []
    for i in range(HIGH_PRECISION_POINTS):
        args = tuple(float(v[i]) for v in sample.args())
        fast, disagreement, converged = root_disagreement(args)
        bound = distance_growth.distance_bound_mp(args[0], args[1], args[3], dps=DPS)
        with mpmath.workdps(DPS):
            margin = bound - abs(fast.pretrained - fast.oracle)
            # the proof's identity at the two arguments: W(a) − W(b) − ln(a/b) + ln(W(a)/W(b)) = 0
            ratio = (1 + mpmath.mpf(args[3])) * args[0] / (mpmath.mpf(args[0]) + args[1])
            identity = abs(fast.pretrained - fast.oracle - mpmath.log(ratio) + mpmath.log(fast.pretrained / fast.oracle))
        slack = rounding.rounding_slack(fast.pretrained, fast.oracle, dps=DPS)
        worst_margin, worst_disagreement = min(worst_margin, margin), max(worst_disagreement, disagreement)
        worst_identity = max(worst_identity, identity)
        if not converged or disagreement > slack or identity > slack or margin < -slack:
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
    tested = np.asarray(distance_growth.bound_margin(*args, include_rounding_slack=True))
    bound = np.asarray(distance_growth.distance_bound(sample.n_retain, sample.n_forget, sample.forget_ratio_axis))
    distance = np.asarray(distance_growth.distance(*args))
    n_bad = int(np.count_nonzero(tested < 0))
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
        f"{SIZE - n_bad}/{SIZE} seeded draws satisfy |w^D − w^R| <= |ln((1+α)|R|/|D|)|; worst margin "
        f"{tested.min():.3g}; max distance/bound {tightness:.6f} where bound > 1e-8 (sharp as λ → 0); "
        f"{SPOT_CHECKS} tightest re-checked "
        f"at {DPS} digits: {'ok' if spot_ok else 'FAIL'} (min margin {mpmath.nstr(min(spot_margins), 3)})",
        worst_margin=float(tested.min()),
        data={"seed": SEED, "draws": SIZE, "violations": n_bad, "max_distance_over_bound": tightness,
              "spot_margins_mp": [float(m) for m in spot_margins]},
    )


def negative_control() -> Evidence:
    sample = axis_parameters.sample_axes(SEED + 2, SIZE, _any_ratio)
    margin = np.asarray(distance_growth.bound_margin(*sample.args(), bound_factor=TIGHTENED, include_rounding_slack=True))
    caught = int(np.count_nonzero(margin < 0))
    return Evidence(
        "negative_control",
        caught > 0,
        f"the bound scaled by {TIGHTENED} is violated at {caught}/{SIZE} draws (worst {margin.min():.3g}, small λ)",
        worst_margin=float(margin.min()),
        data={"seed": SEED + 2, "draws": SIZE, "caught": caught, "bound_factor": TIGHTENED},
    )


RESULTS: tuple[ResultCheck, ...] = (
    result_check(
        "lemma4", "Lemma 4 (distance growth)", "paper",
        symbolic, high_precision, property_sweep, negative_control,
    ),
)
