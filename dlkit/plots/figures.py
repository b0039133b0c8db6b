"""Figures without pyplot: a Figure with its own Agg canvas (safe to draw from any thread, no global state), and
its picture as PNG bytes (for a test, a report or a page). The labs' live pictures are not drawn here: they are
drawn in the browser (:mod:`dlkit.live`)."""
from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FIGSIZE = (10.0, 4.0)      # inches
DPI = 90


def new_figure(width=FIGSIZE[0], height=FIGSIZE[1], dpi=DPI):
    """A matplotlib Figure of ``width`` x ``height`` inches with its own Agg canvas and constrained layout."""
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def to_png(fig):
    """The figure rendered and encoded as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
