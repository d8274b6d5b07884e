"""Speed of the vectorised phase-diagram solver against a loop of scipy.optimize.fsolve calls, on one grid.

    python bench/bench_phase_solver.py [--n-correlation 60 --n-forget-ratio 60 --repeats 3]

Both paths solve the same three systems on the same (fraction, α, ε) grid (the phase-figure defaults for
|D|, r, λ and the fractions):

* fast: ``numerics.phase_diagram.compute_phase`` (batched Newton for L_D and L_R, batched gradient flow for
  L_DA from the pretrained point, plus classification), best of ``--repeats`` runs;
* slow: for every grid point, ``fsolve_point`` for D (from the origin), R (from the origin) and DA (from
  the D solution): three ``scipy.optimize.fsolve`` calls with the analytic Jacobian, timed once.

It then checks that the two agree (D and R everywhere; DA wherever the flow converged to a local minimum
and fsolve converged, which is where both define the same point) and prints the speed ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from ascent_fails.numerics import correlated_solvers as cs
from ascent_fails.numerics import phase_diagram as pdg
from ascent_fails.theory import correlated_model as cm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-correlation", type=int, default=60)
    parser.add_argument("--n-forget-ratio", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = pdg.PhaseConfig(n_correlation=args.n_correlation, n_forget_ratio=args.n_forget_ratio)
    n_points = len(config.forget_fractions) * config.n_correlation * config.n_forget_ratio
    print(f"grid: {len(config.forget_fractions)} fractions x {config.n_forget_ratio} alpha x {config.n_correlation} "
          f"epsilon = {n_points} points; |D|={config.n_total:g} r={config.group_size:g} ridge={config.ridge:g}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs "
          "(timings on a shared machine are inflated by contention)")

    fast_times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        pdg.compute_phase(config)
        fast_times.append(time.perf_counter() - start)
    fast = min(fast_times)

    eps = np.linspace(config.correlation_min, config.correlation_max, config.n_correlation)
    alpha = np.geomspace(config.forget_ratio_min, config.forget_ratio_max, config.n_forget_ratio)
    frac = np.asarray(config.forget_fractions)[:, None, None]
    e3, a3 = eps[None, None, :], alpha[None, :, None]
    sizes = cm.CorrelatedSizes(config.n_total, frac, config.group_size, config.ridge)
    d_fast = cs.solve_convex("original", e3, a3, sizes)
    r_fast = cs.solve_convex("oracle", e3, a3, sizes)
    da_fast = cs.flow_diff_ascent(e3, a3, sizes, d_fast.x, d_fast.y)

    shape = d_fast.x.shape
    slow = {name: np.full(shape + (2,), np.nan) for name in ("original", "oracle", "diff_ascent")}
    ok = {name: np.zeros(shape, dtype=bool) for name in slow}
    start = time.perf_counter()
    for k, f in enumerate(config.forget_fractions):
        point_sizes = config.sizes(f)
        for i, a in enumerate(alpha):
            for j, e in enumerate(eps):
                for name in ("original", "oracle"):
                    x, y, conv = cs.fsolve_point(name, e, a, point_sizes, (0.0, 0.0))
                    slow[name][k, i, j], ok[name][k, i, j] = (x, y), conv
                x, y, conv = cs.fsolve_point("diff_ascent", e, a, point_sizes, tuple(slow["original"][k, i, j]))
                slow["diff_ascent"][k, i, j], ok["diff_ascent"][k, i, j] = (x, y), conv
    loop = time.perf_counter() - start

    fast_xy = {"original": d_fast, "oracle": r_fast, "diff_ascent": da_fast}
    for name, res in fast_xy.items():
        mask = ok[name] if name != "diff_ascent" else ok[name] & (da_fast.status == cs.FLOW_STATUS["local_min"])
        gap = np.maximum(abs(res.x - slow[name][..., 0]), abs(res.y - slow[name][..., 1]))[mask]
        print(f"{name:12s}: fsolve converged at {int(ok[name].sum())}/{n_points}; compared at {int(mask.sum())} "
              f"points, max |fast - fsolve| = {gap.max() if gap.size else float('nan'):.2e}")
    print(f"DA flow status counts {dict(zip(cs.FLOW_STATUS, np.bincount(da_fast.status.ravel(), minlength=4)))}")
    print(f"fast vectorised grid solver: {fast:.3f} s (best of {args.repeats}: "
          f"{', '.join(f'{t:.3f}' for t in fast_times)})")
    print(f"loop of fsolve (3 systems per point): {loop:.3f} s")
    print(f"speed ratio (loop / fast): {loop / fast:.1f}x")


if __name__ == "__main__":
    main()
