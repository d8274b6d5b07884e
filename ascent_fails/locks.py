"""Locks: one writer per stored artefact and one configuration per output directory (``filelock``).

Two kinds, both OS-level ``flock`` locks through the ``filelock`` library (released by the kernel when the
holder dies, so a ``kill -9`` never leaves a stale lock; on a shared filesystem they need working lock
forwarding, which NFSv4 and Lustre/GPFS provide):

* **entry locks** (:func:`entry_lock`, :func:`compute_once`): one per artefact path, the lock file in a
  ``.locks`` folder beside it. ``compute_once`` loads a verified artefact if it exists, else takes the lock,
  looks *again* (another process may have finished it while this one waited) and only then computes and
  writes it. Two processes (or Ray workers) that need the same artefact therefore compute it once: the
  second waits for the first and loads its result.
* **the output claim** (:func:`claim_output`): a run registers itself in ``OUT/.holders/<host>-<pid>.json``
  (a live registration is one whose lock its process still holds) and records the key of its configuration
  in ``OUT/run-config.json``. Runs of the same configuration share the directory (their work is shared
  through the entry locks). A run of another configuration is refused with
  :class:`~ascent_fails.cli_errors.UsageError` (exit 2) naming the live holder; when no run is live but the
  directory holds another configuration's results, it is refused unless ``force`` (which then replaces the
  top-level results; per-configuration unit files are keyed and never collide).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock, Timeout

from ascent_fails.atomic_io import atomic_write_json

__all__ = ["LOCK_DIR", "entry_lock", "compute_once", "claim_output", "live_holders", "CONFIG_FILE"]

T = TypeVar("T")

#: folder (beside the artefacts) holding their lock files
LOCK_DIR = ".locks"
#: the configuration an output directory holds
CONFIG_FILE = "run-config.json"
_HOLDERS = ".holders"


def entry_lock(path: str | os.PathLike) -> FileLock:
    """The lock of the artefact ``path``: ``<folder>/.locks/<name>.lock`` (folder created)."""
    target = Path(path)
    folder = target.parent / LOCK_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(folder / f"{target.name}.lock")


def compute_once(path: str | os.PathLike, load: Callable[[Path], T | None], make: Callable[[], T],
                 *, note: bool = True) -> T:
    """The artefact at ``path``: ``load(path)`` if that gives a value, else ``make()`` under the entry lock.

    ``load`` returns ``None`` for a missing (or quarantined) artefact, e.g. through
    :func:`ascent_fails.integrity.load_verified`; ``make`` computes and writes it. While another process
    holds the lock, this one waits (saying so once on standard error when ``note``) and then loads the
    other's result instead of computing it again.
    """
    target = Path(path)
    value = load(target)
    if value is not None:
        return value
    lock = entry_lock(target)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if note:
            print(f"waiting: another process is computing {target}", file=sys.stderr, flush=True)
        lock.acquire()
    try:
        value = load(target)
        return value if value is not None else make()
    finally:
        lock.release()


def _holder_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def live_holders(out: str | os.PathLike, *, exclude: str | None = None) -> list[dict[str, Any]]:
    """The runs registered in ``out`` whose process still holds its lock (stale registrations are removed)."""
    folder = Path(out) / _HOLDERS
    live = []
    for record in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        name = record.stem
        if name == exclude:
            continue
        probe = FileLock(folder / f"{name}.lock")
        try:
            probe.acquire(timeout=0)
        except Timeout:
            try:
                live.append(json.loads(record.read_text()))
            except (OSError, ValueError):
                live.append({"holder": name, "what": "unknown (unreadable registration)"})
            continue
        probe.release()  # nobody holds it: the registering process has ended
        record.unlink(missing_ok=True)
    return live


def _describe(holder: dict[str, Any]) -> str:
    return (f"process {holder.get('pid', '?')} on {holder.get('host', '?')} (since {holder.get('started', '?')}, "
            f"{holder.get('what', 'configuration unknown')})")


@contextmanager
def claim_output(out: str | os.PathLike, config_key: str, what: str, *, force: bool = False,
                 flag: str = "--out") -> Iterator[None]:
    """Hold ``out`` for a run of the configuration ``config_key`` (described by ``what``) while the block runs.

    Raises ``UsageError(flag, ...)`` when a live run of another configuration holds ``out``, or when ``out``
    holds another configuration's results and ``force`` is false.
    """
    from ascent_fails.cli_errors import UsageError

    target = Path(out)
    holders = target / _HOLDERS
    holders.mkdir(parents=True, exist_ok=True)
    me = _holder_id()
    mine = FileLock(holders / f"{me}.lock")
    mine.acquire()
    try:
        (target / LOCK_DIR).mkdir(exist_ok=True)
        with FileLock(target / LOCK_DIR / "claim.lock"):  # one claim at a time: read, decide, register
            others = [h for h in live_holders(target, exclude=me) if h.get("config") != config_key]
            if others:
                raise UsageError(flag, f"{str(target)!r} is in use by {_describe(others[0])}, a run of another "
                                       f"configuration; wait for it to finish or choose another {flag}")
            try:
                recorded = json.loads((target / CONFIG_FILE).read_text())
            except (OSError, ValueError):
                recorded = None
            if isinstance(recorded, dict) and recorded.get("config") != config_key and not force:
                raise UsageError(flag, f"{str(target)!r} holds the results of another configuration "
                                       f"({recorded.get('what', '?')}); choose another {flag}, or (nn run, reproduce) add "
                                       "--force to replace its results (the finished units of both are kept)")
            atomic_write_json(holders / f"{me}.json", {"holder": me, "host": socket.gethostname(), "pid": os.getpid(),
                                                       "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                                       "config": config_key, "what": what})
            atomic_write_json(target / CONFIG_FILE, {"config": config_key, "what": what})
    except BaseException:
        mine.release()
        raise
    try:
        yield
    finally:
        (holders / f"{me}.json").unlink(missing_ok=True)
        mine.release()
