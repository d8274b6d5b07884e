"""The Lemma 2–5 and Corollary 1 checks have teeth (issue 10, items 1–3): negative controls require the rate the
mathematics gives, verify calls the library's own predicates, and error budgets follow the conditioning of W.

Each test plants one plausible defect with monkeypatch (no file is edited) and asserts that the evidence kind
meant to catch it turns red; the unpatched evidence is green (tests of each check module).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from ascent_fails.proofs_check.checks import closed_form as lemma2_check
from ascent_fails.proofs_check.checks import corollary1 as corollary1_check
from ascent_fails.proofs_check.checks import distance_growth as lemma4_check
from ascent_fails.proofs_check.checks import distance_unlearning as lemma5_check
from ascent_fails.proofs_check.checks import logistic_divergence as lemma3_check
from ascent_fails.theory import (
    corollary1,
    distance_growth,
    lambert,
    logistic_divergence,
    rounding,
)

EPS = float(np.finfo(float).eps)


# --- negative controls state and meet their expected rate ------------------------------------------------------------


@pytest.mark.parametrize("check", [lemma3_check, lemma4_check, lemma5_check, corollary1_check])
def test_negative_controls_meet_the_stated_rate(check) -> None:
    evidence = check.negative_control()
    assert evidence.passed, evidence.summary
    assert evidence.data["expected_rate"] == 1.0 and "expected rate 100%" in evidence.summary


def test_lemma3_controls_agree_on_every_draw() -> None:
    evidence = lemma3_check.negative_control()
    assert all(n == lemma3_check.SIZE for n in evidence.data["agreeing"].values())
    # the violations lie far outside the rounding slack, so a 1e12-fold slack cannot absorb them all but none
    assert min(evidence.data["smallest_size_in_slacks"][k] for k in ("above α_high", "below α_low")) > 1


def test_lemma2_negative_control_refutes_every_comparison() -> None:
    evidence = lemma2_check.check_negative_control()
    assert evidence.passed and all(bad == total > 0 for bad, total in evidence.data["refuted"].values())


@pytest.mark.parametrize("check", [lemma3_check, lemma4_check, lemma5_check])
def test_rounding_slack_loosened_1e12_fold_turns_the_control_red(check, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rounding, "FLOAT_SLACK", rounding.FLOAT_SLACK * 1e12)
    assert not check.negative_control().passed


@pytest.mark.parametrize(("end", "shift"), [(0, 1 + 1e-8), (1, 1 - 1e-8), (0, 1.01), (1, 0.99)])
def test_lemma3_range_end_moved_inward_is_caught(end: int, shift: float, monkeypatch: pytest.MonkeyPatch) -> None:
    original = logistic_divergence.admissible_range

    def moved(r, f):
        ends = list(original(r, f))
        ends[end] = ends[end] * shift
        return tuple(ends)

    monkeypatch.setattr(logistic_divergence, "admissible_range", moved)
    assert not lemma3_check.symbolic().passed


@pytest.mark.parametrize("factor", [1.01, 0.99, 2.0])
def test_lemma4_bound_constant_changed_is_caught(factor: float, monkeypatch: pytest.MonkeyPatch) -> None:
    original = distance_growth.distance_bound
    monkeypatch.setattr(distance_growth, "distance_bound", lambda r, f, a: original(r, f, a) * factor)
    assert not lemma4_check.negative_control().passed


# --- verify calls the library's own predicates and formulas --------------------------------------------------------


def test_lemma3_property_uses_the_library_predicate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logistic_divergence, "holds", lambda *args: np.zeros(np.shape(args[0]), bool))
    assert not lemma3_check.property_sweep().passed


@pytest.mark.parametrize(
    "rate",
    [
        lambda lam: -np.log(lam),  # ln(1/λ), no ln ln term
        lambda lam: -np.log(lam) - 0.5 * np.log(-np.log(lam)),  # half the ln ln term
        lambda lam: -np.log(lam) - np.log(-np.log(lam)) + 0.01,  # shifted by 0.01
    ],
)
def test_corollary1_rate_changed_is_caught(rate, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corollary1, "growth_rate", rate)
    assert not corollary1_check.property_sweep().passed


def test_hoorfar_hassani_lower_constant_raised_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = corollary1.lambert_remainder_bounds_log
    monkeypatch.setattr(corollary1, "lambert_remainder_bounds_log", lambda L: (original(L)[0] * 1.1, original(L)[1]))
    assert not corollary1_check.property_sweep().passed


# --- error budgets from the conditioning of W ---------------------------------------------------------------------


def test_reference_bisection_matches_mpmath_lambertw() -> None:
    # the check's 80-digit reference shares no code with theory.lambert; here it is compared with mpmath's own W
    with mpmath.workdps(90):
        for z, branch in [("-0.3678794411714423", 0), ("-0.3678794411714423", -1), ("1e-300", 0), ("-1e-300", -1),
                          ("0.5", 0), ("1e300", 0), ("-0.1", -1)]:
            reference = lemma2_check._reference_w(mpmath.mpf(z), branch)
            assert abs(reference - mpmath.lambertw(mpmath.mpf(z), branch).real) <= mpmath.mpf(10) ** -80 * (
                1 + abs(reference))
        assert abs(lemma2_check._reference_w_log(mpmath.mpf(1000)) - mpmath.lambertw(mpmath.exp(1000)).real) < 1e-80


def test_series_region_budget_does_not_grow_like_one_over_one_plus_w() -> None:
    # within p² < 1e-6 of −1/e the budget is a few ulps of |W|, although κ_z = |W|/|1+W| ~ 1/p is large there
    for p in (1e-7, 1e-5, 1e-3 * 0.99):
        with mpmath.workdps(60):
            z = (mpmath.mpf(p) ** 2 / 2 - 1) / mpmath.e
            w = mpmath.lambertw(z, -1).real
        assert lemma2_check._algorithm_budget(w, z) <= 4 * EPS * (abs(float(w)) + 1 + p)
    # outside it, it follows the relative-z conditioning |W|/|1+W|
    with mpmath.workdps(60):
        z = (mpmath.mpf("0.01") ** 2 / 2 - 1) / mpmath.e
        w = mpmath.lambertw(z, 0).real
    assert lemma2_check._algorithm_budget(w, z) > 4 * EPS * 90


@pytest.mark.parametrize("k", [2, 3, 4])
def test_flipped_series_coefficient_is_caught_by_the_lambert_check(k: int, monkeypatch: pytest.MonkeyPatch) -> None:
    series = list(lambert._SERIES)
    series[k] = -series[k]
    monkeypatch.setattr(lambert, "_SERIES", tuple(series))
    assert lemma2_check._check_lambert()[0]


@pytest.mark.parametrize("k", [5, 6])
def test_flipped_high_order_coefficient_is_caught_by_the_series_check(k: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # c_5, c_6 move a double result by < ½ ulp (equivalent at float precision); the series itself is checked at p = 0.05
    series = list(lambert._SERIES)
    series[k] = -series[k]
    monkeypatch.setattr(lambert, "_SERIES", tuple(series))
    assert lemma2_check._check_series()[0]


@pytest.mark.parametrize("radius", [1e-2, 1e-3, 1e-9])
def test_series_radius_changed_is_caught(radius: float, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lambert, "_SERIES_P2", radius)
    assert lemma2_check._check_lambert()[0]


def test_conditioning_check_covers_the_ends_of_the_float_range() -> None:
    failures, worst_z, worst_w = lemma2_check._check_conditioning(list(lemma2_check._EXTREME_POINTS))
    assert not failures and worst_z <= 1 and worst_w <= 1
    assert any(min(p[:3]) >= 1e160 for p in lemma2_check._EXTREME_POINTS)
    assert any(p[4] == float(np.finfo(float).tiny) for p in lemma2_check._EXTREME_POINTS)


def test_da_runs_cover_the_slow_edges() -> None:
    edges = lemma2_check._edge_runs(1)
    regime = lemma2_check.closed_form.descent_ascent_regime(*edges)
    z = np.asarray(lemma2_check.closed_form.descent_ascent_argument(*edges))
    assert set(np.unique(regime)) == {2, 3}
    assert np.min(np.abs(z * math.e + 1)[regime == 2]) < 1e-4  # within 1e-4 of the branch point
