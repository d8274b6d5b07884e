"""Lemma 1's functions over the whole size and precision range: right, or refused at once (never a hang).

Before the size limits, ``binomial_tail_exact(10**7, …)`` summed 10⁷ + 1 products of multi-megabit integers (hours)
and ``binomial_tail_mp(dps=10**6)`` converted at a million digits; each call below runs under a SIGALRM deadline,
so a regression fails the test instead of hanging it.
"""

import contextlib
import math
import signal
import time
from fractions import Fraction

import mpmath
import pytest
from scipy.special import erfc

from ascent_fails.theory import random_sets


@contextlib.contextmanager
def deadline(seconds: float):
    """Raise TimeoutError in the test if the body runs longer than ``seconds`` (SIGALRM, main thread)."""

    def _expired(signum, frame):
        raise TimeoutError(f"call did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("m", [10**7, 10**12, random_sets.EXACT_MAX_FORGET_SIZE + 1])
def test_exact_tail_refuses_large_forget_sets_at_once(m):
    with deadline(2.0), pytest.raises(ValueError, match=rf"forget_size={m}.*{random_sets.EXACT_MAX_FORGET_SIZE}"):
        random_sets.binomial_tail_exact(m, "1/2", "1/10")


def test_exact_tail_refuses_large_denominators():
    # Fraction(0.3) has a 55-bit denominator: 2,400 · 55 bits > 2**17
    p = Fraction(0.3)
    assert 2400 * p.denominator.bit_length() > random_sets.EXACT_MAX_BITS
    with deadline(2.0), pytest.raises(ValueError, match=rf"forget_size=2400.*{random_sets.EXACT_MAX_BITS}"):
        random_sets.binomial_tail_exact(2400, p, "1/100")
    with deadline(2.0), pytest.raises(ValueError, match="forget_size"):
        random_sets.binomial_tail_exact(200, Fraction(1e-300), "1/100")  # 1,050-bit denominator


@pytest.mark.parametrize(
    "m, p, t",
    [
        (random_sets.EXACT_MAX_FORGET_SIZE, "11/32", "1/200"),  # the slowest admissible case (6-bit denominator)
        (2383, Fraction(0.3), "1/1000"),  # just inside the bit limit with a float's 55-bit denominator
        (124, Fraction(1e-300), "1/1000"),  # a subnormal-scale accuracy
    ],
)
def test_exact_tail_at_the_limits_is_fast_and_matches_scipy(m, p, t):
    with deadline(10.0):
        start = time.perf_counter()
        exact = random_sets.binomial_tail_exact(m, p, t)
        elapsed = time.perf_counter() - start
    assert elapsed < 5.0
    assert 0 <= exact <= 1
    # SciPy's double-precision tail is an independent route (regularised incomplete beta)
    assert float(exact) == pytest.approx(random_sets.binomial_tail(m, float(Fraction(p)), float(Fraction(t))), abs=1e-11)


def test_exact_tail_recurrence_against_direct_sum():
    # the term recurrence against the textbook sum C(m,k) p^k q^(m−k) in exact rationals
    for m, p, t in [(1, "1/2", "1/2"), (7, "3/10", "1/10"), (30, "2/3", "1/6"), (13, "0", "1/13"), (9, "1", "1/9")]:
        p, t = Fraction(p), Fraction(t)
        direct = sum(math.comb(m, k) * p**k * (1 - p) ** (m - k) for k in range(m + 1) if abs(Fraction(k, m) - p) >= t)
        assert random_sets.binomial_tail_exact(m, p, t) == direct


@pytest.mark.parametrize("dps", [0, 1, 14, random_sets.DPS_MAX + 1, 10**6, 2.5, True])
def test_mp_tail_validates_dps(dps):
    with deadline(2.0), pytest.raises(ValueError, match="dps"):
        random_sets.binomial_tail_mp(10, "1/2", "1/10", dps=dps)


@pytest.mark.parametrize("dps", [random_sets.DPS_MIN, 50, random_sets.DPS_MAX])
def test_mp_tail_at_the_dps_limits(dps):
    with deadline(5.0):
        value = random_sets.binomial_tail_mp(1000, "3/10", "1/20", dps=dps)
    exact = random_sets.binomial_tail_exact(1000, "3/10", "1/20")
    with mpmath.workdps(dps + 5):
        assert abs(value - mpmath.mpf(exact.numerator) / exact.denominator) <= mpmath.mpf(10) ** (1 - dps)


def test_mp_tail_refuses_large_sizes_at_once():
    with deadline(2.0), pytest.raises(ValueError, match="forget_size"):
        random_sets.binomial_tail_mp(10**7, "1/2", "1/10")


def test_float_tail_at_its_size_limit_matches_the_normal_limit():
    # m = 10^15: the binomial is normal to ≈ 1/√m; 2Φ̄(u) with u = t√m/√(p(1 − p)) is an independent reference
    m, p = random_sets.FLOAT_TAIL_MAX_FORGET_SIZE, 0.3
    for u in (0.5, 2.0, 4.0):
        t = u * math.sqrt(p * (1 - p) / m)
        assert random_sets.binomial_tail(m, p, t) == pytest.approx(erfc(u / math.sqrt(2)), rel=1e-5)
    with pytest.raises(ValueError, match=r"forget_size=1000000000000001"):
        random_sets.binomial_tail(m + 1, p, 0.1)


def test_float_tail_slack_stays_below_one_lattice_step():
    # m = 10^12, p = 1/2, t = 3/m: the event |X − m/2| ≥ 3 leaves out the 5 lattice points within distance 2.
    # A relative slack of 1e-9 (a thousand lattice steps here) would count them and return 1.0.
    m = 10**12
    tail = random_sets.binomial_tail(m, 0.5, 3 / m)
    pmf_at_mode = math.sqrt(2 / (math.pi * m))  # Stirling; the 5 central probabilities agree to ~1e-11 relative
    assert tail == pytest.approx(1 - 5 * pmf_at_mode, abs=1e-10)


@pytest.mark.parametrize("m", [10**15, 10**100, 10**300], ids=["1e15", "1e100", "1e300"])
def test_closed_forms_up_to_1e300(m):
    delta = 1e-300
    t = random_sets.tolerance(m, delta)
    assert t > 0 and math.isfinite(t)
    assert random_sets.hoeffding_bound(m, t) == pytest.approx(delta, rel=1e-9)
    assert random_sets.gap_p_value(m, t) == pytest.approx(delta, rel=1e-9)
    assert random_sets.hoeffding_bound(m, 0.5) == 0.0  # exp(−m/2) underflows to 0, which is its correct rounding
    assert random_sets.gap_p_value(m, 0.0) == 1.0


@pytest.mark.parametrize("m", [10**300 + 1, 10**400, 10**5000], ids=["1e300+1", "1e400", "1e5000"])
@pytest.mark.parametrize(
    "call",
    [
        lambda m: random_sets.hoeffding_bound(m, 0.1),
        lambda m: random_sets.gap_p_value(m, 0.1),
        lambda m: random_sets.tolerance(m, 0.1),
        lambda m: random_sets.binomial_tail(m, 0.5, 0.1),
        lambda m: random_sets.binomial_tail_exact(m, "1/2", "1/10"),
    ],
)
def test_sizes_beyond_the_range_are_refused(m, call):
    with deadline(2.0), pytest.raises(ValueError, match="forget_size"):
        call(m)
