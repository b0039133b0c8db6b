"""Many lines over one shared x, sent as one mark: a quantity per layer over the iterations, or several quantities
across the layers. A frame then sends one message for all of them, whatever the depth (Curves sends one per line).

    chart = LineBundle("gradient reaching each layer", "std of dL/db", xlabel="iteration", log=True)
    chart.show(iterations, values.T, ["layer 1", "layer 26", "output layer"], colors,
               extra=[Series("≈1e-3: healthy", [0, 400], [1e-3, 1e-3], BLACK, dashed=True)])
"""
from __future__ import annotations

import bqplot as bq
import numpy as np

from ..plots.palette import GREY
from .curves import ZERO_BELOW, ZERO_NOTE, Curves
from .ticks import LOG_FLOOR, thin

BUNDLE_WIDTH = 1.6


class LineBundle(Curves):
    """Curves whose main lines share one x and travel together (``show``'s Y, one row per line); ``extra``
    series (a guide line) are drawn as :class:`Curves` draws them. ``markers`` puts a dot on every point."""

    def __init__(self, title, ylabel, xlabel="iteration", markers=False, **curves):
        super().__init__(title, ylabel, xlabel=xlabel, **curves)
        self.bundle = bq.Lines(x=[0.0, 1.0], y=[[0.0, 0.0]], stroke_width=BUNDLE_WIDTH, visible=False,
                               marker="circle" if markers else None, marker_size=12,
                               scales={"x": self.x, "y": self.y})
        self.figure.marks = [*self.figure.marks[:-3], self.bundle, *self.figure.marks[-3:]]
        self.labels = []                                  # the bundle's lines, in the order of its rows

    def row(self, label):
        """(x, y) arrays of the bundle's line ``label`` as sent."""
        y = np.atleast_2d(np.asarray(self.bundle.y, np.float64))
        return np.asarray(self.bundle.x, np.float64), y[self.labels.index(label)]

    def show(self, x, Y, labels, colors, extra=(), changes=(), blowups=()):
        """x (n,) shared by the lines Y (L, n); labels and colors (L,); extra: :class:`Series` drawn on top;
        changes (x, text) and blowups (x, y) as :meth:`Curves.show` takes them. Non-finite values are left out
        (NaN: a gap); on a log axis values <= 0 are drawn a decade below the smallest positive one."""
        x = np.asarray(x, np.float64).ravel()
        Y = np.asarray(Y, np.float64).reshape(len(labels), len(x))
        pick = thin(len(x))
        x, Y = x[pick], Y[:, pick]
        zeros = self._set_zero_level(Y, extra)
        if self.log:
            Y = np.where((Y > 0) | np.isnan(Y), Y, self.zero_at)      # a NaN gap stays a gap
        Y = np.where(np.isfinite(Y), Y, np.nan)
        self.labels = list(labels)
        if Y.size:
            with self.bundle.hold_sync():
                self.bundle.x, self.bundle.y = x, Y
                self.bundle.colors = list(colors)
                self.bundle.visible = True
        elif self.bundle.visible:
            self.bundle.visible = False                   # nothing to draw (bqplot takes no empty 2-D array)
        xs, ys = [], []
        if np.isfinite(Y).any():
            xs.append(x)
            ys.append(Y[np.isfinite(Y)])
        self._draw_lines(extra, xs, ys)
        self._finish(xs, ys, changes, blowups)
        self.legend([(label, color, "solid") for label, color in zip(labels, colors)]
                    + [(s.label, s.color, "dashed" if s.dashed else "solid") for s in extra]
                    + [(ZERO_NOTE, GREY, "dot")] * zeros)

    def _set_zero_level(self, Y, extra):
        """Where a log axis draws zeros (a decade below the smallest positive value); whether any value is 0."""
        if not self.log:
            return False
        values = np.concatenate([Y.ravel(), *(np.asarray(s.y, np.float64).ravel() for s in extra)])
        values = values[np.isfinite(values)]
        positive = values[values > 0]
        self.zero_at = max(float(positive.min()) / ZERO_BELOW if positive.size else 1.0, LOG_FLOOR)
        return bool(np.any(values <= 0))
