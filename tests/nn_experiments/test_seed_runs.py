"""``--seeds K`` (nn_experiments/seed_runs.py): K complete sweeps on seeds S … S+K−1, pooled in seeds.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ascent_fails.nn_experiments import run_command
from ascent_fails.nn_experiments.claims_across_seeds import claims_of, pool_claims, pooled_json
from ascent_fails.nn_experiments.results_schema import validate_results
from ascent_fails.nn_experiments.seed_runs import SEEDS_FILE, plan_seeds, seed_folder
from ascent_fails.proofs_check.cli import main as cli_main

TINY = ["--n-models", "2", "--methods", "do_nothing", "--forget-sets", "random_10_seed0",
        "--datamodel-models", "4", "--no-progress", "--threads", "1"]


@pytest.mark.slow
def test_two_seeds_are_two_independent_sweeps_pooled_in_seeds_json(tmp_path, capsys, monkeypatch):
    import os

    from ascent_fails import atomic_io
    from ascent_fails.locks import live_holders

    out = tmp_path / "run"
    holders_at_summary = []
    write = atomic_io.atomic_write_json

    def watched(path, obj):  # who holds --out when seeds.json is written (it must still be this run)
        if Path(path).name == SEEDS_FILE:
            holders_at_summary.append(live_holders(out))
        return write(path, obj)

    monkeypatch.setattr(atomic_io, "atomic_write_json", watched)
    assert cli_main(["nn", "run", "--out", str(out), "--seeds", "2", *TINY]) == 0
    assert len(holders_at_summary) == 1 and os.getpid() in {h.get("pid") for h in holders_at_summary[0]}
    assert live_holders(out) == []  # control: released once the command is done
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
    assert summary["seeds"] == [0, 1] and set(summary["configurations"]) == {"0", "1"}
    assert summary["claims"] == json.loads(json.dumps(pooled_json(pool_claims({0: claims_of(base), 1: claims_of(other)}))))
    assert "across seeds" in capsys.readouterr().out
    # a rerun resumes both seeds: nothing is computed again
    assert cli_main(["nn", "run", "--out", str(out), "--seeds", "2", *TINY]) == 0
    for folder, before in ((out, base), (seed_folder(out, 0, 1), other)):
        again = json.loads((folder / "results.json").read_text())
        assert again["timings"]["units_computed_now"] == 0
        assert fingerprint(again) == fingerprint(before)
    # a plain run of the same configuration keeps seeds.json; one of another configuration (--force) removes it
    assert cli_main(["nn", "run", "--out", str(out), *TINY]) == 0
    assert (out / SEEDS_FILE).is_file()
    assert cli_main(["nn", "run", "--out", str(out), "--force", *TINY, "--klom-direction", "unlearned_oracle"]) == 0
    assert not (out / SEEDS_FILE).exists() and "removed" in capsys.readouterr().err


def test_plans_cover_consecutive_seeds_from_the_requested_one(tmp_path):
    plans = plan_seeds(tmp_path, run_command.RunRequest(seed=5, seeds=3, n_models=2, methods=("do_nothing",),
                                                       progress=False))
    assert [p.sweep.seed for p in plans] == [5, 6, 7]
    assert [p.out for p in plans] == [tmp_path, tmp_path / "seeds" / "seed-6", tmp_path / "seeds" / "seed-7"]
    assert {p.cache_dir for p in plans} == {tmp_path / "cache"}  # one content-addressed cache for every seed
    assert [p.settings.seed for p in plans] == [5, 6, 7]  # the data split follows the seed
    single = plan_seeds(tmp_path / "one", run_command.RunRequest(n_models=2, methods=("do_nothing",), progress=False))
    assert len(single) == 1 and single[0].sweep.seed == 0  # the sweep's own seed


def test_plan_run_plans_one_seed_and_points_to_plan_seeds(tmp_path):
    from ascent_fails.cli_errors import UsageError

    with pytest.raises(UsageError, match="--seeds.*plan_seeds"):
        run_command.plan_run(tmp_path, run_command.RunRequest(seeds=3, n_models=2))


def test_a_seed_folder_holding_another_configuration_is_refused_before_any_training(tmp_path, monkeypatch):
    from ascent_fails.cli_errors import UsageError
    from ascent_fails.nn_experiments import inputs

    def no_training(*args, **kwargs):
        raise AssertionError("prepare_inputs was called")

    monkeypatch.setattr(inputs, "prepare_inputs", no_training)
    request = run_command.RunRequest(seeds=2, n_models=2, methods=("do_nothing",), progress=False)
    first = plan_seeds(tmp_path, request)
    from ascent_fails.locks import claim_output

    with claim_output(first[1].out, "another-configuration", "a run of another configuration"):
        pass  # leaves OUT/seeds/seed-1 holding another configuration's results
    with pytest.raises(UsageError, match="--out"):
        plan_seeds(tmp_path, request)
    assert len(plan_seeds(tmp_path, run_command.RunRequest(seeds=2, n_models=2, methods=("do_nothing",),
                                                           progress=False, force=True))) == 2  # control


@pytest.mark.parametrize("argv, flag", [(["--seeds", "0"], "--seeds"), (["--seeds", "1001"], "--seeds"),
                                        (["--seed", "-1"], "--seed"), (["--seed", str(2**32)], "--seed"),
                                        (["--seed", str(2**32 - 1), "--seeds", "2"], "--seeds")])
def test_bad_seed_flags_are_clean_errors_before_any_training(tmp_path, capsys, argv, flag):
    assert cli_main(["nn", "run", "--out", str(tmp_path / "o"), *argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert flag in err and "Traceback" not in err
    assert not (tmp_path / "o" / "cache").exists()


def test_seeds_share_one_copy_of_data_that_does_not_depend_on_the_seed():
    import numpy as np
    from types import SimpleNamespace

    from ascent_fails.nn_experiments.seed_runs import _same_data

    def data(shift=0.0):
        x = np.arange(12.0).reshape(6, 2)
        return SimpleNamespace(train_x=x + shift, train_y=np.arange(6) % 2, val_x=x[:2], val_y=np.arange(2))

    assert _same_data(data(), data())  # e.g. CIFAR-10, which ignores the seed: the extra plans reuse one copy
    assert not _same_data(data(), data(shift=1.0))  # control: a split that moved with the seed (digits)


def test_cifar_seeds_share_the_arrays_but_claim_their_own_configuration(tmp_path):
    """CIFAR-10 ignores the seed, so the seeds' plans share one copy of the images; each plan's data record must
    still carry its own seed, which enters the configuration key its run claims --out with. Control: the key of
    the shared record with the base seed (what an earlier version passed on) differs from the plan's claim."""
    import dataclasses

    from ascent_fails.nn_experiments.inputs import model_plan
    from ascent_fails.nn_experiments.runner import output_claim
    from tests.nn_experiments.test_data import _write_fake_cifar

    _write_fake_cifar(tmp_path / "cifar-10-batches-py")
    (tmp_path / "two.txt").write_text("0 1\n")
    request = run_command.RunRequest(dataset="cifar10", data_dir=tmp_path, seeds=2, n_models=2, arch="mlp",
                                     methods=("do_nothing",), forget_set_files=(tmp_path / "two.txt",),
                                     forget_sets=("two",), progress=False)
    plans = plan_seeds(tmp_path / "out", request)
    assert [p.sweep.seed for p in plans] == [0, 1] and [p.dataset.seed for p in plans] == [0, 1]
    assert plans[1].dataset.train_x is plans[0].dataset.train_x  # one copy of the arrays
    for plan in plans:
        _, arch, recipe = model_plan(plan.settings)
        assert output_claim(plan.sweep, plan.dataset, arch, recipe, plan.settings.seed)[0] == plan.claim[0]
    base_record = dataclasses.replace(plans[1].dataset, seed=0)
    _, arch, recipe = model_plan(plans[1].settings)
    assert output_claim(plans[1].sweep, base_record, arch, recipe, 1)[0] != plans[1].claim[0]
