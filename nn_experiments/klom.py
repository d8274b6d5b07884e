"""KLoM: the per-point KL divergence between the margin distributions of two model ensembles.

KLoM ("KL divergence of margins", Georgiev et al. 2024, *Attribute-to-Delete*; used by the paper's
Table 1 and Figures 1-3, 6, 7) compares an unlearned ensemble with an ensemble of oracles (models
retrained without the forget set F) point by point. For an evaluation point x the margins of the N
models of each ensemble are two samples a (oracle) and b (unlearned); KLoM(x) is a histogram estimate
of a KL divergence between their distributions, in nats. The semantics below follow
docs/experiments.md#klom (the reference pipeline, "data-unlearning-bench") exactly:

1. clip a and b to ``clip`` = [−100, 100];
2. lo = min(min a, min b), hi = max(max a, max b); if lo ≥ hi then hi = lo + 1 (the range is per point);
3. ``bins + 1`` equally spaced edges from lo to hi (``np.linspace``);
4. bin index of v = number of edges ≤ v (``np.digitize`` = ``searchsorted(side="right")``); only
   indices 1 … bins are counted. **Quirk of the reference, reproduced on purpose:** a value equal to hi
   gets index bins + 1 and is dropped, so the sample(s) at the joint maximum of the two ensembles are
   excluded and the counts sum to less than N. For identical ensembles this drops the same samples
   from both sides; when *every* oracle sample sits at the joint maximum (all oracle margins clipped
   to +100 while the unlearned ones are lower, say) the oracle histogram is empty and KLoM is 0;
5. P = counts_a / Σ counts_a, Q = counts_b / Σ counts_b (all zeros if a sum is 0);
6. where P > 0, Q ← max(Q, eps);
7. KLoM = Σ_k P'_k log(P'_k / Q'_k) after renormalising P and the floored Q to sum 1 (what
   ``scipy.stats.entropy(P, Q)`` does), natural log, 0·log 0 = 0. An empty P gives 0 (the
   reference's masked sum; ``scipy.stats.entropy`` alone would return NaN there).

Direction: ``"oracle_unlearned"`` (default, the reference pipeline) is KL(P_oracle ‖ P_unlearned), i.e.
a = oracle margins; ``"unlearned_oracle"`` is KL(P_unlearned ‖ P_oracle), the direction of the older
Attribute-to-Delete code (whose binning also differed slightly; only the direction is offered here).
Every report prints which one it used
(:class:`~ascent_fails.nn_experiments.klom_groups.KlomSummary` records it).

Reported per group of points (the forget, retain and validation sets) as a 95th percentile:
:mod:`~ascent_fails.nn_experiments.klom_groups`. Its finite-N floor (two independent ensembles from one
distribution do not give 0): :mod:`~ascent_fails.nn_experiments.noise_floor`.

:func:`klom` is vectorised over chunks of points: per-point float64 edges, the right-sided bin index
read off arithmetically and made exact where a sample lies near an edge (see ``_bin_counts``), one
``bincount`` per ensemble and chunk; a point's value does not depend on the other points of its chunk.
Its slow reference, the plain per-point loop with ``np.digitize`` and ``scipy.stats.entropy``, is
:mod:`~ascent_fails.nn_experiments.klom_reference`, kept for the tests and the benchmark
(``bench/bench_klom.py``: about 0.1 s for N = 100 × P = 60,000).

>>> import numpy as np
>>> from ascent_fails.nn_experiments.klom_reference import klom_reference
>>> rng = np.random.default_rng(0)
>>> oracle, unlearned = rng.normal(size=(100, 5)), rng.normal(size=(100, 5))
>>> bool(np.allclose(klom(oracle, unlearned), klom_reference(oracle, unlearned), rtol=1e-12, atol=1e-12))
True
>>> float(klom(oracle, oracle).max())   # identical ensembles
0.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ascent_fails.nn_experiments.names import KLOM_DIRECTIONS
from ascent_fails.validate import require_choice, require_in_range, require_positive, require_positive_int

__all__ = ["DIRECTIONS", "klom", "validated_inputs"]

#: "oracle_unlearned" = KL(P_oracle ‖ P_unlearned) (reference pipeline); "unlearned_oracle" = the reverse
DIRECTIONS = KLOM_DIRECTIONS

# Points are processed in chunks of columns: the ~10 elementwise passes over a chunk's work buffers
# ([N_oracle + N_unlearned, chunk] float64, 1.6 MB at N = 100) then run from cache, and the per-chunk
# Python overhead (~30 numpy calls) stays small. 1024 was the fastest of 256 … 4096 on the benchmark input.
_CHUNK_POINTS = 1024
# A column whose bound on the rounding error of the arithmetic bin position (see _bin_counts) exceeds this
# is binned by comparing with all of its edges instead (the step is too small for arithmetic).
_MAX_TOLERANCE = 0.01


def _as_margins(name: str, value: Any) -> np.ndarray:
    """Margins [N, P] as float64 numpy (torch tensors accepted); ±inf allowed (clipped), NaN not."""
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch here
        value = value.detach().cpu().numpy()
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} has shape {arr.shape}; it must be a 2-D array [n_models ≥ 1, n_points ≥ 1]")
    if np.isnan(arr.min()):  # min propagates NaN: one read pass, no [N, P] mask unless there is a NaN
        bad = np.argwhere(np.isnan(arr))
        raise ValueError(f"{name} holds {len(bad)} NaN value(s), first at [model, point] = {bad[0].tolist()}")
    return arr


def validated_inputs(oracle_margins: Any, unlearned_margins: Any, bins: int, eps: float, clip: tuple[float, float],
                     direction: str) -> tuple[np.ndarray, np.ndarray, int, float, tuple[float, float]]:
    """The arguments of :func:`klom`, checked once: (oracle [N_o, P], unlearned [N_u, P] float64, bins, eps, clip).

    A ``ValueError`` names the first bad argument.
    """
    oracle = _as_margins("oracle_margins", oracle_margins)
    unlearned = _as_margins("unlearned_margins", unlearned_margins)
    if oracle.shape[1] != unlearned.shape[1]:
        raise ValueError(f"oracle_margins has {oracle.shape[1]} points but unlearned_margins has "
                         f"{unlearned.shape[1]}; the point axis (axis 1) must match")
    bins = require_positive_int("bins", bins)
    eps = require_positive("eps", eps, symbol="floor on Q where P > 0")
    if len(clip) != 2:
        raise ValueError(f"clip={clip!r} must be a pair (lo, hi)")
    lo, hi = (float(require_in_range("clip", c, -np.inf, np.inf)) for c in clip)
    if not lo < hi:
        raise ValueError(f"clip={clip!r} must satisfy lo < hi")
    require_choice("direction", direction, DIRECTIONS)
    return oracle, unlearned, bins, eps, (lo, hi)


def _edges(lo: np.ndarray, hi: np.ndarray, bins: int) -> np.ndarray:
    """Edges [n, bins+1], row i equal to ``np.linspace(lo[i], hi[i], bins + 1)`` bit for bit.

    A batched ``np.linspace`` would switch *every* row to its denormal branch when one row's step
    underflows to 0, so the branch is taken per row here, as the per-point reference takes it.
    """
    k = np.arange(bins + 1, dtype=np.float64)                        # [bins+1]
    delta = hi - lo                                                  # [n]
    step = delta / bins                                              # [n]
    regular = k[None, :] * step[:, None]                             # [n, bins+1]
    denormal = (k[None, :] / bins) * delta[:, None]                  # linspace's branch when step == 0
    edges = np.where((step == 0)[:, None], denormal, regular) + lo[:, None]
    edges[:, -1] = hi
    return edges


def _work_buffers(n_rows: int, n_points: int) -> tuple[np.ndarray, ...]:
    """Flat scratch buffers of :func:`_bin_counts` for chunks of up to n_points columns, n_rows samples."""
    size = n_rows * n_points
    return (np.empty(size), np.empty(size), np.empty(size, dtype=np.intp),
            np.empty(size, dtype=bool), np.empty(size, dtype=bool))


def _bin_counts(a: np.ndarray, b: np.ndarray, clip: tuple[float, float], bins: int,
                work: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1-4 for one chunk of c points: counts [c, bins] of a [N_a, c] and of b [N_b, c].

    a and b are the raw (unclipped) margins; ``work`` (:func:`_work_buffers`) holds flat scratch buffers
    of at least (N_a + N_b)·c entries, so that no pass over the samples allocates. Both ensembles are stacked
    in one [N_a + N_b, c] buffer and every column j gets its own block of bins + 2 counters, base_j =
    j·(bins + 2) + 1, so one ``bincount`` per ensemble counts every point of the chunk at once. The
    bin index (number of edges ≤ v, ``searchsorted(side="right")``) is exact:

    * arithmetic: pos = fl(fl(x·r) − s) with r = fl(1/step), s = fl(fl(lo·r) − base) approximates
      base + (x − lo)/step. With u = 2⁻⁵³, L = max(|lo|, |hi|) and a normal step, its error for
      lo ≤ x ≤ hi is ≤ u(5.1·L/step + 2·base + bins + 1) (+ a subnormal-sized term), and an edge
      e_k = fl(fl(k·step) + lo) (e_bins = hi) lies within u(k + 4.1·L/step) steps of lo + k·step.
      ``tol`` = 1e-6 + 1e-12·((|lo| + |hi|)/step + base + bins) exceeds the sum of both bounds > 500×,
      so where pos lies more than tol from an integer, ⌊pos⌋ − base + 1 is the exact index;
    * within tol of an integer base + m (m in 1 … bins after the clip to [0.5, bins + 0.5]) the sample
      lies strictly between e_(m−1) and e_(m+1), so the index is m + [v ≥ e_m], with e_m computed as
      ``np.linspace`` computes it (e_bins = hi);
    * columns where the bound is useless (step 0, subnormal or non-finite, tol > 1 %) and constant
      columns (lo ≥ hi, hi := lo + 1) compare every sample with all bins + 1 edges
      (:func:`_count_edges_below`).
    """
    n_a, c = a.shape
    rows = n_a + b.shape[0]
    pos, whole, flat = (buf[:rows * c].reshape(rows, c) for buf in work[:3])
    near_low, near_high = (buf[:rows * c].reshape(rows, c) for buf in work[3:])
    # step 2 on clipped values; clip is monotone, so min(clip(a)) = clip(min(a)) and no clipped copy is made
    lo = np.clip(np.minimum(a.min(axis=0), b.min(axis=0)), *clip)    # [c]
    hi = np.clip(np.maximum(a.max(axis=0), b.max(axis=0)), *clip)
    constant = lo >= hi
    hi = np.where(constant, lo + 1.0, hi)
    base = np.arange(c) * float(bins + 2) + 1.0                      # [c] counter block of each column
    # hi − lo may overflow for clip ends beyond ±8.9e307: such columns take the exact path below
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        step = (hi - lo) / bins                                      # linspace's step, bit for bit
        scale = 1.0 / step
        shift = lo * scale - base
        # > 500 × the rounding bound derived in the docstring (NaN for non-finite steps)
        tol = 1e-6 + 1e-12 * ((np.abs(lo) + np.abs(hi)) / step + base[-1] + bins)
        # A constant column's raw values may lie beyond the clip (v = lo there, but the arithmetic
        # would place a raw 250 far above hi = lo + 1), so constant columns take the exact path too.
        arithmetic = np.isfinite(step) & (step >= np.finfo(np.float64).tiny) & (tol <= _MAX_TOLERANCE) & ~constant
        # position p = (x − lo)/step, shifted by base: pos = x·scale − shift = base + p (up to rounding)
        np.multiply(a, scale, out=pos[:n_a])
        np.multiply(b, scale, out=pos[n_a:])
        np.subtract(pos, shift, out=pos)
        # Raw values beyond the clip land beyond [0, bins] and are pulled back to index 1 or bins + 1
        # (their clipped value is lo or hi); half-integers keep the clipped positions far from a
        # rounding boundary, so the many samples at lo, and beyond the clip, never need the exact check.
        np.maximum(pos, base + 0.5, out=pos)
        np.minimum(pos, base + (bins + 0.5), out=pos)
        np.floor(pos, out=whole)                                     # base + index − 1
        np.subtract(pos, whole, out=pos)                             # fractional part, exact
    # Near an integer the rounding may have put the sample on the wrong side of an edge: check those.
    # One tolerance per chunk (the largest) keeps the comparisons scalar; a larger one is only slower.
    chunk_tol = float(tol[arithmetic].max()) if arithmetic.any() else 0.0
    np.less_equal(pos, chunk_tol, out=near_low)
    np.greater_equal(pos, 1.0 - chunk_tol, out=near_high)
    np.logical_or(near_low, near_high, out=near_low)
    exact_columns = np.flatnonzero(~arithmetic)
    if exact_columns.size:
        near_low[:, exact_columns] = False
        with np.errstate(invalid="ignore", over="ignore"):
            whole[:, exact_columns] = base[exact_columns] - 1 + _count_edges_below(
                np.clip(np.concatenate([a[:, exact_columns], b[:, exact_columns]]), *clip),
                lo[exact_columns], hi[exact_columns], bins)
    suspects = np.flatnonzero(near_low)
    if suspects.size:
        row, col = np.divmod(suspects, c)
        v = np.where(row < n_a, a[np.minimum(row, n_a - 1), col], b[np.maximum(row - n_a, 0), col])
        v = np.clip(v, *clip)
        nearest = whole.flat[suspects] - base[col] + (pos.flat[suspects] >= 0.5)   # m in 1 … bins
        edge = np.where(nearest == bins, hi[col], nearest * step[col] + lo[col])      # linspace's e_m
        whole.flat[suspects] = base[col] - 1 + nearest + (v >= edge)
    np.copyto(flat, whole, casting="unsafe")                         # exact small integers
    size = c * (bins + 2)
    counts_a = np.bincount(flat[:n_a].ravel(), minlength=size).reshape(c, bins + 2)
    counts_b = np.bincount(flat[n_a:].ravel(), minlength=size).reshape(c, bins + 2)
    return counts_a[:, 1:bins + 1], counts_b[:, 1:bins + 1]          # drop index 0 and bins+1 (the quirk)


def _count_edges_below(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, bins: int) -> np.ndarray:
    """Index [M, J] = number of edges ≤ v of clipped values [M, J], column j against its own edges.

    Compares with every edge of ``np.linspace(lo[j], hi[j], bins + 1)`` (:func:`_edges`): exact for any
    step, O(bins) passes, memory O(M·J); used only for the few columns the arithmetic cannot handle.
    """
    edges = _edges(lo, hi, bins)                                     # [J, bins+1]
    index = np.zeros(values.shape, dtype=np.int64)
    for k in range(bins + 1):
        index += values >= edges[:, k]
    return index


def _kl_from_counts(counts_p: np.ndarray, counts_q: np.ndarray, eps: float) -> np.ndarray:
    """Steps 5-7 for every row: KL(P' ‖ Q') in nats, 0·log 0 = 0, empty P → 0.

    The logarithm is taken only on P's support (the other terms are 0), but the row sums run over
    full [n, bins] rows as a masked formula would, so every value is the same float.
    """
    total_p = counts_p.sum(axis=1, keepdims=True)
    total_q = counts_q.sum(axis=1, keepdims=True)
    support = counts_p > 0                                           # P > 0; none in a row with empty P
    with np.errstate(invalid="ignore"):
        p = counts_p / total_p                                       # NaN rows (empty P) are never read
        q = counts_q / total_q
    empty_q = total_q[:, 0] == 0
    if empty_q.any():
        q[empty_q] = 0.0                                             # step 5: all zeros if the sum is 0
    np.maximum(q, eps * support, out=q)                              # step 6 (q ≥ 0, so max(q, 0) = q)
    with np.errstate(invalid="ignore"):
        p /= p.sum(axis=1, keepdims=True)                            # step 7: renormalise both
        q /= q.sum(axis=1, keepdims=True)
    on_support = np.flatnonzero(support)
    p_on = p.ravel()[on_support]
    terms = np.zeros(p.shape)                                        # [n, bins]
    terms.ravel()[on_support] = p_on * np.log(p_on / q.ravel()[on_support])
    return terms.sum(axis=1)


def klom(oracle_margins: Any, unlearned_margins: Any, *, bins: int = 20, eps: float = 1e-5,
         clip: tuple[float, float] = (-100.0, 100.0), direction: str = "oracle_unlearned") -> np.ndarray:
    """Per-point KLoM [P] (nats) between margin matrices [N_oracle, P] and [N_unlearned, P].

    Parameters
    ----------
    oracle_margins, unlearned_margins : numpy arrays or torch tensors [N, P]; N may differ.
    bins : number of histogram bins (20 in the reference).
    eps : floor on Q where P > 0 (1e-5 in the reference); disjoint ensembles give about ln(1/eps).
    clip : margins are clipped to this interval first (±inf margins become its ends).
    direction : ``"oracle_unlearned"`` = KL(P_oracle ‖ P_unlearned), ``"unlearned_oracle"`` the reverse.

    >>> import numpy as np
    >>> oracle = np.array([[0.0], [0.1], [0.2]]); unlearned = np.array([[9.9], [10.0], [10.0]])
    >>> # oracle all in bin 1, unlearned in bin 20 (the two samples at the joint max are dropped)
    >>> round(float(klom(oracle, unlearned)[0]), 4), round(float(np.log(1 / 1e-5)), 4)
    (11.5129, 11.5129)
    """
    oracle, unlearned, bins, eps, (clip_lo, clip_hi) = validated_inputs(
        oracle_margins, unlearned_margins, bins, eps, clip, direction)
    n_oracle, n_points = oracle.shape
    work = _work_buffers(n_oracle + unlearned.shape[0], min(_CHUNK_POINTS, n_points))
    result = np.empty(n_points)
    for start in range(0, n_points, _CHUNK_POINTS):
        stop = min(start + _CHUNK_POINTS, n_points)
        counts_a, counts_b = _bin_counts(oracle[:, start:stop], unlearned[:, start:stop],
                                         (clip_lo, clip_hi), bins, work)
        if direction == "oracle_unlearned":
            result[start:stop] = _kl_from_counts(counts_a, counts_b, eps)
        else:
            result[start:stop] = _kl_from_counts(counts_b, counts_a, eps)
    return result
