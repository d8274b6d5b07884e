"""Atomic writes: the one way every output file of the suite is written.

A file is written to a temporary name in the destination's folder, flushed and fsync'ed, given the mode a
plain ``open`` would give it (``mkstemp`` creates 0600; results are meant to be shared), then moved onto
its final name with ``os.replace``, which is atomic on POSIX. A reader therefore sees either the old file
or the complete new one, never half of it, and a process killed mid-write leaves no file under the final
name. The temporary file is removed on any exception, and its name starts with ``.`` and ends in
``.tmp`` so that :func:`remove_orphans` can clear the ones a ``kill -9`` leaves behind.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write_text(folder / "a.txt", "hello\\n").read_text()
'hello\\n'
>>> sorted(p.name for p in folder.iterdir())
['a.txt']
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_savefig", "remove_orphans",
           "TEMP_SUFFIX"]

TEMP_SUFFIX = ".tmp"


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call ``write(file)`` on a binary temporary file beside ``path``, then ``os.replace`` it onto ``path``.

    The parent folder is created if missing. Returns the final path.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp_name, _default_mode())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8, newlines as given) atomically to ``path``."""
    data = text.encode("utf-8")
    return atomic_write_bytes(path, lambda file: file.write(data))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented JSON with sorted keys (and a final newline) atomically to ``path``.

    ``obj`` goes through :func:`ascent_fails.config_hash.plain` first: dataclasses become objects, tuples
    lists, numpy scalars numbers, arrays their fingerprint, and NaN/infinities the strings ``'nan'``/``'inf'``
    (they are not JSON, and a reader in another language would choke on them).
    """
    from ascent_fails.config_hash import plain

    text = json.dumps(plain(obj), indent=2, sort_keys=True, allow_nan=False) + "\n"
    return atomic_write_text(path, text)


def atomic_savefig(figure: Any, path: str | os.PathLike, **savefig_kwargs: Any) -> Path:
    """``figure.savefig`` atomically; the format is taken from ``path``'s suffix unless given."""
    target = Path(path)
    savefig_kwargs.setdefault("format", target.suffix.lstrip(".") or "png")
    return atomic_write_bytes(target, lambda file: figure.savefig(file, **savefig_kwargs))


def remove_orphans(folder: str | os.PathLike) -> list[Path]:
    """Delete temporary files that an interrupted atomic write left in ``folder`` (not recursive).

    Only names of the form ``.<name>.<random>.tmp`` are touched. Call it only when no other process is
    writing into ``folder`` (e.g. while holding the folder's lock).
    """
    removed = []
    for candidate in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        if candidate.is_file():
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed
