"""ResNet-9 gets 32×32×3 images whatever the device (the stand-in follows the architecture, not the hardware)."""

from __future__ import annotations

import pytest

from ascent_fails.nn_experiments.inputs import DataSettings, load_data, model_plan


def test_resnet9_on_cpu_gets_the_32x32x3_stand_in():
    settings = DataSettings(dataset="digits", device="cpu", arch="resnet9", n_models=2)
    _, arch, _ = model_plan(settings)
    data = load_data(settings)
    assert arch == "resnet9" and data.input_shape == (3, 32, 32) and data.name == "digits-upsampled-32x32x3"


def test_the_mlp_keeps_the_8x8_digits():
    data = load_data(DataSettings(dataset="digits", device="cpu", arch="mlp", n_models=2))
    assert data.name == "digits" and data.input_shape != (3, 32, 32)


def test_resnet9_forward_pass_on_the_stand_in_runs_on_cpu():
    torch = pytest.importorskip("torch")
    from ascent_fails.nn_experiments.models import build_model

    settings = DataSettings(dataset="digits", device="cpu", arch="resnet9", n_models=2)
    data = load_data(settings)
    model = build_model("resnet9", 2, data.num_classes, seeds=[0, 1], input_shape=data.input_shape).eval()
    chunk = torch.tensor(data.train_x[:3])  # [3, 3, 32, 32]
    with torch.no_grad():
        logits = model(chunk.unsqueeze(0).expand(2, *chunk.shape))  # [N, b, *shape] -> [N, b, C]
    assert tuple(logits.shape) == (2, 3, data.num_classes) and bool(torch.isfinite(logits).all())  # the 8×8 digits raised "kernel size can't be greater than input"


def test_resnet9_on_vectors_is_refused_naming_the_flags():
    with pytest.raises(ValueError, match="dataset='synthetic' must be one of"):
        model_plan(DataSettings(dataset="synthetic", device="cpu", arch="resnet9", n_models=2))
