"""``ascent-fails nn run``: a CLI smoke test on a tiny configuration, protocol selection, bad flags."""

from __future__ import annotations

import argparse
import json

import pytest

from ascent_fails.nn_experiments import run_command
from ascent_fails.nn_experiments.runner import validate_results
from ascent_fails.proofs_check.cli import main as cli_main


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run_command.configure_parser(parser)
    return parser.parse_args(["--out", "unused", *argv])


def test_cli_smoke_on_a_tiny_configuration(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["nn", "run", "--out", str(out), "--n-models", "2", "--methods", "do_nothing", "ga", "--forget-sets", "random_10_seed0",
            "--datamodel-models", "4", "--no-progress"]
    assert cli_main(argv) == 0
    results = json.loads((out / "results.json").read_text())
    validate_results(results)
    assert results["dataset"] == "digits" and results["n_models"] == 2 and results["protocol"] == "quick"
    assert {r["method"] for r in results["runs"]} == {"do_nothing", "ga"}
    assert len(results["runs"]) == 1 + 7 * 5  # do nothing + the paper's GA grid (7 lr × 5 snapshots)
    for name in ("scatter_forget_vs_validation.png", "scatter_forget_vs_retain.png", "illusion.png", "table1.md"):
        assert (out / name).stat().st_size > 0
    assert "random_10_seed0" in capsys.readouterr().out
    # a rerun resumes: every unit is on disk, nothing is recomputed
    assert cli_main(argv) == 0
    assert json.loads((out / "results.json").read_text())["timings"]["units_computed_now"] == 0


def test_quick_protocol_narrows_only_the_secondary_axes():
    quick, full = run_command.build_sweep(_args()), run_command.build_sweep(_args("--full"))
    q, f = {g.method: dict(g.axes) for g in quick.methods}, {g.method: dict(g.axes) for g in full.methods}
    assert q["ga"] == f["ga"] and q["gda"]["lr"] == f["gda"]["lr"] == (5e-5, 5e-4, 1e-3, 5e-3)
    assert q["scrub"]["ascent_epochs"] == (5,) and f["scrub"]["ascent_epochs"] == (3, 5)
    assert quick.n_models == full.n_models == 100
    assert run_command.build_sweep(_args("--methods", "gda", "--n-models", "7")).n_models == 7


@pytest.mark.parametrize(
    "argv, word",
    [
        (["--methods", "unlearn_harder"], "unlearn_harder"),
        (["--n-models", "1"], "n_models"),
        (["--threads", "0"], "threads"),
    ],
)
def test_bad_flags_are_clean_errors(tmp_path, capsys, argv, word):
    assert cli_main(["nn", "run", "--out", str(tmp_path), *argv]) == 2
    assert word in capsys.readouterr().err


def test_unknown_forget_set_is_rejected_before_any_training(tmp_path, capsys):
    from ascent_fails.proofs_check.cli import main

    assert main(["nn", "run", "--out", str(tmp_path), "--forget-sets", "nope", "--no-progress"]) == 2
    assert "forget_sets ['nope'] are unknown" in capsys.readouterr().err
    assert not (tmp_path / "cache").exists()  # nothing was trained


def test_missing_cifar_directory_is_a_clean_error(tmp_path, capsys):
    from ascent_fails.proofs_check.cli import main

    code = main(["nn", "run", "--out", str(tmp_path / "o"), "--dataset", "cifar10", "--data-dir", str(tmp_path), "--no-progress"])
    assert code == 2
    assert "data_batch_1" in capsys.readouterr().err
