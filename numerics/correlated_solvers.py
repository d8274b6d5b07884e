r"""Exact solutions of the correlated model's three objectives (Section 5.1.2), vectorised over whole grids.

Notation and systems: :mod:`theory.correlated_model`. In the margins Z = (X, Y) every objective divided by
λ is E(Z) = c_X e^{−X} + c_Y e^{−Y} + ½‖M^{−1}Z‖², its stationarity residual is F = M∇_w E, and gradient
flow on L(w) is dZ/dτ = −F(Z) (τ = λt).

* L_D and L_R are strictly convex: :func:`solve_convex` runs Newton's method with Armijo backtracking on E
  (the Newton step for F = 0 is the Newton step for E, because F = M² ∇_Z E).
* L_DA is not convex and is unbounded below. Its solution is *defined* as the limit of gradient flow on
  L_DA started from the pretrained weights; :func:`flow_diff_ascent` integrates that flow with a linearly
  implicit Euler scheme whose step is controlled by a local-error estimate (so the discrete path follows
  the flow; near a stable equilibrium the steps grow and become Newton steps). Each point ends with one of
  the :data:`FLOW_STATUS` codes. Divergence is certified, not guessed: V = (1+ε²)X − 2εY obeys
  dV/dτ = −V + p(1−ε²)²e^{−X} ≥ −V, so V ≥ V_min = min(V(0), 0) for ever; hence
  dY/dτ ≤ −Y + B e^{−κY} − a e^{−Y} with κ = 2ε/(1+ε²) < 1, B = 2pε e^{−V_min/(1+ε²)}, a = q(1+ε²).
  With t = −Y ≥ 1 the right side is e^t[t e^{−t} + B e^{−(1−κ)t} − a], whose bracket decreases in t, so
  once the bracket is negative Y decreases to −∞ (in finite time).

Slow references kept beside the fast paths (used by tests and ``bench/bench_phase_solver.py``):
:func:`fsolve_point` (``scipy.optimize.fsolve`` on one point) and :func:`flow_point_reference`
(``scipy.integrate.solve_ivp`` on one point).

>>> from ascent_fails.theory.correlated_model import CorrelatedSizes, oracle_margins
>>> sizes = CorrelatedSizes(1e4, 0.1, 100, 1e-2)
>>> r = solve_convex("oracle", 0.5, 0.0, sizes)
>>> bool(r.converged), abs(float(r.x) - float(oracle_margins(0.5, sizes)[0])) < 1e-12
(True, True)
>>> d = solve_convex("original", 0.5, 0.03, sizes)
>>> da = flow_diff_ascent(0.5, 0.03, sizes, d.x, d.y)
>>> STATUS_NAMES[int(da.status)], bool(da.x <= d.x)
('local_min', True)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ascent_fails.theory import correlated_model as cm
from ascent_fails.validate import require_positive, require_positive_int

__all__ = [
    "FLOW_STATUS",
    "STATUS_NAMES",
    "SolveResult",
    "FlowResult",
    "solve_convex",
    "flow_diff_ascent",
    "divergence_certified",
    "fsolve_point",
    "flow_point_reference",
]

#: end states of the DA flow, by code
FLOW_STATUS = {"local_min": 0, "diverges": 1, "other_stationary": 2, "unresolved": 3}
STATUS_NAMES = {v: k for k, v in FLOW_STATUS.items()}


class SolveResult(NamedTuple):
    """Stationary point of a convex objective (arrays shaped like the broadcast inputs)."""

    x: Any  # X
    y: Any  # Y
    converged: Any  # bool per point: max|F| ≤ tol·(1 + max(|X|, |Y|))
    steps: int  # Newton steps done (slowest point)
    residual: Any  # max|F| per point


class FlowResult(NamedTuple):
    """End point of gradient flow on L_DA."""

    x: Any  # X at the end (the limit if status is local_min)
    y: Any  # Y at the end
    status: Any  # int code per point, see FLOW_STATUS
    steps: int  # accepted + rejected steps of the slowest point
    residual: Any  # max|F| at the end point


def _solve2(a11, a12, a21, a22, r1, r2):
    """Solve [[a11, a12], [a21, a22]] (u, v) = (r1, r2) elementwise (Cramer's rule)."""
    det = a11 * a22 - a12 * a21
    return (a22 * r1 - a12 * r2) / det, (a11 * r2 - a21 * r1) / det


def _scale(x, y):
    return 1.0 + np.maximum(abs(x), abs(y))


def solve_convex(
    model: str, correlation: Any, forget_ratio: Any, sizes: cm.CorrelatedSizes, *, tol: float = 1e-12,
    max_steps: int = 200,
) -> SolveResult:
    """Stationary point of L_D (``model="original"``) or L_R (``"oracle"``): damped Newton on the convex E.

    Start: X₀ = ln(1 + c_X(1+ε²) + 2c_Yε), Y₀ = ln(1 + 2c_Xε + c_Y(1+ε²)) (ln(1+z) ≥ W_0(z), a cheap
    over-estimate that does not use any closed form). Armijo backtracking on E makes the iteration globally
    convergent for these strictly convex objectives.
    """
    if model not in ("original", "oracle"):
        raise ValueError(f"model={model!r} must be 'original' or 'oracle' (L_DA is not convex: use flow_diff_ascent)")
    eps, alpha = cm.validate_point(correlation, forget_ratio)
    require_positive("tol", tol)
    require_positive_int("max_steps", max_steps)
    cx, cy = cm.loss_weights(model, alpha, sizes)
    shape = _shape(sizes, eps, alpha)
    # work on flat copies (points are masked in and out); _pack restores the shape
    eps, alpha = _flat(eps, shape), _flat(alpha, shape)
    x = _flat(np.log1p(cx * (1 + eps.reshape(shape) ** 2) + 2 * cy * eps.reshape(shape)), shape)
    y = _flat(np.log1p(2 * cx * eps.reshape(shape) + cy * (1 + eps.reshape(shape) ** 2)), shape)
    sizes_b = _broadcast_sizes(sizes, shape)
    steps = 0
    with np.errstate(over="ignore", invalid="ignore"):
        f1, f2 = cm.stationarity_residual(model, x, y, eps, alpha, sizes_b)
        active = np.maximum(abs(f1), abs(f2)) > tol * _scale(x, y)
        while active.any() and steps < max_steps:
            steps += 1
            idx = np.nonzero(active)
            e, a, s = eps[idx], alpha[idx], _take_sizes(sizes_b, idx)
            xa, ya, g1, g2 = x[idx], y[idx], f1[idx], f2[idx]
            j11, j12, j21, j22 = cm.residual_jacobian(model, xa, ya, e, a, s)
            dx, dy = _solve2(j11, j12, j21, j22, -g1, -g2)
            e0 = cm.energy(model, xa, ya, e, a, s)
            # directional derivative of E along the step: ∇_Z E = M^{-2} F
            gx, gy = cm.to_weights(*cm.to_weights(g1, g2, e), e)
            slope = gx * dx + gy * dy
            g_norm = np.maximum(abs(g1), abs(g2))
            t = np.ones_like(xa)
            accepted = np.zeros(xa.shape, dtype=bool)
            for _ in range(60):  # halving 60 times reaches the float resolution of any step
                xt, yt = xa + t * dx, ya + t * dy
                trial = cm.energy(model, xt, yt, e, a, s)
                t1, t2 = cm.stationarity_residual(model, xt, yt, e, a, s)
                # Armijo on E; near the solution E's decrease drowns in rounding, so a step that shrinks the
                # residual is accepted too (the Newton step is then the undamped one)
                decrease = (trial <= e0 + 1e-4 * t * slope) | (np.maximum(abs(t1), abs(t2)) <= 0.5 * g_norm)
                ok = ~accepted & np.isfinite(trial) & decrease
                accepted |= ok
                if accepted.all():
                    break
                t = np.where(accepted, t, t / 2)
            x[idx] = xa + np.where(accepted, t, 0.0) * dx
            y[idx] = ya + np.where(accepted, t, 0.0) * dy
            f1, f2 = cm.stationarity_residual(model, x, y, eps, alpha, sizes_b)
            active = np.maximum(abs(f1), abs(f2)) > tol * _scale(x, y)
    residual = np.maximum(abs(f1), abs(f2))
    return _pack(SolveResult(x, y, ~active, steps, residual), shape)


def divergence_certified(x: Any, y: Any, correlation: Any, forget_ratio: Any, sizes: cm.CorrelatedSizes,
                         v_min: Any) -> Any:
    """True where the DA flow from (X, Y) provably runs off to Y → −∞ (criterion in the module docstring).

    ``v_min`` = min(V(0), 0) with V = (1+ε²)X − 2εY at the flow's start.
    """
    eps = np.asarray(correlation, dtype=float)
    p, q = sizes.scale_oracle, sizes.scale_forget(forget_ratio)
    s = 1 + eps**2
    kappa = 2 * eps / s
    t = -np.asarray(y, dtype=float)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        bracket = t * np.exp(-t) + 2 * p * eps * np.exp(-v_min / s) * np.exp(-(1 - kappa) * t) - q * s
    return (t >= 1) & (bracket < 0)


def flow_diff_ascent(
    correlation: Any, forget_ratio: Any, sizes: cm.CorrelatedSizes, start_x: Any, start_y: Any, *,
    path_tol: float = 1e-3, tol: float = 1e-11, max_steps: int = 5000,
) -> FlowResult:
    """Limit of gradient flow on L_DA from (X, Y) = (start_x, start_y), for every point at once.

    Step: (I + hJ)ΔZ = −hF (linearly implicit Euler, stable for any h); local error estimated by half the
    gap to the explicit Euler step, ½‖ΔZ + hF‖, and kept below ``path_tol``·(1 + ‖Z‖∞). A point stops when
    max|F| ≤ ``tol``·(1 + ‖Z‖∞) (status ``local_min`` if det J > 0 and tr J > 0 there, else
    ``other_stationary``), when divergence is certified (``diverges``), or after ``max_steps``
    (``unresolved``, reported, never hidden).
    """
    eps, alpha = cm.validate_point(correlation, forget_ratio)
    require_positive("path_tol", path_tol)
    require_positive("tol", tol)
    require_positive_int("max_steps", max_steps)
    shape = _shape(sizes, eps, alpha, start_x, start_y)
    eps, alpha = _flat(eps, shape), _flat(alpha, shape)
    sizes_b = _broadcast_sizes(sizes, shape)
    x, y = _flat(start_x, shape), _flat(start_y, shape)
    v_min = np.minimum((1 + eps**2) * x - 2 * eps * y, 0.0)
    status = np.full(x.shape, FLOW_STATUS["unresolved"])
    h = np.full(x.shape, 1e-2)
    model = "diff_ascent"
    steps = 0
    active = np.ones(x.shape, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        while active.any() and steps < max_steps:
            steps += 1
            idx = np.nonzero(active)
            e, a, s = eps[idx], alpha[idx], _take_sizes(sizes_b, idx)
            xa, ya, ha = x[idx], y[idx], h[idx]
            f1, f2 = cm.stationarity_residual(model, xa, ya, e, a, s)
            j11, j12, j21, j22 = cm.residual_jacobian(model, xa, ya, e, a, s)
            scale = _scale(xa, ya)
            done = np.maximum(abs(f1), abs(f2)) <= tol * scale
            dx, dy = _solve2(1 + ha * j11, ha * j12, ha * j21, 1 + ha * j22, -ha * f1, -ha * f2)
            err = 0.5 * np.maximum(abs(dx + ha * f1), abs(dy + ha * f2))
            ok = np.isfinite(dx) & np.isfinite(dy) & (err <= path_tol * scale) & ~done
            xn, yn = np.where(ok, xa + dx, xa), np.where(ok, ya + dy, ya)
            factor = np.where(np.isfinite(err) & (err > 0), 0.9 * np.sqrt(path_tol * scale / err), 5.0)
            h[idx] = ha * np.clip(np.nan_to_num(factor, nan=0.2), 0.2, 5.0)
            x[idx], y[idx] = xn, yn
            minimum = (j11 * j22 - j12 * j21 > 0) & (j11 + j22 > 0)
            diverged = ~done & divergence_certified(xn, yn, e, a, s, v_min[idx])
            st = status[idx]
            st[done] = np.where(minimum[done], FLOW_STATUS["local_min"], FLOW_STATUS["other_stationary"])
            st[diverged] = FLOW_STATUS["diverges"]
            status[idx] = st
            active[idx] = ~(done | diverged)
        f1, f2 = cm.stationarity_residual(model, x, y, eps, alpha, sizes_b)
    residual = np.maximum(abs(f1), abs(f2))
    return _pack(FlowResult(x, y, status, steps, residual), shape)


def fsolve_point(model: str, correlation: float, forget_ratio: float, sizes: cm.CorrelatedSizes,
                 start: tuple[float, float]) -> tuple[float, float, bool]:
    """Slow reference: ``scipy.optimize.fsolve`` on one stationarity system from ``start``; (X, Y, converged)."""
    from scipy.optimize import fsolve

    def residual(z):
        return np.array(cm.stationarity_residual(model, z[0], z[1], correlation, forget_ratio, sizes), dtype=float)

    def jacobian(z):
        j11, j12, j21, j22 = cm.residual_jacobian(model, z[0], z[1], correlation, forget_ratio, sizes)
        return np.array([[j11, j12], [j21, j22]], dtype=float)

    with np.errstate(over="ignore", invalid="ignore"):
        z, _, _, _ = fsolve(residual, np.asarray(start, dtype=float), fprime=jacobian, full_output=True, xtol=1e-12)
        # judged by the residual itself: fsolve's own flag also reports "slow progress" at an exact root
        ok = bool(np.all(np.isfinite(z)) and np.all(np.abs(residual(z)) <= 1e-9 * _scale(*z)))
    return float(z[0]), float(z[1]), ok


def flow_point_reference(correlation: float, forget_ratio: float, sizes: cm.CorrelatedSizes,
                         start: tuple[float, float], *, horizon: float = 1e5) -> tuple[float, float, str]:
    """Slow reference for one point: ``solve_ivp`` (LSODA) on dZ/dτ = −F_DA(Z), polished by :func:`fsolve_point`.

    Stops at the divergence certificate or when max|F| < 1e-8; returns (X, Y, status name).
    """
    from scipy.integrate import solve_ivp

    v_min = min((1 + correlation**2) * start[0] - 2 * correlation * start[1], 0.0)

    def rhs(_t, z):
        f1, f2 = cm.stationarity_residual("diff_ascent", z[0], z[1], correlation, forget_ratio, sizes)
        return [-f1, -f2]

    def diverged(_t, z):
        return -1.0 if divergence_certified(z[0], z[1], correlation, forget_ratio, sizes, v_min) else 1.0

    def settled(_t, z):
        return max(abs(v) for v in rhs(0, z)) - 1e-8

    diverged.terminal = settled.terminal = True
    with np.errstate(over="ignore", invalid="ignore"):
        sol = solve_ivp(rhs, (0.0, horizon), list(start), method="LSODA", events=(diverged, settled),
                        rtol=1e-10, atol=1e-12)
    xe, ye = sol.y[0, -1], sol.y[1, -1]
    if sol.t_events[0].size:
        return float(xe), float(ye), "diverges"
    if not sol.t_events[1].size:
        return float(xe), float(ye), "unresolved"
    x, y, ok = fsolve_point("diff_ascent", correlation, forget_ratio, sizes, (xe, ye))
    j11, j12, j21, j22 = cm.residual_jacobian("diff_ascent", x, y, correlation, forget_ratio, sizes)
    is_min = ok and j11 * j22 - j12 * j21 > 0 and j11 + j22 > 0
    return x, y, "local_min" if is_min else ("other_stationary" if ok else "unresolved")


def _shape(sizes: cm.CorrelatedSizes, *arrays: Any) -> tuple[int, ...]:
    """Broadcast shape of the point arrays and every size field."""
    fields = (sizes.n_total, sizes.forget_fraction, sizes.group_size, sizes.ridge)
    return np.broadcast_shapes(*(np.shape(v) for v in (*arrays, *fields)))


def _broadcast_sizes(sizes: cm.CorrelatedSizes, shape: tuple[int, ...]) -> cm.CorrelatedSizes:
    """The same sizes with every field broadcast to ``shape`` (so that points can be masked out)."""
    fields = [_flat(v, shape) for v in (sizes.n_total, sizes.forget_fraction, sizes.group_size, sizes.ridge)]
    return _UncheckedSizes(*fields)


def _flat(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A writable 1-d float copy of ``value`` broadcast to ``shape``."""
    return np.broadcast_to(np.asarray(value, dtype=float), shape).ravel().copy()


def _take_sizes(sizes: cm.CorrelatedSizes, idx) -> cm.CorrelatedSizes:
    return _UncheckedSizes(sizes.n_total[idx], sizes.forget_fraction[idx], sizes.group_size[idx], sizes.ridge[idx])


class _UncheckedSizes(cm.CorrelatedSizes):
    """Sizes already validated at the boundary; skips re-validation inside the iteration loops."""

    def __post_init__(self) -> None:
        pass


def _pack(result, shape):
    """Reshape the flat per-point fields to ``shape`` (plain Python scalars for scalar input)."""
    fields = [v if isinstance(v, int) else v.reshape(shape) for v in result]
    if shape == ():
        fields = [v if isinstance(v, int) else v.item() for v in fields]
    return type(result)(*fields)
