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
"""

from __future__ import annotations

import functools
from typing import Any

from ascent_fails.validate import require_positive_int

__all__ = ["PEAK_FACTOR", "DEFAULT_CPU_BUDGET", "activation_elements", "peak_bytes", "evaluation_batch_size",
           "memory_budget"]

PEAK_FACTOR = 3  # K: activations of the largest size alive at once in an eval pass (input, output, residual)
DEFAULT_CPU_BUDGET = 4 * 2**30  # bytes an evaluation pass may take on a CPU (configurable per call)
CUDA_FRACTION = 0.8  # share of the free device memory an evaluation pass may take on CUDA


@functools.lru_cache(maxsize=32)
def activation_elements(arch: str, input_shape: tuple[int, ...], num_classes: int) -> int:
    """A_max: the most elements any module of one ``arch`` model outputs for one point of ``input_shape``."""
    import torch

    from ascent_fails.nn_experiments.models import build_model

    model = build_model(arch, 1, num_classes, seeds=[0], input_shape=tuple(input_shape)).eval()
    largest = [int(torch.Size(input_shape).numel())]

    def record(_module: Any, _inputs: Any, output: Any) -> None:
        if isinstance(output, torch.Tensor):
            largest.append(int(output[0].numel()))  # [1 model, 1 point, ...] or [1 point, N·C, H, W]: one of each

    handles = [m.register_forward_hook(record) for m in model.modules() if m is not model]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 1, *input_shape))
    finally:
        for handle in handles:
            handle.remove()
    return max(largest)


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
