"""The labs' controls, written once: sliders, menus, buttons and columns that offer valid values only, and the
menus several labs share (activations, inits, penalties, speeds)."""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

import dlkit as dk

SPEEDS = ("watch", "fast")     # a watched run at a pace you can follow, or as fast as the machine trains
INITS = ("auto", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform", "lecun_normal", "normal(0.01)",
         "zeros")
SMALL_NORMAL = "normal(0.01)"     # the INITS entry for N(0, 0.01^2) weights
SMALL_STD = 0.01
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "linear")
PENALTIES = (0.0, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)

STYLE = {"description_width": "130px"}
WIDTH = "320px"


def initializer(name):
    """An init name from the INITS menu -> what MLP(init=...) takes."""
    return dk.init.normal(std=SMALL_STD) if name == SMALL_NORMAL else name


def powers_of_two(n, include_n=True):
    """1, 2, 4, ... up to n, and n itself (full-batch) when it is not a power of two."""
    sizes = [2 ** k for k in range(int(np.log2(max(n, 1))) + 1)]
    if include_n and sizes[-1] != n:
        sizes.append(int(n))
    return sizes


def _kw(description, **extra):
    return dict(description=description, style=STYLE, layout=W.Layout(width=WIDTH), **extra)


def int_slider(description, value, low, high, step=1):
    return W.IntSlider(value=value, min=low, max=high, step=step, continuous_update=False, **_kw(description))


def float_slider(description, value, low, high, step):
    return W.FloatSlider(value=value, min=low, max=high, step=step, continuous_update=False,
                         readout_format=".2f", **_kw(description))


def range_slider(description, value, low, high, step):
    """A slider over an interval (low end, high end) of floats."""
    return W.FloatRangeSlider(value=value, min=low, max=high, step=step, continuous_update=False,
                              **_kw(description))


def log_slider(description, value, low, high, step=0.25):
    """A slider over powers of ten (lr 1e-4 ... 10)."""
    return W.FloatLogSlider(value=value, base=10, min=np.log10(low), max=np.log10(high), step=step,
                            continuous_update=False, readout_format=".2g", **_kw(description))


def options_slider(description, options, value):
    """A slider over a fixed list of values (batch sizes, penalties, widths)."""
    options = list(options)
    if value not in options:
        value = min(options, key=lambda o: abs(o - value))
    return W.SelectionSlider(options=options, value=value, continuous_update=False, **_kw(description))


UNTIL_STOP = 0                 # an epoch budget of 0: train until Stop
UNTIL_STOP_LABEL = "∞"         # its readout (a longer one is cut to "∞ until Sto" in the slider's readout)
EPOCH_BUDGETS = (10, 25, 50, 100, 200, 500, 1000, 2000)


def epoch_budget(value=UNTIL_STOP, description="epochs"):
    """A slider over epoch budgets: "∞" (0: until Stop, said in the tooltip) or a number of epochs (``value``
    joins the list). The readout of a slider is narrow: its labels stay short."""
    budgets = sorted(set(EPOCH_BUDGETS) | ({int(value)} if value else set()))
    options = [(UNTIL_STOP_LABEL, UNTIL_STOP), *((str(n), n) for n in budgets)]
    slider = W.SelectionSlider(options=options, value=int(value), continuous_update=False, **_kw(description))
    slider.tooltip = "epochs to train: ∞ trains until you press Stop"
    return slider


def choice(description, options, value=None):
    """A menu of names, or of (label, value) pairs; the first is chosen unless ``value`` says otherwise."""
    options = list(options)
    if value is None:
        value = options[0][1] if isinstance(options[0], tuple) else options[0]
    return W.Dropdown(options=options, value=value, **_kw(description))


def checkbox(description, value=False):
    return W.Checkbox(value=value, indent=False, description=description, layout=W.Layout(width=WIDTH))


def speed_toggle(value="watch"):
    if value not in SPEEDS:
        raise ValueError(f"speed must be one of {', '.join(map(repr, SPEEDS))}, got {value!r}")
    return W.ToggleButtons(options=list(SPEEDS), value=value, style={"button_width": "60px"},
                           tooltips=["about 25 epochs a second, so you can follow every change",
                                     "as fast as the machine trains (the picture still follows)"])


def button(description, icon="", style="", tooltip=""):
    return W.Button(description=description, icon=icon, button_style=style, tooltip=tooltip,
                    layout=W.Layout(width="auto"))


def column(title, *children):
    return W.VBox([W.HTML(f"<b>{html.escape(title)}</b>"), *children], layout=W.Layout(margin="0 12px 0 0"))


def row(*children):
    """Widgets side by side, wrapping onto the next line when the notebook is narrow (nothing is cut off)."""
    return W.Box(list(children), layout=W.Layout(display="flex", flex_flow="row wrap", align_items="center",
                                                 width="100%"))
