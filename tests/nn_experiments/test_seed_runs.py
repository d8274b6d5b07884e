"""``--seeds K`` (nn_experiments/seed_runs.py): K complete sweeps on seeds S … S+K−1, pooled in seeds.json."""

from __future__ import annotations

import json

import pytest

from ascent_fails.nn_experiments import run_command
from ascent_fails.nn_experiments.claims_across_seeds import claims_of, pool_claims, pooled_json
from ascent_fails.nn_experiments.results_schema import validate_results
from ascent_fails.nn_experiments.seed_runs import SEEDS_FILE, plan_seeds, seed_folder
from ascent_fails.proofs_check.cli import main as cli_main

TINY = ["--n-models", "2", "--methods", "do_nothing", "ga", "--forget-sets", "random_10_seed0",
        "--datamodel-models", "4", "--no-progress", "--threads", "1"]


@pytest.mark.slow
def test_two_seeds_are_two_independent_sweeps_pooled_in_seeds_json(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli_main(["nn", "run", "--out", str(out), "--seeds", "2", *TINY]) == 0
    base = json.loads((out / "results.json").read_text())
    other = json.loads((seed_folder(out, 0, 1) / "results.json").read_text())
    for results in (base, other):
        validate_results(results)
    assert base["sweep"]["seed"] == 0 and other["sweep"]["seed"] == 1
    assert base["data_settings"]["seed"] == 0 and other["data_settings"]["seed"] == 1
    # the second seed drew its models (and split) anew: the oracle check's statistic and the pretrained models'
    # accuracies differ from the first seed's (KLoM itself saturates at N = 2). Control: had --seed been ignored,
    # both would be equal value for value, as they are on a rerun of the same seed (below).
    def fingerprint(results):
        start = [(r["forget_set"], r["accuracy"]) for r in results["runs"] if r["method"] == "do_nothing"]
        return start, [fs["oracle_check"]["z"] for fs in results["forget_sets"]]

    assert fingerprint(base)[0][0][0] == fingerprint(other)[0][0][0] == "random_10_seed0"
    assert fingerprint(base)[0] != fingerprint(other)[0] and fingerprint(base)[1] != fingerprint(other)[1]
    summary = json.loads((out / SEEDS_FILE).read_text())
    assert summary["seeds"] == [0, 1]
    assert summary["claims"] == json.loads(json.dumps(pooled_json(pool_claims({0: claims_of(base), 1: claims_of(other)}))))
    assert "across seeds" in capsys.readouterr().out
    # a rerun resumes both seeds: nothing is computed again
    assert cli_main(["nn", "run", "--out", str(out), "--seeds", "2", *TINY]) == 0
    for folder, before in ((out, base), (seed_folder(out, 0, 1), other)):
        again = json.loads((folder / "results.json").read_text())
        assert again["timings"]["units_computed_now"] == 0
        assert fingerprint(again) == fingerprint(before)


def test_plans_cover_consecutive_seeds_from_the_requested_one(tmp_path):
    plans = plan_seeds(tmp_path, run_command.RunRequest(seed=5, seeds=3, n_models=2, methods=("do_nothing",),
                                                       progress=False))
    assert [p.sweep.seed for p in plans] == [5, 6, 7]
    assert [p.out for p in plans] == [tmp_path, tmp_path / "seeds" / "seed-6", tmp_path / "seeds" / "seed-7"]
    assert {p.cache_dir for p in plans} == {tmp_path / "cache"}  # one content-addressed cache for every seed
    assert [p.settings.seed for p in plans] == [5, 6, 7]  # the data split follows the seed
    single = plan_seeds(tmp_path / "one", run_command.RunRequest(n_models=2, methods=("do_nothing",), progress=False))
    assert len(single) == 1 and single[0].sweep.seed == 0  # the sweep's own seed


@pytest.mark.parametrize("argv, flag", [(["--seeds", "0"], "--seeds"), (["--seeds", "1001"], "--seeds"),
                                        (["--seed", "-1"], "--seed"), (["--seed", str(2**32)], "--seed")])
def test_bad_seed_flags_are_clean_errors_before_any_training(tmp_path, capsys, argv, flag):
    assert cli_main(["nn", "run", "--out", str(tmp_path / "o"), *argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert flag in err and "Traceback" not in err
    assert not (tmp_path / "o" / "cache").exists()
