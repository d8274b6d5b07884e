"""The results.json schema (nn_experiments.results_schema): every violation named, files checked on load."""

from __future__ import annotations

import json

import pytest

from ascent_fails.nn_experiments.results_schema import RESULTS_FILE, load_results, validate_results

GOOD = {
    "dataset": "toy", "n_models": 3, "klom": {"direction": "oracle_unlearned", "bins": 20, "eps": 1e-5},
    "floor": {"forget": 1.0, "retain": 1.0, "validation": 1.0},
    "forget_sets": [{"name": "a", "size": 1, "kind": "random"}],
    "runs": [{"method": "ga", "forget_set": "a", "hparams": {"lr": 0.1}, "epoch": 1, "cost": 0.1,
              "klom_p95": {"forget": 1.0, "retain": 1.0, "validation": 1.0},
              "accuracy": {"forget": 1.0, "retain": 1.0, "validation": 1.0}}],
}

VIOLATIONS = [
    (lambda r: r.pop("floor"), "floor"),
    (lambda r: r["forget_sets"][0].update(kind="no_such_kind"), "kind"),
    (lambda r: r["runs"][0].update(forget_set="b"), "forget_set"),
    (lambda r: r["runs"][0]["klom_p95"].pop("retain"), "retain"),
    (lambda r: r["runs"][0].update(cost=float("nan")), "finite"),
    (lambda r: r["runs"][0]["accuracy"].update(forget=-0.5), "finite number >= 0"),
    (lambda r: r.update(klom=[1, 2]), "results.klom must be an object"),
    # the optional keys of intervals, blind-spot flags and the user's cost, checked when present
    (lambda r: r["runs"][0].update(klom_ci={"forget": [1, 2], "retain": [1, 2]}), "validation"),
    (lambda r: r["runs"][0].update(klom_ci={g: [2.0, 1.0] for g in ("forget", "retain", "validation")}), "low ≤ high"),
    (lambda r: r["runs"][0].update(klom_ci={g: [0.0, float("inf")] for g in ("forget", "retain", "validation")}), "finite"),
    (lambda r: r["runs"][0].update(flags={"collapsed": "yes", "spread": False}), "true or false"),
    (lambda r: r["runs"][0].update(flags={"collapsed": True}), "spread"),
    (lambda r: r["runs"][0].update(cost_total=-1.0), "cost_total"),
    (lambda r: r["forget_sets"][0].update(floor_ci={"forget": [0, 1]}), "floor_ci"),
    (lambda r: r.update(illusion={"forget_set": "a", "runs": [{"klom_ci": {"forget": 1}}]}), "illusion.runs"),
]

WITH_NEW_KEYS = json.loads(json.dumps(GOOD))
WITH_NEW_KEYS["runs"][0].update(klom_ci={g: [1.0, 1.5] for g in ("forget", "retain", "validation")},
                                flags={"collapsed": False, "spread": False, "collapsed_share": {}, "range_ratio": {}},
                                cost_total=0.2, forward_evaluations=10, checkpoint_gradient_evaluations=0)
WITH_NEW_KEYS["forget_sets"][0]["floor_ci"] = {g: [0.5, 0.9] for g in ("forget", "retain", "validation")}


def test_results_with_intervals_flags_and_costs_pass_and_load(tmp_path):
    validate_results(WITH_NEW_KEYS)
    (tmp_path / RESULTS_FILE).write_text(json.dumps(WITH_NEW_KEYS))
    assert load_results(tmp_path) == WITH_NEW_KEYS


def test_good_results_pass():
    validate_results(GOOD)


@pytest.mark.parametrize("mutate, word", VIOLATIONS)
def test_schema_violations_are_named(mutate, word):
    bad = json.loads(json.dumps(GOOD))
    validate_results(json.loads(json.dumps(WITH_NEW_KEYS)))  # control: the unmutated documents pass
    mutate(bad)
    with pytest.raises(ValueError, match=word):
        validate_results(bad)


def test_load_results_reads_a_file_or_its_folder(tmp_path):
    (tmp_path / RESULTS_FILE).write_text(json.dumps(GOOD))
    assert load_results(tmp_path) == GOOD
    assert load_results(tmp_path / RESULTS_FILE) == GOOD


@pytest.mark.parametrize("content, word", [
    (None, "does not exist"),
    ('{"dataset": "toy", "n_mo', "not valid JSON"),  # a file cut short by a crash of another writer
    (b"\xff\xfe", "not valid JSON"),
    (json.dumps({**GOOD, "runs": [{**GOOD["runs"][0], "forget_set": "b"}]}), "forget_set"),
])
def test_load_results_names_the_file_and_the_fault(tmp_path, content, word):
    file = tmp_path / RESULTS_FILE
    if isinstance(content, bytes):
        file.write_bytes(content)
    elif content is not None:
        file.write_text(content)
    with pytest.raises(ValueError, match=word) as error:
        load_results(file)
    assert str(file) in str(error.value)
