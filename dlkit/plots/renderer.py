"""The Agg renderer of the labs' figures, which rasterises each distinct text once and then stamps it.

A live frame redraws the same tick labels, titles and legend entries as the one before; shaping and
rasterising them anew was a large share of its drawing time (docs/performance.md).
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

STAMPED_ANGLES = (0, 90)   # texts at other angles are drawn as Agg draws them
MAX_STAMPS = 4096          # the cache is emptied when it holds this many texts
_TEXT_STAMPS = {}          # key -> (coverage (rows, cols) uint8, left, bottom) or None for blank text


class TextCachingRenderer(RendererAgg):
    """The Agg renderer, except that each distinct text (string, font, size, angle) is rasterised once and then
    stamped. Texts are placed on whole pixels (Agg itself places them to 1/64 px: at most half a pixel apart,
    which the eye does not see). Rotations other than 0 and 90 degrees are drawn as usual."""

    stamping = True        # switched off for good if this matplotlib's Agg internals differ from what it uses

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if not TextCachingRenderer.stamping or angle not in STAMPED_ANGLES or (
                mtext is not None and (_text_option(mtext, "get_fontfeatures") or
                                       _text_option(mtext, "get_language"))):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        try:
            stamp = _text_stamp(self, s, prop, angle, ismath, gc.get_antialiased())
            if stamp is not None:
                bitmap, left, bottom = stamp
                self._renderer.draw_text_image(bitmap, round(x) + left, round(y) + bottom, 0, gc)
        except (AttributeError, TypeError, ValueError):      # a matplotlib whose internals changed: draw as usual
            TextCachingRenderer.stamping = False
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)


def _text_option(text, getter):
    """A Text's font features or language (matplotlib >= 3.11; None before): such texts are not cached."""
    method = getattr(text, getter, None)
    return method() if method is not None else None


def _text_stamp(renderer, s, prop, angle, ismath, antialiased):
    """The coverage bitmap of one text drawn at (0, 0) with ``angle``, cropped, and the offsets of its
    bottom-left corner from the text's anchor (y downwards, as draw_text_image takes it)."""
    key = (s, tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
           prop.get_stretch(), prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily(), angle,
           ismath, antialiased, renderer.dpi)
    if key in _TEXT_STAMPS:
        return _TEXT_STAMPS[key]
    w, h, _ = renderer.get_text_width_height_descent(s, prop, ismath)
    pad = math.ceil(h) + 2                              # room for overhanging glyphs on every side
    origin = (pad + math.ceil(h), pad + math.ceil(w))   # the anchor: enough room for either angle
    side = math.ceil(w) + 2 * math.ceil(h) + 2 * pad
    scratch = RendererAgg(side, side, renderer.dpi)
    gc = scratch.new_gc()
    gc.set_foreground("black")
    gc.set_antialiased(antialiased)
    RendererAgg.draw_text(scratch, gc, *origin, s, prop, angle, ismath)
    gc.restore()
    coverage = np.asarray(scratch.buffer_rgba())[..., 3]
    rows, cols = np.flatnonzero(coverage.any(axis=1)), np.flatnonzero(coverage.any(axis=0))
    stamp = None
    if rows.size:
        bitmap = np.ascontiguousarray(coverage[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
        stamp = (bitmap, int(cols[0] - origin[0]), int(rows[-1] + 1 - origin[1]))
    if len(_TEXT_STAMPS) >= MAX_STAMPS:
        _TEXT_STAMPS.clear()
    _TEXT_STAMPS[key] = stamp
    return stamp


class Canvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is a :class:`TextCachingRenderer` (kept while the size and dpi stay)."""

    def get_renderer(self):
        key = (*self.get_width_height(physical=True), self.figure.dpi)
        if getattr(self, "_renderer_key", None) != key:
            self.renderer = TextCachingRenderer(*key)
            self._renderer_key = key
        return self.renderer
