"""Curves with marks for reading a run: a shaded window between two x (early stopping's patience window), points
marked with a diamond (the best epoch), marked epochs as dashed rules (where a run stops, or would stop) and level
lines across the plot (chance accuracy, a zero gap). Each mark is named in the legend row, never beside the mark
(a text beside a rule at the right edge would be cut off), and the x axis reaches every marked epoch.

    chart = MarkedCurves("loss", "cross-entropy", log=True)
    chart.show(series, window=(23, 41, "patience: 18 of 40 epochs"), points=[(23, 0.31, "best epoch 23")],
               marks=[(63, "stops at epoch 63")], levels=[(0.5, "chance 50%", GREY)])
"""
from __future__ import annotations

import bqplot as bq
import numpy as np

from ..plots.palette import BLACK, GREY
from .curves import Curves

WINDOW_OPACITY = 0.18           # the shaded window lets the lines through
POINT_SIZE = 70                 # bqplot's default_size is an area in px²


class MarkedCurves(Curves):
    """A :class:`Curves` panel whose :meth:`show` also takes a window, marked points and level lines; the window
    lies under the lines, points and levels on top, and each gets a legend entry."""

    def __init__(self, title, ylabel, **curves):
        super().__init__(title, ylabel, **curves)
        self.unit_x = bq.LinearScale(min=0.0, max=1.0)
        self.window = bq.Lines(x=[0.0, 1.0, 1.0, 0.0], y=[0.0, 0.0, 1.0, 1.0], fill="inside", colors=[GREY],
                               fill_colors=[GREY], fill_opacities=[WINDOW_OPACITY], stroke_width=0, visible=False,
                               scales={"x": self.x, "y": self.rule_scale})
        self.levels = bq.Lines(x=[[0.0, 1.0]], y=[[0.0, 0.0]], colors=[GREY], line_style="dashed", stroke_width=1.2,
                               visible=False, scales={"x": self.unit_x, "y": self.y})
        self.marked = bq.Lines(x=[[0.0, 0.0]], y=[[0.0, 1.0]], colors=[BLACK], line_style="dashed", stroke_width=1.2,
                               visible=False, scales={"x": self.x, "y": self.rule_scale})
        self.points = bq.Scatter(x=[0.0], y=[1.0], marker="diamond", colors=[BLACK], default_size=POINT_SIZE,
                                 stroke="white", visible=False, scales={"x": self.x, "y": self.y})
        self._extra, self._extra_x = [], []
        self._order()

    def _order(self):
        """The window, the levels and the marked epochs under everything, the points on top."""
        mine = (self.window, self.levels, self.marked, self.points)
        rest = [m for m in self.figure.marks if all(m is not k for k in mine)]
        self.figure.marks = [self.window, self.levels, self.marked, *rest, self.points]

    def _line(self, series):
        new = series.label not in self.lines
        mark = super()._line(series)
        if new:
            self._order()
        return mark

    def _fit_to(self, xs, ys):
        """As Curves does, with the marked epochs and the window's end inside the x range."""
        super()._fit_to(xs + self._extra_x if xs else xs, ys)

    def legend(self, entries):
        """The curves' legend entries, then the window's, the points', the marked epochs' and the levels'."""
        super().legend([*entries, *self._extra])

    def show(self, series, changes=(), blowups=(), window=None, points=(), marks=(), levels=()):
        """As :meth:`Curves.show`, and: ``window`` (x0, x1, label) shaded over the whole height (None: no window);
        ``points`` [(x, y, label)] marked with diamonds; ``marks`` [(x, label)] dashed rules at x; ``levels``
        [(y, label, colour)] drawn across the plot."""
        self._extra = ([(window[2], GREY, "dot")] if window else []) + [(p[2], BLACK, "dot") for p in points] \
            + [(label, BLACK, "dashed") for _, label in marks] \
            + [(label, color, "dashed") for _, label, color in levels]
        extra_x = np.array([float(x) for x, _ in marks] + ([float(window[1])] if window else []))
        self._extra_x = [extra_x] if extra_x.size else []
        super().show(series, changes, blowups)
        self._show_window(window)
        _show(self.points, bool(points), x=[float(p[0]) for p in points], y=[self._clamp(float(p[1])) for p in points])
        _show(self.marked, bool(marks), x=[[float(x), float(x)] for x, _ in marks], y=[[0.0, 1.0]] * len(marks),
              colors=[BLACK] * len(marks))
        _show(self.levels, bool(levels), x=[[0.0, 1.0]] * len(levels), y=[[float(y), float(y)] for y, _, _ in levels],
              colors=[color for _, _, color in levels])

    def _show_window(self, window):
        if window is None:
            if self.window.visible:
                self.window.visible = False
            return
        x0, x1 = float(window[0]), float(window[1])
        with self.window.hold_sync():
            self.window.x = [x0, x1, x1, x0]
            self.window.visible = True


def _show(mark, visible, **arrays):
    """Set a mark's arrays (when visible) and its visibility in one message."""
    with mark.hold_sync():
        mark.visible = visible
        if visible:
            for name, value in arrays.items():
                setattr(mark, name, value)
