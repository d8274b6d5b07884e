"""Figures and the Table 1 analogue drawn from a ``results.json`` of ``ascent-fails nn run`` (spec §6).

* :func:`scatter_figure`: Fig. 1/3/6 (forget-set KLoM on x, validation KLoM on y) and Fig. 7 (retain KLoM on y):
  one panel per forget set, one point per configuration (every configuration, not only the best), colour =
  cost relative to retraining (log scale), the pretrained model (do nothing) as a star, the ideal (0, 0) as
  a cross, and the measured noise floor (independent oracles vs oracles) as dashed lines: below them KLoM
  cannot distinguish a method from retraining at this N.
* :func:`illusion_figure`: Fig. 2, GA on the smallest random forget set, the 95th-percentile KLoM of each group
  after every epoch, one curve per learning rate: forgetting needs the right lr *and* the right stopping time.
* :func:`table1_markdown`: Table 1, pretrained-vs-oracle KLoM per forget set with the noise floor.

Every function takes the results as a plain dict (the JSON schema documented in ``nn_experiments.runner``),
so figures can be redrawn from a saved file without rerunning anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ascent_fails.validate import require_choice

__all__ = ["GROUPS", "scatter_figure", "illusion_figure", "table1_markdown", "write_figures"]

GROUPS: tuple[str, ...] = ("forget", "retain", "validation")
_MARKERS = {"ga": "o", "gda": "s", "scrub": "^", "finetune": "D", "rewind": "P", "noisy": "v"}
_COST_FLOOR = 1e-4  # costs below this (e.g. GA on 10 points for one epoch) share the lowest colour


def _floor(results: Mapping[str, Any], forget_set: Mapping[str, Any]) -> Mapping[str, float]:
    # a per-forget-set floor (independent oracles for that set) is preferred to the run-wide one
    return forget_set.get("floor") or results["floor"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    return plt


def scatter_figure(results: Mapping[str, Any], path: str | Path, *, y_group: str = "validation") -> Path:
    """Forget-set KLoM (x) vs ``y_group`` KLoM (y), 95th percentiles, one panel per forget set; returns ``path``."""
    require_choice("y_group", y_group, ("validation", "retain"))
    plt = _pyplot()
    from matplotlib.colors import LogNorm

    sets = list(results["forget_sets"])
    if not sets:
        raise ValueError("results hold no forget sets to plot")
    ncols = min(3, len(sets))
    nrows = -(-len(sets) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(4.6 * ncols, 8.0), 3.8 * nrows + 1.4), squeeze=False, layout="constrained")
    costs = [max(r["cost"], _COST_FLOOR) for r in results["runs"] if r["method"] != "do_nothing"]
    norm = LogNorm(vmin=min(costs, default=_COST_FLOOR), vmax=max(max(costs, default=1.0), 1.0))
    mappable = None
    for ax, fs in zip(axes.flat, sets):
        rows = [r for r in results["runs"] if r["forget_set"] == fs["name"]]
        for method, marker in _MARKERS.items():
            pts = [r for r in rows if r["method"] == method]
            if pts:
                mappable = ax.scatter(
                    [r["klom_p95"]["forget"] for r in pts],
                    [r["klom_p95"][y_group] for r in pts],
                    c=[max(r["cost"], _COST_FLOOR) for r in pts],
                    cmap="viridis",
                    norm=norm,
                    marker=marker,
                    s=22,
                    alpha=0.8,
                    label=method,
                    edgecolors="none",
                )
        for r in rows:
            if r["method"] == "do_nothing":
                ax.scatter(r["klom_p95"]["forget"], r["klom_p95"][y_group], marker="*", s=220, c="red", edgecolors="k", zorder=5, label="pretrained")
        ax.scatter(0, 0, marker="X", s=120, c="gold", edgecolors="k", zorder=5, label="ideal (0, 0)")
        floor = _floor(results, fs)
        ax.axvline(floor["forget"], ls="--", c="grey", lw=1)
        ax.axhline(floor[y_group], ls="--", c="grey", lw=1, label="noise floor")
        ax.set_title(f"{fs['name']} ({fs['kind']}, |F|={fs['size']})", fontsize=9)
        ax.set_xlabel("forget KLoM (95th pct)")
        ax.set_ylabel(f"{y_group} KLoM (95th pct)")
    for ax in list(axes.flat)[len(sets):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    uniq = dict(zip(labels, handles))
    fig.legend(uniq.values(), uniq.keys(), loc="outside lower center", ncol=min(len(uniq), 9), fontsize=8)
    if mappable is not None:
        fig.colorbar(mappable, ax=axes, label="cost relative to retraining", shrink=0.8)
    fig.suptitle(
        f"{results['dataset']}, N={results['n_models']}: forget vs {y_group} KLoM "
        f"({results['klom']['direction']}, {results['klom']['bins']} bins)",
        fontsize=10,
    )
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def illusion_figure(results: Mapping[str, Any], path: str | Path) -> Path:
    """Fig. 2: KLoM (95th pct) of forget / retain / validation against GA epochs, one curve per lr."""
    plt = _pyplot()
    ill = results.get("illusion")
    if not ill or not ill.get("runs"):
        raise ValueError("results hold no illusion runs (was GA or the illusion spec left out of the sweep?)")
    fs = next(f for f in results["forget_sets"] if f["name"] == ill["forget_set"])
    start = next((r for r in results["runs"] if r["forget_set"] == fs["name"] and r["method"] == "do_nothing"), None)
    lrs = sorted({r["hparams"]["lr"] for r in ill["runs"]})
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    for lr in lrs:
        rows = sorted((r for r in ill["runs"] if r["hparams"]["lr"] == lr), key=lambda r: r["epoch"])
        if start is not None:
            rows = [start] + rows  # epoch 0 is the pretrained model
        epochs = [r["epoch"] for r in rows]
        for ax, group in zip(axes, GROUPS):
            ax.plot(epochs, [r["klom_p95"][group] for r in rows], marker="o", ms=3, label=f"lr={lr:g}")
        axes[3].plot(epochs, [sum(r["klom_p95"][g] for g in GROUPS) / 3 for r in rows], marker="o", ms=3, label=f"lr={lr:g}")
    floor = _floor(results, fs)
    for ax, group in zip(axes, GROUPS):
        ax.axhline(floor[group], ls="--", c="grey", lw=1, label="noise floor")
        ax.set_title(f"{group} KLoM (95th pct)")
    axes[3].axhline(sum(floor[g] for g in GROUPS) / 3, ls="--", c="grey", lw=1, label="noise floor")
    axes[3].set_title("mean of the three")
    for ax in axes:
        ax.set_xlabel("GA epochs")
    axes[3].legend(fontsize=7)
    fig.suptitle(f"'Illusion' of forgetting: GA on {fs['name']} (|F|={fs['size']}), {results['dataset']}, N={results['n_models']}")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def table1_markdown(results: Mapping[str, Any]) -> str:
    """Table 1 analogue: KLoM (95th pct) of the pretrained ensemble vs each forget set's oracles, and the floor."""
    k = results["klom"]
    lines = [
        f"KLoM 95th percentile, pretrained vs oracle, {results['dataset']}, N = {results['n_models']} "
        f"(direction {k['direction']}, {k['bins']} bins, eps {k['eps']:g}).",
        "",
        "| forget set | kind | size | forget | retain | validation | floor forget | floor retain | floor validation |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for fs in results["forget_sets"]:
        row = next((r for r in results["runs"] if r["forget_set"] == fs["name"] and r["method"] == "do_nothing"), None)
        vals = ["n/a"] * 3 if row is None else [f"{row['klom_p95'][g]:.2f}" for g in GROUPS]
        floor = _floor(results, fs)
        lines.append(
            f"| {fs['name']} | {fs['kind']} | {fs['size']} | " + " | ".join(vals) + " | " + " | ".join(f"{floor[g]:.2f}" for g in GROUPS) + " |"
        )
    return "\n".join(lines) + "\n"


def write_figures(results: Mapping[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write every figure and the table that ``results`` supports into ``out_dir``; returns name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if any(r["method"] != "do_nothing" for r in results["runs"]):
        written["scatter_validation"] = scatter_figure(results, out / "scatter_forget_vs_validation.png", y_group="validation")
        written["scatter_retain"] = scatter_figure(results, out / "scatter_forget_vs_retain.png", y_group="retain")
    if results.get("illusion", {}).get("runs"):
        written["illusion"] = illusion_figure(results, out / "illusion.png")
    table = out / "table1.md"
    table.write_text(table1_markdown(results))
    written["table1"] = table
    return written
