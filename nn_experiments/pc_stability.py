"""Split-half stability of the structured forget sets (docs/experiments.md#pc-set-stability).

A forget set chosen from an *estimated* datamodel matrix Θ (:mod:`nn_experiments.datamodels`) is only meaningful
if another estimate of Θ of the same quality picks (nearly) the same points. The check: split the M cached subset
models (their inclusion masks and margins) into two disjoint halves by a seeded permutation, fit Θ_A and Θ_B on
each half with the same ridge regression, build every construction from each, and report the Jaccard index
|F_A ∩ F_B| / |F_A ∪ F_B| per set (1 = identical, 0 = disjoint). Each half has M/2 models, so the split-half
Jaccard is a conservative estimate of the stability of the sets built from all M.

Constructions measured:

* ``pc``: the paper's PC sets (top-k, and top + bottom, on PC1 and PC2 of the rows of Θ) with the orientation
  rule of :func:`nn_experiments.datamodels.principal_components` (:data:`ORIENTATION_RULE`);
* ``influence``: the top-k self-influence sets Θ_ii (:func:`nn_experiments.forget_sets.influence_forget_set`),
  which have no sign to choose and no eigenvector to identify.

A principal component is identifiable from noisy estimates only if its eigenvalue is separated from its
neighbours (Davis–Kahan: the angle between the estimated and true eigenvectors is bounded by the estimation
noise divided by the eigen-gap); the report therefore prints the explained-variance spectrum, the relative gaps
and the overlap |⟨v_c^A, v_c^B⟩| of the two halves' components next to the Jaccards. On digits the top ten
components, one per class, explain 8.2 / 7.7 / 6.2 / 5.7 / 5.6 / 5.4 … % of the variance: no gap, so "PC1"
is a different class in each half (Jaccard 0) while Θ_ii ranks the same points (Jaccard ≥ 0.8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ascent_fails.validate import require_nonnegative, require_positive_int

__all__ = ["ORIENTATION_RULE", "STABLE_JACCARD", "SPLIT_SEED_TAG", "StabilityRow", "jaccard", "split_halves", "construction_sets", "measure_stability", "stability_markdown"]

#: the sign convention of the PC sets (datamodels.principal_components)
ORIENTATION_RULE = ("each component's sign is chosen so that the largest-magnitude projection is positive; "
                    "\"top\" = largest projections")
#: the stability target of a forget set: split-half Jaccard ≥ 0.8 (top-10 and top-50 sets alike)
STABLE_JACCARD = 0.8
SPLIT_SEED_TAG = "pc-stability-split"


def jaccard(a: Any, b: Any) -> float:
    """|A ∩ B| / |A ∪ B| of two index sets (1.0 for two empty sets).

    >>> jaccard([1, 2, 3], [2, 3, 4])
    0.5
    """
    sa, sb = set(np.asarray(a).tolist()), set(np.asarray(b).tolist())
    union = sa | sb
    return len(sa & sb) / len(union) if union else 1.0


def split_halves(n_models: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint halves (⌊M/2⌋ models each, sorted) of a seeded permutation of range(M)."""
    n_models = require_positive_int("n_models", n_models, minimum=4, symbol="M")
    order = np.random.default_rng(require_positive_int("seed", seed, minimum=0)).permutation(n_models)
    half = n_models // 2
    return np.sort(order[:half]), np.sort(order[half:2 * half])


def construction_sets(matrix: Any, sizes: Any = None) -> dict[str, tuple[str, np.ndarray]]:
    """name → (construction, indices) for every structured construction built from one estimate Θ.

    ``sizes`` is a :class:`nn_experiments.forget_sets.ForgetSetSizes` for the PC sets (default: the digits
    sizes) whose ``random`` sizes are also the self-influence sizes.
    """
    return _constructions(matrix, sizes)[0]


def _constructions(matrix: Any, sizes: Any) -> tuple[dict[str, tuple[str, np.ndarray]], np.ndarray]:
    """(:func:`construction_sets`, the PC1/PC2 unit vectors [2, n]): one PCA per estimate."""
    from ascent_fails.nn_experiments import forget_sets as FS
    from ascent_fails.nn_experiments.datamodels import principal_components

    sizes = FS.DIGITS_SIZES if sizes is None else sizes
    theta = np.asarray(matrix, dtype=np.float64)
    pcs = principal_components(theta, 2)
    out: dict[str, tuple[str, np.ndarray]] = {}
    for fs in FS.pc_forget_sets(pcs.projections, sizes):
        out[fs.name] = ("pc", fs.indices)
    influence = FS.self_influence(theta)
    for size in sorted(set(sizes.random)):
        fs = FS.influence_forget_set(influence, size)
        out[fs.name] = ("influence", fs.indices)
    return out, pcs.components


@dataclass(frozen=True)
class StabilityRow:
    """The split-half stability of one forget-set construction."""

    name: str
    construction: str                # "pc" or "influence"
    size: int
    jaccards: tuple[float, ...]      # one per split
    in_default_sweep: bool

    @property
    def mean(self) -> float:
        return float(np.mean(self.jaccards))

    @property
    def min(self) -> float:
        return float(np.min(self.jaccards))


def measure_stability(masks: Any, margins: Any, *, ridge: float, sizes: Any = None, n_splits: int = 3, seed: int = 0,
                      n_components: int = 10, in_use: Sequence[str] = (), full_matrix: Any = None) -> dict[str, Any]:
    """Split-half Jaccard of every construction, the explained-variance spectrum and the orientation rule.

    ``masks``/``margins`` [M, n] are the subset models' data (the datamodel cache's chunks); split s uses the
    permutation seeded by ``derive_seed(seed, SPLIT_SEED_TAG, s)``. ``full_matrix`` is Θ from all M models
    (its spectrum is reported; fitted here when omitted). ``in_use`` names the sets the sweep runs. Returns a
    JSON-ready dict (``results.json`` key ``pc_stability``; :func:`stability_markdown` renders it).
    """
    from ascent_fails.nn_experiments.datamodels import fit_datamodels, principal_components
    from ascent_fails.nn_experiments.seeds import derive_seed

    x = np.asarray(masks, dtype=np.float64)
    y = np.asarray(margins, dtype=np.float64)
    if x.ndim != 2 or x.shape != y.shape:
        raise ValueError(f"masks {x.shape} and margins {y.shape} must both be [M, n_train]")
    ridge = require_nonnegative("ridge", ridge, symbol="λ")
    n_splits = require_positive_int("n_splits", n_splits)
    n_components = require_positive_int("n_components", n_components, minimum=2)
    full = fit_datamodels(x, y, ridge)[0] if full_matrix is None else np.asarray(full_matrix, dtype=np.float64)
    k = min(n_components, min(full.shape) - 1)
    spectrum = principal_components(full, k).explained_variance_ratio
    jac: dict[str, list[float]] = {}
    kinds: dict[str, tuple[str, int]] = {}
    overlaps = []
    for split in range(n_splits):
        first, second = split_halves(x.shape[0], derive_seed(seed, SPLIT_SEED_TAG, split))
        theta_a = fit_datamodels(x[first], y[first], ridge)[0]
        theta_b = fit_datamodels(x[second], y[second], ridge)[0]
        (sets_a, comp_a), (sets_b, comp_b) = _constructions(theta_a, sizes), _constructions(theta_b, sizes)
        for name, (construction, indices) in sets_a.items():
            jac.setdefault(name, []).append(jaccard(indices, sets_b[name][1]))
            kinds[name] = (construction, int(indices.size))
        overlaps.append(np.abs(np.sum(comp_a * comp_b, axis=1)).tolist())
    rows = [StabilityRow(name, kinds[name][0], kinds[name][1], tuple(values), name in set(in_use))
            for name, values in jac.items()]
    gaps = [(float(spectrum[c]) - float(spectrum[c + 1])) / float(spectrum[c]) if spectrum[c] > 0 else 0.0
            for c in range(len(spectrum) - 1)]
    return {
        "n_models": int(x.shape[0]), "n_splits": n_splits, "split_seed": seed, "ridge": ridge,
        "orientation_rule": ORIENTATION_RULE, "target_jaccard": STABLE_JACCARD,
        "explained_variance_ratio": [float(v) for v in spectrum], "relative_eigengaps": gaps,
        "component_overlap": [float(np.mean([o[c] for o in overlaps])) for c in range(2)],
        "rows": [{**asdict(r), "jaccards": list(r.jaccards), "mean": r.mean, "min": r.min} for r in rows],
    }


def stability_markdown(stability: Mapping[str, Any] | None) -> str:
    """The report's "PC-set stability table" (Markdown) from :func:`measure_stability`'s dict."""
    if not stability:
        return "Not measured (no datamodel matrix with cached subset models in this run)."
    target = stability["target_jaccard"]
    spectrum = " / ".join(f"{100 * v:.1f}" for v in stability["explained_variance_ratio"])
    gaps = " / ".join(f"{g:.2f}" for g in stability["relative_eigengaps"][:3])
    overlap = " / ".join(f"{o:.2f}" for o in stability["component_overlap"])
    pc_rows = [r for r in stability["rows"] if r["construction"] == "pc"]
    pc_stable = all(r["min"] >= target for r in pc_rows)
    lines = [
        f"Split-half stability: the {stability['n_models']} cached subset models split {stability['n_splits']} times "
        f"into two disjoint halves (seeded), Θ fitted on each half (ridge λ = {stability['ridge']:g}), every set built "
        f"from each; Jaccard |A∩B|/|A∪B|, target ≥ {target} (mean and worst over the splits).", "",
        f"Explained variance of the top principal components of Θ (all models), %: {spectrum}; relative eigen-gaps "
        f"(λ_c − λ_(c+1))/λ_c of PC1–PC3: {gaps}; overlap |⟨v_A, v_B⟩| of the halves' PC1 / PC2: {overlap}. "
        f"Orientation rule of the PC sets: {stability['orientation_rule']}.", "",
        ("The spectrum is **degenerate** (PC sets below the target): which points a PC picks is estimation noise, so "
         "the default sweep uses the top self-influence sets instead." if not pc_stable else
         "The PC sets meet the stability target."), "",
        "| set | construction | size | split-half Jaccard (mean) | worst split | stable (≥ target) | in the sweep |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in stability["rows"]:
        lines.append(f"| {r['name']} | {r['construction']} | {r['size']} | {r['mean']:.2f} | {r['min']:.2f} | "
                     f"{'yes' if r['min'] >= target else 'no'} | {'yes' if r['in_default_sweep'] else 'no'} |")
    return "\n".join(lines)
