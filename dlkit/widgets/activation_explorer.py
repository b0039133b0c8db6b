"""ActivationExplorer: each activation and its derivative, where it passes no gradient (dead or inactive ReLUs,
saturated tanh and sigmoid), and what a layer of them does to a batch of inputs.

    from dlkit.widgets import ActivationExplorer
    ActivationExplorer()
"""
from __future__ import annotations

import ipywidgets as W

import dlkit as dk

from .. import activations, diagnosis
from ..backend import single_threaded_blas
from . import base
from .activation_view import PEAK_PERCENT, SATURATING, ActivationView
from .controls import checkbox, choice, column, initializer, int_slider, log_slider, options_slider, range_slider, row

INITS = ("xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "lecun_normal", "normal(0.01)",
         "normal(1)")
FAN_INS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
LAYER_WIDTH = 256          # units of the measured layer
BATCH_SIZE = 512           # standard-normal inputs it is measured on
MIN_Z_RANGE = 1.0          # the z range slider keeps at least this interval: a range, not a point
RANGE_DECIMALS = 1         # the z range slider moves in steps of 0.5: one decimal shows every value
MINUS = "\u2212"


def _init(name):
    return {"normal(1)": dk.init.normal(std=1.0)}.get(name, initializer(name))


def range_text(lo, hi, decimals=RANGE_DECIMALS):
    """"−6.0 to 6.0": both ends with the same decimals (the slider's own readout cut the second one short)."""
    def number(v):
        return f"{v:.{decimals}f}".replace("-", MINUS)
    return f"{number(lo)} to {number(hi)}"


def layer_text(name, fan_in, r):
    """The status line for a layer of LAYER_WIDTH ``name`` units with ``fan_in`` inputs each, measured on a batch:
    its sizes named as the sliders name them, and where its gradient stops (saturated tanh/sigmoid units; dead
    or inactive ReLU-family units, which do not saturate)."""
    n, units = r["z"].shape
    text = (f"a layer of {units} {name} units, fan-in {fan_in} (W is {fan_in}×{units}), on a batch of {n} "
            f"standard-normal inputs: pre-activation std {r['z_std']:.3g} · output mean {r['h_mean']:.3g}, std "
            f"{r['h_std']:.3g} · ")
    if name in SATURATING:
        text += f"{r['saturated']:.0f}% of outputs saturated (|f′| < {PEAK_PERCENT}% of peak)"
    elif name in activations.RELU_FAMILY:
        flat = "f′ = 0: no gradient" if name == "relu" else f"|f′| < {PEAK_PERCENT}% of peak"
        text += (f"{r['saturated']:.0f}% of outputs inactive ({flat}; ReLUs do not saturate) · {r['dead']:.0f}% "
                 "of units dead (inactive on the whole batch)")
    else:
        text += "linear units neither saturate nor die"
    return text + (f" · mean |f′(z)| {r['mean_grad']:.3g} (each layer multiplies the backward gradient by about "
                   "this)")


class ActivationExplorer(base.Lab):
    """f and f' with their dead, inactive and saturated zones; a layer's pre-activations, outputs and local
    gradients for a batch of standard-normal inputs. Nothing trains here, so every change redraws at once."""

    name = "activations"

    def __init__(self, activation="tanh"):
        super().__init__()
        c = self.controls
        c["activation"] = choice("activation", [n for n in activations.NAMES if n != "linear"] + ["linear"],
                                 activation)
        c["compare"] = checkbox("show the others faintly", True)
        c["z_range"] = range_slider("z range", (-6.0, 6.0), -20.0, 20.0, 0.5)
        c["z_range"].readout = False                     # shown by z_label, both ends formatted alike
        self.z_label = W.Label(layout=W.Layout(width="auto"))
        c["fan_in"] = options_slider("fan-in", FAN_INS, 128)
        c["init"] = choice("init", INITS, "xavier_normal")
        c["weight_scale"] = log_slider("weight scale", 1.0, 0.1, 10.0, step=0.1)
        c["seed"] = int_slider("seed", 0, 0, 99)
        self.observe(lambda _: self.run(), *c)
        self.view = ActivationView()
        self.layout(row(column("the function", c["activation"], c["compare"], row(c["z_range"], self.z_label)),
                        column(f"a layer: z = X W, X ~ N(0, 1), a batch of {BATCH_SIZE}", c["fan_in"], c["init"],
                               c["weight_scale"], c["seed"])),
                    view=self.view.widget)
        self.response = None
        self.run()

    def run(self):
        """Measure the layer for the current controls and redraw (synchronous: nothing trains here)."""
        if self._muted:
            return
        c = self.controls
        z_min, z_max = c["z_range"].value
        if z_max - z_min < MIN_Z_RANGE:
            low = min(z_min, c["z_range"].max - MIN_Z_RANGE)
            with self.muted():
                c["z_range"].value = (low, low + MIN_Z_RANGE)
        self.z_label.value = range_text(*c["z_range"].value)
        with single_threaded_blas():                 # a small product: a second BLAS thread only spins (base.py)
            self.response = diagnosis.layer_response(c["activation"].value, fan_in=c["fan_in"].value,
                                                     width=LAYER_WIDTH, init=_init(c["init"].value),
                                                     weight_scale=c["weight_scale"].value, n_samples=BATCH_SIZE,
                                                     seed=c["seed"].value)
        self.say(layer_text(c["activation"].value, c["fan_in"].value, self.response))
        self.redraw()

    def draw(self):
        c = self.controls
        name = c["activation"].value
        others = [n for n in activations.NAMES if n not in ("linear", name)] if c["compare"].value else []
        self.view.show(name, *c["z_range"].value, others, self.response)
