"""What the OptimizerRace shows, live in the browser: the surface as banded colours with each optimizer's path
growing on it, the distance to the minimum and the step lengths per step, and (on the quadratic) the heavy-ball
momentum theory over (learning rate, momentum) with your pair marked.

The surface's picture and the momentum map are computed once per surface (``dlkit.surfaces``) and sent only when
they change; a frame of the race sends the paths and the two bundles of curves up to the step shown.
"""
from __future__ import annotations

import math

import numpy as np

from .. import live, surfaces
from ..live.bundle import LineBundle
from ..live.field import MOST_DOTTED
from ..live.ticks import linear_ticks, nice_range
from ..plots.palette import ALERT, BLACK, OPTIMIZER_COLORS, SKY, VERMILLION, YELLOW

SURFACE_RESOLUTION = 240   # grid points per side of the surface's picture (sent once per surface)
SURFACE_BANDS = 16         # log-spaced colour bands: read like contour lines
SURFACE_PALE = 0.55        # the surface's colours this far towards white, so that every path stands out
LOWEST_LEVEL = (1, 1e-4)   # the lowest band: this percentile of f - f*, but not below this value
GAP_FLOOR = 1e-12          # f - f* and |Δθ| below this are drawn at it (a log axis cannot show 0)
BLOWN_UP = 1e4             # a diverging run's values are drawn up to this many times the largest start value
MAP_RESOLUTION = 120       # points per side of the momentum map
MOST_STEPS = 1e4           # the momentum map's colours: 1 to this many steps (log)
NO_CONVERGENCE = "#c8c8c8"
PLAIN_FROM, PLAIN_BELOW = 1e-3, 1e4    # key values written plainly in this range, else as 10ⁿ
SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _color(name):
    return OPTIMIZER_COLORS.get(name, BLACK)


def _axis_to(chart, steps):
    """The step axis of a curves panel from 0 to ``steps`` exactly (the race fills it from the left)."""
    if chart.x.max == steps:
        return
    with chart.x.hold_sync():
        chart.x.min, chart.x.max = 0.0, float(steps)
    _, _, every = nice_range(0.0, steps)
    chart.x_axis.tick_values = linear_ticks(0.0, math.floor(steps / every + 1e-9) * every, every)


def _short(value):
    """A colour key's end as short text: 0.01, 1.4, 2.5e+03 -> 2500, or a power of ten: 1e-4 -> "10⁻⁴"."""
    if PLAIN_FROM <= value < PLAIN_BELOW:
        return f"{value:.2g}" if value < 100 else f"{value:.0f}"
    return "10" + str(round(math.log10(value))).translate(SUPERSCRIPTS)


class RaceView:
    """The race's live charts; :meth:`show` hands them a surface, the paths {name: surfaces.Path} up to a step."""

    def __init__(self):
        self.surface = live.Field("", "θ₁", "θ₂", cmap="cividis", bands=SURFACE_BANDS, pale=SURFACE_PALE, grow=1.3)
        self.gaps = LineBundle("distance to the minimum", "f(θ) − f(θ*) (log scale)", xlabel="step", log=True,
                               x_range=(0.0, 1.0))
        self.lengths = LineBundle("step lengths", "|Δθ| (log scale)", xlabel="step", log=True, x_range=(0.0, 1.0))
        self.momentum = live.Field("heavy-ball momentum: theory", "learning rate α", "momentum β",
                                   cmap="viridis_r", bands=0)
        for chart in (self.gaps, self.lengths):
            chart.fixed_y = True            # bounds from the whole race: the axes stay still while it runs
        self.widget = live.row(self.surface, self.gaps, self.lengths, self.momentum)
        self.widget.add_class("dlkit-live")
        self._surface_key = self._map_key = self._race = None
        self._tops = (1.0, 1.0)

    def show(self, surface, paths, upto, steps, lr=None, beta=None):
        """Draw ``paths`` on ``surface`` up to step ``upto`` (None: the whole race) of ``steps``; on the quadratic
        the momentum map with (lr, beta) marked."""
        shown = {name: _upto(p, upto) for name, p in paths.items()}
        self._surface(surface, paths, shown, upto, steps)
        self._curves(surface, paths, shown, steps)
        quadratic = surface.name == "quadratic"
        _display(self.momentum, quadratic)
        if quadratic:
            self._momentum(surface.eigenvalues, lr, beta)

    # ---- the surface and the paths on it -----------------------------------------------------------------
    def _surface(self, surface, paths, shown, upto, steps):
        key = (surface.name, surface.eigenvalues)
        if key != self._surface_key:
            self._surface_key = key
            V, extent, lo, hi = _log_gap(surface)
            self.surface.show_field(V, extent, lo, hi)
            self.surface.show_key(_short(10 ** lo), _short(10 ** hi), title="f − f*:")
            minima = np.array(surface.minima)
            self.surface.show_markers("start", [surface.start], BLACK, label="start", marker="square", size=50)
            self.surface.show_markers("minimum", minima[:1], YELLOW, label="global minimum", marker="diamond",
                                      size=110)
            self.surface.show_markers("minima", minima[1:], YELLOW, label="other minima", marker="diamond", size=60)
        names = list(shown)
        self.surface.show_paths([shown[n] for n in names], [_color(n) for n in names], names,
                                dots=steps < MOST_DOTTED)           # the same all race long
        ended = [n for n in names if _blew_up(paths[n], upto)]
        running = [n for n in names if n not in ended]
        self.surface.show_markers("heads", [shown[n][-1] for n in running], [_color(n) for n in running], size=45)
        self.surface.show_markers("diverged", [shown[n][-1] for n in ended], ALERT, label="diverged here",
                                  marker="cross", size=120, stroke=ALERT)
        name = surface.name.replace("_", " ")
        self.surface.title = f"{name}: step {upto} of {steps}" if upto is not None else f"{name}: {steps} steps"

    # ---- distance to the minimum and step lengths --------------------------------------------------------------
    def _curves(self, surface, paths, shown, steps):
        """Both panels up to the step shown: a bundle of the paths still going, a line each for those that ended
        (diverged) before it."""
        if self._race is not paths:                        # a new race: its bounds, so the axes stay still
            self._race = paths
            self._tops = self._bounds(surface, paths)
        gap_top, length_top = self._tops
        n = max([len(p) for p in shown.values()] + [1])
        rows = {"gaps": ([], [], []), "lengths": ([], [], [])}        # (labels, values, colours) of the bundles
        ended = {"gaps": [], "lengths": []}
        blowups = {"gaps": [], "lengths": []}
        for name, points in shown.items():
            path, m = paths[name], len(points)
            values = {"gaps": np.clip(path.losses[:m] - surface.f_min, GAP_FLOOR, gap_top),              # (m,)
                      "lengths": np.clip(np.linalg.norm(np.diff(points, axis=0), axis=1), GAP_FLOOR, length_top)}
            for key, first in (("gaps", 0), ("lengths", 1)):
                if m == n:
                    for part, item in zip(rows[key], (name, values[key], _color(name))):
                        part.append(item)
                else:
                    ended[key].append(live.Series(name, np.arange(first, m), values[key], _color(name)))
                if path.diverged_at is not None and m == len(path.points) and len(values[key]):
                    blowups[key].append((path.diverged_at, values[key][-1]))         # it blew up at the next step
        for key, chart, first in (("gaps", self.gaps, 0), ("lengths", self.lengths, 1)):
            _axis_to(chart, steps)
            labels, values, colors = rows[key]
            chart.show(np.arange(first, n), np.array(values).reshape(len(labels), n - first), labels, colors,
                       extra=ended[key], blowups=blowups[key])

    def _bounds(self, surface, paths):
        """(top of the gaps, top of the step lengths) drawn, and both panels' y bounds, from the whole race."""
        start = max([float(p.losses[0] - surface.f_min) for p in paths.values()] + [GAP_FLOOR])
        x0, x1, y0, y1 = surface.extent
        gap_top, length_top = BLOWN_UP * start, BLOWN_UP * math.hypot(x1 - x0, y1 - y0)
        gaps = [np.clip(p.losses - surface.f_min, GAP_FLOOR, gap_top) for p in paths.values()]
        lengths = [np.clip(np.linalg.norm(np.diff(p.points, axis=0), axis=1), GAP_FLOOR, length_top)
                   for p in paths.values()]
        self.gaps.fit_y(*_span(gaps))
        self.lengths.fit_y(*_span(lengths))
        return gap_top, length_top

    # ---- the momentum theory on the quadratic --------------------------------------------------------------
    def _momentum(self, eigenvalues, lr, beta):
        key = (eigenvalues, lr, beta)
        if key == self._map_key:
            return
        self._map_key = key
        grid = surfaces.momentum_grid(eigenvalues, lr=lr, beta=beta, resolution=MAP_RESOLUTION)
        steps = np.log10(np.clip(grid.steps, 1.0, MOST_STEPS))                                # (B, A), NaN: never
        da, db = grid.alphas[1] - grid.alphas[0], grid.betas[1] - grid.betas[0]
        extent = (grid.alphas[0] - da / 2, grid.alphas[-1] + da / 2, grid.betas[0] - db / 2, grid.betas[-1] + db / 2)
        self.momentum.show_field(steps, extent, 0.0, math.log10(MOST_STEPS), nan_color=NO_CONVERGENCE)
        self.momentum.show_key("1", _short(MOST_STEPS), title="steps to shrink the error 1000×:",
                               note="grey: no convergence")
        self.momentum.show_paths([np.column_stack([grid.edge, grid.betas])], [BLACK],
                                 ["stability edge α = 2(1+β)/λ_max"], dots=False)
        a, b, n = grid.best
        self.momentum.show_markers("best", [(a, b)], YELLOW, label=f"optimal α*={a:.3g}, β*={b:.3g}: {n} steps",
                                   marker="diamond", size=110)
        a, n = grid.best_gd
        self.momentum.show_markers("gd", [(a, 0.0)], SKY, label=f"best plain GD α={a:.3g}: {n} steps",
                                   marker="square", size=60)
        if grid.yours is not None:
            a, b, n = grid.yours
            text = f"yours: {n} steps" if math.isfinite(n) else "yours: diverges"
            self.momentum.show_markers("yours", [(min(a, extent[1]), b)], VERMILLION, label=text, size=80)


def _upto(path, upto):
    """The first ``upto`` steps of a path (its points (upto + 1, 2) at most)."""
    return path.points if upto is None else path.points[:upto + 1]


def _blew_up(path, upto):
    """Whether the path diverged within the steps shown."""
    return path.diverged_at is not None and (upto is None or upto >= len(path.points) - 1)


def _span(arrays):
    """(smallest, largest) finite value of some arrays ((1, 10) when there are none)."""
    values = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.zeros(0)
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if values.size else (1.0, 10.0)


def _log_gap(surface):
    """log10 of f - f* over the surface's window (SURFACE_RESOLUTION per side), its extent and colour range."""
    gx, gy, gap = surfaces.contour_grid(surface, SURFACE_RESOLUTION)                 # (R,), (R,), (R, R)
    percentile, floor = LOWEST_LEVEL
    lo = math.log10(max(float(np.percentile(gap, percentile)), floor))
    hi = math.log10(max(float(gap.max()), 10 ** lo * 10))
    V = np.log10(np.maximum(gap, 10 ** lo))
    dx, dy = gx[1] - gx[0], gy[1] - gy[0]
    return V, (gx[0] - dx / 2, gx[-1] + dx / 2, gy[0] - dy / 2, gy[-1] + dy / 2), lo, hi


def _display(panel, visible):
    value = None if visible else "none"
    if panel.widget.layout.display != value:
        panel.widget.layout.display = value
