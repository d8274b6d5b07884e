"""SGD for N models at once, each model updated exactly as ``torch.optim.SGD`` updates it alone.

For model k, with gradient g and parameters θ (PyTorch's convention: no dampening, no Nesterov, L2 weight decay):

    d = g + weight_decay·θ;   b ← momentum·b + d   (b = d on the first step);   θ ← θ − lr·b.

Two controls go beyond ``torch.optim.SGD``, and the ensemble needs both to keep its models independent: a model
whose batch is all padding (it has fewer training points than the others) must take no step at all, not even
its momentum and weight-decay update (``step(active=mask [N])``); and a schedule that runs per model (the
triangular one, over each model's own number of steps) gives each model its own learning rate
(``step(lr=tensor [N])``).

>>> theta = torch.ones(2, 3, requires_grad=True)   # two models of three parameters, model-major
>>> optimizer = EnsembleSGD([theta], n_models=2, lr=0.5)
>>> theta.grad = torch.ones(2, 3)
>>> optimizer.step(active=torch.tensor([True, False]))
>>> theta.detach()[:, 0].tolist()   # model 0 stepped, model 1 stood still
[0.5, 1.0]
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ascent_fails.nn_experiments.ensemble import Ensemble
from ascent_fails.validate import require_in_range, require_nonnegative, require_positive, require_positive_int

__all__ = ["EnsembleSGD", "make_optimizer"]


class EnsembleSGD(torch.optim.Optimizer):
    """``torch.optim.SGD`` (momentum, no dampening, no Nesterov, L2 weight decay) with per-model control.

    For model k, with gradient g and parameters θ (PyTorch's convention):
        d = g + weight_decay·θ;   b ← momentum·b + d   (b = d on the first step);   θ ← θ − lr·b.
    ``step(active=mask [N])`` updates only the active models (an inactive model's θ and b stay as they are),
    ``step(lr=tensor [N])`` gives each model its own learning rate. Parameters must be stored model-major.
    """

    def __init__(self, params: Any, n_models: int, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        require_positive("lr", lr, symbol="learning rate η")
        require_in_range("momentum", momentum, 0.0, 1.0, closed=(True, False))
        require_nonnegative("weight_decay", weight_decay)
        self.n_models = require_positive_int("n_models", n_models)
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure: Any = None, *, active: Tensor | None = None, lr: float | Tensor | None = None) -> None:
        if closure is not None:
            raise ValueError("EnsembleSGD does not take a closure")
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            step_lr = group["lr"] if lr is None else lr
            if active is None and not isinstance(step_lr, Tensor):
                self._step_all(params, step_lr, group["momentum"], group["weight_decay"])
            else:
                self._step_masked(params, step_lr, group["momentum"], group["weight_decay"], active)

    def _buffers(self, params: list[Tensor]) -> list[Tensor]:
        # zeros, then b ← m·0 + d, equals PyTorch's b = d on a model's first step
        for param in params:
            if "momentum_buffer" not in self.state[param]:
                self.state[param]["momentum_buffer"] = torch.zeros_like(param)
        return [self.state[param]["momentum_buffer"] for param in params]

    def _step_all(self, params: list[Tensor], lr: float, momentum: float, weight_decay: float) -> None:
        """Every model steps with one learning rate: PyTorch's foreach SGD arithmetic, in place."""
        directions = [param.grad for param in params]
        if weight_decay:
            torch._foreach_add_(directions, params, alpha=weight_decay)  # d = g + wd·θ (grads are rebuilt each step)
        if momentum:
            buffers = self._buffers(params)
            torch._foreach_mul_(buffers, momentum)
            torch._foreach_add_(buffers, directions)  # b ← m·b + d
            directions = buffers
        torch._foreach_add_(params, directions, alpha=-lr)  # θ ← θ − lr·b

    def _step_masked(
        self, params: list[Tensor], lr: float | Tensor, momentum: float, weight_decay: float, active: Tensor | None
    ) -> None:
        """Per-model learning rates ``lr [N]`` and/or only the ``active [N]`` models step."""
        rate = lr.view(-1, 1) if isinstance(lr, Tensor) else lr  # [N, 1] or scalar
        keep = None if active is None else active.view(-1, 1)  # [N, 1]
        buffers = self._buffers(params) if momentum else [None] * len(params)
        for param, buffer in zip(params, buffers):
            theta = param.view(self.n_models, -1)  # [N, numel per model]
            direction = param.grad.view(self.n_models, -1)
            if weight_decay:
                direction = direction + weight_decay * theta
            if buffer is not None:
                rows = buffer.view(self.n_models, -1)
                moved = rows * momentum + direction
                rows.copy_(moved if keep is None else torch.where(keep, moved, rows))
                direction = rows
            update = direction * rate
            theta.sub_(update if keep is None else torch.where(keep, update, 0.0))


def make_optimizer(ensemble: Ensemble, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> EnsembleSGD:
    """SGD over all parameters of ``ensemble`` (each model updated exactly as by ``torch.optim.SGD`` alone)."""
    return EnsembleSGD(ensemble.module.parameters(), ensemble.n_models, lr, momentum, weight_decay)
