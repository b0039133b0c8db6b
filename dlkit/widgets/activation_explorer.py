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

INITS = ("xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "lecun_normal", "normal(0.01)",
         "normal(1)")
FAN_INS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def _init(name):
    return {"normal(1)": dk.init.normal(std=1.0)}.get(name, base.initializer(name))


class ActivationExplorer(base.Lab):
    """f and f' with dead and saturated zones; a layer's pre-activations, outputs and local gradients for a
    batch of standard-normal inputs. Nothing trains here, so every change redraws at once."""

    figsize = (11.0, 3.6)
    name = "activations"

    def __init__(self, activation="tanh"):
        super().__init__()
        c = self.controls
        c["activation"] = base.choice("activation", [n for n in activations.NAMES if n != "linear"] + ["linear"],
                                      activation)
        c["compare"] = base.checkbox("show the others faintly", True)
        c["z_range"] = W.FloatRangeSlider(value=(-6.0, 6.0), min=-20.0, max=20.0, step=0.5,
                                          continuous_update=False, description="z range", style=base._STYLE,
                                          layout=W.Layout(width=base._WIDTH))
        c["fan_in"] = base.options_slider("fan-in", FAN_INS, 128)
        c["init"] = base.choice("init", INITS, "xavier_normal")
        c["weight_scale"] = base.log_slider("weight scale", 1.0, 0.1, 10.0, step=0.1)
        c["seed"] = base.int_slider("seed", 0, 0, 99)
        for w in c.values():
            w.observe(lambda _: self.run(), names="value")
        self.layout(W.HBox([base.column("the function", c["activation"], c["compare"], c["z_range"]),
                            base.column("a layer: z = X W, X ~ N(0, 1)", c["fan_in"], c["init"],
                                        c["weight_scale"], c["seed"])]))
        self.response = None
        self.run()

    def run(self):
        """Measure the layer for the current controls and redraw (synchronous, ~0.2 s)."""
        if self._muted:
            return
        c = self.controls
        z_min, z_max = c["z_range"].value
        if z_max - z_min < 1.0:
            with self.muted():
                c["z_range"].value = (z_min, z_min + 1.0)        # a range, not a point
        self.response = diagnosis.layer_response(c["activation"].value, fan_in=c["fan_in"].value, width=256,
                                                 init=_init(c["init"].value),
                                                 weight_scale=c["weight_scale"].value, seed=c["seed"].value)
        r = self.response
        self.say(f"a layer of 256 {c['activation'].value} units on 512 inputs: pre-activation std "
                 f"{r['z_std']:.3g} · output mean {r['h_mean']:.3g}, std {r['h_std']:.3g} · "
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
        plots.activation_zones(ax_z, name, np.linspace(-spread, spread, 801), label=False)
        plots.title(ax_z, "one layer on a batch")
        plots.histograms(ax_g, [(f"{name}′(z)", r["dh"], plots.GREEN)], "local gradient f′(z)")
        plots.title(ax_g, "how much gradient passes each unit")
