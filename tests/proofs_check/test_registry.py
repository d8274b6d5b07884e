"""Report semantics: a result passes only with all four evidence kinds present and passing."""

import json

import pytest

from ascent_fails.proofs_check.registry import EVIDENCE_KINDS, Evidence, ResultCheck, ResultReport, VerifyReport
from ascent_fails.proofs_check.runner import run_result


def _ok(kind, margin=1.0):
    return lambda: Evidence(kind, True, f"{kind} fine", margin)


def _check(**overrides):
    checks = {kind: _ok(kind) for kind in EVIDENCE_KINDS}
    checks.update(overrides)
    return ResultCheck("fake", "A fake result", "paper", checks)


def test_all_four_passing_is_pass():
    report = run_result(_check())
    assert report.status == "PASS"
    assert report.passed_kinds == list(EVIDENCE_KINDS)


@pytest.mark.parametrize("kind", EVIDENCE_KINDS)
def test_missing_kind_fails(kind):
    result = _check()
    checks = {k: v for k, v in result.checks.items() if k != kind}
    report = run_result(ResultCheck("fake", "t", "paper", checks))
    assert report.status == "FAIL"
    assert kind not in report.passed_kinds


@pytest.mark.parametrize("kind", EVIDENCE_KINDS)
def test_failed_evidence_fails(kind):
    report = run_result(_check(**{kind: lambda: Evidence(kind, False, "broken")}))
    assert report.status == "FAIL"


def test_raising_check_is_a_fail_not_a_crash():
    def boom():
        raise ZeroDivisionError("division by zero in a formula")

    report = run_result(_check(symbolic=boom))
    assert report.status == "FAIL"
    assert "ZeroDivisionError" in report.evidence[0].summary


def test_mislabelled_evidence_fails():
    report = run_result(_check(symbolic=lambda: Evidence("property", True, "wrong kind")))
    assert report.status == "FAIL"


def test_unknown_kind_rejected():
    with pytest.raises(ValueError, match="kind="):
        Evidence("numerology", True, "nope")


def test_worst_margin_ignores_negative_control():
    report = run_result(_check(property=_ok("property", 0.25), negative_control=_ok("negative_control", -5.0)))
    assert report.worst_margin == 0.25


def test_json_and_text_formats():
    reports = (run_result(_check()), run_result(_check(property=lambda: Evidence("property", False, "bad"))))
    verify = VerifyReport(reports, 0.1)
    assert not verify.ok
    payload = json.loads(verify.to_json())
    assert [r["status"] for r in payload["lemmas"]] == ["PASS", "FAIL"]
    assert set(payload["lemmas"][0]) >= {"id", "title", "tag", "status", "evidence", "details"}
    text = verify.to_text()
    assert "1/2 results PASS" in text and "FAIL" in text


def test_empty_report_is_not_ok():
    assert not VerifyReport((), 0.0).ok


def test_result_report_status_requires_every_kind_once():
    ev = tuple(Evidence(k, True, "x") for k in EVIDENCE_KINDS[:3])
    assert ResultReport("x", "x", "paper", ev, 0.0).status == "FAIL"
