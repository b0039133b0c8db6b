"""Grouped bars (per-layer percentages, precision/recall/F1, results per batch size) and histograms drawn as
step lines (one per layer or series)."""
from __future__ import annotations

import bqplot as bq
import numpy as np

from .panel import Panel
from .ticks import LOG_FLOOR


class BarChart(Panel):
    """Groups of bars: one group per category (an ordinal x), one bar per series in it."""

    def __init__(self, title, ylabel, xlabel="", percent=False, log=False, y_range=None, **panel):
        if percent and y_range is None:
            y_range = (0.0, 100.0)
        super().__init__(title, xlabel, ylabel, x="ordinal", y="log" if log else "linear", y_range=y_range, **panel)
        self.log, self.fixed_y = log, y_range is not None
        self.bars = self.add(bq.Bars(x=["·"], y=[[0.0]], type="grouped", scales={"x": self.x, "y": self.y},
                                     padding=0.2, base=LOG_FLOOR if log else 0.0, stroke_width=0.0))

    def show(self, categories, values, labels, colors):
        """categories (K,) names on x; values (S, K), one row per series; labels and colors (S,) for the legend."""
        values = np.asarray(values, np.float64).reshape(len(labels), len(categories))
        if self.log:
            values = np.where(values > 0, values, LOG_FLOOR)
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
        with self.bars.hold_sync():
            self.bars.x = [str(c) for c in categories]
            self.bars.y = values
            self.bars.colors = list(colors)
        if not self.fixed_y and values.size:
            self.fit_y(LOG_FLOOR if self.log else min(0.0, float(values.min())), float(values.max()))
        self.legend([(label, color, "dot") for label, color in zip(labels, colors)])


class Histograms(Panel):
    """Histograms as step lines, one per series (up to a few layers overlaid)."""

    def __init__(self, title, xlabel, ylabel="share of values", **panel):
        super().__init__(title, xlabel, ylabel, **panel)
        self.lines = self.add(bq.Lines(x=[0.0, 1.0], y=[[0.0, 0.0]], interpolation="step-after", stroke_width=1.6,
                                       scales={"x": self.x, "y": self.y}))

    def show(self, edges, heights, labels, colors):
        """edges (B + 1,) shared bin edges; heights (S, B) per series (shares of its values per bin)."""
        edges = np.asarray(edges, np.float64)
        heights = np.asarray(heights, np.float64).reshape(len(labels), len(edges) - 1)
        closed = np.concatenate([heights, heights[:, -1:]], axis=1)       # step-after needs the last edge
        with self.lines.hold_sync():
            self.lines.x, self.lines.y, self.lines.colors = edges, closed, list(colors)
        self.fit_x(float(edges[0]), float(edges[-1]))
        self.fit_y(0.0, float(np.nanmax(heights)) if heights.size else 1.0)
        self.legend([(label, color, "solid") for label, color in zip(labels, colors)])
