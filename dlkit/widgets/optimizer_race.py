"""OptimizerRace: SGD, momentum, Nesterov, Adagrad, RMSprop, Adam and Adamax from the same start on a 2-D
surface — the same update code ``fit`` uses (``dlkit.optimizers``), one 2-vector each.

    from dlkit.widgets import OptimizerRace
    OptimizerRace(surface="quadratic")

Every control redraws the finished race at once; Race replays it step by step at display rate (about three
seconds), and a control moved during a race starts it again with the new setting. On the quadratic, the momentum
theory (Goh 2017) is drawn beside the race: which (learning rate, momentum) pairs converge, how fast, and the
optimal pair.
"""
from __future__ import annotations

import math
import time

import ipywidgets as W

from .. import surfaces
from . import base
from .controls import choice, column, float_slider, int_slider, log_slider, options_slider, row
from .optimizer_race_view import RaceView

RACE_SECONDS = 3.0          # a watched race lasts this long, a frame every FRAME_INTERVAL
SCRIPT_FRAMES = 12          # frames of a race nobody watches (a script, a test): drawn as fast as they come
ARRIVED = 1e-3              # a racer has arrived when f - f* is below this (the status line says "1e-3")
TOOLTIPS = {
    "condition": "condition number κ of the quadratic: its Hessian's largest eigenvalue over its smallest",
    "lr": "learning rate of SGD, momentum and Nesterov (their steps scale with the gradient)",
    "adaptive_lr": "learning rate of Adagrad, RMSprop, Adam and Adamax (their steps are about lr long)",
    "momentum": "momentum β of momentum and Nesterov",
    "beta1": "β₁ of Adam and Adamax: the decay of the gradient's running mean",
    "beta2": "β₂ of Adam and Adamax, and RMSprop's ρ: the decay of the squared gradient's running mean",
}


class OptimizerRace(base.Lab):
    """Trajectories on a surface, their distance to the minimum and step lengths per step, and (on the
    quadratic) the momentum theory."""

    name = "optimizer-race"
    busy_text = "racing…"

    def __init__(self, surface="quadratic", condition=30.0, steps=150, racers=surfaces.RACERS):
        super().__init__()
        self._surfaces = {}
        first = surfaces.get(surface, condition)
        bad = [r for r in racers if r not in surfaces.RACERS]
        if bad:
            raise ValueError(f"unknown racers {bad}: choose from {', '.join(surfaces.RACERS)}")
        self._add_controls(first, condition, steps, racers)
        self.add_button("race", "Race", lambda: self.race(wait=False), "play", "success",
                        "replay the race step by step from the start")
        self.add_stop_button("stop the race where it is")
        self.view = RaceView()
        c = self.controls
        c["surface"].observe(self._on_surface, names="value")
        self.observe(lambda _: self.run(), *(key for key in c if key != "surface"))
        for box in self.racers.values():
            box.observe(lambda _: self.run(), names="value")
        self.layout(
            row(column("surface", c["surface"], c["condition"], c["steps"]),
                column("learning rates", c["lr"], c["adaptive_lr"]),
                column("momentum", c["momentum"], c["beta1"], c["beta2"])),
            row(*self.racers.values()),
            row(self.buttons["race"], self.buttons["stop"]), view=self.view.widget)
        self.paths, self.upto, self._restart = {}, None, False
        self._set_busy(False)
        self._on_surface(None)

    def _add_controls(self, first, condition, steps, racers):
        """The surface, learning rate and momentum sliders (short descriptions, the details in tooltips) and a
        checkbox per optimizer."""
        c = self.controls
        c["surface"] = choice("surface", surfaces.NAMES, first.name)
        c["condition"] = log_slider("condition κ", condition, 1.0, 1000.0, step=0.1)
        c["steps"] = int_slider("steps", steps, 10, 500, 10)
        c["lr"] = log_slider("lr (SGD, mom.)", first.lr, 1e-4, 10.0, step=0.05)
        c["adaptive_lr"] = log_slider("lr (adaptive)", first.adaptive_lr, 1e-3, 1.0, step=0.05)
        c["momentum"] = float_slider("momentum β", 0.9, 0.0, 0.99, 0.01)
        c["beta1"] = float_slider("Adam β₁", 0.9, 0.0, 0.99, 0.01)
        c["beta2"] = options_slider("β₂ (RMSprop ρ)", (0.9, 0.99, 0.999), 0.999)
        for key, tip in TOOLTIPS.items():
            c[key].tooltip = tip
        self.racers = {name: W.Checkbox(value=name in racers, description=name, indent=False,
                                        layout=W.Layout(width="110px")) for name in surfaces.RACERS}

    @property
    def surface(self):
        """The chosen surface (made once per name and condition: narrow_minima searches for its minima)."""
        key = (self.controls["surface"].value, self.controls["condition"].value)
        if key not in self._surfaces:
            self._surfaces[key] = surfaces.get(*key)
        return self._surfaces[key]

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
        """Every selected optimizer's path for the current controls: {name: surfaces.Path}."""
        c = self.controls
        names = [n for n, box in self.racers.items() if box.value]
        self.paths = surfaces.race(self.surface, names, lr=c["lr"].value, adaptive_lr=c["adaptive_lr"].value,
                                   steps=c["steps"].value, momentum=c["momentum"].value, beta1=c["beta1"].value,
                                   beta2=c["beta2"].value)
        return self.paths

    def run(self):
        """Compute and draw the finished race (synchronous); during a race, start it again with the new setting."""
        if self._muted:
            return
        if self.running:
            self._restart = True                         # the race's next frame starts it again
            return
        self.compute()
        self.upto = None
        self._report()
        self.redraw()

    def race(self, wait=True):
        """Replay the race step by step: at display rate over about three seconds when watched (a button), in a
        dozen frames at once from a script."""
        return self.launch(self._animate, wait)

    def _animate(self):
        self._restart = True
        while self._restart and not self.stopping:
            self._restart = False
            self.compute()
            self._play()
        if not self.stopping:
            self.upto = None
        while True:
            if self._restart:            # a setting moved after Stop or as the race ended: the race it makes
                self._restart, self.upto = False, None
                self.compute()
            self._report()
            self.redraw()
            if not self._restart:
                break

    def _play(self):
        """The frames of one race: step ``upto`` grows with the time watched (or by SCRIPT_FRAMES of the race)."""
        steps = self.controls["steps"].value
        began, self.upto = time.perf_counter(), 0
        while self.upto < steps and not (self.stopping or self._restart):
            if self.watching:
                due = math.ceil(steps * (time.perf_counter() - began) / RACE_SECONDS)
                self.upto = min(steps, max(self.upto + 1, due))
            else:
                self.upto = min(steps, self.upto + math.ceil(steps / SCRIPT_FRAMES))
            self.redraw()
            if self.watching:
                self.pause(base.FRAME_INTERVAL - self.draw_seconds)
        if self._restart and not self.stopping:
            self.say("a setting changed: racing again from the start")

    def _report(self):
        """The status line: who arrived first, who diverged (and where), and the theory or the surface's note."""
        s, c = self.surface, self.controls
        arrived = {}
        for name, p in self.paths.items():
            close = (p.losses - s.f_min) < ARRIVED
            if close.any() and p.diverged_at is None:
                arrived[name] = int(close.argmax())
        diverged = {n: p.diverged_at for n, p in self.paths.items() if p.diverged_at is not None}
        order = sorted(arrived, key=arrived.get)
        parts = ["within 1e-3 of the minimum: " + (", ".join(f"{n} ({arrived[n]} steps)" for n in order)
                                                     if order else "nobody yet")]
        if self.upto is not None and self.stopping:
            parts.insert(0, f"stopped at step {self.upto}")
        if diverged:
            parts.append("diverged: " + ", ".join(f"{n} at step {t}" for n, t in diverged.items())
                         + " (a smaller learning rate?)")
        if s.name == "quadratic":
            t = surfaces.momentum_theory(s.eigenvalues)
            rate = float(surfaces.momentum_rate(c["lr"].value, c["momentum"].value, s.eigenvalues))
            parts.append(f"theory: plain GD stable for lr < {t['gd_max_lr']:.3g}, best lr {t['gd_lr']:.3g} "
                         f"(error × {t['gd_rate']:.3f} per step); momentum best α*={t['momentum_lr']:.3g}, "
                         f"β*={t['momentum_beta']:.3g} (× {t['momentum_rate']:.3f}); yours: × {rate:.3f} per step")
        else:
            parts.append(s.note)
        self.say(" · ".join(parts), error=bool(diverged))

    def draw(self):
        c = self.controls
        self.view.show(self.surface, self.paths, self.upto, c["steps"].value, lr=c["lr"].value,
                       beta=c["momentum"].value)
