"""Benchmark: training 100 digits MLPs (64-128-10, 30 epochs, batch 64) as one ensemble vs a per-model loop.

Prints, for the machine it runs on:
* the fp32 matmul peak (GFLOP/s) of a large ``torch.matmul`` (2048 × 2048, best of several runs);
* the per-model loop: ``torch.nn.Sequential`` + ``torch.optim.SGD``, one model after another, same recipe;
* the ensemble engine (``train_ensemble``), its speed-up over the loop, and the fraction of the matmul peak it
  reaches (useful FLOPs per example: 2 × (2·64·128 + 3·128·10), i.e. forward and weight gradient of both
  layers and the input gradient of the second; bias, ReLU, loss and optimiser are not counted).

Usage: ``python bench/bench_ensemble.py [--models 100] [--epochs 30] [--threads T] [--device cpu]``.
On a shared machine the numbers are inflated by contention: compare them only with each other.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
from sklearn.datasets import load_digits

from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.training import train_ensemble
from ascent_fails.nn_experiments.models import MLP_HIDDEN


def matmul_peak(device: torch.device, size: int = 2048, repeats: int = 5) -> float:
    """Best-of-``repeats`` GFLOP/s of a ``size``² fp32 matmul."""
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    best = math.inf
    for _ in range(repeats + 1):  # the first run warms up
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def per_model_loop(x: torch.Tensor, y: torch.Tensor, recipe: TrainRecipe, n_models: int) -> float:
    """Seconds to train ``n_models`` plain PyTorch MLPs one after another."""
    start = time.perf_counter()
    for k in range(n_models):
        torch.manual_seed(k)
        net = torch.nn.Sequential(
            torch.nn.Linear(x.shape[1], MLP_HIDDEN), torch.nn.ReLU(), torch.nn.Linear(MLP_HIDDEN, 10)
        ).to(x.device)
        opt = torch.optim.SGD(
            net.parameters(), lr=recipe.lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay
        )
        for _ in range(recipe.epochs):
            order = torch.randperm(x.shape[0], device=x.device)
            for s in range(0, x.shape[0], recipe.batch_size):
                idx = order[s : s + recipe.batch_size]
                loss = torch.nn.functional.cross_entropy(net(x[idx]), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    if x.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--loop-models", type=int, default=10, help="models timed in the loop (scaled to --models)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    digits = load_digits()
    features = (digits.data / 16.0).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(features))[:1437]  # the training-split size used by digits
    x = torch.as_tensor(features[order], device=device)
    y = torch.as_tensor(digits.target[order], device=device)
    recipe = TrainRecipe(epochs=args.epochs, batch_size=64)
    print(f"torch {torch.__version__}, device {device}, threads {torch.get_num_threads()}")
    print(f"data: {x.shape[0]} points × {x.shape[1]} features, {args.models} models, {args.epochs} epochs, batch 64")

    peak = matmul_peak(device)
    print(f"fp32 matmul peak (2048² matmul, best of 5): {peak:.1f} GFLOP/s")

    loop_seconds = per_model_loop(x, y, recipe, args.loop_models) * args.models / args.loop_models
    print(f"per-model loop: {loop_seconds:.2f} s for {args.models} models (timed on {args.loop_models}, scaled)")

    train_ensemble("mlp", x[:128], y[:128], TrainRecipe(epochs=1), n_models=2, seed=0, num_classes=10, progress=False)
    result = train_ensemble(
        "mlp", x, y, recipe, n_models=args.models, seed=0, num_classes=10, device=device, progress=False
    )
    steps = args.epochs * math.ceil(x.shape[0] / recipe.batch_size)
    # multiply-adds per example: forward of both layers, weight gradients of both, input gradient of layer 2
    # only (the inputs need no gradient)
    macs = 2 * x.shape[1] * MLP_HIDDEN + 3 * MLP_HIDDEN * 10
    useful_flops = 2 * macs * x.shape[0] * args.epochs * args.models
    achieved = useful_flops / result.seconds / 1e9
    speedup = loop_seconds / result.seconds
    print(f"ensemble: {result.seconds:.2f} s ({steps} steps), speed-up over the loop {speedup:.1f}×")
    print(f"ensemble throughput: {achieved:.1f} GFLOP/s = {achieved / peak:.1%} of the measured matmul peak")
    print(f"matmul-peak lower bound for this training: {useful_flops / peak / 1e9:.2f} s")


if __name__ == "__main__":
    main()
