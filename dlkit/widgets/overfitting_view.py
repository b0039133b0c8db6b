"""What the OverfittingLab shows, live in the browser: train and validation loss with the early-stopping marks (the
best epoch, the patience window, where the run stops or would stop), accuracy with the chance level, the
generalization gap, and for 2-D data the decision boundary."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import ipywidgets as W
import numpy as np

import dlkit as dk

from .. import live, planes
from ..live.marked import MarkedCurves
from ..plots.palette import GREY, PURPLE, TRAIN, VAL
from .live_runs import change_label

RESOLUTION = 64            # grid points per side of the decision boundary when the picture stands still
LIVE_RESOLUTION = 40       # ... while a run trains at most, and at least MIN_RESOLUTION: as many as cost about
LIVE_COST = 0.003          # this many seconds of the kernel's time (a 128-wide network: ~2.5 µs per grid point)
MIN_RESOLUTION = 20
BOUNDARY_SHARE = 0.1       # while training, computing the boundary takes at most this share of the time
PLANE_WIDTH = 320          # px: the decision-boundary panel's width, about square
VAL_POINTS_SHOWN = 150     # validation points drawn on it (all 500 would hide the boundary)
THIN_WINDOW = 0.3          # epochs: a patience window that has just opened is drawn this wide
TRAIN_NAME = "train (eval mode)"
PATIENCE, STOPPED, BUDGET, DIVERGED = "patience", "stop", "budget", "diverged"    # why a run ended


@dataclass
class Frame:
    """What one frame shows: the run's History and model, its data {X, y, X_val, y_val, n_classes}, the early
    stopping settings, whether a run is ``training``, why it ``ended`` ("" while it runs or before the first),
    and ``stale``: a title suffix when the controls no longer match the run shown ("" when they do)."""

    hist: dk.History
    model: dk.MLP
    data: dict
    early_stopping: bool
    patience: int
    training: bool = False
    ended: str = ""
    random_labels: bool = False
    stale: str = ""

    @property
    def restored(self):
        """Whether early stopping put the best weights back at the end of the run."""
        return bool(self.ended) and self.ended != DIVERGED and self.early_stopping and self.hist.best_epoch is not None


class OverfittingView:
    """The live charts of an OverfittingLab; :meth:`show` hands them a :class:`Frame`."""

    def __init__(self):
        self.loss = MarkedCurves("cross-entropy loss", "loss (log scale)", log=True)
        self.acc = MarkedCurves("accuracy", "accuracy", percent=True)
        self.gap = MarkedCurves("generalization gap", "val loss − train loss (eval mode)")
        self.plane = live.Plane("decision boundary", grow=0)
        self.plane.widget.layout.flex = f"0 1 {PLANE_WIDTH}px"            # about square, beside the gap
        self.widget = W.VBox([live.row(self.loss, self.acc), live.row(self.gap, self.plane)],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("dlkit-live")
        self._boundary_at, self._boundary_cost, self._point_cost = -math.inf, 0.0, 0.0
        self._val_shown = (None, None, None)
        self._grid = None                                   # planes.PlaneGrid over the points, kept per data

    def show(self, f):
        """Draw frame ``f`` (a :class:`Frame`)."""
        h = f.hist
        epochs = np.arange(1, h.epochs + 1)
        changes = [(c["epoch"], change_label(c)) for c in h.changes]
        window, points, marks = stopping_marks(f)
        blowups = []
        if h.diverged:
            finite = [v for v in h.train_loss if np.isfinite(v)]
            blowups = [(h.diverged_at[0] + 1, max(finite) if finite else 1.0)]
        self.loss.show(_pair(epochs, h.train_loss, h.val_loss), changes, blowups, window, points, marks)
        self.loss.title = "cross-entropy loss" + f.stale
        chance = 1.0 / f.data["n_classes"]
        self.acc.show(_pair(epochs, h.train_acc, h.val_acc), changes, levels=[(chance, f"chance {100 * chance:.0f}%", GREY)])
        self.acc.title = ("accuracy (random labels)" if f.random_labels else "accuracy") + f.stale
        gap = np.asarray(h.val_loss, np.float64) - np.asarray(h.train_loss, np.float64)       # (epochs,)
        self.gap.show([live.Series("val loss − train loss", epochs, gap, PURPLE)], changes,
                      levels=[(0.0, "0: no gap", GREY)])
        self._plane(f)

    def _plane(self, f):
        """2-D data: the network's decision boundary (the untrained one before the first run), with the training
        points and some validation points; while training it is recomputed only as often as BOUNDARY_SHARE allows."""
        d, h = f.data, f.hist
        two_d = d["X"].shape[1] == 2
        value = None if two_d else "none"
        if self.plane.widget.layout.display != value:
            self.plane.widget.layout.display = value
        if not two_d or f.model is None:
            return
        now = time.perf_counter()
        if f.training and now - self._boundary_at < self._boundary_cost / BOUNDARY_SHARE:
            return
        resolution = self.live_resolution() if f.training else RESOLUTION
        self._grid = planes.kept_grid(self._grid, d["X"], d["X_val"], resolution=resolution)
        extent, P = self._grid.extent, self._grid.boundary(f.model.predict_proba)
        if self._val_shown[0] is not d["X_val"]:
            self._val_shown = (d["X_val"], d["X_val"][:VAL_POINTS_SHOWN], d["y_val"][:VAL_POINTS_SHOWN])
        self.plane.show(P, extent, d["X"], d["y"], *self._val_shown[1:])
        self._boundary_at = time.perf_counter()
        self._boundary_cost = self._boundary_at - now
        self._point_cost = self._boundary_cost / resolution ** 2
        if not h.epochs:
            title = f"untrained network, {len(d['X'])} points"
        elif f.restored:
            title = f"weights of epoch {h.best_epoch + 1} (restored)"
        else:
            title = f"after epoch {h.epochs}"
        self.plane.title = title + f.stale


    def live_resolution(self):
        """Grid points per side while training: as many as the last boundary's cost per point allows in LIVE_COST,
        within MIN_RESOLUTION..LIVE_RESOLUTION."""
        if self._point_cost <= 0:
            return LIVE_RESOLUTION
        return int(np.clip(math.sqrt(LIVE_COST / self._point_cost), MIN_RESOLUTION, LIVE_RESOLUTION))


def _pair(epochs, train, val):
    return [live.Series(TRAIN_NAME, epochs, train, TRAIN), live.Series("val", epochs, val, VAL)]


def stopping_marks(f):
    """The loss chart's early-stopping marks for frame f: (window, points, marks) as MarkedCurves.show takes them:
    the best epoch (early stopping's, else the lowest validation loss) as a diamond; with early stopping the
    patience window after it and the epoch where the run stops unless the validation loss improves; without it,
    the epoch where early stopping with this patience would have stopped."""
    h, patience = f.hist, f.patience
    values = np.asarray(h.val_loss, np.float64)
    if not np.isfinite(values).any():
        return None, [], []
    best = h.best_epoch if h.best_epoch is not None else int(np.nanargmin(np.where(np.isfinite(values), values,
                                                                                   np.nan)))
    x_best = best + 1
    if not f.early_stopping:
        at = would_stop(values, patience)
        marks = [(at, f"early stopping (patience {patience}) would stop here")] if at else []
        return None, [(x_best, values[best], f"lowest val loss: epoch {x_best}")], marks
    end, stop_at = min(h.epochs, x_best + patience), x_best + patience
    window = (x_best, max(end, x_best + THIN_WINDOW), f"patience: {end - x_best} of {patience} epochs")
    what = f"best epoch {x_best} (weights restored)" if f.restored else f"best epoch so far: {x_best}"
    if f.ended == PATIENCE:
        marks = [(stop_at, f"stopped: {patience} epochs without improvement")]
    elif not f.ended and h.epochs:
        marks = [(stop_at, f"stops at epoch {stop_at} unless val loss improves")]
    else:
        marks = []
    return window, [(x_best, values[best], what)], marks


def would_stop(values, patience):
    """The epoch (1-based) at which early stopping with ``patience`` would stop a run whose validation losses are
    ``values`` (epochs,) (as dk.EarlyStopping counts: no strict improvement for ``patience`` epochs), or None."""
    values = np.where(np.isfinite(values), values, np.inf)
    if not values.size:
        return None
    best_before = np.concatenate([[np.inf], np.minimum.accumulate(values)[:-1]])    # (epochs,)
    improved = np.flatnonzero(values < best_before)                                 # epochs of a new best
    if not improved.size:
        return None
    gaps = np.diff(np.append(improved, values.size))                                # epochs until the next best
    late = np.flatnonzero(gaps > patience)
    return int(improved[late[0]] + patience + 1) if late.size else None
