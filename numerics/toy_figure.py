"""``ascent-fails figure toy``: the Figure 5 analogue (Section 5.2) and ``toy_minima.json``.

Top row: contours of the pretrained, oracle (retrain on R) and GDA landscapes L_w(a, b) with every local
minimum marked (★ global, ● local) and the fine-tuning path from the GDA minimum on the oracle panel.
Bottom row: the decision functions h_θ(x) = σ(a·x + b·x²) of those minima over the four clusters (marker
area ∝ the objective's weight), which show the decision boundaries each minimum implies.
σ, target encoding and ridge scaling are *reconstructed* (THEORY.md §4); ``--variant`` picks the reading.

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
from ascent_fails.numerics import toy_landscape
from ascent_fails.validate import require_in_range

PANEL_TITLES = {"pretrained": "pretrained (D)", "oracle": "oracle (retrain on R)", "descent_ascent": "GDA objective"}


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="output directory (created if missing)")
    parser.add_argument("--variant", default="tanh", choices=tuple(toy_landscape.VARIANTS),
                        help="reading of σ, targets and ridge scaling (reconstructed; default: tanh)")
    parser.add_argument("--ridge", type=float, default=None, help="ridge λ ≥ 0 (default: the variant's, 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the multi-start jitter (default: 0)")
    parser.add_argument("--resolution", type=int, default=241, help="contour grid points per axis (default: 241)")


def toy_json(claims: toy_landscape.ToyClaims, variant_name: str) -> dict:
    """The ``toy_minima.json`` document of one :func:`toy_landscape.check_claims` result."""
    trapped = claims.trapped
    return {
        "variant": variant_name,
        "minima": [m.to_json() for m in claims.minima],
        "trapped": None if trapped is None else {"a": trapped.a, "b": trapped.b, "correct": list(trapped.correct)},
        "config": {**claims.variant, "forget_copies": claims.forget_copies, "seed": claims.seed,
                   "reconstructed": "output, targets and ridge_scaling (THEORY.md §4)"},
        "claims": [{"name": c.name, "statement": c.statement, "reproduced": c.reproduced, **c.numbers}
                   for c in claims.subclaims],
    }


def plot(claims: toy_landscape.ToyClaims, variant: toy_landscape.ToyVariant, resolution: int):
    """The two-row figure; returns the matplotlib Figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    thetas = np.array([[m.a, m.b] for m in claims.minima])
    lo, hi = thetas.min(axis=0) - [1.5, 1.0], thetas.max(axis=0) + [1.5, 1.0]
    a_grid, b_grid = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    mesh = np.stack(np.meshgrid(a_grid, b_grid), axis=-1)  # (res, res, 2)
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.6), gridspec_kw={"height_ratios": [1.25, 1]})
    x_line = np.linspace(-2, 5, 400)
    inputs, labels = np.array(toy_landscape.INPUTS), np.array(toy_landscape.LABELS)
    t = toy_landscape.targets(variant)
    for col, objective in enumerate(toy_landscape.OBJECTIVES):
        weights = toy_landscape.objective_weights(objective, claims.forget_copies)
        surface = toy_landscape.loss(mesh, weights, variant)  # (res, res)
        ax = axes[0, col]
        levels = np.quantile(surface, np.linspace(0, 1, 26) ** 2)
        cs = ax.contourf(a_grid, b_grid, surface, levels=np.unique(levels), cmap="viridis_r")
        ax.contour(a_grid, b_grid, surface, levels=np.unique(levels), colors="k", linewidths=0.3, alpha=0.5)
        fig.colorbar(cs, ax=ax, fraction=0.046, pad=0.02, format="%.3g")
        minima = [m for m in claims.minima if m.objective == objective]
        for m in minima:
            ax.plot(m.a, m.b, marker="*" if m.is_global else "o", ms=15 if m.is_global else 9, mec="white",
                    mfc="crimson" if m.is_global else "orange", mew=1.2, ls="none")
            ax.annotate(f"L={m.loss:.3g}", (m.a, m.b), textcoords="offset points", xytext=(8, 6), fontsize=8,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
        if objective == "oracle" and claims.trapped is not None:
            tr = claims.trapped
            ax.annotate("", (tr.a, tr.b), tr.start, arrowprops={"arrowstyle": "->", "color": "white", "lw": 1.5})
            ax.text(tr.a, tr.b - 0.25, "fine-tuned\nfrom GDA", color="white", fontsize=8, ha="center", va="top")
        if col == 0:
            ax.plot([], [], "*", ms=12, mfc="crimson", mec="white", label="global minimum")
            ax.plot([], [], "o", ms=8, mfc="orange", mec="white", label="local minimum")
            ax.legend(fontsize=8, loc="lower right", framealpha=0.85)
        ax.set_title(PANEL_TITLES[objective] + f", w(x=4) = {weights[-1]:g}")
        ax.set_xlabel("a (weight of x)")
        ax.set_ylabel("b (weight of x²)")
        bottom = axes[1, col]
        midpoint = (t.max() + t.min()) / 2
        for m in minima:
            h = toy_landscape.predict(m.theta, x_line, variant)
            pattern = "".join("✓" if c else "✗" for c in m.correct)
            bottom.plot(x_line, h, "-" if m.is_global else "--", color="crimson" if m.is_global else "orange",
                        label=f"{'global' if m.is_global else 'local'} ({m.a:.2f}, {m.b:.2f}) {pattern}")
        bottom.axhline(midpoint, color="grey", lw=0.8)
        for sign, color in ((1, "tab:blue"), (-1, "tab:red")):
            sel = labels == sign
            bottom.scatter(inputs[sel], t[sel], s=40 * np.maximum(weights[sel], 0) + 5, c=color, zorder=3,
                           edgecolors="k", label=f"y = {sign:+d} (area ∝ weight)")
        bottom.set_xlabel("x")
        bottom.set_ylabel("h_θ(x)")
        bottom.set_title("decision functions (✓/✗ at x = −1, 1, 3, 4)", fontsize=10)
        span = t.max() - t.min()
        bottom.set_ylim(t.min() - 0.65 * span, t.max() + 0.15 * span)  # room for the legend below the data
        bottom.legend(fontsize=7, loc="lower center", ncol=2, frameon=False, markerscale=0.5)
    status = "reproduced" if claims.reproduced else "NOT reproduced: " + ", ".join(
        c.name for c in claims.subclaims if not c.reproduced)
    fig.suptitle(f"Non-convex toy (Fig. 5 analogue), variant σ={variant.output}, targets={variant.targets}, "
                 f"ridge {variant.ridge_scaling} λ={variant.ridge:g} [reconstructed]; claims {status}", fontsize=10)
    fig.tight_layout()
    return fig


def main(args: argparse.Namespace) -> int:
    variant = toy_landscape.get_variant(args.variant, args.ridge)
    require_in_range("resolution", args.resolution, 20, 2000, closed=(True, True), symbol="contour grid points per axis")
    claims = toy_landscape.check_claims(variant, seed=args.seed)
    if not claims.minima:
        raise ValueError(f"no strict minimum found for variant {args.variant!r} at ridge={variant.ridge}")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    document = toy_json(claims, args.variant)
    atomic_write_json(out / "toy_minima.json", document)
    fig = plot(claims, variant, args.resolution)
    for suffix in ("png", "pdf"):
        atomic_savefig(fig, out / f"toy_figure.{suffix}", dpi=200)
    import matplotlib.pyplot as plt

    plt.close(fig)
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
    print(f"wrote {out / 'toy_figure.png'}, {out / 'toy_figure.pdf'}, {out / 'toy_minima.json'}")
    return 0
