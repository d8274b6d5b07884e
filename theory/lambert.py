r"""Real branches of the Lambert W function, in double and in arbitrary precision.

W(z) solves W e^W = z. On the reals it has two branches:

* W_0, the principal branch, defined for z ≥ −1/e, with W_0(z) ≥ −1;
* W_{−1}, the lower branch, defined for −1/e ≤ z < 0, with W_{−1}(z) ≤ −1 (W_{−1}(0⁻) = −∞).

Every closed form of Section 5.1 of the paper (Lemmas 2–10) is a value of one of these branches.
:func:`lambert_w_log` evaluates W from ln|z| for arguments beyond the float range, and every mpmath path takes a
working precision ``dps`` in [15, 10000] (:func:`validate_dps`).
The double-precision path wraps :func:`scipy.special.lambertw`, which returns NaN at the float nearest
−1/e (it lies just *below* the true branch point) and complex values just beyond it; here arguments
within a few ulps of −1/e are moved onto the branch point, and anything clearly below it is an error
rather than a NaN.

>>> w = lambert_w(1.0)
>>> abs(w * math.exp(w) - 1.0) < 1e-15
True
>>> float(lambert_w(-math.exp(-1.0)))
-1.0
>>> w = lambert_w_mp('-0.1', branch=-1, dps=50)
>>> with mpmath.workdps(50): print(abs(w * mpmath.exp(w) + mpmath.mpf('0.1')) < mpmath.mpf(10) ** -48)
True
"""

from __future__ import annotations

import math
from typing import Any, Literal

import mpmath
import numpy as np
from scipy.special import lambertw as _scipy_lambertw

__all__ = [
    "BRANCH_FLOOR", "BRANCH_POINT", "MAX_DPS", "MIN_DPS", "lambert_w", "lambert_w_log", "lambert_w_mp", "validate_dps",
]

#: admissible working precision (decimal digits) of every ``*_mp`` function of Section 5.1.1: below 15 digits the
#: mp path is less accurate than the float path it checks; above 10,000 a single Lambert W takes seconds and a
#: sweep would hang, and no check needs more than 80
MIN_DPS: int = 15
MAX_DPS: int = 10_000


def validate_dps(dps: Any) -> int:
    """``dps`` as an int if it is an integer in [MIN_DPS, MAX_DPS] = [15, 10000], else ``ValueError``.

    >>> validate_dps(0)
    Traceback (most recent call last):
    ...
    ValueError: dps=0 must be an integer in [15, 10000] (decimal digits of the mpmath path)
    """
    message = f"dps={dps!r} must be an integer in [{MIN_DPS}, {MAX_DPS}] (decimal digits of the mpmath path)"
    integral = isinstance(dps, (int, np.integer)) and not isinstance(dps, bool)
    whole_float = isinstance(dps, float) and math.isfinite(dps) and dps == int(dps)
    if not (integral or whole_float) or not MIN_DPS <= int(dps) <= MAX_DPS:
        raise ValueError(message)
    return int(dps)

#: −1/e, the branch point shared by W_0 and W_{−1}.
BRANCH_POINT: float = -math.exp(-1.0)

# Relative slack below −1/e still treated as the branch point: float(−1/e) itself is below the true value,
# and arguments computed as products of rounded factors land within a few ulps either side.
_BRANCH_SLACK = 8 * np.finfo(float).eps
#: The lowest argument accepted: anything in [BRANCH_FLOOR, −1/e] is treated as the branch point itself.
BRANCH_FLOOR: float = BRANCH_POINT * (1 + _BRANCH_SLACK)

# 1/e split into a double and its rounding error, so that z + 1/e is computed to full relative precision
# near the branch point (z + _INV_E_HI is exact there by Sterbenz's lemma).
_INV_E_HI = -BRANCH_POINT
with mpmath.workdps(40):
    _INV_E_LO = float(mpmath.exp(-1) - mpmath.mpf(_INV_E_HI))

# Below this value of p² = 2(e·z + 1) the branch-point series is used: its first omitted term is O(p⁷) < 1e-21,
# whereas scipy's W_{−1} loses up to 5 digits there (its iteration starts from a guess without the series).
_SERIES_P2 = 1e-6
# Coefficients of W = Σ c_k p^k about z = −1/e (Corless et al. 1996, Eq. 4.22); p = +√(2(ez+1)) on W_0, −√ on W_{−1}.
_SERIES = (-1.0, 1.0, -1.0 / 3.0, 11.0 / 72.0, -43.0 / 540.0, 769.0 / 17280.0, -221.0 / 8505.0)


# Below this |z| scipy's W_{−1} loses up to ~70 ulps (subnormal z) and returns −inf at the smallest subnormal.
_TINY_LOWER = 1e-300


def _lower_branch_tiny(z: np.ndarray) -> np.ndarray:
    """W_{−1}(z) for −1e-300 < z < 0 by Newton on f(w) = w + ln(−w) − ln(−z) (i.e. w e^w = z in log form).

    Starts from the asymptotic L₁ − L₂ + L₂/L₁ (L₁ = ln(−z), L₂ = ln(−L₁)), already within 1e-4 at these sizes;
    three quadratically convergent steps reach full precision. Entries outside that range are returned as NaN
    and masked out by the caller.
    """
    inside = (z < 0) & (z > -_TINY_LOWER)
    l1 = np.log(-np.where(inside, z, -1e-310))
    l2 = np.log(-l1)
    w = l1 - l2 + l2 / l1
    for _ in range(3):
        w = w - (w + np.log(-w) - l1) / (1 + 1 / w)
    return np.where(inside, w, np.nan)


def lambert_w(z: Any, branch: Literal[0, -1] = 0) -> Any:
    """Real Lambert W on ``branch`` 0 (W_0) or −1 (W_{−1}), vectorised over ``z``.

    Raises ``ValueError`` if any ``z`` lies below −1/e (no real value) or, for W_{−1}, above 0.
    Returns a float for scalar input and a float array otherwise. Within p² = 2(e·z + 1) < 1e-6 of the branch
    point the series W = −1 + p − p²/3 + 11p³/72 − … is used with p computed from z + 1/e to full precision.

    >>> w = lambert_w(-math.exp(-1.0) + 1e-12, branch=-1)
    >>> abs(w * math.exp(w) - (-math.exp(-1.0) + 1e-12)) < 1e-27
    True
    """
    if branch not in (0, -1):
        raise ValueError(f"branch={branch!r} must be 0 (W_0) or -1 (W_-1)")
    zz = np.asarray(z, dtype=float)
    if not np.all(np.isfinite(zz)):
        raise ValueError(
            "z contains NaN or inf; the Lambert W argument must be a finite real number >= -1/e "
            "(for arguments beyond the float range use lambert_w_log with ln|z|)"
        )
    if np.any(zz < BRANCH_FLOOR):
        raise ValueError(f"z={zz.min()!r} must be >= -1/e = {BRANCH_POINT!r} for a real Lambert W value")
    if branch == -1 and np.any(zz > 0):
        raise ValueError(f"z={zz.max()!r} must lie in [-1/e, 0] for the lower branch W_-1")
    # p² = 2(e·z + 1) = 2e(z + 1/e), clamped at 0 for arguments within the slack below −1/e
    # only arguments near −1/e use p; the min() keeps huge z from overflowing in a value that is discarded
    p2 = np.maximum(2 * math.e * (np.minimum(zz, 1.0) + _INV_E_HI + _INV_E_LO), 0.0)
    near = p2 < _SERIES_P2
    p = np.sqrt(np.where(near, p2, 0.0)) * (1.0 if branch == 0 else -1.0)
    series = np.polynomial.polynomial.polyval(p, _SERIES)
    safe = np.where(near, 0.0 if branch == 0 else -0.1, zz)
    with np.errstate(divide="ignore"):
        w = _scipy_lambertw(safe, k=branch).real
    w = np.where(near, series, w)
    if branch == -1:
        w = np.where(zz == 0, -np.inf, np.where(zz > -_TINY_LOWER, _lower_branch_tiny(zz), w))
    return float(w) if np.ndim(z) == 0 else w


#: ln z above which W_0 is computed from ln z (:func:`lambert_w_log`) rather than from z; z = e^690 ≈ 1e299
LOG_ARGUMENT_ABOVE: float = 690.0


def lambert_w_log(log_abs_z: Any, branch: Literal[0, -1] = 0) -> Any:
    r"""W_0(e^L) (``branch=0``, L ≥ 2) or W_{−1}(−e^L) (``branch=-1``, L ≤ −2) from L = ln|z|, vectorised.

    For arguments beyond the float range (|z| up to e^{±10^4}): w e^w = z is solved in log form,
    f(w) = w + ln|w| − L = 0, by Newton's method, w ← w − f(w)/(1 + 1/w), from the asymptotic start
    L₁ − L₂ + L₂/L₁ (L₁ = L on W_0, ln|z| on W_{−1}; L₂ = ln|L₁|), whose error is O((L₂/L₁)²). f is concave
    in w on each branch and its Newton iterates converge monotonically; five steps reach full precision for
    |L| ≥ 2. An absolute error δL in L gives δW = δL·|W|/|1 + W| ≈ δL: L = ln|z| computed as a sum of logs
    (error ~ u·|L|) keeps W to a few ulps of itself.

    >>> w = lambert_w_log(1000.0)     # W_0(e^1000), z far beyond the largest float
    >>> abs(w + math.log(w) - 1000.0) < 1e-12
    True
    """
    if branch not in (0, -1):
        raise ValueError(f"branch={branch!r} must be 0 (W_0) or -1 (W_-1)")
    ll = np.asarray(log_abs_z, dtype=float)
    if not np.all(np.isfinite(ll)):
        raise ValueError("log_abs_z must be finite (ln|z| of the Lambert W argument)")
    if branch == 0 and np.any(ll < 2):
        raise ValueError(f"log_abs_z={ll.min()!r} must be >= 2 for W_0 in log form (z >= e^2; use lambert_w below)")
    if branch == -1 and np.any(ll > -2):
        raise ValueError(f"log_abs_z={ll.max()!r} must be <= -2 for W_-1 in log form (use lambert_w above -e^-2)")
    l2 = np.log(np.abs(ll))
    w = ll - l2 + l2 / ll
    for _ in range(5):
        w = w - (w + np.log(np.abs(w)) - ll) / (1 + 1 / w)
    return float(w) if np.ndim(log_abs_z) == 0 else w


def lambert_w_mp(z: Any, branch: Literal[0, -1] = 0, dps: int = 50) -> mpmath.mpf:
    """W_0 or W_{−1} of ``z`` computed by mpmath with ``dps`` ∈ [15, 10000] decimal digits (scoped, not global)."""
    if branch not in (0, -1):
        raise ValueError(f"branch={branch!r} must be 0 (W_0) or -1 (W_-1)")
    dps = validate_dps(dps)
    with mpmath.workdps(dps):
        zz = mpmath.mpf(z)
        if zz < -mpmath.exp(-1):
            raise ValueError(f"z={mpmath.nstr(zz, 20)} must be >= -1/e for a real Lambert W value")
        if branch == -1 and zz >= 0:
            raise ValueError(f"z={mpmath.nstr(zz, 20)} must lie in [-1/e, 0) for the lower branch W_-1")
        w = mpmath.lambertw(zz, branch)
        return +mpmath.re(w)
