"""Ensemble-native modules equal N independent plain PyTorch networks (forward, BatchNorm, initialisation)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ascent_fails.nn_experiments.models import (
    EnsembleBatchNorm2d,
    build_model,
    resolve_device,
)


def _conv(ens_conv, k: int) -> nn.Conv2d:
    """Model k's slice of an EnsembleConv2d as a plain nn.Conv2d."""
    n = ens_conv.n_models
    w = ens_conv.weight.detach().view(n, -1, *ens_conv.weight.shape[1:])[k]
    conv = nn.Conv2d(w.shape[1], w.shape[0], w.shape[2], stride=ens_conv.stride, padding=ens_conv.padding, bias=False)
    conv.weight.data.copy_(w)
    return conv


def _bn(ens_bn, k: int) -> nn.BatchNorm2d:
    c, n = ens_bn.channels, ens_bn.n_models
    bn = nn.BatchNorm2d(c)
    for name in ("weight", "bias", "running_mean", "running_var"):
        getattr(bn, name).data.copy_(getattr(ens_bn, name).detach().view(n, c)[k])
    return bn


def _linear(ens_linear, k: int) -> nn.Linear:
    w = ens_linear.weight.detach()[k].t()  # stored [in, out]; nn.Linear holds [out, in]
    lin = nn.Linear(w.shape[1], w.shape[0], bias=ens_linear.bias is not None)
    lin.weight.data.copy_(w)
    if ens_linear.bias is not None:
        lin.bias.data.copy_(ens_linear.bias.detach()[k])
    return lin


def _convbn(block, k: int) -> nn.Sequential:
    return nn.Sequential(_conv(block.conv, k), _bn(block.bn, k), nn.ReLU())


class _Residual(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.inner(x)


class _Mul(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 0.2


def reference_network(module, arch: str, k: int) -> nn.Module:
    """Model k of an ensemble rebuilt as a plain PyTorch network (the reference's layer sequence)."""
    if arch == "mlp":
        return nn.Sequential(nn.Flatten(), _linear(module.hidden, k), nn.ReLU(), _linear(module.out, k))
    if arch == "cnn":
        return nn.Sequential(
            _convbn(module.block1, k), nn.MaxPool2d(2), _convbn(module.block2, k), nn.Flatten(), _linear(module.out, k)
        )
    # the reference construct_rn9 layer sequence
    return nn.Sequential(
        _convbn(module.prep, k),
        _convbn(module.down, k),
        _Residual(nn.Sequential(_convbn(module.res1.block1, k), _convbn(module.res1.block2, k))),
        _convbn(module.widen, k),
        nn.MaxPool2d(2),
        _Residual(nn.Sequential(_convbn(module.res2.block1, k), _convbn(module.res2.block2, k))),
        _convbn(module.narrow, k),
        nn.AdaptiveMaxPool2d((1, 1)),
        nn.Flatten(),
        _linear(module.out, k),
        _Mul(),
    )


@pytest.mark.parametrize(
    ("arch", "shape"), [("mlp", (64,)), ("cnn", (1, 8, 8)), ("resnet9", (3, 16, 16))]
)
@pytest.mark.parametrize("training", [False, True])
def test_forward_equals_independent_plain_networks(arch: str, shape: tuple[int, ...], training: bool) -> None:
    n_models, batch = (2, 3) if arch == "resnet9" else (3, 5)
    ensemble = build_model(arch, n_models, 10, seeds=[11, 12, 13][:n_models], input_shape=shape)
    with torch.no_grad():  # non-trivial running statistics so that eval mode is tested too
        for buf_name, buf in ensemble.named_buffers():
            buf.copy_(torch.rand_like(buf) + (0.5 if buf_name.endswith("var") else -0.5))
    ensemble.train(training)
    x = torch.randn(n_models, batch, *shape, generator=torch.Generator().manual_seed(0))
    out = ensemble(x)
    assert out.shape == (n_models, batch, 10)
    for k in range(n_models):
        reference = reference_network(ensemble, arch, k).train(training)
        torch.testing.assert_close(out[k], reference(x[k]), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("arch", ["mlp", "cnn", "resnet9"])
def test_model_k_of_an_ensemble_equals_the_model_built_alone(arch: str) -> None:
    shape = (3, 16, 16) if arch == "resnet9" else None
    ensemble = build_model(arch, 3, 10, seeds=[5, 6, 7], input_shape=shape)
    alone = build_model(arch, 1, 10, seeds=[6], input_shape=shape)
    for (name, together), (_, single) in zip(ensemble.state_dict().items(), alone.state_dict().items()):
        assert torch.equal(together.view(3, -1)[1], single.view(-1)), name
    # different seeds really give different models
    assert not torch.equal(ensemble.state_dict()["out.weight"][0], ensemble.state_dict()["out.weight"][1])


def test_default_initialisation_bounds_match_pytorch() -> None:
    """Weights ~ U(±1/√fan_in) (nn.Linear's default): the sample range fills but never exceeds the bound."""
    net = build_model("mlp", 4, 10, seeds=[0, 1, 2, 3]).requires_grad_(False)
    bound = 1 / 64**0.5
    assert float(net.hidden.weight.abs().max()) <= bound
    assert float(net.hidden.weight.abs().max()) > 0.99 * bound


def test_masked_batchnorm_uses_only_valid_entries() -> None:
    n_models, channels, batch = 3, 4, 6
    bn = EnsembleBatchNorm2d(n_models, channels)
    bn.reset_parameters([0, 1, 2])
    x = torch.randn(batch, n_models * channels, 5, 5, generator=torch.Generator().manual_seed(1))
    valid = torch.tensor([[True] * 6, [True, True, True, False, False, False], [False] * 6])  # [N, B]
    before_var = bn.running_var.clone()
    out = bn.train()(x, valid)
    xs = x.view(batch, n_models, channels, 5, 5)
    for k, rows in ((0, slice(0, 6)), (1, slice(0, 3))):
        reference = nn.BatchNorm2d(channels).train()
        expected = reference(xs[rows, k])
        torch.testing.assert_close(out.view(batch, n_models, channels, 5, 5)[rows, k], expected, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(bn.running_mean.view(n_models, channels)[k], reference.running_mean)
        torch.testing.assert_close(bn.running_var.view(n_models, channels)[k], reference.running_var)
    # model 2 saw nothing: its running statistics are untouched
    torch.testing.assert_close(bn.running_var.view(n_models, channels)[2], before_var.view(n_models, channels)[2])
    # the unmasked fast path is F.batch_norm itself
    torch.testing.assert_close(bn(x, None), F.batch_norm(x, None, None, bn.weight, bn.bias, True), rtol=1e-4, atol=1e-5)


def test_flat_digits_are_read_as_square_images_by_the_cnn() -> None:
    net = build_model("cnn", 2, 10, seeds=[0, 1], input_shape=(64,))
    x = torch.randn(2, 3, 64)
    torch.testing.assert_close(net.eval()(x), net(x.view(2, 3, 1, 8, 8)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(arch="transformer"), "arch='transformer'"),
        (dict(n_models=0), "n_models=0"),
        (dict(device="gpu0"), "device='gpu0'"),
        (dict(device="mps"), "device='mps'"),
        (dict(seeds=[1]), "seeds has 1 entries"),
        (dict(num_classes=1), "num_classes=1"),
        (dict(arch="cnn", input_shape=(10,)), "input_shape=(10,)"),
    ],
)
def test_bad_input_is_a_value_error_naming_it(kwargs: dict, message: str) -> None:
    args = dict(arch="mlp", n_models=2, num_classes=10, seeds=[0, 1], device="cpu") | kwargs
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_model(**args)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised when CUDA is absent")
def test_cuda_without_cuda_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="torch.cuda.is_available"):
        resolve_device("cuda")
