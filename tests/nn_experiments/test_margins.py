"""Margins equal the direct formula (and log(p/(1 − p))), in float64, in eval mode."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ascent_fails.nn_experiments.margins import margins, margins_from_logits
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.training import train_ensemble


def test_margins_match_the_direct_formula() -> None:
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 50, 5, generator=generator, dtype=torch.float64) * 4
    y = torch.randint(0, 5, (50,), generator=generator)
    got = margins_from_logits(logits, y)
    for n in range(3):
        for p in range(50):
            z = logits[n, p].numpy()
            others = np.delete(z, int(y[p]))
            direct = z[y[p]] - math.log(np.exp(others).sum())
            prob = np.exp(z) / np.exp(z).sum()
            assert got[n, p].item() == pytest.approx(direct, rel=1e-12, abs=1e-12)
            assert got[n, p].item() == pytest.approx(math.log(prob[y[p]] / (1 - prob[y[p]])), rel=1e-9, abs=1e-9)
    # stable where the naive log(p/(1 − p)) overflows: z_y − z_other exactly for two classes
    huge = torch.tensor([[[1000.0, -1000.0]]])
    assert margins_from_logits(huge, torch.tensor([0])).item() == 2000.0


def test_ensemble_margins_are_float64_eval_mode_margins_of_logits(digits) -> None:
    x, y = digits
    ensemble = train_ensemble("cnn", x, y, TrainRecipe(epochs=1, batch_size=16), n_models=2, seed=0,
                              num_classes=10, progress=False).ensemble
    ensemble.module.train()
    got = margins(ensemble, x, y, batch_size=7)
    assert got.dtype == torch.float64 and got.shape == (2, 48)
    assert ensemble.module.training  # restored after evaluation
    ensemble.module.eval()
    with torch.no_grad():
        expected = margins_from_logits(ensemble.module(x.unsqueeze(0).expand(2, -1, -1, -1, -1)), y)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
