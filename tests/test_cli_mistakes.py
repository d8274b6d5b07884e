"""Every user mistake with a path or an input file: exit 2, the flag and the file named, no traceback, no work.

Each network command (``nn run``, ``nn table``, ``reproduce``) meets each mistake below. The heavy entry points
(ensemble training, the datamodels, ``prepare_inputs``, ``verify``, the figures) are replaced by functions that
fail the test if they are reached, which proves that every check happens before any heavy work, and each call
is timed. A few cases also run the real ``ascent-fails`` executable in a subprocess, to see exactly what a user
sees on standard error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ascent_fails.proofs_check import cli

pytest.importorskip("torch")

COMMANDS: dict[str, list[str]] = {
    "nn run": ["nn", "run"],
    "nn table": ["nn", "table"],
    "reproduce": ["reproduce"],
}
#: flags each command has (nn table takes no sweep or forget-set files)
HAS: dict[str, set[str]] = {
    "nn run": {"--out", "--sweep", "--forget-set-file", "--data-dir"},
    "nn table": {"--out", "--data-dir"},
    "reproduce": {"--out", "--sweep", "--forget-set-file", "--data-dir"},
}
#: a path that even root cannot create: /proc accepts no new entries
UNWRITABLE = "/proc/ascent-fails-test"


def _file(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text)
    return path


# each case: (id, flag it must name, builder(tmp) -> (extra argv, text the message must contain))
Case = tuple[str, str, Callable[[Path], tuple[list[str], str]]]
CASES: list[Case] = [
    ("out-is-a-file", "--out", lambda t: (["--out", str(_file(t, "taken", "x"))], "taken")),
    ("out-parent-is-a-file", "--out", lambda t: (["--out", str(_file(t, "taken", "x") / "sub")], "taken")),
    ("out-not-writable", "--out", lambda t: (["--out", UNWRITABLE], UNWRITABLE)),
    ("sweep-missing", "--sweep", lambda t: (["--sweep", str(t / "no_such_sweep.toml")], "no_such_sweep.toml")),
    ("sweep-malformed-toml", "--sweep", lambda t: (["--sweep", str(_file(t, "broken.toml", "n_models = = 3\n"))], "broken.toml")),
    ("sweep-bad-value", "--sweep", lambda t: (["--sweep", str(_file(t, "bad_value.toml", "n_models = 1\n"))], "bad_value.toml")),
    ("sweep-bad-grid", "--sweep", lambda t: (["--sweep", str(_file(t, "bad_grid.toml", "[methods.ga]\nsnapshot_epochs = [1]\nlr = 0.1\n"))], "bad_grid.toml")),
    ("forget-file-missing", "--forget-set-file", lambda t: (["--forget-set-file", str(t / "no_such_set.txt")], "no_such_set.txt")),
    ("forget-index-too-large", "--forget-set-file", lambda t: (["--forget-set-file", str(_file(t, "too_large.txt", "1 2 1437\n"))], "too_large")),
    ("forget-index-negative", "--forget-set-file", lambda t: (["--forget-set-file", str(_file(t, "negative.txt", "3 -1\n"))], "negative")),
    ("forget-index-not-integer", "--forget-set-file", lambda t: (["--forget-set-file", str(_file(t, "fractional.txt", "3 1.5\n"))], "fractional")),
    ("forget-index-npy-too-large", "--forget-set-file", lambda t: (["--forget-set-file", str(_npy(t))], "big.npy")),
    ("data-dir-missing", "--data-dir", lambda t: (["--dataset", "cifar10", "--data-dir", str(t / "no_cifar_here")], "no_cifar_here")),
    ("data-dir-without-cifar", "--data-dir", lambda t: (["--dataset", "cifar10", "--data-dir", str(t)], "data_batch_1")),
]


def _npy(root: Path) -> Path:
    path = root / "big.npy"
    np.save(path, np.array([0, 5, 10**6]))
    return path


@pytest.fixture
def nothing_heavy(monkeypatch):
    """Make every heavy entry point fail the test if it is reached."""
    from ascent_fails.nn_experiments import datamodels, inputs, training
    from ascent_fails.proofs_check import reproduce
    from ascent_fails.proofs_check import runner as proofs_runner

    def reached(name: str) -> Callable[..., None]:
        def fail(*args, **kwargs):
            raise AssertionError(f"{name} ran before the input was checked")
        return fail

    monkeypatch.setattr(inputs, "prepare_inputs", reached("prepare_inputs"))
    monkeypatch.setattr(training, "train_ensemble", reached("train_ensemble"))
    monkeypatch.setattr(datamodels, "estimate_datamodels", reached("estimate_datamodels"))
    monkeypatch.setattr(proofs_runner, "run_all", reached("verify"))
    monkeypatch.setattr(reproduce, "run_figure", reached("a figure command"))


MATRIX = [(command, *case) for case in CASES for command in COMMANDS if case[1] in HAS[command]]


@pytest.mark.parametrize("command, case_id, flag, build", MATRIX, ids=[f"{m[0]}:{m[1]}" for m in MATRIX])
def test_mistake_exits_2_naming_flag_and_file(command, case_id, flag, build, tmp_path, capsys, nothing_heavy):
    extra, named = build(tmp_path)
    argv = [*COMMANDS[command], *extra]
    if "--out" not in extra:
        argv += ["--out", str(tmp_path / "out")]
    started = time.perf_counter()
    code = cli.main([*argv, "--no-progress"])
    seconds = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("ascent-fails: error: "), err
    assert flag in err, f"the message does not name {flag}: {err}"
    assert named in err, f"the message does not name the file ({named}): {err}"
    assert "Traceback" not in err
    assert seconds < 20, f"{command} took {seconds:.0f} s to reject {case_id}"
    if case_id != "out-is-a-file" and flag != "--out":
        assert not (tmp_path / "out").exists(), "the output directory was created before the input was checked"


def test_sweep_value_is_named_as_the_file_writes_it(tmp_path, capsys, nothing_heavy):
    """A bad value in the sweep file reads as the file's key (``n_models = 1``), not the flag ``--n-models``."""
    path = _file(tmp_path, "sweep.toml", "n_models = 1\n")
    assert cli.main(["nn", "run", "--out", str(tmp_path / "o"), "--sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert "n_models = 1" in err and "--n-models" not in err


def test_library_names_become_flags(tmp_path, capsys, nothing_heavy):
    """Errors raised with the library's parameter names reach the user as the flags they typed."""
    for argv, flag in [
        (["nn", "run", "--n-models", "1"], "--n-models=1"),
        (["nn", "run", "--datamodel-models", "1"], "--datamodel-models=1"),
        (["nn", "run", "--threads", "0"], "--threads"),
        (["nn", "run", "--methods", "ga", "magic"], "--methods"),
        (["nn", "run", "--forget-sets", "nope"], "--forget-sets"),
        (["nn", "run", "--data-dir", str(tmp_path)], "--data-dir"),  # a data directory without --dataset cifar10
        (["nn", "table", "--bootstrap", "-1"], "--bootstrap"),
        (["nn", "table", "--device", "gpu7"], "--device"),
        (["reproduce", "--n-models", "1"], "--n-models=1"),
    ]:
        assert cli.main([*argv, "--out", str(tmp_path / "o"), "--no-progress"]) == 2, argv
        err = capsys.readouterr().err
        assert flag in err and "Traceback" not in err, (argv, err)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_real_executable_prints_no_traceback(command, tmp_path):
    """What a user sees: one line on standard error, exit status 2."""
    taken = _file(tmp_path, "taken", "x")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "ascent_fails.proofs_check.cli", *COMMANDS[command], "--out", str(taken)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"ascent-fails: error: --out: '{taken}' exists and is a file, not a directory"
