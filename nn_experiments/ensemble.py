"""The ensemble training engine: N models trained at once, each exactly as if alone.

One pass of (stochastic) gradient steps is ``sgd_pass``; everything else is built on it: training from scratch
(``train_ensemble``), and the unlearning methods (ascent passes with ``sign=-1``, descent passes on the retain
set, distillation losses through ``loss_fn``). Each step minimises

    sign · Σₖ Lₖ,   Lₖ = (1/|Bₖ|) Σ_{i∈Bₖ} ℓ(fₖ(xᵢ), yᵢ)

over the models k = 1..N. The parameters of different models are disjoint, so ∂/∂θₖ of the sum is model k's own
mean-loss gradient: the models do not interact. Model k's batch Bₖ holds its own points (its own data order, its
own training subset from ``masks[k]``); when models have different numbers of points the batch matrix is padded,
padded entries are masked out of the loss and of BatchNorm statistics, and a model with no valid entry in a step
takes no step at all (``EnsembleSGD`` skips its momentum and weight-decay update), so that model k's trajectory is
exactly the one it would follow alone.

Seeds are derived per model from (base seed, model index) (``model_seeds``), so model k of an ensemble equals
the model trained alone with ``first_model=k``; an ensemble can be trained in chunks of models (see
``storage.py``) and the chunks concatenated (``concat_ensembles``) give the same ensemble.

The margin (EXPERIMENTS.md §1) of a model with logits z ∈ R^C on (x, y) is

    margin = z_y − log Σ_{k≠y} exp z_k = log(p_y / (1 − p_y)).

>>> import torch
>>> recipe = TrainRecipe(epochs=2, batch_size=4)
>>> x, y = torch.randn(12, 64), torch.arange(12) % 3
>>> result = train_ensemble("mlp", x, y, recipe, n_models=2, seed=0, num_classes=3, progress=False)
>>> result.ensemble.n_models, margins(result.ensemble, x, y).shape
(2, torch.Size([2, 12]))
>>> result.gradient_evaluations == 2 * 2 * 12  # models × epochs × points
True
"""

from __future__ import annotations

import copy
import math  # noqa: F401  (used by the docstring examples)
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ascent_fails.nn_experiments.models import ARCHITECTURES, EnsembleModule, build_model, resolve_device
from ascent_fails.validate import (
    require_choice,
    require_in_range,
    require_nonnegative,
    require_positive,
    require_positive_int,
)

__all__ = [
    "TrainRecipe",
    "DIGITS_RECIPE",
    "RESNET9_RECIPE",
    "EnsembleConfig",
    "Ensemble",
    "EnsembleSGD",
    "TrainResult",
    "LossFn",
    "model_seeds",
    "derive_seed",
    "as_tensor",
    "make_optimizer",
    "cross_entropy_loss",
    "sgd_pass",
    "train_ensemble",
    "margins",
    "margins_from_logits",
    "concat_ensembles",
]

# loss_fn(logits [N, B, C], targets [N, B], batch_indices [N, B], valid [N, B]) -> per-model losses [N]
LossFn = Callable[[Tensor, Tensor, Tensor, Tensor], Tensor]
SEED_LIMIT = 2**63  # derived seeds lie in [0, 2**63): valid for torch.Generator.manual_seed and JSON


@dataclass(frozen=True)
class TrainRecipe:
    """How every model of an ensemble is trained (SGD on the mean cross-entropy).

    Reference values: the digits defaults below were chosen here (validation accuracy ≈ 97 % for the MLP);
    ``RESNET9_RECIPE`` is the paper's CIFAR-10 recipe (EXPERIMENTS.md §3).
    """

    epochs: int = 30  # passes over each model's training subset
    batch_size: int = 64  # examples per step and model (the last batch of an epoch may be smaller)
    lr: float = 0.05  # learning rate; the peak of the triangular schedule
    momentum: float = 0.9  # SGD heavy-ball momentum (PyTorch convention, no dampening)
    weight_decay: float = 5e-4  # L2 coefficient added to the gradient (PyTorch SGD ``weight_decay``)
    lr_schedule: str = "constant"  # "constant" or "triangular" (0 → lr at peak_epoch → 0 at the end, per step)
    peak_epoch: float = 5.0  # epoch (fractional) at which the triangular schedule peaks; unused if constant
    label_smoothing: float = 0.0  # cross-entropy label smoothing (the reference uses none)
    augment: bool = False  # random horizontal flip + translation by ≤ 2 px (images only); unknown in the paper
    mixed_precision: bool = False  # bfloat16 autocast; effective on CUDA only (ignored, and recorded, on CPU)

    def __post_init__(self) -> None:
        require_positive_int("epochs", self.epochs)
        require_positive_int("batch_size", self.batch_size)
        require_positive("lr", self.lr, symbol="learning rate η")
        require_in_range("momentum", self.momentum, 0.0, 1.0, closed=(True, False))
        require_nonnegative("weight_decay", self.weight_decay)
        require_choice("lr_schedule", self.lr_schedule, ("constant", "triangular"))
        if self.lr_schedule == "triangular":
            require_in_range("peak_epoch", self.peak_epoch, 0.0, float(self.epochs), closed=(False, False))
        require_in_range("label_smoothing", self.label_smoothing, 0.0, 1.0, closed=(True, False))

    def lr_factor(self, progress: float) -> float:
        """Multiplier of ``lr`` at ``progress`` epochs (fractional), e.g. the triangle 0 → 1 → 0.

        >>> TrainRecipe(epochs=10, lr_schedule="triangular", peak_epoch=5).lr_factor(2.5)
        0.5
        """
        if self.lr_schedule == "constant":
            return 1.0
        return float(np.interp(progress, [0.0, self.peak_epoch, float(self.epochs)], [0.0, 1.0, 0.0]))


# digits MLP/CNN: 30 epochs, batch 64, constant lr 0.05 with momentum 0.9 (stable on [0, 1]-scaled pixels)
DIGITS_RECIPE = TrainRecipe()
# paper's ResNet-9 on CIFAR-10: SGD momentum 0.9, wd 5e-4, 24 epochs, triangular lr peak 0.4 at epoch 5, batch
# 512 (the reference code uses 256), mixed precision, no label smoothing, augmentation unknown (off)
RESNET9_RECIPE = TrainRecipe(
    epochs=24,
    batch_size=512,
    lr=0.4,
    momentum=0.9,
    weight_decay=5e-4,
    lr_schedule="triangular",
    peak_epoch=5.0,
    label_smoothing=0.0,
    augment=False,
    mixed_precision=True,
)


def as_tensor(value: Tensor | np.ndarray | Sequence[Any], dtype: torch.dtype) -> Tensor:
    """``torch.as_tensor``, copying read-only numpy arrays (``data.Dataset`` freezes its arrays) instead of
    sharing memory that torch cannot mark read-only."""
    if isinstance(value, np.ndarray) and not value.flags.writeable:
        return torch.tensor(value, dtype=dtype)
    return torch.as_tensor(value, dtype=dtype)


def derive_seed(*parts: int | str) -> int:
    """A seed in [0, 2⁶³) derived deterministically from integers and strings (strings via SHA-256).

    >>> derive_seed(0, "oracle", 3) == derive_seed(0, "oracle", 3) != derive_seed(0, "oracle", 4)
    True
    """
    import hashlib

    words: list[int] = []
    for part in parts:
        if isinstance(part, str):
            words.extend(int.from_bytes(hashlib.sha256(part.encode()).digest()[i : i + 4], "little") for i in (0, 4))
        else:
            value = int(part)
            if value < 0:
                raise ValueError(f"seed part {value} must be >= 0")
            words.extend([value & 0xFFFFFFFF, value >> 32])
    state = np.random.SeedSequence(words).generate_state(2, dtype=np.uint32)
    return (int(state[0]) | (int(state[1]) << 32)) % SEED_LIMIT


def model_seeds(seed: int, model_index: int) -> tuple[int, int]:
    """(initialisation seed, data-order seed) of model ``model_index`` of an ensemble with base ``seed``."""
    return derive_seed(seed, model_index, "init"), derive_seed(seed, model_index, "order")


@dataclass(frozen=True)
class EnsembleConfig:
    """What rebuilds an ensemble's module: architecture, classes, sample shape, per-model init seeds."""

    arch: str  # one of models.ARCHITECTURES
    num_classes: int  # C
    input_shape: tuple[int, ...]  # one sample's shape
    seeds: tuple[int, ...]  # initialisation seed of each model (N entries)

    def __post_init__(self) -> None:
        require_choice("arch", self.arch, ARCHITECTURES)
        object.__setattr__(self, "input_shape", tuple(int(d) for d in self.input_shape))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        require_positive_int("n_models", len(self.seeds), symbol="N, models in the ensemble")


class Ensemble:
    """N independent models of one architecture held by one ensemble-native module."""

    def __init__(self, module: EnsembleModule, config: EnsembleConfig, device: str | torch.device) -> None:
        if module.n_models != len(config.seeds):
            raise ValueError(f"module holds {module.n_models} models but config has {len(config.seeds)} seeds")
        self.module = module
        self.config = config
        self.device = resolve_device(device)

    @classmethod
    def build(cls, config: EnsembleConfig, device: str | torch.device = "cpu", initialise: bool = True) -> Ensemble:
        """Freshly initialised models of ``config`` (uninitialised with ``initialise=False``)."""
        module = build_model(
            config.arch, len(config.seeds), config.num_classes, config.seeds, device, config.input_shape, initialise
        )
        return cls(module, config, device)

    @property
    def n_models(self) -> int:
        return self.module.n_models

    @property
    def arch(self) -> str:
        return self.config.arch

    @property
    def seeds(self) -> tuple[int, ...]:
        return self.config.seeds

    def clone(self) -> Ensemble:
        return Ensemble(copy.deepcopy(self.module), self.config, self.device)

    def to(self, device: str | torch.device) -> Ensemble:
        """A copy on ``device``."""
        target = resolve_device(device)
        return Ensemble(copy.deepcopy(self.module).to(target), self.config, target)

    def select(self, indices: Sequence[int]) -> Ensemble:
        """The sub-ensemble of models ``indices`` (in that order)."""
        chosen = [int(i) for i in indices]
        if not chosen or any(i < 0 or i >= self.n_models for i in chosen):
            raise ValueError(f"indices={chosen!r} must be a non-empty list of model indices in [0, {self.n_models})")
        rows = torch.tensor(chosen, device=self.device)
        state = {
            name: tensor.view(self.n_models, -1).index_select(0, rows).reshape(-1, *tensor.shape[1:])
            for name, tensor in self.module.state_dict().items()
        }
        seeds = [self.seeds[i] for i in chosen]
        config = EnsembleConfig(self.arch, self.config.num_classes, self.config.input_shape, seeds)
        return Ensemble.from_state({"config": asdict(config), "module": state}, self.device)

    def state_dict(self) -> dict[str, Any]:
        """A checkpoint that carries its config: ``{"config": {...}, "module": {name: tensor}}`` (tensors on CPU)."""
        return {
            "config": asdict(self.config),
            "module": {name: t.detach().cpu().clone() for name, t in self.module.state_dict().items()},
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], device: str | torch.device = "cpu") -> Ensemble:
        raw = state["config"]
        config = EnsembleConfig(raw["arch"], raw["num_classes"], tuple(raw["input_shape"]), tuple(raw["seeds"]))
        ensemble = cls.build(config, device, initialise=False)
        ensemble.module.load_state_dict(state["module"])  # strict: every parameter and buffer is overwritten
        return ensemble

    @torch.no_grad()
    def logits(self, x: Tensor | np.ndarray, batch_size: int = 1024) -> Tensor:
        """Logits of every model on every point, eval mode, float32: ``x [P, *shape] → [N, P, C]`` (on device)."""
        batch_size = require_positive_int("batch_size", batch_size)
        inputs = as_tensor(x, torch.float32)
        was_training = self.module.training
        self.module.eval()
        try:
            chunks = []
            for start in range(0, inputs.shape[0], batch_size):
                chunk = inputs[start : start + batch_size].to(self.device)
                chunks.append(self.module(chunk.unsqueeze(0).expand(self.n_models, *chunk.shape)))  # [N, b, C]
            return torch.cat(chunks, dim=1)  # [N, P, C]
        finally:
            self.module.train(was_training)


def concat_ensembles(parts: Sequence[Ensemble]) -> Ensemble:
    """One ensemble holding the models of ``parts`` in order (same architecture, classes and sample shape)."""
    if not parts:
        raise ValueError("parts is empty; concat_ensembles needs at least one ensemble")
    first = parts[0]
    for part in parts[1:]:
        if (part.arch, part.config.num_classes, part.config.input_shape) != (
            first.arch,
            first.config.num_classes,
            first.config.input_shape,
        ):
            raise ValueError("concat_ensembles needs ensembles of one architecture, class count and input shape")
    states = [part.module.state_dict() for part in parts]
    module_state = {
        name: torch.cat([s[name].to(first.device) for s in states], dim=0) for name in states[0]
    }
    seeds = [seed for part in parts for seed in part.seeds]
    config = EnsembleConfig(first.arch, first.config.num_classes, first.config.input_shape, seeds)
    return Ensemble.from_state({"config": asdict(config), "module": module_state}, first.device)


class EnsembleSGD(torch.optim.Optimizer):
    """``torch.optim.SGD`` (momentum, no dampening, no Nesterov, L2 weight decay) with per-model control.

    For model k, with gradient g and parameters θ (PyTorch's convention):
        d = g + weight_decay·θ;   b ← momentum·b + d   (b = d on the first step);   θ ← θ − lr·b.
    ``step(active=mask [N])`` updates only the active models (an inactive model's θ and b stay as they are),
    ``step(lr=tensor [N])`` gives each model its own learning rate. Parameters must be stored model-major.
    """

    def __init__(self, params: Any, n_models: int, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        require_positive("lr", lr, symbol="learning rate η")
        require_in_range("momentum", momentum, 0.0, 1.0, closed=(True, False))
        require_nonnegative("weight_decay", weight_decay)
        self.n_models = require_positive_int("n_models", n_models)
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure: Any = None, *, active: Tensor | None = None, lr: float | Tensor | None = None) -> None:
        if closure is not None:
            raise ValueError("EnsembleSGD does not take a closure")
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            step_lr = group["lr"] if lr is None else lr
            if active is None and not isinstance(step_lr, Tensor):
                self._step_all(params, step_lr, group["momentum"], group["weight_decay"])
            else:
                self._step_masked(params, step_lr, group["momentum"], group["weight_decay"], active)

    def _buffers(self, params: list[Tensor]) -> list[Tensor]:
        # zeros, then b ← m·0 + d, equals PyTorch's b = d on a model's first step
        for param in params:
            if "momentum_buffer" not in self.state[param]:
                self.state[param]["momentum_buffer"] = torch.zeros_like(param)
        return [self.state[param]["momentum_buffer"] for param in params]

    def _step_all(self, params: list[Tensor], lr: float, momentum: float, weight_decay: float) -> None:
        """Every model steps with one learning rate: PyTorch's foreach SGD arithmetic, in place."""
        directions = [param.grad for param in params]
        if weight_decay:
            torch._foreach_add_(directions, params, alpha=weight_decay)  # d = g + wd·θ (grads are rebuilt each step)
        if momentum:
            buffers = self._buffers(params)
            torch._foreach_mul_(buffers, momentum)
            torch._foreach_add_(buffers, directions)  # b ← m·b + d
            directions = buffers
        torch._foreach_add_(params, directions, alpha=-lr)  # θ ← θ − lr·b

    def _step_masked(
        self, params: list[Tensor], lr: float | Tensor, momentum: float, weight_decay: float, active: Tensor | None
    ) -> None:
        """Per-model learning rates ``lr [N]`` and/or only the ``active [N]`` models step."""
        rate = lr.view(-1, 1) if isinstance(lr, Tensor) else lr  # [N, 1] or scalar
        keep = None if active is None else active.view(-1, 1)  # [N, 1]
        buffers = self._buffers(params) if momentum else [None] * len(params)
        for param, buffer in zip(params, buffers):
            theta = param.view(self.n_models, -1)  # [N, numel per model]
            direction = param.grad.view(self.n_models, -1)
            if weight_decay:
                direction = direction + weight_decay * theta
            if buffer is not None:
                rows = buffer.view(self.n_models, -1)
                moved = rows * momentum + direction
                rows.copy_(moved if keep is None else torch.where(keep, moved, rows))
                direction = rows
            update = direction * rate
            theta.sub_(update if keep is None else torch.where(keep, update, 0.0))


def make_optimizer(ensemble: Ensemble, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> EnsembleSGD:
    """SGD over all parameters of ``ensemble`` (each model updated exactly as by ``torch.optim.SGD`` alone)."""
    return EnsembleSGD(ensemble.module.parameters(), ensemble.n_models, lr, momentum, weight_decay)


def cross_entropy_loss(label_smoothing: float = 0.0) -> LossFn:
    """Per-model mean cross-entropy over valid entries: ``Lₖ = mean_{i valid} CE(zₖᵢ, yₖᵢ)``, shape ``[N]``."""
    require_in_range("label_smoothing", label_smoothing, 0.0, 1.0, closed=(True, False))

    def loss(logits: Tensor, targets: Tensor, batch_indices: Tensor, valid: Tensor) -> Tensor:
        n_models, batch, classes = logits.shape
        per_example = F.cross_entropy(
            logits.reshape(-1, classes), targets.reshape(-1), reduction="none", label_smoothing=label_smoothing
        ).view(n_models, batch)
        total = torch.where(valid, per_example, 0.0).sum(1)
        return total / valid.sum(1).clamp(min=1)  # [N]

    return loss


def sgd_pass(
    ensemble: Ensemble,
    optimizer: EnsembleSGD,
    x: Tensor,
    y: Tensor,
    indices: Tensor | np.ndarray | Sequence[int],
    *,
    batch_size: int,
    loss_fn: LossFn | None = None,
    sign: int = 1,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    train_mode: bool = True,
    after_step: Callable[[int], None] | None = None,
    lr_at: Callable[[int], float | Tensor] | None = None,
    transform: Callable[[Tensor], Tensor] | None = None,
    mixed_precision: bool = False,
) -> int:
    """One pass of SGD steps over ``indices``; returns the number of (model, example) gradient evaluations.

    ``optimizer`` must be an ``EnsembleSGD`` (``make_optimizer``): it is stepped with per-model ``active`` masks.

    ``indices`` is a LongTensor ``[k]`` shared by all models or ``[N, k]`` per model, with −1 marking padding
    (put padding at the end of a row). Step s takes columns ``[s·B, (s+1)·B)``, gathers ``x``/``y`` (on the
    ensemble's device), calls ``loss_fn(logits [N,B,C], targets [N,B], batch_indices [N,B], valid [N,B]) -> [N]``
    (default: mean cross-entropy; padded entries carry index 0 and ``valid`` False), and steps the optimiser on
    ``sign · Σₖ Lₖ`` (``sign=-1`` is gradient ascent). Models without a valid entry skip the step.

    ``shuffle`` permutes each row's valid entries with ``generator`` (one draw for the whole ensemble, so the order
    depends on N; ``train_ensemble`` uses per-model generators instead). ``train_mode`` sets the module's mode
    (BatchNorm statistics update in train mode). ``after_step(step)`` runs after each optimiser step (e.g.
    Langevin noise), ``lr_at(step)`` overrides the learning rate for a step (scalar or per model ``[N]``),
    ``transform`` maps the gathered batch ``[N, B, *shape]`` (augmentation). The count returned sums the valid
    entries over models and steps: divide by N for the per-model cost.
    """
    batch_size = require_positive_int("batch_size", batch_size)
    require_choice("sign", sign, (1, -1))
    n_models, device = ensemble.n_models, ensemble.device
    rows = torch.as_tensor(indices, dtype=torch.long).cpu()
    if rows.ndim == 1:
        rows = rows.unsqueeze(0).expand(n_models, -1)
    if rows.ndim != 2 or rows.shape[0] != n_models:
        raise ValueError(f"indices has shape {tuple(rows.shape)}; it must be [k] or [N={n_models}, k]")
    if rows.numel() and (int(rows.max()) >= x.shape[0] or int(rows.min()) < -1):
        raise ValueError(f"indices must lie in [0, {x.shape[0]}) (or be -1 for padding)")
    if shuffle:
        keys = torch.rand(rows.shape, generator=generator)
        keys = torch.where(rows >= 0, keys, 2.0)  # padding sorts last
        rows = rows.gather(1, keys.argsort(dim=1))
    valid_all = rows >= 0  # [N, k]
    loss_fn = loss_fn if loss_fn is not None else cross_entropy_loss()
    use_amp = mixed_precision and device.type == "cuda"
    ensemble.module.train(train_mode)
    evaluations = 0
    for step, start in enumerate(range(0, rows.shape[1], batch_size)):
        valid = valid_all[:, start : start + batch_size]  # [N, B] (CPU: decided without a device sync)
        counts = valid.sum(1)  # [N]
        if int(counts.sum()) == 0:
            continue
        full = bool(valid.all())
        batch_indices = rows[:, start : start + batch_size].clamp(min=0).to(device)  # [N, B]
        valid_dev = valid.to(device)
        xb = x[batch_indices]  # [N, B, *shape]
        if not full:  # padded entries become zeros: their (zero) gradient then cannot turn into 0·inf = NaN
            xb = torch.where(valid_dev.view(*valid.shape, *([1] * (xb.ndim - 2))), xb, 0.0)
        if transform is not None:
            xb = transform(xb)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_amp):
            logits = ensemble.module(xb, None if full else valid_dev)  # [N, B, C]
        losses = loss_fn(logits.float(), y[batch_indices], batch_indices, valid_dev)  # [N]
        optimizer.zero_grad(set_to_none=True)
        (losses.sum() * sign).backward()
        active = None if bool((counts > 0).all()) else (counts > 0).to(device)  # [N] models with a valid entry
        optimizer.step(active=active, lr=None if lr_at is None else lr_at(step))
        if after_step is not None:
            after_step(step)
        evaluations += int(counts.sum())
    return evaluations


@dataclass(frozen=True)
class TrainResult:
    """A trained ensemble, its snapshots and what it cost."""

    ensemble: Ensemble  # the models after the last epoch (eval mode)
    snapshots: Mapping[int, Ensemble]  # epoch → copy of the ensemble after that epoch
    recipe: TrainRecipe  # the recipe used
    seed: int  # base seed; model k used model_seeds(seed, first_model + k)
    first_model: int  # index of the first model within the base seed's model sequence
    gradient_evaluations: int  # Σ over models and steps of examples in the batch (per model: divide by N)
    seconds: float  # wall-clock training time
    mixed_precision_used: bool  # whether bfloat16 autocast was active (CUDA only)
    train_sizes: tuple[int, ...] = field(default=())  # points each model trained on


def _augment_with(generators: Sequence[torch.Generator], max_shift: int = 2) -> Callable[[Tensor], Tensor]:
    """Per-model random horizontal flip + translation by ≤ ``max_shift`` px (zero fill), drawn from model k's
    own generator so that a model's augmentation does not depend on the rest of the ensemble."""

    def transform(xb: Tensor) -> Tensor:  # xb [N, B, C, H, W]
        if xb.ndim != 5:
            raise ValueError("augment=True needs image inputs of shape (C, H, W)")
        n_models, batch, _, height, width = xb.shape
        draws = torch.stack([torch.rand(batch, 3, generator=g) for g in generators]).to(xb.device)  # [N, B, 3]
        flipped = torch.where((draws[..., 0] < 0.5).view(n_models, batch, 1, 1, 1), xb.flip(-1), xb)
        shifts = (draws[..., 1:] * (2 * max_shift + 1)).long()  # [N, B, 2] in [0, 2·max_shift]
        padded = F.pad(flipped, (max_shift, max_shift, max_shift, max_shift))
        rows = (shifts[..., 0, None] + torch.arange(height, device=xb.device)).view(n_models, batch, 1, height, 1)
        cols = (shifts[..., 1, None] + torch.arange(width, device=xb.device)).view(n_models, batch, 1, 1, width)
        padded = padded.gather(3, rows.expand(-1, -1, padded.shape[2], -1, padded.shape[4]))
        return padded.gather(4, cols.expand(-1, -1, padded.shape[2], height, -1))

    return transform


def train_ensemble(
    arch: str,
    x: Tensor | np.ndarray,
    y: Tensor | np.ndarray,
    recipe: TrainRecipe,
    *,
    n_models: int,
    seed: int,
    num_classes: int,
    masks: Tensor | np.ndarray | None = None,
    device: str | torch.device = "cpu",
    first_model: int = 0,
    snapshot_epochs: Sequence[int] = (),
    progress: bool = True,
) -> TrainResult:
    """Train ``n_models`` models from scratch with ``recipe``; model k trains on the points where ``masks[k]``.

    Model k (global index ``first_model + k``) is initialised and ordered by ``model_seeds(seed, first_model+k)``:
    each epoch it visits its points in the order ``allowed[randperm(n_k, generator=g_k)]`` (one permutation per
    epoch from its own generator g_k), in batches of ``recipe.batch_size``; the learning rate at its step i of
    epoch e is ``lr · lr_factor(e + i / steps_k)``. Training is ``epochs`` calls of ``sgd_pass``.
    """
    require_choice("arch", arch, ARCHITECTURES)
    n_models = require_positive_int("n_models", n_models, symbol="N, models in the ensemble")
    num_classes = require_positive_int("num_classes", num_classes, minimum=2, symbol="C")
    require_nonnegative("seed", seed)
    first_model = int(require_nonnegative("first_model", first_model))
    target = resolve_device(device)
    inputs = as_tensor(x, torch.float32).to(target)
    labels = as_tensor(y, torch.long).to(target)
    n_points = inputs.shape[0]
    if labels.shape != (n_points,):
        raise ValueError(f"y has shape {tuple(labels.shape)}; it must be [{n_points}] like x's first axis")
    if n_points and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(f"labels must lie in [0, num_classes={num_classes})")
    if masks is None:
        mask_rows = torch.ones(n_models, n_points, dtype=torch.bool)
    else:
        mask_rows = torch.as_tensor(masks).cpu()
        if mask_rows.dtype != torch.bool or mask_rows.shape != (n_models, n_points):
            raise ValueError(
                f"masks must be a bool array of shape [{n_models}, {n_points}], "
                f"got {mask_rows.dtype} {tuple(mask_rows.shape)}"
            )
    sizes = mask_rows.sum(1)  # [N] points per model
    if int(sizes.min()) < 1:
        raise ValueError("every row of masks must select at least one training point")
    snapshots_wanted = {int(require_positive_int("snapshot_epochs", e)) for e in snapshot_epochs}
    if snapshots_wanted and max(snapshots_wanted) > recipe.epochs:
        raise ValueError(f"snapshot_epochs={sorted(snapshots_wanted)} must lie in [1, epochs={recipe.epochs}]")

    seeds = [model_seeds(seed, first_model + k) for k in range(n_models)]
    config = EnsembleConfig(arch, num_classes, tuple(inputs.shape[1:]), [s for s, _ in seeds])
    ensemble = Ensemble.build(config, target)
    optimizer = make_optimizer(ensemble, recipe.lr, recipe.momentum, recipe.weight_decay)
    generators = [torch.Generator().manual_seed(order_seed) for _, order_seed in seeds]
    allowed = [row.nonzero().squeeze(1) for row in mask_rows]  # model k's training points
    steps_per_epoch = torch.ceil(sizes / recipe.batch_size)  # [N]
    transform = _augment_with(generators) if recipe.augment else None
    use_amp = recipe.mixed_precision and target.type == "cuda"

    def lr_at(epoch: int) -> Callable[[int], float | Tensor]:
        if recipe.lr_schedule == "constant":
            return lambda step: recipe.lr
        return lambda step: torch.tensor(
            [recipe.lr * recipe.lr_factor(epoch + step / float(s)) for s in steps_per_epoch], device=target
        )

    from tqdm.auto import tqdm

    snapshots: dict[int, Ensemble] = {}
    evaluations = 0
    started = time.perf_counter()
    for epoch in tqdm(range(recipe.epochs), desc=f"train {n_models} × {arch}", disable=not progress, leave=False):
        order = torch.full((n_models, int(sizes.max())), -1, dtype=torch.long)  # [N, max n_k], −1 = padding
        for k, points in enumerate(allowed):
            order[k, : points.numel()] = points[torch.randperm(points.numel(), generator=generators[k])]
        evaluations += sgd_pass(
            ensemble,
            optimizer,
            inputs,
            labels,
            order,
            batch_size=recipe.batch_size,
            loss_fn=cross_entropy_loss(recipe.label_smoothing),
            lr_at=lr_at(epoch),
            transform=transform,
            mixed_precision=use_amp,
        )
        if epoch + 1 in snapshots_wanted:
            snapshots[epoch + 1] = ensemble.clone()
            snapshots[epoch + 1].module.eval()
    ensemble.module.eval()
    return TrainResult(
        ensemble=ensemble,
        snapshots=snapshots,
        recipe=recipe,
        seed=int(seed),
        first_model=first_model,
        gradient_evaluations=evaluations,
        seconds=time.perf_counter() - started,
        mixed_precision_used=use_amp,
        train_sizes=tuple(int(s) for s in sizes),
    )


def margins_from_logits(logits: Tensor, y: Tensor) -> Tensor:
    """``z_y − logsumexp_{k≠y} z_k`` in float64 for logits ``[N, P, C]`` and labels ``[P]`` → ``[N, P]``.

    >>> z = torch.tensor([[[2.0, 0.0, 0.0]]])
    >>> round(float(margins_from_logits(z, torch.tensor([0]))), 6) == round(2 - math.log(2), 6)
    True
    """
    z = logits.to(torch.float64)
    labels = torch.as_tensor(y, dtype=torch.long, device=z.device)
    index = labels.view(1, -1, 1).expand(z.shape[0], -1, 1)  # [N, P, 1]
    correct = z.gather(2, index).squeeze(2)  # [N, P]
    others = z.scatter(2, index, float("-inf"))  # exclude the true class from the log-sum-exp
    return correct - torch.logsumexp(others, dim=2)


def margins(ensemble: Ensemble, x: Tensor | np.ndarray, y: Tensor | np.ndarray, batch_size: int = 1024) -> Tensor:
    """Margins of every model on every point (EXPERIMENTS.md §1), eval mode, float64, on CPU: ``[N, P]``."""
    labels = as_tensor(y, torch.long)
    if labels.shape != (len(x),):
        raise ValueError(f"y has shape {tuple(labels.shape)}; it must be [{len(x)}] like x's first axis")
    return margins_from_logits(ensemble.logits(x, batch_size), labels).cpu()
