r"""The parameters of the decoupled-axis model of Section 5.1.1, shared by Lemmas 2–5 and Corollary 1.

Paper symbols ↔ parameter names: |R| ``n_retain``, |F| ``n_forget`` (|D| = |R| + |F|), |R_j| ``n_retain_axis``,
α ``forget_ratio_axis`` (|F_j| = α|R_j|; not the α of Section 5.1.2), λ ``ridge``. Counts may be real numbers:
the formulas extend, and nothing requires |R_j| ≤ |R|. Every function of those modules validates its
parameters here, once, in the paper's words (:func:`validate_parameters`), returns a float for scalar input
and an array otherwise (:func:`scalar_or_array`), and is swept over the seeded, consistent data sets of
:func:`sample_axes`.

>>> validate_parameters(n_retain=900, ridge=0.01)
(900.0, 0.01)
>>> s = sample_axes(0, 1000, lambda rng, r, f: f / r * rng.uniform(0, 1, r.shape))
>>> bool(np.all(s.n_retain_axis <= s.n_retain)), bool(np.all(s.forget_ratio_axis * s.n_retain_axis <= s.n_forget))
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ascent_fails.theory.lambert import validate_dps  # lambert imports nothing from theory: no cycle
from ascent_fails.validate import require_nonnegative, require_positive, require_positive_int

__all__ = [
    "PARAMETER_SYMBOLS",
    "validate_parameters",
    "validate_mp_parameters",
    "scalar_or_array",
    "AxisSample",
    "sample_axes",
]

#: parameter name -> (validator, paper symbol and meaning), shared by every module of Section 5.1.1
PARAMETER_SYMBOLS: Mapping[str, tuple[Any, str]] = {
    "n_retain": (require_positive, "|R|, retain-set size"),
    "n_forget": (require_positive, "|F|, forget-set size"),
    "n_retain_axis": (require_positive, "|R_j|, retain samples on axis j"),
    "forget_ratio_axis": (require_nonnegative, "α = |F_j|/|R_j|, forget/retain ratio on axis j"),
    "ridge": (require_positive, "λ, ridge of L_D, L_R, L_DA"),
}


def validate_parameters(**values: Any) -> tuple[Any, ...]:
    """Validate Section 5.1.1 parameters by name (see :data:`PARAMETER_SYMBOLS`); return them in order as floats.

    >>> validate_parameters(ridge=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: ridge=-1.0 must be > 0 (λ, ridge of L_D, L_R, L_DA)
    """
    out = []
    for name, value in values.items():
        check, symbol = PARAMETER_SYMBOLS[name]
        out.append(check(name, value, symbol=symbol))
    return tuple(out)


def scalar_or_array(x: Any) -> Any:
    """A float for 0-d input, else an ndarray: the return convention of every vectorised function here."""
    return float(x) if np.ndim(x) == 0 else np.asarray(x)


def validate_mp_parameters(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any, dps: int
) -> int:
    """Validate the parameters of an mpmath path (scalars; strings like ``'0.1'`` allowed) and return ``dps``.

    ``dps`` must be an integer in [15, 10000] (:func:`theory.lambert.validate_dps`): fewer digits than a double
    would make the reference less accurate than the float path it checks (``dps=0`` gave 2 digits), more would
    make one evaluation take seconds and a sweep hang.
    """
    validate_parameters(
        n_retain=float(n_retain), n_forget=float(n_forget), n_retain_axis=float(n_retain_axis),
        forget_ratio_axis=float(forget_ratio_axis), ridge=float(ridge),
    )
    return validate_dps(dps)


@dataclass(frozen=True)
class AxisSample:
    """Seeded parameter draws for the property sweeps of Section 5.1.1 (arrays of equal length)."""

    seed: int  # numpy default_rng seed that produced the draw
    n_retain: np.ndarray  # |R|, integers log-uniform in [1, 1e6]
    n_forget: np.ndarray  # |F|, integers log-uniform in [1, 1e6]
    n_retain_axis: np.ndarray  # |R_j|, log-uniform in [min(1, cap), cap], cap = min(|R|, |F|/α): consistent sets
    forget_ratio_axis: np.ndarray  # α, from the caller's rule
    ridge: np.ndarray  # λ, log-uniform in [1e-12, 1e3]

    def args(self) -> tuple[np.ndarray, ...]:
        """(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge), the argument order used everywhere here."""
        return self.n_retain, self.n_forget, self.n_retain_axis, self.forget_ratio_axis, self.ridge

    def with_forget_ratio(self, forget_ratio_axis: np.ndarray) -> AxisSample:
        """The same draw with α replaced (|R_j| kept): used to step just outside a lemma's range."""
        return AxisSample(self.seed, self.n_retain, self.n_forget, self.n_retain_axis, forget_ratio_axis, self.ridge)


def sample_axes(
    seed: int,
    size: int,
    forget_ratio: Callable[[np.random.Generator, np.ndarray, np.ndarray], np.ndarray],
) -> AxisSample:
    """Draw ``size`` consistent data sets: |R_j| ≤ |R| and α|R_j| ≤ |F| (where |F|/α ≥ 1; else |R_j| = |F|/α < 1).

    ``forget_ratio(rng, n_retain, n_forget)`` returns α for each draw (the lemma's range).

    """
    size = require_positive_int("size", size)
    rng = np.random.default_rng(seed)
    n_retain = np.floor(10.0 ** rng.uniform(0, 6, size))
    n_forget = np.floor(10.0 ** rng.uniform(0, 6, size))
    ridge = 10.0 ** rng.uniform(-12, 3, size)
    alpha = np.asarray(forget_ratio(rng, n_retain, n_forget), dtype=float)
    with np.errstate(divide="ignore"):
        cap = np.minimum(n_retain, np.where(alpha > 0, n_forget / alpha, np.inf))
    low = np.minimum(1.0, cap)
    n_retain_axis = np.exp(rng.uniform(np.log(low), np.log(cap)))
    n_retain_axis = np.where(cap >= 1, np.clip(np.floor(n_retain_axis), 1, cap), n_retain_axis)  # counts where possible
    return AxisSample(int(seed), n_retain, n_forget, n_retain_axis, alpha, ridge)
