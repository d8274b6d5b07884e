"""`ascent-fails verify`: every result of the paper is checked, with all four kinds of evidence, and passes."""

import json
import subprocess
import sys

import pytest

from ascent_fails.proofs_check import run_all
from ascent_fails.proofs_check.cli import main
from ascent_fails.proofs_check.registry import EVIDENCE_KINDS
from ascent_fails.proofs_check.runner import registered_results

EXPECTED_IDS = [
    "lemma1", "lemma2", "lemma3", "lemma4", "lemma5", "corollary1", "iterated_da",
    "lemma6", "lemma7", "lemma8", "lemma9", "lemma10", "lemma12", "toy_trap",
]  # fmt: skip
RECONSTRUCTED = {"iterated_da", "lemma6", "lemma7", "lemma8", "lemma10", "toy_trap"}


def test_every_result_is_registered_once_with_its_tag():
    results = registered_results()
    ids = [r.id for r in results]
    assert sorted(ids) == sorted(EXPECTED_IDS)
    for r in results:
        assert set(r.checks) == set(EVIDENCE_KINDS), r.id
        assert r.tag == ("reconstructed" if r.id in RECONSTRUCTED else "paper"), r.id


@pytest.fixture(scope="module")
def full_report():
    return run_all()


def test_all_results_pass_with_all_evidence(full_report):
    failing = {r.id: [e.summary for e in r.evidence if not e.passed] for r in full_report.results if r.status != "PASS"}
    assert not failing
    for r in full_report.results:
        assert r.passed_kinds == list(EVIDENCE_KINDS)


def test_cli_json_schema(capsys):
    code = main(["verify", "--json", "--only", "lemma2", "lemma4"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["id"] for r in payload["lemmas"]] == ["lemma2", "lemma4"]
    for r in payload["lemmas"]:
        assert r["status"] == "PASS"
        assert r["evidence"] == list(EVIDENCE_KINDS)
        assert r["tag"] in ("paper", "reconstructed")


def test_cli_unknown_id_is_a_clean_error(capsys):
    assert main(["verify", "--only", "lemma99"]) == 2
    assert "unknown result id" in capsys.readouterr().err


def test_console_script_table():
    out = subprocess.run(
        [sys.executable, "-m", "ascent_fails.proofs_check.cli", "verify", "--brief", "--only", "lemma4"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "lemma4" in out.stdout and "1/1 results PASS" in out.stdout
