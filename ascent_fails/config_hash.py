"""Content keys: equal configurations give equal SHA-256 keys, whatever their key order or container type.

A cached result is stored under ``config_hash`` of everything that determines it (architecture, recipe,
seeds, fingerprints of the data arrays, the cache-format version), so changing any input changes the key
and a stale result is never reused.

>>> spec_a = {"arch": "mlp", "recipe": {"lr": 0.05, "epochs": 30}}
>>> config_hash(spec_a) == config_hash({"recipe": {"epochs": 30, "lr": 0.05}, "arch": "mlp"})
True
>>> canonical_json({"b": (1, 2), "a": float("inf")})
'{"a":"inf","b":[1,2]}'
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from typing import Any

import numpy as np

__all__ = ["plain", "canonical_json", "config_hash", "array_fingerprint"]


def _is_tensor(obj: Any) -> bool:
    # duck-typed so that this module does not import torch (the theory side runs without it)
    return type(obj).__module__.startswith("torch") and hasattr(obj, "detach")


def plain(obj: Any) -> Any:
    """Dataclasses, tuples, numpy scalars and arrays → JSON values (arrays by their fingerprint).

    JSON has no NaN or infinities; they become their ``repr`` (``'nan'``, ``'inf'``, ``'-inf'``) so that
    they stay distinct from every number.
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return plain(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray) or _is_tensor(obj):
        return {"array_sha256": array_fingerprint(obj)}
    if isinstance(obj, np.generic):
        return plain(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    return obj


def canonical_json(obj: Any) -> str:
    """Sorted keys, no whitespace, tuples as lists: equal configurations give equal strings."""
    return json.dumps(plain(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def config_hash(obj: Any) -> str:
    """SHA-256 (hex) of ``canonical_json(obj)``."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def array_fingerprint(*arrays: Any) -> str:
    """SHA-256 over dtype, shape and bytes of each array (C order); numpy arrays and torch tensors alike.

    >>> a = np.arange(6, dtype=np.float32)
    >>> array_fingerprint(a) == array_fingerprint(a.copy()) != array_fingerprint(a.reshape(2, 3))
    True
    """
    digest = hashlib.sha256()
    for array in arrays:
        values = array.detach().cpu().numpy() if _is_tensor(array) else np.asarray(array)
        values = np.ascontiguousarray(values)
        digest.update(f"{values.dtype.str}{values.shape}".encode())
        digest.update(values.tobytes())
    return digest.hexdigest()
