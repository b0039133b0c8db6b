"""A labelled matrix of counts (a confusion matrix): cells shaded by their share of the row, the count written in
each cell, the first class at the top left (as a confusion matrix is printed).

The class count may change between two calls (a lab switches from two classes to ten): bqplot checks a heat map's
``row`` and ``column`` against the shape of its ``color`` at assignment, so the colours go first, then the names,
all in one message.
"""
from __future__ import annotations

import bqplot as bq
import numpy as np

from .panel import Panel

SHADES = ["#ffffff", "#0072B2"]  # white -> blue (the palette's blue), by the cell's share of its row
DARK_TEXT, LIGHT_TEXT = "#000000", "#ffffff"
LIGHT_ABOVE = 0.55               # a cell shaded deeper than this gets white text
TEXT_SIZE = 13                   # px of a cell's count ...
SMALL_TEXT_SIZE = 10             # ... and with more classes than MANY_CLASSES
MANY_CLASSES = 6


class Matrix(Panel):
    """counts (K, K), rows = true class (top to bottom), columns = predicted class (left to right)."""

    def __init__(self, title="confusion matrix", **panel):
        super().__init__(title, "predicted class", "true class", x="ordinal", y="ordinal", **panel)
        self.y.reverse = True                                     # the first class in the top row
        self.color = bq.ColorScale(min=0.0, max=1.0, colors=SHADES)
        self.cells = bq.GridHeatMap(color=np.zeros((2, 2)), scales={"row": self.y, "column": self.x,
                                                                     "color": self.color},
                                    stroke="#999999", row=["0", "1"], column=["0", "1"])
        self.counts = bq.Label(x=["0"], y=["0"], text=[""], align="middle", default_size=TEXT_SIZE, y_offset=5,
                               scales={"x": self.x, "y": self.y})
        self.add(self.cells, self.counts)
        self.shown = np.zeros((2, 2), np.int64)                   # the counts last shown

    def show(self, counts, names=None):
        """counts (K, K) ints (K >= 2); names (K,) of the classes (default 0..K-1)."""
        counts = np.asarray(counts)
        if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] < 2:
            raise ValueError(f"a confusion matrix is square (K, K) with K >= 2 classes, got shape {counts.shape}")
        k = counts.shape[0]
        names = [str(n) for n in (names if names is not None else range(k))]
        if len(names) != k:
            raise ValueError(f"{k} classes need {k} names, got {len(names)}")
        share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)          # (K, K), each row sums to 1
        rows, cols = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")        # (K, K) each
        if list(self.x.domain) != names:                        # the class order, as given (not sorted as text)
            self.x.domain = self.y.domain = names
        with self.cells.hold_sync():
            # colours first: row and column are checked against the shape of the colours they are given with
            self.cells.color = share
            self.cells.row, self.cells.column = names, names
        with self.counts.hold_sync():
            self.counts.x = [names[c] for c in cols.ravel()]
            self.counts.y = [names[r] for r in rows.ravel()]
            self.counts.text = [str(int(v)) for v in counts.ravel()]
            self.counts.colors = [LIGHT_TEXT if s > LIGHT_ABOVE else DARK_TEXT for s in share.ravel()]
            self.counts.default_size = SMALL_TEXT_SIZE if k > MANY_CLASSES else TEXT_SIZE
        self.shown = counts.astype(np.int64)
