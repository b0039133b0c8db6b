"""Plots of training: functions that draw a History, a LayerStats record or plain arrays on a matplotlib ``ax``.

No pyplot state and no widgets here: the labs in ``dlkit.widgets`` call these on figures they render to PNG, and a
notebook can call them on its own axes::

    import matplotlib.pyplot as plt
    from dlkit import plots
    fig, ax = plt.subplots()
    plots.curves(ax, hist)

Colours are the Okabe–Ito palette, told apart with every common colour-vision deficiency; sequential maps are
viridis and cividis. Every axis is labelled with its unit; every series has a legend entry.
"""
from __future__ import annotations

import io
import math

import numpy as np
from matplotlib import colormaps, font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import LogNorm, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator
from PIL import Image, ImageDraw, ImageFont

from . import activations

# Okabe & Ito (2008), "Color Universal Design"
BLACK, ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE = (
    "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
GREY = "#999999"
TRAIN, VAL, ALERT = BLUE, ORANGE, VERMILLION
CLASS_COLORS = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK, GREY, "#882255")
OPTIMIZER_COLORS = {"sgd": BLACK, "momentum": BLUE, "nesterov": SKY, "adagrad": GREEN, "rmsprop": PURPLE,
                    "adam": VERMILLION, "adamw": YELLOW, "adamax": ORANGE}
SMALL = 8


# ---------------------------------------------------------------- figures

def new_figure(width=10.0, height=4.0, dpi=90):
    """A matplotlib Figure with its own Agg canvas (no pyplot: safe to draw from a training thread) whose
    renderer rasterises each distinct text once (see :class:`TextCachingRenderer`)."""
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    _Canvas(fig)
    return fig


class TextCachingRenderer(RendererAgg):
    """The Agg renderer, except that each distinct text (string, font, size, angle) is rasterised once and then
    stamped: a live frame redraws the same tick labels, titles and legend entries as the one before, and
    shaping and rasterising them anew was 40-60 % of its drawing time. Texts are placed on whole pixels (Agg
    itself places them to 1/64 px: at most half a pixel apart, which the eye does not see). Rotations other than
    0 and 90 degrees are drawn as usual."""

    stamping = True        # switched off for good if this matplotlib's Agg internals differ from what it uses

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if not TextCachingRenderer.stamping or angle not in (0, 90) or (
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


_TEXT_STAMPS = {}          # key -> (coverage (rows, cols) uint8, left, bottom) or None for blank text
_MAX_STAMPS = 4096


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
    if len(_TEXT_STAMPS) >= _MAX_STAMPS:
        _TEXT_STAMPS.clear()
    _TEXT_STAMPS[key] = stamp
    return stamp


class _Canvas(FigureCanvasAgg):
    def get_renderer(self):
        key = (*self.get_width_height(physical=True), self.figure.dpi)
        if getattr(self, "_renderer_key", None) != key:
            self.renderer = TextCachingRenderer(*key)
            self._renderer_key = key
        return self.renderer


def to_png(fig, compress_level=1, palette=True):
    """The figure rendered once and encoded as PNG bytes, fast: these are live frames. ``palette`` stores it
    with its 256 most used colours (indistinguishable for these pictures): 2-3x fewer bytes to send to the
    browser and half the encoding time of full colour."""
    fig.canvas.draw()
    width, height = fig.canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    return _encode(image.convert("RGB"), compress_level, palette)


def _encode(image, compress_level=1, palette=True):
    """An RGB PIL image -> PNG bytes (palette: 256 colours chosen by a fast octree)."""
    if palette:
        image = image.quantize(256, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=compress_level)
    return buffer.getvalue()


def wipe(ax):
    """Remove everything drawn on ``ax`` but keep the axis itself, whose ticks are the costliest part to rebuild:
    redrawing a live frame on wiped axes takes about half the time of fresh ones."""
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


def busy_png(png, text="training…"):
    """The picture ``png`` faded, with ``text`` on top: the instant answer to a click (~20 ms) while the first
    real frame is drawn."""
    image = Image.open(io.BytesIO(bytes(png))).convert("RGB")
    image = Image.blend(image, Image.new("RGB", image.size, "white"), 0.45)
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), 22)
    ImageDraw.Draw(image).text((image.width // 2, 12), text, fill=GREEN, font=font, anchor="mt")
    return _encode(image)


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


def message(ax, text, color=GREY):
    """A centred note on an axis ("press Train", "diverged", ...), on a white box so data cannot hide it."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=color, wrap=True,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}, zorder=10)


def log_axis(ax, which="y", base=10):
    """A log-scaled axis with labelled major ticks only (minor ticks cost a third of a live frame's drawing
    time): decades over a wide range, 1-2-5 over a narrow one, plain steps inside a single decade."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    (ax.set_yscale if which == "y" else ax.set_xscale)("log", base=base)
    axis.set_major_locator(_LogTicks(base=base))
    axis.set_major_formatter(FuncFormatter(_tick_label))
    axis.set_minor_locator(NullLocator())
    return ax


class _LogTicks(LogLocator):
    def tick_values(self, vmin, vmax):
        vmin, vmax = min(vmin, vmax), max(vmin, vmax)
        if vmin > 0 and self._base == 10:
            decades = math.log10(vmax / vmin)
            self.set_params(subs=(1.0,) if decades > 2 else (1.0, 2.0, 5.0) if decades > 0.7 else
                            np.arange(1.0, 10.0))
        ticks = super().tick_values(vmin, vmax)
        if vmin > 0 and np.sum((ticks >= vmin) & (ticks <= vmax)) < 2:
            ticks = MaxNLocator(4).tick_values(vmin, vmax)          # inside one decade: plain steps
            ticks = ticks[ticks > 0]
        return ticks


def _tick_label(value, _pos=None):
    if value == 0 or not math.isfinite(value):
        return ""
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def title(ax, text):
    """A small axis title at a fixed height (placing titles automatically costs a tenth of a frame)."""
    ax.set_title(text, fontsize=SMALL + 1, y=1.0, pad=4)
    return ax


def _legend(ax, **kw):
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=SMALL, framealpha=0.85, numpoints=1, **kw)


def _finite(values):
    v = np.asarray(values, dtype=np.float64)
    return v[np.isfinite(v)]


# ---------------------------------------------------------------- training curves

_METRIC = {"loss": ("train_loss", "val_loss", "loss"), "acc": ("train_acc", "val_acc", "accuracy (%)")}


def curves(ax, hist, metric="loss", label=None, linestyle="-", log=None, x="epoch", ylabel=None,
           train_name="train"):
    """Train and validation ``metric`` ("loss" or "acc") of a History per epoch (or per iteration with
    x="iteration"); a diverged run gets its point marked. ``label`` names the run when several share an axis."""
    train_key, val_key, default_label = _METRIC[metric]
    scale = 100.0 if metric == "acc" else 1.0
    suffix = f" ({label})" if label else ""
    xs = _epoch_x(hist, x)
    for key, color, name in ((train_key, TRAIN, train_name), (val_key, VAL, "validation")):
        values = np.asarray(getattr(hist, key), dtype=np.float64) * scale
        n = min(len(values), len(xs))
        ok = np.isfinite(values[:n])
        if ok.any():
            ax.plot(xs[:n][ok], values[:n][ok], color=color, linestyle=linestyle, lw=1.6, label=name + suffix)
    ax.set_xlabel("iteration (optimizer steps)" if x == "iteration" else "epoch")
    ax.set_ylabel(ylabel or (default_label + (" (log scale)" if log else "")))
    if metric == "acc":
        ax.set_ylim(-2, 102)
    elif log or (log is None and _positive(hist)):
        log_axis(ax)
    if hist.diverged:
        mark_divergence(ax, hist, x=x, label=label)
    if not hist.train_loss and not hist.diverged:
        message(ax, "no epochs yet — press Train")
    _legend(ax)
    return ax


def _positive(hist):
    values = _finite(hist.train_loss + hist.val_loss)
    return values.size > 0 and values.min() > 0


def _epoch_x(hist, x):
    if x == "iteration":
        return np.asarray(hist.iterations, dtype=np.float64)
    return np.arange(1, hist.epochs + 1, dtype=np.float64)


def mark_divergence(ax, hist, x="epoch", label=None):
    """An ✕ at the top of the axis where the loss became NaN/inf, and a note saying when."""
    epoch, iteration = hist.diverged_at or (hist.epochs, 0)
    at = iteration if x == "iteration" else epoch + 1
    text = f"diverged in epoch {epoch + 1} (iteration {iteration})" + (f" ({label})" if label else "")
    ax.plot([at], [0.93], transform=ax.get_xaxis_transform(), marker="X", ms=11, color=ALERT, ls="none",
            label=text, clip_on=False)
    if not hist.train_loss:
        ax.set_xlim(0, at + 1)
        message(ax, "the loss became NaN/inf before the first epoch ended:\nlower the learning rate",
                color=ALERT)
    return ax


def early_stopping(ax, hist, patience=None, metric="val_loss", restored=False):
    """On a loss axis: the best epoch starred (EarlyStopping's, else the lowest ``metric``), the patience
    window after it shaded while it counts, and whether the best weights were ``restored``."""
    values = np.asarray(getattr(hist, metric), dtype=np.float64)
    best = hist.best_epoch
    if best is None:
        if not np.isfinite(values).any():
            return ax
        best = int(np.nanargmin(np.where(np.isfinite(values), values, np.nan)))
    x_best = best + 1
    if patience:
        end = min(hist.epochs, x_best + patience)
        ax.axvspan(x_best, max(end, x_best + 0.3), color=GREY, alpha=0.2,
                   label=f"patience window: {end - x_best} of {patience} epochs")
    ax.axvline(x_best, color=BLACK, ls=":", lw=1)
    if best < len(values) and math.isfinite(values[best]):
        if restored:
            what = f"best epoch {x_best}: its weights restored"
        else:
            what = f"best epoch so far: {x_best}" if patience else f"lowest {metric.replace('_', ' ')}: epoch {x_best}"
        ax.plot([x_best], [values[best]], marker="*", ms=13, color=BLACK, ls="none", label=what)
    _legend(ax)
    return ax


def step_losses(ax, runs, highlight=None, n_examples=None):
    """Mini-batch losses of several runs {batch size: History} against examples seen. The ``highlight`` run is
    drawn at every step (the band's width is its noise), the others as moving averages (their trend). With
    ``n_examples`` (the training-set size) the smaller last batch of each epoch is counted exactly."""
    colors = dict(zip(runs, _cycle(len(runs))))
    top = 0.0
    for label, hist in runs.items():
        s = hist.step_loss
        if s.size == 0:
            continue
        t = np.arange(s.size)
        if n_examples:
            ipe = hist.iterations_per_epoch
            xs = (t // ipe) * n_examples + np.minimum((t % ipe + 1) * hist.batch_size, n_examples)
        else:
            xs = (t + 1) * hist.batch_size
        ok = np.isfinite(s)
        xs, s = xs[ok], s[ok]
        if label == highlight or highlight is None:
            ax.plot(xs, s, color=colors[label], lw=0.7, alpha=0.9, zorder=3, label=f"{label} (every step)")
            top = max(top, float(np.percentile(s, 99)) if s.size else 0.0)
        else:
            w = max(1, s.size // 50)
            trend = np.convolve(s, np.ones(w) / w, mode="valid")
            ax.plot(xs[w - 1:], trend, color=colors[label], lw=1.3, zorder=2, label=f"{label} (average)")
            top = max(top, float(trend.max()) if trend.size else 0.0)
    ax.set_xlabel("examples seen")
    ax.set_ylabel("mini-batch loss")
    if top > 0:
        ax.set_ylim(0, 1.1 * top)
    _legend(ax, title="batch size", title_fontsize=SMALL, ncols=2)
    return ax


def _cycle(n):
    palette = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK, YELLOW)
    return [palette[i % len(palette)] for i in range(n)]


# ---------------------------------------------------------------- decision boundaries

def boundary_grid(predict_proba, X, resolution=100, margin=0.15):
    """Class probabilities on a grid covering X (N, 2): returns extent (x0, x1, y0, y1) and P (R, R, C).
    ``predict_proba`` maps points (M, 2) to probabilities (M, C)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * (hi - lo) + 1e-9
    lo, hi = lo - pad, hi + pad
    gx, gy = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    points = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)         # (R*R, 2)
    P = np.asarray(predict_proba(points), dtype=np.float64)
    return (lo[0], hi[0], lo[1], hi[1]), P.reshape(resolution, resolution, -1)


def decision_boundary(ax, X, y, extent, P, X_val=None, y_val=None, xlabel="x₁", ylabel="x₂"):
    """Each grid cell coloured by its predicted class, paler where the model is unsure; the training points
    (filled) and validation points (hollow) on top, coloured by their true class."""
    C = P.shape[-1]
    if not np.all(np.isfinite(P)):
        message(ax, "the model outputs NaN/inf (training diverged)", color=ALERT)
        P = np.full_like(P, 1.0 / C)
    colors = np.array([to_rgb(CLASS_COLORS[k % len(CLASS_COLORS)]) for k in range(C)])    # (C, 3)
    winner, confidence = P.argmax(-1), P.max(-1)
    # confidence 1/C (a coin toss) -> white, 1 -> 60 % of the class colour
    strength = 0.6 * np.clip((confidence - 1 / C) / (1 - 1 / C), 0, 1)[..., None]
    rgb = 1 - strength * (1 - colors[winner])
    ax.imshow(rgb, origin="lower", extent=extent, aspect="auto", interpolation="bilinear")
    if C == 2 and np.ptp(P[..., 1]) > 0 and P[..., 1].min() < 0.5 < P[..., 1].max():
        ax.contour(np.linspace(*extent[:2], P.shape[1]), np.linspace(*extent[2:], P.shape[0]), P[..., 1],
                   levels=[0.5], colors=BLACK, linewidths=1)
    point_colors = [CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(max(C, int(y.max()) + 1))]
    # points as one marker line per class, not scatter collections: the same picture, built and drawn several
    # times faster in a live frame (zorder 1.5: under the boundary line, as scatter's were)
    for k in np.unique(y):
        sel = y == k
        ax.plot(X[sel, 0], X[sel, 1], "o", ms=3.5, color=point_colors[k], mec="white", mew=0.4, zorder=1.5,
                label=f"class {k}")
    if X_val is not None:
        for k in np.unique(y_val):
            sel = y_val == k
            ax.plot(X_val[sel, 0], X_val[sel, 1], "o", ms=3.7, mfc="none", mec=point_colors[k], mew=0.8,
                    zorder=1.5)
        ax.plot([], [], "o", ms=3.7, mfc="none", mec=GREY, label="validation (hollow)")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _legend(ax, loc="upper right", markerscale=1.2)
    return ax


# ---------------------------------------------------------------- per-layer statistics

def _layer_colors(n):
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(0.8 * k / max(n - 1, 1)) for k in range(n)]


def _ranges(numbers):
    """[1, 2, 3, 7] -> "1–3, 7"."""
    parts, start = [], numbers[0]
    for prev, cur in zip(numbers, [*numbers[1:], None]):
        if cur is None or cur != prev + 1:
            parts.append(str(start) if prev == start else f"{start}–{prev}")
            start = cur
    return ", ".join(parts)


def shown_layers(n_layers, most=6):
    """At most ``most`` layer indices (0-based) spread evenly from the first to the last."""
    if n_layers <= most:
        return list(range(n_layers))
    return sorted(set(np.linspace(0, n_layers - 1, most).round().astype(int).tolist()))


def layer_series(ax, layer_stats, key, ylabel, guide=None, guide_label=None, most=6):
    """One LayerStats quantity (``key``: grad_norm, update_ratio, act_std, ...) per layer over the iterations
    (log scale). Layers are coloured from dark (first) to yellow (last); ``guide`` draws a reference line."""
    if not layer_stats:
        message(ax, "no statistics yet — press Train")
        ax.set_ylabel(ylabel)
        return ax
    its = np.array([r["iteration"] for r in layer_stats], dtype=np.float64)
    values = np.array([r[key] for r in layer_stats], dtype=np.float64)             # (records, layers)
    n = values.shape[1]
    colors = _layer_colors(n)
    labelled = set(shown_layers(n, most))
    for k in range(n):
        v = values[:, k]
        ok = np.isfinite(v) & (v > 0)
        if ok.any():
            name = ("output layer" if k == n - 1 else f"layer {k + 1}") if k in labelled else None
            ax.plot(its[ok], v[ok], color=colors[k], lw=1.2 if k in labelled else 0.6, label=name)
    if guide is not None:
        ax.axhline(guide, color=BLACK, ls="--", lw=1, label=guide_label)
    zero = [k + 1 for k in range(n) if np.all(values[:, k] == 0)]
    if zero and len(zero) < n:
        # e.g. updates far below float32 resolution: the weights do not move at all
        ax.plot([], [], " ", label="exactly 0: layer" + ("s " if len(zero) > 1 else " ") + _ranges(zero))
    if np.any(np.isfinite(values) & (values > 0)):
        log_axis(ax)
    elif np.all(values[np.isfinite(values)] == 0):
        message(ax, f"{ylabel.split(' (')[0]} is exactly 0 in every layer\n(no gradient flows: dead units?)",
                color=ALERT)
    ax.set_xlabel("iteration (optimizer steps)")
    ax.set_ylabel(ylabel)
    _legend(ax, ncols=2)
    return ax


def layer_profile(ax, record, keys=("act_std", "signal_std", "grad_std"),
                  labels=("activations h", "gradient reaching the layer (dL/db)", "weight gradient dW")):
    """Standard deviation per layer (x = layer) of several quantities, log scale: vanishing and exploding
    signals show as lines sloping over many decades."""
    colors = (BLUE, VERMILLION, GREEN)
    any_line = False
    for key, label, color, marker in zip(keys, labels, colors, "osd"):
        if key not in record:
            continue
        v = np.asarray(record[key], dtype=np.float64)
        layers = np.arange(1, v.size + 1)
        ok = np.isfinite(v) & (v > 0)
        if ok.any():
            ax.plot(layers[ok], v[ok], marker=marker, ms=3, color=color, lw=1.4, label=label)
            any_line = True
        if (~np.isfinite(v)).any():
            bad = layers[~np.isfinite(v)]
            ax.plot(bad, np.full(bad.size, 0.95), "X", color=ALERT, transform=ax.get_xaxis_transform(),
                    label="overflow (inf/NaN)")
    if any_line:
        log_axis(ax)
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.set_ylabel("standard deviation (log scale)")
    _legend(ax)
    return ax


def layer_percentages(ax, record, activation=None):
    """Saturated and dead units per layer, in %, as bars (the output layer is left out: it is linear)."""
    sat = np.asarray(record["saturated"][:-1], dtype=np.float64)
    dead = np.asarray(record["dead"][:-1], dtype=np.float64)
    layers = np.arange(1, sat.size + 1)
    width = 0.42
    ax.bar(layers - width / 2, sat, width, color=PURPLE, label="saturated (|f′| < 5% of peak)")
    ax.bar(layers + width / 2, dead, width, color=VERMILLION, label="dead (never active)")
    ax.set_ylim(0, 100)
    ax.set_xlabel("hidden layer")
    ax.set_ylabel("units (%)")
    if sat.size:
        ax.set_xlim(0.3, sat.size + 0.7)
    _legend(ax, loc="upper right")
    if activation:
        title(ax, activation)
    return ax


def layer_histograms(ax, arrays, xlabel, most=6, bins=60, symmetric=False):
    """Overlaid histograms (densities) of per-layer values, e.g. activations or gradients: arrays is a list
    with one array per layer; at most ``most`` layers are drawn, coloured from first (dark) to last."""
    n = len(arrays)
    picked = shown_layers(n, most)
    colors = _layer_colors(n)
    finite = [_finite(arrays[k]) for k in picked]
    finite = [v for v in finite if v.size]
    if not finite:
        message(ax, "nothing finite to show", color=ALERT)
        return ax
    spread = max(float(np.percentile(np.abs(v), 99.5)) for v in finite) or 1.0
    lo, hi = (-spread, spread) if symmetric else (min(v.min() for v in finite), max(v.max() for v in finite))
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    edges = np.linspace(lo, hi, bins + 1)
    for k in picked:
        v = _finite(arrays[k])
        if v.size == 0:
            continue
        dens, _ = np.histogram(np.clip(v, lo, hi), bins=edges, density=True)
        name = "output layer" if k == n - 1 else f"layer {k + 1}"
        ax.plot(*_steps(dens, edges), color=colors[k], lw=1.3, label=f"{name}: std {v.std():.1e}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    _legend(ax)
    return ax


def _steps(heights, edges):
    """The outline of a histogram, heights (B,) over edges (B + 1,), from 0 to 0 as x, y arrays: what
    ``ax.stairs`` draws, as a plain line (a live frame adds a stairs patch 20x slower)."""
    xs = np.repeat(edges, 2)
    ys = np.concatenate([[0.0], np.repeat(heights, 2), [0.0]])
    return xs, ys


def histograms(ax, series, xlabel, bins=60, value_range=None):
    """Overlaid density histograms of [(label, values, colour), ...] on shared bins."""
    finite = [(label, _finite(v), c) for label, v, c in series]
    finite = [(label, v, c) for label, v, c in finite if v.size]
    if not finite:
        return ax
    lo, hi = value_range or (min(v.min() for _, v, _ in finite), max(v.max() for _, v, _ in finite))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    for label, v, color in finite:
        dens, _ = np.histogram(np.clip(v, lo, hi), bins=edges, density=True)
        ax.plot(*_steps(dens, edges), color=color, lw=1.4, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    _legend(ax)
    return ax


# ---------------------------------------------------------------- activations

def _runs(mask):
    """(start, stop) index pairs of the True runs of a boolean array."""
    padded = np.r_[False, mask, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2] - 1))


def activation_zones(ax, name, z, label=True):
    """Shade where ``name`` is dead (f' = 0 exactly: no gradient at all) and where it is saturated (|f'| below
    5% of its peak: almost none) over the inputs z (sorted)."""
    dz = activations.DERIVATIVE[name](z)
    dead = dz == 0
    saturated = activations.saturation_mask(name, z) & ~dead
    for mask, color, hatch, text in ((dead, VERMILLION, "//", "dead zone: f′ = 0"),
                                     (saturated, PURPLE, None, "saturated: |f′| < 5% of peak")):
        for i, (a, b) in enumerate(_runs(mask)):
            ax.axvspan(z[a], z[b], color=color, alpha=0.15, hatch=hatch, lw=0,
                       label=text if label and i == 0 else None)
    return ax


def activation_curve(ax, name, z_min=-6.0, z_max=6.0, others=()):
    """An activation f(z) and its derivative f'(z) over [z_min, z_max], dead and saturated zones shaded;
    ``others`` are drawn faintly for comparison."""
    z = np.linspace(z_min, z_max, 801)
    others = [o for o in others if o != name]
    for i, other in enumerate(others):
        ax.plot(z, activations.FORWARD[other](z), color=GREY, lw=0.8, alpha=0.6,
                label="the others: " + ", ".join(others) if i == 0 else None)
    f, df = activations.get(name)
    activation_zones(ax, name, z)
    ax.plot(z, f(z), color=BLUE, lw=2, label=f"{name}(z)")
    ax.plot(z, df(z), color=ORANGE, lw=2, ls="--", label=f"{name}′(z)")
    ax.axhline(0, color=BLACK, lw=0.5)
    ax.axvline(0, color=BLACK, lw=0.5)
    ax.set_xlim(z_min, z_max)
    ax.set_xlabel("pre-activation z")
    ax.set_ylabel("f(z) and f′(z)")
    _legend(ax, loc="upper left")
    return ax


# ---------------------------------------------------------------- optimizer race

def surface_contours(ax, surface, resolution=160):
    """Log-spaced contours of a :class:`dlkit.surfaces.Surface` over its window, its minima starred."""
    x0, x1, y0, y1 = surface.extent
    gx, gy = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    P = np.stack(np.meshgrid(gx, gy), axis=-1)
    gap = surface.value(P) - surface.f_min                                   # >= 0
    levels = np.geomspace(max(np.percentile(gap, 1), 1e-4), gap.max() + 1e-12, 16)
    ax.contourf(gx, gy, gap, levels=levels, cmap="cividis", alpha=0.35, norm=_lognorm(levels))
    ax.contour(gx, gy, gap, levels=levels, colors=GREY, linewidths=0.5, norm=_lognorm(levels))
    for i, (mx, my) in enumerate(surface.minima):
        ax.plot(mx, my, marker="*", ms=14 if i == 0 else 10, color=BLACK, mfc=YELLOW, ls="none",
                label="global minimum" if i == 0 else ("other minima" if i == 1 else None))
    ax.plot(*surface.start, marker="o", ms=7, color=BLACK, ls="none", label="start")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("θ₁")
    ax.set_ylabel("θ₂")
    return ax


def _lognorm(levels):
    return LogNorm(levels[0], levels[-1])


def optimizer_paths(ax, paths, upto=None):
    """Trajectories {name: surfaces.Path} (the first ``upto`` steps), each in its optimizer's colour (the
    legend is race_losses'); a diverged path ends in an ✕."""
    for name, path in paths.items():
        pts = path.points if upto is None else path.points[:upto + 1]
        color = OPTIMIZER_COLORS.get(name, BLACK)
        done = upto is None or upto >= len(path.points) - 1
        diverged = path.diverged_at is not None and done
        ax.plot(pts[:, 0], pts[:, 1], color=color, lw=1.5, marker="o", ms=1.8, alpha=0.9)
        if diverged:
            ax.plot(*pts[-1], marker="X", ms=11, color=ALERT, ls="none", clip_on=True)
        else:
            ax.plot(*pts[-1], marker="o", ms=5, color=color, mec=BLACK, ls="none")
    _legend(ax, loc="lower left")
    return ax


def race_losses(ax, paths, f_min, upto=None, floor=1e-12):
    """f(θ) - f* per step for each path (log scale, cut at ``floor``): who gets close first. The legend names
    the optimizers' colours for the race's other panels too."""
    top = floor
    for name, path in paths.items():
        gap = path.losses - f_min
        if upto is not None:
            gap = gap[:upto + 1]
        steps = np.arange(gap.size)
        ok = gap > 0
        diverged = path.diverged_at is not None and (upto is None or upto >= len(path.points) - 1)
        label = name + (f" — diverged at step {path.diverged_at}" if diverged else "")
        ax.plot(steps[ok], np.maximum(gap[ok], floor), color=OPTIMIZER_COLORS.get(name, BLACK), lw=1.5,
                label=label)
        if diverged:
            ax.plot([path.diverged_at], [0.93], marker="X", ms=10, color=ALERT, ls="none",
                    transform=ax.get_xaxis_transform())
        if ok.any():
            top = max(top, float(gap[ok].max()))
    log_axis(ax)
    ax.set_ylim(floor / 2, top * 2)
    ax.set_xlabel("step")
    ax.set_ylabel("f(θ) − f(θ*) (log scale)")
    _legend(ax, ncols=2)
    return ax


def step_sizes(ax, paths, upto=None):
    """Length of each step |Δθ| per optimizer (log scale): adaptive methods take steps of about lr."""
    for name, path in paths.items():
        pts = path.points if upto is None else path.points[:upto + 1]
        d = np.linalg.norm(np.diff(pts, axis=0), axis=1)
        ok = d > 0
        ax.plot(np.arange(1, d.size + 1)[ok], d[ok], color=OPTIMIZER_COLORS.get(name, BLACK), lw=1.2, label=name)
    log_axis(ax)
    ax.set_xlabel("step")
    ax.set_ylabel("step length |Δθ| (log scale)")
    _legend(ax, ncols=2)
    return ax


def momentum_map(ax, eigenvalues, theory, lr=None, beta=None, resolution=160):
    """Heavy-ball speed over (lr α, momentum β) on a quadratic: colour = steps to shrink the error 1000×
    (bright = few), hatched = no convergence; the stability edge α = 2(1 + β)/λ_max, the optimum (α*, β*),
    the best plain gradient descent and the current choice marked."""
    from .surfaces import momentum_rate, steps_to

    a_max = 4.2 / theory["lambda_max"]
    alphas = np.linspace(a_max / resolution, a_max, resolution)
    betas = np.linspace(0.0, 0.99, resolution)
    A, B = np.meshgrid(alphas, betas)
    rate = momentum_rate(A, B, eigenvalues)
    with np.errstate(divide="ignore"):
        steps = np.where(rate < 1, np.log(1e-3) / np.log(np.clip(rate, 1e-300, 1 - 1e-16)), np.nan)
    mesh = ax.pcolormesh(alphas, betas, np.clip(steps, 1, 1e4), cmap="viridis_r", norm=LogNorm(1, 1e4),
                         shading="auto")
    ax.contourf(alphas, betas, rate, levels=[1.0, np.inf], colors="none", hatches=["///"])
    ax.fill_between([], [], color="white", hatch="///", edgecolor=GREY, label="no convergence")
    ax.figure.colorbar(mesh, ax=ax, label="steps to shrink the error 1000×", shrink=0.9)
    ax.plot(theory["max_lr"](betas), betas, color=BLACK, lw=1.2, label="stability edge α = 2(1+β)/λ_max")
    ax.plot([theory["momentum_lr"]], [theory["momentum_beta"]], marker="*", ms=14, color=YELLOW, mec=BLACK,
            ls="none", label=f"optimal α*={theory['momentum_lr']:.3g}, β*={theory['momentum_beta']:.3g}: "
                             f"{steps_to(theory['momentum_rate'])} steps")
    ax.plot([theory["gd_lr"]], [0], marker="D", ms=7, color=SKY, mec=BLACK, ls="none", clip_on=False,
            label=f"best plain GD α={theory['gd_lr']:.3g}: {steps_to(theory['gd_rate'])} steps")
    if lr is not None and beta is not None:
        r = float(momentum_rate(lr, beta, eigenvalues))
        ax.plot([min(lr, a_max)], [beta], marker="o", ms=8, color=VERMILLION, mec=BLACK, ls="none",
                label="yours: " + (f"{steps_to(r)} steps" if r < 1 else "diverges"))
    ax.set_xlim(0, a_max)
    ax.set_ylim(0, 0.99)
    ax.set_xlabel("learning rate α")
    ax.set_ylabel("momentum β")
    _legend(ax, loc="upper right")
    return ax


# ---------------------------------------------------------------- batch size

def batch_costs(ax, sizes, iterations_per_epoch, seconds_per_epoch):
    """Iterations per epoch (left axis) and wall time per epoch (right axis) against batch size, log-log."""
    sizes = np.asarray(sizes, dtype=np.float64)
    ax.plot(sizes, iterations_per_epoch, marker="o", color=BLUE, lw=1.6, label="iterations per epoch ⌈N/B⌉")
    _size_axis(ax, sizes)
    log_axis(ax)
    ax.set_ylabel("iterations per epoch", color=BLUE)
    right = ax.twinx()
    right.plot(sizes, np.asarray(seconds_per_epoch) * 1e3, marker="s", color=VERMILLION, lw=1.6, ls="--",
               label="wall time per epoch")
    log_axis(right)
    right.set_ylabel("wall time per epoch (ms)", color=VERMILLION)
    lines = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(lines, [h.get_label() for h in lines], fontsize=SMALL, loc="upper right")
    return ax


def _size_axis(ax, sizes):
    """A log2 batch-size axis ticked at the sizes themselves."""
    log_axis(ax, "x", base=2)
    ax.set_xticks(sizes, [str(int(b)) for b in sizes])
    ax.set_xlabel("batch size B (log scale)")


def batch_results(ax, sizes, values, ylabel, highlight=None, color=GREEN, log=False, label=None):
    """One number per batch size (final accuracy, loss noise, ...), the highlighted size circled."""
    sizes = np.asarray(sizes, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    ax.plot(sizes, values, marker="o", color=color, lw=1.6, label=label)
    if highlight is not None and highlight in list(sizes):
        i = list(sizes).index(highlight)
        ax.plot([sizes[i]], [values[i]], marker="o", ms=13, mfc="none", mec=BLACK, mew=1.5, ls="none",
                label=f"batch size {int(highlight)}")
    _size_axis(ax, sizes)
    if log and np.all(values[np.isfinite(values)] > 0):
        log_axis(ax)
    ax.set_ylabel(ylabel)
    _legend(ax)
    return ax


# ---------------------------------------------------------------- evaluation

def confusion_matrix(ax, cm, class_names=None, heading=None):
    """Counts (C, C), row = true class, column = predicted, each cell annotated."""
    cm = np.asarray(cm)
    C = cm.shape[0]
    names = class_names or [str(k) for k in range(C)]
    image = ax.imshow(cm, cmap="Blues", vmin=0, vmax=max(int(cm.max()), 1))
    small = C > 6
    for i in range(C):
        for j in range(C):
            dark = cm[i, j] > 0.6 * cm.max()
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=SMALL - (1 if small else -1),
                    color="white" if dark else BLACK)
    ax.set_xticks(range(C), names, fontsize=SMALL)
    ax.set_yticks(range(C), names, fontsize=SMALL)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if heading:
        title(ax, heading)
    return image


def precision_recall(ax, precision, recall, point=None, point_label=None, base_rate=None):
    """The precision–recall curve (step-wise, as scikit-learn draws it), F1 iso-lines, the current threshold's
    point, and the precision of a random classifier (the positive rate)."""
    r = np.linspace(0.01, 1, 200)
    for f1 in (0.2, 0.4, 0.6, 0.8):
        p = f1 * r / (2 * r - f1)
        ok = (p > 0) & (p <= 1.05)
        ax.plot(r[ok], p[ok], color=GREY, lw=0.6, alpha=0.6)
        ax.annotate(f"F1={f1}", (r[ok][-1], min(p[ok][-1], 1.02)), fontsize=SMALL - 1, color=GREY)
    ax.step(recall, precision, where="post", color=BLUE, lw=1.8, label="precision–recall curve")
    if base_rate is not None:
        ax.axhline(base_rate, color=BLACK, ls=":", lw=1, label=f"random guessing ({base_rate:.2f})")
    if point is not None:
        ax.plot([point[0]], [point[1]], marker="o", ms=9, color=VERMILLION, mec=BLACK, ls="none",
                label=point_label or "threshold")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("recall = TP / (TP + FN)")
    ax.set_ylabel("precision = TP / (TP + FP)")
    _legend(ax, loc="lower left")
    return ax


def score_bars(ax, scores, reference=None):
    """Horizontal bars of {name: value in [0, 1]}, values printed; ``reference`` {name: value} adds ticks
    (e.g. what always predicting the majority class would score)."""
    names = list(scores)
    values = [scores[n] for n in names]
    ys = np.arange(len(names))[::-1]
    ax.barh(ys, values, color=[BLUE, GREEN, ORANGE, PURPLE, SKY][:len(names)], height=0.6)
    for y, v in zip(ys, values):
        ax.text(min(v + 0.02, 0.9), y, f"{v:.3f}", va="center", fontsize=SMALL + 1)
    label = "always predicting the majority class"
    for y, n in zip(ys, names):
        if reference and n in reference:
            ax.plot([reference[n]] * 2, [y - 0.35, y + 0.35], color=VERMILLION, lw=2.5, label=label)
            label = None
    ax.set_yticks(ys, names)
    ax.set_xlim(0, 1.08)
    ax.set_xlabel("score (0 to 1)")
    _legend(ax, loc="lower right")
    return ax


# ---------------------------------------------------------------- module 09: when does the GPU win?

BACKEND_STYLE = {"numpy": (GREY, "s", "dlkit numpy"), "cpu": (BLUE, "o", "dlkit cpu (Numba)"),
                 "cuda": (GREEN, "D", "dlkit cuda (Numba CUDA)"), "torch": (ORANGE, "^", "PyTorch CPU"),
                 "torch_cuda": (VERMILLION, "v", "PyTorch CUDA")}


def step_times(ax, sweep, fast="cuda", slow="cpu"):
    """Milliseconds per training step against hidden width (log-log), one line per backend of a
    ``dlkit.gpu.step_sweep``; the width from which ``fast`` beats ``slow`` is marked, and backends that could not
    run here are named instead of drawn."""
    from .gpu import crossover

    widths, missing = sweep["width"], []
    for name, (color, marker, label) in BACKEND_STYLE.items():
        seconds = sweep.get(name)
        if seconds is None:
            continue
        if None in seconds:
            missing.append(label)
            continue
        ax.plot(widths, [1e3 * s for s in seconds], color=color, marker=marker, label=label)
    ax.set(xscale="log", yscale="log", xlabel="hidden width (units per layer)", ylabel="ms per training step")
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.xaxis.set_minor_locator(NullLocator())
    wins = crossover(sweep, fast, slow)
    if wins is not None:
        ax.axvline(wins, color=GREY, linestyle="--", linewidth=1)
        ax.annotate(f"{fast} wins from width {wins}", (wins, 0.97), xycoords=("data", "axes fraction"),
                    xytext=(4, 0), textcoords="offset points", va="top", fontsize=SMALL)
    if missing:
        ax.text(0.99, 0.02, "not measured here: " + ", ".join(missing), transform=ax.transAxes, ha="right",
                va="bottom", fontsize=SMALL, color=GREY)
    title(ax, f"one training step, batch {sweep.get('batch_size', '?')}")
    _legend(ax, loc="upper left")
    return ax


# ---------------------------------------------------------------- what each hidden unit computes (2-D data)

def unit_grid(model, X, layer, resolution=40, margin=0.15):
    """Activations of every unit of hidden layer ``layer`` (1-based) on a grid covering X (N, 2): returns extent
    (x0, x1, y0, y1) and H (R, R, H_layer)."""
    if not 1 <= layer < model.n_layers:
        raise ValueError(f"layer must be a hidden layer, 1..{model.n_layers - 1}, got {layer}")
    extent, H = boundary_grid(lambda pts: model.layer_outputs(pts)[layer - 1]["h"], X, resolution, margin)
    return extent, H


def hidden_units(ax, H, layer, max_units=8, columns=4):
    """The first ``max_units`` units of a :func:`unit_grid` side by side, as one image on ``ax`` (one image
    draws fast enough for live frames): each tile is the input plane coloured by that unit's activation, each on
    its own scale (the shape matters here; the sizes are in the gradient-flow lab), diverging around 0 (purple
    negative, orange positive) when a unit takes both signs, white to blue when it is never negative."""
    R, _, units = H.shape
    shown = min(units, max_units)
    rows, cols, gap = math.ceil(shown / columns), min(shown, columns), max(1, R // 20)
    rgb = np.ones((rows * (R + gap) - gap, cols * (R + gap) - gap, 3))
    signed_map, plain_map = colormaps["PuOr_r"], colormaps["Blues"]
    for u in range(shown):
        h = H[::-1, :, u]                          # image row 0 is the top: x2 grows upwards as in the data panel
        r, c = divmod(u, columns)
        tile = rgb[r * (R + gap):r * (R + gap) + R, c * (R + gap):c * (R + gap) + R]
        if not np.all(np.isfinite(h)):
            tile[...] = to_rgb(ALERT)
            continue
        top = float(np.abs(h).max()) or 1.0
        tile[...] = (signed_map(0.5 + 0.5 * h / top) if h.min() < 0 else plain_map(h / top))[..., :3]
    ax.imshow(rgb, interpolation="nearest")
    for u in range(shown):
        r, c = divmod(u, columns)
        ax.text(c * (R + gap) + 1, r * (R + gap) + 1, str(u + 1), fontsize=SMALL - 1, va="top", ha="left")
    ax.set_xticks([])
    ax.set_yticks([])
    title(ax, f"layer {layer}: units over the input plane" + (f" ({shown} of {units})" if units > shown else ""))
    if not np.all(np.isfinite(H[..., :shown])):
        message(ax, "some units output NaN/inf (training diverged)", color=ALERT)
    return ax
