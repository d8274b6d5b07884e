"""Integrity of stored artefacts: a manifest record (size, SHA-256) per file, checked before every load.

Every artefact a long run reuses (checkpoint chunks, margins, datamodel chunks and matrices, unit results,
noise floors) is written with :func:`write_artefact`: the file atomically (:mod:`ascent_fails.atomic_io`),
then its record ``<folder>/.manifest/<name>.json`` holding its size in bytes and its SHA-256. A reader calls
:func:`load_verified`, which returns the loaded value only if

1. a record exists (a file written by something else, or by a run killed between the two writes, is not
   trusted),
2. the file's size and SHA-256 equal the record's (a truncated, zero-byte, overwritten or hand-edited file
   fails here, however plausible its content: one altered digit in a unit's JSON changes the hash), and
3. the caller's ``load`` function accepts it (a structurally wrong file written with a matching record
   still fails to load).

Otherwise the file is *quarantined*: renamed to ``<name>.corrupt-<UTC time>-<pid>`` in its folder (kept for
inspection, never deleted; the name no longer matches what any reader looks for), its record moved aside
the same way, and one warning line naming both is printed on standard error. ``load_verified`` then returns
``None`` and the caller recomputes the artefact as if it had never been written.

The record guards against accidents (disk full, kills, truncation, stray edits), not against an adversary
who rewrites the record too; checkpoints are additionally loaded with ``torch.load(weights_only=True)``.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = write_artefact(folder / "a.json", lambda f: f.write(b'{"x": 1}'))
>>> load_verified(path, lambda p: p.read_text())
'{"x": 1}'
>>> _ = path.write_text('{"x": 2}')  # same size, other content
>>> load_verified(path, lambda p: p.read_text(), warn=False) is None, path.exists()
(True, False)
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from ascent_fails.atomic_io import atomic_write_bytes, atomic_write_json

__all__ = ["MANIFEST_DIR", "QUARANTINE_MARK", "record_path", "digest", "write_artefact", "write_json_artefact",
           "check", "load_verified", "quarantine"]

T = TypeVar("T")

#: folder (beside the artefacts) that holds one JSON record per artefact
MANIFEST_DIR = ".manifest"
#: infix of a quarantined file's name: ``<name>.corrupt-<time>-<pid>``
QUARANTINE_MARK = ".corrupt-"
_BLOCK = 1 << 20


def record_path(path: str | os.PathLike) -> Path:
    """Where the manifest record of ``path`` lives: ``<folder>/.manifest/<name>.json``."""
    target = Path(path)
    return target.parent / MANIFEST_DIR / f"{target.name}.json"


def digest(path: str | os.PathLike) -> dict[str, Any]:
    """``{"size": bytes, "sha256": hex}`` of the file at ``path`` (read in 1 MiB blocks)."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as file:
        while block := file.read(_BLOCK):
            sha.update(block)
            size += len(block)
    return {"size": size, "sha256": sha.hexdigest()}


def write_artefact(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> Path:
    """Write ``path`` atomically with ``write(file)``, its size and SHA-256 recorded in the manifest.

    The record is written *before* the file takes its final name: a process that finds the file always finds
    its record too (the other order let a concurrent reader see a fresh file without a record, quarantine it
    and compute it a second time). A kill between the two leaves a record without a file: "missing", recomputed.
    """
    target = Path(path)

    def record(temp: Path) -> None:
        atomic_write_json(record_path(target), {"file": target.name, **digest(temp)})

    return atomic_write_bytes(target, write, before_replace=record)


def write_json_artefact(path: str | os.PathLike, obj: Any) -> Path:
    """:func:`write_artefact` of ``obj`` as :func:`ascent_fails.atomic_io.atomic_write_json` would write it."""
    from ascent_fails.config_hash import plain

    data = (json.dumps(plain(obj), indent=2, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")
    return write_artefact(path, lambda file: file.write(data))


def check(path: str | os.PathLike) -> str | None:
    """Why ``path`` fails verification against its record, or ``None`` when size and SHA-256 match."""
    target = Path(path)
    try:
        record = json.loads(record_path(target).read_text())
        expected = {"size": int(record["size"]), "sha256": str(record["sha256"])}
    except FileNotFoundError:
        return "no manifest record (written by an interrupted or foreign process)"
    except (OSError, ValueError, TypeError, KeyError) as exc:
        return f"its manifest record is unreadable ({type(exc).__name__})"
    try:
        actual = digest(target)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if actual["size"] != expected["size"]:
        return f"size {actual['size']} bytes, manifest says {expected['size']}"
    if actual["sha256"] != expected["sha256"]:
        return f"SHA-256 {actual['sha256'][:12]}… differs from the manifest's {expected['sha256'][:12]}…"
    return None


def quarantine(path: str | os.PathLike, reason: str, *, warn: bool = True) -> Path:
    """Move ``path`` (and its record) aside as ``<name>.corrupt-<UTC time>-<pid>``; one warning line; new path."""
    target = Path(path)
    stamp = f"{QUARANTINE_MARK}{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{os.getpid()}"
    moved = target.with_name(target.name + stamp)
    try:
        os.replace(target, moved)
    except FileNotFoundError:
        # another process (a concurrent run of the same configuration) moved it aside first: nothing left to do
        return target
    record = record_path(target)
    if record.exists():
        os.replace(record, record.with_name(record.name + stamp))
    if warn:
        print(f"warning: {target}: {reason}; moved aside to {moved.name}, recomputing it", file=sys.stderr, flush=True)
    return moved


def load_verified(path: str | os.PathLike, load: Callable[[Path], T], *, warn: bool = True) -> T | None:
    """``load(path)`` if ``path`` exists, matches its manifest record and loads; else ``None`` (recompute).

    A file that exists but fails is quarantined (:func:`quarantine`) with one warning line.
    """
    target = Path(path)
    if not target.exists():
        return None
    reason = check(target)
    if reason is None:
        try:
            return load(target)
        except Exception as exc:  # noqa: BLE001 - any failure to load means: recompute it
            reason = f"does not load ({type(exc).__name__}: {str(exc)[:120]})"
    quarantine(target, reason, warn=warn)
    return None
