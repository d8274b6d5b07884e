"""Tests of the Lemma 2 check (proofs_check/checks/closed_form.py): each evidence kind passes on the library and
its pieces can fail."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from ascent_fails.proofs_check.checks import closed_form as check
from ascent_fails.proofs_check.registry import EVIDENCE_KINDS
from ascent_fails.proofs_check.runner import run_result


@pytest.fixture(scope="module")
def report():
    (result,) = check.RESULTS
    return run_result(result)


def test_registered_as_lemma2(report) -> None:
    (result,) = check.RESULTS
    assert (result.id, result.title, result.tag) == ("lemma2", "Lemma 2 (closed form)", "paper")
    assert set(result.checks) == set(EVIDENCE_KINDS)


@pytest.mark.parametrize("kind", EVIDENCE_KINDS)
def test_each_kind_passes(report, kind: str) -> None:
    evidence = next(e for e in report.evidence if e.kind == kind)
    assert evidence.passed, evidence.summary


def test_property_covers_all_three_regimes(report) -> None:
    evidence = next(e for e in report.evidence if e.kind == "property")
    assert evidence.data["axis_values"] > 300 and evidence.data["runs_wrong"] == 0
    assert all(count > 0 for count in evidence.data["regime_counts"])


def test_negative_control_catches_every_variant(report) -> None:
    evidence = next(e for e in report.evidence if e.kind == "negative_control")
    assert len(evidence.data["caught"]) == 4 and all(size > 0 for size in evidence.data["caught"].values())


@pytest.mark.parametrize(
    ("ridge", "coefficient", "branches"),
    [
        ("0.1", "0.3", [0]),  # z = 3: one root W_0
        ("0.1", "0", [0]),  # z = 0: the root is 0
        ("0.1", "-0.02", [-1, 0]),  # z = −0.2, regime 2: W_{−1} < W_0
        ("0.1", "-0.05", []),  # z = −0.5 < −1/e: no root
    ],
)
def test_stationary_roots_without_lambert_w(ridge: str, coefficient: str, branches: list[int]) -> None:
    with mpmath.workdps(60):
        lam, c = mpmath.mpf(ridge), mpmath.mpf(coefficient)
        roots = check._stationary_roots(lam, c)
        assert len(roots) == len(branches)
        for root, branch in zip(roots, branches):
            assert abs(root - mpmath.lambertw(c / lam, branch).real) < mpmath.mpf(10) ** -50


def test_stationary_roots_next_to_the_branch_point() -> None:
    # z = −(1 − 1e-12)/e: the two roots are 2.3e-6 apart, Newton converges slowly there; brackets must find both
    with mpmath.workdps(60):
        z = -(1 - mpmath.mpf(10) ** -12) / mpmath.e
        roots = check._stationary_roots(mpmath.mpf(1), z)
        assert len(roots) == 2
        assert abs(roots[0] - mpmath.lambertw(z, -1).real) < mpmath.mpf(10) ** -45
        assert abs(roots[1] - mpmath.lambertw(z, 0).real) < mpmath.mpf(10) ** -45


def test_budget_grows_with_cancellation_and_near_minus_one() -> None:
    assert check._budget(0.5, 1.0, 1e-16) < check._budget(0.5, 1e6, 1e-16)
    assert check._budget(-0.9, 1.0, 1e-16) < check._budget(-0.999, 1.0, 1e-16)
    assert math.isfinite(check._budget(-25.0, 1.0, 1e-16))


def test_data_sweep_comparison_rejects_a_shifted_formula() -> None:
    # the comparator itself fails on a closed form off by 1e-6: its tolerances are not vacuous
    shifted = check._replace(oracle=lambda r, f, rj, a, lam: check.closed_form.oracle_weight(r, rj, lam) + 1e-6)
    assert check._compare_data_sweep(shifted).mismatches


def test_axis_run_comparison_rejects_a_shifted_limit() -> None:
    params = check._axis_runs(20, seed=1, regimes=(1, 2))
    run = check.da_dynamics.run_descent_ascent(*params)
    limit = check.closed_form.descent_ascent_weight(*params)
    assert check._compare_axis_runs(params, limit, np.zeros(limit.shape, bool), run)[0] == 0
    assert check._compare_axis_runs(params, limit + 1e-7, np.zeros(limit.shape, bool), run)[0] > 0
