"""Per-model unlearning methods: a function of one ``torch.nn.Module``, lifted to the ensemble plug-in signature.

The plug-in interface (:mod:`~ascent_fails.nn_experiments.method_plugins`) hands a method the whole ensemble of
N models. Most unlearning methods are written for one model; :func:`per_model_method` turns such a method into
an ordinary plug-in, so that ``ascent-fails audit --method module:function`` (docs/audit.md, "Per-model
methods") audits it against the oracles exactly as it audits the built-in methods (the paper's Sections 5–6).

**The per-model function** is a *generator function* that does one epoch of work between ``yield``\\ s::

    @per_model_method(hparams=("lr",))
    def unlearn_one(model, forget, retain, data, hparams, *, seed, generator):
        opt = torch.optim.SGD(model.parameters(), lr=hparams["lr"])
        while True:                          # the suite stops it after max(data.snapshot_epochs) epochs
            ...                              # one epoch of steps on model
            yield gradient_evaluations       # this epoch's per-example counts (or a pair, with forward passes)

* ``model``: model i of the ensemble as a standalone :class:`OneModel` (``model(x [B, *input_shape]) → logits
  [B, C]``), starting from the pretrained weights, in training mode; the method may modify it in place and keep
  optimiser state across epochs (the same object is advanced epoch after epoch); ``model.index`` is i (e.g.
  ``OneModel(data.pretrained.select([model.index]).module, model.index)`` is its frozen pretrained twin, callable
  like ``model``: a teacher);
* ``forget``, ``retain``, ``data``, ``hparams``: as in the ensemble form (a private copy of the index tensors and
  of ``hparams`` per model);
* ``seed``: model i's own seed ``derive_seed(run seed, i, "per_model")`` (:func:`per_model_seed`), and
  ``generator``: a CPU ``torch.Generator`` seeded with it. The run's seed is recorded by the runner, so every
  model's seed is reproducible from the record; the list is also left in ``data.notes["per_model_seeds"]``;
* each ``yield`` ends one epoch and gives that epoch's per-example counts: an integer ``g`` (gradient
  evaluations: forward + backward of one example) or a pair ``(g, f)`` with ``f`` forward-only evaluations.

**What the suite does** (:func:`lift`): model i (i = 0 … N−1) is copied out of the ensemble once, as the
1-model module of the same architecture (:meth:`~ascent_fails.nn_experiments.ensemble.Ensemble.select`; with one
model the ensemble modules are plain dense networks, :mod:`~ascent_fails.nn_experiments.models`), and its
generator is created. Then, for epoch e = 1 … E = max(snapshot epochs): each of the N generators is advanced by
one epoch, in model order, and model i's parameters and buffers (BatchNorm statistics included) are written back
into row i of the ensemble's model-major tensors; after each epoch in ``data.snapshot_epochs`` the ensemble is
reported, ``on_snapshot(e, ensemble, ⌊Σᵢ gᵢ / N⌋, ⌊Σᵢ fᵢ / N⌋)`` with the counts summed over epochs 1 … e (the
per-model cost, as the built-in methods report it). A snapshot epoch 0 is reported before any work, at cost 0.
After epoch E every generator is closed (a ``while True`` loop is the natural way to write one).

Because the N models of an ensemble are independent (their parameters are disjoint, :mod:`models`), running
them one after the other in lock-step computes what N separate runs compute; the ensemble only collects the
results. **It is a loop over the models, not** ``torch.func.vmap``: a user's epoch is arbitrary Python (its own
optimiser with state, data-dependent control flow, in-place parameter updates, ``.item()`` calls), which vmap
cannot batch in general. The cost of this generality: N copies of the parameters (and of the method's optimiser
state) besides the ensemble, and N small passes instead of one vectorised one, so on a GPU a per-model method is
slower than the same method written against the ensemble (``sgd_pass``).

**Mistakes are errors naming the method and the model**: a function that is not a generator function or has
another signature (at decoration), a generator that stops before epoch E, a yield that is not a count (a
non-negative integer or a pair of them), a model whose parameters or buffers changed name, shape, dtype or
device (they could not be written back).

>>> import torch
>>> from ascent_fails.nn_experiments.ensemble import Ensemble, EnsembleConfig
>>> from ascent_fails.nn_experiments.methods import unlearn
>>> from ascent_fails.nn_experiments.sweep import MethodConfig
>>> @per_model_method(hparams=("scale",))
... def shrink(model, forget, retain, data, hparams, *, seed, generator):
...     while True:
...         with torch.no_grad():
...             for p in model.parameters():
...                 p.mul_(hparams["scale"])
...         yield 0
>>> from ascent_fails.nn_experiments.method_plugins import register
>>> _ = register(shrink, replace=True)
>>> pre = Ensemble.build(EnsembleConfig("mlp", num_classes=3, input_shape=(4,), seeds=(0, 1)))
>>> x, y = torch.randn(6, 4), torch.arange(6) % 3
>>> run = unlearn(pre, x, y, [0], MethodConfig("shrink", (1, 2), plugin_hparams=(("scale", 0.5),)))
>>> bool(torch.allclose(run.snapshots[2].module.out.bias, pre.module.out.bias / 4))
True
"""

from __future__ import annotations

import functools
import inspect
import operator
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from ascent_fails.nn_experiments.method_plugins import MethodPlugin, plugin_from_callable
from ascent_fails.nn_experiments.models import EnsembleModule
from ascent_fails.nn_experiments.seeds import derive_seed

__all__ = ["OneModel", "PER_MODEL_PARAMETERS", "SEED_WORD", "per_model_seed", "check_per_model_signature", "lift",
           "per_model_plugin", "per_model_method"]

#: the parameters of a per-model function, in order (the last two keyword-only)
PER_MODEL_PARAMETERS: tuple[str, ...] = ("model", "forget", "retain", "data", "hparams", "seed", "generator")
#: the word that separates the per-model seeds from every other seed derived from a run's seed (seeds.py)
SEED_WORD = "per_model"


def _ensemble_signature() -> inspect.Signature:
    """``(ensemble, forget, retain, data, hparams, *, seed, on_snapshot)``: what a lifted function exposes."""
    positional = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                  for n in ("ensemble", "forget", "retain", "data", "hparams")]
    keyword = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in ("seed", "on_snapshot")]
    return inspect.Signature(positional + keyword)


class OneModel(nn.Module):
    """Model ``index`` of an ensemble as a standalone module: ``forward(x [B, *input_shape]) → logits [B, C]``.

    It wraps the 1-model module of the ensemble's architecture (``self.net``), whose parameters keep the suite's
    layout with a leading model axis of size 1 (e.g. a linear weight ``[1, in, out]``, input-major): optimisers,
    gradients and norms work on it as on any module. ``valid [B]`` (optional) masks batch entries out of
    BatchNorm's statistics, as in the ensemble.
    """

    def __init__(self, net: EnsembleModule, index: int) -> None:
        super().__init__()
        if net.n_models != 1:
            raise ValueError(f"OneModel wraps a 1-model module, got one of {net.n_models} models")
        self.net = net
        self.index = int(index)

    def forward(self, x: Tensor, valid: Tensor | None = None) -> Tensor:
        return self.net(x.unsqueeze(0), None if valid is None else valid.unsqueeze(0))[0]


def per_model_seed(seed: int, index: int) -> int:
    """The seed of model ``index`` in a per-model run whose seed is ``seed``.

    >>> per_model_seed(5, 0) == per_model_seed(5, 0) != per_model_seed(5, 1)
    True
    """
    return derive_seed(seed, index, SEED_WORD)


def check_per_model_signature(fn: Callable[..., Any], name: str) -> None:
    """Raise ``ValueError`` unless ``fn`` is a generator function callable as the per-model signature."""
    if not callable(fn):
        raise ValueError(f"per-model method {name!r} is a {type(fn).__name__}, not a function")
    if inspect.isfunction(fn) and not inspect.isgeneratorfunction(fn):
        raise ValueError(f"per-model method {name!r} must be a generator function: it does one epoch of work "
                         "between yields and yields that epoch's per-example counts")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # no introspectable signature: it will fail, if at all, when called
    *positional, seed, generator = PER_MODEL_PARAMETERS
    try:
        signature.bind(*[None] * len(positional), **{seed: 0, generator: None})
    except TypeError as exc:
        raise ValueError(f"per-model method {name!r} has the signature {signature}, which cannot be called as "
                         f"({', '.join(positional)}, *, {seed}, {generator}): {exc}") from None


def _counts(value: Any, name: str, index: int, epoch: int) -> tuple[int, int]:
    """(gradient, forward-only) evaluations of one yield: ``g`` or ``(g, f)``, non-negative integers."""
    where = f"per-model method {name!r}, model {index}, epoch {epoch}"
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, 0)
    if len(pair) != 2:
        raise ValueError(f"{where}: yielded {value!r}; yield gradient_evaluations or (gradient_evaluations, "
                         "forward_evaluations), this epoch's per-example counts")
    counts = []
    for label, count in zip(("gradient_evaluations", "forward_evaluations"), pair):
        try:
            if isinstance(count, bool):
                raise TypeError
            number = operator.index(count)
        except TypeError:
            raise ValueError(f"{where}: {label}={count!r} must be an integer (a per-example count), "
                             f"not a {type(count).__name__}") from None
        if number < 0:
            raise ValueError(f"{where}: {label}={number} must be >= 0")
        counts.append(number)
    return counts[0], counts[1]


@torch.no_grad()
def _write_back(ensemble: Any, model: OneModel, name: str) -> None:
    """Copy ``model``'s parameters and buffers into its row of the ensemble's model-major tensors."""
    n_models, index = ensemble.n_models, model.index
    target = ensemble.module.state_dict()  # detached tensors sharing the ensemble's storage
    source = model.net.state_dict()
    where = f"per-model method {name!r}, model {index}"
    if set(source) != set(target):
        extra, missing = sorted(set(source) - set(target)), sorted(set(target) - set(source))
        raise ValueError(f"{where}: its module's entries changed (new: {extra}, missing: {missing}); it cannot be "
                         "written back into the ensemble")
    for key, rows in target.items():
        value = source[key]
        shape = (rows.shape[0] // n_models, *rows.shape[1:])
        if tuple(value.shape) != shape or value.dtype != rows.dtype or value.device != rows.device:
            raise ValueError(f"{where}: {key} is a {value.dtype} tensor of shape {tuple(value.shape)} on "
                             f"{value.device}; it must stay {rows.dtype}, shape {shape}, on {rows.device}")
        rows.view(n_models, -1)[index].copy_(value.reshape(-1))


def _run(fn: Callable[..., Any], name: str, ensemble: Any, forget: Tensor, retain: Tensor, data: Any,
         hparams: dict[str, Any], seed: int, on_snapshot: Callable[..., None]) -> Any:
    """The lock-step loop of the module docstring; returns ``ensemble`` (updated in place)."""
    n_models = ensemble.n_models
    wanted, last = set(data.snapshot_epochs), max(data.snapshot_epochs)
    seeds = [per_model_seed(seed, i) for i in range(n_models)]
    data.notes["per_model_seeds"] = seeds
    models = [OneModel(ensemble.select([i]).module, i) for i in range(n_models)]
    runs = []
    for i, model in enumerate(models):
        run = fn(model, forget.clone(), retain.clone(), data, dict(hparams), seed=seeds[i],
                 generator=torch.Generator().manual_seed(seeds[i]))
        if not inspect.isgenerator(run):
            raise ValueError(f"per-model method {name!r}, model {i}: returned a {type(run).__name__}, not a "
                             "generator; yield once per epoch")
        runs.append(run)
    gradients, forwards = [0] * n_models, [0] * n_models
    try:
        if 0 in wanted:
            on_snapshot(0, ensemble, 0, 0)
        for epoch in range(1, last + 1):
            for i, (model, run) in enumerate(zip(models, runs)):
                try:
                    value = next(run)
                except StopIteration:
                    raise ValueError(f"per-model method {name!r}, model {i}: its generator stopped after "
                                     f"{epoch - 1} epoch(s); it must yield once per epoch for "
                                     f"max(snapshot_epochs)={last} epochs") from None
                g, f = _counts(value, name, i, epoch)
                gradients[i] += g
                forwards[i] += f
                _write_back(ensemble, model, name)
            if epoch in wanted:
                on_snapshot(epoch, ensemble, sum(gradients) // n_models, sum(forwards) // n_models)
    finally:
        for run in runs:
            run.close()
    return ensemble


def lift(fn: Callable[..., Any], name: str | None = None) -> Callable[..., Any]:
    """The ensemble-signature function that runs the per-model function ``fn`` on every model (module docstring).

    The result wraps ``fn`` (``__wrapped__``, name and docstring), so that the plug-in's version is the hash of
    ``fn``'s own source and an edited per-model method is run afresh.
    """
    name = name or getattr(fn, "__qualname__", "per_model_method")
    check_per_model_signature(fn, name)

    def unlearn(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
        return _run(fn, name, ensemble, forget, retain, data, hparams, seed, on_snapshot)

    functools.update_wrapper(unlearn, fn)  # __wrapped__ = fn: inspect.getsource (the version) reads fn's source
    unlearn.__signature__ = _ensemble_signature()  # ... while method_plugins.check_signature sees the plug-in's
    unlearn.per_model = fn
    return unlearn


def per_model_plugin(fn: Callable[..., Any], name: str | None = None,
                     hparams: Sequence[str] | None = None) -> MethodPlugin:
    """Function form of :func:`per_model_method`: the :class:`MethodPlugin` of per-model function ``fn``."""
    name = name or getattr(fn, "__qualname__", "per_model_method")
    return plugin_from_callable(lift(fn, name), name, hparams)


def per_model_method(hparams: Sequence[str] | None = None) -> Callable[[Callable[..., Any]], MethodPlugin]:
    """Decorator: a per-model generator function becomes a plug-in (``--method module:function`` loads it)."""

    def wrap(fn: Callable[..., Any]) -> MethodPlugin:
        return per_model_plugin(fn, hparams=hparams)

    return wrap
