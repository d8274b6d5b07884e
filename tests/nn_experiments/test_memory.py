"""Batch sizes from a memory budget (nn_experiments.memory): the bound, its maximality, and its use in logits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascent_fails.nn_experiments import memory

torch = pytest.importorskip("torch")


def test_largest_activation_matches_the_architectures():
    # from the architectures as documented: the MLP 64-128-10 (hidden width 128); ResNet-9's first conv-bn-relu
    # keeps 64 channels at the full 32 × 32 resolution
    assert memory.activation_elements("mlp", (64,), 10) == 128
    assert memory.activation_elements("resnet9", (3, 32, 32), 10) == 64 * 32 * 32


@given(elements=st.integers(1, 10**6), n_models=st.integers(1, 256), budget=st.integers(1, 2**45),
       maximum=st.integers(1, 4096))
def test_the_batch_is_the_largest_within_the_budget(elements, n_models, budget, maximum):
    b = memory.evaluation_batch_size(elements, n_models, budget, maximum=maximum)
    per_point = n_models * 4 * 3 * elements  # b · N · s · K · A_max with s = 4 bytes, K = 3 (written out here)
    assert 1 <= b <= maximum
    assert b == 1 or b * per_point <= budget  # within the budget (b = 1 is the floor even when it does not fit)
    assert b == maximum or (b + 1) * per_point > budget  # and the largest such batch


def test_paper_scale_resnet9_fits_a_40_gb_card():
    elements = memory.activation_elements("resnet9", (3, 32, 32), 10)
    b = memory.evaluation_batch_size(elements, 100, int(0.8 * 40e9))
    assert memory.peak_bytes(b, 100, elements) <= 0.8 * 40e9 < memory.peak_bytes(2048, 100, elements)


def test_logits_split_the_points_into_batches_that_fit_the_budget():
    from ascent_fails.nn_experiments.ensemble import Ensemble, EnsembleConfig

    ensemble = Ensemble.build(EnsembleConfig("mlp", num_classes=10, input_shape=(64,), seeds=(1, 2, 3)))
    x = np.random.default_rng(0).standard_normal((50, 64)).astype(np.float32)
    seen = []
    hook = ensemble.module.register_forward_pre_hook(lambda _m, args: seen.append(args[0].shape[1]))
    budget = memory.peak_bytes(7, 3, 128)  # room for exactly 7 points with 3 models
    try:
        small = ensemble.logits(x, memory_budget=budget)
    finally:
        hook.remove()
    assert max(seen) == 7 and sum(seen) == 50
    np.testing.assert_allclose(small.numpy(), ensemble.logits(x).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name, call", [
    ("budget_bytes", lambda: memory.evaluation_batch_size(10, 2, 0)),
    ("n_models", lambda: memory.evaluation_batch_size(10, 0, 100)),
    ("cpu_budget_bytes", lambda: memory.memory_budget("cpu", cpu_budget_bytes=-1)),
])
def test_bad_values_are_named(name, call):
    with pytest.raises(ValueError, match=name):
        call()


def _measured_training_bytes(arch, shape, n_models, batch):
    """Bytes a training step of ``n_models`` really holds: the distinct storages autograd saves for the backward
    pass in the forward (not the parameters), doubled for the gradients of those activations in the backward
    pass, plus parameters, their gradients and the momentum (3 × 4 bytes per parameter)."""
    from ascent_fails.nn_experiments.models import build_model

    net = build_model(arch, n_models, 10, seeds=range(n_models), input_shape=shape).train()
    params = {p.untyped_storage().data_ptr() for p in net.parameters()}
    saved = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            saved[storage.data_ptr()] = storage.nbytes()
        return t

    x = torch.randn(n_models, batch, *shape, requires_grad=False)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        net(x).sum().backward()
    n_params = sum(p.numel() for p in net.parameters())
    return 2 * sum(saved.values()) + 3 * 4 * n_params


@pytest.mark.parametrize("arch, shape, batch", [("resnet9", (3, 16, 16), 8), ("cnn", (1, 8, 8), 16)])
def test_the_training_chunk_fits_the_bytes_autograd_saves(arch, shape, batch):
    """For budgets that admit 2, 3 and 4 models, the chunk's measured training bytes stay within the budget.

    Negative control: a chunk sized by the forward-only bound of an evaluation pass (b · s · K · A_max per model,
    no backward pass) exceeds the budget in every case (expected violation rate 100 %)."""
    footprint = memory.training_footprint(arch, shape, 10)
    per_model = memory.training_peak_bytes(1, batch, footprint)
    forward_only = 4 * memory.PEAK_FACTOR * memory.activation_elements(arch, shape, 10) * batch
    violations = 0
    for models in (2, 3, 4):
        budget = models * per_model + per_model // 2
        chunk = memory.training_chunk_size(footprint, batch, budget)
        assert chunk == models
        assert _measured_training_bytes(arch, shape, chunk, batch) <= budget
        naive = budget // forward_only  # the evaluation formula: far more models than fit
        violations += _measured_training_bytes(arch, shape, min(naive, 12), batch) > budget
    assert violations == 3


@given(activation_sum=st.integers(1, 10**6), parameters=st.integers(1, 10**7), batch=st.integers(1, 1024),
       budget=st.integers(1, 2**45), data=st.integers(0, 2**40), maximum=st.integers(1, 200))
def test_the_chunk_is_the_largest_within_the_budget(activation_sum, parameters, batch, budget, data, maximum):
    footprint = memory.TrainingFootprint(activation_sum, parameters)
    c = memory.training_chunk_size(footprint, batch, budget, data_bytes=data, maximum=maximum)
    per_model = 2 * batch * 4 * activation_sum + 12 * parameters  # written out: activations ×2, θ, ∇θ, momentum
    assert 1 <= c <= maximum
    assert c == 1 or c * per_model <= budget - data
    assert c == maximum or (c + 1) * per_model > budget - data


def test_auto_chunk_of_the_ensemble_settings_follows_the_budget(monkeypatch):
    """``EnsembleSettings(chunk_size="auto")`` trains as many models per chunk as the budget holds."""
    from types import SimpleNamespace

    from ascent_fails.nn_experiments import oracles
    from ascent_fails.nn_experiments.recipe import TrainRecipe

    recipe = TrainRecipe(batch_size=16)
    footprint = memory.training_footprint("cnn", (1, 8, 8), 10)
    data = SimpleNamespace(train_x=np.zeros((40, 1, 8, 8), np.float32), num_classes=10)
    budget = 40 * 64 * 4 + 3 * memory.training_peak_bytes(1, 16, footprint) + 1  # data + 3 models
    monkeypatch.setattr(memory, "memory_budget", lambda device: budget)
    settings = oracles.EnsembleSettings(arch="cnn", recipe=recipe, n_models=10, chunk_size="auto")
    assert oracles._chunk_size(settings, data) == 3
    with pytest.raises(ValueError, match="chunk_size"):
        oracles.EnsembleSettings(chunk_size="many")
