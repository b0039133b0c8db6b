"""Curves: lines over epochs (or any x), the epochs where a setting changed, and where a run blew up.

    chart = Curves("loss", "cross-entropy", log=True)
    chart.show([Series("train", epochs, hist.train_loss, BLUE), Series("val", epochs, hist.val_loss, ORANGE)],
               changes=[(40, "lr 0.01 → 0.1")], blowups=[(52, 3.1e6)])
"""
from __future__ import annotations

from dataclasses import dataclass

import bqplot as bq
import numpy as np

from ..plots.palette import ALERT, GREY
from .panel import Panel
from .ticks import LOG_FLOOR, thin

RULE_TOP = 0.92                 # change labels sit at this height of the plot area (0 bottom, 1 top)
ZERO_BELOW = 10.0               # a log axis draws zeros this many times below the smallest positive value
ZERO_NOTE = "0 is drawn at the bottom"


@dataclass
class Series:
    """One line: its legend label, x (n,) and y (n,) values, colour, and whether it is dashed (a twin run B) or
    drawn as dots (a cloud of mini-batch losses)."""

    label: str
    x: object
    y: object
    color: str
    dashed: bool = False
    dots: bool = False


class Curves(Panel):
    """A panel of lines whose arrays :meth:`show` replaces; ``log`` puts y on a log scale (zeros drawn at
    LOG_FLOOR), ``percent`` formats y as a percentage of 0..1."""

    def __init__(self, title, ylabel, xlabel="epoch", log=False, percent=False, y_range=None, x_range=None,
                 x_log=False, **panel):
        if percent and y_range is None:
            y_range = (0.0, 1.0)
        super().__init__(title, xlabel, ylabel, x="log" if x_log else "linear", y="log" if log else "linear",
                         x_range=x_range, y_range=y_range, y_format=".0%" if percent else ("~g" if log else None),
                         y_ticks=[0, 0.25, 0.5, 0.75, 1.0] if percent else None, **panel)
        self.log, self.fixed_x, self.fixed_y = log, x_range is not None, y_range is not None
        self.zero_at = LOG_FLOOR
        self.lines = {}                                   # label -> bq.Lines
        self.rule_scale = bq.LinearScale(min=0.0, max=1.0)
        self.rules = self.add(bq.Lines(x=[[0.0, 0.0]], y=[[0.0, 1.0]], colors=[GREY], line_style="dotted",
                                       visible=False, scales={"x": self.x, "y": self.rule_scale}))
        self.rule_labels = self.add(bq.Label(x=[0.0], y=[RULE_TOP], text=[""], colors=[GREY], visible=False,
                                             default_size=10, align="start", x_offset=3,
                                             scales={"x": self.x, "y": self.rule_scale}))
        self.blowups = self.add(bq.Scatter(x=[0.0], y=[1.0], marker="cross", colors=[ALERT], default_size=90,
                                           visible=False, scales={"x": self.x, "y": self.y}))

    def _line(self, series):
        if series.label not in self.lines:
            mark = bq.Lines(x=[0.0], y=[0.0], colors=[series.color], stroke_width=2,
                            line_style="dashed" if series.dashed else "solid",
                            marker="circle" if series.dots else None, marker_size=4,
                            scales={"x": self.x, "y": self.y})
            if series.dots:
                mark.stroke_width, mark.opacities = 0, [0.5]
            self.lines[series.label] = mark
            self.figure.marks = [*self.figure.marks[:-3], mark, *self.figure.marks[-3:]]
        return self.lines[series.label]

    def show(self, series, changes=(), blowups=()):
        """Draw ``series`` (a list of :class:`Series`); lines not named there are hidden. ``changes``: (x, text)
        pairs drawn as dotted rules with their text; ``blowups``: (x, y) points marked with a cross. On a log axis
        a value of 0 (a gradient that vanished) is drawn at the bottom, a decade below the smallest positive one,
        and the legend says so."""
        self.zero_at, zeros = self._zero_level(series)
        xs, ys = [], []
        self._draw_lines(series, xs, ys)
        self._finish(xs, ys, changes, blowups)
        self.legend([(s.label, s.color, "dot" if s.dots else "dashed" if s.dashed else "solid") for s in series]
                    + [(ZERO_NOTE, GREY, "dot")] * zeros)

    def _draw_lines(self, series, xs, ys):
        """One line mark per :class:`Series` (cleaned: finite, thinned), the marks of other labels hidden; the
        drawn x and y arrays are appended to ``xs`` and ``ys`` (for the axes' bounds)."""
        shown = set()
        for s in series:
            x, y = self._clean(s.x, s.y)
            mark = self._line(s)
            shown.add(s.label)
            with mark.hold_sync():
                mark.x, mark.y, mark.visible = x, y, len(x) > 0
            if len(x):
                xs.append(x)
                ys.append(y)
        for label, mark in self.lines.items():
            if label not in shown and mark.visible:
                mark.visible = False

    def _finish(self, xs, ys, changes, blowups):
        """The blow-up crosses, the axes' bounds around every drawn value (the crosses' included) and the
        setting changes' rules."""
        points = [(float(x), self._clamp(float(y))) for x, y in blowups]
        ys += [np.array([p[1] for p in points])] if points else []
        self._fit_to(xs, ys)
        self._draw_changes(changes)
        with self.blowups.hold_sync():
            self.blowups.visible = bool(points)
            if points:
                self.blowups.x, self.blowups.y = [p[0] for p in points], [p[1] for p in points]

    def _zero_level(self, series):
        """(where a log axis draws zeros, whether any series has one)."""
        if not self.log:
            return LOG_FLOOR, False
        values = [np.asarray(s.y, np.float64).ravel() for s in series]
        values = np.concatenate(values) if values else np.zeros(0)
        values = values[np.isfinite(values)]
        positive = values[values > 0]
        zero_at = float(positive.min()) / ZERO_BELOW if positive.size else 1.0
        return max(zero_at, LOG_FLOOR), bool(np.any(values <= 0))

    def _clamp(self, y):
        return max(y, self.zero_at) if self.log else y

    def _clean(self, x, y):
        """Finite points only (a log axis draws zeros at LOG_FLOOR), thinned to what a screen can show."""
        x, y = np.asarray(x, np.float64).ravel(), np.asarray(y, np.float64).ravel()
        n = min(len(x), len(y))
        x, y = x[:n], y[:n]
        if self.log:
            y = np.where(y > 0, y, self.zero_at)
        keep = np.isfinite(x) & np.isfinite(y)
        x, y = x[keep], y[keep]
        pick = thin(len(x))
        return x[pick], y[pick]

    def _fit_to(self, xs, ys):
        if xs and not self.fixed_x:
            self.fit_x(min(float(x.min()) for x in xs), max(float(x.max()) for x in xs))
        if ys and not self.fixed_y:
            lo, hi = min(float(y.min()) for y in ys), max(float(y.max()) for y in ys)
            self.fit_y(lo if self.log else min(lo, 0.0), hi)

    def _draw_changes(self, changes):
        changes = [(float(x), str(text)) for x, text in changes]
        if not changes:
            if self.rules.visible:
                self.rules.visible = self.rule_labels.visible = False
            return
        with self.rules.hold_sync():
            self.rules.x = [[x, x] for x, _ in changes]
            self.rules.y = [[0.0, 1.0]] * len(changes)
            self.rules.colors = [GREY] * len(changes)
            self.rules.visible = True
        with self.rule_labels.hold_sync():
            self.rule_labels.x = [x for x, _ in changes]
            self.rule_labels.y = [RULE_TOP - 0.09 * (k % 3) for k in range(len(changes))]
            self.rule_labels.text = [text for _, text in changes]
            self.rule_labels.visible = True
