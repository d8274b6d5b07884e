"""Lemma 5 (theory.distance_unlearning): for α ≥ |F|/|R|, |w^R − w^DA| ≥ W_0(|R_j|/(λ|R|)); sharp at α = |F|/|R|."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import assume, event, example, given, settings
from hypothesis import strategies as st

from ascent_fails.proofs_check.checks import distance_unlearning as lemma5_check
from tests.strategies import regime_2_axes, ridges, set_sizes
from ascent_fails.theory import closed_form, closed_form_mp, distance_unlearning, rounding

EPS = float(np.finfo(float).eps)


def _admissible_alpha(n_retain: float, n_forget: float, factor: float) -> float:
    """(|F|/|R|)·factor, factor ≥ 1, stepped up by ulps until α|R| ≥ |F| exactly."""
    alpha = n_forget / n_retain * factor
    while not distance_unlearning.admissible(n_retain, n_forget, alpha):
        alpha = float(np.nextafter(alpha, math.inf))
    return alpha


@st.composite
def lemma5_data(draw, factor=st.one_of(st.just(1.0), st.floats(1.0, 1e3))):
    n_retain, n_forget, ridge = float(draw(set_sizes)), float(draw(set_sizes)), draw(ridges)
    alpha = _admissible_alpha(n_retain, n_forget, draw(factor))
    cap = min(n_retain, n_forget / alpha)
    n_retain_axis = max(min(1.0, cap), math.floor(draw(st.floats(0, 1)) * cap))
    return n_retain, n_forget, n_retain_axis, alpha, ridge


@given(lemma5_data())
@example((800.0, 200.0, 50.0, 0.25, 1e-12))  # α = |F|/|R| exactly: the bound is attained
@example((900.0, 100.0, 50.0, float(np.nextafter(1 / 9, 1)), 1e-12))  # one ulp above |F|/|R|, huge arguments
def test_bound_holds_for_the_local_minimum(args) -> None:
    assert distance_unlearning.admissible(args[0], args[1], args[3])
    assert distance_unlearning.holds(*args)


@given(regime_2_axes())
def test_bound_holds_for_the_local_maximum_in_regime_2(args) -> None:
    """Regime 2 by construction (|F|/|R| < α < α_3, tests.strategies.regime_2_axes), so α is admissible."""
    assert closed_form.descent_ascent_regime(*args) == 2
    assert distance_unlearning.admissible(args[0], args[1], args[3])
    assert distance_unlearning.holds(*args, branch=-1)


@settings(max_examples=60)  # closed forms at 50 digits per example
@given(lemma5_data())
def test_bound_holds_at_high_precision(args) -> None:
    p = closed_form_mp.stationary_points_mp(*args, dps=50)
    event(f"regime {p.regime}")
    # the local minimum (−inf in regime 3: DA diverges, infinitely far) and, in regime 2 only, the maximum
    assert (p.descent_ascent_maximum is not None) == (p.regime == 2)
    points = [p.descent_ascent] + ([p.descent_ascent_maximum] if p.regime == 2 else [])
    with mpmath.workdps(50):
        assert all(w <= 0 for w in points)
        assert all(abs(p.oracle - w) >= p.oracle for w in points)


def test_divergence_counts_as_infinitely_far() -> None:
    args = (800.0, 200.0, 50.0, 0.5, 1e-6)
    assert closed_form.descent_ascent_regime(*args) == 3
    assert distance_unlearning.distance(*args) == math.inf
    assert distance_unlearning.bound_margin(*args) == math.inf
    assert distance_unlearning.holds(*args)


@given(set_sizes, set_sizes, set_sizes, ridges)
def test_just_below_the_range_the_bound_fails(n_retain, n_forget, n_axis, ridge) -> None:
    """Negative control: at α = (1 − 1e-6)|F|/|R|, w^DA > 0 and |w^R − w^DA| < w^R (the range is sharp)."""
    r, f = float(n_retain), float(n_forget)
    alpha = f / r * (1 - 1e-6)
    w_da = closed_form.descent_ascent_weight(r, f, n_axis, alpha, ridge)
    # caught whenever w^DA exceeds the rounding slack; w^DA ≈ z_DA = 1e-6·|R_j|/(λ|R|) for small arguments
    assume(w_da > 1e3 * rounding.rounding_slack(closed_form.oracle_weight(r, n_axis, ridge)))
    assert not distance_unlearning.holds(r, f, n_axis, alpha, ridge)


@given(set_sizes, st.sampled_from([1 / 64, 1 / 8, 3 / 16, 1 / 2, 1.0, 4.0]), st.floats(0, 1), ridges)
def test_inflated_bound_fails_where_it_is_attained(n_retain, ratio, fraction, ridge) -> None:
    """Negative control: at α = |F|/|R| (here exact: |F| = q|R|, q dyadic) w^DA = 0, the bound is attained and
    1.1 × the bound fails."""
    r = float(n_retain)
    f = r * ratio
    rj = max(1.0, math.floor(fraction * min(r, f / ratio)))
    assert Fraction(ratio) * Fraction(r) == Fraction(f)
    assert distance_unlearning.holds(r, f, rj, ratio, ridge)
    assert not distance_unlearning.holds(r, f, rj, ratio, ridge, bound_factor=1.1)


def test_admissible_is_exact() -> None:
    assert not distance_unlearning.admissible(900, 100, 1 / 9)  # fl(1/9) < 1/9
    assert distance_unlearning.admissible(900, 100, float(np.nextafter(1 / 9, 1)))
    assert distance_unlearning.admissible(800, 200, 0.25)
    assert distance_unlearning.admissible([800, 900], 200, [0.25, 0.2]).tolist() == [True, False]


def test_proof_steps_hold() -> None:
    steps = distance_unlearning.proof_steps()
    assert [s.name for s in steps] == ["z_da_nonpositive", "w_nonpositive", "distance_bound"]
    assert all(s.passed for s in steps), steps


def test_check_module_evidence_and_mutation(monkeypatch: pytest.MonkeyPatch) -> None:
    assert lemma5_check.property_sweep().passed
    control = lemma5_check.negative_control()
    assert control.passed and control.data["caught_below"] > 0 and control.data["caught_inflated"] > 0
    original = closed_form.descent_ascent_argument
    monkeypatch.setattr(closed_form, "descent_ascent_argument", lambda *args: -original(*args))  # sign of z_DA flipped
    assert not lemma5_check.property_sweep().passed


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: distance_unlearning.admissible(900, 0, 0.2), "n_forget"),
        (lambda: distance_unlearning.distance(900, 100, 50, 0.2, float("nan")), "ridge"),
        (lambda: distance_unlearning.distance(900, 100, 50, 0.05, 0.1, branch=-1), "regime 2"),
        (lambda: distance_unlearning.distance_bound(900, 0, 0.1), "n_retain_axis"),
        (lambda: distance_unlearning.holds(900, 100, 50, 0.2, 0.1, bound_factor=-1), "bound_factor"),
        (lambda: distance_unlearning.holds(900, 100, 50, 0.2, 0.1, branch=2), "branch"),
        (lambda: distance_unlearning.distance_mp(900, 100, 50, 0.05, 0.1, branch=-1), "regime 2"),
        (lambda: distance_unlearning.distance_mp(-900, 100, 50, 0.2, 0.1), "n_retain"),
    ],
)
def test_bad_input_is_rejected(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
