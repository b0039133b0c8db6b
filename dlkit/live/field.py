"""A scalar field over a plane (an optimizer's surface, the momentum map) as banded colours, with paths, marker
layers and labelled points drawn on top of it, and a colour key beside the legend row.

    chart = Field("rosenbrock", "θ₁", "θ₂", cmap="cividis", pale=0.6)
    chart.show_field(np.log10(gap), extent)                      # V (R, S), row 0 at the bottom
    chart.show_paths([points_sgd, points_adam], [BLACK, VERMILLION], ["sgd", "adam"])
    chart.show_markers("minima", [(1.0, 1.0)], YELLOW, label="global minimum", marker="diamond")

The field's picture is sent only when its values change; a frame that moves the paths sends their arrays only.
"""
from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as W
import numpy as np

from ..plots.palette import BLACK
from .panel import FONT, Panel
from .plane import Raster
from .raster import WHITE, colormap, field_colors, rgb

BANDS = 14                       # colour bands of a field: reads like filled contours
PATH_WIDTH = 2
PATH_MARKER_SIZE = 8             # px² of the dots on a short path's points
MOST_DOTTED = 60                 # a path longer than this is drawn without dots on its points
MARKER_SIZE = 64                 # px² of a marker layer's symbols
KEY_STOPS = 8                    # colours of the key's gradient
KEY_WIDTH = "64px"


def _color_array(colors, n):
    """One colour or a list of n -> a list of n colours."""
    return [colors] * n if isinstance(colors, str) else list(colors)


class Field(Panel):
    """A raster of values V over extent with lines (paths) and marker layers above it.

    ``cmap`` is a colour map name (:func:`dlkit.live.raster.colormap`), ``bands`` > 0 quantises it into filled
    contour bands, ``pale`` in [0, 1) mixes the colours that far towards white (so that dark paths stand out).
    """

    def __init__(self, title, xlabel, ylabel, cmap="viridis", bands=BANDS, pale=0.0, **panel):
        super().__init__(title, xlabel, ylabel, **panel)
        self.cmap, self.bands, self.pale = cmap, bands, float(pale)
        self.raster = Raster(self.x, self.y)
        self.paths = bq.Lines(x=[0.0, 1.0], y=[[0.0, 0.0]], stroke_width=PATH_WIDTH, marker="circle",
                              marker_size=PATH_MARKER_SIZE, scales={"x": self.x, "y": self.y}, visible=False)
        self.points = bq.Scatter(x=[0.0], y=[0.0], marker="diamond", default_size=70, stroke="black",
                                 scales={"x": self.x, "y": self.y}, visible=False)
        self.point_labels = bq.Label(x=[0.0], y=[0.0], text=[""], default_size=11, x_offset=6, y_offset=-6,
                                     scales={"x": self.x, "y": self.y}, visible=False)
        self.add(self.raster.mark, self.paths, self.points, self.point_labels)
        self.layers = {}                                  # name -> bq.Scatter (show_markers), drawn on top
        self.key_html = W.HTML()
        self.widget.children = [W.Box([self.legend_html, self.key_html],
                                      layout=W.Layout(display="flex", flex_flow="row wrap", align_items="center")),
                                self.figure]
        self._entries = {}                                # part -> legend entries, in the order first shown
        self._field_key, self._field = None, None

    # ---- the field --------------------------------------------------------------------------------------
    def show_field(self, V, extent, lo=None, hi=None, nan_color=None):
        """V (R, S) over extent (x0, x1, y0, y1) of the raster's edges, row 0 at the bottom; coloured from lo to hi
        (default: the finite values' range). NaN cells are transparent, or ``nan_color`` ('#rrggbb')."""
        V = np.asarray(V, np.float64)
        if V.ndim != 2 or V.size == 0:
            raise ValueError(f"a field needs a 2-D array of values (rows, columns), got shape {V.shape}")
        key = (tuple(map(float, extent)), lo, hi, nan_color)
        if key == self._field_key and self._field is not None and self._field.shape == V.shape \
                and np.array_equal(V, self._field, equal_nan=True):
            return
        self._field_key, self._field = key, V.copy()
        finite = V[np.isfinite(V)]
        lo = float(finite.min()) if lo is None and finite.size else (0.0 if lo is None else float(lo))
        hi = float(finite.max()) if hi is None and finite.size else (1.0 if hi is None else float(hi))
        pixels = field_colors(V, lo, hi, self.cmap, self.bands)
        if self.pale:
            pixels[..., :3] = np.round(self._paler(pixels[..., :3])).astype(np.uint8)
        if nan_color is not None:
            pixels[~np.isfinite(V)] = [*rgb(nan_color).astype(np.uint8), 255]
        self.raster.show(pixels, extent)
        self.set_bounds(extent)

    def show_key(self, low, high, title="", note=""):
        """A colour key beside the legend: ``title`` low [the colour map's gradient] high, then ``note``."""
        table = colormap(self.cmap)
        picks = table[np.linspace(0, len(table) - 1, KEY_STOPS).round().astype(np.int64)]
        picks = self._paler(picks)
        stops = ", ".join("#%02x%02x%02x" % tuple(int(round(c)) for c in color) for color in picks)
        text = (f"<span style='font-size:{FONT};margin-left:10px'>{html.escape(title)} {html.escape(low)}</span>"
                f"<span style='display:inline-block;width:{KEY_WIDTH};height:9px;margin:0 4px;vertical-align:middle;"
                f"background:linear-gradient(to right, {stops})'></span>"
                f"<span style='font-size:{FONT}'>{html.escape(high)}</span>"
                + (f"<span style='font-size:{FONT};margin-left:10px'>{html.escape(note)}</span>" if note else ""))
        if self.key_html.value != text:
            self.key_html.value = text

    def _paler(self, colors):
        """RGB values (..., 3) mixed ``pale`` of the way towards white."""
        return colors + self.pale * (WHITE - colors)

    # ---- what lies on the field -------------------------------------------------------------------------
    def show_paths(self, paths, colors, labels, dots=None):
        """paths: a list of (n_i, 2) arrays, drawn as lines (padded to one length by repeating their last point);
        colors and labels (one per path) for the lines and the legend. ``dots`` puts a dot on every point
        (default: when no path is longer than MOST_DOTTED)."""
        paths = [np.asarray(p, np.float64).reshape(-1, 2) for p in paths]
        paths = [p for p in paths if len(p)]
        if not paths:
            if self.paths.visible:
                self.paths.visible = False
            self._set_entries("paths", [])
            return
        n = max(len(p) for p in paths)
        xs = np.array([np.concatenate([p[:, 0], np.repeat(p[-1, 0], n - len(p))]) for p in paths])   # (P, n)
        ys = np.array([np.concatenate([p[:, 1], np.repeat(p[-1, 1], n - len(p))]) for p in paths])   # (P, n)
        dots = n <= MOST_DOTTED if dots is None else dots
        with self.paths.hold_sync():
            self.paths.x, self.paths.y, self.paths.colors = xs, ys, list(colors)
            self.paths.marker_size = PATH_MARKER_SIZE if dots else 0
            self.paths.visible = True
        self._set_entries("paths", [(label, color, "solid") for label, color in zip(labels, colors)])

    def show_markers(self, name, points, colors, label=None, marker="circle", size=MARKER_SIZE, stroke=BLACK):
        """A layer of symbols ``name`` at points (K, 2) (K = 0 hides it) in one colour or one each; ``label``
        names the layer in the legend. Symbols: bqplot's ("circle", "diamond", "square", "cross", "triangle-up")."""
        points = np.asarray(points, np.float64).reshape(-1, 2)
        mark = self.layers.get(name)
        if mark is None:
            mark = self.layers[name] = bq.Scatter(x=[0.0], y=[0.0], scales={"x": self.x, "y": self.y},
                                                  visible=False)
            self.add(mark)
        visible = len(points) > 0
        with mark.hold_sync():
            if visible:
                mark.x, mark.y = points[:, 0], points[:, 1]
                mark.colors = _color_array(colors, len(points))
                mark.marker, mark.default_size, mark.stroke = marker, size, stroke
            mark.visible = visible
        first = colors if isinstance(colors, str) else (list(colors) or [BLACK])[0]
        self._set_entries(name, [(label, first, "dot")] if label and visible else [])

    def show_points(self, points, labels, colors):
        """Marked points (K, 2) with a text each (the optimum, your choice)."""
        points = np.asarray(points, np.float64).reshape(-1, 2)
        visible = len(points) > 0
        with self.points.hold_sync():
            self.points.visible = visible
            if visible:
                self.points.x, self.points.y, self.points.colors = points[:, 0], points[:, 1], list(colors)
        with self.point_labels.hold_sync():
            self.point_labels.visible = visible
            if visible:
                self.point_labels.x, self.point_labels.y = points[:, 0], points[:, 1]
                self.point_labels.text, self.point_labels.colors = list(labels), list(colors)

    def _set_entries(self, part, entries):
        """The legend row: the paths' entries, then each marker layer's, in the order they were first shown."""
        self._entries[part] = entries
        self.legend([entry for part_entries in self._entries.values() for entry in part_entries])
