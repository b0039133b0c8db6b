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


class PlaneGrid:
    """A grid over the plane covering the points of ``arrays`` (each (N_k, 2)), computed once and kept: a live
    chart that redraws the boundary every frame evaluates the model on the same points.

    ``extent`` (x0, x1, y0, y1), ``points`` (R*R, 2); :meth:`covers` says whether it was made from these very
    arrays at this resolution (the same objects: a new dataset or split makes a new grid).
    """

    def __init__(self, *arrays, resolution=100, margin=MARGIN):
        self.arrays, self.resolution = arrays, resolution
        X = arrays[0] if len(arrays) == 1 else np.vstack(arrays)               # (sum N_k, 2)
        self.extent, self.points = plane_points(X, resolution, margin)

    def covers(self, *arrays, resolution):
        return resolution == self.resolution and len(arrays) == len(self.arrays) and all(
            a is b for a, b in zip(arrays, self.arrays))

    def boundary(self, predict_proba):
        """Class probabilities P (R, R, C) of ``predict_proba`` (points (M, 2) -> (M, C)) on the grid."""
        P = np.asarray(predict_proba(self.points), dtype=np.float64)          # (R*R, C)
        return P.reshape(self.resolution, self.resolution, -1)

    def units(self, model, layer):
        """Activations H (R, R, H_layer) of every unit of hidden layer ``layer`` (1-based) of an MLP."""
        if not 1 <= layer < model.n_layers:
            raise ValueError(f"layer must be a hidden layer, 1..{model.n_layers - 1}, got {layer}")
        return self.boundary(lambda pts: model.layer_outputs(pts)[layer - 1]["h"])


def kept_grid(grid, *arrays, resolution):
    """``grid`` if it covers ``arrays`` at ``resolution`` (see :meth:`PlaneGrid.covers`), else a new one."""
    if grid is not None and grid.covers(*arrays, resolution=resolution):
        return grid
    return PlaneGrid(*arrays, resolution=resolution)


def boundary_grid(predict_proba, X, resolution=100, margin=MARGIN):
    """Class probabilities on a grid covering X (N, 2): returns extent (x0, x1, y0, y1) and P (R, R, C).
    ``predict_proba`` maps points (M, 2) to probabilities (M, C), e.g. ``model.predict_proba``."""
    grid = PlaneGrid(X, resolution=resolution, margin=margin)
    return grid.extent, grid.boundary(predict_proba)


def unit_grid(model, X, layer, resolution=40, margin=MARGIN):
    """Activations of every unit of hidden layer ``layer`` (1-based) of an MLP on a grid covering X (N, 2):
    returns extent (x0, x1, y0, y1) and H (R, R, H_layer)."""
    grid = PlaneGrid(X, resolution=resolution, margin=margin)
    return grid.extent, grid.units(model, layer)
