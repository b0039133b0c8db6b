"""What the ActivationExplorer shows, live in the browser: an activation f and its derivative f' over a range of z
with the zones where no gradient passes (dead or inactive for the ReLU family, saturated for tanh and sigmoid),
and what one layer of such units does to a batch: its pre-activations, outputs and local gradients."""
from __future__ import annotations

import numpy as np

from .. import activations, live
from ..live.bars import Histograms, shares
from ..live.zones import ZonedCurves, ZonedHistograms
from ..plots.palette import BLUE, GREEN, GREY, ORANGE, PURPLE, VERMILLION

CURVE_POINTS = 599         # samples of z: odd, so one falls on z = 0 where ReLU bends; under the charts' 600
BINS = 60
SATURATING = ("sigmoid", "tanh")     # their flat zones are saturation; the ReLU family's are inactive units
PEAK_PERCENT = round(100 * activations.SATURATED_FRACTION)


def flat_word(name):
    """What the flat zone of ``name`` is called: "saturated" (tanh, sigmoid) or "inactive" (the ReLU family,
    whose flat side is where units are switched off, not saturated)."""
    return "saturated" if name in SATURATING else "inactive"


def zone_kinds(name):
    """(label, colour) of the zone where f' = 0 exactly and of the one where |f'| is below 5 % of its peak."""
    zero = ("dead zone: f′ = 0", VERMILLION)
    flat = (f"{flat_word(name)}: |f′| < {PEAK_PERCENT}% of peak", PURPLE)
    return zero, flat


def zone_spans(name, z):
    """The stretches of the sorted samples z (n,) where ``name`` passes no gradient (f' = 0) or almost none,
    as (z0, z1, label, colour), each widened by half a sample step so that touching stretches meet."""
    flat = activations.saturation_mask(name, z)
    # tanh'(20) is 0 in float64, but it is saturation there as near it: only the ReLU family has a dead zone
    zero = (activations.DERIVATIVE[name](z) == 0) if name not in SATURATING else np.zeros_like(flat)
    flat = flat & ~zero
    half = (z[-1] - z[0]) / max(len(z) - 1, 1) / 2
    spans = []
    for mask, (label, color) in zip((zero, flat), zone_kinds(name)):
        for a, b in _runs(mask):
            spans.append((max(z[a] - half, z[0]), min(z[b] + half, z[-1]), label, color))
    return spans


def _runs(mask):
    """(first, last) index pairs of the True runs of a boolean array (n,)."""
    padded = np.r_[False, mask, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2] - 1))


class ActivationView:
    """The live charts of an ActivationExplorer; :meth:`show` hands them the activation and the layer's response
    (``diagnosis.layer_response``: z, h, dh of shape (N, units))."""

    def __init__(self):
        self.function = ZonedCurves("f and its derivative", "f(z) and f′(z)", xlabel="pre-activation z")
        self.batch = ZonedHistograms("one layer on a batch", "value", zone_legend=False)
        self.gradient = Histograms("how much gradient passes each unit", "local gradient f′(z)")
        self.widget = live.row(self.function, self.batch, self.gradient)
        self.widget.add_class("dlkit-live")

    def show(self, name, z_min, z_max, others, response):
        """Draw ``name`` over [z_min, z_max] (``others``: names drawn faintly) and the layer's ``response``."""
        z = np.linspace(z_min, z_max, CURVE_POINTS)
        f, df = activations.get(name)
        series = [live.Series(other, z, activations.FORWARD[other](z), GREY) for other in others if other != name]
        series += [live.Series(f"{name}(z)", z, f(z), BLUE), live.Series(f"{name}′(z)", z, df(z), ORANGE, True)]
        self.function.title = f"{name} and its derivative"
        self.function.show(series, zones=zone_spans(name, z), x_span=(z_min, z_max),
                           faint=[o for o in others if o != name])
        r = response
        spread = max(abs(z_min), abs(z_max))
        edges = np.linspace(-spread, spread, BINS + 1)
        self.batch.show(edges, [shares(r["z"], edges), shares(r["h"], edges)],
                        ["pre-activations z = x·W", f"outputs {name}(z)"], [BLUE, ORANGE],
                        zones=zone_spans(name, np.linspace(-spread, spread, CURVE_POINTS)))
        lo, hi = float(np.min(r["dh"])), float(np.max(r["dh"]))
        if not hi > lo:
            lo, hi = lo - 0.5, hi + 0.5
        grad_edges = np.linspace(lo, hi, BINS + 1)
        self.gradient.show(grad_edges, [shares(r["dh"], grad_edges)], [f"{name}′(z)"], [GREEN])
