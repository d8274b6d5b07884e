"""Atomic writes: the one way every output file of the suite is written.

A file is written to a temporary name in the destination's folder, flushed and fsync'ed, given the mode a
plain ``open`` would give it (``mkstemp`` creates 0600; results are meant to be shared), then moved onto
its final name with ``os.replace``, which is atomic on POSIX. A reader therefore sees either the old file
or the complete new one, never half of it, and a process killed mid-write leaves no file under the final
name. The temporary file is removed on any exception. A ``kill -9`` mid-write cannot run that clean-up, so
temporary files are made recognisable: their name is ``.<final name>.<random>.tmp`` (:data:`TEMP_PATTERN`),
and the writer holds an exclusive ``flock`` on the temporary file while it writes. :func:`remove_orphans`
deletes only temporary files that are older than a given time *and* whose ``flock`` it can take, so it never
touches a write in progress in another process (on this host or, through NFS lock forwarding, another one).

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
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_savefig", "remove_orphans",
           "TEMP_SUFFIX", "TEMP_PATTERN"]

TEMP_SUFFIX = ".tmp"
#: names of the temporary files of :func:`atomic_write_bytes`: ``.`` + final name + ``.`` + mkstemp's 8 random
#: characters + ``.tmp``
TEMP_PATTERN = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")

try:  # POSIX: the temporary file is its own lock, so that clean-up can tell a live write from an orphan
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: clean-up falls back to the age test alone
    fcntl = None  # type: ignore[assignment]


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike, write: Callable[[IO[bytes]], Any],
                       before_replace: Callable[[Path], Any] | None = None) -> Path:
    """Call ``write(file)`` on a binary temporary file beside ``path``, then ``os.replace`` it onto ``path``.

    ``before_replace(temp_path)``, if given, runs on the finished temporary file just before it takes the final
    name (the integrity manifest records the file's digest there, so that no reader ever sees the file without
    its record). The parent folder is created if missing. Returns the final path.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the descriptor is closed (or the process dies)
        # closefd=False: the descriptor, and with it the lock, stays open until the file has its final name, so
        # remove_orphans in another run never takes a temp file that is still being hashed or renamed for an orphan
        with os.fdopen(handle, "wb", closefd=False) as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp_name, _default_mode())
        if before_replace is not None:
            before_replace(Path(temp_name))
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    finally:
        os.close(handle)
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


def _in_use(path: Path) -> bool:
    """Whether another open file description holds the ``flock`` of ``path`` (a write in progress).

    Any failure to probe (the file vanished, cannot be opened, or the lock call fails for another reason) counts
    as in use: clean-up never removes a file it cannot prove abandoned.

    On NFS, where ``flock`` becomes a POSIX lock, locks never conflict within one process (and closing the probe
    drops the process's own lock), so the probe only sees *other* processes' writes: clean-up must not run while
    the same process is writing. :func:`remove_orphans` is called at the start of a run, before its first write.
    """
    if fcntl is None:
        return False
    try:
        # read-write: NFS carries a flock out as a POSIX byte-range lock, and an exclusive one needs a descriptor
        # open for writing; a read-only probe gets EBADF there, so every orphan would look locked for ever
        fd = os.open(path, os.O_RDWR)
    except OSError:
        try:
            fd = os.open(path, os.O_RDONLY)  # not ours to write (another user's file): probe as far as we can
        except OSError:
            return True  # vanished or unreadable: leave it alone
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases the probe's lock
    return False


def remove_orphans(folder: str | os.PathLike, *, older_than: float | None = None,
                   recursive: bool = False) -> list[Path]:
    """Delete the temporary files that interrupted atomic writes left in ``folder``; returns them.

    Only names matching :data:`TEMP_PATTERN` are touched, and only those not locked by a live writer and,
    when ``older_than`` (a ``time.time()`` value, e.g. the start of this run) is given, last modified before
    it. ``recursive`` descends into sub-folders.

    >>> import tempfile, pathlib, time
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / ".a.txt.abcd1234.tmp").write_text("half"); _ = (folder / "keep.tmp").write_text("mine")
    >>> [p.name for p in remove_orphans(folder, older_than=time.time() + 1)], sorted(p.name for p in folder.iterdir())
    (['.a.txt.abcd1234.tmp'], ['keep.tmp'])
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    removed = []
    for candidate in root.rglob(f".*{TEMP_SUFFIX}") if recursive else root.glob(f".*{TEMP_SUFFIX}"):
        if not TEMP_PATTERN.match(candidate.name) or not candidate.is_file():
            continue
        try:
            if older_than is not None and candidate.stat().st_mtime >= older_than:
                continue  # written since this run started: possibly a live write elsewhere
        except OSError:
            continue
        if _in_use(candidate):
            continue
        candidate.unlink(missing_ok=True)
        removed.append(candidate)
    return removed
