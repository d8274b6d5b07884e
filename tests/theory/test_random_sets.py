"""Lemma 1 (random forget sets): the Hoeffding bound, the exact binomial tail, the detector and t(m, δ)."""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, target
from hypothesis import strategies as st

from tests.strategies import small_set_sizes
from ascent_fails.theory import random_sets

#: Acc_T = p ∈ [0, 1] and t ∈ (0, 1]
accuracies = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
tolerances = st.floats(min_value=1e-6, max_value=1.0, allow_nan=False)
#: rationals i/n with small n, so that m(p ± t) often lands exactly on an integer (the lattice case of ≥)
denominators = st.integers(min_value=1, max_value=12)


@st.composite
def rational_in(draw, low_inclusive: bool):
    n = draw(denominators)
    i = draw(st.integers(min_value=0 if low_inclusive else 1, max_value=n))
    return Fraction(i, n)


def _tail_by_enumeration(m: int, p: float, t: float) -> float:
    """Slow reference: sum the binomial pmf over every k with |k/m − p| ≥ t (mpmath, 40 digits)."""
    with mpmath.workdps(40):
        pm, tm = mpmath.mpf(p), mpmath.mpf(t)
        total = mpmath.mpf(0)
        for k in range(m + 1):
            # the same boundary convention as binomial_tail: within LATTICE_RTOL of the boundary counts as ≥
            if abs(mpmath.mpf(k) / m - pm) >= tm - random_sets.LATTICE_RTOL:
                total += mpmath.binomial(m, k) * pm**k * (1 - pm) ** (m - k)
        return float(total)


@given(small_set_sizes, accuracies, tolerances)
@example(1, 0.5, 0.5)  # both outcomes exactly at distance t: the tightest point of the bound found by the checks
@example(2, 0.5, 0.5)
@example(10, 0.3, 0.1)  # m(p ± t) ∈ {2, 4} in decimal but not in binary floating point
@example(1000, 1.0, 1.0)
def test_binomial_tail_never_exceeds_hoeffding(m, p, t):
    tail = random_sets.binomial_tail(m, p, t)
    bound = random_sets.hoeffding_bound(m, t)
    if bound > 0:  # 2exp(−2mt²) underflows to 0 for large m t²; then the tail must be 0 too
        target(tail / bound, label="tail / bound")
    assert 0.0 <= tail <= bound * (1 + 1e-12)


@given(st.integers(min_value=1, max_value=60), rational_in(True), rational_in(False))
@example(10, Fraction(3, 10), Fraction(1, 10))
@example(1, Fraction(1, 2), Fraction(1, 2))
def test_exact_tail_below_bound_and_float_path_agrees(m, p, t):
    exact = random_sets.binomial_tail_exact(m, p, t)
    assert 0 <= exact <= 1
    with mpmath.workdps(50):
        bound = 2 * mpmath.exp(-2 * m * mpmath.mpf(t.numerator) ** 2 / t.denominator**2)
        assert mpmath.mpf(exact.numerator) / exact.denominator <= bound
    assert abs(random_sets.binomial_tail(m, float(p), float(t)) - float(exact)) < 1e-12


@given(st.integers(min_value=1, max_value=40), accuracies, tolerances)
def test_float_tail_matches_enumeration(m, p, t):
    assert random_sets.binomial_tail(m, p, t) == pytest.approx(_tail_by_enumeration(m, p, t), rel=1e-9, abs=1e-13)


def test_exact_tail_by_hand():
    # m = 2, p = 1/2: X ∈ {0, 1, 2} with probabilities 1/4, 1/2, 1/4; distances 1/2, 0, 1/2
    assert random_sets.binomial_tail_exact(2, "1/2", "1/2") == Fraction(1, 2)
    assert random_sets.binomial_tail_exact(2, "1/2", "1/4") == Fraction(1, 2)
    assert random_sets.binomial_tail_exact(2, "1/2", "3/4") == 0
    # p = 0: X = 0 surely, at distance 0 < t
    assert random_sets.binomial_tail_exact(5, 0, "1/5") == 0


@given(small_set_sizes, st.floats(min_value=1e-12, max_value=1.0))
def test_tolerance_inverts_the_bound(m, delta):
    t = random_sets.tolerance(m, delta)
    if t <= 1:
        assert random_sets.hoeffding_bound(m, t) == pytest.approx(delta, rel=1e-9)
    assert t == pytest.approx(math.sqrt(math.log(2 / delta) / (2 * m)))


@given(small_set_sizes, st.floats(min_value=0.0, max_value=1.0))
def test_p_value_is_the_capped_bound(m, gap):
    p = random_sets.gap_p_value(m, gap)
    assert 0 <= p <= 1  # 0 only where 2exp(−2m gap²) underflows
    if gap > 0:
        assert p == pytest.approx(min(1.0, random_sets.hoeffding_bound(m, gap)))


@given(small_set_sizes, st.floats(min_value=1e-3, max_value=1.0), st.floats(min_value=-5, max_value=5),
       st.floats(min_value=0.1, max_value=10))
@example(10, 1.0, -5.0, 0.1)  # low + width − low rounds below width: t·width must still be admissible
def test_rescaled_bound(m, t, low, width):
    high = low + width
    width = high - low  # the width the function sees after rounding low + width
    scaled = random_sets.hoeffding_bound(m, t * width, metric_range=(low, high))
    assert scaled == pytest.approx(random_sets.hoeffding_bound(m, t), rel=1e-9)


def test_vectorised_matches_scalar():
    p = np.linspace(0, 1, 11)
    t = np.full(11, 0.2)
    vec = random_sets.binomial_tail(17, p, t)
    assert np.allclose(vec, [random_sets.binomial_tail(17, float(x), 0.2) for x in p], rtol=0, atol=0)


def test_symbolic_exponents():
    exps = random_sets.hoeffding_exponent_symbolic()
    m, t, lo, hi = sp.symbols("m t lo hi", positive=True)
    assert sp.simplify(exps["accuracy"] - 2 * m * t**2) == 0
    assert sp.simplify(exps["rescaled"] - 2 * m * t**2 / (hi - lo) ** 2) == 0


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: random_sets.hoeffding_bound(0, 0.1), "forget_size"),
        (lambda: random_sets.hoeffding_bound(2.5, 0.1), "forget_size"),
        (lambda: random_sets.hoeffding_bound(True, 0.1), "forget_size"),
        (lambda: random_sets.hoeffding_bound(10, 0.0), "tolerance"),
        (lambda: random_sets.hoeffding_bound(10, 1.5), "tolerance"),
        (lambda: random_sets.hoeffding_bound(10, float("nan")), "tolerance"),
        (lambda: random_sets.hoeffding_bound(10, 0.1, metric_range=(1.0, 1.0)), "metric_range"),
        (lambda: random_sets.binomial_tail(10, -0.1, 0.1), "accuracy"),
        (lambda: random_sets.binomial_tail(10, 0.5, 0.0), "tolerance"),
        (lambda: random_sets.binomial_tail_exact(10, "1/2", 0), "tolerance"),
        (lambda: random_sets.binomial_tail_exact(10, "3/2", "1/2"), "accuracy"),
        (lambda: random_sets.binomial_tail_exact(0, "1/2", "1/2"), "forget_size"),
        (lambda: random_sets.gap_p_value(10, 1.5), "gap"),
        (lambda: random_sets.tolerance(10, 0.0), "confidence"),
        (lambda: random_sets.tolerance(10, 1.5), "confidence"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
