"""The Evidence helpers shared by the check modules, and the registry's ``result_check``."""

import mpmath
import numpy as np
import pytest

from ascent_fails.proofs_check.checks._shared import listed_failures_evidence, spot_recheck
from ascent_fails.proofs_check.registry import EVIDENCE_KINDS, result_check


def test_spot_recheck_takes_the_smallest_relative_margins_and_fails_below_the_slack():
    args = (np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0]))
    relative = np.array([0.5, -1.0, 0.1])  # draws 1 and 2 are the two smallest
    margins, passed = spot_recheck(args, relative, np.ones(3), lambda x, y: mpmath.mpf(x) - y / 10, 2)
    assert [float(m) for m in margins] == [0.0, 0.0] and passed
    margins, passed = spot_recheck(args, relative, np.ones(3), lambda x, y: -mpmath.mpf(x) / y, 2)
    assert [float(m) for m in margins] == [-0.1, -0.1] and not passed


def test_listed_failures_evidence_lists_the_first_failures_and_fails():
    failures = [f"point {i}" for i in range(30)]
    evidence = listed_failures_evidence("property", "30 points", failures, worst_margin=-1.0, data={"n": 30})
    assert not evidence.passed and evidence.worst_margin == -1.0
    assert evidence.summary == "30 points; FAILED: " + "; ".join(failures[:5])
    assert evidence.data == {"n": 30, "failures": failures[:20]}


def test_listed_failures_evidence_passes_only_without_failures_and_with_passed():
    assert listed_failures_evidence("symbolic", "ok", []).passed
    assert not listed_failures_evidence("symbolic", "ok", [], passed=False).passed
    missed = listed_failures_evidence("negative_control", "caught 1/2", ["tightened bound"], label="MISSED")
    assert not missed.passed and missed.summary.endswith("; MISSED: tightened bound")
    assert missed.data == {"missed": ["tightened bound"]}
    with pytest.raises(ValueError, match="label="):
        listed_failures_evidence("symbolic", "ok", [], label="WRONG")


def test_result_check_maps_the_checks_to_the_evidence_kinds_in_order():
    checks = [lambda: None for _ in EVIDENCE_KINDS]
    result = result_check("lemma0", "Lemma 0", "paper", *checks)
    assert list(result.checks.items()) == list(zip(EVIDENCE_KINDS, checks))
    with pytest.raises(ValueError, match="one per evidence kind"):
        result_check("lemma0", "Lemma 0", "paper", *checks[:3])
