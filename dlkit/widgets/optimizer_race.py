"""OptimizerRace: SGD, momentum, Nesterov, Adagrad, RMSprop, Adam and Adamax from the same start on a 2-D
surface — the same update code ``fit`` uses (``dlkit.optimizers``), one 2-vector each.

    from dlkit.widgets import OptimizerRace
    OptimizerRace(surface="quadratic")

On the quadratic, the momentum theory (Goh 2017) is drawn beside the race: which (learning rate, momentum)
pairs converge, how fast, and the optimal pair.
"""
from __future__ import annotations

import time

import ipywidgets as W

from .. import plots, surfaces
from . import base
from .controls import choice, column, float_slider, int_slider, log_slider, options_slider

FRAMES = 12                 # frames of a race animation (4 a second)
RACE_SECONDS = 3.0
ARRIVED = 1e-3              # a racer has arrived when f - f* is below this (the status line says "1e-3")
MAP_RESOLUTION = 120        # points per side of the momentum map


class OptimizerRace(base.Lab):
    """Trajectories on a surface, their losses per step, and (on the quadratic) the momentum theory."""

    figsize = (12.0, 3.9)
    name = "optimizer-race"
    busy_text = "racing…"

    def __init__(self, surface="quadratic", condition=30.0, steps=150, racers=surfaces.RACERS):
        super().__init__()
        c = self.controls
        first = surfaces.get(surface, condition)
        c["surface"] = choice("surface", surfaces.NAMES, surface)
        c["condition"] = log_slider("condition number κ", condition, 1.0, 1000.0, step=0.1)
        c["steps"] = int_slider("steps", steps, 10, 500, 10)
        c["lr"] = log_slider("lr (SGD, momentum)", first.lr, 1e-4, 10.0, step=0.05)
        c["adaptive_lr"] = log_slider("lr (adaptive)", first.adaptive_lr, 1e-3, 1.0, step=0.05)
        c["momentum"] = float_slider("momentum β", 0.9, 0.0, 0.99, 0.01)
        c["beta1"] = float_slider("Adam β₁", 0.9, 0.0, 0.99, 0.01)
        c["beta2"] = options_slider("β₂ (RMSprop ρ)", (0.9, 0.99, 0.999), 0.999)
        self.racers = {name: W.Checkbox(value=name in racers, description=name, indent=False,
                                        layout=W.Layout(width="110px")) for name in surfaces.RACERS}
        self.add_button("race", "Race", lambda: self.race(wait=False), "play", "success",
                        "animate the race from the start")
        self.add_stop_button()
        c["surface"].observe(self._on_surface, names="value")
        self.observe(lambda _: self.run(), *(key for key in c if key != "surface"))
        for box in self.racers.values():
            box.observe(lambda _: self.run(), names="value")
        self.layout(
            W.HBox([column("surface", c["surface"], c["condition"], c["steps"]),
                    column("step sizes", c["lr"], c["adaptive_lr"]),
                    column("momentum", c["momentum"], c["beta1"], c["beta2"])]),
            W.HBox(list(self.racers.values())),
            W.HBox([self.buttons["race"], self.buttons["stop"]]))
        self.paths, self.upto = {}, None
        self._set_busy(False)
        self._on_surface(None)

    @property
    def surface(self):
        return surfaces.get(self.controls["surface"].value, self.controls["condition"].value)

    def _on_surface(self, change):
        """A new surface brings its own working learning rates."""
        s = self.surface
        self.controls["condition"].disabled = s.name != "quadratic"
        if change is not None:
            with self.muted():
                self.controls["lr"].value = s.lr
                self.controls["adaptive_lr"].value = s.adaptive_lr
        self.run()

    def compute(self):
        """Every selected optimizer's path for the current controls."""
        c = self.controls
        names = [n for n, box in self.racers.items() if box.value]
        self.paths = surfaces.race(self.surface, names, lr=c["lr"].value, adaptive_lr=c["adaptive_lr"].value,
                                   steps=c["steps"].value, momentum=c["momentum"].value, beta1=c["beta1"].value,
                                   beta2=c["beta2"].value)
        return self.paths

    def run(self):
        """Compute and draw the finished race (synchronous)."""
        if self._muted or self.running:
            return
        self.compute()
        self.upto = None
        self._report()
        self.redraw()

    def race(self, wait=True):
        """Animate the race step by step over about three seconds."""
        return self.launch(self._animate, wait)

    def _animate(self):
        self.compute()
        steps = self.controls["steps"].value
        start = time.perf_counter()
        for i in range(1, FRAMES + 1):
            if self.stopping:
                break
            self.upto = round(steps * i / FRAMES)
            self.redraw()
            self._stop.wait(max(0.0, start + RACE_SECONDS * i / FRAMES - time.perf_counter()))
        self._report()

    def _report(self):
        s, c = self.surface, self.controls
        arrived = {}
        for name, p in self.paths.items():
            close = (p.losses - s.f_min) < ARRIVED
            if close.any() and p.diverged_at is None:
                arrived[name] = int(close.argmax())
        diverged = [n for n, p in self.paths.items() if p.diverged_at is not None]
        order = sorted(arrived, key=arrived.get)
        parts = ["within 1e-3 of the minimum: " + (", ".join(f"{n} ({arrived[n]} steps)" for n in order)
                                                     if order else "nobody yet")]
        if diverged:
            parts.append("diverged: " + ", ".join(diverged))
        if s.name == "quadratic":
            t = surfaces.momentum_theory(s.eigenvalues)
            rate = float(surfaces.momentum_rate(c["lr"].value, c["momentum"].value, s.eigenvalues))
            parts.append(f"theory: plain GD stable for lr < {t['gd_max_lr']:.3g}, best lr {t['gd_lr']:.3g} "
                         f"(error × {t['gd_rate']:.3f} per step); momentum best α*={t['momentum_lr']:.3g}, "
                         f"β*={t['momentum_beta']:.3g} (× {t['momentum_rate']:.3f}); yours: × {rate:.3f} per step")
        else:
            parts.append(s.note)
        self.say(" · ".join(parts), error=bool(diverged))

    def draw(self, fig):
        s, c = self.surface, self.controls
        ax_path, ax_loss, ax_right = self.subplots(fig, 1, 3, width_ratios=(1.25, 1, 1.1))
        plots.surface_contours(ax_path, s, surfaces.contour_grid(s))
        plots.optimizer_paths(ax_path, self.paths, self.upto)
        plots.title(ax_path, f"{s.name.replace('_', ' ')}" + (f" (step {self.upto})" if self.upto else ""))
        plots.race_losses(ax_loss, self.paths, s.f_min, self.upto)
        plots.title(ax_loss, "distance to the minimum")
        if s.name == "quadratic":
            grid = surfaces.momentum_grid(s.eigenvalues, lr=c["lr"].value, beta=c["momentum"].value,
                                          resolution=MAP_RESOLUTION)
            plots.momentum_map(ax_right, grid)
            plots.title(ax_right, "heavy-ball momentum: theory")
        else:
            plots.step_sizes(ax_right, self.paths, self.upto)
            plots.title(ax_right, "step lengths")
