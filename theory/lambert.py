r"""Real branches of the Lambert W function, in double and in arbitrary precision.

W(z) solves W e^W = z. On the reals it has two branches:

* W_0, the principal branch, defined for z ≥ −1/e, with W_0(z) ≥ −1;
* W_{−1}, the lower branch, defined for −1/e ≤ z < 0, with W_{−1}(z) ≤ −1 (W_{−1}(0⁻) = −∞).

Every closed form of Section 5.1 of the paper (Lemmas 2–10) is a value of one of these branches.
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

__all__ = ["BRANCH_POINT", "lambert_w", "lambert_w_mp"]

#: −1/e, the branch point shared by W_0 and W_{−1}.
BRANCH_POINT: float = -math.exp(-1.0)

# Relative slack below −1/e still treated as the branch point: float(−1/e) itself is below the true value,
# and arguments computed as products of rounded factors land within a few ulps either side.
_BRANCH_SLACK = 8 * np.finfo(float).eps


def lambert_w(z: Any, branch: Literal[0, -1] = 0) -> Any:
    """Real Lambert W on ``branch`` 0 (W_0) or −1 (W_{−1}), vectorised over ``z``.

    Raises ``ValueError`` if any ``z`` lies below −1/e (no real value) or, for W_{−1}, above 0.
    Returns a float for scalar input and a float array otherwise.
    """
    if branch not in (0, -1):
        raise ValueError(f"branch={branch!r} must be 0 (W_0) or -1 (W_-1)")
    zz = np.asarray(z, dtype=float)
    if np.any(np.isnan(zz)):
        raise ValueError("z contains NaN; the Lambert W argument must be a real number >= -1/e")
    floor = BRANCH_POINT * (1 + _BRANCH_SLACK)
    if np.any(zz < floor):
        raise ValueError(f"z={zz.min()!r} must be >= -1/e = {BRANCH_POINT!r} for a real Lambert W value")
    if branch == -1 and np.any(zz > 0):
        raise ValueError(f"z={zz.max()!r} must lie in [-1/e, 0] for the lower branch W_-1")
    near = zz <= BRANCH_POINT * (1 - _BRANCH_SLACK)
    safe = np.where(near, 0.0 if branch == 0 else -0.1, zz)
    with np.errstate(divide="ignore"):
        w = _scipy_lambertw(safe, k=branch).real
    w = np.where(near, -1.0, w)
    if branch == -1:
        w = np.where(zz == 0, -np.inf, w)
    return float(w) if np.ndim(z) == 0 else w


def lambert_w_mp(z: Any, branch: Literal[0, -1] = 0, dps: int = 50) -> mpmath.mpf:
    """W_0 or W_{−1} of ``z`` computed by mpmath with ``dps`` decimal digits (scoped, not global)."""
    if branch not in (0, -1):
        raise ValueError(f"branch={branch!r} must be 0 (W_0) or -1 (W_-1)")
    with mpmath.workdps(dps):
        zz = mpmath.mpf(z)
        if zz < -mpmath.exp(-1):
            raise ValueError(f"z={mpmath.nstr(zz, 20)} must be >= -1/e for a real Lambert W value")
        if branch == -1 and zz >= 0:
            raise ValueError(f"z={mpmath.nstr(zz, 20)} must lie in [-1/e, 0) for the lower branch W_-1")
        w = mpmath.lambertw(zz, branch)
        return +mpmath.re(w)
