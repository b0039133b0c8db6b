"""The precision–recall curve of a classifier (step-wise, as scikit-learn draws it) over grey lines of equal F1, with
one threshold's point and the precision of random guessing (the positive rate).

    chart = PrecisionRecall("class 1 against the rest")
    chart.show(precision, recall, point=(0.8, 0.6), point_label="threshold 0.50", base_rate=0.1)

The F1 lines are drawn once; a frame sends the curve, the point and the level only.
"""
from __future__ import annotations

import bqplot as bq
import numpy as np

from ..plots.palette import BLACK, BLUE, GREY, VERMILLION
from .panel import Panel

F1_LINES = (0.2, 0.4, 0.6, 0.8)
F1_POINTS = 200                  # points along each F1 line
TOP = 1.05                       # the plot's top: precision 1 stays inside
RIGHT = 1.02
POINT_SIZE = 80                  # px² of the threshold's point


def f1_lines(levels=F1_LINES, n=F1_POINTS):
    """recall r (n,) and precision (L, n) along lines of equal F1 = 2 p r / (p + r): p = F1 r / (2 r - F1),
    NaN where that leaves the plot (p <= 0 or above TOP)."""
    r = np.linspace(0.01, 1.0, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.array([f1 * r / (2 * r - f1) for f1 in levels])                             # (L, n)
    return r, np.where((p > 0) & (p <= TOP), p, np.nan)


class PrecisionRecall(Panel):
    """Precision against recall, both 0..1; the legend names the curve, the point, the level and the F1 lines."""

    def __init__(self, title="precision–recall curve", **panel):
        super().__init__(title, "recall = TP / (TP + FN)", "precision = TP / (TP + FP)", x_range=(0.0, RIGHT),
                         y_range=(0.0, TOP), x_ticks=[0, 0.25, 0.5, 0.75, 1.0], y_ticks=[0, 0.25, 0.5, 0.75, 1.0],
                         **panel)
        scales = {"x": self.x, "y": self.y}
        r, p = f1_lines()
        ends = [int(np.flatnonzero(np.isfinite(row))[-1]) for row in p]
        self.iso = bq.Lines(x=r, y=p, colors=[GREY], stroke_width=0.8, opacities=[0.7], scales=scales)
        self.iso_labels = bq.Label(x=[float(r[i]) for i in ends], y=[float(row[i]) for row, i in zip(p, ends)],
                                   text=[f"F1={f1:g}" for f1 in F1_LINES], colors=[GREY], default_size=10,
                                   align="end", x_offset=-2, y_offset=-4, scales=scales)
        self.base = bq.Lines(x=[0.0, RIGHT], y=[0.0, 0.0], colors=[BLACK], line_style="dotted", stroke_width=1.2,
                             visible=False, scales=scales)
        self.curve = bq.Lines(x=[1.0, 0.0], y=[0.0, 1.0], colors=[BLUE], stroke_width=2, interpolation="step-after",
                              visible=False, scales=scales)
        self.point = bq.Scatter(x=[0.0], y=[0.0], colors=[VERMILLION], stroke=BLACK, default_size=POINT_SIZE,
                                visible=False, scales=scales)
        self.add(self.iso, self.iso_labels, self.base, self.curve, self.point)

    def show(self, precision, recall, point=None, point_label="threshold", base_rate=None):
        """precision (K,) and recall (K,) as ``dlkit.metrics.precision_recall_curve`` returns them (None: no
        curve, e.g. no positive example); point (recall, precision) or None; base_rate: the positive share."""
        entries = []
        visible = precision is not None and len(precision) > 0
        with self.curve.hold_sync():
            if visible:
                self.curve.x, self.curve.y = np.asarray(recall, np.float64), np.asarray(precision, np.float64)
            self.curve.visible = visible
        entries += [("precision–recall curve", BLUE, "solid")] * visible
        with self.base.hold_sync():
            if base_rate is not None:
                self.base.y = [float(base_rate)] * 2
            self.base.visible = base_rate is not None
        entries += [(f"random guessing ({base_rate:.2f})", BLACK, "dashed")] if base_rate is not None else []
        with self.point.hold_sync():
            if point is not None:
                self.point.x, self.point.y = [float(point[0])], [float(point[1])]
            self.point.visible = point is not None
        entries += [(point_label, VERMILLION, "dot")] if point is not None else []
        self.legend(entries + [("equal F1", GREY, "solid")])
