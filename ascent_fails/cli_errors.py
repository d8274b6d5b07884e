"""User mistakes on the command line, caught before any heavy work and reported without a traceback.

Every command checks its paths first, through the helpers here, so a wrong ``--out`` or a malformed
``--sweep`` costs the user a second, not the two minutes of training that would otherwise come before the
first write. Each helper raises :class:`UsageError`, which names the flag as the user typed it and the
file; :func:`ascent_fails.proofs_check.cli.main` prints it as ``ascent-fails: error: …`` and exits 2.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "taken").write_text("x")
1
>>> output_dir("--out", folder / "taken")
Traceback (most recent call last):
...
ascent_fails.cli_errors.UsageError: --out: '.../taken' exists and is a file, not a directory
>>> output_dir("--out", folder / "new" / "deeper").is_dir()
True
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["UsageError", "output_dir", "input_file", "input_dir", "read_toml", "name_flags"]


class UsageError(ValueError):
    """A mistake in what the user asked for: printed as ``ascent-fails: error: <flag>: <message>``, exit 2."""

    def __init__(self, flag: str | None, message: str):
        self.flag = flag
        self.message = message
        super().__init__(f"{flag}: {message}" if flag else message)


def _show(path: Path) -> str:
    return repr(str(path))


def output_dir(flag: str, path: str | os.PathLike) -> Path:
    """Create ``path`` (and its parents) if missing and prove it is a writable directory.

    Writability is tested by creating and deleting a temporary file, the only test that also sees
    read-only mounts, ACLs and full quotas; a check of permission bits does not (and root passes it always).
    """
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise UsageError(flag, f"{_show(target)} exists and is a file, not a directory")
    for parent in target.parents:
        if parent.exists() and not parent.is_dir():
            raise UsageError(flag, f"cannot create {_show(target)}: {_show(parent)} is a file, not a directory")
        if parent.exists():
            break
    try:
        target.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=target, prefix=".write-test.", suffix=".tmp")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(flag, f"{_show(target)} is not a writable directory ({reason})") from None
    return target


def input_file(flag: str, path: str | os.PathLike) -> Path:
    """``path`` must be an existing, readable regular file."""
    source = Path(path).expanduser()
    if not source.exists():
        raise UsageError(flag, f"{_show(source)} does not exist")
    if not source.is_file():
        raise UsageError(flag, f"{_show(source)} is not a file")
    if not os.access(source, os.R_OK):
        raise UsageError(flag, f"{_show(source)} is not readable")
    return source


def input_dir(flag: str, path: str | os.PathLike) -> Path:
    """``path`` must be an existing directory."""
    source = Path(path).expanduser()
    if not source.exists():
        raise UsageError(flag, f"{_show(source)} does not exist")
    if not source.is_dir():
        raise UsageError(flag, f"{_show(source)} is not a directory")
    return source


def read_toml(flag: str, path: str | os.PathLike) -> dict[str, Any]:
    """Parse a TOML file, naming the flag and the file (and TOML's line/column) when it is malformed."""
    source = input_file(flag, path)
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(flag, f"{_show(source)} is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(flag, f"{_show(source)} is not valid TOML: {exc}") from None


def name_flags(message: str, flags: Mapping[str, str]) -> str:
    """Rewrite library parameter names in ``message`` as the command-line flags the user typed.

    The library validates ``n_models=0``; the user typed ``--n-models 0``:

    >>> name_flags("n_models=0 must be an integer >= 1", {"n_models": "--n-models"})
    '--n-models=0 must be an integer >= 1'
    >>> name_flags("seed_models=3 is fine", {"seed": "--seed"})
    'seed_models=3 is fine'
    """
    for name in sorted(flags, key=len, reverse=True):
        message = re.sub(rf"(?<![\w-]){re.escape(name)}(?==)", flags[name], message)
    return message
