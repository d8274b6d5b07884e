"""``ascent-fails nn run``: a CLI smoke test on a tiny configuration, protocol selection, bad flags, --out claims."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys

import pytest

from ascent_fails.nn_experiments import run_command
from ascent_fails.nn_experiments.results_schema import validate_results
from ascent_fails.proofs_check.cli import main as cli_main


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run_command.configure_parser(parser)
    return parser.parse_args(["--out", "unused", *argv])


def test_cli_smoke_on_a_tiny_configuration(tmp_path, capsys, monkeypatch):
    from ascent_fails.locks import live_holders
    from ascent_fails.nn_experiments import plots
    from tests.test_locks import FORCED  # another process asking for OUT for another configuration with --force

    out = tmp_path / "run"
    argv = ["nn", "run", "--out", str(out), "--n-models", "2", "--methods", "do_nothing", "ga", "--forget-sets", "random_10_seed0",
            "--datamodel-models", "4", "--no-progress", "--threads", "1"]
    during_figures = {}

    def figures_watched(results, out_dir):
        # the sweep runner has returned: --out must still be held by this run while figures and results.json are
        # written, so that a --force run of another configuration cannot write in between
        during_figures["holders"] = {h["pid"] for h in live_holders(out_dir)}
        during_figures["other"] = subprocess.run([sys.executable, "-c", FORCED, str(out_dir)], text=True,
                                                 capture_output=True, timeout=60).stdout
        return real_write_figures(results, out_dir)

    real_write_figures = plots.write_figures
    monkeypatch.setattr(plots, "write_figures", figures_watched)
    assert cli_main(argv) == 0
    monkeypatch.undo()
    assert during_figures["holders"] == {os.getpid()}
    assert during_figures["other"].startswith(f"refused: --out: {str(out)!r} is in use by process {os.getpid()}")
    assert live_holders(out) == []  # released at the end
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
    assert results["timings"]["threads"] == results["provenance"]["torch_threads"] == 1  # --threads 1 is honoured
    assert capsys.readouterr().err == ""  # --no-progress: nothing on standard error


def test_quick_protocol_narrows_only_the_secondary_axes(tmp_path):
    from ascent_fails.nn_experiments.sweep import default_sweep, quick_sweep

    quick, full = quick_sweep(), default_sweep()
    q, f = {g.method: dict(g.axes) for g in quick.methods}, {g.method: dict(g.axes) for g in full.methods}
    assert q["ga"] == f["ga"] and q["gda"]["lr"] == f["gda"]["lr"] == (5e-5, 5e-4, 1e-3, 5e-3)
    assert q["scrub"]["ascent_epochs"] == (5,) and f["scrub"]["ascent_epochs"] == (3, 5)
    assert quick.n_models == full.n_models == 100
    plan = run_command.plan_run(tmp_path, run_command.RunRequest(methods=("gda",), n_models=7))
    assert plan.sweep.n_models == 7 and plan.protocol == "quick"
    assert run_command.request_from_args(_args("--full")).protocol == "full"


@pytest.mark.parametrize(
    "argv, word",
    [
        (["--methods", "unlearn_harder"], "unlearn_harder"),
        (["--n-models", "1"], "--n-models=1"),  # the flag as typed, not the library's n_models
        (["--threads", "0"], "threads"),
    ],
)
def test_bad_flags_are_clean_errors(tmp_path, capsys, argv, word):
    assert cli_main(["nn", "run", "--out", str(tmp_path), *argv]) == 2
    assert word in capsys.readouterr().err


def test_unknown_forget_set_is_rejected_before_any_training(tmp_path, capsys):
    from ascent_fails.proofs_check.cli import main

    assert main(["nn", "run", "--out", str(tmp_path), "--forget-sets", "nope", "--no-progress"]) == 2
    assert "--forget-sets: unknown forget set(s) ['nope']" in capsys.readouterr().err
    assert not (tmp_path / "cache").exists()  # nothing was trained


def test_missing_cifar_directory_is_a_clean_error(tmp_path, capsys):
    from ascent_fails.proofs_check.cli import main

    code = main(["nn", "run", "--out", str(tmp_path / "o"), "--dataset", "cifar10", "--data-dir", str(tmp_path), "--no-progress"])
    assert code == 2
    assert "data_batch_1" in capsys.readouterr().err


TINY_SWEEP = """
n_models = 2
forget_sets = ["random_10_seed0"]

[illusion]
lrs = [1e-2]
epochs = 2

[methods.do_nothing]
snapshot_epochs = [0]

[methods.ga]
snapshot_epochs = [1]
lr = [1e-2]
"""

#: the header of every stage of `nn run`, in order (each announced once; training stages nest inside them)
NN_RUN_STAGES = ("== datamodels:", "== oracle ensembles:", "== pretrained ensemble:", "== unlearning:", "== noise floor:",
                 "== figures")


def assert_readable_log(log: str, stages: tuple[str, ...]) -> None:
    """No carriage returns (no bars in a file), each stage's header once and in order, a summary line per header."""
    assert "\r" not in log, "a progress bar wrote carriage returns into a log"
    lines = log.splitlines()
    positions = []
    for header in stages:
        found = [i for i, line in enumerate(lines) if line.startswith(header)]
        assert len(found) == 1, f"{header!r} appears {len(found)} times:\n{log}"
        positions.append(found[0])
    assert positions == sorted(positions), f"stages out of order:\n{log}"
    headers = sum(line.startswith("== ") for line in lines)
    assert headers == sum(line.startswith("   done: ") for line in lines), f"a stage without its summary line:\n{log}"


def test_log_of_a_run_is_one_line_per_stage(tmp_path):
    """`nn run > log 2>&1`: a header per stage, one summary line each, no carriage returns; threads recorded."""
    import os
    import subprocess
    import sys

    sweep = tmp_path / "tiny.toml"
    sweep.write_text(TINY_SWEEP)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "ascent_fails.proofs_check.cli", "nn", "run", "--out", str(tmp_path / "run"),
                           "--sweep", str(sweep), "--datamodel-models", "4"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout
    assert_readable_log(done.stdout, NN_RUN_STAGES)
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["timings"]["threads"] == results["provenance"]["torch_threads"] >= 1
    assert results["timings"]["threads"] == results["timings"]["threads_machine_default"]  # no --threads: torch's own
    assert results["protocol"] == f"sweep file {sweep}"


def test_a_refused_out_is_refused_before_any_training(tmp_path, capsys, monkeypatch):
    """Another configuration's results, or a live run of another configuration, in --out: exit 2 naming --out,
    before prepare_inputs (datamodels, ensembles) is called; refused by execute too if --out was taken after
    the plan. Control: with --force over finished results the run does go on to prepare_inputs."""
    from ascent_fails.cli_errors import UsageError
    from ascent_fails.locks import claim_output
    from ascent_fails.nn_experiments import inputs
    from tests.test_locks import HOLDER

    def no_training(*args, **kwargs):
        raise AssertionError("prepare_inputs was called")

    monkeypatch.setattr(inputs, "prepare_inputs", no_training)
    request = run_command.RunRequest(n_models=2, forget_sets=("random_10_seed0",), progress=False, threads=1)
    out = tmp_path / "run"
    with claim_output(out, "config-A", "sweep A"):  # a finished run of another configuration
        pass
    argv = ["nn", "run", "--out", str(out), "--n-models", "2", "--no-progress", "--threads", "1"]
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert f"--out: {str(out)!r} holds the results of another configuration (sweep A)" in err and "--force" in err
    # taken by another configuration between the plan and the work: execute refuses before training
    late = tmp_path / "late"
    plan = run_command.plan_run(late, request)
    with claim_output(late, "config-A", "sweep A"):
        pass
    with pytest.raises(UsageError, match="--out: .*holds the results of another configuration"):
        run_command.execute(plan)
    # a live run of another configuration: refused even with --force, naming it
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "claimed"
        assert cli_main([*argv, "--force"]) == 2
        assert f"--out: {str(out)!r} is in use by process {holder.pid}" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    # control: the holder is gone and --force replaces finished results, so this run reaches prepare_inputs
    with pytest.raises(AssertionError, match="prepare_inputs was called"):
        run_command.run(out, dataclasses.replace(request, force=True))
