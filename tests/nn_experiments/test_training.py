"""Training trains each model exactly as plain PyTorch trains it alone; masks, snapshots, augmentation, progress."""

from __future__ import annotations

import io
import math

import pytest
import torch
import torch.nn.functional as F

from ascent_fails.nn_experiments.models import build_model
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.seeds import model_seeds
from ascent_fails.nn_experiments.training import train_ensemble
from tests.nn_experiments.test_models import reference_network


def train_alone_with_plain_pytorch(
    arch: str, x: torch.Tensor, y: torch.Tensor, recipe: TrainRecipe, seed: int, model_index: int, mask: torch.Tensor
) -> torch.nn.Module:
    """The documented contract, written out with torch.nn + torch.optim.SGD for one model."""
    init_seed, order_seed = model_seeds(seed, model_index)
    net = reference_network(build_model(arch, 1, 10, [init_seed], input_shape=tuple(x.shape[1:])), arch, 0).train()
    opt = torch.optim.SGD(net.parameters(), lr=recipe.lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay)
    generator = torch.Generator().manual_seed(order_seed)
    allowed = mask.nonzero().squeeze(1)
    steps = math.ceil(allowed.numel() / recipe.batch_size)
    for epoch in range(recipe.epochs):
        order = allowed[torch.randperm(allowed.numel(), generator=generator)]
        for i, start in enumerate(range(0, allowed.numel(), recipe.batch_size)):
            for group in opt.param_groups:
                group["lr"] = recipe.lr * recipe.lr_factor(epoch + i / steps)
            batch = order[start : start + recipe.batch_size]
            loss = F.cross_entropy(net(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


@pytest.mark.parametrize("arch", ["mlp", "cnn"])
@pytest.mark.parametrize("schedule", ["constant", "triangular"])
def test_model_in_ensemble_equals_model_trained_alone(digits, arch: str, schedule: str) -> None:
    x, y = digits
    recipe = TrainRecipe(epochs=3, batch_size=8, lr=0.05, momentum=0.9, weight_decay=5e-4, lr_schedule=schedule,
                         peak_epoch=1.0)
    # unequal training subsets: 48, 37 and 20 points, so batches are padded and short models skip steps
    masks = torch.ones(3, 48, dtype=torch.bool)
    masks[1, 11:22] = False
    masks[2, ::2], masks[2, 1:8:2] = False, False
    result = train_ensemble(arch, x, y, recipe, n_models=3, seed=4, num_classes=10, masks=masks, progress=False)
    assert result.train_sizes == (48, 37, 20)
    assert result.gradient_evaluations == 3 * (48 + 37 + 20)
    together = result.ensemble.logits(x)  # [3, 48, 10]
    for k in range(3):
        reference = train_alone_with_plain_pytorch(arch, x, y, recipe, seed=4, model_index=k, mask=masks[k])
        with torch.no_grad():
            torch.testing.assert_close(together[k], reference(x), rtol=1e-3, atol=1e-4)
    # and the engine trains one model alone (first_model=k) to the same place
    alone = train_ensemble(arch, x, y, recipe, n_models=1, seed=4, num_classes=10, masks=masks[2:], first_model=2,
                           progress=False)
    torch.testing.assert_close(alone.ensemble.logits(x)[0], together[2], rtol=1e-4, atol=1e-5)


def test_masked_points_never_reach_a_model(digits) -> None:
    """Poison the points model 0 must not see with NaN: model 0 ends exactly where a clean run ends."""
    x, y = digits
    masks = torch.ones(2, 48, dtype=torch.bool)
    masks[0, :10] = False
    recipe = TrainRecipe(epochs=2, batch_size=8)
    clean = train_ensemble("cnn", x, y, recipe, n_models=2, seed=0, num_classes=10, masks=masks, progress=False)
    poisoned_x = x.clone()
    poisoned_x[:10] = float("nan")
    poisoned = train_ensemble("cnn", poisoned_x, y, recipe, n_models=2, seed=0, num_classes=10, masks=masks,
                              progress=False)
    clean_logits, poisoned_logits = clean.ensemble.logits(x[10:]), poisoned.ensemble.logits(x[10:])
    torch.testing.assert_close(poisoned_logits[0], clean_logits[0], rtol=1e-5, atol=1e-6)
    assert torch.isnan(poisoned_logits[1]).all()  # model 1 did train on them (a control that the poison bites)


def test_snapshots_are_taken_at_the_requested_epochs(digits) -> None:
    x, y = digits
    result = train_ensemble("mlp", x, y, TrainRecipe(epochs=3, batch_size=16), n_models=2, seed=0, num_classes=10,
                            snapshot_epochs=(1, 3), progress=False)
    assert sorted(result.snapshots) == [1, 3]
    torch.testing.assert_close(result.snapshots[3].logits(x), result.ensemble.logits(x))
    assert not torch.equal(result.snapshots[1].logits(x), result.ensemble.logits(x))


def test_augmentation_is_per_model_and_reproducible(digits) -> None:
    x, y = digits
    recipe = TrainRecipe(epochs=1, batch_size=16, augment=True)
    a = train_ensemble("cnn", x, y, recipe, n_models=2, seed=0, num_classes=10, progress=False).ensemble
    b = train_ensemble("cnn", x, y, recipe, n_models=1, seed=0, num_classes=10, first_model=1, progress=False).ensemble
    plain = train_ensemble("cnn", x, y, TrainRecipe(epochs=1, batch_size=16), n_models=2, seed=0, num_classes=10,
                           progress=False).ensemble
    torch.testing.assert_close(b.logits(x)[0], a.logits(x)[1], rtol=1e-4, atol=1e-5)
    assert not torch.allclose(plain.logits(x), a.logits(x))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(arch="vit"), "arch='vit'"),
        (dict(n_models=0), "n_models=0"),
        (dict(device="tpu"), "device='tpu'"),
        (dict(masks=torch.ones(3, 5, dtype=torch.bool)), "masks must be a bool array"),
        (dict(masks=torch.zeros(2, 48, dtype=torch.bool)), "every row of masks"),
        (dict(snapshot_epochs=(5,)), "snapshot_epochs"),
        (dict(num_classes=3), "labels must lie"),
    ],
)
def test_bad_training_input_is_a_value_error_naming_it(digits, kwargs: dict, message: str) -> None:
    x, y = digits
    args = dict(arch="mlp", n_models=2, seed=0, num_classes=10, progress=False) | kwargs
    arch = args.pop("arch")
    with pytest.raises(ValueError, match=message):
        train_ensemble(arch, x, y, TrainRecipe(epochs=1), **args)


def test_progress_is_one_stage_with_a_header_and_a_summary_in_a_log(digits, monkeypatch) -> None:
    """Not a terminal: one header naming what is trained, one summary line, no carriage returns."""
    x, y = digits
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    train_ensemble("mlp", x, y, TrainRecipe(epochs=3, batch_size=16), n_models=2, seed=0, num_classes=10,
                   label="oracles without forget set random_5_seed0")
    lines = log.getvalue().splitlines()
    assert lines[0] == "== train 2 models (mlp, 3 epochs): oracles without forget set random_5_seed0"
    assert len(lines) == 2 and lines[1].startswith("   done: 3 epoch in ")
    assert "\r" not in log.getvalue()
    log.truncate(0)
    train_ensemble("mlp", x, y, TrainRecipe(epochs=1), n_models=1, seed=0, num_classes=10, progress=False)
    assert log.getvalue() == ""
