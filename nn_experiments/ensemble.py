"""An ensemble: N independent models of one architecture held by one module, and the config that rebuilds it.

The module (:mod:`~ascent_fails.nn_experiments.models`) stores every parameter model-major
(``param.view(N, -1)[k]`` is model k's slice), so choosing models (:meth:`Ensemble.select`), joining ensembles
trained in chunks (:func:`concat_ensembles`) and checkpointing are row operations. A checkpoint
(:meth:`Ensemble.state_dict`) carries its :class:`EnsembleConfig`: architecture, classes, sample shape and the
initialisation seed of every model.

Training is :mod:`~ascent_fails.nn_experiments.training`, the margins of an ensemble
:mod:`~ascent_fails.nn_experiments.margins`.

>>> ensemble = Ensemble.build(EnsembleConfig("mlp", num_classes=3, input_shape=(64,), seeds=(11, 12)))
>>> ensemble.logits(torch.zeros(5, 64)).shape   # [N, P, C]
torch.Size([2, 5, 3])
>>> concat_ensembles([ensemble.select([1]), ensemble.select([0])]).seeds
(12, 11)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ascent_fails.nn_experiments.models import EnsembleModule, build_model, resolve_device
from ascent_fails.nn_experiments.names import ARCHITECTURES
from ascent_fails.validate import require_choice, require_positive_int

__all__ = ["EnsembleConfig", "Ensemble", "concat_ensembles", "as_tensor"]


def as_tensor(value: Tensor | np.ndarray | Sequence[Any], dtype: torch.dtype) -> Tensor:
    """``torch.as_tensor``, copying read-only numpy arrays (``data.Dataset`` freezes its arrays) instead of
    sharing memory that torch cannot mark read-only."""
    if isinstance(value, np.ndarray) and not value.flags.writeable:
        return torch.tensor(value, dtype=dtype)
    return torch.as_tensor(value, dtype=dtype)


@dataclass(frozen=True)
class EnsembleConfig:
    """What rebuilds an ensemble's module: architecture, classes, sample shape, per-model init seeds."""

    arch: str  # one of names.ARCHITECTURES
    num_classes: int  # C
    input_shape: tuple[int, ...]  # one sample's shape
    seeds: tuple[int, ...]  # initialisation seed of each model (N entries)

    def __post_init__(self) -> None:
        require_choice("arch", self.arch, ARCHITECTURES)
        object.__setattr__(self, "input_shape", tuple(int(d) for d in self.input_shape))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        require_positive_int("n_models", len(self.seeds), symbol="N, models in the ensemble")


class Ensemble:
    """N independent models of one architecture held by one ensemble-native module."""

    def __init__(self, module: EnsembleModule, config: EnsembleConfig, device: str | torch.device) -> None:
        if module.n_models != len(config.seeds):
            raise ValueError(f"module holds {module.n_models} models but config has {len(config.seeds)} seeds")
        self.module = module
        self.config = config
        self.device = resolve_device(device)
        # what runs the module (engine.apply_engine may set a compiled forward); None: the module itself
        self.forward_fn: Callable[..., Tensor] | None = None
        self.engine_choice: Any = None  # engine.EngineChoice once configured (apply_engine or ensure_engine)

    def ensure_engine(self, batch_size: int) -> None:
        """Configure the engine with ``EngineOptions()`` (models per pass ``"auto"``) unless already configured
        (by :func:`~ascent_fails.nn_experiments.engine.apply_engine` or ``module.set_models_per_pass``): an ensemble
        loaded from a checkpoint or selected from another runs by the same rule as a trained one."""
        if self.engine_choice is None and self.module.models_per_pass is None:
            from ascent_fails.nn_experiments.engine import EngineOptions, apply_engine

            self.engine_choice = apply_engine(self, EngineOptions(), batch_size)

    def forward(self, x: Tensor, valid: Tensor | None = None) -> Tensor:
        """The module's ``forward(x [N, B, *shape], valid) → [N, B, C]``, compiled if the engine says so."""
        return (self.forward_fn or self.module)(x, valid)

    @classmethod
    def build(cls, config: EnsembleConfig, device: str | torch.device = "cpu", initialise: bool = True) -> Ensemble:
        """Freshly initialised models of ``config`` (uninitialised with ``initialise=False``)."""
        module = build_model(
            config.arch, len(config.seeds), config.num_classes, config.seeds, device, config.input_shape, initialise
        )
        return cls(module, config, device)

    @property
    def n_models(self) -> int:
        return self.module.n_models

    @property
    def arch(self) -> str:
        return self.config.arch

    @property
    def seeds(self) -> tuple[int, ...]:
        return self.config.seeds

    def clone(self) -> Ensemble:
        """A deep copy that runs with the same models per pass (eagerly: a compiled forward is not copied)."""
        twin = Ensemble(copy.deepcopy(self.module), self.config, self.device)
        twin.engine_choice = self.engine_choice
        return twin

    def to(self, device: str | torch.device) -> Ensemble:
        """A copy on ``device`` (its models per pass are chosen again, for that device, at first use)."""
        target = resolve_device(device)
        module = copy.deepcopy(self.module).to(target)
        module.set_models_per_pass(None)
        return Ensemble(module, self.config, target)

    def select(self, indices: Sequence[int]) -> Ensemble:
        """The sub-ensemble of models ``indices`` (in that order)."""
        chosen = [int(i) for i in indices]
        if not chosen or any(i < 0 or i >= self.n_models for i in chosen):
            raise ValueError(f"indices={chosen!r} must be a non-empty list of model indices in [0, {self.n_models})")
        rows = torch.tensor(chosen, device=self.device)
        state = {
            name: tensor.view(self.n_models, -1).index_select(0, rows).reshape(-1, *tensor.shape[1:])
            for name, tensor in self.module.state_dict().items()
        }
        seeds = [self.seeds[i] for i in chosen]
        config = EnsembleConfig(self.arch, self.config.num_classes, self.config.input_shape, seeds)
        return Ensemble.from_state({"config": asdict(config), "module": state}, self.device)

    def state_dict(self) -> dict[str, Any]:
        """A checkpoint that carries its config: ``{"config": {...}, "module": {name: tensor}}`` (tensors on CPU)."""
        return {
            "config": asdict(self.config),
            "module": {name: t.detach().cpu().clone() for name, t in self.module.state_dict().items()},
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], device: str | torch.device = "cpu") -> Ensemble:
        raw = state["config"]
        config = EnsembleConfig(raw["arch"], raw["num_classes"], tuple(raw["input_shape"]), tuple(raw["seeds"]))
        ensemble = cls.build(config, device, initialise=False)
        ensemble.module.load_state_dict(state["module"])  # strict: every parameter and buffer is overwritten
        return ensemble

    @torch.no_grad()
    def logits(self, x: Tensor | np.ndarray, batch_size: int = 1024, *, memory_budget: int | None = None) -> Tensor:
        """Logits of every model on every point, eval mode, float32: ``x [P, *shape] → [N, P, C]`` (on device).

        ``batch_size`` points go through all N models at once, lowered to what fits ``memory_budget`` bytes
        (default: :func:`~ascent_fails.nn_experiments.memory.memory_budget` of the device) by the bound of
        :mod:`~ascent_fails.nn_experiments.memory`; for ResNet-9 at N = 100 that is what keeps a pass on one card.
        """
        from ascent_fails.nn_experiments import memory

        batch_size = require_positive_int("batch_size", batch_size)
        budget = memory.memory_budget(self.device) if memory_budget is None else memory_budget
        elements = memory.activation_elements(self.arch, self.config.input_shape, self.config.num_classes)
        batch_size = memory.evaluation_batch_size(elements, self.n_models, budget, maximum=batch_size)
        inputs = as_tensor(x, torch.float32)
        self.ensure_engine(min(batch_size, 64))
        was_training = self.module.training
        self.module.eval()
        try:
            chunks = []
            for start in range(0, inputs.shape[0], batch_size):
                chunk = inputs[start : start + batch_size].to(self.device)
                chunks.append(self.forward(chunk.unsqueeze(0).expand(self.n_models, *chunk.shape)))  # [N, b, C]
            return torch.cat(chunks, dim=1)  # [N, P, C]
        finally:
            self.module.train(was_training)


def concat_ensembles(parts: Sequence[Ensemble]) -> Ensemble:
    """One ensemble holding the models of ``parts`` in order (same architecture, classes and sample shape)."""
    if not parts:
        raise ValueError("parts is empty; concat_ensembles needs at least one ensemble")
    first = parts[0]
    for part in parts[1:]:
        if (part.arch, part.config.num_classes, part.config.input_shape) != (
            first.arch,
            first.config.num_classes,
            first.config.input_shape,
        ):
            raise ValueError("concat_ensembles needs ensembles of one architecture, class count and input shape")
    states = [part.module.state_dict() for part in parts]
    module_state = {
        name: torch.cat([s[name].to(first.device) for s in states], dim=0) for name in states[0]
    }
    seeds = [seed for part in parts for seed in part.seeds]
    config = EnsembleConfig(first.arch, first.config.num_classes, first.config.input_shape, seeds)
    return Ensemble.from_state({"config": asdict(config), "module": module_state}, first.device)
