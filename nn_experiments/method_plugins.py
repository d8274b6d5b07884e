"""The plug-in interface of unlearning methods: one signature, one registry, and ``module:function`` loading.

Every unlearning method the suite runs, the built-in GA/GDA/SCRUB and baselines
(:mod:`~ascent_fails.nn_experiments.methods`) and a user's own (``ascent-fails audit --method
mypkg.module:unlearn``, docs/audit.md), is a function with this signature::

    def unlearn(ensemble, forget, retain, data, hparams, *, seed, on_snapshot) -> ensemble

* ``ensemble``: an :class:`~ascent_fails.nn_experiments.ensemble.Ensemble` of N models, a *copy* of the
  pretrained ensemble that the method may modify in place (``ensemble.module`` is a ``torch.nn.Module`` holding
  all N models; :func:`~ascent_fails.nn_experiments.sgd_pass.sgd_pass` runs one vectorised SGD pass on it);
* ``forget``, ``retain``: 1-D ``torch.long`` index tensors (CPU) of F and R = D \\ F into ``data.x``/``data.y``;
* ``data``: a :class:`MethodData` (the full training set on the ensemble's device, the shared
  :class:`~ascent_fails.nn_experiments.sweep.UnlearnOptions`, the epochs to report, the untouched pretrained
  ensemble, the pretraining checkpoints);
* ``hparams``: one point of the method's grid, name → value (e.g. ``{"lr": 1e-3}``);
* ``seed``: the seed of every random choice the method makes (the runner derives it per run and records it);
* ``on_snapshot(epoch, ensemble, gradient_evaluations, forward_evaluations=0)``: call it after each epoch in
  ``data.snapshot_epochs`` with the live ensemble (it is scored at once and must not be modified by the call)
  and the *per-model* counts so far: per-example gradient evaluations (forward + backward of one example) and
  per-example forward passes without a gradient (e.g. a teacher's logits). These counts are the method's cost
  (docs/experiments.md#cost-relative-to-retraining); a method that reports nothing is recorded as free, and the
  audit says so.

The function returns the final ensemble (usually the one it was given). A run whose method reported none of its
snapshot epochs is scored once, on the returned ensemble, at the last snapshot epoch.

A plug-in may declare the names of its hyperparameters (``@method_plugin(hparams=("lr", "epochs"))``); a grid
with another key is then an error naming the key. :func:`load_plugin` imports ``module.path:function`` (or
``path/to/file.py:function``) and checks it, raising :class:`~ascent_fails.cli_errors.UsageError` naming the
flag (``--method``) for a missing module, a missing attribute, something not callable, or a wrong signature.

A method written for *one* ``torch.nn.Module`` (a generator function ``(model, forget, retain, data, hparams, *,
seed, generator)`` that yields once per epoch) becomes a plug-in of this signature with
:func:`~ascent_fails.nn_experiments.per_model.per_model_method`; the suite then runs it on each of the N models
in lock-step and writes the models back into the ensemble (:mod:`~ascent_fails.nn_experiments.per_model`).

This module imports nothing heavy (no torch): the sweep validates grids against the registry before anything
is trained.

>>> @method_plugin(hparams=("lr",))
... def identity(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
...     return ensemble
>>> identity.hparams
('lr',)
>>> check_signature(identity.fn, "identity")
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["MethodData", "MethodPlugin", "method_plugin", "register", "lookup", "registered", "load_plugin",
           "check_signature", "plugin_from_callable", "PARAMETERS"]

#: the parameters of every method function, in order (the last two keyword-only)
PARAMETERS: tuple[str, ...] = ("ensemble", "forget", "retain", "data", "hparams", "seed", "on_snapshot")


@dataclass(frozen=True, eq=False)
class MethodData:
    """What a method sees besides the ensemble, F, R and its hyperparameters (module docstring)."""

    x: Any  # torch.Tensor [n_train, ...] of training inputs, on the ensemble's device
    y: Any  # torch.Tensor [n_train] of labels (long), on the ensemble's device
    options: Any  # sweep.UnlearnOptions shared by every run of the sweep (batch size, momentum, SCRUB's T, …)
    snapshot_epochs: tuple[int, ...]  # report on_snapshot after each of these epochs (sorted); the run lasts max()
    pretrained: Any  # the pretrained Ensemble, never to be modified (a teacher, a reference point)
    checkpoint: Callable[[int], Any]  # epoch -> pretraining checkpoint Ensemble (ValueError when there is none)
    # values a method wants recorded with its run (the built-in ones store "final_lr": η of the last epoch)
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodPlugin:
    """A registered method: its name, its function and the hyperparameter names its grid may (must) set."""

    name: str  # registry key: a built-in name ("ga") or the "module:function" it was loaded from
    fn: Callable[..., Any]
    hparams: tuple[str, ...] | None = None  # None: undeclared, any grid key is passed through
    version: str = ""  # hash of the function's source: units of an edited method are not reused
    description: str = ""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    @property
    def key_name(self) -> str:
        """A file-name-safe form of the name (with the version), used in unit file names."""
        safe = re.sub(r"[^A-Za-z0-9_.]+", "_", self.name)
        return f"{safe}@{self.version}" if self.version else safe


_REGISTRY: dict[str, MethodPlugin] = {}


def _source_hash(fn: Callable[..., Any]) -> str:
    try:
        text = inspect.getsource(fn)
    except (OSError, TypeError):  # defined in an interactive session or a C extension: no source to hash
        return ""
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def check_signature(fn: Callable[..., Any], name: str) -> None:
    """Raise ``ValueError`` unless ``fn(ensemble, forget, retain, data, hparams, seed=…, on_snapshot=…)`` binds."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # a builtin without an introspectable signature: it will fail, if at all, when called
    try:
        signature.bind(None, None, None, None, None, seed=0, on_snapshot=None)
    except TypeError as exc:
        # a per-model function handed over undecorated: say how to lift it (per_model.py)
        hint = ("; a per-model generator function (model, ..., *, seed, generator) must be decorated with "
                "ascent_fails.nn_experiments.per_model.per_model_method") if "generator" in signature.parameters else ""
        raise ValueError(f"{name} has the signature {name.rsplit(':', 1)[-1]}{signature}, which cannot be called as "
                         f"(ensemble, forget, retain, data, hparams, *, seed, on_snapshot): {exc}{hint}") from None


def plugin_from_callable(fn: Any, name: str, hparams: Sequence[str] | None = None) -> MethodPlugin:
    """A :class:`MethodPlugin` of a function (or an already decorated plug-in, renamed), checked."""
    if isinstance(fn, MethodPlugin):
        hparams = fn.hparams if hparams is None else hparams
        fn = fn.fn
    if not callable(fn):
        raise ValueError(f"{name} is a {type(fn).__name__}, not a function")
    check_signature(fn, name)
    if hparams is not None:
        hparams = tuple(str(h) for h in hparams)
        bad = [h for h in hparams if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", h) or h == "snapshot_epochs"]
        if bad:
            raise ValueError(f"{name}: hyperparameter names {bad} must be identifiers other than snapshot_epochs")
    return MethodPlugin(name=name, fn=fn, hparams=hparams, version=_source_hash(fn),
                        description=(inspect.getdoc(fn) or "").split("\n", 1)[0])


def method_plugin(hparams: Sequence[str] | None = None) -> Callable[[Callable[..., Any]], MethodPlugin]:
    """Decorator: declare a method's hyperparameter names (the function becomes a :class:`MethodPlugin`)."""

    def wrap(fn: Callable[..., Any]) -> MethodPlugin:
        return plugin_from_callable(fn, getattr(fn, "__qualname__", "method"), hparams)

    return wrap


def register(plugin: MethodPlugin, *, replace: bool = False) -> MethodPlugin:
    """Add ``plugin`` to the registry under ``plugin.name``; a different plug-in under a taken name is an error."""
    old = _REGISTRY.get(plugin.name)
    if old is not None and not replace and (old.fn is not plugin.fn or old.hparams != plugin.hparams):
        raise ValueError(f"a different method is already registered as {plugin.name!r}")
    _REGISTRY[plugin.name] = plugin
    return plugin


def lookup(name: str) -> MethodPlugin | None:
    """The plug-in registered as ``name``, or None (the built-ins register when methods.py is imported)."""
    return _REGISTRY.get(name)


def registered() -> Mapping[str, MethodPlugin]:
    """A read-only view of the registry (built-ins included once methods.py is imported)."""
    return dict(_REGISTRY)


def _import(module_part: str, flag: str) -> Any:
    from ascent_fails.cli_errors import UsageError

    try:
        if module_part.endswith(".py"):  # a file path: imported under a name derived from its path
            path = Path(module_part).expanduser()
            if not path.is_file():
                raise UsageError(flag, f"the file {module_part!r} does not exist")
            name = "ascent_fails_plugin_" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
            if name in sys.modules:
                return sys.modules[name]
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
            return module
        # like `python -m`, the current directory is searched first, so that `mypkg.module` next to you imports
        cwd = str(Path.cwd())
        if cwd not in sys.path:
            sys.path.insert(0, cwd)
        return importlib.import_module(module_part)
    except UsageError:
        raise
    except ModuleNotFoundError as exc:
        missing = exc.name or module_part
        where = "" if missing == module_part else f" (imported by {module_part!r})"
        raise UsageError(flag, f"no module named {missing!r}{where}; give module.path:function with the module on "
                               f"PYTHONPATH or below the current directory, or path/to/file.py:function") from None
    except Exception as exc:  # the user's module raised while being imported: say so, without our traceback
        raise UsageError(flag, f"importing {module_part!r} failed: {type(exc).__name__}: {exc}") from None


def load_plugin(spec: str, *, flag: str = "--method", hparams: Sequence[str] | None = None) -> MethodPlugin:
    """Import ``module.path:function`` (or ``file.py:function``), check it and register it under ``spec``.

    The attribute may be a plain function or a :func:`method_plugin`-decorated one (its declared
    hyperparameter names are kept); ``hparams`` overrides them. Every mistake is a ``UsageError`` naming ``flag``.
    """
    from ascent_fails.cli_errors import UsageError

    if not isinstance(spec, str) or spec.count(":") != 1 or not all(spec.split(":")):
        raise UsageError(flag, f"{spec!r} must have the form module.path:function (or path/to/file.py:function)")
    module_part, attribute = spec.split(":")
    module = _import(module_part, flag)
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            have = sorted(n for n in vars(module) if not n.startswith("_") and callable(getattr(module, n)))
            raise UsageError(flag, f"module {module_part!r} has no attribute {attribute!r}; its functions: "
                                   f"{', '.join(have) or 'none'}")
        target = getattr(target, part)
    try:
        plugin = plugin_from_callable(target, spec, hparams)
    except ValueError as exc:
        raise UsageError(flag, str(exc)) from None
    return register(plugin, replace=True)
