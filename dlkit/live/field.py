"""A scalar field over a plane (an optimizer's surface, the momentum map) as banded colours, with paths and points
drawn on top of it."""
from __future__ import annotations

import bqplot as bq
import numpy as np

from .panel import Panel
from .plane import Raster
from .raster import field_colors

BANDS = 14                       # colour bands of a field: reads like filled contours


class Field(Panel):
    """A raster of values V over extent with lines (paths) and labelled points above it."""

    def __init__(self, title, xlabel, ylabel, cmap="viridis", bands=BANDS, **panel):
        super().__init__(title, xlabel, ylabel, **panel)
        self.cmap, self.bands = cmap, bands
        self.raster = Raster(self.x, self.y)
        self.paths = bq.Lines(x=[0.0, 1.0], y=[[0.0, 0.0]], stroke_width=2, marker="circle", marker_size=8,
                              scales={"x": self.x, "y": self.y}, visible=False)
        self.points = bq.Scatter(x=[0.0], y=[0.0], marker="diamond", default_size=70, stroke="black",
                                 scales={"x": self.x, "y": self.y}, visible=False)
        self.point_labels = bq.Label(x=[0.0], y=[0.0], text=[""], default_size=11, x_offset=6, y_offset=-6,
                                     scales={"x": self.x, "y": self.y}, visible=False)
        self.add(self.raster.mark, self.paths, self.points, self.point_labels)
        self._field_key = None

    def show_field(self, V, extent, lo=None, hi=None):
        """V (R, S) over extent (x0, x1, y0, y1), row 0 at the bottom; coloured from lo to hi (default: its range)."""
        V = np.asarray(V, np.float64)
        key = (V.shape, float(np.nansum(V)), tuple(extent), lo, hi)
        if key == self._field_key:
            return
        self._field_key = key
        finite = V[np.isfinite(V)]
        lo = float(finite.min()) if lo is None and finite.size else (lo or 0.0)
        hi = float(finite.max()) if hi is None and finite.size else (hi or 1.0)
        self.raster.show(field_colors(V, lo, hi, self.cmap, self.bands), extent)
        with self.x.hold_sync():
            self.x.min, self.x.max = float(extent[0]), float(extent[1])
        with self.y.hold_sync():
            self.y.min, self.y.max = float(extent[2]), float(extent[3])

    def show_paths(self, paths, colors, labels):
        """paths: a list of (n_i, 2) arrays (padded to one length by repeating their last point)."""
        if not paths:
            self.paths.visible = False
            return
        n = max(len(p) for p in paths)
        xs = np.array([np.concatenate([p[:, 0], np.repeat(p[-1, 0], n - len(p))]) for p in paths])
        ys = np.array([np.concatenate([p[:, 1], np.repeat(p[-1, 1], n - len(p))]) for p in paths])
        with self.paths.hold_sync():
            self.paths.x, self.paths.y, self.paths.colors = xs, ys, list(colors)
            self.paths.marker_size = 8 if n <= 60 else 0
            self.paths.visible = True
        self.legend([(label, color, "solid") for label, color in zip(labels, colors)])

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
