"""Fixtures shared by the network tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits


@pytest.fixture(scope="module")
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """48 digits images (1×8×8, pixels/16) with their labels: small enough for exact-trajectory tests."""
    bunch = load_digits()
    x = torch.tensor(bunch.images[:48] / 16.0, dtype=torch.float32).unsqueeze(1)
    return x, torch.tensor(bunch.target[:48], dtype=torch.long)


def gaussian_class_sampler(rng: np.random.Generator, dim: int = 16, classes: int = 3):
    """``draw(n) -> (x float32 [n, dim], y int64 [n])``: points around ``classes`` fixed random centres (drawn from
    ``rng`` first, then every sample from the same stream), the small separable data of the runner and audit tests."""
    centres = rng.normal(size=(classes, dim)).astype(np.float32) * 2

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, classes, n)
        return (centres[y] + rng.normal(size=(n, dim)).astype(np.float32)), y.astype(np.int64)

    return draw
