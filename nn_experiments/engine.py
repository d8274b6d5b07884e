"""How the ensemble engine runs on a device: options that change speed and memory, never the models' numbers.

:class:`EngineOptions` is kept out of :class:`~ascent_fails.nn_experiments.recipe.TrainRecipe` on purpose: the
recipe enters the cache key of every trained ensemble (:mod:`~ascent_fails.nn_experiments.storage`), these options
do not, because every choice below computes the same models up to floating-point rounding (tests/nn_experiments/
test_models_per_pass.py and test_engine.py check this on CPU). bfloat16 autocast does change the numbers, so it
stays in the recipe (``TrainRecipe.mixed_precision``).

* ``models_per_pass`` k (:mod:`~ascent_fails.nn_experiments.models`): the N models run as ⌈N/k⌉ passes of k
  models; k = 1 is a plain dense network per model, k = N one grouped pass. ``None`` is k = N. ``"auto"``:

  - a network without convolutions (the MLP): k = N, one batched matrix product serves all models;
  - on a CPU: k = 1, without timing, so that results on a CPU never depend on a timing race. A CPU is
    compute-bound on ResNet-9 and the grouped convolution of PyTorch's CPU backend is slower than dense ones
    (bench/bench_resnet9.py; docs/experiments.md, "Running on a GPU", has the figures);
  - on CUDA: a short probe (:func:`probe_models_per_pass`: one warm-up and ``PROBE_REPEATS`` timed
    forward+backward steps per candidate on a copy of the ensemble, at the training batch) picks the candidate
    with the most images per second per model; the probe is run once per process and shape.

  The choice and its reason are returned as :class:`EngineChoice` and recorded with the trained models.
* ``channels_last``: NHWC activations for the convolutions (tensor-core kernels on a GPU); on a CPU it works too.
* ``cudnn_benchmark``: ``torch.backends.cudnn.benchmark`` while the engine trains or evaluates (CUDA only; cuDNN
  then times its algorithms per shape: faster steady state, rounding may differ between algorithms).
* ``compile``: ``torch.compile`` of the forward pass; if torch cannot compile here (no compiler, an unsupported
  platform), a warning says so and the engine runs eagerly: same numbers, no crash.
* ``data_on_device``: the training set is copied to the device once (no host→device copy per step); ``False``
  keeps it in host memory and moves each batch, for a data set larger than the device's memory.
"""

from __future__ import annotations

import contextlib
import copy
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ascent_fails.validate import require_positive_int

__all__ = ["EngineOptions", "EngineChoice", "AUTO", "auto_rule", "PROBE_REPEATS", "probe_models_per_pass", "choose_models_per_pass",
           "apply_engine", "engine_context", "has_convolutions"]

AUTO = "auto"
PROBE_REPEATS = 2  # timed steps per candidate after one warm-up step
_PROBE_CACHE: dict[tuple[Any, ...], tuple[int, dict[int, float]]] = {}


@dataclass(frozen=True)
class EngineOptions:
    """Speed and memory options of the ensemble engine (module docstring); none of them enters a cache key."""

    models_per_pass: int | str | None = AUTO  # k in 1 … N, "auto", or None (= N, all models in one pass)
    channels_last: bool = False  # NHWC activations for the convolutions
    cudnn_benchmark: bool = False  # torch.backends.cudnn.benchmark while training/evaluating (CUDA only)
    compile: bool = False  # torch.compile the forward pass (falls back to eager with a warning)
    data_on_device: bool = True  # copy the training set to the device once

    def __post_init__(self) -> None:
        k = self.models_per_pass
        if isinstance(k, str):
            if k != AUTO:
                raise ValueError(f"models_per_pass={k!r} must be a positive integer, 'auto' or None (all models)")
        elif k is not None:
            if isinstance(k, bool) or not isinstance(k, int):
                raise ValueError(f"models_per_pass={k!r} must be a positive integer, 'auto' or None (all models)")
            require_positive_int("models_per_pass", k, symbol="k, models per pass")
        for name in ("channels_last", "cudnn_benchmark", "compile", "data_on_device"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}={getattr(self, name)!r} must be True or False")


@dataclass(frozen=True)
class EngineChoice:
    """What the engine runs with: models per pass (resolved) and why."""

    models_per_pass: int  # k actually used (1 … N)
    reason: str  # e.g. "given", "cpu: dense per-model passes", "probe: {1: 812.0, 4: 2301.5} images/s per model"
    compiled: bool = False  # whether torch.compile is in use


def auto_rule(arch: str, device: str | torch.device) -> str:
    """What ``models_per_pass="auto"`` does for ``arch`` on ``device`` (recorded in results.json)."""
    if arch == "mlp":
        return "all models in one pass (no convolution: one batched matrix product)"
    if torch.device(device).type == "cpu":
        return "one model per pass (dense convolutions; chosen by rule on a CPU, no timing)"
    return "the fastest of k in {1, 4, 16, 64, N} by a short probe on the device, once per process and shape"


def has_convolutions(module: torch.nn.Module) -> bool:
    from ascent_fails.nn_experiments.models import EnsembleConv2d

    return any(isinstance(m, EnsembleConv2d) for m in module.modules())


def _candidates(n_models: int) -> list[int]:
    """1, 4, 16, 64 (those below N) and N: the probe's candidates (powers of 4 keep it short)."""
    return sorted({k for k in (1, 4, 16, 64) if k < n_models} | {n_models})


def probe_models_per_pass(ensemble: Any, batch_size: int, candidates: list[int] | None = None, *,
                          mixed_precision: bool = False, channels_last: bool = False,
                          repeats: int = PROBE_REPEATS) -> dict[int, float]:
    """Images per second per model of one training step (forward + backward) for each k in ``candidates``.

    Runs on a copy of ``ensemble`` (its parameters and BatchNorm statistics are untouched), with random inputs of
    the ensemble's sample shape, ``batch_size`` points per model, one warm-up step then ``repeats`` timed steps.
    """
    batch_size = require_positive_int("batch_size", batch_size)
    n_models, device = ensemble.n_models, ensemble.device
    module = copy.deepcopy(ensemble.module).train()
    module.channels_last = channels_last
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n_models, batch_size, *ensemble.config.input_shape, generator=generator).to(device)
    use_amp = mixed_precision and device.type == "cuda"
    rates: dict[int, float] = {}
    # enable_grad: the probe also runs from Ensemble.logits (under no_grad) the first time a loaded ensemble
    # evaluates on CUDA, and a training step needs the autograd graph
    with torch.enable_grad():
        for k in candidates or _candidates(n_models):
            module.set_models_per_pass(k)
            for step in range(1 + repeats):
                if step == 1:
                    _sync(device)
                    started = time.perf_counter()
                with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_amp):
                    loss = module(x).float().square().mean()
                module.zero_grad(set_to_none=True)
                loss.backward()
            _sync(device)
            rates[k] = repeats * batch_size / (time.perf_counter() - started)
    return rates


def _probe_batch(ensemble: Any, batch_size: int) -> int:
    """The probe's batch per model: ``batch_size``, lowered until a training step of all N models fits the memory
    budget by the bound of :mod:`~ascent_fails.nn_experiments.memory` (every pass's activations are alive until
    the backward pass, whatever k is), at least 1."""
    from ascent_fails.nn_experiments import memory

    footprint = memory.training_footprint(ensemble.arch, ensemble.config.input_shape, ensemble.config.num_classes)
    per_model = memory.memory_budget(ensemble.device) // ensemble.n_models
    room = (per_model - memory.training_peak_bytes(1, 1, footprint) + 2 * 4 * footprint.activation_sum)
    return max(1, min(int(batch_size), room // (2 * 4 * footprint.activation_sum)))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def choose_models_per_pass(ensemble: Any, options: EngineOptions, batch_size: int, *,
                           mixed_precision: bool = False) -> EngineChoice:
    """Resolve ``options.models_per_pass`` for ``ensemble`` (module docstring: the ``"auto"`` rule)."""
    n_models = ensemble.n_models
    k = options.models_per_pass
    if k is None:
        return EngineChoice(n_models, "all models in one pass (models_per_pass=None)")
    if k != AUTO:
        if k > n_models:
            raise ValueError(f"models_per_pass={k} must lie in [1, n_models={n_models}]")
        return EngineChoice(int(k), "given")
    if n_models == 1:
        return EngineChoice(1, "auto: one model")
    if not has_convolutions(ensemble.module):
        return EngineChoice(n_models, "auto: no convolution, one batched matrix product over all models")
    if ensemble.device.type == "cpu":
        return EngineChoice(1, "auto on cpu: dense per-model passes (grouped convolutions are slower on a CPU; "
                               "no timing, so CPU results do not depend on it)")
    batch = _probe_batch(ensemble, batch_size)
    key = (ensemble.arch, ensemble.config.input_shape, n_models, batch, bool(mixed_precision),
           options.channels_last, str(ensemble.device), torch.cuda.get_device_name(ensemble.device))
    if key not in _PROBE_CACHE:
        rates = probe_models_per_pass(ensemble, batch, mixed_precision=mixed_precision,
                                      channels_last=options.channels_last)
        _PROBE_CACHE[key] = (max(rates, key=rates.__getitem__), rates)
    best, rates = _PROBE_CACHE[key]
    shown = ", ".join(f"{c}: {r:.0f}" for c, r in rates.items())
    return EngineChoice(best, f"auto: probe on {ensemble.device}, images/s per model by models per pass {{{shown}}}")


class _CompiledForward:
    """``torch.compile(module)`` that falls back to eager, with one warning, if compiling fails at the first call."""

    def __init__(self, module: torch.nn.Module, compiled: Callable[..., Tensor]) -> None:
        self.module, self.compiled = module, compiled

    def __call__(self, x: Tensor, valid: Tensor | None = None) -> Tensor:
        if self.compiled is not None:
            try:
                return self.compiled(x, valid)
            except Exception as error:  # a backend/compiler failure: run eagerly rather than stop the experiment
                warnings.warn(f"compile=True: torch.compile failed here ({type(error).__name__}: {error}); "
                              "running the engine eagerly (same numbers, slower)", RuntimeWarning, stacklevel=2)
                self.compiled = None
        return self.module(x, valid)


def _compiled_forward(module: torch.nn.Module) -> Callable[..., Tensor] | None:
    """A compiled forward, or ``None`` (with a warning) where torch cannot compile."""
    compile_fn = getattr(torch, "compile", None)
    if compile_fn is None:
        warnings.warn("compile=True: this torch has no torch.compile; running the engine eagerly", RuntimeWarning,
                      stacklevel=3)
        return None
    try:
        return _CompiledForward(module, compile_fn(module, dynamic=False))
    except Exception as error:
        warnings.warn(f"compile=True: torch.compile is unavailable here ({type(error).__name__}: {error}); "
                      "running the engine eagerly", RuntimeWarning, stacklevel=3)
        return None


def apply_engine(ensemble: Any, options: EngineOptions, batch_size: int, *,
                 mixed_precision: bool = False) -> EngineChoice:
    """Configure ``ensemble`` to run with ``options`` (models per pass, channels_last, compile); returns the choice."""
    choice = choose_models_per_pass(ensemble, options, batch_size, mixed_precision=mixed_precision)
    ensemble.module.set_models_per_pass(choice.models_per_pass)
    ensemble.module.channels_last = options.channels_last
    ensemble.forward_fn = _compiled_forward(ensemble.module) if options.compile else None
    ensemble.engine_choice = EngineChoice(choice.models_per_pass, choice.reason, compiled=ensemble.forward_fn is not None)
    return ensemble.engine_choice


@contextlib.contextmanager
def engine_context(options: EngineOptions, device: torch.device) -> Iterator[None]:
    """``cudnn.benchmark`` on for the duration when asked for on CUDA (restored after); nothing on a CPU."""
    if not (options.cudnn_benchmark and device.type == "cuda"):
        yield
        return
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = True
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before
