"""What a model computes over the input plane of 2-D data, on a grid: class probabilities (the decision
boundary) and the activations of each hidden unit. Pure compute: ``dlkit.plots.decision_boundary`` and
``dlkit.plots.hidden_units`` draw the grids.

The grid covers the data X (N, 2) with a margin on every side; row 0 is the bottom (x2 lowest), column 0 the
left (x1 lowest), as ``imshow(origin="lower")`` shows it.
"""
from __future__ import annotations

import numpy as np

from .validation import check_number

MARGIN = 0.15              # the grid reaches this share of the data's range beyond it on every side
NO_RANGE = 1e-9            # padding for data without extent along an axis (all points on one line)


def plane_points(X, resolution, margin=MARGIN):
    """The grid's extent (x0, x1, y0, y1) and its points (R*R, 2), R = ``resolution``, row by row from the
    bottom, covering X (N, 2) with ``margin``."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"X must be 2-D data of shape (N, 2), got shape {X.shape}")
    resolution = check_number("resolution", resolution, integer=True, positive=True)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * (hi - lo) + NO_RANGE
    lo, hi = lo - pad, hi + pad
    gx, gy = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    points = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)         # (R*R, 2)
    return (lo[0], hi[0], lo[1], hi[1]), points


def boundary_grid(predict_proba, X, resolution=100, margin=MARGIN):
    """Class probabilities on a grid covering X (N, 2): returns extent (x0, x1, y0, y1) and P (R, R, C).
    ``predict_proba`` maps points (M, 2) to probabilities (M, C), e.g. ``model.predict_proba``."""
    extent, points = plane_points(X, resolution, margin)
    P = np.asarray(predict_proba(points), dtype=np.float64)               # (R*R, C)
    return extent, P.reshape(resolution, resolution, -1)


def unit_grid(model, X, layer, resolution=40, margin=MARGIN):
    """Activations of every unit of hidden layer ``layer`` (1-based) of an MLP on a grid covering X (N, 2):
    returns extent (x0, x1, y0, y1) and H (R, R, H_layer)."""
    if not 1 <= layer < model.n_layers:
        raise ValueError(f"layer must be a hidden layer, 1..{model.n_layers - 1}, got {layer}")
    return boundary_grid(lambda pts: model.layer_outputs(pts)[layer - 1]["h"], X, resolution, margin)
