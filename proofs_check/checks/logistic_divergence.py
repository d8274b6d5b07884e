"""Evidence for Lemma 3 (divergence): inside |F|²/(|R|(|F|+|D|)) ≤ α ≤ |F|/|R|, w^DA ≤ w^D ≤ w^R.

* symbolic: the two range-end equivalences and the monotonicity of W_0 (``theory.logistic_divergence.proof_steps``);
* high_precision: at 50 digits, the closed forms equal roots of L'(w) = 0 found without Lambert W, and the
  ordering holds, including at both exact ends of the range;
* property: a seeded sweep of consistent data sets inside the range (10% of them exactly at an end),
  evaluated with the float path and re-evaluated at 50 digits where the margin is smallest;
* negative_control: α just above |F|/|R| and just below the lower end breaks the ordering (the range is sharp).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from ascent_fails.proofs_check.checks._shared import DPS, root_disagreement, spot_recheck, symbolic_evidence
from ascent_fails.proofs_check.registry import Evidence, ResultCheck, result_check
from ascent_fails.theory import axis_parameters, closed_form, logistic_divergence, rounding

SEED = 20250926  # seed of every draw below (recorded in Evidence.data)
SIZE = 20_000  # parameter draws of the property sweep
HIGH_PRECISION_POINTS = 12  # random points checked at DPS digits, plus both exact range ends
SPOT_CHECKS = 5  # smallest-margin sweep points re-evaluated at DPS digits
OUTSIDE = 1e-3  # relative step outside each end of the range for the negative control


def _in_range(rng: np.random.Generator, n_retain: np.ndarray, n_forget: np.ndarray) -> np.ndarray:
    """α uniform on the range, with 5% of draws exactly at each end (where the lemma holds with equality)."""
    low, high = logistic_divergence.admissible_range(n_retain, n_forget)
    pick = rng.uniform(0, 1, n_retain.shape)
    inner = low + rng.uniform(0, 1, n_retain.shape) * (high - low)
    return np.where(pick < 0.05, low, np.where(pick < 0.10, high, inner))


def _exactly_in_range(n_retain: float, n_forget: float, alpha: float) -> bool:
    r, f, a = Fraction(n_retain), Fraction(n_forget), Fraction(alpha)
    return a * r * (2 * f + r) >= f * f and a * r <= f


def _inside(n_retain: float, n_forget: float, alpha: float) -> float:
    """α moved inward by whole ulps until it lies in the range in exact arithmetic (a float end may round out)."""
    low, high = logistic_divergence.admissible_range(n_retain, n_forget)
    for _ in range(16):
        if _exactly_in_range(n_retain, n_forget, alpha):
            return alpha
        alpha = float(np.nextafter(alpha, (low + high) / 2))
    raise RuntimeError(f"could not move α={alpha!r} into the range for |R|={n_retain}, |F|={n_forget}")


def symbolic() -> Evidence:
    return symbolic_evidence(logistic_divergence.proof_steps())


def high_precision() -> Evidence:
    sample = axis_parameters.sample_axes(SEED + 1, HIGH_PRECISION_POINTS, _in_range)
    points = [tuple(float(v[i]) for v in sample.args()) for i in range(HIGH_PRECISION_POINTS)]
    with mpmath.workdps(DPS):  # both ends of the range exactly, for the first random data set
        r, f, rj, _, lam = points[0]
        mr, mf = mpmath.mpf(r), mpmath.mpf(f)
        ends = [(r, f, rj, mf * mf / (mr * (2 * mf + mr)), lam), (r, f, rj, mf / mr, lam)]
    worst_margin, worst_disagreement, failures = mpmath.inf, mpmath.mpf(0), []
    for args in [(a[0], a[1], a[2], _inside(a[0], a[1], a[3]), a[4]) for a in points] + ends:
        fast, disagreement, converged = root_disagreement(args)
        margin = logistic_divergence.ordering_margin_mp(*args, dps=DPS)
        slack = rounding.rounding_slack(fast.pretrained, fast.oracle, fast.descent_ascent, dps=DPS)
        worst_margin, worst_disagreement = min(worst_margin, margin), max(worst_disagreement, disagreement)
        if not converged or disagreement > mpmath.mpf(10) ** (8 - DPS) or margin < -slack:
            failures.append([float(a) for a in args])
    n = HIGH_PRECISION_POINTS + len(ends)
    return Evidence(
        "high_precision",
        not failures,
        f"{n - len(failures)}/{n} points at {DPS} digits (incl. both exact range ends): closed forms = roots of "
        f"L'(w)=0 to {mpmath.nstr(worst_disagreement, 2)} (relative), ordering margin >= {mpmath.nstr(worst_margin, 3)}",
        worst_margin=float(worst_margin),
        data={"dps": DPS, "seed": SEED + 1, "points": n, "failures": failures,
              "max_relative_disagreement": float(worst_disagreement)},
    )


def property_sweep() -> Evidence:
    sample = axis_parameters.sample_axes(SEED, SIZE, _in_range)
    args = sample.args()
    tested = np.asarray(logistic_divergence.ordering_margin(*args, include_rounding_slack=True))
    raw = np.asarray(logistic_divergence.ordering_margin(*args))
    n_bad = int(np.count_nonzero(tested < 0))
    scale = np.abs(closed_form.oracle_weight(sample.n_retain, sample.n_retain_axis, sample.ridge))
    spot_margins, spot_ok = spot_recheck(
        args, raw / scale, scale,
        lambda r, f, rj, a, lam: logistic_divergence.ordering_margin_mp(r, f, rj, _inside(r, f, a), lam, dps=DPS),
        SPOT_CHECKS,
    )
    return Evidence(
        "property",
        n_bad == 0 and spot_ok,
        f"{SIZE - n_bad}/{SIZE} seeded draws in the range (10% at an end) satisfy w^DA <= w^D <= w^R; worst margin "
        f"{tested.min():.3g} after rounding slack (raw ordering gap {raw.min():.3g}); {SPOT_CHECKS} smallest "
        f"re-checked at {DPS} digits: "
        f"{'ok' if spot_ok else 'FAIL'} (min {mpmath.nstr(min(spot_margins), 3)})",
        worst_margin=float(tested.min()),
        data={"seed": SEED, "draws": SIZE, "violations": n_bad, "raw_min_margin": float(raw.min()),
              "spot_margins_mp": [float(m) for m in spot_margins]},
    )


def negative_control() -> Evidence:
    def outside(rule_end: str, factor: float):
        def rule(rng: np.random.Generator, n_retain: np.ndarray, n_forget: np.ndarray) -> np.ndarray:
            low, high = logistic_divergence.admissible_range(n_retain, n_forget)
            return (high if rule_end == "upper" else low) * factor

        sample = axis_parameters.sample_axes(SEED + 2, SIZE, rule)
        margin = np.asarray(logistic_divergence.ordering_margin(*sample.args(), include_rounding_slack=True))
        return int(np.count_nonzero(margin < 0)), float(margin.min())

    above, above_worst = outside("upper", 1 + OUTSIDE)
    below, below_worst = outside("lower", 1 - OUTSIDE)
    return Evidence(
        "negative_control",
        above > 0 and below > 0,
        f"α = {1 + OUTSIDE}·|F|/|R| breaks the ordering at {above}/{SIZE} draws (worst {above_worst:.3g}); "
        f"α = {1 - OUTSIDE}·|F|²/(|R|(|F|+|D|)) at {below}/{SIZE} (worst {below_worst:.3g}): both ends are sharp",
        worst_margin=min(above_worst, below_worst),
        data={"seed": SEED + 2, "draws": SIZE, "caught_above": above, "caught_below": below},
    )


RESULTS: tuple[ResultCheck, ...] = (
    result_check("lemma3", "Lemma 3 (divergence)", "paper", symbolic, high_precision, property_sweep, negative_control),
)
