"""What a reviewer checks in a figure, as functions that list the problems they find (an empty list is a pass).

Extents are measured on an Agg rendering of the figure (constrained layout runs at draw time), in pixels.
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

_SLACK = 1.0  # pixels of rounding allowed at an edge


def render(fig: Figure):
    """Draw ``fig`` on an Agg canvas of its own (no pyplot) and return the renderer."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _inside(inner, outer) -> bool:
    return (inner.x0 >= outer.x0 - _SLACK and inner.y0 >= outer.y0 - _SLACK
            and inner.x1 <= outer.x1 + _SLACK and inner.y1 <= outer.y1 + _SLACK)


def legends_outside_their_axes(fig: Figure, renderer) -> list[str]:
    """Axes legends that reach beyond their axes."""
    problems = []
    for ax in fig.get_axes():
        legend = ax.get_legend()
        if legend is not None and not _inside(legend.get_window_extent(renderer), ax.get_window_extent(renderer)):
            problems.append(f"legend of '{ax.get_title()}' leaves its axes")
    return problems


def figure_legends_over_axes(fig: Figure, renderer) -> list[str]:
    """Figure- and subfigure-level legends that overlap an axes (they must sit in a strip of their own)."""
    problems = []
    legends = [*fig.legends, *(leg for sub in fig.subfigs for leg in sub.legends)]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.get_axes():
            if ax.get_visible() and box.overlaps(ax.get_window_extent(renderer)):
                problems.append(f"figure legend overlaps axes '{ax.get_title()}'")
    return problems


def text_outside_figure(fig: Figure, renderer) -> list[str]:
    """Drawn artists that would be cut off: the figure's tight box (what is drawn) beyond its canvas."""
    tight, canvas = fig.get_tightbbox(renderer), fig.bbox_inches  # inches
    slack = _SLACK / fig.dpi
    if (tight.x0 >= -slack and tight.y0 >= -slack and tight.x1 <= canvas.x1 + slack and tight.y1 <= canvas.y1 + slack):
        return []
    return [f"drawn extent {tight.bounds} exceeds the canvas {canvas.bounds} (inches)"]


def fonts_smaller_than(fig: Figure, points: float) -> list[str]:
    """Visible text set smaller than ``points``."""
    return [f"{t.get_text()!r} at {t.get_fontsize():g} pt" for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.get_fontsize() < points - 1e-9]
