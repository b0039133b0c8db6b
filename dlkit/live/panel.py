"""One live figure: a bqplot Figure with its two scales, axes with round ticks, a title and a legend row.

The legend is an HTML row above the plot area (never over the data); axes move only to round bounds when the
data outgrow them (:mod:`dlkit.live.ticks`), so a frame that only adds points sends no axis change.
"""
from __future__ import annotations

import html
import math

import bqplot as bq
import ipywidgets as W

from .ticks import LOG_FLOOR, linear_ticks, log_format, log_range, nice_range

PANEL_HEIGHT = 250               # px of one panel's plot area
PANEL_MIN_WIDTH = 260            # px: panels wrap to a new row below this (a narrow notebook, the file browser open)
FONT = "11px"
DEFAULT_FORMAT = "~g"            # d3: 0.25 as "0.25" (bqplot's default rounds it to "0.3"), 1000 as "1000"
                                 # (numeric axes only: a category's name through a number format is "NaN")
LOG_FORMATS = (DEFAULT_FORMAT, "~e")   # the log-axis formats :func:`.ticks.log_format` switches between
MARGIN = {"top": 28, "bottom": 42, "left": 56, "right": 24}    # px; the right margin keeps the last tick label
SCALES = {"linear": bq.LinearScale, "log": bq.LogScale, "ordinal": bq.OrdinalScale}
LINE_SWATCH = "<span style='display:inline-block;width:18px;border-top:2px {style} {color};" \
              "vertical-align:middle;margin:0 4px 0 10px'></span>"
DOT_SWATCH = "<span style='display:inline-block;width:9px;height:9px;border-radius:5px;background:{color};" \
             "vertical-align:middle;margin:0 4px 0 10px'></span>"


class Panel:
    """A figure with an x and a y scale ("linear", "log", "ordinal") and their axes; ``widget`` shows it.

    x_range / y_range fix a scale's bounds (else :meth:`fit_x` / :meth:`fit_y` set them from the data);
    x_ticks / y_ticks fix the tick values; the formats are d3 formats (".0%", ".2g").
    """

    def __init__(self, title="", xlabel="", ylabel="", x="linear", y="linear", x_range=None, y_range=None,
                 x_ticks=None, y_ticks=None, x_format=None, y_format=None, height=PANEL_HEIGHT, grow=1):
        self.x_kind, self.y_kind = x, y
        self.x, self.y = SCALES[x](), SCALES[y]()
        style = {"font-size": FONT}
        x_format, y_format = (fmt or (None if kind == "ordinal" else DEFAULT_FORMAT)   # a name is no number
                              for fmt, kind in ((x_format, x), (y_format, y)))
        self.x_axis = bq.Axis(scale=self.x, label=xlabel, tick_format=x_format, tick_style=style,
                              grid_lines="none", label_offset="32px")
        self.y_axis = bq.Axis(scale=self.y, label=ylabel, orientation="vertical", tick_format=y_format,
                              tick_style=style, grid_lines="dashed", label_offset="44px")
        self.figure = bq.Figure(marks=[], axes=[self.x_axis, self.y_axis], title=title, animation_duration=0,
                                display_toolbar=False,                  # its hover toolbar covered the title
                                padding_x=0.0, padding_y=0.0, fig_margin=dict(MARGIN),
                                title_style={"font-size": "12px"},
                                layout=W.Layout(width="100%", height=f"{height}px"))
        self.legend_html = W.HTML(layout=W.Layout(min_height="20px"))
        self.widget = W.VBox([self.legend_html, self.figure],
                             layout=W.Layout(flex=f"{grow} 1 {PANEL_MIN_WIDTH}px", min_width=f"{PANEL_MIN_WIDTH}px"))
        self.widget.add_class("dlkit-live-panel")
        for scale, axis, bounds, ticks in ((self.x, self.x_axis, x_range, x_ticks),
                                           (self.y, self.y_axis, y_range, y_ticks)):
            if bounds is not None:
                scale.min, scale.max = float(bounds[0]), float(bounds[1])
            if ticks is not None:
                axis.tick_values = list(ticks)

    # ---- marks, title, legend ------------------------------------------------------------------------
    def add(self, *marks):
        """Put marks on the figure (drawn in the order given, later ones on top)."""
        self.figure.marks = [*self.figure.marks, *marks]
        return marks[0] if len(marks) == 1 else marks

    @property
    def title(self):
        return self.figure.title

    @title.setter
    def title(self, text):
        if self.figure.title != text:
            self.figure.title = text

    def legend(self, entries):
        """The legend row: entries (label, colour, style) with style "solid", "dashed" or "dot"."""
        parts = []
        for label, color, style in entries:
            swatch = DOT_SWATCH if style == "dot" else LINE_SWATCH
            parts.append("<span style='white-space:nowrap'>"          # an entry never breaks inside
                         + swatch.format(color=color, style="dashed" if style == "dashed" else "solid")
                         + f"<span style='font-size:{FONT}'>{html.escape(label)}</span></span> ")
        text = "".join(parts)
        if self.legend_html.value != text:
            self.legend_html.value = text

    # ---- bounds that follow the data -------------------------------------------------------------------
    def fit_x(self, lo, hi):
        """Round x bounds around [lo, hi]; moves only when the data leave the bounds or fill under half."""
        self._fit(self.x, self.x_axis, self.x_kind, lo, hi)

    def fit_y(self, lo, hi):
        """Round y bounds around [lo, hi] (see :meth:`fit_x`)."""
        self._fit(self.y, self.y_axis, self.y_kind, lo, hi)

    def set_bounds(self, extent):
        """Exact bounds (x0, x1, y0, y1), as a plane's extent, with round ticks inside them (bqplot's own choice
        crowds a narrow panel: "-1.4 -1.2 -1 ..."); sends nothing when they are unchanged."""
        for scale, axis, lo, hi in ((self.x, self.x_axis, extent[0], extent[1]),
                                    (self.y, self.y_axis, extent[2], extent[3])):
            lo, hi = float(lo), float(hi)
            if scale.min == lo and scale.max == hi:
                continue
            with scale.hold_sync():
                scale.min, scale.max = lo, hi
            _, _, step = nice_range(lo, hi)
            first, last = math.ceil(lo / step - 1e-9) * step, math.floor(hi / step + 1e-9) * step
            axis.tick_values = linear_ticks(first, last, step)

    def hide_axes(self):
        """No axes (a montage of pictures, whose coordinates mean nothing)."""
        self.x_axis.visible = self.y_axis.visible = False

    @staticmethod
    def _fit(scale, axis, kind, lo, hi):
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return
        if kind == "log":
            lo, hi = max(lo, LOG_FLOOR), max(hi, LOG_FLOOR)
            new_lo, new_hi, ticks = log_range(lo, hi)
            inside = scale.min is not None and scale.min <= lo and hi <= scale.max
            tight = inside and math.log10(scale.max / scale.min) <= 2 * max(1.0, math.log10(new_hi / new_lo))
        else:
            new_lo, new_hi, step = nice_range(lo, hi)
            ticks = linear_ticks(new_lo, new_hi, step)
            inside = scale.min is not None and scale.min <= lo and hi <= scale.max
            tight = inside and (scale.max - scale.min) <= 2 * (new_hi - new_lo)
        if inside and tight:
            return
        with scale.hold_sync():
            scale.min, scale.max = new_lo, new_hi
        with axis.hold_sync():
            axis.tick_values = ticks
            if kind == "log" and axis.tick_format in LOG_FORMATS:     # not a format the chart chose (".0%")
                axis.tick_format = log_format(ticks)


def row(*panels, gap="6px"):
    """Panels side by side, wrapping onto new rows when the notebook is too narrow."""
    box = W.Box([p.widget if isinstance(p, Panel) else p for p in panels],
                layout=W.Layout(display="flex", flex_flow="row wrap", width="100%", grid_gap=gap))
    box.add_class("dlkit-live-row")
    return box
