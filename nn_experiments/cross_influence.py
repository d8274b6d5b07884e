"""The paper's open conjecture (its App. A), tested: GDA degrades as the forget × retain cross-influence grows.

The paper proposes the *cross-influence matrix* between the forget set F and the retain set R as the measure
of harmful dependence and suggests, without testing it, that gradient descent–ascent degrades as its spectral
norm grows. With the datamodel matrix Θ of :mod:`nn_experiments.datamodels` (row i = target i, column j =
training point j; Θ_ij = effect on i's margin of training on j) the cross-influence is the block

    C_F = Θ_{F,R}   [|F| × |R|]: how much each retain point holds up each forget point's margin,

the dependence that descent on R keeps re-teaching while ascent on F tries to undo it. Two statistics per set:

* ``norm`` = ‖Θ_{F,R}‖₂ (largest singular value), the paper's quantity;
* ``normalised`` = ‖Θ_{F,R}‖₂ / √(|F|·|R|). A block whose entries all equal θ has norm |θ|·√(|F||R|), so this
  is the size of the *coherent* per-pair influence, comparable across set sizes. The raw norm grows with |F|
  even for random sets, so on its own it confounds "more dependence" with "a larger set" (larger sets are
  harder for other reasons); the normalised variant separates the two.

The test (:func:`assess_conjecture`): per forget set, the outcomes of GDA and GA in an ``nn run`` — the best
forget KLoM over unbroken configurations, and the fraction of configurations broken (``claims.broken``, with
the set's noise floor ``noise_floor.floor_of``) — and the Spearman rank correlation ρ between each statistic and
each outcome. Decision rule (stated before looking, :data:`ALPHA`): the conjecture is *supported* when, for GDA's
best unbroken forget KLoM against ‖Θ_{F,R}‖₂ (the primary pair), the one-sided permutation test of ρ > 0 gives
p < α; *contradicted* when the one-sided test of ρ < 0 does; *not supported* otherwise. The p-value is exact
(all n! pairings) for n ≤ :data:`EXACT_MAX_N` sets and a seeded Monte Carlo permutation test
(p = (1 + #{ρ* ≥ ρ}) / (1 + B)) above; ρ gets a seeded percentile-bootstrap 95 % interval over sets. The other
pairs are reported beside it as exploratory, without correction.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ascent_fails.validate import require_choice, require_positive_int

__all__ = ["ALPHA", "EXACT_MAX_N", "N_PERMUTATIONS", "N_BOOTSTRAP", "OUTCOMES", "STATISTICS", "cross_influence",
           "cross_influence_table", "rank", "spearman", "permutation_pvalue", "bootstrap_interval",
           "outcomes_per_set", "assess_conjecture", "conjecture_markdown", "conjecture_plot", "conjecture_figure"]

ALPHA = 0.05             # significance level of the decision rule
EXACT_MAX_N = 8          # up to 8! = 40,320 pairings the permutation test enumerates them all
N_PERMUTATIONS = 19_999  # Monte Carlo permutations above EXACT_MAX_N
N_BOOTSTRAP = 2_000      # bootstrap resamples of the forget sets for ρ's interval
OUTCOMES = ("best_unbroken_forget", "fraction_broken", "best_relative_to_pretrained")
STATISTICS = ("norm", "normalised")
_METHODS = ("gda", "ga")
_LABELS = {"best_unbroken_forget": "best unbroken\nforget KLoM", "fraction_broken": "fraction of\nconfigs broken",
           "best_relative_to_pretrained": "best unbroken /\npretrained KLoM"}


def cross_influence(matrix: Any, forget: Any) -> dict[str, float]:
    """``{"norm": ‖Θ_{F,R}‖₂, "normalised": ‖Θ_{F,R}‖₂/√(|F||R|), "size": |F|}`` for forget indices ``forget``.

    >>> theta = np.full((4, 4), 0.5)          # every point influences every other by 0.5
    >>> out = cross_influence(theta, [0])     # block 1 × 3 of 0.5: norm 0.5·√3
    >>> round(out["norm"], 6), round(out["normalised"], 6)
    (0.866025, 0.5)
    """
    theta = np.asarray(matrix, dtype=np.float64)
    if theta.ndim != 2 or theta.shape[0] != theta.shape[1] or not np.all(np.isfinite(theta)):
        raise ValueError(f"matrix must be a finite square datamodel matrix Θ, got shape {theta.shape}")
    n = theta.shape[0]
    idx = np.asarray(forget)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu" or np.unique(idx).size != idx.size:
        raise ValueError("forget must be a non-empty 1-D array of distinct integer indices")
    if idx.min() < 0 or idx.max() >= n or idx.size >= n:
        raise ValueError(f"forget indices must lie in [0, {n}) and leave a non-empty retain set")
    keep = np.ones(n, dtype=bool)
    keep[idx] = False
    block = theta[np.ix_(idx, np.flatnonzero(keep))]
    norm = float(np.linalg.norm(block, 2))
    return {"norm": norm, "normalised": norm / math.sqrt(block.shape[0] * block.shape[1]), "size": int(idx.size)}


def cross_influence_table(matrix: Any, forget_sets: Sequence[Any]) -> dict[str, dict[str, float]]:
    """name → :func:`cross_influence` for every :class:`~nn_experiments.forget_sets.ForgetSet` (``results.json``)."""
    return {fs.name: cross_influence(matrix, fs.indices) for fs in forget_sets}


def rank(values: Any) -> np.ndarray:
    """Ranks 1…n of ``values``, ties given their average rank (the convention of Spearman's ρ).

    >>> rank([10.0, 30.0, 20.0, 20.0]).tolist()
    [1.0, 4.0, 2.5, 2.5]
    """
    v = np.asarray(values, dtype=np.float64)
    order = np.argsort(v, kind="stable")
    ranks = np.empty(v.size)
    sorted_v = v[order]
    start = 0
    for stop in range(1, v.size + 1):  # runs of equal values share the mean of their positions
        if stop == v.size or sorted_v[stop] != sorted_v[start]:
            ranks[order[start:stop]] = (start + stop + 1) / 2.0
            start = stop
    return ranks


def _check_pair(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape or a.size < 3:
        raise ValueError(f"x and y must be 1-D of the same length >= 3, got shapes {a.shape} and {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("x and y must be finite")
    if np.all(a == a[0]) or np.all(b == b[0]):
        raise ValueError("Spearman's rho is undefined when x or y is constant")
    return a, b


def _pearson_rows(rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    """Pearson correlation of ``rx`` [n] with every row of ``ry`` [..., n]."""
    cx = rx - rx.mean()
    cy = ry - ry.mean(axis=-1, keepdims=True)
    return (cy @ cx) / (np.sqrt(np.sum(cx**2)) * np.sqrt(np.sum(cy**2, axis=-1)))


def spearman(x: Any, y: Any) -> float:
    """Spearman's ρ: the Pearson correlation of the (average-tie) ranks of ``x`` and ``y``.

    >>> round(spearman([1, 2, 3, 4], [10, 20, 40, 30]), 12)   # 1 − 6·Σd²/(n(n²−1)) = 1 − 12/60
    0.8
    """
    a, b = _check_pair(x, y)
    return float(_pearson_rows(rank(a), rank(b)[None, :])[0])


def permutation_pvalue(x: Any, y: Any, *, alternative: str = "greater", n_permutations: int = N_PERMUTATIONS,
                       seed: int = 0) -> tuple[float, bool]:
    """(p-value, exact) of Spearman's ρ under H0 "y is exchangeable with respect to x".

    ``alternative``: "greater" (ρ > 0), "less" or "two-sided" (|ρ*| ≥ |ρ|). For n ≤ :data:`EXACT_MAX_N` every
    one of the n! pairings is enumerated and p = #{ρ* ≥ ρ}/n! (exact); above, p = (1 + #{ρ* ≥ ρ})/(1 + B) over
    B seeded random pairings (a valid p-value). A relative tolerance of 1e-12 counts ties of ρ* with ρ.
    """
    a, b = _check_pair(x, y)
    require_choice("alternative", alternative, ("greater", "less", "two-sided"))
    rx, ry = rank(a), rank(b)
    observed = float(_pearson_rows(rx, ry[None, :])[0])
    n = a.size
    exact = n <= EXACT_MAX_N
    if exact:
        perms = np.array(list(itertools.permutations(range(n))))
    else:
        n_permutations = require_positive_int("n_permutations", n_permutations)
        rng = np.random.default_rng(require_positive_int("seed", seed, minimum=0))
        perms = np.argsort(rng.random((n_permutations, n)), axis=1)
    null = _pearson_rows(rx, ry[perms])
    tol = 1e-12 * max(1.0, abs(observed))
    if alternative == "greater":
        hits = int(np.sum(null >= observed - tol))
    elif alternative == "less":
        hits = int(np.sum(null <= observed + tol))
    else:
        hits = int(np.sum(np.abs(null) >= abs(observed) - tol))
    p = hits / len(perms) if exact else (1 + hits) / (1 + len(perms))
    return float(min(1.0, p)), exact


def bootstrap_interval(x: Any, y: Any, *, n_resamples: int = N_BOOTSTRAP, level: float = 0.95,
                       seed: int = 0) -> tuple[float, float, int]:
    """Percentile-bootstrap interval of ρ over resampled (x, y) pairs: (low, high, resamples used).

    Resamples in which x or y is constant (ρ undefined) are left out, and their number is what the third
    value falls short of ``n_resamples``.
    """
    a, b = _check_pair(x, y)
    n_resamples = require_positive_int("n_resamples", n_resamples)
    rng = np.random.default_rng(require_positive_int("seed", seed, minimum=0))
    draws = rng.integers(0, a.size, size=(n_resamples, a.size))
    values = []
    for row in draws:
        xa, yb = a[row], b[row]
        if np.all(xa == xa[0]) or np.all(yb == yb[0]):
            continue
        values.append(float(_pearson_rows(rank(xa), rank(yb)[None, :])[0]))
    if not values:
        raise ValueError("every bootstrap resample had a constant x or y: too few distinct values for an interval")
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high), len(values)


def outcomes_per_set(results: Mapping[str, Any], method: str) -> dict[str, dict[str, Any]]:
    """forget-set name → {best_unbroken_forget (None if every configuration broke), fraction_broken, n_configs,
    best_relative_to_pretrained (best_unbroken_forget / the do-nothing forget KLoM: how much of the starting gap
    is left, which separates "GDA degrades" from "the set started far from its oracles")}.

    Every row of ``method`` in ``results["runs"]`` is one configuration (lr, epochs …); ``claims.broken``
    judges it against the set's do-nothing row and its noise floor with its interval (``noise_floor.floor_of``,
    ``floor_interval_of``).
    """
    from ascent_fails.nn_experiments.claims import broken
    from ascent_fails.nn_experiments.noise_floor import floor_interval_of, floor_of

    sets = {fs["name"]: fs for fs in results["forget_sets"]}
    start = {r["forget_set"]: r for r in results["runs"] if r["method"] == "do_nothing"}
    out: dict[str, dict[str, Any]] = {}
    for name, fs in sets.items():
        rows = [r for r in results["runs"] if r["method"] == method and r["forget_set"] == name]
        if not rows or name not in start:
            continue
        floor, floor_ci = floor_of(results, fs), floor_interval_of(results, fs)
        flags = [bool(broken(r, start[name], floor, floor_ci)) for r in rows]
        # a blind-spot (flagged) configuration is no evidence of unlearning: left out like the claims' difficulty
        usable = [not f and not ((r.get("flags") or {}).get("collapsed") or (r.get("flags") or {}).get("spread"))
                  for r, f in zip(rows, flags)]
        unbroken = [r["klom_p95"]["forget"] for r, ok in zip(rows, usable) if ok]
        best = min(unbroken) if unbroken else None
        pretrained = start[name]["klom_p95"]["forget"]
        out[name] = {"best_unbroken_forget": best, "fraction_broken": sum(flags) / len(flags), "n_configs": len(rows),
                     "best_relative_to_pretrained": None if best is None or pretrained <= 0 else best / pretrained}
    return out


def _test(stat: Mapping[str, float], outcome: Mapping[str, Any], seed: int) -> dict[str, Any]:
    names = sorted(n for n in stat if n in outcome and outcome[n] is not None)
    entry: dict[str, Any] = {"sets": names, "n": len(names)}
    x = [stat[n] for n in names]
    y = [outcome[n] for n in names]
    try:
        entry["rho"] = spearman(x, y)
    except ValueError as exc:  # fewer than 3 sets, or a constant outcome: no test, and the report says why
        entry.update(rho=None, reason=str(exc))
        return entry
    entry["p_greater"], entry["exact"] = permutation_pvalue(x, y, alternative="greater", seed=seed)
    entry["p_less"], _ = permutation_pvalue(x, y, alternative="less", seed=seed)
    entry["ci_low"], entry["ci_high"], entry["bootstrap_used"] = bootstrap_interval(x, y, seed=seed)
    return entry


def assess_conjecture(results: Mapping[str, Any], *, seed: int = 0) -> dict[str, Any] | None:
    """Every (statistic, method, outcome) test and the verdict of the primary one; ``None`` without norms.

    ``results`` is a results.json dict with a ``cross_influence`` entry (name → :func:`cross_influence`).
    """
    table = results.get("cross_influence")
    if not isinstance(table, Mapping) or not table:
        return None
    tests = []
    per_method = {m: outcomes_per_set(results, m) for m in _METHODS}
    for statistic in STATISTICS:
        stat = {name: float(v[statistic]) for name, v in table.items()}
        for method in _METHODS:
            for outcome in OUTCOMES:
                values = {n: o[outcome] for n, o in per_method[method].items()}
                tests.append({"statistic": statistic, "method": method, "outcome": outcome, **_test(stat, values, seed)})
    primary = tests[0]  # norm × gda × best_unbroken_forget (STATISTICS, _METHODS, OUTCOMES each start with it)
    if primary.get("rho") is None:
        verdict = "undecided"
    elif primary["p_greater"] < ALPHA:
        verdict = "supported"
    elif primary["p_less"] < ALPHA:
        verdict = "contradicted"
    else:
        verdict = "not supported"
    return {"alpha": ALPHA, "seed": seed, "verdict": verdict, "primary": primary, "tests": tests,
            "norms": {n: dict(v) for n, v in table.items()}, "outcomes": per_method}


def _fmt_test(t: Mapping[str, Any]) -> str:
    if t.get("rho") is None:
        return f"no test ({t.get('reason', 'too few sets')}; n = {t['n']})"
    return (f"ρ = {t['rho']:+.2f} (95 % bootstrap interval [{t['ci_low']:+.2f}, {t['ci_high']:+.2f}]), "
            f"one-sided p(ρ > 0) = {t['p_greater']:.3g}, p(ρ < 0) = {t['p_less']:.3g} "
            f"({'exact' if t['exact'] else 'Monte Carlo'} permutation test), n = {t['n']} forget sets")


def conjecture_markdown(assessment: Mapping[str, Any] | None) -> str:
    """The report's paragraph: the decision rule, the primary test and its verdict, the exploratory tests."""
    if not assessment:
        return "Not tested (no datamodel matrix, hence no cross-influence norms, in this run)."
    p = assessment["primary"]
    lines = [
        f"Conjecture (paper, App. A): GDA degrades as the spectral norm of the forget × retain cross-influence "
        f"Θ_(F,R) grows. Rule (fixed in advance): **supported** if the one-sided permutation test of Spearman's "
        f"ρ > 0 between ‖Θ_(F,R)‖₂ and GDA's best unbroken forget KLoM gives p < {assessment['alpha']}, "
        f"**contradicted** if the test of ρ < 0 does, otherwise **not supported**; one seed of every ensemble.", "",
        f"Verdict: **{assessment['verdict']}** — {_fmt_test(p)}.", "",
        "| statistic | method | outcome | ρ | 95 % interval | p(ρ>0) | p(ρ<0) | n |", "|---|---|---|---|---|---|---|---|"]
    for t in assessment["tests"]:
        if t.get("rho") is None:
            lines.append(f"| {t['statistic']} | {t['method']} | {t['outcome']} | — | — | — | — | {t['n']} |")
        else:
            lines.append(f"| {t['statistic']} | {t['method']} | {t['outcome']} | {t['rho']:+.2f} | "
                         f"[{t['ci_low']:+.2f}, {t['ci_high']:+.2f}] | {t['p_greater']:.3g} | {t['p_less']:.3g} | {t['n']} |")
    lines += ["", "normalised = ‖Θ_(F,R)‖₂ / √(|F|·|R|) (the coherent per-pair influence, free of the set size); "
              "rows other than the first are exploratory (no multiple-testing correction)."]
    relative = [o["best_relative_to_pretrained"] for o in assessment["outcomes"].get("gda", {}).values()
                if o["best_relative_to_pretrained"] is not None]
    if relative:  # what the primary outcome can and cannot mean on this sweep
        lines += ["", f"GDA's best unbroken forget KLoM is {min(relative):.2f}–{max(relative):.2f} × the do-nothing value "
                  f"across the {len(relative)} sets: where this is close to 1 GDA barely moved the forget set, and a "
                  "correlation with the raw KLoM reflects how far each set *starts* from its oracles rather than GDA "
                  "degrading (the best_relative_to_pretrained rows separate the two)."]
    return "\n".join(lines)


def conjecture_plot(assessment: Mapping[str, Any]) -> Any:
    """Figure: ‖Θ_(F,R)‖₂ against GDA's and GA's outcomes, one point per forget set, ρ in each title."""
    from ascent_fails.numerics.figure_style import FIGURE_WIDTH_INCHES, new_figure, paper_style

    norms = assessment["norms"]
    by_test = {(t["statistic"], t["method"], t["outcome"]): t for t in assessment["tests"]}
    with paper_style():
        fig = new_figure(FIGURE_WIDTH_INCHES, FIGURE_WIDTH_INCHES * 0.3 * len(OUTCOMES))
        axes = fig.subplots(len(OUTCOMES), len(_METHODS), squeeze=False)
        for col, method in enumerate(_METHODS):
            outcomes = assessment["outcomes"].get(method, {})
            for row, outcome in enumerate(OUTCOMES):
                ax = axes[row, col]
                names = [n for n in norms if n in outcomes and outcomes[n][outcome] is not None]
                kinds = [n.split("_")[0] for n in names]
                for kind in sorted(set(kinds)):
                    pick = [n for n, k in zip(names, kinds) if k == kind]
                    ax.scatter([norms[n]["norm"] for n in pick], [outcomes[n][outcome] for n in pick], label=kind,
                               s=28, edgecolors="black", linewidths=0.4)
                t = by_test[("norm", method, outcome)]
                rho = "ρ undefined" if t.get("rho") is None else f"ρ = {t['rho']:+.2f}, p(ρ>0) = {t['p_greater']:.2g}"
                ax.set_title(f"{method.upper()}: {rho}")
                ax.set_xlabel(r"cross-influence $\|\Theta_{F,R}\|_2$")
                ax.set_ylabel(_LABELS[outcome])
                if row == 0 and col == 0 and names:
                    ax.legend(title="forget set")
        fig.suptitle(f"App. A conjecture: verdict {assessment['verdict']} (α = {assessment['alpha']})")
    return fig


def conjecture_figure(assessment: Mapping[str, Any], path: str | Path) -> Path:
    """Save :func:`conjecture_plot` atomically to ``path``."""
    from ascent_fails.atomic_io import atomic_savefig
    from ascent_fails.numerics.figure_style import DPI, paper_style

    with paper_style():
        return atomic_savefig(conjecture_plot(assessment), path, dpi=DPI)
