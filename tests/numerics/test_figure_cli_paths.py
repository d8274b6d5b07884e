"""`ascent-fails figure phase|toy` with a bad ``--out``: exit 2, the flag named, no traceback, nothing computed.

Each command must check ``--out`` before its computation: the computations are replaced by functions that
fail the test if they are reached.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ascent_fails.numerics import phase_diagram, toy_claims
from ascent_fails.proofs_check import cli

# the command words and the small-grid options of each figure command
COMMANDS = {
    "phase": ["figure", "phase", "--n-correlation", "4", "--n-forget-ratio", "4"],
    "toy": ["figure", "toy", "--resolution", "20"],
}


_ROOT_READ_ONLY = Path("/sys")


def _sysfs_is_read_only() -> bool:
    try:
        handle, probe = tempfile.mkstemp(dir=_ROOT_READ_ONLY)
    except OSError:
        return True
    os.close(handle)
    os.unlink(probe)
    return False


def _bad_out(tmp_path, case: str):
    """A path that ``--out`` cannot use, and the words the error message must contain."""
    taken = tmp_path / "taken.txt"
    taken.write_text("a file, not a folder\n")
    if case == "is_a_file":
        return taken, "exists and is a file"
    if case == "parent_is_a_file":
        return taken / "figures", "is a file, not a directory"
    if case == "under_a_file":
        return taken / "figures" / "deeper", "is a file, not a directory"
    if case == "read_only" and os.geteuid() == 0:
        # root writes into a 0o500 folder, so the permission bits make nothing read-only for it; sysfs is a
        # folder in which no one, root included, can create a regular file
        return _ROOT_READ_ONLY, "not a writable directory"
    if case == "read_only":
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)  # 0o500
        return folder, "not a writable directory"
    raise AssertionError(case)


@pytest.fixture
def no_computation(monkeypatch):
    """Reaching a computation before --out is checked fails the test (an AssertionError is not a clean exit 2)."""

    def reached(*args, **kwargs):
        raise AssertionError("the figure was computed before --out was checked")

    monkeypatch.setattr(phase_diagram, "compute_phase", reached)
    monkeypatch.setattr(toy_claims, "check_claims", reached)


@pytest.mark.parametrize("case", ["is_a_file", "parent_is_a_file", "under_a_file", "read_only"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_bad_out_exits_2_naming_the_flag(command, case, tmp_path, capsys, no_computation):
    if case == "read_only" and os.geteuid() == 0 and not _sysfs_is_read_only():
        pytest.skip("running as root on a system without a read-only /sys: no folder is read-only for root")
    out, reason = _bad_out(tmp_path, case)
    try:
        code = cli.main([*COMMANDS[command], "--out", str(out)])
    finally:
        if case == "read_only" and out != _ROOT_READ_ONLY:
            out.chmod(0o700)  # let pytest remove the folder
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "--out" in captured.err and reason in captured.err and str(out.name) in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not list(tmp_path.rglob("*.png"))


def test_console_script_reports_a_file_as_out_without_a_traceback(tmp_path):
    taken = tmp_path / "taken.txt"
    taken.write_text("x\n")
    run = subprocess.run([sys.executable, "-m", "ascent_fails.proofs_check.cli", *COMMANDS["toy"], "--out", str(taken)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("ascent-fails: error: --out") and "Traceback" not in run.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_missing_out_folder_is_created(command, tmp_path, capsys):
    out = tmp_path / "new" / "nested"
    assert cli.main([*COMMANDS[command], "--out", str(out)]) == 0
    assert (out / ("phase_diagram.png" if command == "phase" else "toy_figure.png")).is_file()
    capsys.readouterr()
