"""Batch sizes from a memory budget: how many points an N-model ensemble can evaluate at once.

An ensemble evaluates a batch of b points with all N models in one pass, so every activation is b·N times the
activation of one model on one point. With A_max the largest activation (in elements) of one model on one point and
s the bytes per element, the peak memory of an evaluation pass is bounded by

    peak(b) ≤ b · N · s · K · A_max,   K = 3,

because at most three activations of any layer's size are alive at once in eval mode (a layer's input, its output,
and the input a residual branch keeps to add back); the input batch and the logits are smaller than A_max per point.
:func:`evaluation_batch_size` is the largest b with peak(b) ≤ budget (at least 1, at most the caller's maximum).

For ResNet-9 on 32×32×3 images A_max is the first convolution's output, 64 × 32 × 32 = 65,536 elements: at N = 100
in float32 a batch of 2,048 needs ≤ 161 GB (the first layer alone is 54 GB), while a 40 GB card with 80 % of its
memory as the budget takes b = 406 (peak ≤ 32 GB). The MLP of the digits (A_max = 128) never reaches the budget.
:func:`activation_elements` measures A_max with forward hooks on a one-model ensemble, so a new architecture needs
no entry here.

Training chunk. Training keeps every activation of the forward pass for the backward pass, and the backward pass
builds a gradient of the same size for each, while every model holds its parameters, their gradients and the SGD
momentum (float32). With A_sum the summed output elements of all modules of one model on one point (each a tensor
autograd may save), P the parameters of one model and b the training batch per model, one model's training peak
is bounded by

    train_peak(b) = 2 · b · s · A_sum + 3 · 4 · P   bytes   (activations × (forward + backward) + θ, ∇θ, momentum),

and :func:`training_chunk_size` trains c = ⌊(budget − data bytes) / train_peak(b)⌋ models together (at least 1,
at most the caller's maximum); the training set resident on the device (``data bytes``) comes off the budget
first. ResNet-9 on 32×32×3: A_sum = 852,490 elements and P = 2,274,880, so at b = 512 one model needs ≤ 3.5 GB
in float32 and 80 % of a 141 GB H200 trains 32 models per chunk; at the unlearning batch b = 64 it is ≤ 0.46 GB.
The bound is checked against the bytes autograd actually saves (tests/nn_experiments/test_memory.py) for full
batches; a padded batch (models with unequal training subsets) runs the masked BatchNorm, which keeps a few more
float32 intermediates per BatchNorm than ``F.batch_norm``, and under bfloat16 autocast the convolutions' activations
take 2 bytes instead of s = 4: the first is not covered by the bound, the second gives it slack.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from ascent_fails.validate import require_positive_int

__all__ = ["PEAK_FACTOR", "DEFAULT_CPU_BUDGET", "activation_elements", "peak_bytes", "evaluation_batch_size",
           "memory_budget", "TrainingFootprint", "training_footprint", "training_peak_bytes", "training_chunk_size",
           "auto_training_chunk"]

PEAK_FACTOR = 3  # K: activations of the largest size alive at once in an eval pass (input, output, residual)
DEFAULT_CPU_BUDGET = 4 * 2**30  # bytes an evaluation pass may take on a CPU (configurable per call)
CUDA_FRACTION = 0.8  # share of the free device memory an evaluation pass may take on CUDA


def _elements_per_point(arch: str, input_shape: tuple[int, ...], num_classes: int, *,
                        training: bool) -> tuple[list[int], int]:
    """(elements per point of the input and of every module's output, parameters) of one ``arch`` model.

    Forward hooks on a one-model ensemble fed two points (BatchNorm in training mode needs more than one value per
    channel); every output holds both points, so its element count halved is one point's.
    """
    import torch

    from ascent_fails.nn_experiments.models import build_model

    model = build_model(arch, 1, num_classes, seeds=[0], input_shape=tuple(input_shape)).train(training)
    counts = [int(torch.Size(input_shape).numel())]

    def record(_module: Any, _inputs: Any, output: Any) -> None:
        if isinstance(output, torch.Tensor):
            counts.append(int(output.numel()) // 2)

    handles = [m.register_forward_hook(record) for m in model.modules() if m is not model]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 2, *input_shape))
    finally:
        for handle in handles:
            handle.remove()
    return counts, sum(p.numel() for p in model.parameters())


@functools.lru_cache(maxsize=32)
def activation_elements(arch: str, input_shape: tuple[int, ...], num_classes: int) -> int:
    """A_max: the most elements any module of one ``arch`` model outputs for one point of ``input_shape``."""
    return max(_elements_per_point(arch, input_shape, num_classes, training=False)[0])


@dataclass(frozen=True)
class TrainingFootprint:
    """One model's sizes behind the training bound: A_sum (elements per point) and P (parameters)."""

    activation_sum: int  # A_sum: Σ over modules of output elements, one model, one point
    parameters: int  # P: parameters of one model


@functools.lru_cache(maxsize=32)
def training_footprint(arch: str, input_shape: tuple[int, ...], num_classes: int) -> TrainingFootprint:
    """A_sum and P of one ``arch`` model (forward hooks on a one-model ensemble in training mode)."""
    counts, parameters = _elements_per_point(arch, input_shape, num_classes, training=True)
    return TrainingFootprint(sum(counts), parameters)


def training_peak_bytes(chunk: int, batch: int, footprint: TrainingFootprint, element_bytes: int = 4) -> int:
    """``chunk`` models × (2 · b · s · A_sum + 3 · 4 · P): the training bound of the module docstring."""
    per_model = 2 * batch * element_bytes * footprint.activation_sum + 3 * 4 * footprint.parameters
    return chunk * per_model


def training_chunk_size(footprint: TrainingFootprint, batch: int, budget_bytes: int, *, data_bytes: int = 0,
                        element_bytes: int = 4, maximum: int = 100) -> int:
    """The most models c ≤ ``maximum`` with :func:`training_peak_bytes` ≤ ``budget_bytes − data_bytes`` (≥ 1).

    >>> rn9 = TrainingFootprint(activation_sum=852_490, parameters=2_274_880)
    >>> training_chunk_size(rn9, 512, int(0.8 * 141e9))   # ResNet-9, batch 512, 80 % of an H200
    32
    """
    for name, value in (("batch", batch), ("budget_bytes", budget_bytes), ("element_bytes", element_bytes),
                        ("maximum", maximum)):
        require_positive_int(name, value)
    require_positive_int("data_bytes", data_bytes, minimum=0)
    room = budget_bytes - data_bytes
    return max(1, min(maximum, room // training_peak_bytes(1, batch, footprint, element_bytes)))


def auto_training_chunk(arch: str, x: Any, num_classes: int, batch: int, device: Any, *, maximum: int) -> int:
    """:func:`training_chunk_size` for training ``arch`` on the points ``x`` (resident on ``device``) within
    :func:`memory_budget` of ``device``."""
    import numpy as np

    shape = tuple(int(d) for d in np.shape(x)[1:])
    data_bytes = 4 * int(np.prod(np.shape(x)))
    footprint = training_footprint(arch, shape, int(num_classes))
    return training_chunk_size(footprint, batch, memory_budget(device), data_bytes=data_bytes, maximum=maximum)


def peak_bytes(batch: int, n_models: int, elements: int, element_bytes: int = 4) -> int:
    """The bound b · N · s · K · A_max of the module docstring."""
    return batch * n_models * element_bytes * PEAK_FACTOR * elements


def evaluation_batch_size(elements: int, n_models: int, budget_bytes: int, *, element_bytes: int = 4,
                          maximum: int = 2048) -> int:
    """The largest batch b ≤ ``maximum`` with :func:`peak_bytes` ≤ ``budget_bytes`` (1 if even b = 1 exceeds it).

    >>> evaluation_batch_size(65_536, 100, int(0.8 * 40e9))   # ResNet-9, N = 100, 80 % of a 40 GB card
    406
    >>> evaluation_batch_size(128, 100, 4 * 2**30)             # the digits MLP: the maximum
    2048
    """
    for name, value in (("elements", elements), ("n_models", n_models), ("budget_bytes", budget_bytes),
                        ("element_bytes", element_bytes), ("maximum", maximum)):
        require_positive_int(name, value)
    return max(1, min(maximum, budget_bytes // peak_bytes(1, n_models, elements, element_bytes)))


def memory_budget(device: Any, cpu_budget_bytes: int = DEFAULT_CPU_BUDGET) -> int:
    """Bytes an evaluation pass may take: 80 % of the free memory of a CUDA device, else ``cpu_budget_bytes``."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(CUDA_FRACTION * free)
    return require_positive_int("cpu_budget_bytes", cpu_budget_bytes)
