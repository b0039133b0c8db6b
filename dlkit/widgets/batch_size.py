"""BatchSizeLab: what the batch size trades — gradient noise against the cost of a step.

    from dlkit.widgets import BatchSizeLab
    BatchSizeLab()

The same network trains once per batch size, from 1 (SGD) to N (full-batch gradient descent), for a fixed
budget of epochs (= examples seen / N) or of optimizer steps. Small batches: noisy losses, many cheap steps per
epoch; big batches: smooth losses, few steps, and more time per step. Neither is "efficient" or "accurate" by
itself (folklore says otherwise).

Run sweep trains all batch sizes side by side, epoch by epoch, and every panel follows them live. A changed
setting while the sweep runs starts it again; after a sweep it marks the picture as the old settings' until the
next Run sweep. The highlighted batch size and the loss panel's x axis only change the picture.
"""
from __future__ import annotations

import math

import numpy as np

import dlkit as dk

from .. import diagnosis
from . import base, datasets
from .batch_size_view import X_AXES, BatchSizeView
from .controls import choice, column, int_slider, log_slider, options_slider, row, speed_toggle
from .live_runs import LiveRun, train_together

DATASETS = ("spirals", "moons", "digits")
BUDGETS = {"epochs": (1, 60, 10), "optimizer steps": (50, 5000, 500)}
HIDDEN = (32, 32)          # the swept network's hidden widths
DATA_CONTROLS = ("dataset", "n_samples", "seed")
SWEEP_CONTROLS = DATA_CONTROLS + ("budget", "amount", "optimizer", "lr")      # what a sweep's picture belongs to
STALE = " (old settings)"
NOISE_REGROWTH = 2.0       # a live frame recomputes a run's loss noise when its steps doubled (it costs steps²)


class BatchSizeLab(base.Lab):
    """A sweep over batch sizes: mini-batch loss noise, iterations and wall time per epoch, final accuracy."""

    name = "batch-size"
    busy_text = "training one network per batch size…"

    def __init__(self, dataset="spirals", n_samples=1000, budget="epochs", amount=10, lr=0.01, seed=0,
                 speed="watch"):
        super().__init__()
        if budget not in BUDGETS:
            raise ValueError(f"budget must be one of {', '.join(map(repr, BUDGETS))}, got {budget!r}")
        c = self.controls
        c["dataset"] = choice("dataset", DATASETS, dataset)
        c["n_samples"] = int_slider("points", n_samples, 200, 2000, 100)
        c["budget"] = choice("budget", list(BUDGETS), budget)
        lo, hi, _ = BUDGETS[budget]
        c["amount"] = int_slider(budget, amount, lo, hi)
        c["optimizer"] = choice("optimizer", ("sgd", "momentum", "adam"), "adam")
        c["lr"] = log_slider("learning rate", lr, 1e-4, 1.0)
        c["seed"] = int_slider("seed", seed, 0, 99)
        c["highlight"] = options_slider("highlight batch", [1], 1)
        c["x_axis"] = choice("loss against", X_AXES)
        c["speed"] = speed_toggle(speed)
        self.add_button("run", "Run sweep", lambda: self.run(wait=False), "play", "success",
                        "train once per batch size, all side by side")
        self.add_stop_button("stop after this epoch")
        self.view = BatchSizeView()
        c["budget"].observe(self._on_budget, names="value")
        self.observe(self._on_setting, *SWEEP_CONTROLS)
        self.observe(self.redraw_when_idle, "highlight", "x_axis")
        self.layout(
            row(column("data", c["dataset"], c["n_samples"], c["seed"]),
                column("budget", c["budget"], c["amount"], c["optimizer"], c["lr"]),
                column("show", c["highlight"], c["x_axis"])),
            row(self.buttons["run"], self.buttons["stop"], c["speed"]), view=self.view.widget)
        self.runs: dict[int, LiveRun] = {}
        self.swept_with, self._data_key, self._restart, self._noise_cache = None, None, False, {}
        self._training = False
        self._set_busy(False)
        self._on_setting(None)

    @property
    def results(self):
        """{batch size: History} of the sweep shown (runs still training included)."""
        return {b: run.hist for b, run in self.runs.items()}

    # ---- settings and data -----------------------------------------------------------------------------
    def sweep_settings(self):
        return {k: self.controls[k].value for k in SWEEP_CONTROLS}

    def prepare(self):
        """The data for the controls (kept while they stay the same) and the batch sizes swept on it."""
        c = self.controls
        key = tuple(c[k].value for k in DATA_CONTROLS)
        if key != self._data_key:
            name = c["dataset"].value
            self.data = datasets.prepare(name, c["n_samples"].value, datasets.DEFAULT_NOISE[name], c["seed"].value)
            self.sizes = self.sweep_sizes(len(self.data["X"]))
            self._data_key = key
            with self.muted():
                c["highlight"].options = self.sizes
                c["highlight"].value = self.sizes[1]
        return self.data

    @staticmethod
    def sweep_sizes(n):
        """1, 4, 16, 64, ... below n, and n itself (full batch)."""
        return [4 ** k for k in range(int(math.log(n, 4)) + 1) if 4 ** k < n] + [n]

    def epochs_for(self, batch_size):
        """The budget as whole epochs for a batch size (a steps budget is rounded to whole epochs)."""
        c = self.controls
        if c["budget"].value == "epochs":
            return c["amount"].value
        return max(1, round(c["amount"].value / dk.data.num_batches(len(self.data["X"]), batch_size)))

    # ---- reacting to controls --------------------------------------------------------------------------
    def _on_budget(self, change):
        lo, hi, value = BUDGETS[change["new"]]
        a = self.controls["amount"]
        with self.muted():
            a.min, a.max = min(a.min, lo), max(a.max, hi)
            a.value, a.min, a.max = value, lo, hi
        a.description = change["new"]

    def _on_setting(self, change):
        """A data or budget control moved: a running sweep starts again with it; new data shows an empty sweep;
        another budget, optimizer or learning rate marks the sweep shown as the old settings'."""
        if self._muted:
            return
        c = self.controls
        c["n_samples"].disabled = c["dataset"].value == "digits"
        text = "" if change is None else f"{change['owner'].description} → {_fmt(change['new'])}"
        if self.running:
            self._restart = True
            self.stop()
            self.say(f"{text}: the sweep starts again with it")
            return
        if change is None or _key(c, change["owner"]) in DATA_CONTROLS:
            self.prepare()
            self.runs, self.swept_with = {}, None
            self.say(f"{len(self.data['X'])} training examples: press Run sweep to train once per batch size "
                     f"{self.sizes}")
        elif self.stale_settings():
            self.say(f"{text}: applies to the next sweep (the picture shows the last sweep's settings)")
        elif self.runs:
            self._report()
        self.redraw()

    def stale_settings(self):
        """The controls whose value differs from the sweep shown ([] when they match or none was run)."""
        if self.swept_with is None or self.running:
            return []
        return [k for k, v in self.sweep_settings().items() if self.swept_with[k] != v]

    # ---- training ----------------------------------------------------------------------------------------
    def run(self, wait=True):
        """Train once per batch size, all side by side, epoch by epoch (threaded when wait=False)."""
        return self.launch(self._sweep, wait)

    def _sweep(self):
        self._training = True
        try:
            while True:
                self._restart = False
                self.prepare()
                self.swept_with = self.sweep_settings()
                self.runs, self._noise_cache = {b: self.new_run(b) for b in self.sizes}, {}
                train_together(self, list(self.runs.values()), self.controls["speed"].value, on_step=self._progress)
                if not self._restart:
                    break
                self._stop.clear()                       # a setting changed mid-sweep: start again with it
        finally:
            self._training = False
        self._report()
        self.redraw()

    def new_run(self, batch_size):
        """A fresh network (the same seeded weights for every batch size) to train for the budget."""
        c, d = self.controls, self.data
        model = dk.MLP([d["X"].shape[1], *HIDDEN, d["n_classes"]], activation="relu", seed=c["seed"].value)
        settings = {"optimizer": c["optimizer"].value, "lr": c["lr"].value, "batch_size": batch_size,
                    "seed": c["seed"].value}
        return LiveRun(str(batch_size), batch_size, d, model, lambda: settings, budget=self.epochs_for(batch_size))

    def _progress(self):
        runs = self.runs.values()
        self.say(" · ".join(f"B={run.settings}: epoch {run.epochs}/{run.budget}" for run in runs)
                 + (" · stopped" if self.stopping else ""))

    def summary(self):
        """Per batch size with an epoch done: iterations per epoch, seconds per epoch, final val accuracy, loss
        noise, iterations, epochs, whether it diverged."""
        rows = {}
        for b, h in self.results.items():
            if not h.epochs:
                continue
            per_epoch = float(np.min(np.diff([0.0] + h.time)))          # the fastest epoch (others shared the CPU)
            rows[b] = {"iterations_per_epoch": h.iterations_per_epoch, "seconds_per_epoch": per_epoch,
                       "val_acc": h.val_acc[-1] if h.val_acc else math.nan, "noise": self._noise(b, h),
                       "iterations": h.iterations[-1], "epochs": h.epochs, "diverged": h.diverged}
        return rows

    def _noise(self, b, h):
        """diagnosis.loss_noise of run b's step losses; while the sweep trains it is recomputed only when the run's
        steps grew NOISE_REGROWTH-fold (its cost grows with the square of the steps)."""
        steps = sum(len(chunk) for chunk in h.step_loss_chunks)
        old = self._noise_cache.get(b)
        if old is None or old[0] != steps and not (self._training and steps < NOISE_REGROWTH * old[0]):
            self._noise_cache[b] = old = (steps, diagnosis.loss_noise(h.step_loss))
        return old[1]

    def _report(self):
        rows = self.summary()
        if not rows:
            return
        best = max(rows, key=lambda b: rows[b]["val_acc"] if np.isfinite(rows[b]["val_acc"]) else -1.0)
        c = self.controls
        budget = (f"{c['amount'].value} epochs = {c['amount'].value * len(self.data['X'])} examples seen"
                  if c["budget"].value == "epochs" else f"about {c['amount'].value} optimizer steps (rounded to "
                                                         "whole epochs)")
        diverged = [b for b, r in rows.items() if r["diverged"]]
        self.say(f"budget {budget} · best val accuracy {100 * rows[best]['val_acc']:.1f}% with batch size {best} · "
                 + " · ".join(f"B={b}: {r['iterations']} steps, {1e3 * r['seconds_per_epoch']:.1f} ms/epoch"
                              for b, r in rows.items())
                 + (f" · DIVERGED with batch size {', '.join(map(str, diverged))}: lower the learning rate"
                    if diverged else "") + (" · stopped" if self.stopping else ""), error=bool(diverged))

    # ---- drawing -------------------------------------------------------------------------------------------
    def draw(self):
        c = self.controls
        runs = {b: h for b, h in self.results.items() if h.step_loss_chunks}
        self.view.show(runs, self.summary(), self.sizes, c["highlight"].value, c["x_axis"].value,
                       len(self.data["X"]), STALE if self.stale_settings() else "")


def _key(controls, widget):
    return next(k for k, w in controls.items() if w is widget)


def _fmt(v):
    return f"{v:g}" if isinstance(v, float) else str(v)
