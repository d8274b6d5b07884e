"""The resumable sweep runner (nn_experiments.runner): schema, cost, resume after an interruption, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ascent_fails.nn_experiments import methods
from ascent_fails.nn_experiments.data import Dataset
from ascent_fails.nn_experiments.margins import margins
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.training import train_ensemble
from ascent_fails.nn_experiments.forget_sets import random_forget_set
from ascent_fails.nn_experiments.inputs import ExperimentInputs
from ascent_fails.nn_experiments.results_schema import load_results, validate_results
from ascent_fails.nn_experiments.runner import run_sweep
from ascent_fails.nn_experiments.sweep import IllusionSpec, MethodGrid, Sweep
from tests.nn_experiments.conftest import gaussian_class_sampler

N_MODELS = 3
RECIPE = TrainRecipe(epochs=3, batch_size=16)


@pytest.fixture(scope="module")
def inputs() -> ExperimentInputs:
    draw = gaussian_class_sampler(np.random.default_rng(0))
    train_x, train_y = draw(60)
    val_x, val_y = draw(20)
    dataset = Dataset("toy", train_x, train_y, val_x, val_y, 3, (16,), "three Gaussian classes", 0)
    sets = (random_forget_set(60, 5, 0), random_forget_set(60, 12, 1))
    all_x, all_y = np.concatenate([train_x, val_x]), np.concatenate([train_y, val_y])

    def ensemble_margins(seed: int, forget) -> np.ndarray:
        mask = np.ones((N_MODELS, 60), dtype=bool)
        mask[:, forget] = False
        ens = train_ensemble("mlp", train_x, train_y, RECIPE, n_models=N_MODELS, seed=seed, num_classes=3, masks=mask, progress=False).ensemble
        return margins(ens, all_x, all_y).numpy()

    by_name = {fs.name: fs for fs in sets}
    oracle = {fs.name: ensemble_margins(10 + i, fs.indices) for i, fs in enumerate(sets)}
    independent = {fs.name: ensemble_margins(20 + i, fs.indices) for i, fs in enumerate(sets)}
    pre = train_ensemble("mlp", train_x, train_y, RECIPE, n_models=N_MODELS, seed=1, num_classes=3, snapshot_epochs=(1,), progress=False)
    assert set(by_name) == set(oracle)
    return ExperimentInputs(dataset=dataset, arch="mlp", recipe=RECIPE, forget_sets=sets, pretrained=lambda: pre.ensemble,
                            checkpoint=lambda epoch: pre.snapshots[epoch], oracle_margins=oracle.__getitem__,
                            independent_margins=independent.__getitem__)


SWEEP = Sweep(
    n_models=N_MODELS,
    methods=(
        MethodGrid("do_nothing", (0,)),
        MethodGrid("ga", (1, 2), (("lr", (1e-3, 1e-1)),)),
        MethodGrid("gda", (2,), (("lr", (1e-2,)), ("ascent_epochs", (1,)), ("forget_batch_size", (4,)))),
        MethodGrid("rewind", (1,), (("lr", (1e-2,)), ("rewind_epoch", (1,)))),
    ),
    illusion=IllusionSpec(lrs=(1e-2,), epochs=2),
)


def test_results_follow_the_schema_and_count_costs(inputs, tmp_path):
    results = run_sweep(SWEEP, inputs, tmp_path, progress=False)
    validate_results(results)
    assert load_results(tmp_path)["runs"] == json.loads(json.dumps(results["runs"])), "results.json must hold what was returned"
    assert len(results["runs"]) == 2 * SWEEP.n_configurations() == 2 * (1 + 4 + 1 + 1)
    assert [fs["name"] for fs in results["forget_sets"]] == ["random_5_seed0", "random_12_seed1"]
    assert results["illusion"]["forget_set"] == "random_5_seed0" and len(results["illusion"]["runs"]) == 2
    for row in results["runs"]:
        size = 5 if row["forget_set"] == "random_5_seed0" else 12
        retain = 60 - size
        if row["method"] == "ga":  # batch 64 > |F|: one ascent pass of |F| evaluations per epoch
            expected = row["epoch"] * size / (RECIPE.epochs * retain)
        elif row["method"] == "gda":
            expected = (size + 2 * retain) / (RECIPE.epochs * retain)
        elif row["method"] == "rewind":
            expected = 1 / RECIPE.epochs
        else:
            expected = 0.0
        assert row["cost"] == pytest.approx(expected), row
    pre = [r for r in results["runs"] if r["method"] == "do_nothing"]
    assert all(r["epoch"] == 0 and r["accuracy"]["forget"] > 0.5 for r in pre)


def test_resume_does_not_redo_finished_units(inputs, tmp_path, monkeypatch):
    calls = []
    real = methods.unlearn

    def counting(*args, **kwargs):
        calls.append(args[4].key())
        return real(*args, **kwargs)

    monkeypatch.setattr(methods, "unlearn", counting)
    assert run_sweep(SWEEP, inputs, tmp_path / "a", progress=False, stop_after=3) == {}  # the simulated interruption
    assert len(calls) == 3 and not (tmp_path / "a" / "results.json").exists()
    first = list(calls)
    calls.clear()
    resumed = run_sweep(SWEEP, inputs, tmp_path / "a", progress=False)
    n_units = 2 * len(SWEEP.runs()) + len(SWEEP.illusion.lrs)
    assert len(calls) == n_units - 3, "finished units were recomputed"
    assert resumed["timings"]["units_computed_now"] == n_units - 3
    calls.clear()
    fresh = run_sweep(SWEEP, inputs, tmp_path / "b", progress=False)
    assert len(calls) == n_units and sorted(first) != []
    key = lambda r: (r["forget_set"], r["method"], json.dumps(r["hparams"], sort_keys=True), r["epoch"])  # noqa: E731
    strip = lambda rows: sorted(({k: v for k, v in r.items() if k != "seconds"} for r in rows), key=key)  # noqa: E731
    assert strip(resumed["runs"]) == strip(fresh["runs"]), "a resumed sweep must give the uninterrupted sweep's numbers"
    calls.clear()
    run_sweep(SWEEP, inputs, tmp_path / "a", progress=False)
    assert calls == [], "a finished sweep reruns nothing"


def test_unknown_forget_set_is_named(inputs, tmp_path):
    with pytest.raises(ValueError, match="no_such_set"):
        run_sweep(SWEEP.narrow(forget_sets=["no_such_set"]), inputs, tmp_path, progress=False)


def test_diverged_models_are_scored_as_maximally_wrong(inputs, tmp_path):
    # GA at a huge lr drives logits to inf/NaN; the runner must still produce finite KLoM and accuracy
    sweep = Sweep(n_models=N_MODELS, methods=(MethodGrid("do_nothing", (0,)), MethodGrid("ga", (3,), (("lr", (1e6,)),))), illusion=None,
                  forget_sets=("random_12_seed1",))
    results = run_sweep(sweep, inputs, tmp_path, progress=False)
    ga = next(r for r in results["runs"] if r["method"] == "ga")
    assert all(np.isfinite(v) for v in ga["klom_p95"].values())
    assert torch.isfinite(torch.tensor(list(ga["accuracy"].values()))).all()
