r"""``ascent-fails figure phase``: Figure 4, the α–ε phase diagram of the correlated model.

Writes into ``--out``: ``phase_diagram.png`` and ``phase_diagram.pdf`` (one panel per forget fraction with
the exact categories shaded beneath the dashed α_{D>DA}(ε) and solid α_{R>D}(ε) curves, plus a panel with
every curve pair as in the paper), ``phase_params.json``, ``phase_curves.csv``, ``phase_region.csv`` and
``phase_comparison.md`` (see :mod:`numerics.phase_diagram`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ascent_fails.atomic_io import atomic_savefig, atomic_write_json, atomic_write_text
from ascent_fails.cli_errors import output_dir
from ascent_fails.numerics import phase_diagram as pdg
from ascent_fails.numerics.figure_style import DPI, FIGURE_WIDTH_INCHES, new_figure, paper_style

__all__ = ["configure_parser", "main", "phase_figure", "plot_phase", "write_outputs"]

_DEFAULTS = pdg.PhaseConfig()
# shading of the exact categories (ordered, diverges, other) and one colour per forget fraction
_CATEGORY_COLOURS = ("#a6dba0", "#f4a582", "#f0f0f0")
_CATEGORY_LABELS = {"ordered": "exact: R ≥ D ≥ DA (both margins)", "diverges": "exact: DA diverges",
                    "other": "exact: other"}
_CURVE_COLOURS = ("#1b7837", "#2166ac", "#b2182b", "#762a83", "#e08214", "#4d4d4d")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="output directory (created if missing)")
    parser.add_argument("--n-total", type=float, default=_DEFAULTS.n_total, help="|D|, training-set size")
    parser.add_argument("--ridge", type=float, default=_DEFAULTS.ridge, help="λ, ridge coefficient")
    parser.add_argument("--group-size", type=float, default=_DEFAULTS.group_size,
                        help="r, retain points x=(1,ε) (the forget group has αr points x=(ε,1))")
    parser.add_argument("--forget-fractions", type=float, nargs="+", default=list(_DEFAULTS.forget_fractions),
                        help="|F|/|D| values, one panel and one curve pair each")
    parser.add_argument("--n-correlation", type=int, default=_DEFAULTS.n_correlation, help="grid points along ε")
    parser.add_argument("--n-forget-ratio", type=int, default=_DEFAULTS.n_forget_ratio, help="grid points along α")
    parser.add_argument("--forget-ratio-min", type=float, default=_DEFAULTS.forget_ratio_min, help="smallest α")
    parser.add_argument("--forget-ratio-max", type=float, default=_DEFAULTS.forget_ratio_max, help="largest α")


def main(args: argparse.Namespace) -> int:
    # every argument is checked before any work: the parameters (PhaseConfig validates them), then --out (created
    # if missing, proved writable), so a mistake costs a second and leaves nothing behind
    config = pdg.PhaseConfig(
        n_total=args.n_total,
        ridge=args.ridge,
        group_size=args.group_size,
        forget_fractions=tuple(args.forget_fractions),
        n_correlation=args.n_correlation,
        n_forget_ratio=args.n_forget_ratio,
        forget_ratio_min=args.forget_ratio_min,
        forget_ratio_max=args.forget_ratio_max,
    )
    out = output_dir("--out", args.out)
    result = pdg.compute_phase(config)
    paths = write_outputs(result, out)
    print(f"phase diagram: {len(config.forget_fractions)} forget fractions x {config.n_forget_ratio} alpha x "
          f"{config.n_correlation} epsilon solved in {result.seconds:.2f} s ({result.unresolved} unresolved)")
    for path in paths:
        print(f"  wrote {path}")
    return 0


def write_outputs(result: pdg.PhaseResult, out: Path) -> list[Path]:
    """Write the figure and its data files into ``out`` (created if missing); returns the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "phase_params.json", out / "phase_curves.csv", out / "phase_region.csv",
             out / "phase_comparison.md"]
    atomic_write_json(paths[0], result.params())
    pdg.write_curves_csv(result, paths[1])
    pdg.write_region_csv(result, paths[2])
    atomic_write_text(paths[3], pdg.comparison_markdown(result))
    paths += plot_phase(result, out / "phase_diagram")
    return paths


def plot_phase(result: pdg.PhaseResult, stem: Path) -> list[Path]:
    """Draw Figure 4 (:func:`phase_figure`) and save it as ``stem``.png and ``stem``.pdf, each written atomically."""
    fig = phase_figure(result)
    with paper_style():  # the style's savefig settings (tight box, TrueType fonts in the PDF) apply when saving
        return [atomic_savefig(fig, Path(f"{stem}.{ext}"), dpi=DPI) for ext in ("png", "pdf")]


def phase_figure(result: pdg.PhaseResult):
    """Figure 4 as a :class:`matplotlib.figure.Figure`: one panel per forget fraction |F|/|D| (the exact
    categories shaded beneath the dashed α_{D>DA}(ε) of Lemma 9 and the solid α_{R>D}(ε) of Lemma 10), and a last
    panel with every curve pair. All panels share both axes (ε on [ε_min, ε_max], α on the log grid), so they
    can be compared by eye; one legend below the panels explains the shading, the line styles and the hatching.
    """
    import numpy as np
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    cfg = result.config
    eps, alpha = result.correlation, result.forget_ratio
    n_f = len(cfg.forget_fractions)
    n_panels = n_f + 1
    # 4 panels as 2 × 2 keeps each panel ~3 in wide at the figure width; otherwise up to 3 per row
    ncols = 2 if n_panels == 4 else min(n_panels, 3)
    nrows = -(-n_panels // ncols)
    with paper_style():
        fig = new_figure(FIGURE_WIDTH_INCHES, 2.45 * nrows + 1.0)
        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
        cmap = ListedColormap(_CATEGORY_COLOURS)
        norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5], cmap.N)
        # curves below the axis (α_{R>D} ≤ 0 or below the grid) are clipped by the log axis, as they should be
        floor = alpha[0] / 10

        def curves(ax, k, label):
            colour = _CURVE_COLOURS[k % len(_CURVE_COLOURS)]
            lo, hi = result.alpha_d_gt_da[k], result.alpha_r_gt_d[k]
            ax.plot(eps, lo, "--", color=colour)
            ax.plot(eps, np.where(hi > 0, hi, floor), "-", color=colour, label=label)
            ax.fill_between(eps, lo, hi, where=hi >= lo, facecolor="none", edgecolor=colour, hatch="///", lw=0)

        flat = list(axes.ravel())
        for k, f in enumerate(cfg.forget_fractions):
            ax = flat[k]
            ax.pcolormesh(eps, alpha, result.category[k], cmap=cmap, norm=norm, shading="nearest", rasterized=True)
            curves(ax, k, None)
            ax.set_title(f"$|F|/|D|$ = {f:g}")
        ax_all = flat[n_f]
        for k, f in enumerate(cfg.forget_fractions):
            curves(ax_all, k, f"$|F|/|D|$ = {f:g}")
        ax_all.set_title("all bound pairs")
        ax_all.legend(loc="lower right", frameon=True, framealpha=0.9)
        for ax in flat[n_panels:]:
            ax.set_visible(False)  # an empty cell of the grid
        # shared axes: setting the limits once sets them for every panel
        flat[0].set_yscale("log")
        flat[0].set_xlim(eps[0], eps[-1])
        flat[0].set_ylim(alpha[0], alpha[-1])
        for ax in axes[:, 0]:
            ax.set_ylabel(r"forget ratio $\alpha$")
        for i, ax in enumerate(flat[:n_panels]):
            if i + ncols >= n_panels:  # lowest visible panel of its column: label the x axis, show its ticks
                ax.xaxis.set_tick_params(labelbottom=True)
                ax.set_xlabel(r"correlation $\varepsilon$")
        shading = [Patch(facecolor=c, edgecolor="0.5", label=_CATEGORY_LABELS[name])
                   for c, name in zip(_CATEGORY_COLOURS, pdg.CATEGORIES)]
        lines = [Line2D([], [], color="k", ls="--", label=r"$\alpha_{D>DA}(\varepsilon)$ (Lemma 9)"),
                 Line2D([], [], color="k", ls="-", label=r"$\alpha_{R>D}(\varepsilon)$ (Lemma 10, reconstructed)"),
                 Patch(facecolor="none", edgecolor="k", hatch="///", label="bound window")]
        # a legend fills column by column: interleaving puts the shading on the first row, the curves on the second
        fig.legend(handles=[h for pair in zip(shading, lines) for h in pair], loc="outside lower center", ncol=3,
                   frameon=False)
        b = cfg.group_size / (cfg.ridge * cfg.n_total)
        fig.suptitle(f"Correlated model (Fig. 4): $|D|$ = {cfg.n_total:g}, $r$ = {cfg.group_size:g}, "
                     f"$\\lambda$ = {cfg.ridge:g}, so $b = r/(\\lambda|D|)$ = {b:.3g}\n"
                     f"$\\alpha$ = forget / retain group size; exact categories on {cfg.n_correlation} "
                     f"$\\varepsilon$ × {cfg.n_forget_ratio} $\\alpha$ per panel")
    return fig
