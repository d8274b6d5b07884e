r"""The slow reference for Lemma 2: stationary points of the axis objectives by root finding, no closed form.

Each axis objective is L(w) = λ z e^{−w} + (λ/2) w², so L'(w) = 0 ⇔ w e^w = z. Here z is derived by SymPy from
the objective itself, z = −L'(0)/λ (:func:`theory.closed_form_symbolic.lambert_arguments`), and each root of
L'(w) = 0 is found by a bracketing solver on the log form of the equation: no Lambert W is evaluated, so a
wrong argument or a wrong branch in :mod:`theory.closed_form` or :mod:`theory.closed_form_mp` disagrees with it.

>>> ref = stationary_points_root_mp(900, 100, 50, '0.112', '0.01', dps=30)
>>> ref.converged, ref.points.regime, mpmath.nstr(ref.points.descent_ascent_maximum, 12)
(True, 2, '-4.65048732423')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import mpmath

from ascent_fails.theory.axis_parameters import validate_mp_parameters
from ascent_fails.theory.closed_form import StationaryPoints
from ascent_fails.theory.closed_form_symbolic import lambert_arguments
from ascent_fails.theory.lambert import validate_dps
from ascent_fails.validate import require_choice

__all__ = ["RootResult", "stationary_point_root_mp", "RootedStationaryPoints", "stationary_points_root_mp"]


@dataclass(frozen=True)
class RootResult:
    """A stationary point found by root finding on L'(w) = 0 (the slow, independent route to Lemma 2)."""

    value: Any  # the root w (mpmath number)
    converged: bool  # |residual| <= tolerance
    steps: int  # solver iterations used (bracket expansions included)
    residual: Any  # ln(w e^w / z), the relative residual of L'(w) = 0


def stationary_point_root_mp(argument: Any, branch: Literal[0, -1] = 0, dps: int = 50) -> RootResult:
    """Solve L'(w) = 0, i.e. w e^w = z, by mpmath's bracketing Anderson solver on the ``branch`` of W.

    The equation is solved in log form, g(w) = w + ln|w| − ln|z| = 0 (w and z share a sign), which stays well
    scaled for z up to 1e300. Brackets: W_0(z) ∈ [z/(1+z), ln(1+z)] for z > 0 (from z/(1+z) ≤ ln(1+z));
    W_0(z) ∈ [−1, z] for −1/e ≤ z < 0; W_{−1}(z) ∈ [b, −1] with b doubled until g(b) < 0. No Lambert W is
    evaluated, so this is a route to Lemma 2 independent of the closed form.

    >>> root = stationary_point_root_mp(5, dps=30)
    >>> root.converged, mpmath.nstr(root.value * mpmath.exp(root.value), 12)   # W e^W = z
    (True, '5.0')
    """
    require_choice("branch", branch, (0, -1))
    dps = validate_dps(dps)
    with mpmath.workdps(dps + 10):
        z = mpmath.mpf(argument)
        if z < -mpmath.exp(-1) or (branch == -1 and z >= 0):
            raise ValueError(f"argument={mpmath.nstr(z, 20)} has no real W_{branch} (z >= -1/e; z < 0 for W_-1)")
        if z == 0:
            return RootResult(value=mpmath.mpf(0), converged=True, steps=0, residual=mpmath.mpf(0))

        def g(w: mpmath.mpf) -> mpmath.mpf:
            return w + mpmath.log(abs(w)) - mpmath.log(abs(z))  # ln(w e^w / z)

        steps = 0
        if z > 0:
            bracket = (z / (1 + z), mpmath.log1p(z))
        elif branch == 0:
            bracket = (mpmath.mpf(-1), z)
        else:
            low = mpmath.mpf(-2)
            while g(low) >= 0:  # g(−1) = −1 − ln(−z) ≥ 0 and g → −∞ as w → −∞
                low, steps = 2 * low, steps + 1
            bracket = (low, mpmath.mpf(-1))
        ends = [w for w in bracket if g(w) == 0]
        if ends:
            w = ends[0]
        else:
            w = mpmath.findroot(g, bracket, solver="anderson", verify=False, maxsteps=500)
            steps += 1
        residual = g(w)
        converged = abs(residual) <= mpmath.mpf(10) ** (2 - dps)
    with mpmath.workdps(dps):
        return RootResult(value=+w, converged=bool(converged), steps=steps, residual=+residual)


@dataclass(frozen=True)
class RootedStationaryPoints:
    """Stationary points found by root finding on L'(w) = 0, with each root's convergence record."""

    points: StationaryPoints  # same fields as stationary_points_mp, values from root finding
    roots: tuple[RootResult, ...]  # every root solved (pretrained, oracle, then the DA ones that exist)
    converged: bool  # all roots converged

    def max_relative_difference(self, other: StationaryPoints) -> Any:
        """Largest |a − b|/max(1, |b|) over the finite fields (inf if regimes differ): agreement with a fast path."""
        if other.regime != self.points.regime:
            return mpmath.inf
        fields = ("pretrained", "oracle", "descent_ascent", "descent_ascent_maximum")
        pairs = [(getattr(self.points, k), getattr(other, k)) for k in fields]
        return max(abs(a - b) / max(1, abs(b)) for a, b in pairs if a is not None and mpmath.isfinite(a))


def stationary_points_root_mp(
    n_retain: Any, n_forget: Any, n_retain_axis: Any, forget_ratio_axis: Any, ridge: Any, dps: int = 50
) -> RootedStationaryPoints:
    """The slow reference for :func:`theory.closed_form_mp.stationary_points_mp`: no closed form is used.

    Each Lambert argument is derived by SymPy from the objective itself, z = −L'(0)/λ (L = λ z e^{−w} + λw²/2 on
    an axis), and each stationary point is a root of L'(w) = 0 found by :func:`stationary_point_root_mp`.

    >>> from ascent_fails.theory.closed_form_mp import stationary_points_mp
    >>> ref = stationary_points_root_mp(900, 100, 50, '0.112', '0.01')
    >>> fast = stationary_points_mp(900, 100, 50, '0.112', '0.01')
    >>> ref.converged, ref.points.regime, abs(ref.points.descent_ascent_maximum - fast.descent_ascent_maximum) < 1e-45
    (True, 2, True)
    """
    dps = validate_mp_parameters(n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge, dps)
    with mpmath.workdps(dps):
        values = [mpmath.mpf(v) for v in (n_retain, n_forget, n_retain_axis, forget_ratio_axis, ridge)]
        z = {name: f(*values) for name, f in lambert_arguments().items()}
        branch_point = -mpmath.exp(-1)
        z_da = z["descent_ascent"]
        regime = 1 if z_da >= 0 else (2 if z_da >= branch_point else 3)
    roots = [stationary_point_root_mp(z["pretrained"], 0, dps), stationary_point_root_mp(z["oracle"], 0, dps)]
    if regime != 3:
        roots.append(stationary_point_root_mp(z_da, 0, dps))
    if regime == 2:
        roots.append(stationary_point_root_mp(z_da, -1, dps))
    points = StationaryPoints(
        pretrained=roots[0].value,
        oracle=roots[1].value,
        descent_ascent=roots[2].value if regime != 3 else mpmath.ninf,
        descent_ascent_maximum=roots[3].value if regime == 2 else None,
        regime=regime,
        argument=z_da,
    )
    return RootedStationaryPoints(points, tuple(roots), all(r.converged for r in roots))
