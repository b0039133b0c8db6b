"""The input plane: a raster over it (the decision boundary's class colours, or a montage of what each hidden
unit computes) with the data points on top.

bqplot's Image mark redraws when it is pointed at another image widget, not when the widget's bytes change: each
raster panel keeps two image widgets and fills the hidden one before pointing the mark at it.
"""
from __future__ import annotations

import bqplot as bq
import ipywidgets as W
import numpy as np

from ..plots.palette import CLASS_COLORS, GREY
from .panel import Panel
from .raster import class_mix, field_colors, to_png

POINT_SIZE = 16                  # bqplot's default_size is an area in px²
BLANK = np.full((2, 2, 4), 255, np.uint8)
TILE_FRAME = 1                   # pixels of grey around each unit's map in a montage
FRAME_RGBA = (176, 176, 176, 255)


class Raster:
    """An Image mark over extent (x0, x1, y0, y1) whose picture :meth:`show` replaces."""

    def __init__(self, x_scale, y_scale):
        blank = to_png(BLANK)
        self.images = [W.Image(value=blank, format="png"), W.Image(value=blank, format="png")]
        self.mark = bq.Image(image=self.images[0], x=[0.0, 1.0], y=[0.0, 1.0], scales={"x": x_scale, "y": y_scale})
        self.pixels = None

    def show(self, pixels, extent):
        """pixels RGBA (R, S, 4) uint8 (row 0 at the bottom) over extent (x0, x1, y0, y1)."""
        self.pixels = pixels
        hidden = self.images[1] if self.mark.image is self.images[0] else self.images[0]
        hidden.value = to_png(pixels)
        with self.mark.hold_sync():
            self.mark.x, self.mark.y = [extent[0], extent[1]], [extent[2], extent[3]]
            self.mark.image = hidden


class Plane(Panel):
    """A decision boundary: class probabilities on a grid as pale class colours, training points filled, validation
    points as triangles, coloured by their class."""

    def __init__(self, title="decision boundary", xlabel="x₁", ylabel="x₂", **panel):
        super().__init__(title, xlabel, ylabel, **panel)
        self.raster = Raster(self.x, self.y)
        self.train = bq.Scatter(x=[0.0], y=[0.0], colors=[CLASS_COLORS[0]], default_size=POINT_SIZE, stroke="white",
                                stroke_width=0.6, scales={"x": self.x, "y": self.y}, visible=False)
        self.val = bq.Scatter(x=[0.0], y=[0.0], colors=[CLASS_COLORS[0]], default_size=POINT_SIZE,
                              marker="triangle-up", stroke="white", stroke_width=0.6,
                              scales={"x": self.x, "y": self.y}, visible=False)
        self.add(self.raster.mark, self.train, self.val)
        self._points_key = None

    def show(self, P, extent, X, y, X_val=None, y_val=None):
        """P (R, R, C) class probabilities over extent (x0, x1, y0, y1); points X (N, 2) with labels y (N,), and
        validation points (M, 2), (M,) if given."""
        self.raster.show(class_mix(P), extent)
        key = (id(X), len(X), id(X_val))
        if key != self._points_key:
            self._points_key = key
            self._scatter(self.train, X, y)
            self._scatter(self.val, X_val, y_val)
            self.set_bounds(extent)
        classes = P.shape[-1]
        self.legend([(f"class {k}", CLASS_COLORS[k % len(CLASS_COLORS)], "dot") for k in range(classes)]
                    + [("▲ validation points", GREY, "dot")] * (X_val is not None))

    @staticmethod
    def _scatter(mark, X, y):
        if X is None or len(X) == 0:
            mark.visible = False
            return
        colors = [CLASS_COLORS[int(k) % len(CLASS_COLORS)] for k in np.asarray(y)]
        with mark.hold_sync():
            mark.x, mark.y = np.asarray(X[:, 0], np.float64), np.asarray(X[:, 1], np.float64)
            mark.colors, mark.visible = colors, True


class Montage(Panel):
    """What each unit of a hidden layer computes over the input plane: one small map per unit (blue negative, white
    0, orange positive, each scaled to its own largest |value|), side by side in one raster."""

    def __init__(self, title="hidden units", columns=4, **panel):
        super().__init__(title, "", "", x_range=(0.0, 1.0), y_range=(0.0, 1.0), x_ticks=[], y_ticks=[], **panel)
        self.columns = columns
        self.hide_axes()
        self.raster = Raster(self.x, self.y)
        self.add(self.raster.mark)

    def show(self, H, most=8, gap=2):
        """H (R, R, U): activations of U units on an R x R grid; the first ``most`` units are shown, each inside a
        one-pixel grey frame (a ReLU's zero zone is white like the page: the frame shows where its map ends),
        ``gap`` transparent pixels apart."""
        R, _, U = H.shape
        shown = min(U, most)
        cols = min(self.columns, shown)
        rows = -(-shown // cols)
        cell = R + 2 * TILE_FRAME                                  # a unit's map inside its frame
        step = cell + gap
        tiles = np.full((rows * step - gap, cols * step - gap), np.nan)
        framed = np.zeros(tiles.shape, dtype=bool)
        for u in range(shown):
            r, c = divmod(u, cols)
            scale = np.max(np.abs(H[:, :, u])) or 1.0
            top, left = (rows - 1 - r) * step, c * step           # unit 1 at the top left: row 0 is the bottom
            framed[top:top + cell, left:left + cell] = True
            inner = slice(top + TILE_FRAME, top + TILE_FRAME + R), slice(left + TILE_FRAME, left + TILE_FRAME + R)
            tiles[inner] = H[:, :, u] / scale
        pixels = field_colors(tiles, -1.0, 1.0, cmap="diverging")
        pixels[framed & np.isnan(tiles)] = FRAME_RGBA
        self.raster.show(pixels, (0.0, 1.0, 0.0, 1.0))
        self.legend([(f"units 1–{shown} of {U}, left to right", "#999999", "dot")])
