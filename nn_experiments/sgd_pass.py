"""One pass of SGD steps for N models at once: the step every training and unlearning method is built on.

Training from scratch (:mod:`~ascent_fails.nn_experiments.training`) is a pass per epoch; the unlearning methods
(:mod:`~ascent_fails.nn_experiments.methods`) are ascent passes (``sign=-1``) over the forget set, descent passes
over the retain set and distillation losses (``loss_fn``). Each step minimises

    sign · Σₖ Lₖ,   Lₖ = (1/|Bₖ|) Σ_{i∈Bₖ} ℓ(fₖ(xᵢ), yᵢ)

over the models k = 1..N. The parameters of different models are disjoint, so ∂/∂θₖ of the sum is model k's own
mean-loss gradient: the models do not interact. Model k's batch Bₖ holds its own points (its own data order, its
own training subset); when models have different numbers of points the batch matrix is padded, padded entries
are masked out of the loss and of BatchNorm statistics, and a model with no valid entry in a step takes no step
at all (:class:`~ascent_fails.nn_experiments.optimizer.EnsembleSGD` skips its momentum and weight-decay update),
so that model k's trajectory is exactly the one it would follow alone.

>>> from ascent_fails.nn_experiments.ensemble import Ensemble, EnsembleConfig
>>> from ascent_fails.nn_experiments.optimizer import make_optimizer
>>> ensemble = Ensemble.build(EnsembleConfig("mlp", num_classes=3, input_shape=(64,), seeds=(0, 1)))
>>> x, y = torch.randn(10, 64), torch.arange(10) % 3
>>> rows = torch.tensor([[0, 1, 2, 3, 4], [5, 6, -1, -1, -1]])   # model 1 has two points, then padding
>>> sgd_pass(ensemble, make_optimizer(ensemble, lr=0.1), x, y, rows, batch_size=2)   # (model, point) gradients
7
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ascent_fails.nn_experiments.ensemble import Ensemble
from ascent_fails.nn_experiments.optimizer import EnsembleSGD
from ascent_fails.validate import require_choice, require_in_range, require_positive_int

__all__ = ["LossFn", "cross_entropy_loss", "sgd_pass"]

# loss_fn(logits [N, B, C], targets [N, B], batch_indices [N, B], valid [N, B]) -> per-model losses [N]
LossFn = Callable[[Tensor, Tensor, Tensor, Tensor], Tensor]


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
    ensemble.ensure_engine(batch_size)  # models per pass by engine.EngineOptions() unless configured already
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
        # x may stay in host memory (EngineOptions.data_on_device=False): gather there, move the batch only
        xb = x[batch_indices.to(x.device)].to(device, non_blocking=True)  # [N, B, *shape]
        if not full:  # padded entries become zeros: their (zero) gradient then cannot turn into 0·inf = NaN
            xb = torch.where(valid_dev.view(*valid.shape, *([1] * (xb.ndim - 2))), xb, 0.0)
        if transform is not None:
            xb = transform(xb)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_amp):
            logits = ensemble.forward(xb, None if full else valid_dev)  # [N, B, C]
        losses = loss_fn(logits.float(), y[batch_indices.to(y.device)].to(device), batch_indices, valid_dev)  # [N]
        optimizer.zero_grad(set_to_none=True)
        (losses.sum() * sign).backward()
        active = None if bool((counts > 0).all()) else (counts > 0).to(device)  # [N] models with a valid entry
        optimizer.step(active=active, lr=None if lr_at is None else lr_at(step))
        if after_step is not None:
            after_step(step)
        evaluations += int(counts.sum())
    return evaluations
