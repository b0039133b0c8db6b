"""Grouped bars (per-layer percentages, precision/recall/F1, results per batch size) and histograms drawn as
step lines (one per layer or series).

An ordinal axis would label every category: 30 layers give 30 labels in 180 px, drawn over each other. Bars are
labelled at round steps of their categories instead (:func:`category_ticks`): layers 1, 5, 10, ... 30. (bqplot
ticks an ordinal axis at every category whatever its tick_values say, so the others get empty tick labels.)
"""
from __future__ import annotations

import bqplot as bq
import numpy as np

from .panel import Panel
from .ticks import LOG_FLOOR

CATEGORY_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
MOST_CATEGORY_TICKS = 8          # a narrow panel's plot area (~180 px) fits this many short labels side by side
FIRST_TICK_FROM_STEP = 5         # from this step on the first category (layer 1) is ticked too: it sits >= 4 apart
PERCENT_TICKS = (0, 25, 50, 75, 100)
TICK_FORMAT = "~g"               # d3: 0.25 stays "0.25" (bqplot's guess wrote "0.3"), 1e-5 stays short
EVEN_EDGES = 1e-9                # bin widths equal to this share of the range count as even (np.linspace's)


def category_step(count, most=MOST_CATEGORY_TICKS):
    """The smallest round step (1, 2, 5, 10, 20, 25, 50, ...) that leaves at most ``most`` ticks of ``count``
    categories."""
    for step in CATEGORY_STEPS:
        if count / step <= most:
            return step
    return int(np.ceil(count / most))


def category_ticks(categories, most=MOST_CATEGORY_TICKS):
    """The categories (K,) to label on x, at most about ``most``: every one while they fit; else, for numbered
    categories 1..K (layers), the multiples of a round step (and 1 when the step is 5 or more, so the first
    layer is named and keeps its distance); for other names, every step-th from the first."""
    names = [str(c) for c in categories]
    step = category_step(len(names), most)
    if step == 1:
        return names
    numbers = _consecutive_integers(categories)
    if numbers is None:
        return names[::step]
    picked = [n for n in numbers if n % step == 0]
    if step >= FIRST_TICK_FROM_STEP and numbers[0] not in picked:
        picked = [numbers[0], *picked]
    return [str(n) for n in picked]


def _consecutive_integers(categories):
    """The categories as ints when they are consecutive whole numbers (1, 2, 3, ...), else None."""
    try:
        numbers = [int(c) for c in categories]
    except (TypeError, ValueError):
        return None
    if not numbers or [str(n) for n in numbers] != [str(c) for c in categories]:
        return None
    return numbers if numbers == list(range(numbers[0], numbers[0] + len(numbers))) else None


class BarChart(Panel):
    """Groups of bars: one group per category (an ordinal x), one bar per series in it; x ticked at round steps
    when the categories are many (:func:`category_ticks`)."""

    def __init__(self, title, ylabel, xlabel="", percent=False, log=False, y_range=None, least_top=None, **panel):
        """``least_top``: y reaches at least this high (a few percent of dead units stay small, not the whole
        height, and an empty chart keeps its scale); ``percent`` fixes y to 0-100 instead."""
        if percent and y_range is None:
            y_range = (0.0, 100.0)
            panel.setdefault("y_ticks", PERCENT_TICKS)
        panel.setdefault("y_format", TICK_FORMAT)
        super().__init__(title, xlabel, ylabel, x="ordinal", y="log" if log else "linear", y_range=y_range, **panel)
        self.log, self.fixed_y, self.least_top = log, y_range is not None, least_top
        self.bars = self.add(bq.Bars(x=["·"], y=[[0.0]], type="grouped", scales={"x": self.x, "y": self.y},
                                     padding=0.2, base=LOG_FLOOR if log else 0.0, stroke_width=0.0))

    def show(self, categories, values, labels, colors):
        """categories (K,) names on x; values (S, K), one row per series; labels and colors (S,) for the legend."""
        values = np.asarray(values, np.float64).reshape(len(labels), len(categories))
        if self.log:
            values = np.where(values > 0, values, LOG_FLOOR)
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
        names = [str(c) for c in categories]
        with self.bars.hold_sync():
            if list(self.bars.x) != names:
                self.bars.x = names
            self.bars.y = values
            self.bars.colors = list(colors)
        ticks = set(category_ticks(categories))
        blank = {name: "" for name in names if name not in ticks}
        if self.x_axis.tick_labels != blank:
            self.x_axis.tick_labels = blank
        if not self.fixed_y and values.size:
            top = max(float(values.max()), self.least_top if self.least_top is not None else -np.inf)
            self.fit_y(LOG_FLOOR if self.log else min(0.0, float(values.min())), top)
        self.legend([(label, color, "dot") for label, color in zip(labels, colors)])

    def labelled(self):
        """The categories whose tick carries its label (the others' labels are blank)."""
        blank = self.x_axis.tick_labels or {}
        return [name for name in self.bars.x if name not in blank]


class Histograms(Panel):
    """Histograms as step lines, one per series (up to a few layers overlaid)."""

    def __init__(self, title, xlabel, ylabel="share of values", **panel):
        panel.setdefault("x_format", TICK_FORMAT)
        panel.setdefault("y_format", TICK_FORMAT)
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
        top = float(np.nanmax(heights)) if heights.size and np.isfinite(heights).any() else 1.0
        self.fit_y(0.0, top if top > 0 else 1.0)
        self.legend([(label, color, "solid") for label, color in zip(labels, colors)])


def shares(values, edges):
    """The share of the finite ``values`` (any shape) in each bin of ``edges`` (B + 1,) -> (B,); values outside
    the edges count in the first or last bin (so nothing is hidden off the chart). Even edges are binned by
    arithmetic (np.histogram sorts the values for explicit edges: 10x slower on a 512 x 256 batch)."""
    edges = np.asarray(edges, np.float64)
    v = np.asarray(values, np.float64).ravel()
    v = v[np.isfinite(v)]
    bins = len(edges) - 1
    if not v.size:
        return np.zeros(bins)
    lo, hi = float(edges[0]), float(edges[-1])
    widths = np.diff(edges)
    if hi > lo and widths.max() - widths.min() <= EVEN_EDGES * (hi - lo):
        index = np.clip(((v - lo) * (bins / (hi - lo))).astype(np.int64), 0, bins - 1)   # (n,) bin of each value
        counts = np.bincount(index, minlength=bins)
    else:
        counts, _ = np.histogram(np.clip(v, lo, hi), bins=edges)
    return counts / v.size
