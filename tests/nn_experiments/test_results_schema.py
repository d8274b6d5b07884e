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
    (lambda r: r["forget_sets"][0].update(kind="influence"), "kind"),
    (lambda r: r["runs"][0].update(forget_set="b"), "forget_set"),
    (lambda r: r["runs"][0]["klom_p95"].pop("retain"), "retain"),
    (lambda r: r["runs"][0].update(cost=float("nan")), "finite"),
    (lambda r: r["runs"][0]["accuracy"].update(forget=-0.5), "finite number >= 0"),
    (lambda r: r.update(klom=[1, 2]), "results.klom must be an object"),
]


def test_good_results_pass():
    validate_results(GOOD)


@pytest.mark.parametrize("mutate, word", VIOLATIONS)
def test_schema_violations_are_named(mutate, word):
    bad = json.loads(json.dumps(GOOD))
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
