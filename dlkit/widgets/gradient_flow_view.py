"""What the GradientFlowLab shows, live in the browser: per layer, the activations' and the weight gradients'
histograms, the std profile, saturated or dead units, and over training the update:data ratio and the gradient
reaching each layer.

Every panel is drawn from a :class:`dlkit.LayerStats` record (or :func:`dlkit.diagnosis.snapshot`'s) and, for the
histograms, the raw values of at most six layers: a frame sends a few kilobytes whatever the depth.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import live
from ..live.bars import category_ticks, shares
from ..live.bundle import LineBundle
from ..live import raster
from ..plots.layer_stats import shown_layers
from ..plots.palette import BLACK, BLUE, GREEN, PURPLE, VERMILLION

BINS = 60
LEAST_UNITS_TOP = 10.0     # % of units: the saturated/dead panel's y reaches this at least (0-100 hid 2 %)
SPREAD_PERCENTILE = 99.5   # gradient histograms span this percentile of |dW|: a few outliers do not squash them
HEALTHY_UPDATE = 1e-3      # Karpathy's rule of thumb for update std / weight std, drawn as a guide
SATURATING = ("sigmoid", "tanh")
PROFILE = (("act_std", "activations h", BLUE), ("signal_std", "gradient dL/db", VERMILLION),
           ("grad_std", "weight gradient dW", GREEN))
NO_RECORDS = " — press Train"


@lru_cache(maxsize=None)
def layer_colors(n):
    """n colours from first (dark) to last layer, made once per depth (a frame needs them four times)."""
    return tuple(raster.layer_colors(n))


def layer_name(k, n):
    """0-based layer k of n -> "layer k+1", the last one "output layer"."""
    return "output layer" if k == n - 1 else f"layer {k + 1}"


def layer_axis(panel, n):
    """x of a per-layer panel: layers 1..n, ticked at round steps (never crowded, see category_ticks)."""
    lo, hi = 0.5, n + 0.5
    if panel.x.min != lo or panel.x.max != hi:
        with panel.x.hold_sync():
            panel.x.min, panel.x.max = lo, hi
    ticks = [float(t) for t in category_ticks(range(1, n + 1))]
    current = panel.x_axis.tick_values
    if current is None or list(current) != ticks:
        panel.x_axis.tick_values = ticks


def short_layer_name(k, n, first=False):
    """A legend's name of layer k of n that fits six to a narrow panel: "layer 1", then "7", "13", ..., "output"."""
    if k == n - 1:
        return "output"
    return f"layer {k + 1}" if first else str(k + 1)


def histogram_data(arrays, symmetric=False, n_layers=None):
    """Shared bin edges (BINS + 1,) and shares (S, BINS) of the shown layers' values; labels name each layer
    (their stds are the profile's). arrays: one array per layer (any shapes), the first ``len(arrays)`` of a
    network of ``n_layers`` (default: all of them; the hidden layers' activations leave out the output layer),
    so that every panel shows, names and colours the same layers."""
    n = n_layers or len(arrays)
    picked = [k for k in shown_layers(n) if k < len(arrays)]
    values = [np.asarray(arrays[k], np.float64).ravel() for k in picked]
    values = [v[np.isfinite(v)] for v in values]
    finite = [v for v in values if v.size]
    if not finite:
        return np.linspace(-1.0, 1.0, BINS + 1), np.zeros((0, BINS)), [], []
    if symmetric:
        spread = float(np.percentile(np.abs(np.concatenate(finite)), SPREAD_PERCENTILE)) or 1.0
        lo, hi = -spread, spread
    else:
        lo, hi = min(float(v.min()) for v in finite), max(float(v.max()) for v in finite)
    if not hi > lo:
        lo, hi = lo - 1.0, hi + 1.0
    edges = np.linspace(lo, hi, BINS + 1)
    colors = layer_colors(n)
    shown = [(k, v) for k, v in zip(picked, values) if v.size]
    heights = np.array([shares(v, edges) for _, v in shown])                      # (S, BINS)
    labels = [short_layer_name(k, n, first=i == 0) for i, (k, _) in enumerate(shown)]
    return edges, heights, labels, [colors[k] for k, _ in shown]


class RecordArrays:
    """The records' values of one key as arrays (records, layers), grown by the new records only: a frame late in
    a 50-epoch run would otherwise convert 400 records x 51 layers of Python floats for each curve."""

    def __init__(self, key):
        self.key, self.records, self.its, self.values = key, [], np.zeros(0), np.zeros((0, 0))

    def update(self, records):
        """(iterations (R,), values (R, L)) of ``records`` (the same run's records grow at the end)."""
        kept = len(self.records)
        same_run = 0 < kept <= len(records) and records[0] is self.records[0] and records[kept - 1] is \
            self.records[-1]
        if not same_run:
            kept, self.its, self.values = 0, np.zeros(0), np.zeros((0, len(records[0][self.key]) if records else 0))
        new = records[kept:]
        if new:
            self.its = np.concatenate([self.its, [r["iteration"] for r in new]])
            self.values = np.vstack([self.values, np.array([r[self.key] for r in new], dtype=np.float64)])
        self.records = list(records)
        return self.its, self.values


def layer_series(arrays, records):
    """(iterations (R,), values (S, R), labels, colours) of ``arrays.key`` for the shown layers (first to last)."""
    if not records:
        return np.zeros(0), np.zeros((0, 0)), [], []
    its, values = arrays.update(records)                                       # (R,), (R, layers)
    n = values.shape[1]
    colors, picked = layer_colors(n), shown_layers(n)
    return its, values[:, picked].T, [layer_name(k, n) for k in picked], [colors[k] for k in picked]


class GradientFlowView:
    """The live charts of a GradientFlowLab; :meth:`show` hands them a snapshot and the training records."""

    def __init__(self):
        self.activations = live.Histograms("activations per layer", "activation h")
        self.gradients = live.Histograms("weight gradients per layer", "weight gradient dW")
        self.profile = LineBundle("std per layer", "standard deviation (log scale)",
                                  xlabel="layer (1 = nearest the input)", log=True, x_range=(0.5, 1.5), markers=True)
        self.units = live.BarChart("saturated and dead units", "units (%)", xlabel="hidden layer",
                                   least_top=LEAST_UNITS_TOP)
        self.updates = LineBundle("update:data ratio per layer", "update std / weight std (log scale)",
                                  xlabel="iteration (optimizer steps)", log=True)
        self.signal = LineBundle("gradient reaching each layer", "std of dL/db (log scale)",
                                 xlabel="iteration (optimizer steps)", log=True)
        self.widget = live.row(self.activations, self.gradients, self.profile, self.units, self.updates,
                               self.signal)
        self.widget.add_class("dlkit-live")
        self.update_ratios, self.signal_stds = RecordArrays("update_ratio"), RecordArrays("signal_std")

    def show(self, snap, records, activation, batch_norm=False, changes=(), blowup=None):
        """snap: {"h": [(N, H_k)], "dW": [(D_k, H_k)], "record": LayerStats record} of the network now; records:
        the run's LayerStats records so far; changes: (iteration, text) of settings moved mid-run; blowup:
        the iteration where the run diverged, or None. The per-layer panels show the record the diagnosis line
        reads: the run's latest, else the snapshot's."""
        record = records[-1] if records else snap["record"]
        _label(self.activations.x_axis, f"activation {activation}(z)")
        hidden = snap["h"][:-1]                                                   # the output layer is linear
        self.activations.show(*histogram_data(hidden, n_layers=len(snap["h"])))
        self.gradients.show(*histogram_data(snap["dW"], symmetric=True))
        self._profile(record)
        self._units(record, activation)
        self._over_training(records, batch_norm, changes, blowup)

    def _profile(self, record):
        n = len(record["act_std"])
        layer_axis(self.profile, n)
        rows = [(key, label, color) for key, label, color in PROFILE if key in record]
        values = np.array([record[key] for key, _, _ in rows], dtype=np.float64)            # (3, n)
        finite = values[np.isfinite(values) & (values > 0)]
        top = float(finite.max()) if finite.size else 1.0
        overflow = [(float(k + 1), top) for k in np.flatnonzero(~np.isfinite(values).all(axis=0))]
        self.profile.title = "std per layer" + (" (✕ = overflow: inf/NaN)" if overflow else "")
        self.profile.show(np.arange(1, n + 1), values, [label for _, label, _ in rows],
                          [color for _, _, color in rows], blowups=overflow)

    def _units(self, record, activation):
        """Saturated units for tanh and sigmoid; dead units for the ReLU family (which does not saturate)."""
        hidden = len(record["act_std"]) - 1
        layers = list(range(1, hidden + 1))
        if activation in SATURATING:
            self.units.title = f"saturated {activation} units"
            self.units.show(layers, [record["saturated"][:hidden]], ["saturated (|f′| < 5% of peak)"], [PURPLE])
        else:
            self.units.title = f"dead {activation} units (ReLUs do not saturate)"
            self.units.show(layers, [record["dead"][:hidden]], ["dead (never active on the probe batch)"],
                            [VERMILLION])

    def _over_training(self, records, batch_norm, changes, blowup):
        waiting = "" if records else NO_RECORDS
        its, values, labels, colors = layer_series(self.update_ratios, records)
        guide = [live.Series("≈1e-3: healthy", its[[0, -1]], [HEALTHY_UPDATE] * 2, BLACK, dashed=True)] \
            if records else []
        self.updates.title = "update:data ratio per layer" + waiting
        self.updates.show(its, values, labels, colors, extra=guide, changes=changes)
        its, values, labels, colors = layer_series(self.signal_stds, records)
        finite = values[np.isfinite(values)]
        top = float(finite.max()) if finite.size else 1.0
        self.signal.title = "gradient reaching each layer" + waiting
        _label(self.signal.y_axis, f"std of dL/{'dβ' if batch_norm else 'db'} (log scale)")
        self.signal.show(its, values, labels, colors, changes=changes,
                         blowups=[(blowup, top)] if blowup is not None else ())


def _label(axis, text):
    if axis.label != text:
        axis.label = text
