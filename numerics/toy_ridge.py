r"""The toy's claims along the ridge λ (Section 5.2): where they hold, and the fold where they stop.

The "other basin" minimum of the pretrained landscape exists only for λ below an edge λ*: at λ* it merges
with a saddle (a fold) and the first sub-claim, two pretrained minima, fails. :func:`ridge_sweep` checks the
claims on a grid of λ; :func:`continue_minimum` follows one minimum as λ grows and brackets λ*, which
:func:`theory.toy_model.fold_ridge` then pins to 50 digits.

>>> from ascent_fails.theory.toy_problem import get_variant
>>> sweep = ridge_sweep(get_variant("tanh"), [0.3, 0.1])  # the default λ = 0.1 holds, λ = 0.3 is past the edge
>>> sweep.ridges, sweep.holds, sweep.interval
((0.1, 0.3), (True, False), (0.1, 0.1))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ascent_fails.numerics.toy_claims import check_claims
from ascent_fails.numerics.toy_landscape import GRADIENT_TOLERANCE
from ascent_fails.theory import toy_problem as tp
from ascent_fails.validate import require_finite, require_in_range, require_nonnegative, require_positive

__all__ = ["RidgeSweep", "ridge_sweep", "RidgeContinuation", "continue_minimum"]


@dataclass(frozen=True)
class RidgeSweep:
    """Where the claims hold along a ridge sweep of one variant."""

    variant: dict  # asdict(ToyVariant) at the base ridge
    ridges: tuple[float, ...]  # λ values swept (ascending)
    holds: tuple[bool, ...]  # all five sub-claims reproduced at each λ
    failing: tuple[tuple[str, ...], ...]  # names of the failed sub-claims at each λ
    interval: tuple[float, float] | None  # [λ_lo, λ_hi]: the longest contiguous run of swept λ that holds


def ridge_sweep(variant: tp.ToyVariant, ridges: Sequence[float], forget_copies: int = 2, seed: int = 0) -> RidgeSweep:
    """Check the claims of ``variant`` at every λ in ``ridges`` and report the holding interval.

    ``interval`` is the largest contiguous run of swept λ that holds (the edges lie between it and its failing
    neighbours); None if no λ holds.
    """
    lams = tuple(sorted(float(require_nonnegative("ridge", r, symbol="λ")) for r in ridges))
    results = [check_claims(variant.with_ridge(lam), forget_copies, seed) for lam in lams]
    holds = tuple(r.reproduced for r in results)
    failing = tuple(tuple(c.name for c in r.subclaims if not c.reproduced) for r in results)
    best: tuple[int, int] | None = None
    start = None
    for i, ok in enumerate(holds + (False,)):
        if ok and start is None:
            start = i
        if not ok and start is not None:
            if best is None or i - start > best[1] - best[0] + 1:
                best = (start, i - 1)
            start = None
    interval = None if best is None else (lams[best[0]], lams[best[1]])
    return RidgeSweep(asdict(variant), lams, holds, failing, interval)


@dataclass(frozen=True)
class RidgeContinuation:
    """A minimum followed as λ grows until it disappears (a fold), with the bracket of the edge."""

    objective: str
    ridge_holding: float  # last λ at which the followed minimum exists (Newton converged, Hessian PD)
    ridge_failing: float | None  # first λ at which it no longer exists; None if it survived up to max_ridge
    a: float  # the minimum at ridge_holding
    b: float
    steps: int


def continue_minimum(objective: str, variant: tp.ToyVariant, start: Sequence[float], max_ridge: float,
                     factor: float = 1.02, forget_copies: int = 2) -> RidgeContinuation:
    """Follow the minimum near ``start`` (at the variant's λ) while λ grows by ``factor`` up to ``max_ridge``.

    At each λ, Newton steps from the previous minimum must converge to a point with a positive-definite
    Hessian that stays close (a jump means the minimum vanished and Newton found another critical point).
    The edge λ* of existence then lies in (ridge_holding, ridge_failing]; :func:`theory.toy_model.fold_ridge`
    pins it to 50 digits.
    """
    require_positive("max_ridge", max_ridge, symbol="λ")
    require_in_range("factor", factor, 1.0, 2.0, closed=(False, True))
    weights = tp.objective_weights(objective, forget_copies)
    theta = np.atleast_1d(require_finite("start", start, symbol="θ = (a, b)")).astype(float)
    lam, steps = variant.ridge, 0
    while lam * factor <= max_ridge:
        trial_variant = variant.with_ridge(lam * factor)
        trial = theta.copy()
        ok = False
        for _ in range(30):
            g = tp.gradient(trial, weights, trial_variant)
            if np.linalg.norm(g) < GRADIENT_TOLERANCE:
                ok = bool(np.linalg.eigvalsh(tp.hessian(trial, weights, trial_variant)).min() > 0)
                break
            trial = trial - np.linalg.solve(tp.hessian(trial, weights, trial_variant), g)
        if not ok or np.linalg.norm(trial - theta) > 0.2 * (1 + np.linalg.norm(theta)):
            return RidgeContinuation(objective, lam, lam * factor, float(theta[0]), float(theta[1]), steps)
        theta, lam, steps = trial, lam * factor, steps + 1
    return RidgeContinuation(objective, lam, None, float(theta[0]), float(theta[1]), steps)
