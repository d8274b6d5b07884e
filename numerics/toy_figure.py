"""``ascent-fails figure toy``: the Figure 5 analogue (Section 5.2) and ``toy_minima.json``.

Top row: the pretrained, oracle (retrain on R) and GDA landscapes L_w(a, b) with every local minimum marked
(★ global, ● local) and, on the oracle panel, where fine-tuning on R from the GDA minimum ends (×); colour
levels are even in √(L_w − min L_w) (:func:`contour_levels`), with round, labelled values on each colour bar.
Bottom row: the decision functions h_θ(x) = σ(a·x + b·x²) of those minima over the four clusters (marker
area ∝ the objective's weight), with which clusters each minimum classifies correctly.
σ, target encoding and ridge scaling are *reconstructed* (docs/theory.md#non-convex-toy); ``--variant`` picks the reading.

Writes ``toy_figure.png``, ``toy_figure.pdf`` and ``toy_minima.json``::

    {"variant": str, "minima": [{"objective", "a", "b", "loss", "global", "correct": [x = −1, 1, 3, 4]}],
     "trapped": {"a", "b", "correct"} | null, "config": {...}, "claims": [{"name", "reproduced", ...}]}
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ascent_fails.atomic_io import atomic_savefig, atomic_write_json
from ascent_fails.cli_errors import output_dir
from ascent_fails.numerics import toy_claims
from ascent_fails.numerics.figure_style import DPI, FIGURE_WIDTH_INCHES, SMALLEST_FONT_PT, new_figure, paper_style
from ascent_fails.theory import toy_problem
from ascent_fails.validate import require_in_range

PANEL_TITLES = {"pretrained": "pretrained (D)", "oracle": "oracle (retrain on R)", "descent_ascent": "GDA objective"}


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="output directory (created if missing)")
    parser.add_argument("--variant", default="tanh", choices=tuple(toy_problem.VARIANTS),
                        help="reading of σ, targets and ridge scaling (reconstructed; default: tanh)")
    parser.add_argument("--ridge", type=float, default=None, help="ridge λ ≥ 0 (default: the variant's, 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the multi-start jitter (default: 0)")
    parser.add_argument("--resolution", type=int, default=241, help="contour grid points per axis (default: 241)")


def toy_json(claims: toy_claims.ToyClaims, variant_name: str) -> dict:
    """The ``toy_minima.json`` document of one :func:`toy_claims.check_claims` result."""
    trapped = claims.trapped
    return {
        "variant": variant_name,
        "minima": [m.to_json() for m in claims.minima],
        "trapped": None if trapped is None else {"a": trapped.a, "b": trapped.b, "correct": list(trapped.correct)},
        "config": {**claims.variant, "forget_copies": claims.forget_copies, "seed": claims.seed,
                   "reconstructed": "output, targets and ridge_scaling (docs/theory.md#non-convex-toy)"},
        "claims": [{"name": c.name, "statement": c.statement, "reproduced": c.reproduced, **c.numbers}
                   for c in claims.subclaims],
    }


#: the readings of the reconstructed parts, as printed in the figure's title
_OUTPUT_TEXT = {"tanh_half": r"$\sigma(z) = \tanh(z/2)$", "shifted_sigmoid": r"$\sigma(z) = \mathrm{sigmoid}(z) - 1/2$",
                "sigmoid": r"$\sigma(z) = \mathrm{sigmoid}(z)$"}
_TARGET_TEXT = {"pm1": r"targets $\pm 1$", "pm_half": r"targets $\pm 1/2$", "zero_one": r"targets $\{0, 1\}$"}
_RIDGE_TEXT = {"half": r"ridge $(\lambda/2)\|\theta\|^2$", "full": r"ridge $\lambda\|\theta\|^2$"}
_GLOBAL, _LOCAL = {"color": "crimson", "marker": "*"}, {"color": "darkorange", "marker": "o"}
N_LEVELS = 24  # filled contour bands per landscape


def contour_levels(surface: np.ndarray, n_levels: int = N_LEVELS) -> tuple[np.ndarray, np.ndarray]:
    """Contour levels of a landscape L_w, evenly spaced in √(L_w − min L_w), and the colour-bar ticks.

    Near a strict minimum L_w − min L_w grows quadratically, so levels even in its square root are rings at even
    distances around the basin; even levels in L_w itself would put one ring in each basin and the rest on the
    saturated plateaus. The ticks are the minimum itself and round values of L_w (1-2-2.5-5 steps).

    >>> levels, ticks = contour_levels(np.array([[1.0, 2.0], [5.0, 26.0]]), n_levels=5)
    >>> np.sqrt(levels - 1.0).round(6).tolist(), ticks.tolist()
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 5.0, 10.0, 15.0, 20.0, 25.0])
    """
    from matplotlib.ticker import MaxNLocator

    low, high = float(surface.min()), float(surface.max())
    levels = low + np.linspace(0.0, np.sqrt(high - low), n_levels + 1) ** 2
    nice = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)
    nice = nice[(nice >= low) & (nice <= high)]
    # drop a round value that would print on top of the minimum's label (within 4 % of the bar's length)
    nice = nice[np.sqrt(nice - low) > 0.04 * np.sqrt(high - low)]
    return levels, np.concatenate([[low], nice])


def plot(claims: toy_claims.ToyClaims, variant: toy_problem.ToyVariant, resolution: int):
    """Figure 5 analogue as a :class:`matplotlib.figure.Figure` (two rows, one column per objective).

    Top: L_w(a, b) of the pretrained, oracle and GDA objectives (shared a and b axes), each with its colour bar
    (:func:`contour_levels`), every local minimum (★ global, ● local, with its loss) and, on the oracle panel,
    where fine-tuning on R from the GDA minimum ends (×). Bottom: the decision functions h_θ(x) of those minima,
    the four clusters (marker area ∝ the objective's weight) and, per minimum, which clusters it gets right.
    """
    from matplotlib.colors import FuncNorm
    from matplotlib.lines import Line2D

    thetas = np.array([[m.a, m.b] for m in claims.minima])
    lo, hi = thetas.min(axis=0) - [1.5, 1.0], thetas.max(axis=0) + [1.5, 1.0]
    a_grid, b_grid = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    mesh = np.stack(np.meshgrid(a_grid, b_grid), axis=-1)  # (res, res, 2)
    x_line = np.linspace(-2, 5, 400)
    inputs, labels = np.array(toy_problem.INPUTS), np.array(toy_problem.LABELS)
    t = toy_problem.targets(variant)
    midpoint, span = (t.max() + t.min()) / 2, t.max() - t.min()
    with paper_style():
        fig = new_figure(FIGURE_WIDTH_INCHES, 6.0)
        top_grid, bottom_grid = fig.subfigures(2, 1, height_ratios=[1.15, 1.0])
        top = top_grid.subplots(1, 3, sharex=True, sharey=True)
        bottom = bottom_grid.subplots(1, 3, sharex=True, sharey=True)
        for col, objective in enumerate(toy_problem.OBJECTIVES):
            weights = toy_problem.objective_weights(objective, claims.forget_copies)
            surface = toy_problem.loss(mesh, weights, variant)  # (res, res)
            levels, ticks = contour_levels(surface)
            low = levels[0]
            norm = FuncNorm((lambda v, low=low: np.sqrt(np.maximum(v - low, 0)), lambda u, low=low: low + u**2),
                            vmin=low, vmax=levels[-1])
            ax = top[col]
            filled = ax.contourf(a_grid, b_grid, surface, levels=levels, norm=norm, cmap="viridis_r")
            ax.contour(a_grid, b_grid, surface, levels=levels, colors="k", linewidths=0.3, alpha=0.5)
            bar = top_grid.colorbar(filled, ax=ax, ticks=ticks, format="%.3g", pad=0.02, aspect=30)
            bar.ax.tick_params(labelsize=SMALLEST_FONT_PT)
            minima = [m for m in claims.minima if m.objective == objective]
            for m in minima:
                style = _GLOBAL if m.is_global else _LOCAL
                ax.plot(m.a, m.b, ls="none", marker=style["marker"], mfc=style["color"], mec="white", mew=1.0,
                        ms=13 if m.is_global else 8)
                ax.annotate(f"L = {m.loss:.3g}", (m.a, m.b), textcoords="offset points", xytext=(7, 5),
                            fontsize=SMALLEST_FONT_PT,
                            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
            if objective == "oracle" and claims.trapped is not None:
                ax.plot(claims.trapped.a, claims.trapped.b, ls="none", marker="x", color="white", ms=8, mew=2.0)
            ax.set_title(f"{PANEL_TITLES[objective]}: $w_{{x=4}}$ = {weights[-1]:g}")
            ax.set_xlabel(r"$a$ (weight of $x$)")

            ax = bottom[col]
            for m in minima:
                style = _GLOBAL if m.is_global else _LOCAL
                pattern = "".join("✓" if c else "✗" for c in m.correct)
                ax.plot(x_line, toy_problem.predict(m.theta, x_line, variant), "-" if m.is_global else "--",
                        color=style["color"], label=f"{'global' if m.is_global else 'local'} {pattern}")
            ax.axhline(midpoint, color="grey", lw=0.8)
            curves = ax.legend(loc="lower center", title="right at x = −1, 1, 3, 4", framealpha=0.9)
            for sign, colour in ((1, "tab:blue"), (-1, "tab:red")):
                sel = labels == sign
                ax.scatter(inputs[sel], t[sel], s=30 * np.maximum(weights[sel], 0) + 4, c=colour, zorder=3,
                           edgecolors="k", linewidths=0.6, label=f"$y = {sign:+d}$")
            if col == 0:  # the cluster markers mean the same in every panel: explained once, above the data
                ax.add_artist(curves)
                ax.legend(handles=ax.collections[-2:], loc="upper left", ncol=2, title="clusters (area ∝ weight)",
                          framealpha=0.9, markerscale=0.6)
            ax.set_xlabel("$x$")
        # the markers mean the same in the three panels: one key for the row, in a strip of its own below the row
        # (constrained layout reserves it), so it can never cover a minimum, whatever the reading
        top_grid.legend(handles=[
            Line2D([], [], ls="none", marker="*", mfc=_GLOBAL["color"], mec="white", ms=11, label="global minimum"),
            Line2D([], [], ls="none", marker="o", mfc=_LOCAL["color"], mec="white", ms=7, label="local minimum"),
            Line2D([], [], ls="none", marker="x", color="k", ms=7, mew=2.0,
                   label="end of fine-tuning on R from GDA's minimum"),
        ], loc="outside lower center", ncol=3, frameon=False, handletextpad=0.3, columnspacing=1.2)
        top[0].set_ylabel(r"$b$ (weight of $x^2$)")
        bottom[0].set_ylabel(r"$h_\theta(x) = \sigma(ax + bx^2)$")
        # room below the data for the legend of the minima, above it for the clusters'
        bottom[0].set_ylim(t.min() - 1.15 * span, t.max() + 0.8 * span)
        top_grid.suptitle(r"Loss landscapes $L_w(a, b)$ and their minima (levels even in $\sqrt{L_w - \min L_w}$)",
                          fontsize=9.5)
        bottom_grid.suptitle(r"Decision functions of those minima (grey: the decision threshold)", fontsize=9.5)
        status = "all 5 claims reproduced" if claims.reproduced else "NOT reproduced: " + ", ".join(
            c.name for c in claims.subclaims if not c.reproduced)
        fig.suptitle(f"Non-convex toy (Fig. 5 analogue), reconstructed reading: {_OUTPUT_TEXT[variant.output]}, "
                     f"{_TARGET_TEXT[variant.targets]},\n{_RIDGE_TEXT[variant.ridge_scaling]}, "
                     f"$\\lambda$ = {variant.ridge:g}; {status}")
    return fig


def write_outputs(claims: toy_claims.ToyClaims, variant_name: str, variant: toy_problem.ToyVariant, out: Path,
                  resolution: int = 241) -> list[Path]:
    """Write ``toy_minima.json``, ``toy_figure.png`` and ``toy_figure.pdf`` into ``out``; returns the paths."""
    out = Path(out)
    paths = [atomic_write_json(out / "toy_minima.json", toy_json(claims, variant_name))]
    fig = plot(claims, variant, resolution)
    with paper_style():  # the style's savefig settings (tight box, TrueType fonts in the PDF) apply when saving
        paths += [atomic_savefig(fig, out / f"toy_figure.{suffix}", dpi=DPI) for suffix in ("png", "pdf")]
    return paths


def main(args: argparse.Namespace) -> int:
    # every argument is checked before any work: the parameters first, then --out (created if missing, proved
    # writable), so a mistake costs a second and leaves nothing behind
    variant = toy_problem.get_variant(args.variant, args.ridge)
    require_in_range("resolution", args.resolution, 20, 2000, closed=(True, True), symbol="contour grid points per axis")
    out = output_dir("--out", args.out)
    claims = toy_claims.check_claims(variant, seed=args.seed)
    if not claims.minima:
        raise ValueError(f"no strict minimum found for variant {args.variant!r} at ridge={variant.ridge}")
    paths = write_outputs(claims, args.variant, variant, out, args.resolution)
    print(f"variant {args.variant}: {asdict(variant)}")
    for m in claims.minima:
        pattern = "".join("✓" if c else "✗" for c in m.correct)
        print(f"  {m.objective:<15} a={m.a:8.4f} b={m.b:8.4f} loss={m.loss:9.4f} "
              f"{'global' if m.is_global else 'local '} {pattern}")
    for c in claims.subclaims:
        print(f"  [{'ok' if c.reproduced else 'NO'}] {c.statement}")
    if claims.trapped is not None:
        tr = claims.trapped
        print(f"  fine-tuning on R from the GDA minimum ends at ({tr.a:.4f}, {tr.b:.4f}), loss {tr.loss:.4f}: "
              f"{'trapped' if claims.is_trapped else 'not trapped'}")
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
