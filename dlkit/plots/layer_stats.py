"""Charts of per-layer statistics (``LayerStats`` records, ``diagnosis.snapshot``) and value distributions:
one line per layer over training, a profile across the layers, saturated and dead units, histograms."""
from __future__ import annotations

import numpy as np
from matplotlib import colormaps

from .axes import finite, legend, log_axis, message, steps, title
from .palette import ALERT, BLACK, BLUE, GREEN, PURPLE, VERMILLION

MOST_LAYERS = 6            # layers named in a legend (or drawn, for histograms): spread from first to last
LAYER_MAP_SPAN = 0.8       # layers take viridis from 0 (first, dark) to this (last; 1.0 is too pale)
BINS = 60
SPREAD_PERCENTILE = 99.5   # a symmetric histogram spans this percentile of |values|: outliers do not squash it
BAR_WIDTH = 0.42


def _layer_colors(n):
    cmap = colormaps["viridis"]
    return [cmap(LAYER_MAP_SPAN * k / max(n - 1, 1)) for k in range(n)]


def _ranges(numbers):
    """[1, 2, 3, 7] -> "1–3, 7"."""
    parts, start = [], numbers[0]
    for prev, cur in zip(numbers, [*numbers[1:], None]):
        if cur is None or cur != prev + 1:
            parts.append(str(start) if prev == start else f"{start}–{prev}")
            start = cur
    return ", ".join(parts)


def shown_layers(n_layers, most=MOST_LAYERS):
    """At most ``most`` layer indices (0-based) spread evenly from the first to the last."""
    if n_layers <= most:
        return list(range(n_layers))
    return sorted(set(np.linspace(0, n_layers - 1, most).round().astype(int).tolist()))


def layer_series(ax, layer_stats, key, ylabel, guide=None, guide_label=None, most=MOST_LAYERS):
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
    legend(ax, ncols=2)
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
    legend(ax)
    return ax


def layer_percentages(ax, record, activation=None):
    """Saturated and dead units per layer, in %, as bars (the output layer is left out: it is linear)."""
    sat = np.asarray(record["saturated"][:-1], dtype=np.float64)
    dead = np.asarray(record["dead"][:-1], dtype=np.float64)
    layers = np.arange(1, sat.size + 1)
    ax.bar(layers - BAR_WIDTH / 2, sat, BAR_WIDTH, color=PURPLE, label="saturated (|f′| < 5% of peak)")
    ax.bar(layers + BAR_WIDTH / 2, dead, BAR_WIDTH, color=VERMILLION, label="dead (never active)")
    ax.set_ylim(0, 100)
    ax.set_xlabel("hidden layer")
    ax.set_ylabel("units (%)")
    if sat.size:
        ax.set_xlim(0.3, sat.size + 0.7)
    legend(ax, loc="upper right")
    if activation:
        title(ax, activation)
    return ax


def layer_histograms(ax, arrays, xlabel, most=MOST_LAYERS, bins=BINS, symmetric=False):
    """Overlaid histograms (densities) of per-layer values, e.g. activations or gradients: arrays is a list
    with one array per layer; at most ``most`` layers are drawn, coloured from first (dark) to last."""
    n = len(arrays)
    picked = shown_layers(n, most)
    colors = _layer_colors(n)
    shown = [v for v in (finite(arrays[k]) for k in picked) if v.size]
    if not shown:
        message(ax, "nothing finite to show", color=ALERT)
        return ax
    spread = max(float(np.percentile(np.abs(v), SPREAD_PERCENTILE)) for v in shown) or 1.0
    lo, hi = (-spread, spread) if symmetric else (min(v.min() for v in shown), max(v.max() for v in shown))
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    edges = np.linspace(lo, hi, bins + 1)
    for k in picked:
        v = finite(arrays[k])
        if v.size == 0:
            continue
        dens, _ = np.histogram(np.clip(v, lo, hi), bins=edges, density=True)
        name = "output layer" if k == n - 1 else f"layer {k + 1}"
        ax.plot(*steps(dens, edges), color=colors[k], lw=1.3, label=f"{name}: std {v.std():.1e}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    legend(ax)
    return ax


def histograms(ax, series, xlabel, bins=BINS, value_range=None):
    """Overlaid density histograms of [(label, values, colour), ...] on shared bins."""
    shown = [(label, finite(v), c) for label, v, c in series]
    shown = [(label, v, c) for label, v, c in shown if v.size]
    if not shown:
        return ax
    lo, hi = value_range or (min(v.min() for _, v, _ in shown), max(v.max() for _, v, _ in shown))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    for label, v, color in shown:
        dens, _ = np.histogram(np.clip(v, lo, hi), bins=edges, density=True)
        ax.plot(*steps(dens, edges), color=color, lw=1.4, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    legend(ax)
    return ax
