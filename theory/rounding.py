r"""How an inequality between closed-form weights is judged in floating point (Lemmas 3–5, Corollary 1).

A float closed form carries a few ulps of relative error, so a float inequality w ≤ w' between two of them is
judged with a slack relative to the largest |w| compared (:func:`rounding_slack`): a violation smaller than that
is rounding, not a counter-example. An mpmath closed form at ``dps`` digits gets the slack 10^(8−dps). The
distance lemmas bound |w − w_ref|; :func:`distance_margin` is the signed slack of such a bound and
:func:`nonnegative` the verdict of every ``holds``.

>>> distance_margin(1.0, 0.25, 1.0, "upper", include_rounding_slack=True) > 0.25
True
>>> nonnegative(-rounding_slack(1.0) / 2 + rounding_slack(1.0))
True
"""

from __future__ import annotations

import functools
from typing import Any, Literal

import mpmath
import numpy as np

from ascent_fails.theory.axis_parameters import scalar_or_array
from ascent_fails.validate import require_choice

__all__ = ["FLOAT_SLACK", "rounding_slack", "distance_margin", "nonnegative"]

#: slack, relative to the largest |w| compared, that a float inequality between closed forms may miss by: each
#: argument carries a few ulps and W_0 is well conditioned on z ≥ 0 (|z W'(z)/W(z)| = 1/(1+W) ≤ 1)
FLOAT_SLACK: float = 64 * float(np.finfo(float).eps)


def rounding_slack(*weights: Any, dps: int | None = None) -> Any:
    """Slack for comparing float (``dps=None``) or ``dps``-digit mpmath closed forms: scale × max |w| (finite ones).

    >>> rounding_slack(1.0, -2.0) == 2 * FLOAT_SLACK
    True
    """
    if dps is not None:
        return mpmath.mpf(10) ** (8 - dps) * max(abs(w) for w in weights if mpmath.isfinite(w))
    finite = [np.where(np.isfinite(w), np.abs(w), 0.0) for w in weights]
    return scalar_or_array(FLOAT_SLACK * functools.reduce(np.maximum, finite))


def distance_margin(
    weight: Any,
    reference: Any,
    bound: Any,
    side: Literal["upper", "lower"],
    include_rounding_slack: bool = False,
) -> Any:
    """Slack of a bound on |w − w_ref| between two closed-form weights (vectorised): bound − |w − w_ref| for an
    upper bound (Lemma 4), |w − w_ref| − bound for a lower bound (Lemma 5); ≥ 0 where the bound holds.

    ``include_rounding_slack`` adds :func:`rounding_slack` of the two weights (the float test of a ``holds``).
    A weight of −inf (DA diverges) gives +inf for a lower bound, −inf for an upper one.

    >>> distance_margin(1.0, 0.25, 1.0, "upper"), distance_margin(1.0, 0.25, 1.0, "lower")
    (0.25, -0.25)
    """
    require_choice("side", side, ("upper", "lower"))
    gap = np.abs(np.asarray(weight) - reference)
    margin = bound - gap if side == "upper" else gap - bound  # the reference weight is finite: no inf − inf
    if include_rounding_slack:
        margin = margin + rounding_slack(weight, reference)
    return scalar_or_array(margin)


def nonnegative(margin: Any) -> Any:
    """margin ≥ 0, a bool for 0-d input, else a bool array: the verdict of every ``holds`` (Lemmas 3–5).

    >>> nonnegative(0.0), nonnegative([-1e-300, 2.0])
    (True, array([False,  True]))
    """
    ok = np.asarray(margin) >= 0
    return bool(ok) if ok.ndim == 0 else ok
