"""Engine options (nn_experiments.engine) change speed, not models: each is checked on CPU against the defaults."""

from __future__ import annotations

import dataclasses
import warnings

import pytest
import torch

from ascent_fails.nn_experiments import engine as engine_mod
from ascent_fails.nn_experiments.engine import EngineOptions
from ascent_fails.nn_experiments.ensemble import Ensemble, EnsembleConfig
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.storage import EnsembleStore
from ascent_fails.nn_experiments.training import train_ensemble

RECIPE = TrainRecipe(epochs=2, batch_size=16, lr=0.05, lr_schedule="triangular", peak_epoch=1.0)
RELATIVE = 1e-3  # NHWC and NCHW kernels sum in different orders; two epochs of SGD keep that at ~1e-5 of the scale


def _train(digits, options: EngineOptions | None, arch: str = "cnn", n_models: int = 3):
    x, y = digits[0][:24], digits[1][:24]
    masks = torch.ones(n_models, x.shape[0], dtype=torch.bool)
    masks[0, :7] = False  # unequal subsets: padded batches and the masked BatchNorm
    return train_ensemble(arch, x, y, RECIPE, n_models=n_models, seed=3, num_classes=10, masks=masks,
                          progress=False, engine=options)


def _state_close(a: Ensemble, b: Ensemble) -> bool:
    return all(float((p - q).abs().max()) <= RELATIVE * float(q.abs().max()) + 1e-6
               for p, q in zip(a.module.state_dict().values(), b.module.state_dict().values()))


@pytest.mark.parametrize("change", [
    dict(channels_last=True),
    dict(data_on_device=False),
    dict(cudnn_benchmark=True),  # a no-op on a CPU
    dict(models_per_pass=2),
    dict(models_per_pass=None),
])
def test_every_option_trains_the_same_models(digits, change) -> None:
    reference = _train(digits, EngineOptions(models_per_pass=1)).ensemble
    changed = _train(digits, EngineOptions(**{"models_per_pass": 1, **change})).ensemble
    assert _state_close(changed, reference)
    x = digits[0][:24]
    assert torch.allclose(changed.logits(x), reference.logits(x), rtol=1e-3, atol=1e-4)


def test_a_different_seed_is_not_close(digits) -> None:
    """Control for the comparison above: models of another seed are far apart under the same rule."""
    x, y = digits[0][:24], digits[1][:24]
    a = _train(digits, EngineOptions(models_per_pass=1)).ensemble
    b = train_ensemble("cnn", x, y, RECIPE, n_models=3, seed=4, num_classes=10, progress=False).ensemble
    assert not _state_close(a, b)


def test_compile_that_fails_falls_back_to_eager_with_a_warning(digits, monkeypatch) -> None:
    """torch.compile unavailable (raises when called) or failing at the first step: a RuntimeWarning naming
    compile=True, then the same models as without it."""
    reference = _train(digits, EngineOptions(models_per_pass=1)).ensemble

    def broken_compile(module, **kwargs):
        raise RuntimeError("no C++ compiler on this machine")

    monkeypatch.setattr(torch, "compile", broken_compile)
    with pytest.warns(RuntimeWarning, match="compile=True"):
        result = _train(digits, EngineOptions(models_per_pass=1, compile=True))
    assert not result.engine.compiled and _state_close(result.ensemble, reference)

    def failing_at_call(module, **kwargs):
        def call(*args):
            raise RuntimeError("backend compiler failed")
        return call

    monkeypatch.setattr(torch, "compile", failing_at_call)
    with pytest.warns(RuntimeWarning, match="running the engine eagerly"):
        result = _train(digits, EngineOptions(models_per_pass=1, compile=True))
    assert _state_close(result.ensemble, reference)


def test_auto_picks_by_rule_on_cpu_and_records_why(digits) -> None:
    assert _train(digits, EngineOptions(), arch="cnn").engine.models_per_pass == 1  # convolutions on a CPU
    mlp = _train(digits, EngineOptions(), arch="mlp")
    assert mlp.engine.models_per_pass == 3 and "no convolution" in mlp.engine.reason
    assert _train(digits, EngineOptions(models_per_pass=2)).engine.reason == "given"


def test_the_probe_times_every_candidate() -> None:
    ensemble = Ensemble.build(EnsembleConfig("cnn", 10, (1, 8, 8), seeds=(0, 1, 2, 3, 4)))
    before = {k: v.clone() for k, v in ensemble.module.state_dict().items()}
    rates = engine_mod.probe_models_per_pass(ensemble, batch_size=4)
    assert sorted(rates) == [1, 4, 5] and all(r > 0 for r in rates.values())
    assert all(torch.equal(before[k], v) for k, v in ensemble.module.state_dict().items())  # a copy was probed


def test_the_probe_runs_under_no_grad() -> None:
    # Ensemble.logits (no_grad) triggers the CUDA probe the first time a loaded ensemble evaluates: the probe's
    # training steps must build their graph anyway (before the fix: "element 0 of tensors does not require grad")
    ensemble = Ensemble.build(EnsembleConfig("cnn", 10, (1, 8, 8), seeds=(0, 1)))
    with torch.no_grad():
        rates = engine_mod.probe_models_per_pass(ensemble, batch_size=4, repeats=1)
    assert sorted(rates) == [1, 2] and all(r > 0 for r in rates.values())


def test_the_cache_key_holds_no_engine_option(digits, tmp_path) -> None:
    """The spec that is hashed into the key names no engine option (they do not change the models)."""
    x, y = digits[0][:24], digits[1][:24]
    store = EnsembleStore(tmp_path)
    first = store.ensemble("cnn", x, y, RECIPE, n_models=2, seed=0, num_classes=10, progress=False)
    assert first.models_trained == 2
    fields = {f.name for f in dataclasses.fields(first.spec)}
    assert not fields & {f.name for f in dataclasses.fields(EngineOptions)}
    assert "models_per_pass" not in str(first.spec)


@pytest.mark.parametrize("kwargs, name", [
    (dict(models_per_pass=0), "models_per_pass"),
    (dict(models_per_pass="fast"), "models_per_pass"),
    (dict(models_per_pass=True), "models_per_pass"),
    (dict(channels_last="yes"), "channels_last"),
    (dict(compile=1), "compile"),
])
def test_bad_engine_options_are_named(kwargs, name) -> None:
    with pytest.raises(ValueError, match=name):
        EngineOptions(**kwargs)


def test_more_models_per_pass_than_models_is_named(digits) -> None:
    with pytest.raises(ValueError, match="models_per_pass=5"):
        _train(digits, EngineOptions(models_per_pass=5))


def test_no_warning_without_compile(digits) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _train(digits, EngineOptions(models_per_pass=1))


def test_the_probe_batch_keeps_a_step_of_all_models_within_the_budget(monkeypatch) -> None:
    """The CUDA probe times a training step of all N models: its batch is the largest that fits the memory bound
    (at least 1, at most the training batch)."""
    from ascent_fails.nn_experiments import memory

    ensemble = Ensemble.build(EnsembleConfig("cnn", 10, (1, 8, 8), seeds=range(6)))
    footprint = memory.training_footprint("cnn", (1, 8, 8), 10)
    for budget_batch in (1, 7, 40):
        budget = 6 * memory.training_peak_bytes(1, budget_batch, footprint) + 5
        monkeypatch.setattr(memory, "memory_budget", lambda device, b=budget: b)
        b = engine_mod._probe_batch(ensemble, batch_size=32)
        assert b == min(32, budget_batch)
        assert memory.training_peak_bytes(6, b, footprint) <= budget
