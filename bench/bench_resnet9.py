"""Benchmark: ResNet-9 training throughput, the ensemble engine vs a plain PyTorch single-model loop.

Prints images per second *per model* for the ensemble engine (``train_ensemble``) run with k models per pass,
k ∈ ``--models-per-pass``, and for a plain PyTorch ResNet-9 of the same architecture (``torch.nn`` layers,
``channels_last``, same precision, SGD with momentum), trained one model at a time. The batch is the unlearning
batch (64 per model) by default, where one model leaves a GPU idle. The last line is one JSON object of the
headline figures: every throughput and the best engine/plain ratio.

Usage: ``python bench/bench_resnet9.py [--device cpu|cuda] [--images 256] [--batch 64] [--epochs 1]
[--models-per-pass 1 2 4]``. The CPU defaults are a reduced size that finishes in about a minute on 2 cores;
on a shared machine compare the numbers only with each other.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np
import torch
from torch import nn

from ascent_fails.nn_experiments.inputs import DataSettings, load_data
from ascent_fails.nn_experiments.recipe import RESNET9_RECIPE
from ascent_fails.nn_experiments.training import train_ensemble


def _conv_bn(cin: int, cout: int, kernel: int = 3, stride: int = 1, padding: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class _Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv_bn(channels, channels), _conv_bn(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def plain_resnet9(num_classes: int = 10) -> nn.Module:
    """The architecture of ``models.EnsembleResNet9`` written with plain ``torch.nn`` layers (one model)."""
    return nn.Sequential(
        _conv_bn(3, 64), _conv_bn(64, 128, 5, 2, 2), _Residual(128), _conv_bn(128, 256), nn.MaxPool2d(2),
        _Residual(256), _conv_bn(256, 128, 3, 1, 0), nn.AdaptiveMaxPool2d(1), nn.Flatten(),
        nn.Linear(128, num_classes, bias=False),
    )


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def plain_loop(x: torch.Tensor, y: torch.Tensor, batch: int, epochs: int, device: torch.device, bf16: bool) -> float:
    """Images per second of one plain model (channels_last), after a warm-up step."""
    model = plain_resnet9().to(device).to(memory_format=torch.channels_last)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = x.to(device).contiguous(memory_format=torch.channels_last)
    y = y.to(device)

    def step(xb: torch.Tensor, yb: torch.Tensor) -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = nn.functional.cross_entropy(model(xb), yb)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    step(x[:batch], y[:batch])  # warm-up (cuDNN algorithm choice, allocator)
    _sync(device)
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], device=device)
        for i in range(0, x.shape[0], batch):
            idx = order[i : i + batch]
            step(x[idx], y[idx])
    _sync(device)
    return epochs * x.shape[0] / (time.perf_counter() - start)


def engine(x: torch.Tensor, y: torch.Tensor, batch: int, epochs: int, models: int, device: torch.device,
           bf16: bool) -> float:
    """Images per second per model of ``train_ensemble`` with ``models`` ResNet-9 models in one pass."""
    recipe = dataclasses.replace(RESNET9_RECIPE, epochs=epochs, batch_size=batch, lr=0.05, peak_epoch=epochs / 2,
                                 mixed_precision=bf16)
    train_ensemble("resnet9", x[:batch], y[:batch], dataclasses.replace(recipe, epochs=1), n_models=models, seed=1,
                   num_classes=10, device=device, progress=False)  # warm-up
    _sync(device)
    start = time.perf_counter()
    train_ensemble("resnet9", x, y, recipe, n_models=models, seed=0, num_classes=10, device=device, progress=False)
    _sync(device)
    return epochs * x.shape[0] * models / (time.perf_counter() - start) / models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--images", type=int, default=None, help="training images (default: 256 on CPU, all 1,437 on CUDA)")
    parser.add_argument("--batch", type=int, default=64, help="batch per model (default 64, the unlearning batch)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--models-per-pass", type=int, nargs="+", default=None,
                        help="ensemble sizes per pass (default: 1 2 4 on CPU, 1 4 16 64 100 on CUDA)")
    args = parser.parse_args()
    for flag, value in (("--images", args.images), ("--batch", args.batch), ("--epochs", args.epochs)):
        if value is not None and value < 1:
            parser.error(f"{flag}={value} must be a positive integer")
    if args.models_per_pass is not None and min(args.models_per_pass) < 1:
        parser.error(f"--models-per-pass {args.models_per_pass}: every value must be a positive integer")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is visible")
    bf16 = device.type == "cuda"  # the paper's mixed precision on a GPU; fp32 on a CPU, where bf16 is slower
    counts = args.models_per_pass or ([1, 2, 4] if device.type == "cpu" else [1, 4, 16, 64, 100])
    data = load_data(DataSettings(dataset="digits", device="cpu", arch="resnet9", n_models=2))
    n = args.images or (256 if device.type == "cpu" else data.n_train)
    x = torch.tensor(np.asarray(data.train_x[:n]))
    y = torch.tensor(np.asarray(data.train_y[:n]))
    torch.manual_seed(0)
    print(f"ResNet-9 on {n} images of {data.name}, batch {args.batch} per model, {args.epochs} epoch(s), "
          f"{'bf16 autocast' if bf16 else 'fp32'} on {device} ({torch.get_num_threads()} CPU threads)")
    plain = plain_loop(x, y, args.batch, args.epochs, device, bf16)
    print(f"  plain PyTorch, one model (channels_last): {plain:9.1f} images/s per model")
    figures = {"device": str(device), "images": n, "batch": args.batch, "precision": "bf16" if bf16 else "fp32",
               "plain_images_per_s": round(plain, 2)}
    ratios = []
    for k in counts:
        rate = engine(x, y, args.batch, args.epochs, k, device, bf16)
        ratios.append(rate / plain)
        print(f"  ensemble engine, {k:3d} models per pass:    {rate:9.1f} images/s per model ({rate / plain:5.2f}x plain)")
        figures[f"engine_{k}_per_pass_images_per_s"] = round(rate, 2)
    figures["best_engine_vs_plain"] = round(max(ratios), 3)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
