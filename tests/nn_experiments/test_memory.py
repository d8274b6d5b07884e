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
