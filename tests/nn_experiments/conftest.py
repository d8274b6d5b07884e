"""Fixtures shared by the network tests."""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits


@pytest.fixture(scope="module")
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """48 digits images (1×8×8, pixels/16) with their labels: small enough for exact-trajectory tests."""
    bunch = load_digits()
    x = torch.tensor(bunch.images[:48] / 16.0, dtype=torch.float32).unsqueeze(1)
    return x, torch.tensor(bunch.target[:48], dtype=torch.long)
