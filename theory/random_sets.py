r"""Lemma 1 (Random sets) [paper]: a random forget set looks like the test set to the oracle.

Statement (Lemma 1 of the paper; docs/theory.md#lemma-1). Let the samples be i.i.d. from the test distribution P_T,
let the forget set F be drawn uniformly at random from the training set, and let θ be the oracle (trained on
R = D \ F, hence independent of F). With Acc_T the population accuracy of θ and Acc_F its accuracy on F,

    P(|Acc_T − Acc_F| ≥ t) ≤ 2 exp(−2 |F| t²)            (Hoeffding; t is an accuracy tolerance).

Given θ, |F|·Acc_F is a sum of |F| independent indicators with mean Acc_T, i.e. Bin(|F|, Acc_T), so the
left side is the two-sided binomial tail P(|Bin(m, p)/m − p| ≥ t) with m = |F|, p = Acc_T. The same bound
holds for any per-sample metric with values in [lo, hi] after rescaling: the exponent becomes
2|F|t²/(hi − lo)². Consequence: a perfect unlearner's forget accuracy must look like its test accuracy, so
a gap far beyond :func:`tolerance` flags an unlearner that is *not* oracle-like (:func:`gap_p_value`).

Symbols ↔ parameters: |F| = ``forget_size`` (m), t = ``tolerance``, Acc_T = ``accuracy`` (p),
δ = ``confidence`` (the failure probability of the bound), [lo, hi] = ``metric_range``.

>>> round(hoeffding_bound(100, 0.1), 6)  # 2 e^{-2}
0.270671
>>> float(binomial_tail(100, 0.85, 0.1)) <= hoeffding_bound(100, 0.1)
True
>>> t = tolerance(100, 0.05); abs(hoeffding_bound(100, t) - 0.05) < 1e-15
True

References: W. Hoeffding, "Probability inequalities for sums of bounded random variables", JASA 58 (1963),
Theorem 2.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from scipy.stats import binom

from ascent_fails.validate import require_in_range, require_positive_int

__all__ = [
    "LATTICE_RTOL",
    "FORGET_SIZE_MAX",
    "FLOAT_TAIL_MAX_FORGET_SIZE",
    "EXACT_MAX_FORGET_SIZE",
    "EXACT_MAX_BITS",
    "DPS_MIN",
    "DPS_MAX",
    "hoeffding_bound",
    "binomial_tail",
    "binomial_tail_exact",
    "binomial_tail_mp",
    "gap_p_value",
    "tolerance",
    "hoeffding_exponent_symbolic",
]

#: Relative slack with which a lattice point k/m counts as *on* the boundary |k/m − p| = t. Floats such as
#: p = 0.3, t = 0.1 mean decimal values whose boundary m(p ± t) is an integer that rounding moves by an ulp;
#: counting such points inside the event (≥) can only enlarge the tail, so a check "tail ≤ bound" is
#: conservative. :func:`binomial_tail_exact` avoids the question with exact rationals.
LATTICE_RTOL = 1e-9

#: Largest |F| for which :func:`binomial_tail_exact` (and :func:`binomial_tail_mp`) compute; above it they refuse.
EXACT_MAX_FORGET_SIZE = 20_000
#: Largest bit length m·bitlength(N) of the exact answer's denominator N^m (p = P/N in lowest terms) they accept.
#: With both limits the slowest admissible call (m = 20,000, N = 32) takes about 0.4 s on one core.
EXACT_MAX_BITS = 2**17
#: Largest |F| any function here accepts (the closed forms work in double precision up to it: exp(−2mt²)
#: underflows to 0 and sqrt(ln(2/δ)/(2m)) stays a normal float); larger integers are refused, not overflowed.
FORGET_SIZE_MAX = 10**300
#: Largest |F| for :func:`binomial_tail` (double precision). Above it m(p ± t) carries a rounding error of a
#: sizeable fraction of one lattice step, so whether a boundary point k/m is in the event cannot be decided from
#: double inputs (and SciPy's binomial returns NaN from m ≈ 1e20 on): the function refuses instead.
FLOAT_TAIL_MAX_FORGET_SIZE = 10**15
#: Admissible range of ``dps`` in :func:`binomial_tail_mp` (decimal digits).
DPS_MIN, DPS_MAX = 15, 1000
_DPS_SYMBOL = f"decimal digits of the mpmath result; documented range [{DPS_MIN}, {DPS_MAX}]"


def _show(m: int) -> str:
    """``m`` for an error message: digits, or its binary magnitude for huge integers (str() refuses > 4300 digits)."""
    return str(m) if m.bit_length() <= 64 else f"2^{m.bit_length() - 1}..2^{m.bit_length()}"


def _forget_size(value: Any, maximum: int = FORGET_SIZE_MAX) -> int:
    """|F| as an int in [1, ``maximum``], else ValueError naming ``forget_size`` and the range."""
    m = require_positive_int("forget_size", value, symbol="|F| in Lemma 1")
    if m > maximum:
        raise ValueError(f"forget_size={_show(m)} must be an integer in [1, {maximum:.0e}] (|F| in Lemma 1)")
    return m


def _require_exact_size(m: int, p: Fraction) -> None:
    """Refuse exact tails whose cost (≈ m²·bitlength(N) bit operations) would make a call hang."""
    if m > EXACT_MAX_FORGET_SIZE:
        raise ValueError(
            f"forget_size={_show(m)} exceeds the exact-arithmetic limit forget_size <= {EXACT_MAX_FORGET_SIZE} (|F| in "
            "Lemma 1); use binomial_tail (double precision) for larger forget sets"
        )
    bits = m * p.denominator.bit_length()
    if bits > EXACT_MAX_BITS:
        raise ValueError(
            f"forget_size={m} with accuracy={p} (denominator of {p.denominator.bit_length()} bits) exceeds the "
            f"exact-arithmetic limit forget_size * bitlength(denominator) <= {EXACT_MAX_BITS}; use binomial_tail "
            "(double precision) or a rational accuracy with a smaller denominator"
        )


def _metric_width(metric_range: tuple[float, float]) -> float:
    low, high = (float(v) for v in metric_range)
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        raise ValueError(f"metric_range={metric_range!r} must be finite (lo, hi) with hi > lo ([a, b] of the metric)")
    return high - low


def hoeffding_bound(forget_size: int, tolerance: Any, *, metric_range: tuple[float, float] = (0.0, 1.0)) -> Any:
    """The right side of Lemma 1, 2 exp(−2|F|t²/(hi − lo)²), vectorised over ``tolerance``.

    ``forget_size`` is |F| (an integer in [1, 10³⁰⁰]); ``tolerance`` is t in (0, hi − lo]; ``metric_range`` the range
    [lo, hi] of the per-sample metric ((0, 1) for accuracy). The value may exceed 1 (a vacuous bound).

    >>> hoeffding_bound(10, 0.5, metric_range=(0.0, 2.0)) == hoeffding_bound(10, 0.25)
    True
    """
    m = _forget_size(forget_size)
    width = _metric_width(metric_range)
    t = require_in_range("tolerance", tolerance, 0.0, width, closed=(False, True), symbol="t in Lemma 1")
    value = 2.0 * np.exp(-2.0 * m * (np.asarray(t) / width) ** 2)
    return float(value) if value.ndim == 0 else value


def binomial_tail(forget_size: int, accuracy: Any, tolerance: Any) -> Any:
    """P(|Bin(m, p)/m − p| ≥ t): the left side of Lemma 1 for the oracle, in double precision (SciPy).

    The event is X ≤ m(p − t) or X ≥ m(p + t); boundary lattice points within :data:`LATTICE_RTOL` (relative,
    and less than half a lattice step) count as inside. Vectorised over ``accuracy`` (p in [0, 1]) and
    ``tolerance`` (t in (0, 1]). ``forget_size`` ≤ :data:`FLOAT_TAIL_MAX_FORGET_SIZE` = 10¹⁵, else ValueError.

    >>> float(binomial_tail(1, 0.5, 0.5))  # both outcomes sit exactly at distance 1/2
    1.0
    """
    m = _forget_size(forget_size, FLOAT_TAIL_MAX_FORGET_SIZE)
    p = np.asarray(require_in_range("accuracy", accuracy, 0.0, 1.0, closed=(True, True), symbol="Acc_T = p"))
    t = np.asarray(require_in_range("tolerance", tolerance, 0.0, 1.0, closed=(False, True), symbol="t in Lemma 1"))
    # m(p ± t) is at most 2m in size, so this is a relative tolerance; capped below half a lattice step so that
    # for large m it never pulls a lattice point that is clearly inside the gap (|k/m − p| < t) into the event
    slack = min(LATTICE_RTOL * m, 0.5)
    k_low = np.floor(m * (p - t) + slack)  # largest k with k/m ≤ p − t (up to the slack)
    k_high = np.ceil(m * (p + t) - slack)  # smallest k with k/m ≥ p + t
    lower = np.where(k_low >= 0, binom.cdf(k_low, m, p), 0.0)
    upper = np.where(k_high <= m, binom.sf(k_high - 1, m, p), 0.0)
    tail = np.minimum(lower + upper, 1.0)
    return float(tail) if tail.ndim == 0 else tail


def binomial_tail_exact(forget_size: int, accuracy: Fraction | int | str, tolerance: Fraction | int | str) -> Fraction:
    """P(|Bin(m, p)/m − p| ≥ t) as an exact rational, for rational p and t (the high-precision oracle).

    ``accuracy`` and ``tolerance`` are converted with :class:`fractions.Fraction` (so ``'0.3'`` means 3/10
    exactly) and the boundary test |k/m − p| ≥ t is decided exactly: no rounding question arises.

    Size limit. With p = P/N in lowest terms the answer has denominator N^m, a number of m·log₂N bits, and the
    sum runs over m + 1 terms of that size; the work grows like m²·log₂N. The function therefore refuses
    (``ValueError`` naming ``forget_size`` and the limit) when m > :data:`EXACT_MAX_FORGET_SIZE` or when
    m·bitlength(N) > :data:`EXACT_MAX_BITS`; inside the limits a call takes well under a second. Larger sizes
    belong to :func:`binomial_tail` (SciPy, double precision).

    >>> binomial_tail_exact(2, '1/2', '1/2')  # X ∈ {0, 2} is at distance 1/2, X = 1 at distance 0
    Fraction(1, 2)
    >>> binomial_tail_exact(10**7, '1/2', '1/10')
    Traceback (most recent call last):
    ...
    ValueError: forget_size=10000000 exceeds the exact-arithmetic limit forget_size <= 20000 (|F| in Lemma 1); use binomial_tail (double precision) for larger forget sets
    """
    m = require_positive_int("forget_size", forget_size, symbol="|F| in Lemma 1")
    p, t = Fraction(accuracy), Fraction(tolerance)
    # exact comparisons (a float round trip could move a rational endpoint), worded like theory.validate
    if not 0 <= p <= 1:
        raise ValueError(f"accuracy={p} must lie in [0, 1] (Acc_T = p)")
    if not 0 < t <= 1:
        raise ValueError(f"tolerance={t} must lie in (0, 1] (t in Lemma 1)")
    _require_exact_size(m, p)
    q = 1 - p
    # common denominator: p^k q^(m−k) = P^k Q^(m−k) / N^m with p = P/N, q = Q/N
    den = p.denominator
    num_p, num_q = p.numerator, q.numerator * (den // q.denominator)
    # |k/m − p| ≥ t  ⇔  k ≤ ⌊m(p − t)⌋ or k ≥ ⌈m(p + t)⌉, decided exactly in rationals
    k_low, k_high = math.floor(m * (p - t)), math.ceil(m * (p + t))
    if num_p == 0 or num_q == 0:  # p ∈ {0, 1}: X = m·p surely, at distance 0 < t from its mean
        return Fraction(0)
    # term_k = C(m, k) P^k Q^(m−k), by the exact integer recurrence term_{k+1} = term_k (m − k) P / ((k + 1) Q):
    # one big power instead of m + 1 of them (the division is exact because term_{k+1} is an integer)
    term, total = num_q**m, 0
    for k in range(m + 1):
        if k <= k_low or k >= k_high:
            total += term
        if k < m:
            term = term * (m - k) * num_p // ((k + 1) * num_q)
    return Fraction(total, den**m)


def gap_p_value(forget_size: int, gap: Any) -> Any:
    """Hoeffding p-value of an observed gap |Acc_T − Acc_F| on a forget set of size m: min(1, 2 exp(−2 m gap²)).

    Under the null "the model is the oracle and F is random" (Lemma 1), a gap at least this large has at
    most this probability; a vanishing value says the unlearned model is not oracle-like. ``gap`` in [0, 1].

    >>> gap_p_value(100, 0.0)
    1.0
    >>> gap_p_value(100, 0.5) < 1e-20
    True
    """
    m = _forget_size(forget_size)
    g = require_in_range("gap", gap, 0.0, 1.0, closed=(True, True), symbol="|Acc_T − Acc_F|")
    value = np.minimum(1.0, 2.0 * np.exp(-2.0 * m * np.asarray(g) ** 2))
    return float(value) if value.ndim == 0 else value


def tolerance(forget_size: int, confidence: Any) -> Any:
    """The tolerance t(m, δ) = sqrt(ln(2/δ) / (2m)) at which the bound equals δ (failure probability in (0, 1]).

    With probability ≥ 1 − δ a random forget set satisfies |Acc_T − Acc_F| < t(m, δ).

    >>> round(tolerance(1000, 0.05), 4)
    0.0429
    """
    m = _forget_size(forget_size)
    delta = require_in_range("confidence", confidence, 0.0, 1.0, closed=(False, True), symbol="δ")
    value = np.sqrt(np.log(2.0 / np.asarray(delta)) / (2.0 * m))
    return float(value) if value.ndim == 0 else value


def hoeffding_exponent_symbolic() -> dict[str, sp.Expr]:
    r"""SymPy: the exponent of Hoeffding's inequality for the forget-set mean, and its rescaled form.

    Hoeffding: for independent X_i ∈ [lo_i, hi_i], P(|S − E S| ≥ s) ≤ 2 exp(−2 s² / Σ (hi_i − lo_i)²).
    For Acc_F, S = m·Acc_F, X_i ∈ [0, 1] (range² sum = m), s = m t: exponent 2 m² t²/m = 2 m t². For a
    metric in [lo, hi] the range² sum is m (hi − lo)², giving 2 m t²/(hi − lo)². Returns both exponents,
    under the keys ``'accuracy'`` and ``'rescaled'``, each derived from the generic formula by SymPy.

    >>> e = hoeffding_exponent_symbolic(); m, t = sp.symbols('m t', positive=True)
    >>> sp.simplify(e['accuracy'] - 2 * m * t**2)
    0
    """
    m, t, lo, hi = sp.symbols("m t lo hi", positive=True)
    i = sp.symbols("i", integer=True, positive=True)
    deviation = m * t  # |S − E S| = m |Acc_F − Acc_T|

    def exponent(width: sp.Expr) -> sp.Expr:
        range_sq_sum = sp.summation(width**2, (i, 1, m))  # Σ_{i=1}^{m} (hi_i − lo_i)²
        return sp.simplify(2 * deviation**2 / range_sq_sum)

    return {"accuracy": exponent(sp.Integer(1)), "rescaled": exponent(hi - lo)}


def binomial_tail_mp(
    forget_size: int, accuracy: Fraction | int | str, tolerance: Fraction | int | str, dps: int = 50
) -> mpmath.mpf:
    """:func:`binomial_tail_exact` rounded to an mpmath number with ``dps`` digits (scoped precision).

    ``dps`` must be an integer in [:data:`DPS_MIN`, :data:`DPS_MAX`] = [15, 1000]: fewer digits than a double
    would make the "high-precision" value worse than :func:`binomial_tail`, and more than 1000 buys nothing for a
    probability compared with a bound while the conversion cost grows with the digits. The size limits of
    :func:`binomial_tail_exact` apply (mpmath's regularised incomplete beta, the obvious switch, fails to converge
    from m ≈ 10⁴ on, so above the limit the function refuses instead of switching).

    >>> mpmath.nstr(binomial_tail_mp(2, '1/2', '1/2', dps=20), 5)
    '0.5'
    >>> binomial_tail_mp(2, '1/2', '1/2', dps=0)
    Traceback (most recent call last):
    ...
    ValueError: dps=0 must be an integer >= 15 (decimal digits of the mpmath result; documented range [15, 1000])
    """
    digits = require_positive_int("dps", dps, minimum=DPS_MIN, symbol=_DPS_SYMBOL)
    if digits > DPS_MAX:
        raise ValueError(f"dps={dps!r} must be an integer <= {DPS_MAX} ({_DPS_SYMBOL})")
    exact = binomial_tail_exact(forget_size, accuracy, tolerance)
    with mpmath.workdps(digits):
        return mpmath.mpf(exact.numerator) / exact.denominator
