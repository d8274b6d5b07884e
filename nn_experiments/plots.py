"""The figures of the network experiments, drawn from a ``results.json`` of ``ascent-fails nn run``.

* :func:`scatter_plot`: Fig. 1/3/6 (forget-set KLoM on x, validation KLoM on y) and Fig. 7 (retain KLoM on y).
  One panel per forget set, all panels on the same axes limits; one point per configuration (every
  configuration, not only the best), its marker the method and its colour the cost relative to retraining (log
  scale). Two reference points per panel: the pretrained models (do nothing), and where *independent oracles*
  land, i.e. the noise floor (KLoM of a second oracle ensemble against the oracles, with dashed lines through
  it). A method at the oracle marker is as close to retraining as retraining again is; below the lines KLoM
  cannot tell a method from retraining at this N. Where results.json has them, the pretrained and oracle points
  carry their bootstrap intervals over models as error bars, and a configuration flagged as a KLoM blind spot
  (``flags`` of its row: margins collapsed or spread, nn_experiments/evaluation.py) is ringed in red: its KLoM
  cannot be read as closeness to the oracles.
* :func:`illusion_plot`: Fig. 2, GA on the smallest random forget set: the 95th-percentile KLoM of each group after
  every epoch, one curve per learning rate. Forgetting needs the right lr *and* the right stopping time.

The Table 1 analogue that ``nn run`` writes beside the figures is :mod:`~ascent_fails.nn_experiments.table1`'s.

Every function takes the results as a plain dict (the schema documented in ``nn_experiments.runner``), so the
figures can be redrawn from a saved file without rerunning anything. The ``*_plot`` functions return a
``matplotlib.figure.Figure`` (no pyplot state, no backend switch); :func:`write_figures` saves them atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ascent_fails.atomic_io import atomic_savefig, atomic_write_text
from ascent_fails.nn_experiments.names import GROUPS
from ascent_fails.nn_experiments.noise_floor import floor_interval_of, floor_of
from ascent_fails.nn_experiments.table1 import table1_from_results, table1_markdown
from ascent_fails.validate import require_choice

__all__ = ["scatter_plot", "illusion_plot", "scatter_figure", "illusion_figure", "write_figures", "is_flagged"]

# method → (marker, name in the legend); the ascent-based methods the paper studies first, then the baselines
_METHODS = {
    "ga": ("o", "GA"),
    "gda": ("s", "GDA"),
    "scrub": ("^", "SCRUB"),
    "finetune": ("D", "fine-tune"),
    "rewind": ("P", "rewind"),
    "noisy": ("v", "noisy fine-tune"),
}
_COST_FLOOR = 1e-4  # costs below this (e.g. GA on 10 points for one epoch) share the lowest colour
_DPI = 200  # saved resolution; the sizes below are in points at the figure's own size in inches
# Font sizes in points at the saved size: a figure printed at its own width keeps every text ≥ 8 pt.
_STYLE = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 10,
}
_PRETRAINED = dict(marker="*", s=170, c="tab:red", edgecolors="black", linewidths=0.6, zorder=6)
# below the configurations (zorder 3): a configuration that reaches the floor stays visible on top of it
_ORACLE = dict(marker="X", s=110, c="gold", edgecolors="black", linewidths=0.6, zorder=2)
_FLOOR_LINE = dict(ls="--", c="0.45", lw=0.9, zorder=1)


def _style():
    import matplotlib

    return matplotlib.rc_context(_STYLE)  # scoped: the caller's rcParams are left alone


def _klom_label(group: str) -> str:
    return f"{group} KLoM, 95th pct (nats)"


def _caption(results: Mapping[str, Any]) -> str:
    k = results["klom"]
    arch = f", {results['arch']}" if results.get("arch") else ""
    return f"{results['dataset']}{arch}, N = {results['n_models']}, KLoM {k['direction']} ({k['bins']} bins)"


_FLAGGED = dict(marker="o", s=70, facecolors="none", edgecolors="red", linewidths=1.0, zorder=5)
_FLAGGED_LABEL = "KLoM blind spot flagged (collapsed or spread margins)"


def is_flagged(row: Mapping[str, Any]) -> bool:
    """Whether a results.json row carries a blind-spot flag (rows written before flags existed carry none)."""
    flags = row.get("flags") or {}
    return bool(flags.get("collapsed") or flags.get("spread"))


def _error(value: float, ci: Any) -> list[list[float]] | None:
    """matplotlib's asymmetric error of ``value`` for the interval ``ci`` = [low, high] (widened to hold value)."""
    if ci is None:
        return None
    return [[max(value - float(ci[0]), 0.0)], [max(float(ci[1]) - value, 0.0)]]


def scatter_plot(results: Mapping[str, Any], *, y_group: str = "validation") -> Any:
    """Forget-set KLoM (x) against ``y_group`` KLoM (y), 95th percentiles, one panel per forget set: a Figure."""
    require_choice("y_group", y_group, ("validation", "retain"))
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    sets = list(results["forget_sets"])
    if not sets:
        raise ValueError("results hold no forget sets to plot")
    runs = [r for r in results["runs"] if r["method"] in _METHODS]
    costs = [max(r["cost"], _COST_FLOOR) for r in runs]
    norm = LogNorm(vmin=min(costs, default=_COST_FLOOR), vmax=max(max(costs, default=1.0), 1.0))
    ncols = min(3, len(sets))
    nrows = -(-len(sets) // ncols)
    with _style():
        # ≥ 6 in wide: the legend and the title need that much even for a single panel
        fig = Figure(figsize=(max(2.15 * ncols + 1.3, 6.0), 2.05 * nrows + 1.1), layout="constrained")
        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
        mappable = None
        for ax, fs in zip(axes.flat, sets):
            rows = [r for r in runs if r["forget_set"] == fs["name"]]
            for method, (marker, _) in _METHODS.items():
                pts = [r for r in rows if r["method"] == method]
                if pts:
                    mappable = ax.scatter(
                        [r["klom_p95"]["forget"] for r in pts], [r["klom_p95"][y_group] for r in pts],
                        c=[max(r["cost"], _COST_FLOOR) for r in pts], cmap="viridis", norm=norm, marker=marker,
                        s=20, alpha=0.85, edgecolors="none", zorder=3,
                    )  # fmt: skip
            ringed = [r for r in rows if is_flagged(r)]
            if ringed:
                ax.scatter([r["klom_p95"]["forget"] for r in ringed], [r["klom_p95"][y_group] for r in ringed], **_FLAGGED)
            for r in results["runs"]:
                if r["forget_set"] == fs["name"] and r["method"] == "do_nothing":
                    x, y, ci = r["klom_p95"]["forget"], r["klom_p95"][y_group], r.get("klom_ci") or {}
                    ax.errorbar(x, y, xerr=_error(x, ci.get("forget")), yerr=_error(y, ci.get(y_group)),
                                fmt="none", ecolor="tab:red", elinewidth=0.8, zorder=5)
                    ax.scatter(x, y, **_PRETRAINED)
            floor, floor_ci = floor_of(results, fs), floor_interval_of(results, fs) or {}
            ax.axvline(floor["forget"], **_FLOOR_LINE)
            ax.axhline(floor[y_group], **_FLOOR_LINE)
            ax.errorbar(floor["forget"], floor[y_group], xerr=_error(floor["forget"], floor_ci.get("forget")),
                        yerr=_error(floor[y_group], floor_ci.get(y_group)), fmt="none", ecolor="0.3", elinewidth=0.8, zorder=2)
            ax.scatter(floor["forget"], floor[y_group], **_ORACLE)
            ax.set_title(f"{fs['name']}\n{fs['kind']}, |F| = {fs['size']}", fontsize=8, linespacing=1.1)
            ax.grid(True, lw=0.4, alpha=0.4)
        for ax in list(axes.flat)[len(sets):]:
            ax.set_visible(False)
        # shared limits start at 0 (KLoM ≥ 0), so that panels and figures compare by eye
        ax0 = axes.flat[0]
        ax0.set_xlim(left=0)
        ax0.set_ylim(bottom=0)
        fig.supylabel(_klom_label(y_group), fontsize=9)
        # the last row may be partly empty: the panels above an empty slot show their x tick labels
        for col in range(len(sets) - (nrows - 1) * ncols, ncols):
            if nrows > 1:
                axes[nrows - 2, col].xaxis.set_tick_params(labelbottom=True)
        for ax in axes.flat:
            if ax.get_visible() and ax.xaxis.get_tick_params()["labelbottom"]:
                ax.set_xlabel(_klom_label("forget"))
        grey = dict(color="0.35", linestyle="none")
        handles = [Line2D([], [], marker=marker, markersize=6, label=name, **grey)
                   for method, (marker, name) in _METHODS.items() if any(r["method"] == method for r in runs)]
        handles += [
            Line2D([], [], marker="*", markersize=11, markerfacecolor="tab:red", markeredgecolor="black",
                   linestyle="none", label="pretrained (do nothing)"),
            Line2D([], [], marker="X", markersize=9, markerfacecolor="gold", markeredgecolor="black",
                   linestyle="none", label="independent oracles = noise floor (dashed)"),
        ]  # fmt: skip
        if any(is_flagged(r) for r in runs):
            handles.append(Line2D([], [], marker="o", markersize=8, markerfacecolor="none", markeredgecolor="red",
                                  linestyle="none", label=_FLAGGED_LABEL))
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4 if ncols > 1 else 2),
                   frameon=False)
        if mappable is not None:
            fig.colorbar(mappable, ax=axes, label="cost relative to retraining", shrink=0.85, aspect=30)
        fig.suptitle(f"Forget vs {y_group} KLoM" + (": " if ncols == 3 else "\n") + _caption(results))
    return fig


def illusion_plot(results: Mapping[str, Any]) -> Any:
    """Fig. 2: KLoM (95th pct) of forget / retain / validation and their mean against GA epochs: a Figure."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    ill = results.get("illusion")
    if not ill or not ill.get("runs"):
        raise ValueError("results hold no illusion runs (was GA or the illusion spec left out of the sweep?)")
    fs = next(f for f in results["forget_sets"] if f["name"] == ill["forget_set"])
    start = next((r for r in results["runs"] if r["forget_set"] == fs["name"] and r["method"] == "do_nothing"), None)
    lrs = sorted({r["hparams"]["lr"] for r in ill["runs"]})
    # an ordered palette for an ordered parameter, without viridis's last tenth (too pale to read on white)
    cmap = colormaps["viridis"]
    colours = [cmap(0.9 * i / max(len(lrs) - 1, 1)) for i in range(len(lrs))]
    floor = floor_of(results, fs)
    panels = [*((g, _klom_label(g)) for g in GROUPS), ("mean", "mean of the three, 95th pct (nats)")]
    with _style():
        fig = Figure(figsize=(7.2, 5.6), layout="constrained")
        axes = list(fig.subplots(2, 2, sharex=True).flat)
        for i, lr in enumerate(lrs):
            rows = sorted((r for r in ill["runs"] if r["hparams"]["lr"] == lr), key=lambda r: r["epoch"])
            if start is not None:
                rows = [start] + rows  # epoch 0 is the pretrained model
            epochs = [r["epoch"] for r in rows]
            colour = colours[i]
            for ax, (group, _) in zip(axes, panels):
                values = [sum(r["klom_p95"][g] for g in GROUPS) / len(GROUPS) if group == "mean"
                          else r["klom_p95"][group] for r in rows]
                ax.plot(epochs, values, marker="o", ms=3, lw=1.2, color=colour)
                ringed = [(e, v) for e, v, r in zip(epochs, values, rows) if is_flagged(r)]
                if ringed:
                    ax.scatter(*zip(*ringed), **{**_FLAGGED, "s": 40})
        for ax, (group, ylabel) in zip(axes, panels):
            level = sum(floor[g] for g in GROUPS) / len(GROUPS) if group == "mean" else floor[group]
            ax.axhline(level, **_FLOOR_LINE)
            floor_ci = floor_interval_of(results, fs)
            if floor_ci is not None:  # the floor's bootstrap interval over models, as a band
                ends = [sum(floor_ci[g][i] for g in GROUPS) / len(GROUPS) if group == "mean" else floor_ci[group][i]
                        for i in (0, 1)]
                ax.axhspan(min(ends[0], level), max(ends[1], level), color="0.5", alpha=0.15, lw=0)
            ax.set_title(group if group == "mean" else f"{group} set")
            ax.set_ylabel(ylabel)
            ax.set_ylim(bottom=0)
            ax.grid(True, lw=0.4, alpha=0.4)
        for ax in axes[2:]:
            ax.set_xlabel("GA epochs (0 = pretrained)")
        handles = [Line2D([], [], color=colours[i], marker="o", ms=3, lw=1.2, label=f"lr = {lr:g}")
                   for i, lr in enumerate(lrs)]
        handles.append(Line2D([], [], label="noise floor (independent oracles)", **{**_FLOOR_LINE, "zorder": None}))
        if any(is_flagged(r) for r in ill["runs"]):
            handles.append(Line2D([], [], marker="o", markersize=7, markerfacecolor="none", markeredgecolor="red",
                                  linestyle="none", label=_FLAGGED_LABEL))
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), frameon=False)
        fig.suptitle(f"'Illusion' of forgetting: GA on {fs['name']} (|F| = {fs['size']})\n{_caption(results)}")
    return fig


def scatter_figure(results: Mapping[str, Any], path: str | Path, *, y_group: str = "validation") -> Path:
    """Save :func:`scatter_plot` to ``path`` (PNG unless the suffix says otherwise); returns ``path``."""
    return atomic_savefig(scatter_plot(results, y_group=y_group), path, dpi=_DPI)


def illusion_figure(results: Mapping[str, Any], path: str | Path) -> Path:
    """Save :func:`illusion_plot` to ``path``; returns ``path``."""
    return atomic_savefig(illusion_plot(results), path, dpi=_DPI)


def write_figures(results: Mapping[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write every figure and the Table 1 analogue that ``results`` supports into ``out_dir``; name → path."""
    out = Path(out_dir)
    written: dict[str, Path] = {}
    if any(r["method"] in _METHODS for r in results["runs"]):
        written["scatter_validation"] = scatter_figure(results, out / "scatter_forget_vs_validation.png",
                                                       y_group="validation")
        written["scatter_retain"] = scatter_figure(results, out / "scatter_forget_vs_retain.png", y_group="retain")
    if results.get("illusion", {}).get("runs"):
        written["illusion"] = illusion_figure(results, out / "illusion.png")
    written["table1"] = atomic_write_text(out / "table1.md", table1_markdown(table1_from_results(results)))
    if results.get("cross_influence"):  # the App. A conjecture (nn_experiments.cross_influence): verdict + figure
        from ascent_fails.atomic_io import atomic_write_json
        from ascent_fails.nn_experiments.cross_influence import assess_conjecture, conjecture_figure

        assessment = assess_conjecture(results)
        written["conjecture_json"] = atomic_write_json(out / "conjecture.json", assessment)
        written["conjecture"] = conjecture_figure(assessment, out / "conjecture.png")
    return written
