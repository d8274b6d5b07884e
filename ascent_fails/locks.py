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
  top-level results; per-configuration unit files are keyed and never collide). The claim is re-entrant
  within a process (``nn run`` holds ``--out`` from its first step to its last write; the sweep runner inside
  claims it again and shares that claim), and :func:`check_output` asks the same question without claiming,
  so that a command refuses a taken ``--out`` before it trains anything.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock, Timeout

from ascent_fails.atomic_io import atomic_write_json

__all__ = ["LOCK_DIR", "entry_lock", "compute_once", "claim_output", "check_output", "live_holders",
           "CONFIG_FILE"]

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


@dataclass
class _Claim:
    """A claim this process holds: its configuration, how many nested blocks use it, its holder lock."""

    config: str
    depth: int
    lock: FileLock
    registration: Path
    pid: int


#: the claims this process holds, by resolved output directory (a nested claim of one directory shares the outer)
_HELD: dict[str, _Claim] = {}
_HELD_LOCK = threading.Lock()


def _refusal(target: Path, config_key: str, force: bool, flag: str, me: str) -> None:
    """Raise ``UsageError(flag, ...)`` if a run of ``config_key`` may not use ``target`` now (the claim's rule)."""
    from ascent_fails.cli_errors import UsageError

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


def check_output(out: str | os.PathLike, config_key: str, *, force: bool = False, flag: str = "--out") -> None:
    """Raise the ``UsageError`` :func:`claim_output` would raise now, without claiming anything.

    For a command's planning step, so that a refused ``out`` is refused before any expensive work (the claim
    itself is still taken, and decides again, when the work starts). A directory this process holds passes
    when it holds it for ``config_key``.
    """
    target = Path(out)
    with _HELD_LOCK:
        held = _held(target)
    if held is not None:
        _refuse_other_config_of_this_process(held, target, config_key, flag)
        return
    if target.is_dir():
        _refusal(target, config_key, force, flag, _holder_id())


def _refuse_other_config_of_this_process(held: _Claim, target: Path, config_key: str, flag: str) -> None:
    """A nested claim (or check) of a directory this process holds: only for the configuration it holds it for."""
    from ascent_fails.cli_errors import UsageError

    if held.config != config_key:
        raise UsageError(flag, f"{str(target)!r} is in use by this process for another configuration; "
                               f"choose another {flag}")


def _held(target: Path) -> _Claim | None:
    """This process's claim of ``target`` (call with ``_HELD_LOCK``); one inherited through ``fork`` is not ours."""
    held = _HELD.get(os.path.realpath(target))
    if held is not None and held.pid != os.getpid():
        _HELD.clear()  # a forked child: the parent's claims (and their flocks' fate) are the parent's
        return None
    return held


@contextmanager
def claim_output(out: str | os.PathLike, config_key: str, what: str, *, force: bool = False,
                 flag: str = "--out") -> Iterator[None]:
    """Hold ``out`` for a run of the configuration ``config_key`` (described by ``what``) while the block runs.

    Raises ``UsageError(flag, ...)`` when a live run of another configuration holds ``out``, or when ``out``
    holds another configuration's results and ``force`` is false.

    Re-entrant within a process: a claim of a directory this process already holds for the same configuration
    (e.g. ``nn run`` holds ``--out`` for the whole command and the sweep runner claims it again) shares the
    outer claim, which is released when the outermost block ends; for another configuration it is refused.
    """
    target = Path(out)
    with _HELD_LOCK:  # threads of one process decide one at a time (the file locks below are per process)
        held = _held(target)
        if held is not None:
            _refuse_other_config_of_this_process(held, target, config_key, flag)
            held.depth += 1
        else:
            held = _claim(target, config_key, what, force, flag)
            _HELD[os.path.realpath(target)] = held
    try:
        yield
    finally:
        with _HELD_LOCK:
            held.depth -= 1
            if held.depth == 0:
                _HELD.pop(os.path.realpath(target), None)
                held.registration.unlink(missing_ok=True)
                held.lock.release()


def _claim(target: Path, config_key: str, what: str, force: bool, flag: str) -> _Claim:
    """Register this process in ``target`` for ``config_key`` (the first, outermost claim); see :func:`claim_output`."""
    holders = target / _HOLDERS
    holders.mkdir(parents=True, exist_ok=True)
    me = _holder_id()
    # not thread-local: the outermost block may end in another thread than the one that took the claim
    mine = FileLock(holders / f"{me}.lock", thread_local=False)
    mine.acquire()
    try:
        (target / LOCK_DIR).mkdir(exist_ok=True)
        with FileLock(target / LOCK_DIR / "claim.lock"):  # one claim at a time: read, decide, register
            _refusal(target, config_key, force, flag, me)
            atomic_write_json(holders / f"{me}.json", {"holder": me, "host": socket.gethostname(), "pid": os.getpid(),
                                                       "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                                       "config": config_key, "what": what})
            atomic_write_json(target / CONFIG_FILE, {"config": config_key, "what": what})
    except BaseException:
        mine.release()
        raise
    return _Claim(config=config_key, depth=1, lock=mine, registration=holders / f"{me}.json", pid=os.getpid())
