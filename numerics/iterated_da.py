r"""Numerical runs of iterated DA (one descent + one ascent step per iteration) against its first-order theory.

Three questions (docs/theory.md#iterated-vs-simultaneous-da; the η² term is *reconstructed*):

1. **Small η, convergent regime** ((a − b)/(2λ) ≥ −1/e): the iterates of :func:`theory.iterated_da.two_step_map`
   converge to w*(η) = W_0((a − b)/(2λ)) + c₁η + O(η²) for both orders (:func:`iterate`), i.e. to the
   simultaneous-DA point with the ridge doubled, not to Lemma 2's W((a − b)/λ).
2. **Lemma 3's wrong direction** (its range (1 − ρ)/(2 − ρ) ≤ b/a ≤ 1, with |R| ≥ |F|): started at the
   pretrained point w^D, the iterated limit still lies at or below w^D ≤ w^R (:func:`pretrained_point`,
   :func:`oracle_point`); ridge doubling and the η² term do not turn DA towards the oracle. (At first order
   w^D − W_0((a − b)/(2λ)) has argument gap [a(ρ − ½) + b(3/2 − ρ)]/λ > 0; below Lemma 3's lower end, e.g.
   b = 0 at ρ = ½, the gap vanishes and the O(η) drift decides.)
3. **Where simultaneous DA diverges** ((a − b)/λ < −1/e): plain gradient descent on L_DA with the same step
   overflows to −∞, while the iterated map is arrested (:func:`divergent_regime_run`): at W_0((a − b)/(2λ))
   when (a − b)/(2λ) ≥ −1/e, otherwise near the far fixed point ln(ηc/ln(b/a)) of
   :func:`theory.iterated_da.arrested_level` (converged when ln(b/a) < √2, a bounded oscillation around it
   otherwise). Either way the level sinks like ln η as η → 0 and lies below 0 < w^R: the damping is an
   artefact of the finite step, and the overshoot past the oracle remains.

Symbols ↔ parameters: a = ``retain_share`` = |R_j|/|R|, b = ``forget_share`` = |F_j|/|F|, λ = ``ridge``,
η = ``step``, ρ = ``retain_fraction`` = |R|/|D| (so (|R_j| + |F_j|)/|D| = ρa + (1 − ρ)b).

>>> run = iterate(1.0, 0.5, 0.2, 0.1, 1e-2)
>>> w0, c1, _ = iterated_da.fixed_point_coefficients(0.5, 0.2, 0.1)
>>> bool(run.converged) and abs(run.value - w0 - c1 * 1e-2) < 1e-3 * 1e-2
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ascent_fails.theory import iterated_da
from ascent_fails.theory.lambert import lambert_w
from ascent_fails.validate import (
    require_choice,
    require_finite,
    require_in_range,
    require_nonnegative,
    require_positive,
    require_positive_int,
)

__all__ = [
    "IterationResult",
    "DivergentRegimeRun",
    "iterate",
    "pretrained_point",
    "oracle_point",
    "divergent_regime_run",
]

#: |w| beyond which an iterate counts as diverged: e^{−w} overflows a double near w = −709.
DIVERGENCE_LEVEL = 700.0


@dataclass(frozen=True)
class IterationResult:
    """Outcome of iterating a DA scheme (entries are arrays when the inputs were arrays)."""

    value: Any  # last iterate w
    converged: Any  # |w_next − w|/η ≤ tolerance reached (a fixed point of the exact map)
    diverged: Any  # |w| exceeded DIVERGENCE_LEVEL or became non-finite
    steps: Any  # two-step iterations performed (per entry)
    residual: Any  # |w_next − w|/η at the last iterate: the first-order gradient norm |G(w)| up to O(η)


@dataclass(frozen=True)
class DivergentRegimeRun:
    """Simultaneous vs iterated DA from the same start, where simultaneous DA has no fixed point (arrays if vectorised)."""

    simultaneous_diverged: Any  # gradient descent on L_DA with step η left [−700, 700]
    simultaneous_steps: Any  # steps until it did (or the budget)
    iterated: IterationResult  # the iterated map from the same start
    band: tuple[Any, Any]  # (min, max) of the ``window`` iterated-map iterates after ``iterated``
    first_order_limit: Any  # W_0((a − b)/(2λ)) if the doubled-ridge argument is ≥ −1/e, else NaN
    arrested_level: Any  # ln(ηc/ln(b/a)), leading-order far fixed point (theory.iterated_da.arrested_level)
    multiplier: Any  # 1 − ln(b/a)²: the far fixed point is stable iff |multiplier| < 1
    oracle: Any  # w^R = W_0(a/λ) > 0


def iterate(w_init: Any, retain_share: Any, forget_share: Any, ridge: Any, step: Any,
            scheme: str = "descent_first", *, tolerance: float = 1e-11, max_steps: int = 200_000) -> IterationResult:
    """Iterate ``scheme`` (an order of iterated DA, or ``"simultaneous"``) until |w_next − w|/η ≤ ``tolerance``.

    Vectorised over every argument; finished entries are frozen. Near a stable fixed point the error is
    ≈ residual/G'(w*), so ``tolerance`` bounds the distance to w* up to that factor; an entry that does not
    get there in ``max_steps`` is reported unconverged, one that leaves [−700, 700] diverged.
    """
    require_positive("tolerance", tolerance)
    require_positive_int("max_steps", max_steps)
    require_finite("w_init", w_init, symbol="w_0")
    require_choice("scheme", scheme, iterated_da.SCHEMES)
    iterated_da.two_step_map(0.0, retain_share, forget_share, ridge, step)  # validates a, b, λ, η once
    args = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (w_init, retain_share, forget_share, ridge, step)))
    w, a, b, lam, eta = (np.array(v, dtype=float).ravel() for v in args)
    converged = np.zeros(w.shape, dtype=bool)
    diverged = np.zeros(w.shape, dtype=bool)
    steps = np.zeros(w.shape, dtype=int)
    residual = np.full(w.shape, np.inf)
    active = np.arange(w.size)  # indices still iterating; re-sliced only when an entry finishes
    wa, aa, ba, la, ea = w.copy(), a, b, lam, eta
    for count in range(1, max_steps + 1):
        new = iterated_da.two_step_kernel(wa, aa, ba, la, ea, scheme)
        with np.errstate(invalid="ignore"):
            res = np.abs(new - wa) / ea
        wa = new
        done_div = ~np.isfinite(new) | (np.abs(new) > DIVERGENCE_LEVEL)
        done_conv = ~done_div & (res <= tolerance)
        finished = done_conv | done_div
        if finished.any() or count == max_steps:
            w[active], residual[active], steps[active] = wa, res, count
            converged[active], diverged[active] = done_conv, done_div
            active, wa = active[~finished], wa[~finished]
            aa, ba, la, ea = a[active], b[active], lam[active], eta[active]
            if active.size == 0:
                break
    shape = args[0].shape
    scalar = len(shape) == 0

    def out(x: np.ndarray) -> Any:
        return x.reshape(shape).item() if scalar else x.reshape(shape)

    return IterationResult(out(w), out(converged), out(diverged), out(steps), out(residual))


def pretrained_point(retain_share: Any, forget_share: Any, ridge: Any, retain_fraction: Any) -> Any:
    """w^D = W_0((ρa + (1 − ρ)b)/λ), Lemma 2 written with ρ = |R|/|D| ((1+α)|R_j|/|D| = ρa + (1−ρ)b)."""
    rho = require_in_range("retain_fraction", retain_fraction, 0.0, 1.0, symbol="ρ = |R|/|D|")
    a = require_positive("retain_share", retain_share, symbol="a")
    b = require_nonnegative("forget_share", forget_share, symbol="b")
    lam = require_positive("ridge", ridge, symbol="λ")
    return lambert_w((rho * np.asarray(a) + (1 - rho) * np.asarray(b)) / lam)


def oracle_point(retain_share: Any, ridge: Any) -> Any:
    """w^R = W_0(a/λ) (Lemma 2)."""
    return lambert_w(np.asarray(require_positive("retain_share", retain_share, symbol="a"))
                     / require_positive("ridge", ridge, symbol="λ"))


def divergent_regime_run(retain_share: Any, forget_share: Any, ridge: Any, step: Any,
                         order: iterated_da.Order = "descent_first", *, w_init: float = 1.0,
                         max_steps: int = 100_000, window: int = 200) -> DivergentRegimeRun:
    """Simultaneous and iterated DA from ``w_init`` where (a − b)/λ < −1/e (vectorised over a, b, λ, η).

    The iterated map runs up to ``max_steps`` iterations; ``band`` is the range of its next ``window``
    iterates: a point when it converged, an interval when it oscillates around the far fixed point.
    """
    a, b, lam = (np.asarray(require_positive(n, v, symbol=s), dtype=float) for n, v, s in
                 (("retain_share", retain_share, "a"), ("forget_share", forget_share, "b"), ("ridge", ridge, "λ")))
    eta = np.asarray(require_positive("step", step, symbol="η"), dtype=float)
    if np.any((a - b) / lam >= -np.exp(-1.0)):
        raise ValueError("(a − b)/λ must be < −1/e for every entry: simultaneous DA has a fixed point otherwise")
    window = require_positive_int("window", window)
    simultaneous = iterate(w_init, a, b, lam, eta, "simultaneous", max_steps=max_steps)
    bulk = iterate(w_init, a, b, lam, eta, order, max_steps=max_steps)
    w, tail = np.asarray(bulk.value, dtype=float), []
    for _ in range(window):
        w = iterated_da.two_step_kernel(w, a, b, lam, eta, order)
        tail.append(w)
    low, high = np.min(tail, axis=0), np.max(tail, axis=0)
    z = (a - b) / (2 * lam)
    has_limit = z >= -np.exp(-1.0)
    # entries without a first-order limit get b := a (argument 0, always admissible) and are masked to NaN
    limit = np.where(has_limit, iterated_da.first_order_fixed_point(a, np.where(has_limit, b, a), lam), np.nan)
    level, multiplier = iterated_da.arrested_level(a, b, eta, order)

    def out(x: Any) -> Any:
        x = np.asarray(x)
        return x.item() if x.ndim == 0 else x

    return DivergentRegimeRun(
        simultaneous_diverged=out(simultaneous.diverged), simultaneous_steps=out(simultaneous.steps), iterated=bulk,
        band=(out(low), out(high)), first_order_limit=out(limit), arrested_level=out(level),
        multiplier=out(multiplier), oracle=out(oracle_point(a, lam)),
    )


def main() -> int:
    """``python -m numerics.iterated_da``: print the small-η limits and the divergent-regime runs."""
    print("convergent regime: limit vs W0((a-b)/(2 lambda)) + c1 eta")
    for order in iterated_da.ORDERS:
        w0, c1, _ = iterated_da.fixed_point_coefficients(0.5, 0.2, 0.1, order)
        for eta in (1e-1, 3e-2, 1e-2):
            run = iterate(1.0, 0.5, 0.2, 0.1, eta, order)
            print(f"  {order:<14} eta={eta:<6g} limit={run.value:.10f} w0={w0:.10f} "
                  f"(limit-w0)/eta={(run.value - w0) / eta:+.6f} c1={c1:+.6f} converged={run.converged}")
    print("where simultaneous DA diverges ((a-b)/lambda < -1/e):")
    for a, b, lam in ((0.1, 0.13, 0.05), (0.2, 0.3, 0.1), (0.1, 0.6, 0.2)):
        for eta in (5e-2, 1e-2):
            r = divergent_regime_run(a, b, lam, eta)
            print(f"  a={a} b={b} lambda={lam} eta={eta:g}: simultaneous diverged={r.simultaneous_diverged} "
                  f"(step {r.simultaneous_steps}); iterated converged={r.iterated.converged} band=({r.band[0]:.3f}, "
                  f"{r.band[1]:.3f}) first-order limit={r.first_order_limit:.4f} arrested level={r.arrested_level:.3f} "
                  f"multiplier={r.multiplier:.2f} oracle w^R={r.oracle:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
