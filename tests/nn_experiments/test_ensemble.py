"""The ensemble engine trains each model exactly as plain PyTorch trains it alone; masks, margins, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from ascent_fails.nn_experiments.ensemble import (
    Ensemble,
    EnsembleSGD,
    TrainRecipe,
    concat_ensembles,
    cross_entropy_loss,
    make_optimizer,
    margins,
    margins_from_logits,
    model_seeds,
    sgd_pass,
    train_ensemble,
)
from ascent_fails.nn_experiments.models import build_model
from tests.nn_experiments.test_models import reference_network


@pytest.fixture(scope="module")
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """48 digits images (1×8×8, pixels/16) with their labels: small enough for exact-trajectory tests."""
    bunch = load_digits()
    x = torch.tensor(bunch.images[:48] / 16.0, dtype=torch.float32).unsqueeze(1)
    return x, torch.tensor(bunch.target[:48], dtype=torch.long)


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


def test_chunks_of_models_concatenate_to_the_whole_ensemble(digits) -> None:
    x, y = digits
    recipe = TrainRecipe(epochs=2, batch_size=16)
    whole = train_ensemble("mlp", x, y, recipe, n_models=3, seed=1, num_classes=10, progress=False).ensemble
    parts = [
        train_ensemble("mlp", x, y, recipe, n_models=n, seed=1, num_classes=10, first_model=first,
                       progress=False).ensemble
        for first, n in ((0, 2), (2, 1))
    ]
    joined = concat_ensembles(parts)
    assert joined.seeds == whole.seeds
    torch.testing.assert_close(joined.logits(x), whole.logits(x), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(whole.select([2, 0]).logits(x), whole.logits(x)[[2, 0]])


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


def test_ensemble_sgd_matches_torch_sgd_and_respects_active_mask() -> None:
    generator = torch.Generator().manual_seed(0)
    start = torch.randn(3, 7, generator=generator)
    grads = [torch.randn(3, 7, generator=generator) for _ in range(4)]
    ours, theirs = start.clone().requires_grad_(), start.clone().requires_grad_()
    opt_ours = EnsembleSGD([ours], n_models=3, lr=0.1, momentum=0.9, weight_decay=0.01)
    opt_theirs = torch.optim.SGD([theirs], lr=0.1, momentum=0.9, weight_decay=0.01)
    for g in grads:
        ours.grad, theirs.grad = g.clone(), g.clone()
        opt_ours.step()
        opt_theirs.step()
    torch.testing.assert_close(ours, theirs)
    # an inactive model keeps its parameters and its momentum; per-model learning rates scale the step
    frozen = ours.detach().clone()
    ours.grad = torch.ones(3, 7)
    opt_ours.step(active=torch.tensor([True, False, True]), lr=torch.tensor([0.1, 0.1, 0.0]))
    assert torch.equal(ours[1], frozen[1]) and torch.equal(ours[2], frozen[2])
    assert not torch.equal(ours[0], frozen[0])


def test_sgd_pass_ascent_raises_the_loss_and_counts_evaluations(digits) -> None:
    x, y = digits
    ensemble = train_ensemble("mlp", x, y, TrainRecipe(epochs=2, batch_size=8), n_models=2, seed=0, num_classes=10,
                              progress=False).ensemble
    forget = torch.arange(10)
    before = F.cross_entropy(ensemble.logits(x[forget]).flatten(0, 1), y[forget].repeat(2))
    calls: list[int] = []
    count = sgd_pass(ensemble, make_optimizer(ensemble, lr=0.05), x, y, forget, batch_size=4, sign=-1,
                     after_step=calls.append)
    after = F.cross_entropy(ensemble.logits(x[forget]).flatten(0, 1), y[forget].repeat(2))
    assert count == 2 * 10 and calls == [0, 1, 2]
    assert float(after) > float(before)


def test_sgd_pass_hands_the_loss_the_batch_it_documents(digits) -> None:
    x, y = digits
    ensemble = Ensemble.build(train_ensemble("mlp", x, y, TrainRecipe(epochs=1), n_models=2, seed=0,
                                             num_classes=10, progress=False).ensemble.config)
    rows = torch.tensor([[5, 6, 7], [9, -1, -1]])  # model 1 has one point, then padding
    seen: list[tuple[torch.Tensor, torch.Tensor]] = []

    def spy(logits, targets, batch_indices, valid):
        seen.append((batch_indices.clone(), valid.clone()))
        assert torch.equal(targets, y[batch_indices])
        return cross_entropy_loss()(logits, targets, batch_indices, valid)

    count = sgd_pass(ensemble, make_optimizer(ensemble, lr=0.1), x, y, rows, batch_size=2, loss_fn=spy)
    assert count == 4
    assert torch.equal(seen[0][0], torch.tensor([[5, 6], [9, 0]]))
    assert torch.equal(seen[0][1], torch.tensor([[True, True], [True, False]]))
    assert torch.equal(seen[1][1], torch.tensor([[True], [False]]))
    # shuffling permutes only valid entries, reproducibly
    orders = []
    for _ in range(2):
        seen.clear()
        sgd_pass(ensemble, make_optimizer(ensemble, lr=0.1), x, y, rows, batch_size=3, loss_fn=spy, shuffle=True,
                 generator=torch.Generator().manual_seed(3))
        orders.append(seen[0][0])
    assert torch.equal(orders[0], orders[1])
    assert sorted(orders[0][0].tolist()) == [5, 6, 7] and orders[0][1, 0] == 9


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


def test_state_dict_round_trip_carries_the_config(digits) -> None:
    x, y = digits
    ensemble = train_ensemble("cnn", x, y, TrainRecipe(epochs=1, batch_size=16), n_models=2, seed=0,
                              num_classes=10, progress=False).ensemble
    restored = Ensemble.from_state(ensemble.state_dict())
    assert restored.config == ensemble.config
    torch.testing.assert_close(restored.logits(x), ensemble.logits(x))
    copy = ensemble.clone()
    with torch.no_grad():
        next(copy.module.parameters()).add_(1.0)
    assert not torch.equal(copy.logits(x), ensemble.logits(x))


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


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [(dict(epochs=0), "epochs=0"), (dict(lr=-1.0), "lr=-1.0"), (dict(lr_schedule="cosine"), "lr_schedule"),
     (dict(momentum=1.0), "momentum=1.0"), (dict(lr_schedule="triangular", peak_epoch=40.0), "peak_epoch=40.0")],
)
def test_bad_recipe_is_a_value_error(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainRecipe(**kwargs)
