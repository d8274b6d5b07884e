"""A tiny ResNet-9 experiment end to end on CPU: train, retrain oracles, unlearn, score with KLoM.

N = 4 models, 48 training and 24 validation images of the 32×32×3 digits stand-in, one random forget set of 6,
``do_nothing`` and one GA run, 2 training epochs: the paper's architecture and the whole pipeline, in seconds.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("torch")

from ascent_fails.nn_experiments.forget_sets import random_forget_set  # noqa: E402
from ascent_fails.nn_experiments.inputs import DataSettings, ExperimentInputs, load_data  # noqa: E402
from ascent_fails.nn_experiments.oracles import EnsembleSettings, oracle_ensemble, pretrained_ensemble  # noqa: E402
from ascent_fails.nn_experiments.recipe import RESNET9_RECIPE  # noqa: E402
from ascent_fails.nn_experiments.results_schema import load_results  # noqa: E402
from ascent_fails.nn_experiments.runner import run_sweep  # noqa: E402
from ascent_fails.nn_experiments.storage import EnsembleStore  # noqa: E402
from ascent_fails.nn_experiments.sweep import MethodGrid, Sweep  # noqa: E402

N_TRAIN, N_VAL, N_MODELS = 48, 24, 4


@pytest.mark.slow
def test_a_tiny_resnet9_sweep_runs_on_cpu(tmp_path):
    full = load_data(DataSettings(dataset="digits", device="cpu", arch="resnet9", n_models=N_MODELS))
    assert full.input_shape == (3, 32, 32)
    dataset = SimpleNamespace(name="digits-32-tiny", description="48 + 24 upsampled digits", seed=0,
                              train_x=full.train_x[:N_TRAIN], train_y=full.train_y[:N_TRAIN],
                              val_x=full.val_x[:N_VAL], val_y=full.val_y[:N_VAL], num_classes=10, n_train=N_TRAIN)
    recipe = dataclasses.replace(RESNET9_RECIPE, epochs=2, batch_size=16, lr=0.05, peak_epoch=1.0, mixed_precision=False)
    settings = EnsembleSettings(arch="resnet9", recipe=recipe, n_models=N_MODELS, seed=0)
    store = EnsembleStore(tmp_path / "cache")
    forget = random_forget_set(N_TRAIN, 6, 0)
    pre = pretrained_ensemble(store, dataset, settings, progress=False)
    inputs = ExperimentInputs(
        dataset=dataset, arch="resnet9", recipe=recipe, forget_sets=(forget,),
        pretrained=lambda: pre.cached.ensemble, checkpoint=lambda epoch: None,
        oracle_margins=lambda name: oracle_ensemble(store, dataset, forget, settings, progress=False).margins.all_points(),
        independent_margins=lambda name: oracle_ensemble(store, dataset, forget, settings, replicate=1,
                                                         progress=False).margins.all_points(),
    )  # fmt: skip
    sweep = Sweep(n_models=N_MODELS, methods=(MethodGrid("do_nothing", (0,)), MethodGrid("ga", (1,), (("lr", (1e-3,)),))),
                  illusion=None)
    results = run_sweep(sweep, inputs, tmp_path / "out", progress=False)
    assert load_results(tmp_path / "out")["arch"] == "resnet9"
    methods = sorted({row["method"] for row in results["runs"]})
    assert methods == ["do_nothing", "ga"]
    for row in results["runs"]:
        assert all(np.isfinite(v) and v >= 0 for v in row["klom_p95"].values())
    assert all(np.isfinite(v) for v in results["floor"].values())
