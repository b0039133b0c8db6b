"""Arrays -> RGBA pixels -> PNG bytes: the rasters of the live charts (a decision boundary, a field, unit maps).

Row 0 of every array here is the bottom of the picture (the lowest y), as the planes compute them; a PNG starts at
the top, so the rows are flipped on encoding.
"""
from __future__ import annotations

import io

import numpy as np

from ..plots.palette import BLUE, CLASS_COLORS, ORANGE

PALE = 0.55                      # class colours are mixed this far towards white, so the points stand out
LEVELS = 256                     # entries of a colour map's lookup table
WHITE = np.array([255.0, 255.0, 255.0])


def rgb(color):
    """'#RRGGBB' -> array [R, G, B] of floats 0..255."""
    color = color.lstrip("#")
    return np.array([int(color[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


CLASS_RGB = np.array([rgb(c) for c in CLASS_COLORS])                     # (K, 3)


def class_mix(P, pale=PALE):
    """Probabilities P (R, S, C) -> RGBA (R, S, 4) uint8: each class's colour weighted by its probability,
    lightened towards white (a sure region is the class's pale colour, an unsure one greyer)."""
    P = np.nan_to_num(np.asarray(P, np.float64), nan=1.0 / P.shape[-1])
    colors = CLASS_RGB[np.arange(P.shape[-1]) % len(CLASS_RGB)]          # (C, 3)
    mixed = np.einsum("rsc,ck->rsk", P, colors)                           # (R, S, C) @ (C, 3) -> (R, S, 3)
    mixed = WHITE - pale * (WHITE - mixed)
    return _with_alpha(mixed)


def _lookup(name):
    from matplotlib import colormaps

    return (colormaps[name](np.linspace(0.0, 1.0, LEVELS))[:, :3] * 255.0).astype(np.float64)


def _diverging():
    """Blue (negative) -> white (0) -> orange (positive), LEVELS entries."""
    t = np.linspace(-1.0, 1.0, LEVELS)[:, None]
    return np.where(t < 0, WHITE + (-t) * (rgb(BLUE) - WHITE), WHITE + t * (rgb(ORANGE) - WHITE))


_MAPS = {}
_RGBA = {}


def colormap(name):
    """The lookup table (LEVELS, 3) of a colour map: "diverging" (blue-white-orange) or a matplotlib name."""
    if name not in _MAPS:
        _MAPS[name] = _diverging() if name == "diverging" else _lookup(name)
    return _MAPS[name]


def _rgba_table(name):
    """The colour map's table as opaque RGBA bytes (LEVELS, 4) uint8: a frame looks its pixels up, no rounding."""
    if name not in _RGBA:
        _RGBA[name] = _with_alpha(colormap(name))
    return _RGBA[name]


def field_colors(V, lo, hi, cmap="viridis", bands=0):
    """Values V (R, S) -> RGBA (R, S, 4): lo..hi over the colour map (NaN transparent); ``bands`` > 0 quantises
    into that many bands, which reads like filled contours."""
    V = np.asarray(V, np.float64)
    missing = np.isnan(V)
    t = (V - lo) / (hi - lo if hi > lo else 1.0)
    t = np.clip(np.where(missing, 0.0, t), 0.0, 1.0)
    if bands:
        t = np.minimum(np.floor(t * bands), bands - 1) / max(bands - 1, 1)
    pixels = _rgba_table(cmap)[np.rint(t * (LEVELS - 1)).astype(np.intp)]              # (R, S, 4)
    pixels[missing, 3] = 0
    return pixels


def _with_alpha(rgb_values):
    """Colours (..., 3) as floats 0..255 -> opaque RGBA (..., 4) uint8, rounded."""
    pixels = np.empty(rgb_values.shape[:-1] + (4,), np.uint8)
    np.rint(rgb_values, out=pixels[..., :3], casting="unsafe")
    pixels[..., 3] = 255
    return pixels


def to_png(pixels):
    """RGBA (R, S, 4) uint8, row 0 at the bottom -> PNG bytes (fast compression: a frame, not an archive)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels[::-1]), "RGBA").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def layer_colors(n, span=0.8):
    """n colours '#rrggbb' from viridis, first layer dark to last light (``span`` < 1 keeps the last readable)."""
    table = colormap("viridis")
    picks = [table[int(round(span * (LEVELS - 1) * k / max(n - 1, 1)))] for k in range(n)]
    return ["#%02x%02x%02x" % tuple(int(round(c)) for c in color) for color in picks]
