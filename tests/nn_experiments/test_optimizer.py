"""EnsembleSGD is torch.optim.SGD per model, with per-model activity and learning rates."""

from __future__ import annotations

import torch

from ascent_fails.nn_experiments.optimizer import EnsembleSGD


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
