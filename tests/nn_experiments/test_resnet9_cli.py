"""``ascent-fails nn run --arch resnet9 --n-models 4 --epochs 1``: the command line runs the paper's network.

The flags go through the real ``main`` (parsing, planning, training, sweep, results.json). To keep it within
seconds on a CPU the data are the first 40 + 20 images of the 32×32×3 digits stand-in (``inputs.load_data`` is
narrowed) and the default forget sets, whose class sets need a class of 100 points, are replaced by one index
file of 6 points (``--forget-set-file``), and the sweep (``--sweep``) is one GA run with one snapshot, no
Figure 2 runs and no noise floor beyond the first set; everything else is the command as a user runs it.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from importlib import resources

from ascent_fails.nn_experiments import forget_sets, inputs
from ascent_fails.nn_experiments.recipe import RESNET9_RECIPE
from ascent_fails.nn_experiments.results_schema import validate_results
from ascent_fails.proofs_check.cli import main as cli_main

N_TRAIN, N_VAL = 40, 20


@pytest.mark.slow
def test_nn_run_trains_resnet9_for_the_epochs_asked(tmp_path, monkeypatch, capsys) -> None:
    real_load = inputs.load_data

    def small(settings):
        full = real_load(settings)
        return dataclasses.replace(full, name=f"{full.name}-first-{N_TRAIN}", train_x=full.train_x[:N_TRAIN],
                                   train_y=full.train_y[:N_TRAIN], val_x=full.val_x[:N_VAL], val_y=full.val_y[:N_VAL])

    monkeypatch.setattr(inputs, "load_data", small)
    monkeypatch.setattr(forget_sets, "default_forget_sets", lambda dataset, datamodel, **kw: ())
    index_file = tmp_path / "six.txt"
    index_file.write_text("\n".join(str(i) for i in (1, 5, 9, 20, 33, 39)) + "\n")
    quick = resources.files("ascent_fails.nn_experiments").joinpath("quick_sweep.toml").read_text()
    sweep = tmp_path / "one_ga_run.toml"  # the quick protocol's settings, one GA run, no [illusion] table
    sweep.write_text(quick[: quick.index("[illusion]")] + "[methods.ga]\nsnapshot_epochs = [1]\nlr = [1e-3]\n")
    out = tmp_path / "run"
    argv = ["nn", "run", "--out", str(out), "--sweep", str(sweep), "--arch", "resnet9", "--n-models", "4", "--epochs", "1",
            "--forget-set-file", str(index_file), "--forget-sets", "six", "--methods", "ga",
            "--datamodel-models", "4", "--no-progress", "--threads", "1"]
    assert cli_main(argv) == 0
    results = json.loads((out / "results.json").read_text())
    validate_results(results)
    assert results["arch"] == "resnet9" and results["n_models"] == 4
    assert {r["method"] for r in results["runs"]} == {"ga"} and results["forget_sets"]
    assert "32x32" in results["dataset"] or "32" in json.dumps(results["dataset"])
    spec_files = list((out / "cache" / "ensembles").glob("*/spec.json"))
    recipes = [json.loads(p.read_text())["spec"]["recipe"] for p in spec_files]
    assert recipes and all(r["epochs"] == 1 for r in recipes)  # --epochs reached every trained ensemble
    assert all(r["peak_epoch"] == pytest.approx(RESNET9_RECIPE.peak_epoch / RESNET9_RECIPE.epochs) for r in recipes)


def test_bad_epochs_is_a_clean_error(tmp_path, capsys) -> None:
    assert cli_main(["nn", "run", "--out", str(tmp_path), "--epochs", "0", "--no-progress"]) == 2
    assert "--epochs" in capsys.readouterr().err
