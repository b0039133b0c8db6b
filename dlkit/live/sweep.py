"""One number per setting of a sweep (per batch size: loss noise, iterations per epoch, accuracy), against the
setting on a log axis ticked at the swept values themselves; the highlighted value ringed, and an optional second
quantity on a right-hand axis of its own (iterations per epoch and milliseconds per epoch share one x).

    chart = Sweep("cost of an epoch", "iterations per epoch", right="ms per epoch")
    chart.show([1, 4, 16], [160, 40, 10], right_values=[9.1, 3.2, 1.4], highlight=4)
"""
from __future__ import annotations

import bqplot as bq
import numpy as np

from ..plots.palette import BLACK, BLUE, VERMILLION
from .panel import MARGIN, Panel

RING_SIZE = 220                 # px² of the ring around the highlighted value
DOT_SIZE = 30
TICK_RATIO = 2.2                # neighbouring ticks of a log axis this far apart at least (no overlapping labels)
PERCENT_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
RIGHT_MARGIN = 64               # px: room for the right-hand axis' ticks and label


class Sweep(Panel):
    """Values (K,) at the swept settings (K,) as a line with dots; ``log`` puts y on a log scale, ``percent``
    formats it as 0..1 shown in %. ``right`` names a second quantity drawn dashed against its own right axis."""

    def __init__(self, title, ylabel, xlabel="batch size B (log scale)", log=False, percent=False, right=None,
                 color=BLUE, right_color=VERMILLION, **panel):
        super().__init__(title, xlabel, ylabel, x="log", y="log" if log else "linear",
                         y_range=(0.0, 1.0) if percent else None, y_format=".0%" if percent else "~g",
                         y_ticks=PERCENT_TICKS if percent else None,
                         x_format="d", **panel)
        self.log, self.percent, self.ylabel, self.color = log, percent, ylabel, color
        self.line = self.add(bq.Lines(x=[1.0], y=[1.0], colors=[color], stroke_width=2, marker="circle",
                                      marker_size=DOT_SIZE, visible=False, scales={"x": self.x, "y": self.y}))
        self.ring = self.add(bq.Scatter(x=[1.0], y=[1.0], colors=[BLACK], default_size=RING_SIZE, fill=False,
                                        stroke=BLACK, stroke_width=1.5, visible=False,
                                        scales={"x": self.x, "y": self.y}))
        self.right = None
        if right is not None:
            self._add_right(right, right_color)

    def _add_right(self, label, color):
        self.right, self.right_label, self.right_color = bq.LogScale(), label, color
        self.right_axis = bq.Axis(scale=self.right, label=label, side="right",
                                  tick_format="~g", tick_style=dict(self.y_axis.tick_style), grid_lines="none",
                                  label_offset="44px", label_color=color)
        self.right_line = bq.Lines(x=[1.0], y=[1.0], colors=[color], stroke_width=2, line_style="dashed",
                                   marker="square", marker_size=DOT_SIZE, visible=False,
                                   scales={"x": self.x, "y": self.right})
        self.figure.axes = [*self.figure.axes, self.right_axis]
        self.figure.fig_margin = {**MARGIN, "right": RIGHT_MARGIN}
        self.y_axis.label_color = self.color
        self.add(self.right_line)

    def show(self, settings, values, right_values=None, highlight=None, label=None):
        """settings (K,) > 0 swept values (x), values (K,) and right_values (K,) (the right axis' quantity);
        ``highlight`` one of the settings, ringed; ``label`` names the values in the legend."""
        x = np.asarray(settings, np.float64).ravel()
        y = self._positive(values)
        self._set_x(x)
        _set_line(self.line, x, y)
        if not self.percent and y.size:
            self.fit_y(*_bounds(y, self.log))
        entries = [(label or self.ylabel, self.color, "solid")]
        if self.right is not None and right_values is not None:
            r = np.asarray(right_values, np.float64).ravel()
            r = np.where(r > 0, r, np.nan)
            _set_line(self.right_line, x, r)
            if r.size:
                self._fit(self.right, self.right_axis, "log", *_bounds(r, True))
            entries.append((self.right_label, self.right_color, "dashed"))
        ring = np.flatnonzero((x == highlight) & np.isfinite(y)) if highlight is not None else []
        with self.ring.hold_sync():
            self.ring.visible = len(ring) > 0
            if len(ring):
                self.ring.x, self.ring.y = x[ring[:1]], y[ring[:1]]
        if len(ring):
            entries.append((f"B = {int(highlight)} (highlighted)", BLACK, "dot"))
        self.legend(entries)

    def _positive(self, values):
        y = np.asarray(values, np.float64).ravel()
        return np.where(y > 0, y, np.nan) if self.log else y              # a log axis leaves out values <= 0

    def _set_x(self, x):
        """The x axis spans the swept values (a factor of two beyond each end), ticked at each of them that is
        TICK_RATIO or more from the next one kept (the last, the full batch, always kept)."""
        if not x.size:
            return
        ticks = spread_ticks(x)
        lo, hi = float(x.min()) / 2, float(x.max()) * 2
        if self.x.min != lo or self.x.max != hi:
            with self.x.hold_sync():
                self.x.min, self.x.max = lo, hi
        if list(self.x_axis.tick_values if self.x_axis.tick_values is not None else []) != ticks:
            self.x_axis.tick_values = ticks


def spread_ticks(values):
    """The values (K,) > 0 kept as log-axis ticks: from the largest down, each at least TICK_RATIO times below
    the last one kept, so that no two labels overlap."""
    kept = []
    for v in sorted({float(v) for v in values}, reverse=True):
        if not kept or kept[-1] >= TICK_RATIO * v:
            kept.append(v)
    return kept[::-1]


def _set_line(mark, x, y):
    keep = np.isfinite(y)
    with mark.hold_sync():
        mark.x, mark.y, mark.visible = x[keep], y[keep], bool(keep.any())


def _bounds(y, log):
    """(lo, hi) of the finite values; a linear axis starts at 0."""
    y = y[np.isfinite(y)]
    if not y.size:
        return 0.0, 1.0
    lo, hi = float(y.min()), float(y.max())
    return (lo, hi) if log else (min(lo, 0.0), hi)
