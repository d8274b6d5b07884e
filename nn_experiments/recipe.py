"""The training recipe of every model (SGD on the mean cross-entropy), with the digits and ResNet-9 values.

A :class:`TrainRecipe` is frozen and validated once; it enters the cache key of every trained ensemble
(:mod:`~ascent_fails.nn_experiments.storage`), so a changed recipe never reuses models trained with another.

>>> RESNET9_RECIPE.lr_factor(5.0), RESNET9_RECIPE.lr_factor(24.0)   # the triangle peaks at epoch 5
(1.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ascent_fails.validate import (
    require_choice,
    require_in_range,
    require_nonnegative,
    require_positive,
    require_positive_int,
)

__all__ = ["TrainRecipe", "DIGITS_RECIPE", "RESNET9_RECIPE"]


@dataclass(frozen=True)
class TrainRecipe:
    """How every model of an ensemble is trained (SGD on the mean cross-entropy).

    Reference values: the digits defaults below were chosen here (validation accuracy ≈ 97 % for the MLP);
    ``RESNET9_RECIPE`` is the paper's CIFAR-10 recipe (docs/experiments.md#models-and-training-recipes).
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

    def with_epochs(self, epochs: int) -> TrainRecipe:
        """This recipe run for ``epochs`` epochs; a triangular schedule keeps its shape (the peak at the same
        fraction of training), so ``RESNET9_RECIPE.with_epochs(1)`` peaks at 5/24 of its one epoch.

        >>> RESNET9_RECIPE.with_epochs(12).peak_epoch
        2.5
        """
        epochs = require_positive_int("epochs", epochs)
        return replace(self, epochs=epochs, peak_epoch=self.peak_epoch * epochs / self.epochs)

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
