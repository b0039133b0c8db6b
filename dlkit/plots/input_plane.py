"""Charts over the input plane of 2-D data: the points, the decision boundary, and what each hidden unit
computes. The grids come computed from ``dlkit.planes`` (``boundary_grid``, ``unit_grid``)."""
from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_rgb

from .axes import legend, message, title
from .palette import ALERT, BLACK, CLASS_COLORS, GREY, SMALL

STRONGEST_TINT = 0.6       # a cell the model is sure of gets this share of its class colour; a coin toss, white
POINT_SIZE = 3.5           # marker size of a training point (points)
VAL_POINT_SIZE = 3.7       # ... of a hollow validation point, a little larger to show as large
UNIT_COLUMNS = 4
MOST_UNITS = 8


def _class_color(k):
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def training_points(ax, X, y):
    """The points X (N, 2) coloured by their class y (N,): the data before there is a model."""
    ax.scatter(X[:, 0], X[:, 1], c=[CLASS_COLORS[k] for k in y], s=14)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    return ax


def decision_boundary(ax, X, y, extent, P, X_val=None, y_val=None, xlabel="x₁", ylabel="x₂"):
    """Each grid cell coloured by its predicted class, paler where the model is unsure; the training points
    (filled) and validation points (hollow) on top, coloured by their true class. ``extent`` (x0, x1, y0, y1)
    and P (R, R, C) are a ``dlkit.planes.boundary_grid``."""
    C = P.shape[-1]
    if not np.all(np.isfinite(P)):
        message(ax, "the model outputs NaN/inf (training diverged)", color=ALERT)
        P = np.full_like(P, 1.0 / C)
    colors = np.array([to_rgb(_class_color(k)) for k in range(C)])                        # (C, 3)
    winner, confidence = P.argmax(-1), P.max(-1)
    # confidence 1/C (a coin toss) -> white, 1 -> STRONGEST_TINT of the class colour
    strength = STRONGEST_TINT * np.clip((confidence - 1 / C) / (1 - 1 / C), 0, 1)[..., None]
    rgb = 1 - strength * (1 - colors[winner])
    ax.imshow(rgb, origin="lower", extent=extent, aspect="auto", interpolation="bilinear")
    if C == 2 and np.ptp(P[..., 1]) > 0 and P[..., 1].min() < 0.5 < P[..., 1].max():
        ax.contour(np.linspace(*extent[:2], P.shape[1]), np.linspace(*extent[2:], P.shape[0]), P[..., 1],
                   levels=[0.5], colors=BLACK, linewidths=1)
    _class_points(ax, X, y, X_val, y_val, C)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    legend(ax, loc="upper right", markerscale=1.2)
    return ax


def _class_points(ax, X, y, X_val, y_val, n_classes):
    """Training points filled and validation points hollow, one marker line per class: the same picture as
    scatter collections, built and drawn much faster in a live frame (zorder 1.5: under the boundary line, as
    scatter's were)."""
    point_colors = [_class_color(k) for k in range(max(n_classes, int(y.max()) + 1))]
    for k in np.unique(y):
        sel = y == k
        ax.plot(X[sel, 0], X[sel, 1], "o", ms=POINT_SIZE, color=point_colors[k], mec="white", mew=0.4,
                zorder=1.5, label=f"class {k}")
    if X_val is not None:
        for k in np.unique(y_val):
            sel = y_val == k
            ax.plot(X_val[sel, 0], X_val[sel, 1], "o", ms=VAL_POINT_SIZE, mfc="none", mec=point_colors[k],
                    mew=0.8, zorder=1.5)
        ax.plot([], [], "o", ms=VAL_POINT_SIZE, mfc="none", mec=GREY, label="validation (hollow)")


def hidden_units(ax, H, layer, max_units=MOST_UNITS, columns=UNIT_COLUMNS):
    """The first ``max_units`` units of a ``dlkit.planes.unit_grid`` H (R, R, units) side by side, as one image
    on ``ax`` (one image draws fast enough for live frames): each tile is the input plane coloured by that
    unit's activation, each on its own scale (the shape matters here; the sizes are in the gradient-flow lab),
    diverging around 0 (purple negative, orange positive) when a unit takes both signs, white to blue when it
    is never negative."""
    R, _, units = H.shape
    shown = min(units, max_units)
    rows, cols, gap = math.ceil(shown / columns), min(shown, columns), max(1, R // 20)
    rgb = np.ones((rows * (R + gap) - gap, cols * (R + gap) - gap, 3))
    for u in range(shown):
        r, c = divmod(u, columns)
        _unit_tile(rgb[r * (R + gap):r * (R + gap) + R, c * (R + gap):c * (R + gap) + R], H[::-1, :, u])
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


def _unit_tile(tile, h):
    """Colour one tile (R, R, 3) in place by one unit's activations h (R, R), image row 0 at the top (the
    caller flips the grid, so x2 grows upwards as in the data panel)."""
    if not np.all(np.isfinite(h)):
        tile[...] = to_rgb(ALERT)
        return
    top = float(np.abs(h).max()) or 1.0
    signed_map, plain_map = colormaps["PuOr_r"], colormaps["Blues"]
    tile[...] = (signed_map(0.5 + 0.5 * h / top) if h.min() < 0 else plain_map(h / top))[..., :3]
