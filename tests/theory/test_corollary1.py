"""Corollary 1 (theory.corollary1): at α = |F|/|R| and λ → 0, |w^D − w^R| → 0 and
|w^R − w^DA| ~ ln(1/λ) − ln ln(1/λ)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascent_fails.proofs_check.checks import corollary1 as corollary1_check
from tests.strategies import set_sizes
from ascent_fails.theory import closed_form, corollary1, rounding

EPS = float(np.finfo(float).eps)
RIDGES = np.logspace(-0.5, -300, 600)  # 300 decades

#: (|R|, |F|, |R_j|) with |F|/|R| exact in binary
dyadic_data = st.tuples(set_sizes, st.sampled_from([1 / 2, 1 / 4, 3 / 8, 1.0, 2.0, 1 / 1024]), st.floats(0, 1)).map(
    lambda t: (float(t[0]), float(t[0]) * t[1], max(1.0, math.floor(t[2] * t[0])))
)


@given(dyadic_data)
def test_sweep_over_300_decades_satisfies_the_corollary(data) -> None:
    sweep = corollary1.ridge_sweep(*data, RIDGES)
    assert np.all(sweep.gap_vanishes())
    assert sweep.gap_grows()
    assert np.all(sweep.remainder_within_bounds())
    assert sweep.holds()


@given(dyadic_data)
def test_gap_minus_rate_tends_to_log_of_axis_share(data) -> None:
    """|w^R − w^DA| − [ln(1/λ) − ln ln(1/λ)] → ln(|R_j|/|R|): at λ = 1e-300 within the remainder bound."""
    r, f, rj = data
    _, gap = corollary1.gaps(r, f, rj, 1e-300)
    x = rj / (1e-300 * r)
    offset = gap - corollary1.growth_rate(1e-300)
    # ln x − ln ln x − rate = ln c − ln(ln x / ln(1/λ)); the remaining W-remainder is ≤ e/(e−1)·ln ln x/ln x
    expected = math.log(rj / r) - math.log(math.log(x) / math.log(1e300))
    assert 0 <= offset - expected <= math.e / (math.e - 1) * math.log(math.log(x)) / math.log(x) + 1e-12
    assert gap / corollary1.growth_rate(1e-300) == pytest.approx(1, abs=0.03)


def test_gaps_at_high_precision_match_the_float_path() -> None:
    for ridge in ("1e-1", "1e-10", "1e-100", "1e-300"):
        gap_d, gap_da = corollary1.gaps_mp(800, 200, 50, ridge, dps=50)
        f_d, f_da = corollary1.gaps(800, 200, 50, float(ridge))
        assert gap_d < mpmath.mpf(10) ** -45 and f_d <= rounding.FLOAT_SLACK * f_da
        assert f_da == pytest.approx(float(gap_da), rel=4 * EPS)
        with mpmath.workdps(50):  # |w^R − w^DA| = w^R = W_0(c/λ): check W e^W = c/λ directly
            x = mpmath.mpf(50) / (800 * mpmath.mpf(ridge))
            assert abs(gap_da * mpmath.exp(gap_da) / x - 1) < mpmath.mpf(10) ** -45


def test_hoorfar_hassani_bounds_hold_at_high_precision() -> None:
    """The bounds used by the sweep, checked at 40 digits for x from e to 1e300 (independent of float W)."""
    with mpmath.workdps(40):
        for k in np.linspace(0.5, 690, 300):
            x = mpmath.e * mpmath.exp(k)
            w = mpmath.lambertw(x).real
            low, high = corollary1.lambert_remainder_bounds(float(x))
            rem = w - (mpmath.log(x) - mpmath.log(mpmath.log(x)))
            assert low - 1e-14 <= rem <= high + 1e-14


def test_perturbed_ratio_is_caught() -> None:
    """Negative control: α 1% above |F|/|R| — the first gap tends to |ln((1+α)|R|/|D|)| ≠ 0 and DA diverges."""
    sweep = corollary1.ridge_sweep(800, 200, 50, RIDGES, forget_ratio_axis=0.25 * 1.01)
    assert not np.all(sweep.gap_vanishes()) and not sweep.gap_grows() and not sweep.holds()
    below = corollary1.ridge_sweep(800, 200, 50, RIDGES, forget_ratio_axis=0.25 * 0.99)
    assert not np.all(below.gap_vanishes()) and not below.holds()


def test_naive_rate_without_log_log_is_caught() -> None:
    """Negative control: ln(1/λ) alone misses by ln ln(1/λ), which leaves the remainder bounds."""
    sweep = corollary1.ridge_sweep(800, 200, 50, RIDGES)
    x = np.asarray(closed_form.oracle_argument(800, 50, RIDGES))
    valid = ~np.isnan(sweep.remainder)
    naive = sweep.oracle_da_gap[valid] - np.log(x[valid])
    assert np.any(naive < sweep.remainder_low[valid])


def test_proof_steps_hold() -> None:
    steps = corollary1.proof_steps()
    assert [s.name for s in steps] == ["balanced_axis", "lower_bound", "upper_bound", "growth_rate"]
    assert all(s.passed for s in steps), steps


def test_check_module_evidence() -> None:
    assert corollary1_check.property_sweep().passed
    control = corollary1_check.negative_control()
    assert control.passed and control.data["caught_perturbed_ratio"] > 0 and control.data["caught_naive_rate"] > 0


def test_check_goes_red_under_a_wrong_formula(monkeypatch: pytest.MonkeyPatch) -> None:
    original = closed_form.pretrained_argument
    monkeypatch.setattr(  # (1+α) dropped from z_D: w^D no longer equals w^R at α = |F|/|R|
        closed_form, "pretrained_argument", lambda r, f, rj, a, lam: original(r, f, rj, a, lam) / (1 + a)
    )
    assert not corollary1_check.property_sweep().passed


def test_sweep_rejects_increasing_ridges() -> None:
    with pytest.raises(ValueError, match="decreasing"):
        corollary1.ridge_sweep(800, 200, 50, np.logspace(-300, -1, 10))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: corollary1.balanced_ratio(900, 100), "not exact"),
        (lambda: corollary1.gaps(800, 200, 50, 0.0), "ridge"),
        (lambda: corollary1.gaps(800, 0, 50, 0.1), "n_forget"),
        (lambda: corollary1.gaps_mp(800, 200, -50, 0.1), "n_retain_axis"),
        (lambda: corollary1.growth_rate(1.5), "ridge"),
        (lambda: corollary1.growth_rate(float("nan")), "ridge"),
        (lambda: corollary1.lambert_remainder_bounds(2.0), "argument"),
    ],
)
def test_bad_input_is_rejected(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
