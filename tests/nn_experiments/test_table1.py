"""Table 1 has one owner: ``nn table`` and ``nn run`` compute its numbers with one function and print one Markdown.

The fake input is small enough to compute by hand: 3 models per ensemble and 6 points, where the pretrained
models are far from the oracles on the forget points only, and the independent oracles equal the oracles except
on one validation point.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from ascent_fails.nn_experiments import evaluation, klom_groups, table1
from ascent_fails.nn_experiments.names import GROUPS
from ascent_fails.nn_experiments.plots import write_figures
from ascent_fails.nn_experiments.table_command import TableResult, to_markdown

EPS = 1e-5
DISJOINT = math.log((1 + EPS) / EPS)  # all of P in one bin, all of Q in another: KL = ln((1 + eps)/eps)
GROUP_POINTS = {"forget": np.array([0, 1]), "retain": np.array([2, 3]), "validation": np.array([4, 5])}
FORGET_SET = SimpleNamespace(name="random_2_seed0", kind="random", size=2, fraction=0.5)


def margins() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(oracle, pretrained, independent oracle) margins [3 models, 6 points]."""
    oracle = np.array([[0.0], [0.1], [0.2]]).repeat(6, axis=1)
    pretrained = oracle.copy()
    pretrained[:, :2] = [[9.9], [10.0], [10.0]]  # forget points: disjoint from the oracles (the joint max drops 2)
    independent = oracle.copy()
    independent[:, 5] = [5.0, 5.1, 5.2]  # one validation point: disjoint
    return oracle, pretrained, independent


def by_hand() -> tuple[dict[str, float], dict[str, float]]:
    # the 95th percentile of two values a ≤ b is a + 0.95 (b − a)
    pretrained = {"forget": DISJOINT, "retain": 0.0, "validation": 0.0}
    floor = {"forget": 0.0, "retain": 0.0, "validation": 0.95 * DISJOINT}
    return pretrained, floor


def results_as_nn_run_writes_them() -> dict:
    """The "do nothing" run and the floor of a results.json, scored by the runner's scoring function (evaluation.score_margins)."""
    oracle, pretrained, independent = margins()
    correct = np.ones_like(oracle, dtype=bool)
    kl = dict(bins=20, eps=EPS, direction="oracle_unlearned")
    klom_p95, accuracy = evaluation.score_margins(oracle, pretrained, correct, GROUP_POINTS, **kl)
    floor, _ = evaluation.score_margins(oracle, independent, correct, GROUP_POINTS, **kl)
    return {
        "dataset": "toy", "n_models": 3, "arch": "mlp", "klom": {"direction": "oracle_unlearned", "bins": 20, "eps": EPS},
        "floor": floor, "floor_forget_sets": [FORGET_SET.name],
        "forget_sets": [{"name": FORGET_SET.name, "size": 2, "kind": "random", "fraction": 0.5, "floor": floor}],
        "runs": [{"method": "do_nothing", "forget_set": FORGET_SET.name, "hparams": {}, "epoch": 0, "cost": 0.0,
                  "klom_p95": klom_p95, "accuracy": accuracy}],
        "illusion": {"forget_set": None, "runs": []},
    }  # fmt: skip


def table_as_nn_table_builds_it() -> TableResult:
    oracle, pretrained, independent = margins()
    row = table1.table1_row(FORGET_SET, oracle, pretrained, independent, GROUP_POINTS, eps=EPS)
    return TableResult(dataset="toy", description="fake", arch="mlp", recipe={}, n_models=3, seed=0,
                       direction="oracle_unlearned", bins=20, eps=EPS, n_bootstrap=0, rows=(row,), seconds=0.0,
                       provenance={})


def test_nn_table_row_matches_the_values_computed_by_hand() -> None:
    (row,) = table_as_nn_table_builds_it().rows
    pretrained, floor = by_hand()
    for group in GROUPS:
        assert row.pretrained[group] == pytest.approx(pretrained[group], abs=1e-12)
        assert row.floor[group] == pytest.approx(floor[group], abs=1e-12)


def test_nn_run_results_hold_the_same_numbers_and_print_the_same_table(tmp_path) -> None:
    results = results_as_nn_run_writes_them()
    from_run = table1.table1_from_results(results).rows[0]
    from_table = table_as_nn_table_builds_it().rows[0]
    assert from_run.pretrained == from_table.pretrained and from_run.floor == from_table.floor  # exactly equal
    # the Markdown row of nn table's nn_table.md and of nn run's table1.md is one line, character for character
    run_md = write_figures(results, tmp_path)["table1"].read_text()
    table_md = to_markdown(table_as_nn_table_builds_it())
    run_rows = [line for line in run_md.splitlines() if line.startswith("| random_2")]
    table_rows = [line for line in table_md.splitlines() if line.startswith("| random_2")]
    assert run_rows == table_rows == [f"| random_2_seed0 | random | 2 (50.0%) | 11.51 | 0.00 | 0.00 | 0.00 | 0.00 | "
                                      f"{0.95 * DISJOINT:.2f} |"]


def test_both_commands_compute_the_numbers_with_klom_by_group(monkeypatch) -> None:
    calls: list[str] = []
    real = klom_groups.klom_by_group

    def spy(*args, **kwargs):
        calls.append("called")
        return real(*args, **kwargs)

    monkeypatch.setattr(klom_groups, "klom_by_group", spy)  # what evaluation.score_margins imports at call time
    monkeypatch.setattr(table1, "klom_by_group", spy)
    results_as_nn_run_writes_them()
    assert len(calls) == 2  # nn run: the "do nothing" run and the floor
    table_as_nn_table_builds_it()
    assert len(calls) == 4  # nn table: the pretrained row and the floor


def test_a_set_without_a_do_nothing_run_shows_n_a_and_the_check_column_appears_with_checks() -> None:
    results = results_as_nn_run_writes_them()
    results["runs"] = []
    markdown = table1.table1_markdown(table1.table1_from_results(results))
    assert "| random_2_seed0 | random | 2 (50.0%) | n/a | n/a | n/a |" in markdown
    assert "oracle check" not in markdown
    results["forget_sets"][0]["oracle_check"] = {
        "forget_set": "random_2_seed0", "n_forget": 2, "oracle_forget_mean": 0.0, "oracle_retain_mean": 0.0,
        "oracle_val_mean": 0.0, "gap_forget": 1.0, "gap_val": 0.0, "z": 4.25, "ks_forget_val": 0.0,
        "ks_forget_retain": 0.0, "z_threshold": 3.0, "passed": True}  # fmt: skip
    markdown = table1.table1_markdown(table1.table1_from_results(results))
    assert "| oracle check |" in markdown and markdown.rstrip().endswith("| PASS (z=4.2) |")


def test_bootstrap_interval_keeps_the_value() -> None:
    oracle, pretrained, independent = margins()
    plain = table1.table1_row(FORGET_SET, oracle, pretrained, independent, GROUP_POINTS, eps=EPS)
    with_ci = table1.table1_row(FORGET_SET, oracle, pretrained, independent, GROUP_POINTS, eps=EPS, n_bootstrap=5)
    assert plain.pretrained == with_ci.pretrained and plain.pretrained_ci == {}
    assert set(with_ci.pretrained_ci) == set(GROUPS)


def test_results_intervals_are_printed_beside_the_values() -> None:
    """nn run's table shows the do-nothing row's klom_ci and the set's floor_ci; without them, plain values (control)."""
    from ascent_fails.nn_experiments.table1 import table1_from_results, table1_markdown

    groups = ("forget", "retain", "validation")
    row = {"method": "do_nothing", "forget_set": "a", "hparams": {}, "epoch": 0, "cost": 0.0,
           "klom_p95": dict.fromkeys(groups, 2.0), "accuracy": dict.fromkeys(groups, 0.9)}
    results = {"dataset": "toy", "n_models": 10, "klom": {"direction": "oracle_unlearned", "bins": 20, "eps": 1e-5},
               "floor": dict.fromkeys(groups, 0.5), "floor_forget_sets": ["a"],
               "forget_sets": [{"name": "a", "size": 3, "kind": "random", "floor": dict.fromkeys(groups, 0.5)}],
               "runs": [row]}
    plain = table1_markdown(table1_from_results(results))
    assert "| a | random | 3 | 2.00 | 2.00 | 2.00 | 0.50 | 0.50 | 0.50 |" in plain and "[low, high]" not in plain
    row["klom_ci"] = dict.fromkeys(groups, [1.5, 2.5])
    results["forget_sets"][0]["floor_ci"] = dict.fromkeys(groups, [0.25, 0.75])
    table = table1_markdown(table1_from_results(results))
    assert "| 2.00 [1.50, 2.50] |" in table and "| 0.50 [0.25, 0.75] |" in table and "[low, high]" in table
