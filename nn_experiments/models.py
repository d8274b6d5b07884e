"""Ensemble-native networks: N independent models evaluated by one module.

Every module here computes N models at once, ``forward(x: [N, B, *input_shape]) -> logits [N, B, C]``, and is
*exactly* N independent networks, not an approximation of them:

* a linear layer holds stacked weights ``[N, in, out]`` and uses one batched matmul (``baddbmm``);
* a convolution of N models with C_in → C_out channels is ONE grouped convolution with N·C_in input channels,
  N·C_out output channels and ``groups=N`` (group k sees only model k's channels);
* BatchNorm over N·C channels normalises every channel with its own batch statistics, i.e. per model.

Parameters are stored model-major (``param.view(N, -1)[k]`` is model k's slice), so an elementwise optimiser
(SGD with momentum and weight decay) trains each model exactly as if it were alone, and ``select``/``concat`` of
ensembles are row operations.

Initialisation is per model: model k draws all its parameters, in registration order, from a CPU generator
seeded with ``seeds[k]`` (the PyTorch default bounds ``U(−1/√fan_in, 1/√fan_in)`` for weights and biases,
BatchNorm γ = 1, β = 0). Hence model k of an ensemble equals the same model built alone with that seed, on any
device. BatchNorm accepts a ``valid [N, B]`` mask so that padded batch entries (models with fewer points than
the batch) do not enter the batch statistics.

Models per pass. ``module.set_models_per_pass(k)`` runs the N models as ⌈N/k⌉ passes of at most k models each
(default: all N in one pass). Every parameter and buffer is split once per forward into row blocks of k models
(``Tensor.split``, whose backward is a single concatenation of the blocks' gradients, so a training step still
writes one gradient per parameter); block g is then computed exactly as above with k in place of N. With k = 1
every pass is a plain dense network: ``F.conv2d`` without groups and a matrix product ``x Wₖ + bₖ``, the
layers a single-model PyTorch loop runs. k changes which kernels run, not the mathematics: the logits, the
gradients and a training step agree for every k up to floating-point rounding (tests/nn_experiments/
test_models_per_pass.py). ``module.channels_last = True`` hands the convolutions channels-last activations
(NHWC, the layout cuDNN's tensor-core kernels prefer); parameters keep their model-major layout.

Architectures (``ARCHITECTURES``):

* ``"mlp"``: flatten → linear(d, 128) → ReLU → linear(128, C); 64-128-10 on 8×8 digits.
* ``"cnn"``: conv-bn-relu(C_in → 16, k3) → maxpool 2 → conv-bn-relu(16 → 32, k3) → flatten → linear(·, C);
  small enough for 8×8×1 digits on a CPU.
* ``"resnet9"`` (docs/experiments.md#models-and-training-recipes, the CIFAR speed-run family as in the reference's ``construct_rn9``):
  conv-bn-relu 64 → 128 (k5, s2) → residual(128) → 256 + maxpool 2 → residual(256) → 128 (k3, no padding)
  → global max pool → linear without bias → × 0.2.

>>> import torch
>>> net = build_model("mlp", n_models=3, num_classes=10, seeds=[7, 8, 9], device="cpu")
>>> net(torch.zeros(3, 5, 64)).shape
torch.Size([3, 5, 10])
>>> alone = build_model("mlp", n_models=1, num_classes=10, seeds=[8], device="cpu")
>>> bool(torch.equal(net.hidden.weight[1], alone.hidden.weight[0]))
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ascent_fails.nn_experiments.names import ARCHITECTURES  # the names; each is built below
from ascent_fails.validate import require_choice, require_positive_int

__all__ = [
    "ARCHITECTURES",
    "DEFAULT_INPUT_SHAPES",
    "Block",
    "EnsembleModule",
    "EnsembleLinear",
    "EnsembleConv2d",
    "EnsembleBatchNorm2d",
    "EnsembleMLP",
    "EnsembleCNN",
    "EnsembleResNet9",
    "build_model",
    "resolve_device",
    "split_rows",
]

# input shape per sample when the caller does not give one (digits 8×8 flattened / as an image; CIFAR-10)
DEFAULT_INPUT_SHAPES: dict[str, tuple[int, ...]] = {"mlp": (64,), "cnn": (1, 8, 8), "resnet9": (3, 32, 32)}
MLP_HIDDEN = 128  # 64-128-10: the hidden width of the digits MLP
RESNET9_OUTPUT_SCALE = 0.2  # the reference multiplies the logits by 0.2 (``Mul(0.2)``)


def resolve_device(device: str | torch.device) -> torch.device:
    """Parse ``device`` into a ``torch.device``; a bad or unavailable device is a ``ValueError`` naming it.

    >>> resolve_device("cpu")
    device(type='cpu')
    >>> resolve_device("gpu0")
    Traceback (most recent call last):
    ...
    ValueError: device='gpu0' is not a torch device (use 'cpu', 'cuda' or 'cuda:0')
    """
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r} is not a torch device (use 'cpu', 'cuda' or 'cuda:0')") from None
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} asks for CUDA but torch.cuda.is_available() is False; use 'cpu'")
    if parsed.type not in ("cpu", "cuda"):
        raise ValueError(f"device={device!r} is not supported (use 'cpu' or 'cuda')")
    return parsed


def split_rows(tensor: Tensor, n_models: int, sizes: list[int]) -> tuple[Tensor, ...]:
    """Views of ``tensor``'s model row blocks: block g holds models ``sum(sizes[:g]) …`` (model-major rows)."""
    rows = tensor.shape[0] // n_models  # rows of one model (1 for [N, in, out], C for [N·C, ...])
    return tensor.split([size * rows for size in sizes], dim=0)


class Block:
    """The parameters and buffers of ``n`` consecutive models of an ensemble, as views (one pass's share)."""

    def __init__(self, n: int, tensors: dict[tuple[int, str], Tensor] | None, channels_last: bool) -> None:
        self.n, self._tensors, self.channels_last = n, tensors, channels_last

    @classmethod
    def whole(cls, module: EnsembleModule) -> Block:
        """All N models in one pass: every layer uses its own tensors."""
        return cls(module.n_models, None, module.channels_last)

    def get(self, module: nn.Module, name: str) -> Tensor:
        """``module``'s tensor ``name`` restricted to this block's models."""
        if self._tensors is None:
            return getattr(module, name)
        return self._tensors[(id(module), name)]


class EnsembleModule(nn.Module):
    """Base class: a module holding N models whose parameters are stored model-major.

    ``_init_specs[name] = ("uniform", bound)`` or ``("const", value)`` says how one model's slice of a
    parameter is initialised; ``reset_parameters(seeds)`` walks every parameter of every submodule in
    registration order, once per model, with that model's generator.
    """

    def __init__(self, n_models: int) -> None:
        super().__init__()
        self.n_models = require_positive_int("n_models", n_models, symbol="N, models in the ensemble")
        self._init_specs: dict[str, tuple[str, float]] = {}
        self.models_per_pass: int | None = None  # k models per pass (top-level module); None: all N at once
        self.channels_last = False  # hand the convolutions NHWC activations (top-level module)

    def set_models_per_pass(self, models_per_pass: int | None) -> None:
        """Run the models in passes of ``models_per_pass`` (1 … N; ``None``: all N in one pass)."""
        if models_per_pass is not None:
            models_per_pass = require_positive_int("models_per_pass", models_per_pass, symbol="k, models per pass")
            if models_per_pass > self.n_models:
                raise ValueError(f"models_per_pass={models_per_pass} must lie in [1, n_models={self.n_models}]")
        self.models_per_pass = models_per_pass

    def _group_sizes(self) -> list[int]:
        k = self.models_per_pass or self.n_models
        return [min(k, self.n_models - start) for start in range(0, self.n_models, k)]

    def _blocks(self, sizes: list[int]) -> list[Block]:
        """One :class:`Block` per pass: every parameter and buffer of every layer split into model row blocks."""
        pieces: dict[tuple[int, str], tuple[Tensor, ...]] = {}
        for module in self.modules():
            if isinstance(module, EnsembleModule):
                named = list(module.named_parameters(recurse=False)) + list(module.named_buffers(recurse=False))
                for name, tensor in named:
                    pieces[(id(module), name)] = split_rows(tensor, self.n_models, sizes)
        return [Block(size, {key: parts[g] for key, parts in pieces.items()}, self.channels_last)
                for g, size in enumerate(sizes)]

    def forward(self, x: Tensor, valid: Tensor | None = None) -> Tensor:
        """``x [N, B, *shape] → logits [N, B, C]``, in passes of ``models_per_pass`` models (module docstring)."""
        sizes = self._group_sizes()
        if len(sizes) == 1:
            return self.forward_block(x, valid, Block.whole(self))
        outputs, start = [], 0
        for size, block in zip(sizes, self._blocks(sizes)):
            part_valid = None if valid is None else valid[start : start + size]
            outputs.append(self.forward_block(x[start : start + size], part_valid, block))
            start += size
        return torch.cat(outputs, dim=0)

    def forward_block(self, x: Tensor, valid: Tensor | None, block: Block) -> Tensor:
        raise NotImplementedError

    def _param(self, name: str, shape: tuple[int, ...], init: tuple[str, float]) -> None:
        self.register_parameter(name, nn.Parameter(torch.empty(shape)))
        self._init_specs[name] = init

    @torch.no_grad()
    def reset_parameters(self, seeds: Sequence[int]) -> None:
        """Initialise model k from ``torch.Generator().manual_seed(seeds[k])`` (CPU, so devices agree)."""
        specs = [
            (param, module._init_specs[name.rsplit(".", 1)[-1]])
            for module in self.modules()
            if isinstance(module, EnsembleModule)
            for name, param in module.named_parameters(recurse=False)
        ]
        for k, seed in enumerate(seeds):
            generator = torch.Generator().manual_seed(int(seed))
            for param, (kind, value) in specs:
                rows = param.view(self.n_models, -1)  # [N, numel per model]
                if kind == "uniform":  # U(−bound, bound), PyTorch's default for Linear/Conv2d
                    draw = (torch.rand(rows.shape[1], generator=generator, dtype=torch.float32) * 2 - 1) * value
                    rows[k].copy_(draw)
                else:
                    rows[k].fill_(value)


class EnsembleLinear(EnsembleModule):
    """N linear maps: ``x [N, B, in] → x Wₖ + bₖ  [N, B, out]`` with ``weight [N, in, out]``.

    The weight is stored input-major (the transpose of ``nn.Linear.weight``) so that neither the forward
    ``baddbmm`` nor the weight gradient ``xᵀ·grad`` needs a transposed copy.
    """

    def __init__(self, n_models: int, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__(n_models)
        bound = 1.0 / math.sqrt(in_features)
        self._param("weight", (n_models, in_features, out_features), ("uniform", bound))
        if bias:
            self._param("bias", (n_models, out_features), ("uniform", bound))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor, block: Block | None = None) -> Tensor:
        block = block or Block.whole(self)
        weight = block.get(self, "weight")
        bias = None if self.bias is None else block.get(self, "bias")
        if block.n == 1:  # one model: a dense matrix product, as nn.Linear
            out = x[0] @ weight[0] if bias is None else torch.addmm(bias[0], x[0], weight[0])
            return out.unsqueeze(0)  # [1, B, out]
        if bias is None:
            return torch.bmm(x, weight)  # [n, B, out]
        return torch.baddbmm(bias.unsqueeze(1), x, weight)  # [n, B, out]


class EnsembleConv2d(EnsembleModule):
    """N convolutions as one grouped convolution on ``[B, N·C_in, H, W]`` with ``weight [N·C_out, C_in, k, k]``."""

    def __init__(
        self, n_models: int, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0
    ) -> None:
        super().__init__(n_models)
        self.stride, self.padding = stride, padding
        bound = 1.0 / math.sqrt(in_channels * kernel_size * kernel_size)
        self._param("weight", (n_models * out_channels, in_channels, kernel_size, kernel_size), ("uniform", bound))

    def forward(self, x: Tensor, block: Block | None = None) -> Tensor:
        block = block or Block.whole(self)
        # groups=1 for one model: the plain dense convolution
        return F.conv2d(x, block.get(self, "weight"), stride=self.stride, padding=self.padding, groups=block.n)


class EnsembleBatchNorm2d(EnsembleModule):
    """BatchNorm2d over N·C channels (= per model), with an optional ``valid [N, B]`` mask in training.

    Training mode normalises with the biased batch variance and updates the running statistics with momentum
    0.1 and the unbiased variance, as ``torch.nn.BatchNorm2d``. With ``valid``, model k's statistics use only its
    valid batch entries, and a model with no valid entry keeps its running statistics (it takes no step).
    """

    def __init__(self, n_models: int, channels: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__(n_models)
        self.channels, self.momentum, self.eps = channels, momentum, eps
        self._param("weight", (n_models * channels,), ("const", 1.0))
        self._param("bias", (n_models * channels,), ("const", 0.0))
        self.register_buffer("running_mean", torch.zeros(n_models * channels))
        self.register_buffer("running_var", torch.ones(n_models * channels))

    def forward(self, x: Tensor, valid: Tensor | None = None, block: Block | None = None) -> Tensor:
        block = block or Block.whole(self)
        n_models = block.n
        weight, bias = block.get(self, "weight"), block.get(self, "bias")
        running_mean, running_var = block.get(self, "running_mean"), block.get(self, "running_var")
        if not self.training or valid is None:  # the running statistics are views: updated in place
            return F.batch_norm(x, running_mean, running_var, weight, bias, self.training, self.momentum, self.eps)
        batch, _, height, width = x.shape
        # statistics in float32 even under autocast (as F.batch_norm computes them)
        xs = x.float().view(batch, n_models, self.channels, height, width)
        mask = valid.t().reshape(batch, n_models, 1, 1, 1)  # [B, N, 1, 1, 1]
        # the count in float32 too: in bfloat16 (autocast) 77,056 would round to 76,800, a 0.3 % bias in mean and var
        count = (valid.sum(1) * height * width).to(torch.float32)  # [N] values per channel of model k
        denom = count.clamp(min=1.0).view(1, -1, 1, 1, 1)
        mean = torch.where(mask, xs, 0.0).sum((0, 3, 4), keepdim=True) / denom  # [1, N, C, 1, 1]
        centred = xs - mean
        var = torch.where(mask, centred * centred, 0.0).sum((0, 3, 4), keepdim=True) / denom  # biased
        out = centred * torch.rsqrt(var + self.eps)
        out = out * weight.view(1, n_models, self.channels, 1, 1) + bias.view(
            1, n_models, self.channels, 1, 1
        )
        with torch.no_grad():
            seen = (count > 0).view(-1, 1)  # [N, 1]
            unbiased = var.view(n_models, self.channels) * (count / (count - 1).clamp(min=1.0)).view(-1, 1)
            rows_mean = running_mean.view(n_models, self.channels)
            rows_var = running_var.view(n_models, self.channels)
            new_mean = (1 - self.momentum) * rows_mean + self.momentum * mean.view(n_models, self.channels)
            new_var = (1 - self.momentum) * rows_var + self.momentum * unbiased
            rows_mean.copy_(torch.where(seen, new_mean, rows_mean))
            rows_var.copy_(torch.where(seen, new_var, rows_var))
        return out.view(batch, -1, height, width)


class ConvBN(EnsembleModule):
    """conv (no bias) → BatchNorm → ReLU, for N models in the ``[B, N·C, H, W]`` layout."""

    def __init__(self, n_models: int, cin: int, cout: int, kernel_size: int = 3, stride: int = 1, padding: int = 1):
        super().__init__(n_models)
        self.conv = EnsembleConv2d(n_models, cin, cout, kernel_size, stride, padding)
        self.bn = EnsembleBatchNorm2d(n_models, cout)

    def forward(self, x: Tensor, valid: Tensor | None = None, block: Block | None = None) -> Tensor:
        return F.relu(self.bn(self.conv(x, block), valid, block))


def _to_channels(x: Tensor, image_shape: tuple[int, int, int], channels_last: bool = False) -> Tensor:
    """``[n, B, *shape] → [B, n·C, H, W]``, the grouped-convolution layout (flat inputs are reshaped).

    For one model (n = 1) this is a view, no copy: the dense layout of a plain network.
    """
    n_models, batch = x.shape[:2]
    channels, height, width = image_shape
    x = x.reshape(n_models, batch, channels, height, width)
    x = x.transpose(0, 1).reshape(batch, n_models * channels, height, width)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def _to_models(x: Tensor, n_models: int) -> Tensor:
    """``[B, n·F] → [n, B, F]``."""
    batch = x.shape[0]
    return x.reshape(batch, n_models, -1).transpose(0, 1)


def _image_shape(input_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(C, H, W) for a convolutional net; a flat square input of d features is read as 1×√d×√d."""
    if len(input_shape) == 3:
        return (int(input_shape[0]), int(input_shape[1]), int(input_shape[2]))
    if len(input_shape) == 1 and math.isqrt(input_shape[0]) ** 2 == input_shape[0]:
        side = math.isqrt(input_shape[0])
        return (1, side, side)
    raise ValueError(f"input_shape={input_shape!r} must be (C, H, W) or a flat square image for a convolutional net")


class EnsembleMLP(EnsembleModule):
    """flatten → linear(d, 128) → ReLU → linear(128, C)."""

    def __init__(self, n_models: int, input_shape: tuple[int, ...], num_classes: int) -> None:
        super().__init__(n_models)
        self.hidden = EnsembleLinear(n_models, math.prod(input_shape), MLP_HIDDEN)
        self.out = EnsembleLinear(n_models, MLP_HIDDEN, num_classes)

    def forward_block(self, x: Tensor, valid: Tensor | None, block: Block) -> Tensor:  # valid unused: no BN
        flat = x.reshape(x.shape[0], x.shape[1], -1)  # [n, B, d]
        return self.out(F.relu(self.hidden(flat, block)), block)  # [n, B, C]


class EnsembleCNN(EnsembleModule):
    """conv-bn-relu(C_in → 16) → maxpool 2 → conv-bn-relu(16 → 32) → flatten → linear(32·H/2·W/2, C)."""

    def __init__(self, n_models: int, input_shape: tuple[int, ...], num_classes: int) -> None:
        super().__init__(n_models)
        self.image_shape = _image_shape(input_shape)
        channels, height, width = self.image_shape
        self.block1 = ConvBN(n_models, channels, 16)
        self.block2 = ConvBN(n_models, 16, 32)
        self.out = EnsembleLinear(n_models, 32 * (height // 2) * (width // 2), num_classes)

    def forward_block(self, x: Tensor, valid: Tensor | None, block: Block) -> Tensor:
        h = _to_channels(x, self.image_shape, block.channels_last)
        h = F.max_pool2d(self.block1(h, valid, block), 2)  # [B, n·16, H/2, W/2]
        h = self.block2(h, valid, block)  # [B, n·32, H/2, W/2]
        return self.out(_to_models(h, block.n), block)  # [n, B, C] (reshape follows the logical (C, H, W) order)


class Residual(EnsembleModule):
    """x + block2(block1(x))."""

    def __init__(self, n_models: int, channels: int) -> None:
        super().__init__(n_models)
        self.block1 = ConvBN(n_models, channels, channels)
        self.block2 = ConvBN(n_models, channels, channels)

    def forward(self, x: Tensor, valid: Tensor | None = None, block: Block | None = None) -> Tensor:
        return x + self.block2(self.block1(x, valid, block), valid, block)


class EnsembleResNet9(EnsembleModule):
    """The reference ResNet-9 (``construct_rn9``), docs/experiments.md#models-and-training-recipes."""

    def __init__(self, n_models: int, input_shape: tuple[int, ...], num_classes: int) -> None:
        super().__init__(n_models)
        self.image_shape = _image_shape(input_shape)
        self.prep = ConvBN(n_models, self.image_shape[0], 64, kernel_size=3, stride=1, padding=1)
        self.down = ConvBN(n_models, 64, 128, kernel_size=5, stride=2, padding=2)
        self.res1 = Residual(n_models, 128)
        self.widen = ConvBN(n_models, 128, 256, kernel_size=3, stride=1, padding=1)
        self.res2 = Residual(n_models, 256)
        self.narrow = ConvBN(n_models, 256, 128, kernel_size=3, stride=1, padding=0)
        self.out = EnsembleLinear(n_models, 128, num_classes, bias=False)

    def forward_block(self, x: Tensor, valid: Tensor | None, block: Block) -> Tensor:
        h = self.prep(_to_channels(x, self.image_shape, block.channels_last), valid, block)
        h = self.res1(self.down(h, valid, block), valid, block)
        h = F.max_pool2d(self.widen(h, valid, block), 2)
        h = self.narrow(self.res2(h, valid, block), valid, block)
        pooled = torch.amax(h, dim=(2, 3))  # global max pool: [B, n·128]
        return self.out(_to_models(pooled, block.n), block) * RESNET9_OUTPUT_SCALE  # [n, B, C]


_CLASSES: dict[str, type[EnsembleModule]] = {"mlp": EnsembleMLP, "cnn": EnsembleCNN, "resnet9": EnsembleResNet9}


def build_model(
    arch: str,
    n_models: int,
    num_classes: int,
    seeds: Sequence[int],
    device: str | torch.device = "cpu",
    input_shape: tuple[int, ...] | None = None,
    initialise: bool = True,
) -> EnsembleModule:
    """Build ``n_models`` independent networks of architecture ``arch``; model k is initialised from ``seeds[k]``.

    ``input_shape`` is one sample's shape (default ``DEFAULT_INPUT_SHAPES[arch]``); the module is returned on
    ``device`` in training mode. ``initialise=False`` leaves the parameters uninitialised, for a caller that
    loads a state dict next.
    """
    require_choice("arch", arch, ARCHITECTURES)
    n_models = require_positive_int("n_models", n_models, symbol="N, models in the ensemble")
    num_classes = require_positive_int("num_classes", num_classes, minimum=2, symbol="C")
    seeds = [int(s) for s in seeds]
    if len(seeds) != n_models:
        raise ValueError(f"seeds has {len(seeds)} entries; it must have one per model (n_models={n_models})")
    shape = tuple(int(d) for d in (input_shape if input_shape is not None else DEFAULT_INPUT_SHAPES[arch]))
    if not shape or any(d < 1 for d in shape):
        raise ValueError(f"input_shape={shape!r} must be a non-empty tuple of positive sizes")
    target = resolve_device(device)
    module = _CLASSES[arch](n_models, shape, num_classes)
    if initialise:
        module.reset_parameters(seeds)
    return module.to(target)
