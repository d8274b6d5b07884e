"""Validation of user-facing parameters, shared by every public entry point.

Parameters are checked once, at the boundary, and rejected with a ``ValueError`` that names the parameter,
the value received, the admissible range and the paper's symbol, e.g.::

    ValueError: ridge=-1.0 must be > 0 (λ in Eq. (1))

Scalars and array-likes are both accepted; an array is admissible when every entry is.

>>> require_positive("ridge", 0.5, symbol="λ")
0.5
>>> require_positive("ridge", float("nan"), symbol="λ")
Traceback (most recent call last):
...
ValueError: ridge=nan must be a finite number > 0 (λ)
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__ = [
    "require_finite",
    "require_positive",
    "require_nonnegative",
    "require_in_range",
    "require_positive_int",
    "require_choice",
]


def _describe(value: Any) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return repr(arr.item()) if arr.dtype.kind in "biuf" else repr(value)
    return f"array of shape {arr.shape}"


def _suffix(symbol: str | None) -> str:
    return f" ({symbol})" if symbol else ""


def _as_real(name: str, value: Any, requirement: str, symbol: str | None) -> np.ndarray:
    """Convert to a float array, rejecting non-numbers, booleans and NaN/inf in the user's words."""
    if isinstance(value, bool) or (isinstance(value, np.ndarray) and value.dtype == bool):
        raise ValueError(f"{name}={value!r} must be a number {requirement}{_suffix(symbol)}, not a boolean")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} must be a number {requirement}{_suffix(symbol)}") from None
    if arr.size == 0:
        raise ValueError(f"{name} is empty; it must hold numbers {requirement}{_suffix(symbol)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}={_describe(value)} must be a finite number {requirement}{_suffix(symbol)}")
    return arr


def _ret(value: Any, arr: np.ndarray) -> Any:
    return float(arr) if arr.ndim == 0 else arr


def require_finite(name: str, value: Any, *, symbol: str | None = None) -> Any:
    """Return ``value`` as float (or float array) if finite, else raise ``ValueError``."""
    return _ret(value, _as_real(name, value, "", symbol))


def require_positive(name: str, value: Any, *, symbol: str | None = None) -> Any:
    """Return ``value`` if every entry is finite and > 0."""
    arr = _as_real(name, value, "> 0", symbol)
    if not np.all(arr > 0):
        raise ValueError(f"{name}={_describe(value)} must be > 0{_suffix(symbol)}")
    return _ret(value, arr)


def require_nonnegative(name: str, value: Any, *, symbol: str | None = None) -> Any:
    """Return ``value`` if every entry is finite and ≥ 0."""
    arr = _as_real(name, value, ">= 0", symbol)
    if not np.all(arr >= 0):
        raise ValueError(f"{name}={_describe(value)} must be >= 0{_suffix(symbol)}")
    return _ret(value, arr)


def require_in_range(
    name: str,
    value: Any,
    low: float,
    high: float,
    *,
    closed: tuple[bool, bool] = (False, False),
    symbol: str | None = None,
) -> Any:
    """Return ``value`` if every entry lies in the interval from ``low`` to ``high``.

    ``closed`` says whether each end belongs to the interval: ``(False, False)`` is (low, high).
    """
    interval = f"{'[' if closed[0] else '('}{low}, {high}{']' if closed[1] else ')'}"
    arr = _as_real(name, value, f"in {interval}", symbol)
    above = arr >= low if closed[0] else arr > low
    below = arr <= high if closed[1] else arr < high
    if not np.all(above & below):
        raise ValueError(f"{name}={_describe(value)} must lie in {interval}{_suffix(symbol)}")
    return _ret(value, arr)


def require_positive_int(name: str, value: Any, *, minimum: int = 1, symbol: str | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer ≥ ``minimum`` (a float like 3.0 is accepted)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, numbers.Real)):
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}{_suffix(symbol)}")
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"{name}={value!r} must be an integer >= {minimum}{_suffix(symbol)}")
    if int(value) < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}{_suffix(symbol)}")
    return int(value)


def require_choice(name: str, value: Any, choices: tuple[Any, ...] | list[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}={value!r} must be one of {', '.join(map(repr, choices))}")
    return value
