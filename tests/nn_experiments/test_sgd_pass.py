"""One SGD pass: ascent raises the loss, the loss sees the batch documented, padding never reaches a model."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ascent_fails.nn_experiments.ensemble import Ensemble
from ascent_fails.nn_experiments.optimizer import make_optimizer
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.sgd_pass import cross_entropy_loss, sgd_pass
from ascent_fails.nn_experiments.training import train_ensemble


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
