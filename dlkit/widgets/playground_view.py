"""What the Playground shows, live in the browser: loss and accuracy of run A (and its twin B), each run's decision
boundary (or its validation confusion matrix for data that is not 2-D) and its last panel (what the hidden units
compute over the plane, or the weight-gradient norms per layer over training)."""
from __future__ import annotations

import numpy as np

import dlkit as dk

from .. import live, planes
from ..plots.layer_stats import shown_layers
from ..plots.palette import TRAIN, VAL
from ..live.raster import layer_colors
from .live_runs import change_label

UNIT_RESOLUTION = 32       # grid points per side of the hidden-units panel
BOUNDARY_RESOLUTION = 60   # ... of the decision-boundary panel (the browser smooths nothing: crisp cells)
GRADIENTS, FIRST, LAST = "gradients", "first", "last"


class PlaygroundView:
    """The live charts of a Playground; :meth:`show` hands them the runs {"A": LiveRun, ["B": LiveRun]}."""

    def __init__(self):
        self.loss = live.Curves("loss", "loss (log scale)", log=True)
        self.acc = live.Curves("accuracy", "accuracy", percent=True)
        self.planes = {k: live.Plane(f"run {k}: decision boundary") for k in "AB"}
        self.matrices = {k: live.Matrix(f"run {k}: validation confusion matrix") for k in "AB"}
        self.gradients = {k: live.Curves(f"run {k}: weight-gradient norms", "‖dW‖ (log scale)", xlabel="iteration",
                                         log=True) for k in "AB"}
        self.units = {k: live.Montage(f"run {k}: hidden units") for k in "AB"}
        self._grids = {}                                   # (run, resolution) -> planes.PlaneGrid, kept per data
        self.widget = live.row(self.loss, self.acc, *self.planes.values(), *self.matrices.values(),
                               *self.gradients.values(), *self.units.values())
        self.widget.add_class("dlkit-live")

    def show(self, runs, panel):
        """Draw the runs; ``panel`` is what the last panel shows (GRADIENTS, FIRST or LAST hidden layer)."""
        twin = len(runs) > 1
        self._curves(runs, twin)
        for label in "AB":
            run = runs.get(label)
            self._data_panel(label, run, twin)
            self._last_panel(label, run, panel, twin)

    # ---- curves ------------------------------------------------------------------------------------------
    def _curves(self, runs, twin):
        loss, acc, changes, blowups = [], [], [], []
        for label, run in runs.items():
            h, prefix, dashed = run.hist, (f"{label} " if twin else ""), label == "B"
            epochs = np.arange(1, h.epochs + 1)
            loss += [live.Series(prefix + "train", epochs, h.train_loss, TRAIN, dashed),
                     live.Series(prefix + "val", epochs, h.val_loss, VAL, dashed)]
            acc += [live.Series(prefix + "train", epochs, h.train_acc, TRAIN, dashed),
                    live.Series(prefix + "val", epochs, h.val_acc, VAL, dashed)]
            changes += [(c["epoch"], change_label(c, prefix)) for c in h.changes]
            if h.diverged:
                finite = [v for v in h.train_loss if np.isfinite(v)]
                blowups.append((h.diverged_at[0] + 1, max(finite) if finite else 1.0))
        self.loss.show(loss, changes, blowups)
        self.acc.show(acc, changes)
        self.loss.title = runs["A"].settings.loss.replace("_", " ") + " loss"

    # ---- the data panel: boundary or confusion matrix ------------------------------------------------------
    def _data_panel(self, label, run, twin):
        plane, matrix = self.planes[label], self.matrices[label]
        two_d = run is not None and run.data["X"].shape[1] == 2
        _display(plane, two_d)
        _display(matrix, run is not None and not two_d)
        if run is None:
            return
        d = run.data
        prefix = f"run {label}: " if twin else ""
        if two_d:
            grid = self._grid(label, d, BOUNDARY_RESOLUTION)
            plane.title = prefix + "decision boundary (colour = predicted class)"
            plane.show(grid.boundary(run.model.predict_proba), grid.extent, d["X"], d["y"], d["X_val"], d["y_val"])
        else:
            cm = dk.metrics.confusion_matrix(d["y_val"], run.model.predict(d["X_val"]), n_classes=d["n_classes"])
            matrix.title = prefix + "validation confusion matrix"
            matrix.show(cm)

    # ---- the last panel: hidden units over the plane, or gradient norms per layer ------------------------------
    def _last_panel(self, label, run, panel, twin):
        units, gradients = self.units[label], self.gradients[label]
        hidden = 0 if run is None else run.model.n_layers - 1
        planar = run is not None and run.data["X"].shape[1] == 2 and hidden > 0
        show_units = run is not None and panel != GRADIENTS and planar
        _display(units, show_units)
        _display(gradients, run is not None and not show_units)
        if run is None:
            return
        prefix = f"run {label}: " if twin else ""
        if show_units:
            layer = 1 if panel == FIRST else hidden
            d = run.data
            H = self._grid(label, d, UNIT_RESOLUTION).units(run.model, layer)
            units.title = f"{prefix}layer {layer}: what each unit computes over the plane"
            units.show(H)
            return
        gradients.title = prefix + "weight-gradient norms per layer" + (
            "" if panel == GRADIENTS else " (hidden units need 2-D data and a hidden layer)")
        gradients.show(_gradient_series(run.hist.layer_stats))

    def _grid(self, label, data, resolution):
        """The grid over run ``label``'s training and validation points, made again only for new data."""
        key = (label, resolution)
        self._grids[key] = planes.kept_grid(self._grids.get(key), data["X"], data["X_val"], resolution=resolution)
        return self._grids[key]


def _gradient_series(layer_stats):
    """One line of ‖dW_k‖ over the iterations per shown layer (first to last)."""
    if not layer_stats:
        return []
    its = np.array([r["iteration"] for r in layer_stats], dtype=np.float64)
    values = np.array([r["grad_norm"] for r in layer_stats], dtype=np.float64)        # (records, layers)
    n = values.shape[1]
    colors = layer_colors(n)
    names = ["output layer" if k == n - 1 else f"layer {k + 1}" for k in range(n)]
    return [live.Series(names[k], its, values[:, k], colors[k]) for k in shown_layers(n)]


def _display(panel, visible):
    value = None if visible else "none"
    if panel.widget.layout.display != value:
        panel.widget.layout.display = value
