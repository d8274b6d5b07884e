"""Seeds derived per model, so that no model depends on the ensemble it was trained in.

Every random choice made for model k of an ensemble with base seed s (its initialisation, its data order, its
augmentation) comes from ``model_seeds(s, k)``. Model k of an N-model ensemble therefore equals the model trained
alone with ``first_model=k``, and an ensemble trained in chunks of models equals the one trained at once (the
store trains and caches chunks, :mod:`~ascent_fails.nn_experiments.storage`). The other seeds of the experiments
(each oracle ensemble, the datamodel masks, each unlearning run) are derived the same way from the base seed and
words naming their purpose, so that two purposes never share a stream (:func:`derive_seed`).

>>> model_seeds(0, 3) == model_seeds(0, 3) != model_seeds(0, 4)
True
>>> 0 <= derive_seed(7, "oracle", 1) < SEED_LIMIT
True
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["SEED_LIMIT", "derive_seed", "model_seeds"]

SEED_LIMIT = 2**63  # derived seeds lie in [0, 2**63): valid for torch.Generator.manual_seed and JSON


def derive_seed(*parts: int | str) -> int:
    """A seed in [0, 2⁶³) derived deterministically from integers and strings (strings via SHA-256).

    >>> derive_seed(0, "oracle", 3) == derive_seed(0, "oracle", 3) != derive_seed(0, "oracle", 4)
    True
    """
    words: list[int] = []
    for part in parts:
        if isinstance(part, str):
            words.extend(int.from_bytes(hashlib.sha256(part.encode()).digest()[i : i + 4], "little") for i in (0, 4))
        else:
            value = int(part)
            if value < 0:
                raise ValueError(f"seed part {value} must be >= 0")
            words.extend([value & 0xFFFFFFFF, value >> 32])
    state = np.random.SeedSequence(words).generate_state(2, dtype=np.uint32)
    return (int(state[0]) | (int(state[1]) << 32)) % SEED_LIMIT


def model_seeds(seed: int, model_index: int) -> tuple[int, int]:
    """(initialisation seed, data-order seed) of model ``model_index`` of an ensemble with base ``seed``."""
    return derive_seed(seed, model_index, "init"), derive_seed(seed, model_index, "order")
