"""The look of the suite's figures: sized for a printed page, with fonts that stay readable there.

A figure drawn 13 inches wide and shrunk to a paper's 5.5-inch text width prints its 8-pt labels at 3.4 pt;
these figures are drawn :data:`FIGURE_WIDTH_INCHES` wide, so a full-width placement scales them by 0.76 and
no text prints smaller than 6 pt (:data:`SMALLEST_FONT_PT` here). Library code builds :class:`matplotlib.figure.Figure` objects inside
:func:`paper_style` and never touches pyplot's global state or the backend (``matplotlib.use``): a bare
``Figure`` renders PNG and PDF by itself, and a caller's own pyplot session is left alone.

>>> with paper_style():
...     fig = new_figure(3.0, 2.0)
>>> type(fig).__name__, fig.get_size_inches().tolist()
('Figure', [3.0, 2.0])
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["FIGURE_WIDTH_INCHES", "SMALLEST_FONT_PT", "DPI", "PAPER_RC", "paper_style", "new_figure"]

#: width of a full-width figure; NeurIPS' text block is 5.5 in, so it prints at 0.76 of this size
FIGURE_WIDTH_INCHES = 7.2
#: no text in a figure is smaller (tick labels, legends, annotations): 6.1 pt when printed at 5.5 in
SMALLEST_FONT_PT = 8.0
DPI = 200  # PNG resolution: 1440 pixels across a full-width figure

#: rcParams applied while a figure is built (artists take their font sizes when they are created) and saved
PAPER_RC: dict[str, object] = {
    "font.size": 9.0,
    "axes.titlesize": 9.5,
    "axes.labelsize": 9.0,
    "xtick.labelsize": SMALLEST_FONT_PT,
    "ytick.labelsize": SMALLEST_FONT_PT,
    "legend.fontsize": SMALLEST_FONT_PT,
    "legend.title_fontsize": SMALLEST_FONT_PT,
    "figure.titlesize": 10.0,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.5,
    "savefig.bbox": "tight",  # nothing drawn outside the canvas is cut off
    "savefig.pad_inches": 0.04,
    "pdf.fonttype": 42,  # TrueType in the PDF: text stays text, as journals ask
}


@contextmanager
def paper_style() -> Iterator[None]:
    """Apply :data:`PAPER_RC` while a figure is built or saved (scoped: the caller's rcParams come back after)."""
    import matplotlib

    with matplotlib.rc_context(PAPER_RC):
        yield


def new_figure(width: float, height: float):
    """A :class:`matplotlib.figure.Figure` of ``width`` × ``height`` inches with constrained layout, outside pyplot."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")
