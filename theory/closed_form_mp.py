r"""Lemma 2's closed forms in mpmath at ``dps`` digits: the high-precision route, sharing no float code.

The same Lambert arguments as :mod:`theory.closed_form`, z_D = (1+α)|R_j|/(λ|D|), z_R = |R_j|/(λ|R|),
z_DA = (|F| − α|R|)|R_j|/(λ|R||F|), evaluated in mpmath from the exact binary values of the inputs, and
w = W(z) by :func:`theory.lambert.lambert_w_mp`. The Lemma 3–5 checks compare the float path against it where
a float error would show.

>>> from ascent_fails.theory.closed_form import stationary_points
>>> p = stationary_points_mp(900, 100, 50, 0.05, 0.01, dps=30)
>>> p.regime, mpmath.nstr(p.oracle, 12)
(1, '1.3873807855')
>>> abs(float(p.oracle) - stationary_points(900, 100, 50, 0.05, 0.01).oracle) < 1e-15   # the float path agrees
True
"""

from __future__ import annotations

from typing import Any

import mpmath

from ascent_fails.theory import lambert
from ascent_fails.theory.axis_parameters import validate_mp_parameters
from ascent_fails.theory.closed_form import StationaryPoints

__all__ = ["stationary_points_mp"]


def stationary_points_mp(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any, dps: int = 50
) -> StationaryPoints:
    """:func:`theory.closed_form.stationary_points` in mpmath at ``dps`` ∈ [15, 10000] digits throughout (no float code
    shared); any other ``dps`` is refused with ``ValueError``.

    Inputs are taken exactly (a float is its binary value; strings like ``'0.1'`` are read at ``dps`` digits).
    An argument within 2^(8−prec) (relative) of −1/e is the branch point.

    >>> p = stationary_points_mp(900, 100, 50, '0.112', '0.01')
    >>> p.regime, mpmath.nstr(p.descent_ascent, 15), mpmath.nstr(p.descent_ascent_maximum, 15)
    (2, '-0.0465628405687156', '-4.65048732422756')
    >>> with mpmath.workdps(50): print(mpmath.nstr(p.descent_ascent * mpmath.exp(p.descent_ascent) - p.argument, 3))
    0.0
    """
    dps = validate_mp_parameters(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, dps)
    with mpmath.workdps(dps):
        r, f, rj, a, lam = (mpmath.mpf(v) for v in (n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge))
        z_d = (1 + a) * rj / (lam * (r + f))
        z_r = rj / (lam * r)
        z_da = (f - a * r) * rj / (lam * r * f)  # = (1 − α|R|/|F|)|R_j|/(λ|R|); |F| − α|R| is exact for float inputs
        branch_point = -mpmath.exp(-1)
        if abs(z_da - branch_point) <= abs(branch_point) * mpmath.ldexp(1, 8 - mpmath.mp.prec):
            z_da = branch_point
        regime = 1 if z_da >= 0 else (2 if z_da >= branch_point else 3)
        return StationaryPoints(
            pretrained=lambert.lambert_w_mp(z_d, 0, dps),
            oracle=lambert.lambert_w_mp(z_r, 0, dps),
            descent_ascent=lambert.lambert_w_mp(z_da, 0, dps) if regime != 3 else mpmath.ninf,
            descent_ascent_maximum=lambert.lambert_w_mp(z_da, -1, dps) if regime == 2 else None,
            regime=regime,
            argument=z_da,
        )
