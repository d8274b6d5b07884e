"""Masked ensemble BatchNorm: statistics and element counts stay exact in float32 when the input is bfloat16."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ascent_fails.nn_experiments.models import EnsembleBatchNorm2d  # noqa: E402


def _reference(x: np.ndarray, valid: np.ndarray, n_models: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-model (mean, unbiased variance) over model k's valid batch entries, in float64 (independent numpy)."""
    batch, _, height, width = x.shape
    xs = x.reshape(batch, n_models, channels, height, width).astype(np.float64)
    means, variances = [], []
    for k in range(n_models):
        values = xs[valid[k], k].transpose(1, 0, 2, 3).reshape(channels, -1)  # [C, count]
        means.append(values.mean(1))
        variances.append(values.var(1, ddof=1))
    return np.concatenate(means), np.concatenate(variances)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_masked_statistics_use_the_exact_count_above_two_to_the_sixteen(dtype):
    n_models, channels, batch, side = 2, 2, 320, 16
    valid = torch.zeros(n_models, batch, dtype=torch.bool)
    valid[0, :301] = True  # 301 · 16 · 16 = 77,056 values per channel: 76,800 in bfloat16
    valid[1, 10:160] = True
    generator = torch.Generator().manual_seed(0)
    x = (3.0 + torch.randn(batch, n_models * channels, side, side, generator=generator)).to(dtype)
    bn = EnsembleBatchNorm2d(n_models, channels, momentum=1.0).train()  # momentum 1: running stats = batch stats
    bn(x, valid)
    mean, var = _reference(x.float().numpy(), valid.numpy(), n_models, channels)
    np.testing.assert_allclose(bn.running_mean.numpy(), mean, rtol=2e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), var, rtol=2e-5)


def test_a_bfloat16_count_would_be_caught():
    """Negative control: statistics divided by the bfloat16-rounded count fail the tolerance of the test above."""
    count = torch.tensor(301 * 16 * 16, dtype=torch.float32)
    rounded = float(count.to(torch.bfloat16).float())
    assert rounded == 76_800.0
    valid = np.zeros((1, 320), dtype=bool)
    valid[0, :301] = True
    x = 3.0 + np.random.default_rng(0).standard_normal((320, 1, 16, 16))
    mean, _ = _reference(x, valid, 1, 1)
    biased = mean * (301 * 16 * 16) / rounded  # what a sum over the valid values divided by 76,800 gives
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(biased, mean, rtol=2e-6)
