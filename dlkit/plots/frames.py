"""Frames: a figure that is drawn again and again (a lab's live picture) and sent to the browser as PNG.

No pyplot state here: :func:`new_figure` gives a Figure with its own canvas, safe to draw from a training thread.
A frame redraws on the previous frame's axes (:func:`wipe`), reuses its solved layout (:func:`freeze_layout`) and
its rasterised text (:mod:`dlkit.plots.renderer`), and is encoded with a 256-colour palette (:func:`to_png`).
What each of these saves is measured in docs/performance.md.
"""
from __future__ import annotations

import io

from matplotlib import font_manager
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont

from .palette import GREEN
from .renderer import Canvas

FIGSIZE = (10.0, 4.0)      # inches
DPI = 90
COMPRESS_LEVEL = 1         # zlib level of a live frame: fast, the bytes stay small thanks to the palette
PALETTE_COLORS = 256       # a palette PNG holds at most this many colours
BUSY_FADE = 0.45           # how far the busy picture is blended towards white
BUSY_FONT = ("DejaVu Sans", 22)      # family, size (px) of the busy picture's text
BUSY_TOP = 12              # px from the top edge to the busy text


def new_figure(width=FIGSIZE[0], height=FIGSIZE[1], dpi=DPI):
    """A matplotlib Figure with its own Agg canvas (no pyplot: safe to draw from a training thread) whose
    renderer rasterises each distinct text once (see :class:`dlkit.plots.renderer.TextCachingRenderer`)."""
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    Canvas(fig)
    return fig


def to_png(fig, compress_level=COMPRESS_LEVEL, palette=True):
    """The figure rendered once and encoded as PNG bytes, fast: these are live frames. ``palette`` stores it
    with its 256 most used colours (indistinguishable for these pictures): fewer bytes to send to the browser
    and a faster encoding than full colour."""
    fig.canvas.draw()
    width, height = fig.canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    return encode(image.convert("RGB"), compress_level, palette)


def encode(image, compress_level=COMPRESS_LEVEL, palette=True):
    """An RGB PIL image -> PNG bytes (palette: 256 colours chosen by a fast octree)."""
    if palette:
        image = image.quantize(PALETTE_COLORS, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=compress_level)
    return buffer.getvalue()


def busy_png(png, text="training…"):
    """The picture ``png`` faded, with ``text`` on top: the instant answer to a click while the first real
    frame is drawn."""
    image = Image.open(io.BytesIO(bytes(png))).convert("RGB")
    image = Image.blend(image, Image.new("RGB", image.size, "white"), BUSY_FADE)
    family, size = BUSY_FONT
    font = ImageFont.truetype(font_manager.findfont(family), size)
    ImageDraw.Draw(image).text((image.width // 2, BUSY_TOP), text, fill=GREEN, font=font, anchor="mt")
    return encode(image)


def wipe(ax):
    """Remove everything drawn on ``ax`` but keep the axis itself, whose ticks are the costliest part to
    rebuild: a live frame redraws faster on wiped axes than on fresh ones."""
    for artist in [*ax.lines, *ax.collections, *ax.images, *ax.patches, *ax.texts, *ax.artists, *ax.tables]:
        artist.remove()
    ax.containers.clear()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.set_title("")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xscale("linear")
    ax.set_yscale("linear")
    ax.set_autoscale_on(True)
    ax.relim()
    ax.ignore_existing_data_limits = True
    return ax


def layout_signature(fig):
    """What decides the space around the axes, cheaply (no text is rendered): the axes count and, per axis, the
    longest tick label on each side. Frames with the same signature can share one solved layout."""
    sizes = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = axis.get_view_interval()
            ticks = [t for t in axis.get_major_locator().tick_values(lo, hi) if min(lo, hi) <= t <= max(lo, hi)]
            labels = axis.get_major_formatter().format_ticks(ticks) if ticks else []
            sizes.append(max((len(label) for label in labels), default=0))
    return len(fig.axes), tuple(sizes)


def freeze_layout(fig, positions=None):
    """Make live redraws cheap: solve the constrained layout once per :func:`layout_signature`, not per frame.

    Call after drawing a frame. With ``positions=None`` the figure's current layout is solved (texts are
    measured, nothing is rendered) and the axes' positions returned; with saved positions (same axes,
    same order) they are applied and the layout engine stays off. Returns the positions to pass next time.
    """
    if positions is not None and len(positions) == len(fig.axes):
        fig.set_layout_engine("none")
        for ax, pos in zip(fig.axes, positions):
            ax.set_position(pos)
        return positions
    for ax in fig.axes:
        ax.set_in_layout(True)                 # set_position took them out of the layout: bring them back
    fig.set_layout_engine("constrained")
    fig.get_layout_engine().execute(fig)       # what a draw does first, without the drawing
    positions = [ax.get_position() for ax in fig.axes]
    fig.set_layout_engine("none")
    return positions
