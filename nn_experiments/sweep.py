"""The unlearning sweep as data: which methods, which hyperparameter grids, which forget sets.

A sweep is a frozen :class:`Sweep`; it is loaded from a TOML file (``tomllib``; ``tomli`` on Python 3.10),
validated once in ``__post_init__``, and narrowed by the CLI with :meth:`Sweep.narrow`. Two sweeps are
packaged beside this module (docs/experiments.md describes both). ``default_sweep.toml`` holds the paper's
grids, the *full* protocol:

* GA: lr ∈ {1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2, 5e-2} × snapshots at epochs {1, 3, 5, 7, 10};
* GDA and SCRUB: lr ∈ {5e-5, 5e-4, 1e-3, 5e-3} × ascent_epochs ∈ {3, 5} × forget_batch_size ∈ {32, 64}
  × snapshots at epochs {5, 7, 10};
* do nothing (the pretrained model, epoch 0); fine-tune, rewind and noisy fine-tuning on the retain set,
  whose grids are ours (the paper names these alternatives but prints no grid for them).

``quick_sweep.toml`` is the *quick* protocol, the default of ``nn run`` and ``reproduce``: the same grids
with one value of the two secondary GDA/SCRUB axes (ascent_epochs = 5, forget batch 64) and one learning rate
per baseline, so that the whole sweep runs in minutes on a small CPU.

One *run* of a method (one point of the hyperparameter grid) yields one snapshot per requested epoch and
each snapshot is a separate *configuration* of the results, as in the reference.

A grid may also belong to a *plug-in* method (:mod:`~ascent_fails.nn_experiments.method_plugins`, used by
``ascent-fails audit``): its name is the registered ``module:function``, its hyperparameters are whatever the
plug-in declares (``MethodConfig.plugin_hparams``), and its unit files carry a hash of the function's source.

>>> sweep = default_sweep()
>>> sorted(m.method for m in sweep.methods)
['do_nothing', 'finetune', 'ga', 'gda', 'noisy', 'rewind', 'scrub']
>>> [len(m.runs()) for m in sweep.methods if m.method in ("ga", "gda")]
[7, 16]
>>> small = sweep.narrow(methods=["ga"], n_models=4)
>>> (small.n_models, [m.method for m in small.methods])
(4, ['ga'])
>>> Sweep.from_toml(small.to_toml()) == small
True
>>> [len(m.runs()) for m in quick_sweep().methods if m.method in ("ga", "gda")]
[7, 4]
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ascent_fails.nn_experiments.names import DATASETS, KLOM_DIRECTIONS, METHODS
from ascent_fails.validate import require_choice, require_nonnegative, require_positive, require_positive_int

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "METHODS",
    "METHOD_HPARAMS",
    "DATASETS",
    "KLOM_DIRECTIONS",
    "UnlearnOptions",
    "MethodConfig",
    "MethodGrid",
    "IllusionSpec",
    "Sweep",
    "PACKAGED_SWEEPS",
    "packaged_sweep",
    "default_sweep",
    "quick_sweep",
    "load_sweep",
]

#: the hyperparameters each method's grid may vary; anything else in a grid is an error
METHOD_HPARAMS: Mapping[str, tuple[str, ...]] = {
    "ga": ("lr",),
    "gda": ("lr", "ascent_epochs", "forget_batch_size"),
    "scrub": ("lr", "ascent_epochs", "forget_batch_size"),
    "do_nothing": (),
    "finetune": ("lr",),
    "rewind": ("lr", "rewind_epoch"),
    "noisy": ("lr", "noise_std"),
}

#: protocol name → the packaged TOML file beside this module that holds it
PACKAGED_SWEEPS: Mapping[str, str] = {"full": "default_sweep.toml", "quick": "quick_sweep.toml"}

_INT_HPARAMS = ("ascent_epochs", "forget_batch_size", "rewind_epoch")


def _plugin_of(method: str) -> Any:
    """None for a built-in method; the registered plug-in otherwise (an unknown name raises, naming ``method``)."""
    if method in METHODS:
        return None
    from ascent_fails.nn_experiments.method_plugins import lookup

    plugin = lookup(method)
    if plugin is None:
        raise ValueError(f"method={method!r} must be one of {METHODS} or a plug-in loaded with "
                         "method_plugins.load_plugin('module:function')")
    return plugin


def _check_plugin_keys(plugin: Any, keys: Sequence[str]) -> None:
    """A plug-in that declares its hyperparameter names gets exactly those (a typo is an error naming the key)."""
    if plugin.hparams is None:
        return
    unknown = [k for k in keys if k not in plugin.hparams]
    if unknown:
        raise ValueError(f"unknown hyperparameter {unknown[0]!r} for method {plugin.name!r}; it takes {list(plugin.hparams)}")
    missing = [k for k in plugin.hparams if k not in keys]
    if missing:
        raise ValueError(f"method {plugin.name!r} needs grid values for {missing}")


@dataclass(frozen=True)
class UnlearnOptions:
    """Options shared by every method of a sweep; the defaults are the reference's (docs/experiments.md)."""

    momentum: float = 0.0  # SGD momentum during unlearning (reference: plain SGD, none)
    weight_decay: float = 0.0  # L2 weight decay during unlearning (reference: none)
    shuffle: bool = False  # reshuffle the forget/retain loaders every epoch (reference: unshuffled)
    train_mode: bool = True  # BatchNorm in train mode while unlearning (reference: model.train())
    batch_size: int = 64  # retain-pass batch, and GA's forget batch (reference: 64)
    scrub_temperature: float = 4.0  # T in KL_T(s, t) = T²·KL(softmax(t/T) ‖ softmax(s/T))
    scrub_kl_weight: float = 0.1  # α: weight of KL_T in SCRUB's min step (reference 0.1; SCRUB paper 0.001)
    scrub_ce_weight: float = 0.99  # γ: weight of cross-entropy in SCRUB's min step
    scrub_lr_decay_epochs: tuple[int, ...] = (3, 5, 9)  # SCRUB's lr is multiplied by the factor after each
    scrub_lr_decay_factor: float = 0.1

    def __post_init__(self) -> None:
        require_nonnegative("momentum", self.momentum)
        if self.momentum >= 1:
            raise ValueError(f"momentum={self.momentum!r} must lie in [0, 1)")
        require_nonnegative("weight_decay", self.weight_decay)
        for name in ("shuffle", "train_mode"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}={getattr(self, name)!r} must be true or false")
        require_positive_int("batch_size", self.batch_size)
        require_positive("scrub_temperature", self.scrub_temperature, symbol="T")
        require_nonnegative("scrub_kl_weight", self.scrub_kl_weight, symbol="α")
        require_nonnegative("scrub_ce_weight", self.scrub_ce_weight, symbol="γ")
        object.__setattr__(
            self, "scrub_lr_decay_epochs", tuple(require_positive_int("scrub_lr_decay_epochs", e) for e in self.scrub_lr_decay_epochs)
        )
        require_positive("scrub_lr_decay_factor", self.scrub_lr_decay_factor)


@dataclass(frozen=True)
class MethodConfig:
    """One run of one method: the method, its hyperparameters, and the epochs at which it is snapshotted.

    Hyperparameters a method does not use keep their neutral defaults and are left out of :meth:`hparams`.
    """

    method: str  # one of METHODS
    snapshot_epochs: tuple[int, ...]  # epochs after which the model is scored; the run lasts max() epochs
    lr: float = 0.0  # η, the SGD learning rate (unused by do_nothing)
    ascent_epochs: int = 0  # GDA/SCRUB: ascent passes happen in epochs 1..ascent_epochs
    forget_batch_size: int = 64  # batch of the ascent pass over F (GA uses UnlearnOptions.batch_size)
    rewind_epoch: int = 0  # rewind: the pretraining epoch whose checkpoint is restored
    noise_std: float = 0.0  # noisy: σ, Langevin noise scale (θ += sqrt(2η)·σ·ξ after every step)
    # a plug-in method's grid point ((name, value), ...) (method_plugins); () for the built-in methods
    plugin_hparams: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.method not in METHODS or self.plugin_hparams:
            self._check_plugin()
            return
        require_choice("method", self.method, METHODS)
        epochs = tuple(int(require_positive_int("snapshot epoch", e, minimum=0)) for e in self.snapshot_epochs)
        if not epochs:
            raise ValueError(f"snapshot_epochs of method {self.method!r} is empty; give at least one epoch")
        if self.method == "do_nothing":
            if epochs != (0,):
                raise ValueError(f"do_nothing has a single snapshot at epoch 0, got snapshot_epochs={epochs}")
        else:
            for e in epochs:
                require_positive_int(f"snapshot epoch of {self.method}", e, minimum=1)
            require_positive("lr", self.lr, symbol="η")
        object.__setattr__(self, "snapshot_epochs", tuple(sorted(set(epochs))))
        if self.method in ("gda", "scrub"):
            require_positive_int("ascent_epochs", self.ascent_epochs)
        else:
            require_positive_int("ascent_epochs", self.ascent_epochs, minimum=0)
        require_positive_int("forget_batch_size", self.forget_batch_size)
        if self.method == "rewind":
            require_positive_int("rewind_epoch", self.rewind_epoch, minimum=0)
        require_nonnegative("noise_std", self.noise_std, symbol="σ")
        if self.method == "noisy":
            require_positive("noise_std", self.noise_std, symbol="σ")

    def _check_plugin(self) -> None:
        """A plug-in method (not one of METHODS): registered, snapshot epochs ≥ 0, grid keys it declares."""
        plugin = _plugin_of(self.method)
        if plugin is None:
            raise ValueError(f"plugin_hparams are for plug-in methods; {self.method!r} is built in (use its fields)")
        epochs = tuple(sorted({int(require_positive_int("snapshot epoch", e, minimum=0)) for e in self.snapshot_epochs}))
        if not epochs:
            raise ValueError(f"snapshot_epochs of method {self.method!r} is empty; give at least one epoch")
        object.__setattr__(self, "snapshot_epochs", epochs)
        hp = self.plugin_hparams.items() if isinstance(self.plugin_hparams, Mapping) else self.plugin_hparams
        hp = tuple((str(k), v) for k, v in hp)
        _check_plugin_keys(plugin, [k for k, _ in hp])
        object.__setattr__(self, "plugin_hparams", hp)

    @property
    def epochs(self) -> int:
        """Length of the run: the last snapshot epoch."""
        return max(self.snapshot_epochs)

    def hparams(self) -> dict[str, Any]:
        """The hyperparameters this method uses (the ``hparams`` of every result row)."""
        if self.method not in METHODS:
            return dict(self.plugin_hparams)
        return {name: getattr(self, name) for name in METHOD_HPARAMS[self.method]}

    def key(self) -> str:
        """A stable file-name-safe identifier of the run, e.g. ``gda-lr=0.0005-ascent_epochs=3-...``."""
        plugin = _plugin_of(self.method)
        name = self.method if plugin is None else plugin.key_name  # a plug-in's name carries its source's hash
        parts = [name] + [f"{k}={v!r}" for k, v in self.hparams().items()]
        parts.append("ep=" + ",".join(map(str, self.snapshot_epochs)))
        return "-".join(parts)


@dataclass(frozen=True)
class MethodGrid:
    """A method's hyperparameter grid: the Cartesian product of ``axes`` × one run snapshotted at ``snapshot_epochs``."""

    method: str  # one of METHODS
    snapshot_epochs: tuple[int, ...]  # every run of the grid is scored at these epochs
    axes: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # ((hyperparameter name, values), ...)

    def __post_init__(self) -> None:
        plugin = _plugin_of(self.method)
        axes = tuple((str(name), tuple(values)) for name, values in (self.axes.items() if isinstance(self.axes, Mapping) else self.axes))
        for name, values in axes:
            if not values:
                raise ValueError(f"grid axis {name!r} of method {self.method!r} is empty")
        if plugin is not None:
            _check_plugin_keys(plugin, [name for name, _ in axes])
        else:
            allowed = METHOD_HPARAMS[self.method]
            for name, _ in axes:
                if name not in allowed:
                    raise ValueError(f"unknown hyperparameter {name!r} for method {self.method!r}; it takes {allowed}")
            missing = [n for n in allowed if n not in dict(axes)]
            if missing:
                raise ValueError(f"method {self.method!r} needs grid values for {missing}")
        object.__setattr__(self, "axes", axes)
        object.__setattr__(self, "snapshot_epochs", tuple(self.snapshot_epochs))
        self.runs()  # validates every point of the grid

    def runs(self) -> list[MethodConfig]:
        """Every point of the grid as a validated :class:`MethodConfig`."""
        names = [name for name, _ in self.axes]
        out = []
        for values in itertools.product(*(v for _, v in self.axes)):
            if self.method not in METHODS:  # a plug-in: its grid point as given
                out.append(MethodConfig(self.method, self.snapshot_epochs, plugin_hparams=tuple(zip(names, values))))
                continue
            hp = {n: (int(v) if n in _INT_HPARAMS and float(v).is_integer() else v) for n, v in zip(names, values)}
            out.append(MethodConfig(self.method, self.snapshot_epochs, **hp))
        return out


@dataclass(frozen=True)
class IllusionSpec:
    """Figure 2 ("illusion"): GA on the smallest random forget set, KLoM after every epoch, several lrs."""

    lrs: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 5e-2)  # η values drawn as separate curves
    epochs: int = 10  # the run is scored after every epoch 1..epochs (and at 0, the pretrained model)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lrs", tuple(require_positive("illusion lr", float(v), symbol="η") for v in self.lrs))
        require_positive_int("illusion epochs", self.epochs)

    def run(self, lr: float) -> MethodConfig:
        """The GA run behind one curve: scored after every epoch."""
        return MethodConfig("ga", tuple(range(1, self.epochs + 1)), lr=lr)


@dataclass(frozen=True)
class Sweep:
    """Everything ``ascent-fails nn run`` does, as data (stored in results.json as ``sweep``)."""

    dataset: str = "digits"  # one of DATASETS
    n_models: int = 100  # N: pretrained models, oracles per forget set, and independent oracles
    forget_sets: tuple[str, ...] = ()  # names of forget sets to run; () = all default sets
    methods: tuple[MethodGrid, ...] = ()  # one grid per method
    options: UnlearnOptions = field(default_factory=UnlearnOptions)
    illusion: IllusionSpec | None = field(default_factory=IllusionSpec)  # None: no Figure 2 runs
    klom_direction: str = "oracle_unlearned"  # KL(P_oracle ‖ P_unlearned), the reference pipeline's
    klom_bins: int = 20
    klom_eps: float = 1e-5
    seed: int = 0  # root of every seed: data split, ensembles and unlearning runs (via seeds.derive_seed)
    floor_per_set: bool = True  # noise floor for every forget set (N more oracles each; default) or the first set only

    def __post_init__(self) -> None:
        require_choice("dataset", self.dataset, DATASETS)
        require_positive_int("n_models", self.n_models, minimum=2, symbol="N")
        object.__setattr__(self, "forget_sets", tuple(str(s) for s in self.forget_sets))
        object.__setattr__(self, "methods", tuple(self.methods))
        names = [m.method for m in self.methods]
        if len(set(names)) != len(names):
            raise ValueError(f"each method may have one grid; got {names}")
        require_choice("klom_direction", self.klom_direction, KLOM_DIRECTIONS)
        require_positive_int("klom_bins", self.klom_bins)
        require_positive("klom_eps", self.klom_eps)
        require_positive_int("seed", self.seed, minimum=0)
        if self.seed >= 2**32:  # the data split's random_state and the reference's np.random.seed take 32 bits
            raise ValueError(f"seed={self.seed} must be < 2**32")
        if not isinstance(self.floor_per_set, bool):
            raise ValueError(f"floor_per_set={self.floor_per_set!r} must be true or false")

    def runs(self) -> list[MethodConfig]:
        """Every run of every method grid, in grid order."""
        return [run for grid in self.methods for run in grid.runs()]

    def n_configurations(self) -> int:
        """Configurations per forget set: one per (run, snapshot epoch)."""
        return sum(len(run.snapshot_epochs) for run in self.runs())

    def narrow(
        self,
        *,
        methods: Sequence[str] | None = None,
        forget_sets: Sequence[str] | None = None,
        n_models: int | None = None,
        dataset: str | None = None,
    ) -> Sweep:
        """A copy restricted to some methods / forget sets, or with another N or data set (the CLI's flags)."""
        changes: dict[str, Any] = {}
        if methods is not None:
            for m in methods:
                require_choice("method", m, METHODS)
            have = [g.method for g in self.methods]
            absent = [m for m in methods if m not in have]
            if absent:
                raise ValueError(f"method(s) {absent} have no grid in this sweep; it has {have}")
            changes["methods"] = tuple(g for g in self.methods if g.method in methods)
            if "ga" not in methods:
                changes["illusion"] = None  # Figure 2 is a GA experiment
        if forget_sets is not None:
            changes["forget_sets"] = tuple(forget_sets)
        if n_models is not None:
            changes["n_models"] = n_models
        if dataset is not None:
            changes["dataset"] = dataset
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/TOML-compatible data; :meth:`from_dict` inverts it."""
        out = {k: v for k, v in asdict(self).items() if k not in ("methods", "options", "illusion")}
        out["forget_sets"] = list(self.forget_sets)
        out["options"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self.options).items()}
        if self.illusion is not None:
            out["illusion"] = {"lrs": list(self.illusion.lrs), "epochs": self.illusion.epochs}
        out["methods"] = {
            g.method: {"snapshot_epochs": list(g.snapshot_epochs), **{n: list(v) for n, v in g.axes}} for g in self.methods
        }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sweep:
        """Inverse of :meth:`to_dict`; a missing ``illusion`` table means no Figure 2 runs, missing keys take defaults.

        Every departure from the layout (a list where a table belongs, a number where a list belongs, an
        unknown key) is a ``ValueError`` naming the key, never a ``TypeError`` from deep inside.
        """
        data = _table("the sweep", data)
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown sweep key(s) {unknown}; known keys: {sorted(known)}")
        kwargs = {k: v for k, v in data.items() if k not in ("methods", "options", "illusion")}
        if "forget_sets" in kwargs:
            kwargs["forget_sets"] = _array("forget_sets", kwargs["forget_sets"])
        grids = []
        for method, table in _table("methods", data.get("methods", {})).items():
            table = _table(f"methods.{method}", table)
            if "snapshot_epochs" not in table:
                raise ValueError(f"method {method!r} needs snapshot_epochs")
            epochs = _array(f"methods.{method}.snapshot_epochs", table.pop("snapshot_epochs"))
            axes = tuple((k, _array(f"methods.{method}.{k}", v)) for k, v in table.items())
            grids.append(MethodGrid(method, epochs, axes))
        options = _table("options", data.get("options", {}))
        known_options = set(UnlearnOptions.__dataclass_fields__)
        if set(options) - known_options:
            raise ValueError(f"unknown option(s) {sorted(set(options) - known_options)}; known: {sorted(known_options)}")
        if "scrub_lr_decay_epochs" in options:
            options["scrub_lr_decay_epochs"] = _array("options.scrub_lr_decay_epochs", options["scrub_lr_decay_epochs"])
        illusion = data.get("illusion")
        if illusion is not None:
            illusion = _table("illusion", illusion)
            if set(illusion) - {"lrs", "epochs"}:
                raise ValueError(f"unknown illusion key(s) {sorted(set(illusion) - {'lrs', 'epochs'})}; known: ['epochs', 'lrs']")
            illusion = IllusionSpec(_array("illusion.lrs", illusion.get("lrs", IllusionSpec.lrs)), illusion.get("epochs", 10))
        return cls(**kwargs, methods=tuple(grids), options=UnlearnOptions(**options), illusion=illusion)

    def to_toml(self) -> str:
        """The sweep as TOML text (a small writer: scalars, lists and one level of tables are all it needs)."""
        data = self.to_dict()
        lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
        for section in ("options", "illusion"):
            if section in data:
                lines += ["", f"[{section}]"] + [f"{k} = {_toml_value(v)}" for k, v in data[section].items()]
        for method, table in data["methods"].items():
            lines += ["", f"[methods.{method}]"] + [f"{k} = {_toml_value(v)}" for k, v in table.items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str) -> Sweep:
        return cls.from_dict(tomllib.loads(text))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write non-finite {value!r} to TOML")
        return repr(value)
    return str(value)


def _table(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be a table (a [section] in TOML), got {value!r}")
    return dict(value)


def _array(where: str, value: Any) -> tuple[Any, ...]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{where} must be a list such as [1, 2], got {value!r}")
    return tuple(value)


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep TOML file (see ``default_sweep.toml`` for the layout).

    Every problem is a ``ValueError`` that names the file: missing, not UTF-8, not TOML (with TOML's line
    and column), or a value the sweep rejects.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"sweep file {str(file)!r} does not exist") from None
    except IsADirectoryError:
        raise ValueError(f"sweep file {str(file)!r} is a directory, not a TOML file") from None
    except UnicodeDecodeError:
        raise ValueError(f"sweep file {str(file)!r} is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"sweep file {str(file)!r} is not valid TOML: {exc}") from None
    try:
        return Sweep.from_dict(data)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"sweep file {str(file)!r}: {exc}") from None


def packaged_sweep(protocol: str) -> Sweep:
    """The sweep of ``protocol`` ("full" or "quick", :data:`PACKAGED_SWEEPS`), from its TOML beside this module."""
    require_choice("protocol", protocol, tuple(PACKAGED_SWEEPS))
    return Sweep.from_toml(resources.files("ascent_fails.nn_experiments").joinpath(PACKAGED_SWEEPS[protocol]).read_text())


def default_sweep() -> Sweep:
    """The paper's grids, the full protocol (``nn_experiments/default_sweep.toml``)."""
    return packaged_sweep("full")


def quick_sweep() -> Sweep:
    """The quick protocol, the default of ``nn run`` and ``reproduce`` (``nn_experiments/quick_sweep.toml``)."""
    return packaged_sweep("quick")
