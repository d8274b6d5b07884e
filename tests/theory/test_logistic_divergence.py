"""Lemma 3 (theory.logistic_divergence): w^DA ≤ w^D ≤ w^R on |F|²/(|R|(|F|+|D|)) ≤ α ≤ |F|/|R|, nowhere wider."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ascent_fails.proofs_check.checks import logistic_divergence as lemma3_check
from tests.strategies import ridges, set_sizes
from ascent_fails.theory import axis_parameters, closed_form, closed_form_mp, lambert, logistic_divergence, rounding

EPS = float(np.finfo(float).eps)


@st.composite
def lemma3_data(draw, position=st.floats(0, 1)):
    """Consistent data (|R_j| ≤ |R|, α|R_j| ≤ |F|) with α = α_low + u(α_high − α_low)."""
    n_retain, n_forget, ridge = float(draw(set_sizes)), float(draw(set_sizes)), draw(ridges)
    low, high = logistic_divergence.admissible_range(n_retain, n_forget)
    alpha = low + draw(position) * (high - low)
    cap = min(n_retain, n_forget / alpha)  # α ≤ |F|/|R| so cap ≥ 1 ... up to rounding
    n_retain_axis = max(1.0, math.floor(draw(st.floats(0, 1)) * cap))
    return n_retain, n_forget, n_retain_axis, alpha, ridge


def _exactly_in_range(n_retain: float, n_forget: float, alpha: float) -> bool:
    r, f, a = Fraction(n_retain), Fraction(n_forget), Fraction(alpha)
    return a * r * (2 * f + r) >= f * f and a * r <= f


@given(lemma3_data())
@example((900.0, 100.0, 50.0, 100.0 / 900.0, 1e-12))  # upper end, huge arguments
@example((900.0, 100.0, 50.0, 100.0**2 / (900.0 * 1100.0), 1e3))  # lower end
@example((1.0, 1.0, 1.0, 1.0, 1.0))  # one-axis data set: α = |F|/|R|
def test_ordering_holds_inside_the_range(args) -> None:
    assert logistic_divergence.holds(*args)
    # the product form (w^DA − w^D)(w^D − w^R) ≥ 0, up to one factor's rounding times the other factor
    w_da, w_d = closed_form.descent_ascent_weight(*args), closed_form.pretrained_weight(*args)
    w_r = closed_form.oracle_weight(args[0], args[2], args[4])
    first, second = w_da - w_d, w_d - w_r
    assert first * second >= -rounding.rounding_slack(w_da, w_d, w_r) * (abs(first) + abs(second))


@settings(max_examples=60)  # each example evaluates three closed forms at 50 digits (≈ 5 ms)
@given(lemma3_data())
def test_ordering_holds_at_high_precision(args) -> None:
    r, f, rj, alpha, lam = args
    if not _exactly_in_range(r, f, alpha):  # an end of the range can round outside it: step one ulp inside
        alpha = float(np.nextafter(alpha, sum(logistic_divergence.admissible_range(r, f)) / 2))
    margin = logistic_divergence.ordering_margin_mp(r, f, rj, alpha, lam, dps=50)
    p = closed_form_mp.stationary_points_mp(r, f, rj, alpha, lam, dps=50)
    assert margin >= -rounding.rounding_slack(p.pretrained, p.oracle, dps=50)


@pytest.mark.parametrize("end", ["upper", "lower"])
@given(lemma3_data())
def test_just_outside_either_end_the_ordering_fails(end: str, args) -> None:
    """Negative control: the range is sharp; 0.1% beyond an end the conclusion fails (for every data set)."""
    r, f, rj, _, lam = args
    low, high = logistic_divergence.admissible_range(r, f)
    alpha = high * (1 + 1e-3) if end == "upper" else low * (1 - 1e-3)
    assert not logistic_divergence.holds(r, f, rj, alpha, lam)


@given(lemma3_data(position=st.just(0.0)))
def test_below_the_range_da_approaches_the_oracle_without_overshooting(args) -> None:
    """What the lemma is silent about: for α < α_low, w^D ≤ w^DA ≤ w^R (DA helps, no overshoot)."""
    r, f, rj, low, lam = args
    for alpha in (low * 0.5, low * 0.9):
        w_da = closed_form.descent_ascent_weight(r, f, rj, alpha, lam)
        w_d = closed_form.pretrained_weight(r, f, rj, alpha, lam)
        w_r = closed_form.oracle_weight(r, rj, lam)
        slack = rounding.rounding_slack(w_da, w_d, w_r)
        assert w_d <= w_da + slack and w_da <= w_r + slack


@given(set_sizes, set_sizes, set_sizes, ridges, st.floats(1.0 + 1e-6, 1e3))
def test_above_the_range_the_product_is_nonpositive(n_retain, n_forget, n_axis, ridge, factor) -> None:
    r, f = float(n_retain), float(n_forget)
    alpha = f / r * factor
    w_da = closed_form.descent_ascent_weight(r, f, n_axis, alpha, ridge)
    w_d = closed_form.pretrained_weight(r, f, n_axis, alpha, ridge)
    w_r = closed_form.oracle_weight(r, n_axis, ridge)
    assert w_d >= w_r - rounding.rounding_slack(w_d, w_r)  # the over-represented axis: pretraining overshoots
    assert w_da <= w_d


def test_one_axis_data_set_pretrained_equals_oracle_and_da_is_zero() -> None:
    for r, f, lam in [(800.0, 200.0, 1e-6), (1.0, 1.0, 1.0), (4096.0, 1.0, 1e-12)]:
        p = closed_form.stationary_points(r, f, r, f / r, lam)  # all samples on one axis: |R_j| = |R|, α = |F|/|R|
        assert p.pretrained == pytest.approx(p.oracle, rel=4 * EPS)
        assert p.pretrained == pytest.approx(lambert.lambert_w(1 / lam), rel=4 * EPS)
        assert p.descent_ascent == 0.0


@given(set_sizes, set_sizes)
def test_admissible_range_is_nonempty_and_matches_the_equivalences(n_retain, n_forget) -> None:
    low, high = logistic_divergence.admissible_range(n_retain, n_forget)
    r, f = Fraction(n_retain), Fraction(n_forget)
    assert 0 < low <= high
    assert math.isclose(low, float(f * f / (r * (f + r + f))), rel_tol=4 * EPS)
    # upper end ⇔ (1+α)/|D| ≤ 1/|R|; lower end ⇔ (1 − α|R|/|F|)/|R| ≤ (1+α)/|D|, in exact arithmetic at the ends
    a_hi, a_lo = f / r, f * f / (r * (2 * f + r))
    assert (1 + a_hi) / (r + f) == 1 / r
    assert (1 - a_lo * r / f) / r == (1 + a_lo) / (r + f)


def test_proof_steps_hold() -> None:
    steps = logistic_divergence.proof_steps()
    assert [s.name for s in steps] == ["upper_end", "lower_end", "w0_increasing"]
    assert all(s.passed for s in steps), steps


def test_vectorised_predicate_matches_scalar_calls() -> None:
    sample = axis_parameters.sample_axes(11, 200, lambda rng, r, f: f / r * rng.uniform(0, 1.5, r.shape))
    vector = logistic_divergence.holds(*sample.args())
    scalar = [logistic_divergence.holds(*(float(v[i]) for v in sample.args())) for i in range(200)]
    assert vector.tolist() == scalar


def test_check_module_passes_and_goes_red_under_a_wrong_formula(monkeypatch: pytest.MonkeyPatch) -> None:
    """The verify evidence is live: w^D with the local normaliser |R| instead of |D| breaks the property sweep."""
    assert lemma3_check.property_sweep().passed
    original = closed_form.pretrained_argument
    monkeypatch.setattr(
        closed_form, "pretrained_weight",
        lambda r, f, rj, a, lam: lambert.lambert_w(original(r, f, rj, a, lam) * (r + f) / r),
    )
    assert not lemma3_check.property_sweep().passed


def test_negative_control_evidence_catches_both_ends() -> None:
    evidence = lemma3_check.negative_control()
    assert evidence.passed and evidence.data["caught_above"] > 0 and evidence.data["caught_below"] > 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: logistic_divergence.admissible_range(0, 10), "n_retain"),
        (lambda: logistic_divergence.admissible_range(10, float("nan")), "n_forget"),
        (lambda: logistic_divergence.holds(900, 100, 50, 0.05, -1.0), "ridge"),
        (lambda: logistic_divergence.holds(900, 100, 0, 0.05, 1.0), "n_retain_axis"),
        (lambda: logistic_divergence.ordering_margin(900, 100, 50, -0.05, 1.0), "forget_ratio_axis"),
        (lambda: logistic_divergence.ordering_margin_mp(900, 100, 50, 0.05, 1.0, dps=3), "dps"),
        (lambda: logistic_divergence.ordering_margin_mp(900, 100, 50, 0.05, float("inf")), "ridge"),
    ],
)
def test_bad_input_is_rejected(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_mp_margin_is_zero_at_the_exact_lower_end() -> None:
    with mpmath.workdps(50):
        r, f = mpmath.mpf(900), mpmath.mpf(100)
        low = f * f / (r * (2 * f + r))
    margin = logistic_divergence.ordering_margin_mp(900, 100, 50, low, 0.01, dps=50)
    assert abs(margin) < mpmath.mpf(10) ** -45
