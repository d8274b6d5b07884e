"""Checks of the network commands' input, done before any model is trained.

``nn run``, ``nn table`` and ``reproduce`` train for minutes to hours before they write their first file. A
mistake in what the user gave them (a sweep file with a typo, a forget-set index past the end of the data,
a CIFAR-10 directory that is not there, an output directory that cannot be written) must cost a second,
not that training. Each function here checks one kind of input completely and raises
:class:`ascent_fails.cli_errors.UsageError` naming the flag as the user typed it and the file;
``ascent-fails`` prints it as ``ascent-fails: error: --flag: …`` and exits 2, without a traceback.

>>> import tempfile, pathlib
>>> bad = pathlib.Path(tempfile.mkdtemp()) / "bad.toml"
>>> _ = bad.write_text("n_models = 1\\n")
>>> sweep_file(bad)
Traceback (most recent call last):
...
ascent_fails.cli_errors.UsageError: --sweep: sweep file '.../bad.toml': n_models = 1 must be an integer >= 2 (N)
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ascent_fails.cli_errors import UsageError, input_dir, input_file

__all__ = ["threads", "sweep_file", "methods", "data", "cifar_files", "forget_set_files", "forget_set_names",
           "rewind_epochs", "output_location"]


def threads(value: int | None, flag: str = "--threads") -> int | None:
    """``None`` (torch's own choice) or a thread count >= 1."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise UsageError(flag, f"{value!r} must be an integer >= 1 (torch CPU threads)")
    return value


def _as_toml_keys(message: str) -> str:
    """``n_models=1`` → ``n_models = 1``: a key of a sweep file written as the file writes it.

    This also keeps the command line from renaming the key to the flag of the same name (``--n-models``):
    the mistake is in the file, not on the command line.
    """
    return re.sub(r"(?<=\w)=(?!=)", " = ", message)


def sweep_file(path: str | os.PathLike, flag: str = "--sweep") -> Any:
    """The validated :class:`~ascent_fails.nn_experiments.sweep.Sweep` in ``path``: the whole file is parsed
    and every grid point validated, so a typo in the last method's grid fails now, not after hours."""
    from ascent_fails.nn_experiments.sweep import load_sweep

    source = input_file(flag, path)
    try:
        return load_sweep(source)
    except ValueError as exc:
        raise UsageError(flag, _as_toml_keys(str(exc))) from None


def methods(names: Sequence[str] | None, available: Sequence[str], flag: str = "--methods") -> None:
    """Every name of ``--methods`` is a method with a grid in the sweep."""
    from ascent_fails.nn_experiments.names import METHODS

    for name in names or ():
        if name not in METHODS:
            raise UsageError(flag, f"unknown method {name!r}; choose from {', '.join(METHODS)}")
        if name not in available:
            raise UsageError(flag, f"method {name!r} has no grid in this sweep; it has {', '.join(available)}")


def cifar_files(data_dir: str | os.PathLike | None, flag: str = "--data-dir") -> Path:
    """The CIFAR-10 directory that ``data.load_cifar10`` would read, with every batch file present (not read)."""
    from ascent_fails.nn_experiments import data as data_mod

    if data_dir is not None:
        input_dir(flag, data_dir)
    directory = data_mod._cifar_dir(data_dir)
    missing = [name for name in data_mod.CIFAR10_FILES if not (directory / name).is_file()]
    if missing:
        where = repr(str(directory)) + ("" if data_dir is not None else " (no --data-dir given: $CIFAR10_DIR, else ./data)")
        raise UsageError(flag, f"CIFAR-10 files missing in {where}: {', '.join(missing)}. Give the directory "
                               f"'cifar-10-batches-py' of the python version of CIFAR-10 (or its parent); nothing is "
                               f"downloaded")
    return directory


def data(settings: Any, flag: str = "--data-dir") -> Any:
    """Load the data set of ``settings`` (a ``inputs.DataSettings``; seconds, no training), naming ``--data-dir``
    when CIFAR-10 is missing or unreadable."""
    from ascent_fails.nn_experiments.inputs import load_data

    if settings.dataset == "cifar10":
        cifar_files(settings.data_dir, flag)
    try:
        return load_data(settings)
    except (OSError, EOFError, KeyError) as exc:  # a truncated or foreign pickle in the CIFAR-10 directory
        raise UsageError(flag, f"cannot read {settings.dataset} from {settings.data_dir!r}: {exc}") from None


def forget_set_files(paths: Sequence[str | os.PathLike], n_train: int, flag: str = "--forget-set-file",
                     data_name: str = "the data set") -> tuple[Any, ...]:
    """Read every index file and check it against the data: integers, distinct, in ``[0, n_train)``."""
    from ascent_fails.nn_experiments.forget_sets import load_forget_set

    sets = []
    for path in paths:
        source = input_file(flag, path)
        try:
            sets.append(load_forget_set(source, n_train))
        except (ValueError, OSError) as exc:
            message = str(exc)
            if "outside" in message:
                message += f" ({data_name} has {n_train} training points, indexed from 0)"
            named = str(source) in message
            raise UsageError(flag, message if named else f"{str(source)!r}: {message}") from None
    names = [fs.name for fs in sets]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise UsageError(flag, f"two files give the forget set name(s) {clash} (a set is named after its file's stem)")
    return tuple(sets)


def forget_set_names(names: Sequence[str] | None, dataset: str, n_train: int, files: Sequence[Any],
                     flag: str = "--forget-sets") -> None:
    """Every name of ``--forget-sets`` is a default set of ``dataset`` or one of the ``--forget-set-file`` sets."""
    from ascent_fails.nn_experiments.datamodels import MAX_TRAIN_POINTS
    from ascent_fails.nn_experiments.forget_sets import default_forget_set_names

    from ascent_fails.nn_experiments.benchmark_forget_sets import CIFAR10_TRAIN_SIZE

    defaults = default_forget_set_names(dataset)
    shipped = dataset == "cifar10" and n_train == CIFAR10_TRAIN_SIZE  # the benchmark's nine sets (inputs.prepare_inputs)
    if n_train > MAX_TRAIN_POINTS and not shipped:  # no datamodel matrix: only the random sets are built
        defaults = tuple(n for n in defaults if n.startswith("random_"))
    clash = sorted({fs.name for fs in files} & set(defaults))
    if clash:
        raise UsageError("--forget-set-file", f"file name(s) {clash} clash with default forget sets; rename the file")
    known = list(defaults) + [fs.name for fs in files]
    unknown = [n for n in names or () if n not in known]
    if unknown:
        raise UsageError(flag, f"unknown forget set(s) {unknown}; choose from {', '.join(known)}")


def rewind_epochs(sweep: Any, recipe: Any, flag: str | None, source: str | os.PathLike | None = None) -> None:
    """Rewind runs restore a pretraining checkpoint, which exists only for epochs 1 … epochs - 1 of ``recipe``.

    ``source`` is the sweep file the grid came from (named in the message).
    """
    where = f"sweep file {str(source)!r}: " if source is not None else ""
    for grid in sweep.methods:
        for run in grid.runs():
            if run.method == "rewind" and run.rewind_epoch and not 0 < run.rewind_epoch < recipe.epochs:
                raise UsageError(flag, f"{where}rewind_epoch = {run.rewind_epoch} must lie in [1, {recipe.epochs - 1}]: "
                                       f"pretraining lasts {recipe.epochs} epochs")


def output_location(flag: str, path: str | os.PathLike) -> None:
    """Refuse an output path that can never become a directory (it, or its nearest existing ancestor, is a
    file), without creating anything: the commands create their directories only once every input is checked.
    :func:`ascent_fails.cli_errors.output_dir` then creates the directory and proves it writable."""
    from ascent_fails.cli_errors import output_dir

    target = Path(path).expanduser()
    for candidate in (target, *target.parents):
        if candidate.exists():
            if not candidate.is_dir():
                output_dir(flag, target)  # raises, with the message every command gives for this mistake
            return
