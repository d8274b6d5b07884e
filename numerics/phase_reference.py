r"""An independent reference for the correlated model's phase categories (Figure 4, Section 5.1.2).

Written from the objectives of docs/theory.md#the-correlated-model alone: it imports nothing from
:mod:`numerics.phase_diagram`, :mod:`numerics.correlated_solvers` or :mod:`theory.correlated_model` (no residual,
Jacobian, Lambert W, Newton solver, divergence certificate or ``classify`` of the project), so a defect planted in
any of those cannot leak into it. It is used by ``verify`` (result ``figure4``) and by
``tests/numerics/test_phase_diagram.py``.

Objectives, divided by λ, in the weights w = (w_i, w_j), with X = w_i + εw_j, Y = εw_i + w_j, s = 1 + ε²:

    E_D  = b(e^{−X} + αe^{−Y}) + ½‖w‖²,   E_R = p e^{−X} + ½‖w‖²,   E_DA = p e^{−X} − q e^{−Y} + ½‖w‖²,
    b = r/(λ|D|),  p = r/(λ|R|),  q = αr/(λ|F|).

* **R** (Lemma 6's system, solved without Lambert W): X_R is the root of X − p s e^{−X} (increasing), found by
  bisection; Y_R = 2pεe^{−X_R}.
* **D**: the first equation gives e^{−Y} = (X − bs e^{−X})/(2bαε), so D reduces to one equation
  G_D(X) = Y(X) − 2bεe^{−X} − bαs e^{−Y(X)} = 0, strictly decreasing on (X₀, X₀ + 2bαε) (X₀ the root of
  X − bse^{−X}; G_D → +∞ at X₀ and G_D < 0 at X₀ + 2bαε): bisection.
* **every stationary point of DA**: the first equation gives q e^{−Y} = (p s e^{−X} − X)/(2ε) > 0, so X < X_R;
  with X = X_R − u (u > 0) and A(u) = X_R·expm1(u) + u the system reduces to

      G(u) = ln(2qε) − ln A(u) + (1−ε²)² X_R e^u /(2εs) − s(X_R − u)/(2ε) = 0,    Y = ln(2qε) − ln A(u),

  with G → +∞ at both ends. G is decreasing on (0, u_lo] and increasing on [u_hi, ∞) (bounds from
  A'/A ≥ 1/u for u ≤ 1 and A'/A ≤ e/(e−1) for u ≥ 1, :func:`_scan_range`), so every root is found by a sign scan
  of [u_lo, u_hi] plus at most one root in each tail, each refined by bisection; sampled local minima of G are
  refined too, so a pair of roots closer than the scan step is not missed.
* **the DA flow** from w^D: ``scipy.integrate.solve_ivp`` (LSODA, analytic Hessian) on dw/dτ = −∇_w E_DA.
  It *converges* when ‖∇E‖ falls below a tolerance next to one of the stationary points found (a local minimum
  when the 2×2 Hessian I + pe^{−X}aaᵀ − qe^{−Y}ccᵀ, a = (1, ε), c = (ε, 1), has two positive eigenvalues); it
  *diverges* when its energy falls below E_* − δ, E_* the smallest energy of a stationary point (+∞ if there is
  none): gradient flow decreases E, and a bounded trajectory of an analytic function converges to a stationary
  point (Łojasiewicz), which would have energy < E_*; so the trajectory is unbounded.
* **category** (as Figure 4 defines it): ``ordered`` if the flow converges to a local minimum and X_R ≥ X_D ≥ X_DA,
  Y_R ≥ Y_D ≥ Y_DA; ``diverges``; ``other``. A cell where a margin is within rounding of 0 is flagged ``tied``.

>>> ref = reference_cells(0.5, 0.03, n_total=1e4, forget_fraction=0.1, group_size=100, ridge=1e-2)
>>> str(ref.category[0]), int(ref.n_stationary[0]), bool(ref.x_da[0] <= ref.x_d[0])
('ordered', 2, True)
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ascent_fails.validate import require_in_range, require_nonnegative, require_positive, require_positive_int

__all__ = ["ReferenceCells", "scales", "oracle_point", "original_point", "da_stationary_points", "da_local_min",
           "da_flow",
           "reference_cells", "REFERENCE_CATEGORIES"]

#: category names of the reference (the same names as Figure 4's legend)
REFERENCE_CATEGORIES: tuple[str, ...] = ("ordered", "diverges", "other")

_N_SCAN = 600  # sample points of G between u_lo and u_hi
_BISECT = 200  # bisection steps (more than enough to reach adjacent floats from any bracket below 1e60)


def scales(forget_ratio: Any, n_total: Any, forget_fraction: Any, group_size: Any, ridge: Any):
    """(b, p, q) = (r/(λ|D|), r/(λ|R|), αr/(λ|F|)) with |F| = f|D|, |R| = |D| − |F|."""
    a = np.asarray(require_nonnegative("forget_ratio", forget_ratio, symbol="α"), dtype=float)
    nd = np.asarray(require_positive("n_total", n_total, symbol="|D|"), dtype=float)
    f = np.asarray(require_in_range("forget_fraction", forget_fraction, 0.0, 1.0, symbol="|F|/|D|"), dtype=float)
    r = np.asarray(require_positive("group_size", group_size, symbol="r"), dtype=float)
    lam = np.asarray(require_positive("ridge", ridge, symbol="λ"), dtype=float)
    return r / (lam * nd), r / (lam * nd * (1 - f)), a * r / (lam * nd * f)


def _bisect(fun, lo, hi, steps: int = _BISECT):
    """Vectorised bisection for a sign change of ``fun`` on [lo, hi] (fun(lo), fun(hi) of opposite signs)."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    f_lo = fun(lo)
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        f_mid = fun(mid)
        left = np.sign(f_mid) == np.sign(f_lo)
        lo, hi, f_lo = np.where(left, mid, lo), np.where(left, hi, mid), np.where(left, f_mid, f_lo)
    return 0.5 * (lo + hi)


def _fixed_point_root(c: Any) -> np.ndarray:
    """The root of X − c e^{−X} (c ≥ 0), by bisection on [0, c] (the function is increasing, −c at 0, ≥ 0 at c)."""
    c = np.asarray(c, dtype=float)
    with np.errstate(over="ignore"):
        return _bisect(lambda x: x - c * np.exp(-x), np.zeros_like(c), np.maximum(c, 0.0))


def oracle_point(correlation: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    """(X_R, Y_R): X_R = root of X − p(1+ε²)e^{−X}, Y_R = 2pεe^{−X_R} (Lemma 6's system, no Lambert W)."""
    eps = np.asarray(correlation, dtype=float)
    x = _fixed_point_root(p * (1 + eps**2))
    return x, 2 * p * eps * np.exp(-x)


def original_point(correlation: Any, forget_ratio: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """(X_D, Y_D) of L_D (α > 0) by bisection on G_D (module docstring), parametrised X = X₀ + 2bαε·t, t ∈ (0, 1)."""
    eps, alpha, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (correlation, forget_ratio, b)))
    s = 1 + eps**2
    x0 = _fixed_point_root(b * s)  # X₀ e^{X₀} = bs, so bs e^{−X₀} = X₀
    width = 2 * b * alpha * eps

    def e_minus_y(t):  # (X − bse^{−X})/(2bαε) at X = X₀ + width·t, without cancellation
        return t + x0 * (-np.expm1(-width * t)) / width

    def g(t):
        x = x0 + width * t
        v = e_minus_y(t)
        return -np.log(v) - 2 * b * eps * np.exp(-x) - b * alpha * s * v

    t = _bisect(g, np.full(eps.shape, 1e-300), np.ones(eps.shape))
    return x0 + width * t, -np.log(e_minus_y(t))


class _Roots(NamedTuple):
    x: np.ndarray  # (n, k) X at each stationary point, NaN-padded
    y: np.ndarray  # (n, k) Y
    count: np.ndarray  # (n,) number of stationary points


def _scan_range(eps, x_r):
    """(u_lo, u_hi): G is decreasing on (0, u_lo] and increasing on [u_hi, ∞) (module docstring).

    G' = −A'/A + c e^u + s/(2ε), c = (1−ε²)²X_R/(2εs). For u ≤ 1, A'/A ≥ 1/u, so G' < 0 below
    u_lo = ½ min(1, 1/(ce + s/(2ε))). For u ≥ 1, A'/A ≤ 1 + 1/(e−1) and s/(2ε) ≥ 1, so G' ≥ c e^u − 1/(e−1) > 0
    above u_hi = max(1, ln(1/((e−1)c))) + 1.
    """
    s = 1 + eps**2
    c = (1 - eps**2) ** 2 * x_r / (2 * eps * s)
    u_lo = 0.5 * np.minimum(1.0, 1.0 / (c * math.e + s / (2 * eps)))
    with np.errstate(divide="ignore"):
        u_hi = np.maximum(1.0, np.log(1.0 / ((math.e - 1) * c))) + 1.0
    return u_lo, u_hi


def _g_da(u, eps, x_r, log_2qe):
    """G(u) of the module docstring and Y(u) = ln(2qε) − ln A(u)."""
    s = 1 + eps**2
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        y = log_2qe - np.log(x_r * np.expm1(u) + u)
        g = y + (1 - eps**2) ** 2 * x_r * np.exp(u) / (2 * eps * s) - s * (x_r - u) / (2 * eps)
    return g, y


def da_stationary_points(correlation: Any, p: Any, q: Any, *, n_scan: int = _N_SCAN) -> _Roots:
    """Every stationary point of L_DA, per point (1-D reduction G(u) = 0 of the module docstring).

    ``n_scan`` samples of G between the proven tails; sampled local minima are refined, so a coarser scan still
    finds a pair of roots that a scan step would hide.
    """
    eps, p, q = (np.ravel(v) for v in np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (correlation, p, q))))
    n = eps.size
    x_r, _ = oracle_point(eps, p)
    log_2qe = np.log(2 * q * eps)
    u_lo, u_hi = _scan_range(eps, x_r)
    require_positive_int("n_scan", n_scan, minimum=8)
    frac = np.linspace(0.0, 1.0, n_scan)
    # geometric in u (roots near u = 0 and near u_hi are both resolved)
    u = u_lo[:, None] * (u_hi / u_lo)[:, None] ** frac[None, :]
    g, _ = _g_da(u, eps[:, None], x_r[:, None], log_2qe[:, None])
    brackets = []  # (row, lo, hi)
    rows, cols = np.nonzero(np.sign(g[:, :-1]) != np.sign(g[:, 1:]))
    brackets.append((rows, u[rows, cols], u[rows, cols + 1]))
    # a sampled local minimum of G that stays positive may hide two close roots: refine it (ternary search)
    interior = (g[:, 1:-1] <= g[:, :-2]) & (g[:, 1:-1] <= g[:, 2:]) & (g[:, 1:-1] > 0)
    rows_m, cols_m = np.nonzero(interior)
    if rows_m.size:
        lo, hi = u[rows_m, cols_m], u[rows_m, cols_m + 2]
        e_m, x_m, l_m = eps[rows_m], x_r[rows_m], log_2qe[rows_m]
        for _ in range(100):
            m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
            left = _g_da(m1, e_m, x_m, l_m)[0] < _g_da(m2, e_m, x_m, l_m)[0]
            lo, hi = np.where(left, lo, m1), np.where(left, m2, hi)
        u_min = 0.5 * (lo + hi)
        dip = _g_da(u_min, e_m, x_m, l_m)[0] < 0
        k = np.nonzero(dip)[0]
        brackets.append((rows_m[k], u[rows_m[k], cols_m[k]], u_min[k]))
        brackets.append((rows_m[k], u_min[k], u[rows_m[k], cols_m[k] + 2]))
    # tails: one root below u_lo iff G(u_lo) < 0, one above u_hi iff G(u_hi) < 0
    low_tail = np.nonzero(g[:, 0] < 0)[0]
    brackets.append((low_tail, np.full(low_tail.size, 1e-300), u_lo[low_tail]))
    high_tail = np.nonzero(g[:, -1] < 0)[0]
    if high_tail.size:
        top = u_hi[high_tail].copy()
        for _ in range(2000):  # G → +∞ like e^u: a few doublings suffice
            still = _g_da(top, eps[high_tail], x_r[high_tail], log_2qe[high_tail])[0] < 0
            if not still.any():
                break
            top = np.where(still, top * 2, top)
        brackets.append((high_tail, u_hi[high_tail], top))
    row = np.concatenate([b[0] for b in brackets]).astype(int)
    lo = np.concatenate([b[1] for b in brackets])
    hi = np.concatenate([b[2] for b in brackets])
    roots_u = _bisect(lambda v: _g_da(v, eps[row], x_r[row], log_2qe[row])[0], lo, hi)
    _, roots_y = _g_da(roots_u, eps[row], x_r[row], log_2qe[row])
    count = np.bincount(row, minlength=n)
    k = max(int(count.max(initial=0)), 1)
    xs, ys = np.full((n, k), np.nan), np.full((n, k), np.nan)
    order = np.lexsort((roots_u, row))
    slot = np.zeros(n, dtype=int)
    for i in order:  # at most a few roots per point
        xs[row[i], slot[row[i]]] = x_r[row[i]] - roots_u[i]
        ys[row[i], slot[row[i]]] = roots_y[i]
        slot[row[i]] += 1
    return _Roots(xs, ys, count)


def _weights(x, y, eps):
    det = 1 - eps**2
    return (x - eps * y) / det, (y - eps * x) / det


def _da_energy(x, y, eps, p, q):
    wi, wj = _weights(x, y, eps)
    with np.errstate(over="ignore"):
        return p * np.exp(-x) - q * np.exp(-y) + 0.5 * (wi**2 + wj**2)


def _da_hessian_eigenvalues(x, y, eps, p, q):
    """Eigenvalues of I + pe^{−X}aaᵀ − qe^{−Y}ccᵀ (a = (1, ε), c = (ε, 1)), the Hessian of E_DA in w."""
    u, v = p * np.exp(-x), q * np.exp(-y)
    h = np.empty(np.shape(x) + (2, 2))
    h[..., 0, 0] = 1 + u - v * eps**2
    h[..., 1, 1] = 1 + u * eps**2 - v
    h[..., 0, 1] = h[..., 1, 0] = (u - v) * eps
    return np.linalg.eigvalsh(np.nan_to_num(h))


def da_local_min(x: Any, y: Any, correlation: Any, p: Any, q: Any) -> np.ndarray:
    """True where the stationary point (X, Y) of L_DA is a strict local minimum (both Hessian eigenvalues > 0)."""
    eps = np.asarray(correlation, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        eig = _da_hessian_eigenvalues(np.asarray(x, dtype=float), np.asarray(y, dtype=float), eps, p, q)
    return np.isfinite(np.asarray(x, dtype=float)) & (eig[..., 0] > 0)


def da_flow(correlation: float, p: float, q: float, start_x: float, start_y: float, roots_x, roots_y, *,
            horizon: float = 1e7) -> tuple[float, float, str, list[tuple[float, float]]]:
    """Gradient flow on E_DA from (X, Y) = start, integrated in w by LSODA; (X, Y, status, sampled path).

    ``roots_x``, ``roots_y``: every stationary point (:func:`da_stationary_points`). Status: ``diverges`` (energy
    below every critical value), ``local_min`` / ``saddle`` (settled next to that kind of stationary point) or
    ``unresolved`` (neither within ``horizon``). The sampled path (X, Y) lets a caller test a predicate along it.
    """
    from scipy.integrate import solve_ivp

    eps = float(correlation)
    rx, ry = np.asarray(roots_x, dtype=float), np.asarray(roots_y, dtype=float)
    ok = np.isfinite(rx)
    rx, ry = rx[ok], ry[ok]
    e_star = float(np.min(_da_energy(rx, ry, eps, p, q))) if rx.size else math.inf
    delta = 1e-8 * (1 + abs(e_star)) if rx.size else 0.0
    w0 = _weights(start_x, start_y, eps)

    def parts(w):
        x, y = w[0] + eps * w[1], eps * w[0] + w[1]
        return x, y, p * math.exp(min(-x, 700.0)), q * math.exp(min(-y, 700.0))  # clipped: never reached in practice, the energy event stops first

    def rhs(_t, w):  # −∇E = −w + pe^{−X}a − qe^{−Y}c
        _, _, u, v = parts(w)
        return [-w[0] + u - v * eps, -w[1] + u * eps - v]

    def jac(_t, w):  # −Hessian
        _, _, u, v = parts(w)
        return [[-(1 + u - v * eps**2), -(u - v) * eps], [-(u - v) * eps, -(1 + u * eps**2 - v)]]

    def below(_t, w):
        x, y, u, v = parts(w)
        return u - v + 0.5 * (w[0] ** 2 + w[1] ** 2) - (e_star - delta)

    def settled(_t, w):
        g = rhs(0, w)
        return math.hypot(g[0], g[1]) - 1e-11 * (1 + math.hypot(w[0], w[1]))

    below.terminal = settled.terminal = True
    if not rx.size:  # no critical value at all: E_* = +∞ and the criterion holds at the start
        return float(start_x), float(start_y), "diverges", [(float(start_x), float(start_y))]
    if below(0.0, w0) < 0:  # the criterion already holds at the start
        return float(start_x), float(start_y), "diverges", [(float(start_x), float(start_y))]
    try:
        sol = solve_ivp(rhs, (0.0, horizon), list(w0), method="LSODA", jac=jac, events=(below, settled),
                        rtol=1e-10, atol=1e-12)
    except (ValueError, OverflowError):  # the integrator broke down: say so, never guess
        return float(start_x), float(start_y), "unresolved", [(float(start_x), float(start_y))]
    wi, wj = sol.y[0], sol.y[1]
    path = list(zip((wi + eps * wj).tolist(), (eps * wi + wj).tolist()))
    x_end, y_end = path[-1]
    if sol.t_events[0].size:
        return x_end, y_end, "diverges", path
    if not sol.t_events[1].size:
        return x_end, y_end, "unresolved", path
    dist = np.hypot(rx - x_end, ry - y_end)
    k = int(np.argmin(dist))
    if dist[k] > 1e-6 * (1 + abs(x_end)):
        return x_end, y_end, "unresolved", path
    eig = _da_hessian_eigenvalues(rx[k], ry[k], eps, p, q)
    return float(rx[k]), float(ry[k]), ("local_min" if eig.min() > 0 else "saddle"), path


class ReferenceCells(NamedTuple):
    """Reference solution at each cell (1-d arrays over the cells)."""

    x_r: np.ndarray
    y_r: np.ndarray
    x_d: np.ndarray
    y_d: np.ndarray
    x_da: np.ndarray  # the DA flow's end (its limit when status is local_min)
    y_da: np.ndarray
    status: np.ndarray  # str: local_min / saddle / diverges / unresolved
    category: np.ndarray  # str: ordered / diverges / other
    tied: np.ndarray  # bool: an ordering margin within 1e-9 relative of 0 (category fragile under rounding)
    n_stationary: np.ndarray  # number of DA stationary points
    roots_x: np.ndarray  # (n, k) every DA stationary point, NaN-padded
    roots_y: np.ndarray
    paths: list  # sampled (X, Y) path of each DA flow


def reference_cells(correlation: Any, forget_ratio: Any, *, n_total: Any, forget_fraction: Any, group_size: Any,
                    ridge: Any) -> ReferenceCells:
    """Figure 4's category of every cell (arguments broadcast; the cells are their flattened broadcast)."""
    eps = np.asarray(require_in_range("correlation", correlation, 0.0, 1.0, symbol="ε"), dtype=float)
    arrays = np.broadcast_arrays(eps, *(np.asarray(v, dtype=float) for v in
                                        (forget_ratio, n_total, forget_fraction, group_size, ridge)))
    eps, alpha, nd, f, r, lam = (np.ravel(v) for v in arrays)
    require_positive("forget_ratio", alpha, symbol="α")
    b, p, q = scales(alpha, nd, f, r, lam)
    x_r, y_r = oracle_point(eps, p)
    x_d, y_d = original_point(eps, alpha, b)
    roots = da_stationary_points(eps, p, q)
    n = eps.size
    x_da, y_da = np.empty(n), np.empty(n)
    status = np.empty(n, dtype=object)
    paths = []
    for i in range(n):
        x_da[i], y_da[i], status[i], path = da_flow(eps[i], p[i], q[i], x_d[i], y_d[i], roots.x[i], roots.y[i])
        paths.append(path)
    margins = np.stack([x_r - x_d, x_d - x_da, y_r - y_d, y_d - y_da]) / (1 + np.abs(np.stack([x_d, x_da, y_d, y_da])))
    at_min = status == "local_min"
    ordered = at_min & np.all(margins >= 0, axis=0)
    category = np.where(ordered, "ordered", np.where(status == "diverges", "diverges", "other"))
    tied = at_min & np.any(np.abs(margins) < 1e-9, axis=0)
    return ReferenceCells(x_r, y_r, x_d, y_d, x_da, y_da, status.astype(str), category.astype(str), tied,
                          roots.count, roots.x, roots.y, paths)
