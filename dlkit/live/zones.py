"""Shaded stretches of x under a panel's lines (where an activation is dead, inactive or saturated), and the lines
and histograms drawn over them.

    chart = ZonedCurves("tanh and its derivative", "f(z) and f′(z)", xlabel="pre-activation z")
    chart.show(series, zones=[(-6.0, -2.4, "saturated: |f′| < 5% of peak", PURPLE), ...], x_span=(-6.0, 6.0))
"""
from __future__ import annotations

import bqplot as bq
import numpy as np

from ..plots.palette import GREY
from .bars import Histograms
from .curves import Curves
from .ticks import linear_ticks, nice_range

ZONE_OPACITY = 0.15              # a zone is a pale wash: the lines over it stay readable
FAINT_OPACITY = 0.45             # lines drawn for comparison only
FAINT_WIDTH = 1.0
FAINT_COLOR = GREY


class Zones:
    """Filled rectangles spanning the plot's height over x intervals, drawn below the panel's other marks."""

    def __init__(self, panel):
        self.band_scale = bq.LinearScale(min=0.0, max=1.0)
        self.mark = bq.Lines(x=[[0.0, 0.0]], y=[[0.0, 0.0]], fill="inside", colors=["#ffffff"],
                             fill_colors=["#ffffff"], fill_opacities=[ZONE_OPACITY], stroke_width=0.0,
                             visible=False, scales={"x": panel.x, "y": self.band_scale})
        panel.figure.marks = [self.mark, *panel.figure.marks]
        self.entries = []

    def show(self, zones):
        """zones: (x0, x1, label, colour) stretches; the legend names each label once."""
        zones = [(float(a), float(b), label, color) for a, b, label, color in zones]
        self.entries = list(dict.fromkeys((label, color, "dot") for _, _, label, color in zones))
        if not zones:
            if self.mark.visible:
                self.mark.visible = False
            return
        x = np.array([[a, b, b, a, a] for a, b, _, _ in zones])                    # (Z, 5) closed rectangles
        y = np.tile([0.0, 0.0, 1.0, 1.0, 0.0], (len(zones), 1))
        colors = [color for *_, color in zones]
        with self.mark.hold_sync():
            self.mark.x, self.mark.y = x, y
            self.mark.colors, self.mark.fill_colors = colors, colors
            self.mark.fill_opacities = [ZONE_OPACITY] * len(zones)
            self.mark.visible = True


def span_x(panel, lo, hi):
    """Set x to exactly [lo, hi] (the range a control asks for), ticked at round values inside it."""
    _, _, step = nice_range(lo, hi)
    first, last = np.ceil(lo / step - 1e-9) * step, np.floor(hi / step + 1e-9) * step
    ticks = linear_ticks(first, last, step)
    if panel.x.min != lo or panel.x.max != hi:
        with panel.x.hold_sync():
            panel.x.min, panel.x.max = float(lo), float(hi)
    current = panel.x_axis.tick_values
    if current is None or list(current) != ticks:
        panel.x_axis.tick_values = ticks


class ZonedCurves(Curves):
    """Curves over shaded zones, on an x span the caller sets; ``faint`` names lines drawn thin and pale (the
    others, for comparison)."""

    def __init__(self, title, ylabel, xlabel, **curves):
        super().__init__(title, ylabel, xlabel=xlabel, x_range=(0.0, 1.0), **curves)
        self.zones = Zones(self)
        self.faint = ()

    def show(self, series, zones=(), x_span=(0.0, 1.0), faint=()):
        """series: a list of :class:`dlkit.live.Series`; zones: (x0, x1, label, colour); x_span: (lo, hi)."""
        self.zones.show(zones)
        self.faint = tuple(faint)
        span_x(self, *x_span)
        super().show(series)
        for label, mark in self.lines.items():
            width, opacity = (FAINT_WIDTH, FAINT_OPACITY) if label in faint else (2.0, 1.0)
            if mark.stroke_width != width:
                mark.stroke_width, mark.opacities = width, [opacity]

    def legend(self, entries):
        """The lines' entries (the faint ones named together, in grey), then the zones'."""
        faint = [label for label, _, _ in entries if label in self.faint]
        entries = [e for e in entries if e[0] not in self.faint]
        if faint:
            entries.append(("others: " + ", ".join(faint), FAINT_COLOR, "solid"))
        super().legend([*entries, *self.zones.entries])


class ZonedHistograms(Histograms):
    """Histograms over shaded zones (the zones' legend is left to a neighbouring chart when ``zone_legend`` is
    False)."""

    def __init__(self, title, xlabel, zone_legend=True, **panel):
        super().__init__(title, xlabel, **panel)
        self.zones = Zones(self)
        self.zone_legend = zone_legend

    def show(self, edges, heights, labels, colors, zones=()):
        """As :meth:`Histograms.show`, over the zones (x0, x1, label, colour); x spans the edges exactly (the
        range a control asks for), not rounded outwards."""
        self.zones.show(zones)
        super().show(edges, heights, labels, colors)
        span_x(self, float(edges[0]), float(edges[-1]))

    def legend(self, entries):
        super().legend([*entries, *(self.zones.entries if self.zone_legend else [])])
