"""Evidence for Lemma 3 (divergence): inside |F|²/(|R|(|F|+|D|)) ≤ α ≤ |F|/|R|, w^DA ≤ w^D ≤ w^R.

* symbolic: the two range-end equivalences over the library's own range ends (derived by SymPy from Lemma 2's
  arguments, ``logistic_divergence.admissible_range_symbolic``) and the monotonicity of W_0
  (``theory.logistic_divergence.proof_steps``); the float ``admissible_range`` agrees with those ends to 2 ulps;
* high_precision: at 50 digits, the closed forms equal roots of L'(w) = 0 found without Lambert W, and the
  ordering holds, including at both exact ends of the range (``admissible_range_mp``);
* property: a seeded sweep of consistent data sets inside the range (10% of them exactly at an end), judged by
  the library's own verdict ``logistic_divergence.holds`` and re-evaluated at 50 digits where the margin is
  smallest;
* negative_control: four controls 1e-3 (relative) either side of each end, each with the rate the mathematics
  gives: just outside, the ordering must break on *every* draw; just inside, it must hold on every draw.
  Outside the upper end z_D > z_R by the factor 1 + (α|R| − |F|)/|D| = 1 + 1e-3·|F|/|D|, so
  w^D − w^R ≥ W(z_R)/(1 + W(z_D))·ln(z_D/z_R) (d W(e^t)/dt = W/(1+W) is increasing) — with |F|/|D| ≥ 1e-6 in
  these draws that is ≥ 1e-9·W/(1+W), far above the rounding slack 64u·W ≈ 1.4e-14·W unless W > 7e4, which needs
  z > e^(7e4); below the lower end z_DA > z_D by 1e-3·α_low|R|(|F|+|D|)/(|F||D|) relative to z_D ≥ 1e-3·|F|/(2|D|),
  the same bound. A rounding slack loosened 1e12-fold (to 1.4e-2·W) or a range end moved inward by more than
  1e-3 breaks the 100% rates; a smaller inward move fails the 2-ulp comparison of the symbolic check.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ascent_fails.proofs_check.checks._shared import DPS, root_disagreement, spot_recheck, symbolic_evidence
from ascent_fails.proofs_check.registry import Evidence, ResultCheck, result_check
from ascent_fails.theory import axis_parameters, closed_form, logistic_divergence, rounding

SEED = 20250926  # seed of every draw below (recorded in Evidence.data)
SIZE = 20_000  # parameter draws of the property sweep
HIGH_PRECISION_POINTS = 12  # random points checked at DPS digits, plus both exact range ends
SPOT_CHECKS = 5  # smallest-margin sweep points re-evaluated at DPS digits
OUTSIDE = 1e-3  # relative step outside (and inside) each end of the range for the negative control
_EPS = float(np.finfo(float).eps)


def _in_range(rng: np.random.Generator, n_retain: np.ndarray, n_forget: np.ndarray) -> np.ndarray:
    """α uniform on the range, with 5% of draws exactly at each end (where the lemma holds with equality)."""
    low, high = logistic_divergence.admissible_range(n_retain, n_forget)
    pick = rng.uniform(0, 1, n_retain.shape)
    inner = low + rng.uniform(0, 1, n_retain.shape) * (high - low)
    return np.where(pick < 0.05, low, np.where(pick < 0.10, high, inner))


def _inside(n_retain: float, n_forget: float, alpha: float) -> float:
    """α moved inward by whole ulps until it lies in the range in exact arithmetic (a float end may round out);
    membership is the library's exact predicate ``logistic_divergence.in_admissible_range``."""
    low, high = logistic_divergence.admissible_range(n_retain, n_forget)
    for _ in range(16):
        if logistic_divergence.in_admissible_range(n_retain, n_forget, alpha):
            return alpha
        alpha = float(np.nextafter(alpha, (low + high) / 2))
    raise RuntimeError(f"could not move α={alpha!r} into the range for |R|={n_retain}, |F|={n_forget}")


RANGE_POINTS = 200  # random (|R|, |F|) at which the float range ends are compared with the symbolic ones
RANGE_ULPS = 2  # the float ends may differ from the exact ends by this many ulps (4 roundings in α_low)


def _range_agreement() -> tuple[int, float]:
    """(points where the float admissible_range misses the symbolic ends by > RANGE_ULPS ulps, worst in ulps)."""
    low_expr, high_expr, symbols = logistic_divergence.admissible_range_symbolic()
    exact = sp.lambdify(symbols, (low_expr, high_expr), "mpmath")
    rng = np.random.default_rng(SEED + 3)
    sizes = np.floor(10.0 ** rng.uniform(0, 12, (RANGE_POINTS, 2)))
    sizes[:5] = [[1e300, 1e300], [1.0, 1e300], [1e300, 1.0], [1e160, 3e159], [3.0, 1.0]]  # ends of the float range
    bad, worst = 0, 0.0
    with mpmath.workdps(40):
        for r, f in sizes:
            got = logistic_divergence.admissible_range(r, f)
            for value, want in zip(got, exact(mpmath.mpf(r), mpmath.mpf(f))):
                # an end below the normal range (|F|²/(|R|(|F|+|D|)) = 1e-600 at |R| = 1e300, |F| = 1) rounds to a
                # subnormal or 0: one subnormal unit is then the resolution
                ulps = float(abs(value - want) / (abs(want) * _EPS + 5e-324))
                worst = max(worst, ulps)
                bad += not ulps <= RANGE_ULPS
    return bad, worst


def symbolic() -> Evidence:
    steps = symbolic_evidence(logistic_divergence.proof_steps())
    bad, worst = _range_agreement()
    return Evidence(
        "symbolic",
        steps.passed and bad == 0,
        steps.summary + f"; float admissible_range = the symbolic ends to {worst:.2g} ulp at {RANGE_POINTS} (|R|, |F|) "
        f"up to 1e300 ({bad} beyond {RANGE_ULPS} ulp)",
        data={**steps.data, "range_points": RANGE_POINTS, "range_worst_ulps": worst, "range_disagreements": bad},
    )


def high_precision() -> Evidence:
    sample = axis_parameters.sample_axes(SEED + 1, HIGH_PRECISION_POINTS, _in_range)
    points = [tuple(float(v[i]) for v in sample.args()) for i in range(HIGH_PRECISION_POINTS)]
    r, f, rj, _, lam = points[0]  # both ends of the range exactly (library's symbolic ends), first random data set
    ends = [(r, f, rj, end, lam) for end in logistic_divergence.admissible_range_mp(r, f, dps=DPS)]
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
    verdict = np.asarray(logistic_divergence.holds(*args))  # the library's own predicate
    tested = np.asarray(logistic_divergence.ordering_margin(*args, include_rounding_slack=True))
    raw = np.asarray(logistic_divergence.ordering_margin(*args))
    n_bad = int(np.count_nonzero(~verdict))
    scale = np.abs(closed_form.oracle_weight(sample.n_retain, sample.n_retain_axis, sample.ridge))
    spot_margins, spot_ok = spot_recheck(
        args, raw / scale, scale,
        lambda r, f, rj, a, lam: logistic_divergence.ordering_margin_mp(r, f, rj, _inside(r, f, a), lam, dps=DPS),
        SPOT_CHECKS,
    )
    return Evidence(
        "property",
        n_bad == 0 and spot_ok,
        f"{SIZE - n_bad}/{SIZE} seeded draws in the range (10% at an end) satisfy w^DA <= w^D <= w^R "
        f"(logistic_divergence.holds); worst margin "
        f"{tested.min():.3g} after rounding slack (raw ordering gap {raw.min():.3g}); {SPOT_CHECKS} smallest "
        f"re-checked at {DPS} digits: "
        f"{'ok' if spot_ok else 'FAIL'} (min {mpmath.nstr(min(spot_margins), 3)})",
        worst_margin=float(tested.min()),
        data={"seed": SEED, "draws": SIZE, "violations": n_bad, "raw_min_margin": float(raw.min()),
              "spot_margins_mp": [float(m) for m in spot_margins]},
    )


def _near_end(end: str, factor: float):
    def rule(rng: np.random.Generator, n_retain: np.ndarray, n_forget: np.ndarray) -> np.ndarray:
        low, high = logistic_divergence.admissible_range(n_retain, n_forget)
        return (high if end == "upper" else low) * factor

    return rule


#: control -> (end, factor on it, must the ordering hold?): 1e-3 either side of each end
CONTROLS = {
    "above α_high": ("upper", 1 + OUTSIDE, False),
    "below α_low": ("lower", 1 - OUTSIDE, False),
    "inside α_high": ("upper", 1 - OUTSIDE, True),
    "inside α_low": ("lower", 1 + OUTSIDE, True),
}
EXPECTED_RATE = 1.0  # share of draws that must break (outside) or keep (inside) the ordering: every draw


def negative_control() -> Evidence:
    rates, sizes = {}, {}
    for name, (end, factor, should_hold) in CONTROLS.items():
        sample = axis_parameters.sample_axes(SEED + 2, SIZE, _near_end(end, factor))
        verdict = np.asarray(logistic_divergence.holds(*sample.args()))
        slack = np.asarray(rounding.rounding_slack(*closed_form.stationary_weights(*sample.args())))
        margin = np.asarray(logistic_divergence.ordering_margin(*sample.args()))
        agree = verdict if should_hold else ~verdict
        rates[name] = int(np.count_nonzero(agree))
        # how far outside the slack the violations lie (margin / slack, most negative = strongest)
        sizes[name] = float(np.min(-margin / slack)) if not should_hold else float(np.min(margin / slack))
    missed = [name for name, n in rates.items() if n < EXPECTED_RATE * SIZE]
    return Evidence(
        "negative_control",
        not missed,
        f"expected rate 100% (docstring): α = {1 + OUTSIDE}·α_high breaks w^DA <= w^D <= w^R at "
        f"{rates['above α_high']}/{SIZE} draws, α = {1 - OUTSIDE}·α_low at {rates['below α_low']}/{SIZE} "
        f"(smallest violation {min(sizes['above α_high'], sizes['below α_low']):.3g} rounding slacks); "
        f"just inside, {1 - OUTSIDE}·α_high and {1 + OUTSIDE}·α_low keep it at {rates['inside α_high']}/{SIZE} and "
        f"{rates['inside α_low']}/{SIZE}" + (f"; BELOW the expected rate: {missed}" if missed else ""),
        worst_margin=min(rates.values()) / SIZE - EXPECTED_RATE,
        data={"seed": SEED + 2, "draws": SIZE, "expected_rate": EXPECTED_RATE, "agreeing": rates,
              "caught_above": rates["above α_high"], "caught_below": rates["below α_low"],
              "smallest_size_in_slacks": sizes},
    )


RESULTS: tuple[ResultCheck, ...] = (
    result_check("lemma3", "Lemma 3 (divergence)", "paper", symbolic, high_precision, property_sweep, negative_control),
)
