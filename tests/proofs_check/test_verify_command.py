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
    "lemma6", "lemma7", "lemma8", "lemma9", "lemma10", "lemma12", "figure4", "toy_trap",
]  # fmt: skip
RECONSTRUCTED = {"iterated_da", "lemma6", "lemma7", "lemma8", "lemma10", "toy_trap", "figure4"}


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


# --- the text report fits a terminal ----------------------------------------------------------------------------


def _columns(line: str) -> int:
    """Terminal columns: 2 for East Asian wide/fullwidth characters, 1 for every other (kept independent of
    the library's own measure)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in line)


def _too_wide(text: str, limit: int = 100) -> list[str]:
    return [f"{_columns(line)}: {line}" for line in text.splitlines() if _columns(line) > limit]


def test_default_text_fits_100_columns(full_report):
    for text in (full_report.to_text(), full_report.to_text(verbose=False)):
        assert not _too_wide(text), "\n".join(_too_wide(text))
    # negative control: the long form is wider, so the measure above can see a wide line
    assert _too_wide(full_report.to_text(wide=True))


def test_compact_table_marks_each_evidence_kind_and_keeps_the_long_form_under_wide(full_report):
    compact = full_report.to_text(verbose=False)
    assert "S H P N" in compact and "negative_control (a wrong formula must fail)" in compact
    row = next(line for line in compact.splitlines() if line.startswith("lemma2 "))
    assert row.count("✓") == 4 and "PASS" in row
    wide = full_report.to_text(verbose=False, wide=True)
    assert all(kind in wide.splitlines()[0] for kind in EVIDENCE_KINDS)


def test_a_failing_kind_and_a_long_title_stay_inside_the_width():
    from ascent_fails.proofs_check.registry import Evidence, ResultReport, VerifyReport

    evidence = (Evidence("symbolic", True, "x " * 200), Evidence("high_precision", False, "y" * 300),
                Evidence("property", True, "z"))  # negative_control missing: not run
    report = VerifyReport((ResultReport("lemma99", "Lemma 99 " + "(a very long title) " * 5, "paper", evidence, 0.1),), 0.1)
    text = report.to_text()
    assert not _too_wide(text), "\n".join(_too_wide(text))
    row = next(line for line in text.splitlines() if line.startswith("lemma99"))
    assert "✓ ✗ ✓ -" in row and "FAIL" in row and "…" in row
    assert "y" * 300 in text.replace("\n", "").replace(" ", "")  # wrapped, not cut


def test_cli_text_ends_with_the_pointer_to_the_statements(capsys):
    assert main(["verify", "--only", "lemma4"]) == 0
    out = capsys.readouterr().out
    assert not _too_wide(out), "\n".join(_too_wide(out))
    assert out.rstrip().splitlines()[-1].endswith("docs/theory.md")
    assert main(["verify", "--brief", "--wide", "--only", "lemma4"]) == 0
    wide = capsys.readouterr().out
    assert "negative_control" in wide.splitlines()[0] and wide.rstrip().endswith("docs/theory.md")
