"""Numerical runs of iterated DA: small-η limits, Lemma 3's direction, and the divergent regime."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from ascent_fails.numerics import iterated_da as runs
from ascent_fails.theory import iterated_da
from ascent_fails.theory.lambert import lambert_w
from tests.strategies import iterated_axes

shares = st.floats(min_value=0.02, max_value=1.0, allow_nan=False)
axis_ridges = st.floats(min_value=math.log10(0.05), max_value=0.3).map(lambda e: 10.0**e)
orders = st.sampled_from(iterated_da.ORDERS)
#: κ = η·G'(w₀), the step in units of the first-order contraction rate
contraction_steps = st.floats(min_value=0.02, max_value=0.05)


@settings(max_examples=50)  # each example iterates a few thousand two-step maps; 50 span (a, b, λ, κ) well
@given(iterated_axes(z_min=-0.3, share_min=0.02, ridges=axis_ridges, forget_zero=False), contraction_steps, orders)
@example((0.5, 0.5, 0.1), 0.02, "descent_first")  # a = b: the limit is 0 for both schemes
def test_small_step_limit_is_the_doubled_ridge_point(axis, kappa, order):
    a, b, lam = axis  # (a − b)/(2λ) ≥ −0.3 by construction
    assume((a - b) / (2 * lam) >= -0.3)  # rounding at the edge only (the strategy's margin)
    w0, c1, c2 = iterated_da.fixed_point_coefficients(a, b, lam, order)
    eta = kappa / (2 * lam * (1 + w0))
    run = runs.iterate(w0 + 0.7, a, b, lam, eta, order)
    assert run.converged and not run.diverged
    assert abs(run.value - w0 - c1 * eta) <= 0.5 * abs(c1) * eta + 2 * abs(c2) * eta**2 + 1e-9


@settings(max_examples=50)  # as above: iterations
@given(shares, st.floats(min_value=0.0, max_value=1.0), axis_ridges, st.floats(min_value=0.5, max_value=0.99), orders)
@example(1.0, 0.0, 1.0, 0.5, "ascent_first")  # the lower end of Lemma 3 at |R| = |F|, where the gap is smallest
def test_lemma3_direction_is_not_fixed(a, position, lam, rho, order):
    """Lemma 3's range with |R| ≥ |F|: from w^D, iterated DA ends at or below w^D ≤ w^R (away from the oracle).

    In shares, Lemma 3's range |F|²/(|R|(|F| + |D|)) ≤ α ≤ |F|/|R| reads (1 − ρ)/(2 − ρ) ≤ b/a ≤ 1, ρ = |R|/|D|.
    (Below the lower end, e.g. b = 0 at ρ = ½, the first-order limit W_0(a/(2λ)) equals w^D and the O(η)
    drift of the ascent-first order lifts it above w^D: the lemma is silent there, and so is this test.)
    """
    lower = (1 - rho) / (2 - rho)
    b = a * (lower + position * (1 - lower))
    w_d, w_r = runs.pretrained_point(a, b, lam, rho), runs.oracle_point(a, lam)
    eta = 0.03 / (2 * lam * (1 + iterated_da.first_order_fixed_point(a, b, lam)))
    run = runs.iterate(w_d, a, b, lam, eta, order)
    assert run.converged
    assert run.value <= w_d <= w_r


@given(st.integers(1, 1000), st.integers(1, 1000), st.integers(1, 1000), st.floats(0.0, 3.0), axis_ridges)
def test_pretrained_point_matches_lemma2_counts(n_retain, n_forget, n_axis, alpha, lam):
    """ρa + (1 − ρ)b with ρ = |R|/|D| equals (1 + α)|R_j|/|D|: two routes to w^D."""
    a, b = n_axis / n_retain, alpha * n_axis / n_forget
    assume(b > 0 or alpha == 0)
    rho = n_retain / (n_retain + n_forget)
    assume(rho < 1)
    expected = lambert_w((1 + alpha) * n_axis / (lam * (n_retain + n_forget)))
    assert runs.pretrained_point(a, b, lam, rho) == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_simultaneous_scheme_reaches_lemma2_point():
    w = runs.iterate(1.0, 0.5, 0.2, 0.1, 0.05, "simultaneous")
    assert w.converged and w.value == pytest.approx(lambert_w(3.0), abs=1e-9)


def test_vectorised_iterate_matches_scalar_runs():
    a, b, lam = np.array([0.5, 0.3, 0.9]), np.array([0.2, 0.3, 0.1]), np.array([0.1, 0.5, 1.0])
    vec = runs.iterate(1.0, a, b, lam, 0.02, "ascent_first")
    for i in range(3):
        one = runs.iterate(1.0, a[i], b[i], lam[i], 0.02, "ascent_first")
        assert one.value == vec.value[i] and one.steps == vec.steps[i] and one.converged == vec.converged[i]


def test_non_convergence_is_reported():
    run = runs.iterate(5.0, 0.5, 0.2, 0.1, 1e-3, max_steps=10)
    assert not run.converged and not run.diverged and run.steps == 10


def test_divergent_regime_stable_arrest():
    """ln(b/a) = ln 1.5 < √2: iterated DA converges near ln(ηa/ln(b/a)); simultaneous DA overflows."""
    coarse = runs.divergent_regime_run(0.2, 0.3, 0.1, 0.02, window=10)
    fine = runs.divergent_regime_run(0.2, 0.3, 0.1, 0.005, window=10)
    for r in (coarse, fine):
        assert r.simultaneous_diverged and r.iterated.converged
        assert math.isnan(r.first_order_limit)  # (a − b)/(2λ) = −0.5 < −1/e
        assert r.band[0] == pytest.approx(r.band[1], abs=1e-9) and r.band[1] < 0 < r.oracle
    # the arrest level sinks like ln η and approaches the leading-order prediction
    assert fine.iterated.value - coarse.iterated.value == pytest.approx(math.log(0.25), abs=0.2)
    assert abs(fine.iterated.value - fine.arrested_level) < abs(coarse.iterated.value - coarse.arrested_level)


def test_divergent_regime_unstable_arrest_oscillates():
    """ln(b/a) = ln 6 > √2: the far fixed point is unstable; the iterates stay in a bounded band below 0."""
    r = runs.divergent_regime_run(0.1, 0.6, 0.2, 0.05, max_steps=5000)
    assert r.simultaneous_diverged and not r.iterated.converged and not r.iterated.diverged
    assert r.multiplier < -1
    assert r.band[1] - r.band[0] > 0.1 and r.band[1] < 0 < r.oracle


def test_ridge_doubling_rescues_a_diverging_simultaneous_run():
    """−2/e < (a − b)/λ < −1/e: simultaneous DA diverges, iterated DA converges to W_0((a − b)/(2λ)) + O(η)."""
    r = runs.divergent_regime_run(0.1, 0.13, 0.05, 0.05, window=10)
    assert r.simultaneous_diverged and r.iterated.converged
    w0, c1, c2 = iterated_da.fixed_point_coefficients(0.1, 0.13, 0.05)
    assert r.first_order_limit == pytest.approx(w0)
    assert abs(r.iterated.value - w0 - c1 * 0.05) <= 0.5 * abs(c1) * 0.05 + 2 * abs(c2) * 0.05**2


def test_results_are_frozen():
    run = runs.iterate(1.0, 0.5, 0.2, 0.1, 0.05)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.value = 0.0


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: runs.iterate(1.0, 0.5, 0.2, 0.1, 0.05, "sideways"), "scheme"),
        (lambda: runs.iterate(float("nan"), 0.5, 0.2, 0.1, 0.05), "w_init"),
        (lambda: runs.iterate(1.0, 0.5, 0.2, 0.1, 0.05, max_steps=0), "max_steps"),
        (lambda: runs.iterate(1.0, 0.5, 0.2, -0.1, 0.05), "ridge"),
        (lambda: runs.pretrained_point(0.5, 0.2, 0.1, 1.0), "retain_fraction"),
        (lambda: runs.divergent_regime_run(0.5, 0.2, 0.1, 0.01), "simultaneous DA has a fixed point"),
        (lambda: runs.divergent_regime_run(0.1, 0.6, 0.2, 0.0), "step"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
