"""Models per pass changes the kernels, never the numbers: logits, gradients and a training step for every k.

The reference is the same ensemble run with all N models in one pass (k = N, the engine's grouped layout), which
tests/nn_experiments/test_models.py checks against N plain PyTorch networks. Every k in 1 … N must agree with it
to float32 rounding. Negative control: a deliberately mis-sliced row block (model blocks shifted by one model)
must be detected in every example that has more than one pass.
"""

from __future__ import annotations

import copy

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ascent_fails.nn_experiments import models
from ascent_fails.nn_experiments.engine import EngineOptions, apply_engine
from ascent_fails.nn_experiments.ensemble import Ensemble, EnsembleConfig
from ascent_fails.nn_experiments.optimizer import make_optimizer
from ascent_fails.nn_experiments.sgd_pass import sgd_pass

SHAPES = {"mlp": (64,), "cnn": (1, 8, 8), "resnet9": (3, 12, 12)}  # 12×12: ResNet-9 at its smallest
TOL = dict(rtol=1e-4, atol=1e-5)
# grouped and dense convolutions sum in different orders, and BatchNorm over 5 points of 1×1 maps (ResNet-9's last
# stage at 12×12) magnifies that: measured differences reach 4e-4 of a tensor's largest entry. A mis-sliced block
# is off by O(1) of it.
RELATIVE = 2e-3


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    """max |a − b| ≤ RELATIVE · max |b| (+ 1e-6 for tensors that are all zero)."""
    return float((a - b).abs().max()) <= RELATIVE * float(b.abs().max()) + 1e-6


@st.composite
def ensembles_and_k(draw: st.DrawFn) -> tuple[str, int, int, int]:
    arch = draw(st.sampled_from(sorted(SHAPES)))
    n_models = draw(st.integers(1, 4))
    k = draw(st.integers(1, n_models))
    seed = draw(st.integers(0, 2**16))
    return arch, n_models, k, seed


def _ensemble(arch: str, n_models: int, seed: int) -> Ensemble:
    config = EnsembleConfig(arch, num_classes=3, input_shape=SHAPES[arch], seeds=range(seed, seed + n_models))
    return Ensemble.build(config)


def _batch(arch: str, n_models: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_models, 5, *SHAPES[arch], generator=generator)
    y = torch.randint(0, 3, (n_models, 5), generator=generator)
    valid = torch.ones(n_models, 5, dtype=torch.bool)
    valid[0, 3:] = False  # model 0 has padding: the masked BatchNorm path too
    return x, y, valid


def _outputs(ensemble: Ensemble, k: int | None, x: torch.Tensor, y: torch.Tensor, valid: torch.Tensor):
    """(logits in eval mode, parameter gradients, parameters after one SGD step of a padded batch) with k per pass."""
    ensemble = ensemble.clone()
    apply_engine(ensemble, EngineOptions(models_per_pass=k), batch_size=5)  # None: all N models in one pass
    ensemble.module.train()
    logits = ensemble.forward(x, valid)
    loss = torch.nn.functional.cross_entropy(logits[valid], y[valid])
    grads = torch.autograd.grad(loss, list(ensemble.module.parameters()))
    optimizer = make_optimizer(ensemble, lr=0.1, momentum=0.9, weight_decay=5e-4)
    data_x = x.reshape(-1, *x.shape[2:])
    data_y = y.reshape(-1)
    rows = torch.arange(data_x.shape[0]).view(x.shape[0], -1).clone()
    rows[0, 3:] = -1  # model 0 has two points fewer
    # one step over the whole padded batch (a step on one point per model would normalise BatchNorm over a single
    # 1×1 map: statistics that amplify rounding far beyond what the comparison is about)
    sgd_pass(ensemble, optimizer, data_x, data_y, rows, batch_size=5)
    ensemble.module.eval()
    return logits.detach(), grads, [t.detach().clone() for t in ensemble.module.state_dict().values()]


def _agree(a, b) -> bool:
    logits_a, grads_a, state_a = a
    logits_b, grads_b, state_b = b
    return (_close(logits_a, logits_b)
            and all(_close(p, q) for p, q in zip(grads_a, grads_b))
            and all(_close(p, q) for p, q in zip(state_a, state_b)))


@pytest.mark.slow
@settings(max_examples=25)  # each example: two forward/backward passes and an SGD step of ≤ 4 small models
@given(case=ensembles_and_k())
def test_every_models_per_pass_computes_the_same_models(case) -> None:
    arch, n_models, k, seed = case
    ensemble = _ensemble(arch, n_models, seed)
    x, y, valid = _batch(arch, n_models, seed)
    assert _agree(_outputs(ensemble, k, x, y, valid), _outputs(ensemble, None, x, y, valid)), (arch, n_models, k)


def test_a_mis_sliced_model_block_is_detected(monkeypatch) -> None:
    """Negative control: blocks shifted by one model (model g+1's rows used for model g) differ in 100 % of the cases
    with more than one pass; the same comparison as above must see it."""

    def shifted(tensor: torch.Tensor, n_models: int, sizes: list[int]) -> tuple[torch.Tensor, ...]:
        rows = tensor.shape[0] // n_models
        return torch.roll(tensor, -rows, dims=0).split([s * rows for s in sizes], dim=0)

    cases = [(arch, n, k) for arch in sorted(SHAPES) for n in (2, 3) for k in range(1, n)]
    references = {}
    for arch, n, k in cases:
        x, y, valid = _batch(arch, n, 7)
        references[(arch, n, k)] = _outputs(_ensemble(arch, n, 7), None, x, y, valid)
    monkeypatch.setattr(models, "split_rows", shifted)
    detected = 0
    for arch, n, k in cases:
        x, y, valid = _batch(arch, n, 7)
        detected += not _agree(_outputs(_ensemble(arch, n, 7), k, x, y, valid), references[(arch, n, k)])
    assert detected == len(cases)  # expected violation rate: 100 %


def test_one_model_per_pass_runs_dense_kernels(monkeypatch) -> None:
    """k = 1 never calls a grouped convolution nor a batched matrix product (the plain single-model kernels)."""
    groups_seen: list[int] = []
    real_conv = torch.nn.functional.conv2d

    def spy_conv(*args, **kwargs):
        groups_seen.append(kwargs.get("groups", 1))
        return real_conv(*args, **kwargs)

    monkeypatch.setattr(models.F, "conv2d", spy_conv)
    ensemble = _ensemble("resnet9", 3, 0)
    ensemble.module.set_models_per_pass(1)
    bmm_calls = []
    for name in ("bmm", "baddbmm"):
        real = getattr(torch, name)
        monkeypatch.setattr(models.torch, name, lambda *a, _real=real, **k: bmm_calls.append(1) or _real(*a, **k))
    ensemble.module.eval()
    ensemble.forward(torch.randn(3, 2, 3, 12, 12))
    assert groups_seen and set(groups_seen) == {1} and not bmm_calls
    # control: all models in one pass is one grouped convolution per layer (groups = N)
    groups_seen.clear()
    ensemble.module.set_models_per_pass(None)
    ensemble.forward(torch.randn(3, 2, 3, 12, 12))
    assert set(groups_seen) == {3} and bmm_calls


@pytest.mark.parametrize("k", [0, 4, 2.5, "two"])
def test_bad_models_per_pass_is_a_value_error_naming_it(k) -> None:
    ensemble = _ensemble("cnn", 3, 0)
    with pytest.raises((ValueError, TypeError), match="models_per_pass"):
        ensemble.module.set_models_per_pass(k)


def test_running_statistics_update_through_the_blocks() -> None:
    """The BatchNorm running statistics are views of the module's buffers: a train-mode pass of k = 1 moves them
    exactly as k = N does."""
    ensemble = _ensemble("cnn", 3, 1)
    x = torch.randn(3, 6, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    per_model, together = copy.deepcopy(ensemble.module).train(), copy.deepcopy(ensemble.module).train()
    per_model.set_models_per_pass(1)
    per_model(x)
    together(x)
    before = ensemble.module.block1.bn.running_mean
    assert not torch.allclose(per_model.block1.bn.running_mean, before)  # they moved
    assert torch.allclose(per_model.block1.bn.running_mean, together.block1.bn.running_mean, **TOL)
    assert torch.allclose(per_model.block2.bn.running_var, together.block2.bn.running_var, **TOL)
