"""``ascent-fails reproduce``: report contents, resumption of finished steps, checks before any step.

The claims themselves are tested beside the module that judges them, tests/nn_experiments/test_claims.py.
"""

from __future__ import annotations

import argparse
import json
from types import SimpleNamespace

import pytest

from ascent_fails.nn_experiments import run_command
from ascent_fails.nn_experiments.claims import assess_claims
from ascent_fails.proofs_check import reproduce
from ascent_fails.proofs_check import runner as proofs_runner
from ascent_fails.proofs_check.registry import Evidence, ResultReport, VerifyReport
from tests.nn_experiments.test_claims import make_results


@pytest.fixture
def fake_steps(monkeypatch, tmp_path):
    """verify, the figure commands and the sweep replaced by fast stand-ins that count their calls."""
    calls = {"verify": 0, "nn": 0, "plan": 0}

    def run_all(ids=None):
        calls["verify"] += 1
        ev = tuple(Evidence(kind, True, "stand-in") for kind in ("symbolic", "high_precision", "property", "negative_control"))
        return VerifyReport((ResultReport("lemma2", "Lemma 2", "paper", ev, 0.0),), 0.0)

    def plan_run(out, request):
        calls["plan"] += 1
        return SimpleNamespace(out=out, sweep=SimpleNamespace(seed=0), request=request,
                               claim=("stand-in-configuration", "a stand-in run"))

    def execute(plan):
        calls["nn"] += 1
        out = plan.out
        out.mkdir(parents=True, exist_ok=True)
        (out / "table1.md").write_text("| table |\n")
        (out / "results.json").write_text("{}")
        return make_results(), {"table1": out / "table1.md"}

    monkeypatch.setattr(proofs_runner, "run_all", run_all)
    monkeypatch.setattr(run_command, "plan_run", plan_run)
    monkeypatch.setattr(run_command, "execute", execute)
    monkeypatch.setattr(reproduce, "FIGURES", (("nothing", "no.such.module", "a stand-in figure"),))

    def fake_figure(module_name, folder):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "fig.png").write_bytes(b"png")
        return {"ok": True, "error": "", "files": [str(folder / "fig.png")]}

    monkeypatch.setattr(reproduce, "run_figure", fake_figure)
    return calls


def _parse(out) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    reproduce.configure_parser(parser)
    return parser.parse_args(["--out", str(out)])


def test_report_links_everything_and_states_each_claim(fake_steps, tmp_path):
    assert reproduce.main(_parse(tmp_path)) == 0
    report = (tmp_path / "report.md").read_text()
    assert "1/1 results PASS" in report and "[verify.txt](verify.txt)" in report
    assert "[fig.png](figures/nothing/fig.png)" in report
    assert "[table1.md](nn/table1.md)" in report and "[results.json](nn/results.json)" in report
    for claim in assess_claims(make_results()):
        assert claim.statement in report
    assert report.count("**reproduced**") == 3  # the three claims above; no illusion runs in these results
    assert "Across seeds" not in report  # one seed: nothing to pool
    assert "docs/experiments.md" in report and "docs/theory.md" in report  # where the terms are defined
    # a rerun reuses the verify report; the sweep resumes by itself (it is called, and skips finished units)
    assert reproduce.main(_parse(tmp_path)) == 0
    assert fake_steps == {"verify": 1, "nn": 2, "plan": 2}
    json.loads((tmp_path / "verify.json").read_text())


def test_several_seeds_add_a_pooled_table_to_the_report(fake_steps, tmp_path, monkeypatch):
    """reproduce --seeds 2: each claim's evidence is the base seed's, then a table of every seed and the pooled
    verdict. Control: the plain run (the test above) has no such section."""
    from ascent_fails.nn_experiments import seed_runs
    from ascent_fails.nn_experiments.claims_across_seeds import claims_of, pool_claims

    def plan_seeds(out, request):
        assert request.seeds == 2
        return [SimpleNamespace(out=out, sweep=SimpleNamespace(seed=0)),
                SimpleNamespace(out=out / "seeds" / "seed-1", sweep=SimpleNamespace(seed=1))]

    def execute_seeds(plans):
        out = plans[0].out
        out.mkdir(parents=True, exist_ok=True)
        (out / "table1.md").write_text("| table |\n")
        other = make_results(pc_harder=False)
        results = {0: make_results(), 1: other}
        return seed_runs.SeedRuns(seeds=(0, 1), results=results, files={0: {"table1": out / "table1.md"}, 1: {}},
                                  pooled=pool_claims({s: claims_of(r) for s, r in results.items()}), summary=None)

    monkeypatch.setattr(seed_runs, "plan_seeds", plan_seeds)
    monkeypatch.setattr(seed_runs, "execute_seeds", execute_seeds)
    args = _parse(tmp_path)
    args.seeds = 2
    assert reproduce.main(args) == 0
    report = (tmp_path / "report.md").read_text()
    assert "#### Across seeds" in report and "run on 2 seeds" in report and "[seeds.json](nn/seeds.json)" in report
    assert "| claim | seed 0 | seed 1 | across seeds |" in report
    # pc_harder: reproduced on seed 0, not on seed 1: a tie, undecided across the two seeds
    assert any(line.startswith("| pc_harder:") and line.endswith("| reproduced | not reproduced | **undecided** |")
               for line in report.splitlines())
    assert "**reproduced** (seed 0; all seeds below)" in report


def test_a_damaged_step_is_redone_and_a_finished_one_reused(fake_steps, tmp_path, monkeypatch):
    """A verify.json cut short, or a figure whose file went missing, is not taken as finished work."""
    figure_calls = []

    def figure_with_marker(module_name, folder):
        figure_calls.append(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "fig.png").write_bytes(b"png")
        outcome = {"ok": True, "error": "", "files": [str(folder / "fig.png")]}
        (folder / reproduce._DONE).write_text(json.dumps(outcome))
        return outcome

    monkeypatch.setattr(reproduce, "run_figure", figure_with_marker)
    assert reproduce.main(_parse(tmp_path)) == 0
    assert reproduce.main(_parse(tmp_path)) == 0
    assert fake_steps["verify"] == 1 and len(figure_calls) == 1, "finished steps must be reused"
    (tmp_path / "verify.json").write_text('{"lemmas": [')  # a crash in the middle of a write by another tool
    (tmp_path / "figures" / "nothing" / "fig.png").unlink()
    assert reproduce.main(_parse(tmp_path)) == 0
    assert fake_steps["verify"] == 2 and len(figure_calls) == 2, "damaged steps must be redone"
    assert json.loads((tmp_path / "verify.json").read_text())["all_passed"] is True


real_plan_run = run_command.plan_run


def test_mistakes_in_the_network_flags_fail_before_verify(fake_steps, tmp_path, monkeypatch):
    """A bad sweep file is reported before verify runs (it would otherwise come after minutes of work)."""
    from ascent_fails.proofs_check import cli

    monkeypatch.setattr(run_command, "plan_run", real_plan_run)  # the real checks, with the other steps faked

    bad = tmp_path / "bad.toml"
    bad.write_text("n_models = = 2\n")
    code = cli.main(["reproduce", "--out", str(tmp_path / "r"), "--sweep", str(bad)])
    assert code == 2 and fake_steps["verify"] == 0


@pytest.mark.slow
def test_log_of_reproduce_is_one_line_per_stage(tmp_path):
    """`reproduce > log 2>&1` on a tiny sweep: every step announced once, no carriage returns, a readable report."""
    import os
    import subprocess
    import sys

    from tests.nn_experiments.test_run_command import NN_RUN_STAGES, TINY_SWEEP, assert_readable_log

    sweep = tmp_path / "tiny.toml"
    sweep.write_text(TINY_SWEEP)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "ascent_fails.proofs_check.cli", "reproduce", "--out", str(tmp_path / "r"),
                           "--sweep", str(sweep), "--datamodel-models", "4"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout
    assert_readable_log(done.stdout, ("== verify:", "== figure phase:", "== figure toy:", *NN_RUN_STAGES))
    report = (tmp_path / "r" / "report.md").read_text()
    assert "docs/experiments.md" in report and "Claims" in report
    # run again: everything comes from the cache, and the log says so stage by stage (no oracle or pretraining stage)
    again = subprocess.run([sys.executable, "-m", "ascent_fails.proofs_check.cli", "reproduce", "--out", str(tmp_path / "r"),
                            "--sweep", str(sweep), "--datamodel-models", "4"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=600)
    assert again.returncode == 0, again.stdout
    resumed = ("== datamodels:", "== unlearning:", "== noise floor:", "== figures")
    assert_readable_log(again.stdout, ("== verify:", "== figure phase:", "== figure toy:", *resumed))
    assert "read from the cache" in again.stdout and "== oracle ensembles:" not in again.stdout
    assert "(3 already done)" in again.stdout
