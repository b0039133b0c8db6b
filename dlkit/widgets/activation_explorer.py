"""ActivationExplorer: each activation and its derivative, where it saturates or dies, and what a layer of them
does to a batch of inputs.

    from dlkit.widgets import ActivationExplorer
    ActivationExplorer()
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

import dlkit as dk

from .. import activations, diagnosis, plots
from . import base
from .controls import checkbox, choice, column, initializer, int_slider, log_slider, options_slider, range_slider

INITS = ("xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "lecun_normal", "normal(0.01)",
         "normal(1)")
FAN_INS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
LAYER_WIDTH = 256          # units of the measured layer (its batch size is diagnosis.layer_response's)
MIN_Z_RANGE = 1.0          # the z range slider keeps at least this interval: a range, not a point


def _init(name):
    return {"normal(1)": dk.init.normal(std=1.0)}.get(name, initializer(name))


class ActivationExplorer(base.Lab):
    """f and f' with dead and saturated zones; a layer's pre-activations, outputs and local gradients for a
    batch of standard-normal inputs. Nothing trains here, so every change redraws at once."""

    figsize = (11.0, 3.6)
    name = "activations"

    def __init__(self, activation="tanh"):
        super().__init__()
        c = self.controls
        c["activation"] = choice("activation", [n for n in activations.NAMES if n != "linear"] + ["linear"],
                                 activation)
        c["compare"] = checkbox("show the others faintly", True)
        c["z_range"] = range_slider("z range", (-6.0, 6.0), -20.0, 20.0, 0.5)
        c["fan_in"] = options_slider("fan-in", FAN_INS, 128)
        c["init"] = choice("init", INITS, "xavier_normal")
        c["weight_scale"] = log_slider("weight scale", 1.0, 0.1, 10.0, step=0.1)
        c["seed"] = int_slider("seed", 0, 0, 99)
        self.observe(lambda _: self.run(), *c)
        self.layout(W.HBox([column("the function", c["activation"], c["compare"], c["z_range"]),
                            column("a layer: z = X W, X ~ N(0, 1)", c["fan_in"], c["init"], c["weight_scale"],
                                   c["seed"])]))
        self.response = None
        self.run()

    def run(self):
        """Measure the layer for the current controls and redraw (synchronous: nothing trains here)."""
        if self._muted:
            return
        c = self.controls
        z_min, z_max = c["z_range"].value
        if z_max - z_min < MIN_Z_RANGE:
            with self.muted():
                c["z_range"].value = (z_min, z_min + MIN_Z_RANGE)
        self.response = diagnosis.layer_response(c["activation"].value, fan_in=c["fan_in"].value, width=LAYER_WIDTH,
                                                 init=_init(c["init"].value),
                                                 weight_scale=c["weight_scale"].value, seed=c["seed"].value)
        r = self.response
        self.say(f"a layer of {LAYER_WIDTH} {c['activation'].value} units on {r['z'].shape[0]} inputs: "
                 f"pre-activation std {r['z_std']:.3g} · output mean {r['h_mean']:.3g}, std {r['h_std']:.3g} · "
                 f"{r['saturated']:.0f}% saturated · {r['dead']:.0f}% of units dead · mean |f′(z)| "
                 f"{r['mean_grad']:.3g} (each layer multiplies the backward gradient by about this)")
        self.redraw()

    def draw(self, fig):
        c = self.controls
        name = c["activation"].value
        z_min, z_max = c["z_range"].value
        ax_f, ax_z, ax_g = self.subplots(fig, 1, 3)
        others = [n for n in activations.NAMES if n not in ("linear", name)] if c["compare"].value else ()
        plots.activation_curve(ax_f, name, z_min, z_max, others)
        plots.title(ax_f, f"{name} and its derivative")
        r = self.response
        spread = max(abs(z_min), abs(z_max))
        plots.histograms(ax_z, [("pre-activations z = x·W", r["z"], plots.BLUE),
                                (f"outputs {name}(z)", r["h"], plots.ORANGE)],
                         "value", value_range=(-spread, spread))
        plots.activation_zones(ax_z, name, np.linspace(-spread, spread, plots.CURVE_POINTS), label=False)
        plots.title(ax_z, "one layer on a batch")
        plots.histograms(ax_g, [(f"{name}′(z)", r["dh"], plots.GREEN)], "local gradient f′(z)")
        plots.title(ax_g, "how much gradient passes each unit")
