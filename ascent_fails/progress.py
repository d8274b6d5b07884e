"""Progress reporting: live bars on a terminal, one plain line per stage in a log.

A long run shows what it is doing in two ways, chosen by where its output goes:

* on a terminal, a ``tqdm`` bar per loop;
* into a file or pipe (``ascent-fails reproduce --out R > log 2>&1``), no bars and no carriage returns:
  a header line when a stage starts and one summary line when it ends, with the count and the time.

Both go to standard error, so standard output carries only results.

>>> import io
>>> log = io.StringIO()
>>> with stage("train 4 pretrained models (mlp, digits)", total=4, unit="model", stream=log) as bar:
...     for _ in range(4):
...         bar.update(1)
>>> print(log.getvalue(), end="")
== train 4 pretrained models (mlp, digits)
   done: 4 model in ... s
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

__all__ = ["interactive", "stage", "Stage", "announce"]


def interactive(stream: IO[str] | None = None) -> bool:
    """True when ``stream`` (standard error by default) is a terminal, where live bars make sense."""
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Stage:
    """A running stage: ``update(n)`` advances its bar (on a terminal) and its count (always)."""

    def __init__(self, title: str, total: int | None, unit: str, stream: IO[str], bar: Any, enabled: bool = True):
        self.title, self.total, self.unit, self.stream, self.bar = title, total, unit, stream, bar
        self.enabled = enabled
        self.count = 0
        self.started = time.perf_counter()

    def update(self, n: int = 1) -> None:
        self.count += n
        if self.bar is not None:
            self.bar.update(n)

    def note(self, text: str) -> None:
        """A line inside the stage (printed above the bar on a terminal; nothing when the stage is silenced)."""
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.write(f"   {text}", file=self.stream)
        else:
            print(f"   {text}", file=self.stream, flush=True)


@contextmanager
def stage(title: str, *, total: int | None = None, unit: str = "step", enabled: bool = True,
          stream: IO[str] | None = None, initial: int = 0) -> Iterator[Stage]:
    """Announce ``title``, yield a :class:`Stage`, then report what it did and how long it took.

    ``enabled=False`` silences the stage entirely (library calls from tests); ``initial`` counts work that a
    previous run finished (a resumed stage shows it as done, not as work of this run).
    """
    stream = sys.stderr if stream is None else stream
    if not enabled:
        yield Stage(title, total, unit, stream, None, enabled=False)
        return
    print(f"== {title}", file=stream, flush=True)
    bar = None
    if interactive(stream):
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=initial, unit=unit, file=stream, leave=False, dynamic_ncols=True)
    current = Stage(title, total, unit, stream, bar)
    try:
        yield current
    finally:
        if bar is not None:
            bar.close()
        seconds = time.perf_counter() - current.started
        resumed = f" ({initial} already done)" if initial else ""
        print(f"   done: {current.count} {unit} in {seconds:.1f} s{resumed}", file=stream, flush=True)


def announce(title: str, outcome: str, *, enabled: bool = True, stream: IO[str] | None = None) -> None:
    """A stage that has no work to count (e.g. a result read from the cache): its header and its outcome.

    >>> import io
    >>> log = io.StringIO()
    >>> announce("datamodels: 4000 mlp models", "read from the cache", stream=log)
    >>> print(log.getvalue(), end="")
    == datamodels: 4000 mlp models
       done: read from the cache
    """
    if enabled:
        stream = sys.stderr if stream is None else stream
        print(f"== {title}\n   done: {outcome}", file=stream, flush=True)
