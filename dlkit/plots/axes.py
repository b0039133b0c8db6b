"""What every chart does to its axis: a centred note, a small title, a log scale with readable ticks, a legend.

Live frames redraw these many times a second, so each is the cheap form of its matplotlib original (no minor
ticks, titles at a fixed height); docs/performance.md has the measurements.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from .palette import GREY, SMALL

LEGEND_ALPHA = 0.85
NOTE_ALPHA = 0.85
NOTE_ZORDER = 10           # above every series: data cannot hide a note
WIDE_DECADES = 2           # a log axis over more decades is ticked at the decades only
NARROW_DECADES = 0.7       # ... over more than this at 1, 2, 5; inside about one decade at plain steps
PLAIN_TICKS = 4
PLAIN_LABELS = (1e-3, 1e4)   # |value| in this range is written plainly (0.5, 200), outside as 1e-05


def message(ax, text, color=GREY):
    """A centred note on an axis ("press Train", "diverged", ...), on a white box so data cannot hide it."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=color, wrap=True,
            bbox={"facecolor": "white", "alpha": NOTE_ALPHA, "edgecolor": "none"}, zorder=NOTE_ZORDER)


def log_axis(ax, which="y", base=10):
    """A log-scaled axis with labelled major ticks only (minor ticks are costly to draw in a live frame):
    decades over a wide range, 1-2-5 over a narrow one, plain steps inside a single decade."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    (ax.set_yscale if which == "y" else ax.set_xscale)("log", base=base)
    axis.set_major_locator(_LogTicks(base=base))
    axis.set_major_formatter(FuncFormatter(tick_label))
    axis.set_minor_locator(NullLocator())
    return ax


class _LogTicks(LogLocator):
    def tick_values(self, vmin, vmax):
        vmin, vmax = min(vmin, vmax), max(vmin, vmax)
        if vmin > 0 and self._base == 10:
            decades = math.log10(vmax / vmin)
            self.set_params(subs=(1.0,) if decades > WIDE_DECADES else (1.0, 2.0, 5.0)
                            if decades > NARROW_DECADES else np.arange(1.0, 10.0))
        ticks = super().tick_values(vmin, vmax)
        if vmin > 0 and np.sum((ticks >= vmin) & (ticks <= vmax)) < 2:
            ticks = MaxNLocator(PLAIN_TICKS).tick_values(vmin, vmax)          # inside one decade: plain steps
            ticks = ticks[ticks > 0]
        return ticks


def tick_label(value, _pos=None):
    """A log axis's tick label: plain inside PLAIN_LABELS (0.5, 200), else one digit and an exponent (1e-05)."""
    if value == 0 or not math.isfinite(value):
        return ""
    if PLAIN_LABELS[0] <= abs(value) < PLAIN_LABELS[1]:
        return f"{value:g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def title(ax, text):
    """A small axis title at a fixed height (placing titles automatically is costly in a live frame)."""
    ax.set_title(text, fontsize=SMALL + 1, y=1.0, pad=4)
    return ax


def legend(ax, **kw):
    """The axis's legend in the small font, if anything on it has a label."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=SMALL, framealpha=LEGEND_ALPHA, numpoints=1, **kw)


def finite(values):
    """The finite entries of ``values``, flattened, as float64."""
    v = np.asarray(values, dtype=np.float64)
    return v[np.isfinite(v)]


def steps(heights, edges):
    """The outline of a histogram, heights (B,) over edges (B + 1,), from 0 to 0 as x, y arrays: what
    ``ax.stairs`` draws, as a plain line (a stairs patch is far slower to add in a live frame)."""
    xs = np.repeat(edges, 2)
    ys = np.concatenate([[0.0], np.repeat(heights, 2), [0.0]])
    return xs, ys
