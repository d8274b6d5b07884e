"""Lemma 4 (theory.distance_growth): |w^D − w^R| ≤ |ln((1+α)|R|/|D|)|, sharp as λ → 0."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings, target
from hypothesis import strategies as st

from ascent_fails.proofs_check.checks import distance_growth as lemma4_check
from tests.strategies import forget_ratios, ridges, set_sizes
from ascent_fails.theory import closed_form, distance_growth, lambert

EPS = float(np.finfo(float).eps)


@st.composite
def lemma4_data(draw, ratio=forget_ratios):
    """Consistent data: |R_j| ≤ min(|R|, |F|/α) (a fraction of a sample where |F|/α < 1)."""
    n_retain, n_forget, ridge, alpha = float(draw(set_sizes)), float(draw(set_sizes)), draw(ridges), draw(ratio)
    cap = n_retain if alpha == 0 else min(n_retain, n_forget / alpha)
    n_retain_axis = max(min(1.0, cap), math.floor(draw(st.floats(0, 1)) * cap))
    return n_retain, n_forget, n_retain_axis, alpha, ridge


@given(lemma4_data())
@example((900.0, 100.0, 50.0, 0.5, 1e-12))
@example((800.0, 200.0, 50.0, 0.25, 1e-12))  # α = |F|/|R|: both sides 0
@example((1.0, 1e6, 1.0, 1e3, 1e-12))
def test_bound_holds(args) -> None:
    assert distance_growth.holds(*args)
    bound = distance_growth.distance_bound(args[0], args[1], args[3])
    if bound > 1e-8:
        target(distance_growth.distance(*args) / bound, label="distance / bound")


@given(lemma4_data(), st.floats(1e3, 1e12))
def test_wider_domain_still_satisfies_the_bound(args, inflate) -> None:
    """The formulas' wider domain: |R_j| far above |R| (not a data set), the bound is free of |R_j|."""
    r, f, _, alpha, lam = args
    assert distance_growth.holds(r, f, r * inflate, alpha, lam)


@settings(max_examples=60)  # two closed forms and a log at 50 digits per example
@given(lemma4_data())
def test_bound_holds_at_high_precision(args) -> None:
    r, f, rj, alpha, lam = args
    margin = distance_growth.distance_bound_mp(r, f, alpha) - distance_growth.distance_mp(r, f, rj, alpha, lam)
    assert margin >= -mpmath.mpf(10) ** -40


@given(set_sizes, set_sizes, st.one_of(st.floats(0.01, 0.99), st.floats(1.01, 100)))
def test_bound_is_sharp_as_ridge_vanishes(n_retain, n_forget, factor) -> None:
    """distance/bound → 1 as λ → 0 (ln(W(a)/W(b)) ≈ ln(a/b)/W → 0); at λ = 1e-300 the ratio is within 1% of 1.

    α stays 1% away from |F|/|R| so that the bound (≥ 1e-8 here) is far above the rounding of the distance.
    """
    r, f = float(n_retain), float(n_forget)
    alpha = f / r * factor
    bound = distance_growth.distance_bound(r, f, alpha)
    ratio = distance_growth.distance(r, f, 1.0, alpha, 1e-300) / bound
    assert 0.99 < ratio <= 1 + 1e-9


@pytest.mark.parametrize("ridge", [1e-12, 1e-30, 1e-100])
def test_tightened_bound_is_violated(ridge: float) -> None:
    """Negative control: 0.9 × the bound fails at small λ (for some data: here α = 2|F|/|R|)."""
    assert distance_growth.holds(900, 100, 50, 2 / 9, ridge)
    assert not distance_growth.holds(900, 100, 50, 2 / 9, ridge, bound_factor=0.9)


def test_log_identity_numerically_at_random_arguments() -> None:
    rng = np.random.default_rng(5)
    for a, b in 10.0 ** rng.uniform(-20, 20, (50, 2)):
        with mpmath.workdps(50):
            wa, wb = lambert.lambert_w_mp(a, 0, 50), lambert.lambert_w_mp(b, 0, 50)
            lhs = wa - wb
            rhs = mpmath.log(mpmath.mpf(a) / b) - mpmath.log(wa / wb)
            assert abs(lhs - rhs) < mpmath.mpf(10) ** -45
            assert (mpmath.log(mpmath.mpf(a) / b) >= 0) == (mpmath.log(wa / wb) >= 0)  # shared sign


def test_bound_is_accurate_near_balanced_ratio() -> None:
    """log1p form: at α one ulp away from |F|/|R| the bound is ~1e-16, not 0 or a rounding artefact."""
    r, f = 800.0, 200.0
    alpha = float(np.nextafter(0.25, 1))
    with mpmath.workdps(50):
        exact = abs(mpmath.log((1 + mpmath.mpf(alpha)) * r / (r + f)))
    assert distance_growth.distance_bound(r, f, alpha) == pytest.approx(float(exact), rel=4 * EPS)
    assert distance_growth.distance_bound(r, f, 0.25) == 0.0


def test_proof_steps_hold() -> None:
    steps = distance_growth.proof_steps()
    assert [s.name for s in steps] == ["log_identity", "shared_sign", "argument_ratio"]
    assert all(s.passed for s in steps), steps


def test_identity_would_not_hold_without_the_log_term() -> None:
    """Negative control for the symbolic step: dropping ln(W(a)/W(b)) leaves a nonzero residual."""
    wa, wb = sp.symbols("W_a W_b", positive=True)
    residual = sp.simplify(sp.expand_log(sp.log(wa * sp.exp(wa) / (wb * sp.exp(wb))), force=True) - (wa - wb))
    assert residual != 0


def test_check_module_evidence() -> None:
    assert lemma4_check.property_sweep().passed
    control = lemma4_check.negative_control()
    assert control.passed and control.data["caught"] > 0


def test_check_goes_red_under_a_wrong_formula(monkeypatch: pytest.MonkeyPatch) -> None:
    original = closed_form.oracle_weight
    monkeypatch.setattr(closed_form, "oracle_weight", lambda r, rj, lam: original(r, rj, 2 * lam))  # λ doubled
    assert not lemma4_check.property_sweep().passed


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: distance_growth.distance(900, 100, 50, 0.5, 0.0), "ridge"),
        (lambda: distance_growth.distance_bound(900, -1, 0.5), "n_forget"),
        (lambda: distance_growth.distance_bound(900, 100, float("nan")), "forget_ratio_axis"),
        (lambda: distance_growth.holds(900, 100, 50, 0.5, 0.1, bound_factor=0.0), "bound_factor"),
        (lambda: distance_growth.bound_margin(0, 100, 50, 0.5, 0.1), "n_retain"),
        (lambda: distance_growth.distance_mp(900, 100, -50, 0.5, 0.1), "n_retain_axis"),
        (lambda: distance_growth.distance_bound_mp(900, 100, -0.5), "forget_ratio_axis"),
    ],
)
def test_bad_input_is_rejected(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
