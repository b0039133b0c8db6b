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

FRAMES = 12                 # frames of a race animation (4 a second)
RACE_SECONDS = 3.0


class OptimizerRace(base.Lab):
    """Trajectories on a surface, their losses per step, and (on the quadratic) the momentum theory."""

    figsize = (12.0, 3.9)
    name = "optimizer-race"
    busy_text = "racing…"

    def __init__(self, surface="quadratic", condition=30.0, steps=150, racers=surfaces.RACERS):
        super().__init__()
        c = self.controls
        first = surfaces.get(surface, condition)
        c["surface"] = base.choice("surface", surfaces.NAMES, surface)
        c["condition"] = base.log_slider("condition number κ", condition, 1.0, 1000.0, step=0.1)
        c["steps"] = base.int_slider("steps", steps, 10, 500, 10)
        c["lr"] = base.log_slider("lr (SGD, momentum)", first.lr, 1e-4, 10.0, step=0.05)
        c["adaptive_lr"] = base.log_slider("lr (adaptive)", first.adaptive_lr, 1e-3, 1.0, step=0.05)
        c["momentum"] = base.float_slider("momentum β", 0.9, 0.0, 0.99, 0.01)
        c["beta1"] = base.float_slider("Adam β₁", 0.9, 0.0, 0.99, 0.01)
        c["beta2"] = base.options_slider("β₂ (RMSprop ρ)", (0.9, 0.99, 0.999), 0.999)
        self.racers = {name: W.Checkbox(value=name in racers, description=name, indent=False,
                                        layout=W.Layout(width="110px")) for name in surfaces.RACERS}
        b = self.buttons
        b["race"] = base.button("Race", "play", "success", "animate the race from the start")
        b["stop"] = base.button("Stop", "stop", "danger")
        b["race"].on_click(lambda _: self.race(wait=False))
        b["stop"].on_click(lambda _: self.stop())
        c["surface"].observe(self._on_surface, names="value")
        for w in [*c.values(), *self.racers.values()]:
            if w is not c["surface"]:
                w.observe(lambda _: self.run(), names="value")
        self.layout(
            W.HBox([base.column("surface", c["surface"], c["condition"], c["steps"]),
                    base.column("step sizes", c["lr"], c["adaptive_lr"]),
                    base.column("momentum", c["momentum"], c["beta1"], c["beta2"])]),
            W.HBox(list(self.racers.values())),
            W.HBox([b["race"], b["stop"]]))
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
            close = (p.losses - s.f_min) < 1e-3
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
        plots.surface_contours(ax_path, s)
        plots.optimizer_paths(ax_path, self.paths, self.upto)
        plots.title(ax_path, f"{s.name.replace('_', ' ')}" + (f" (step {self.upto})" if self.upto else ""))
        plots.race_losses(ax_loss, self.paths, s.f_min, self.upto)
        plots.title(ax_loss, "distance to the minimum")
        if s.name == "quadratic":
            plots.momentum_map(ax_right, s.eigenvalues, surfaces.momentum_theory(s.eigenvalues),
                               lr=c["lr"].value, beta=c["momentum"].value, resolution=120)
            plots.title(ax_right, "heavy-ball momentum: theory")
        else:
            plots.step_sizes(ax_right, self.paths, self.upto)
            plots.title(ax_right, "step lengths")
