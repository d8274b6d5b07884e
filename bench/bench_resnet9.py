"""Benchmark: ResNet-9 training throughput, the ensemble engine (k models per pass) vs a plain PyTorch loop.

Throughput is counted in *model-images per second*: one image through one model's training step (forward,
backward, SGD step) counts once. The plain loop trains one model (``torch.nn`` layers, same precision, SGD with
momentum, ``channels_last`` as the engine), so its model-images/s are its images/s; the engine trains an ensemble
of N models with ``train_ensemble`` and k models per pass, k ∈ ``--models-per-pass`` (integers and ``auto``).
A ratio engine/plain ≥ 1 means the engine trains the N models at least as fast as the plain loop would train
them one after another. Each figure is given per wall-clock second and per CPU second of this process
(``time.process_time``): on a machine shared with other jobs, run with ``--threads 1`` and read the per-CPU-second
figures, which leave out the time the process waited for a core (with several threads they also count spinning). The batch is the unlearning batch (64 per model) by default, where one model leaves a
GPU idle. The engine's time includes building and initialising its N models; the plain loop's model is built
before its clock starts. Each configuration is timed ``--repeats`` times in interleaved rounds (plain, then every k, then
again), after one warm-up each, and the best round is reported: on a shared machine the best round is the one
least disturbed by other jobs. The last line is one JSON object of the headline figures, with the load average.

Usage: ``python bench/bench_resnet9.py [--device cpu|cuda] [--n-models N] [--images 256] [--batch 64]
[--epochs 1] [--models-per-pass 1 2 4 auto] [--channels-last] [--cudnn-benchmark] [--compile] [--fp32]
[--threads T]``.
The CPU defaults (N = 4, 256 images, one epoch, 2 repeats) are a reduced size that finishes in about a minute on
an idle 2-core machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

import numpy as np
import torch
from torch import nn

from ascent_fails.nn_experiments.engine import AUTO, EngineOptions
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


def plain_loop(x: torch.Tensor, y: torch.Tensor, batch: int, epochs: int, device: torch.device, bf16: bool,
               channels_last: bool = True) -> tuple[float, float]:
    """(model-images per wall-clock second, per CPU second of this process) of one plain model, after a warm-up."""
    model = plain_resnet9().to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = x.to(device)
    x = x.contiguous(memory_format=torch.channels_last) if channels_last else x
    y = y.to(device)

    def step(xb: torch.Tensor, yb: torch.Tensor) -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = nn.functional.cross_entropy(model(xb), yb)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    step(x[:batch], y[:batch])  # warm-up (cuDNN algorithm choice, allocator)
    _sync(device)
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], device=device)
        for i in range(0, x.shape[0], batch):
            idx = order[i : i + batch]
            step(x[idx], y[idx])
    _sync(device)
    images = epochs * x.shape[0]
    return images / (time.perf_counter() - start), images / (time.process_time() - cpu_start)


def engine(x: torch.Tensor, y: torch.Tensor, batch: int, epochs: int, n_models: int, device: torch.device, bf16: bool,
           options: EngineOptions) -> tuple[float, float, int, str]:
    """(model-images per wall-clock second, per CPU second, models per pass used, why) of ``train_ensemble``."""
    recipe = dataclasses.replace(RESNET9_RECIPE, epochs=epochs, batch_size=batch, lr=0.05, peak_epoch=epochs / 2,
                                 mixed_precision=bf16)
    train_ensemble("resnet9", x[:batch], y[:batch], dataclasses.replace(recipe, epochs=1), n_models=n_models, seed=1,
                   num_classes=10, device=device, progress=False, engine=options)  # warm-up (and the auto probe)
    _sync(device)
    start, cpu_start = time.perf_counter(), time.process_time()
    result = train_ensemble("resnet9", x, y, recipe, n_models=n_models, seed=0, num_classes=10, device=device,
                            progress=False, engine=options)
    _sync(device)
    images = epochs * x.shape[0] * n_models
    return (images / (time.perf_counter() - start), images / (time.process_time() - cpu_start),
            result.engine.models_per_pass, result.engine.reason)


def _models_per_pass(values: list[str], n_models: int, parser: argparse.ArgumentParser) -> list[int | str]:
    chosen: list[int | str] = []
    for value in values:
        if value == AUTO:
            chosen.append(AUTO)
            continue
        if not value.isdigit() or not 1 <= int(value) <= n_models:
            parser.error(f"--models-per-pass {value!r}: each value must be 'auto' or an integer in [1, N={n_models}]")
        chosen.append(int(value))
    return chosen


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--n-models", type=int, default=None, help="N models of the ensemble (default 4 on CPU, 100 on CUDA)")
    parser.add_argument("--images", type=int, default=None, help="training images (default: 256 on CPU, all 1,437 on CUDA)")
    parser.add_argument("--batch", type=int, default=64, help="batch per model (default 64, the unlearning batch)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2, help="interleaved timing rounds; the best is reported")
    parser.add_argument("--models-per-pass", nargs="+", default=None, metavar="K",
                        help="models per pass: integers in [1, N] and/or 'auto' (default: 1, 2, N and auto on CPU; "
                             "1, 4, 16, N and auto on CUDA)")
    parser.add_argument("--channels-last", action="store_true", default=None,
                        help="NHWC activations in engine and plain loop (default: on for CUDA, off for CPU)")
    parser.add_argument("--cudnn-benchmark", action="store_true", help="torch.backends.cudnn.benchmark (CUDA)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the engine's forward pass")
    parser.add_argument("--fp32", action="store_true", help="no bf16 autocast on CUDA (CPU always runs fp32)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice). On a CPU shared with other jobs, 1 thread "
                             "makes the per-CPU-second figures meaningful: they then exclude time spent waiting")
    args = parser.parse_args(argv)
    if args.threads is not None:
        if args.threads < 1:
            parser.error(f"--threads={args.threads} must be a positive integer")
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    n_models = args.n_models or (4 if device.type == "cpu" else 100)
    for flag, value in (("--images", args.images), ("--batch", args.batch), ("--epochs", args.epochs),
                        ("--n-models", n_models), ("--repeats", args.repeats)):
        if value is not None and value < 1:
            parser.error(f"{flag}={value} must be a positive integer")
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is visible")
    default_k = ["1", "2", str(n_models), AUTO] if device.type == "cpu" else ["1", "4", "16", str(n_models), AUTO]
    counts = list(dict.fromkeys(_models_per_pass(args.models_per_pass or [k for k in default_k if k == AUTO or
                                                                          int(k) <= n_models], n_models, parser)))
    bf16 = device.type == "cuda" and not args.fp32  # the paper's mixed precision on a GPU; fp32 on a CPU
    channels_last = device.type == "cuda" if args.channels_last is None else True
    data = load_data(DataSettings(dataset="digits", device="cpu", arch="resnet9", n_models=2))
    n = args.images or (256 if device.type == "cpu" else data.n_train)
    x = torch.tensor(np.asarray(data.train_x[:n]))
    y = torch.tensor(np.asarray(data.train_y[:n]))
    torch.manual_seed(0)
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"ResNet-9 on {n} images of {data.name}, N = {n_models} models, batch {args.batch} per model, "
          f"{args.epochs} epoch(s), {'bf16 autocast' if bf16 else 'fp32'} on {device} "
          f"({torch.get_num_threads()} CPU threads, load average {load_before:.2f}), channels_last={channels_last}, "
          f"cudnn_benchmark={args.cudnn_benchmark}, compile={args.compile}; best of {args.repeats} rounds")
    started = time.perf_counter()
    plain_rates: list[float] = []
    plain_cpu: list[float] = []
    rates: dict[str, list[float]] = {str(k): [] for k in counts}
    cpu_rates: dict[str, list[float]] = {str(k): [] for k in counts}
    chosen: dict[str, tuple[int, str]] = {}
    for _ in range(args.repeats):
        wall, cpu = plain_loop(x, y, args.batch, args.epochs, device, bf16, channels_last)
        plain_rates.append(wall)
        plain_cpu.append(cpu)
        for k in counts:
            options = EngineOptions(models_per_pass=k, channels_last=channels_last,
                                    cudnn_benchmark=args.cudnn_benchmark, compile=args.compile)
            rate, cpu, used, reason = engine(x, y, args.batch, args.epochs, n_models, device, bf16, options)
            rates[str(k)].append(rate)
            cpu_rates[str(k)].append(cpu)
            chosen[str(k)] = (used, reason)
    plain, plain_per_cpu = max(plain_rates), max(plain_cpu)
    print(f"  plain PyTorch, one model:            {plain:9.1f} model-images/s  ({plain_per_cpu:7.1f} per CPU second)")
    figures: dict = {"device": str(device), "n_models": n_models, "images": n, "batch": args.batch,
                     "epochs": args.epochs, "precision": "bf16" if bf16 else "fp32", "channels_last": channels_last,
                     "cudnn_benchmark": args.cudnn_benchmark, "compile": args.compile, "repeats": args.repeats,
                     "threads": torch.get_num_threads(), "plain_model_images_per_s": round(plain, 2),
                     "plain_model_images_per_cpu_s": round(plain_per_cpu, 2)}
    for k in counts:
        best, best_cpu = max(rates[str(k)]), max(cpu_rates[str(k)])
        used, reason = chosen[str(k)]
        label = f"auto (= {used})" if k == AUTO else str(k)
        print(f"  engine, {label:>10} models per pass: {best:9.1f} model-images/s ({best / plain:5.2f}x plain; "
              f"{best_cpu:7.1f} per CPU second, {best_cpu / plain_per_cpu:5.2f}x)" + (f"  [{reason}]" if k == AUTO else ""))
        figures[f"engine_k{k}_model_images_per_s"] = round(best, 2)
        figures[f"engine_k{k}_vs_plain"] = round(best / plain, 3)
        figures[f"engine_k{k}_model_images_per_cpu_s"] = round(best_cpu, 2)
        figures[f"engine_k{k}_vs_plain_per_cpu_s"] = round(best_cpu / plain_per_cpu, 3)
        if k == AUTO:
            figures["auto_models_per_pass"] = used
            figures["auto_reason"] = reason
    figures["best_engine_vs_plain"] = round(max(max(r) for r in rates.values()) / plain, 3)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["load_average_before"] = round(load_before, 2)
    figures["load_average_after"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
