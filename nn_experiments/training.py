"""Training N models from scratch at once, each exactly as if it were trained alone.

``train_ensemble`` is ``recipe.epochs`` calls of :func:`~ascent_fails.nn_experiments.sgd_pass.sgd_pass`: model k
(global index ``first_model + k``) is initialised and ordered by
:func:`~ascent_fails.nn_experiments.seeds.model_seeds`, trains on its own subset of points (``masks[k]``: the
oracles leave the forget set out, the datamodel models train on random halves) and follows its own learning-rate
schedule. Model k of an ensemble therefore equals the model trained alone with ``first_model=k``; an ensemble
trained in chunks of models and joined (:func:`~ascent_fails.nn_experiments.ensemble.concat_ensembles`) is the
ensemble trained at once.

>>> recipe = TrainRecipe(epochs=2, batch_size=4)
>>> x, y = torch.randn(12, 64), torch.arange(12) % 3
>>> result = train_ensemble("mlp", x, y, recipe, n_models=2, seed=0, num_classes=3, progress=False)
>>> result.ensemble.n_models, result.ensemble.logits(x).shape
(2, torch.Size([2, 12, 3]))
>>> result.gradient_evaluations == 2 * 2 * 12  # models × epochs × points
True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ascent_fails.nn_experiments.engine import EngineChoice, EngineOptions, apply_engine, engine_context
from ascent_fails.nn_experiments.ensemble import Ensemble, EnsembleConfig, as_tensor
from ascent_fails.nn_experiments.models import resolve_device
from ascent_fails.nn_experiments.names import ARCHITECTURES
from ascent_fails.nn_experiments.optimizer import make_optimizer
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.seeds import model_seeds
from ascent_fails.nn_experiments.sgd_pass import cross_entropy_loss, sgd_pass
from ascent_fails.progress import stage
from ascent_fails.validate import require_choice, require_nonnegative, require_positive_int

__all__ = ["TrainResult", "train_ensemble"]


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
    engine: EngineChoice | None = None  # models per pass used and why (engine.EngineOptions; not in any cache key)


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
    label: str = "",
    engine: EngineOptions | None = None,
) -> TrainResult:
    """Train ``n_models`` models from scratch with ``recipe``; model k trains on the points where ``masks[k]``.

    Model k (global index ``first_model + k``) is initialised and ordered by ``model_seeds(seed, first_model+k)``:
    each epoch it visits its points in the order ``allowed[randperm(n_k, generator=g_k)]`` (one permutation per
    epoch from its own generator g_k), in batches of ``recipe.batch_size``; the learning rate at its step i of
    epoch e is ``lr · lr_factor(e + i / steps_k)``. Training is ``epochs`` calls of ``sgd_pass``.

    ``progress`` reports the training as one stage (:func:`ascent_fails.progress.stage`: a bar over epochs on a
    terminal, a header and a summary line in a log) titled with the models' count, architecture, epochs and
    ``label``, which says what the models are (e.g. "oracles without forget set random_10_seed0").

    ``engine`` (default ``EngineOptions()``: models per pass ``"auto"``) says how the engine runs on the device
    (:mod:`~ascent_fails.nn_experiments.engine`); it changes speed and memory, not the models beyond
    floating-point rounding, and the choice made is returned in ``TrainResult.engine``.
    """
    require_choice("arch", arch, ARCHITECTURES)
    n_models = require_positive_int("n_models", n_models, symbol="N, models in the ensemble")
    num_classes = require_positive_int("num_classes", num_classes, minimum=2, symbol="C")
    require_nonnegative("seed", seed)
    first_model = int(require_nonnegative("first_model", first_model))
    target = resolve_device(device)
    engine = EngineOptions() if engine is None else engine
    if not isinstance(engine, EngineOptions):
        raise ValueError(f"engine={engine!r} must be an EngineOptions")
    data_device = target if engine.data_on_device else torch.device("cpu")
    inputs = as_tensor(x, torch.float32).to(data_device)
    labels = as_tensor(y, torch.long).to(data_device)
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
    use_amp = recipe.mixed_precision and target.type == "cuda"
    choice = apply_engine(ensemble, engine, recipe.batch_size, mixed_precision=use_amp)
    optimizer = make_optimizer(ensemble, recipe.lr, recipe.momentum, recipe.weight_decay)
    generators = [torch.Generator().manual_seed(order_seed) for _, order_seed in seeds]
    allowed = [row.nonzero().squeeze(1) for row in mask_rows]  # model k's training points
    steps_per_epoch = torch.ceil(sizes / recipe.batch_size)  # [N]
    transform = _augment_with(generators) if recipe.augment else None

    def lr_at(epoch: int) -> Callable[[int], float | Tensor]:
        if recipe.lr_schedule == "constant":
            return lambda step: recipe.lr
        return lambda step: torch.tensor(
            [recipe.lr * recipe.lr_factor(epoch + step / float(s)) for s in steps_per_epoch], device=target
        )

    snapshots: dict[int, Ensemble] = {}
    evaluations = 0
    started = time.perf_counter()
    title = f"train {n_models} models ({arch}, {recipe.epochs} epochs)" + (f": {label}" if label else "")
    with stage(title, total=recipe.epochs, unit="epoch", enabled=progress) as bar, engine_context(engine, target):
        for epoch in range(recipe.epochs):
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
            bar.update(1)
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
        engine=choice,
    )
