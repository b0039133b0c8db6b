"""A labelled matrix of counts (a confusion matrix): cells shaded by their share of the row, the count written in
each cell."""
from __future__ import annotations

import bqplot as bq
import numpy as np

from .panel import Panel

SHADES = ["#ffffff", "#0072B2"]  # white -> blue (the palette's blue), by the cell's share of its row
DARK_TEXT, LIGHT_TEXT = "#000000", "#ffffff"
LIGHT_ABOVE = 0.55               # a cell shaded deeper than this gets white text


class Matrix(Panel):
    """counts (K, K), rows = true class, columns = predicted class."""

    def __init__(self, title="confusion matrix", **panel):
        super().__init__(title, "predicted class", "true class", x="ordinal", y="ordinal", **panel)
        self.color = bq.ColorScale(min=0.0, max=1.0, colors=SHADES)
        self.cells = bq.GridHeatMap(color=np.zeros((2, 2)), scales={"row": self.y, "column": self.x,
                                                                     "color": self.color},
                                    stroke="#999999", row=["0", "1"], column=["0", "1"])
        self.counts = bq.Label(x=["0"], y=["0"], text=[""], align="middle", default_size=13, y_offset=5,
                               scales={"x": self.x, "y": self.y})
        self.add(self.cells, self.counts)

    def show(self, counts, names=None):
        """counts (K, K) ints; names (K,) of the classes (default 0..K-1)."""
        counts = np.asarray(counts)
        k = counts.shape[0]
        names = [str(n) for n in (names if names is not None else range(k))]
        share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        rows, cols = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        with self.cells.hold_sync():
            self.cells.row, self.cells.column, self.cells.color = names, names, share
        with self.counts.hold_sync():
            self.counts.x = [names[c] for c in cols.ravel()]
            self.counts.y = [names[r] for r in rows.ravel()]
            self.counts.text = [str(int(v)) for v in counts.ravel()]
            self.counts.colors = [LIGHT_TEXT if s > LIGHT_ABOVE else DARK_TEXT for s in share.ravel()]
