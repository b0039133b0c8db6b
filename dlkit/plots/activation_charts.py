"""Charts of an activation function: f(z) and f'(z), with the zones where it is dead or saturated."""
from __future__ import annotations

import numpy as np

from .. import activations
from .axes import legend
from .palette import BLACK, BLUE, GREY, ORANGE, PURPLE, VERMILLION

CURVE_POINTS = 801         # samples of z: an odd count puts one on z = 0, where ReLU bends


def _runs(mask):
    """(start, stop) index pairs of the True runs of a boolean array."""
    padded = np.r_[False, mask, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2] - 1))


def activation_zones(ax, name, z, label=True):
    """Shade where ``name`` is dead (f' = 0 exactly: no gradient at all) and where it is saturated (|f'| below
    5% of its peak: almost none) over the inputs z (sorted)."""
    dz = activations.DERIVATIVE[name](z)
    dead = dz == 0
    saturated = activations.saturation_mask(name, z) & ~dead
    for mask, color, hatch, text in ((dead, VERMILLION, "//", "dead zone: f′ = 0"),
                                     (saturated, PURPLE, None, "saturated: |f′| < 5% of peak")):
        for i, (a, b) in enumerate(_runs(mask)):
            ax.axvspan(z[a], z[b], color=color, alpha=0.15, hatch=hatch, lw=0,
                       label=text if label and i == 0 else None)
    return ax


def activation_curve(ax, name, z_min=-6.0, z_max=6.0, others=()):
    """An activation f(z) and its derivative f'(z) over [z_min, z_max], dead and saturated zones shaded;
    ``others`` are drawn faintly for comparison."""
    z = np.linspace(z_min, z_max, CURVE_POINTS)
    others = [o for o in others if o != name]
    for i, other in enumerate(others):
        ax.plot(z, activations.FORWARD[other](z), color=GREY, lw=0.8, alpha=0.6,
                label="the others: " + ", ".join(others) if i == 0 else None)
    f, df = activations.get(name)
    activation_zones(ax, name, z)
    ax.plot(z, f(z), color=BLUE, lw=2, label=f"{name}(z)")
    ax.plot(z, df(z), color=ORANGE, lw=2, ls="--", label=f"{name}′(z)")
    ax.axhline(0, color=BLACK, lw=0.5)
    ax.axvline(0, color=BLACK, lw=0.5)
    ax.set_xlim(z_min, z_max)
    ax.set_xlabel("pre-activation z")
    ax.set_ylabel("f(z) and f′(z)")
    legend(ax, loc="upper left")
    return ax
