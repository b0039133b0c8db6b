"""BatchSizeLab: what the batch size trades — gradient noise against the cost of a step.

    from dlkit.widgets import BatchSizeLab
    BatchSizeLab()

The same network trains once per batch size, from 1 (SGD) to N (full-batch gradient descent), for a fixed
budget of epochs (= examples seen / N) or of optimizer steps. Small batches: noisy losses, many cheap steps per
epoch; big batches: smooth losses, few steps, and more time per step. Neither is "efficient" or "accurate" by
itself (folklore says otherwise).
"""
from __future__ import annotations

import math

import ipywidgets as W
import numpy as np

import dlkit as dk

from .. import diagnosis, plots
from . import base, datasets
from .controls import choice, column, int_slider, log_slider, options_slider

DATASETS = ("spirals", "moons", "digits")
BUDGETS = {"epochs": (1, 60, 10), "optimizer steps": (50, 5000, 500)}
HIDDEN = (32, 32)          # the swept network's hidden widths


class BatchSizeLab(base.Lab):
    """A sweep over batch sizes: mini-batch loss noise, iterations and wall time per epoch, final accuracy."""

    figsize = (11.0, 6.0)
    dpi = 85
    name = "batch-size"
    busy_text = "training one network per batch size…"

    def __init__(self, dataset="spirals", n_samples=1000, budget="epochs", amount=10, lr=0.01, seed=0):
        super().__init__()
        c = self.controls
        c["dataset"] = choice("dataset", DATASETS, dataset)
        c["n_samples"] = int_slider("points", n_samples, 200, 2000, 100)
        c["budget"] = choice("budget", list(BUDGETS), budget)
        lo, hi, _ = BUDGETS[budget]
        c["amount"] = int_slider("epochs", amount, lo, hi)
        c["optimizer"] = choice("optimizer", ("sgd", "momentum", "adam"), "adam")
        c["lr"] = log_slider("learning rate", lr, 1e-4, 1.0)
        c["seed"] = int_slider("seed", seed, 0, 99)
        c["highlight"] = options_slider("highlight batch", [1], 1)
        self.add_button("run", "Run sweep", lambda: self.run(wait=False), "play", "success",
                        "train once per batch size")
        self.add_stop_button()
        c["budget"].observe(self._on_budget, names="value")
        self.observe(self._on_data, "dataset", "n_samples", "seed")
        c["highlight"].observe(self.redraw_when_idle, names="value")
        self.layout(
            W.HBox([column("data", c["dataset"], c["n_samples"], c["seed"]),
                    column("budget", c["budget"], c["amount"], c["optimizer"], c["lr"]),
                    column("show", c["highlight"])]),
            W.HBox([self.buttons["run"], self.buttons["stop"]]))
        self.results = {}
        self._set_busy(False)
        self._on_data(None)

    def _on_budget(self, change):
        lo, hi, value = BUDGETS[change["new"]]
        a = self.controls["amount"]
        with self.muted():
            a.min, a.max = min(a.min, lo), max(a.max, hi)
            a.value, a.min, a.max = value, lo, hi
        a.description = change["new"]

    def _on_data(self, _):
        if self.running:
            self.say("data changed: it applies to the next sweep")
            return
        c = self.controls
        name = c["dataset"].value
        c["n_samples"].disabled = name == "digits"
        self.data = datasets.prepare(name, c["n_samples"].value, datasets.DEFAULT_NOISE[name], c["seed"].value)
        n_train = len(self.data["X"])
        self.sizes = self.sweep_sizes(n_train)
        with self.muted():
            c["highlight"].options = self.sizes
            c["highlight"].value = self.sizes[1]
        self.results = {}
        self.say(f"{n_train} training examples: press Run sweep to train once per batch size {self.sizes}")
        self.redraw()

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

    def run(self, wait=True):
        """Train once per batch size (threaded when wait=False); results appear as each run finishes."""
        return self.launch(self._sweep, wait)

    def _sweep(self):
        c, d = self.controls, self.data
        self.results = {}
        current = {}

        def frame(epoch, model, hist):
            b = current["batch_size"]
            self.results[b] = hist
            self.say(f"batch size {b}: epoch {hist.epochs}/{current['epochs']} · iteration "
                     f"{hist.iterations[-1] if hist.iterations else 0}")
            self.redraw()

        # one set of callbacks for the whole sweep, so frames stay throttled across its many short runs
        callbacks = self.callbacks(frame)
        for b in self.sizes:
            if self.stopping:
                break
            model = dk.MLP([d["X"].shape[1], *HIDDEN, d["n_classes"]], activation="relu", seed=c["seed"].value)
            current.update(batch_size=b, epochs=self.epochs_for(b))
            self.results[b] = dk.fit(model, d["X"], d["y"], optimizer=c["optimizer"].value, lr=c["lr"].value,
                                     epochs=current["epochs"], batch_size=b, val=(d["X_val"], d["y_val"]),
                                     seed=c["seed"].value, callbacks=callbacks, verbose=False)
        self._report()
        self.redraw()

    def summary(self):
        """Per finished batch size: iterations per epoch, seconds per epoch, final val accuracy, loss noise."""
        rows = {}
        for b, h in self.results.items():
            if not h.epochs:
                continue
            # the fastest epoch: an epoch followed by a live frame also timed the drawing
            per_epoch = float(np.min(np.diff([0.0] + h.time)))
            rows[b] = {"iterations_per_epoch": h.iterations_per_epoch, "seconds_per_epoch": per_epoch,
                       "val_acc": h.val_acc[-1] if h.val_acc else math.nan, "noise": diagnosis.loss_noise(h.step_loss),
                       "iterations": h.iterations[-1], "epochs": h.epochs, "diverged": h.diverged}
        return rows

    def _report(self):
        rows = self.summary()
        if not rows:
            return
        best = max(rows, key=lambda b: rows[b]["val_acc"])
        c = self.controls
        budget = (f"{c['amount'].value} epochs = {c['amount'].value * len(self.data['X'])} examples seen"
                  if c["budget"].value == "epochs" else f"about {c['amount'].value} optimizer steps (rounded to "
                                                         "whole epochs)")
        self.say(f"budget {budget} · best val accuracy {100 * rows[best]['val_acc']:.1f}% with batch size {best} · "
                 + " · ".join(f"B={b}: {r['iterations']} steps, {1e3 * r['seconds_per_epoch']:.1f} ms/epoch"
                              for b, r in rows.items()))

    def draw(self, fig):
        (ax_steps, ax_noise), (ax_cost, ax_acc) = self.subplots(fig, 2, 2)
        highlight = self.controls["highlight"].value
        runs = {b: h for b, h in self.results.items() if h.step_loss.size}
        if runs:
            plots.step_losses(ax_steps, runs, highlight=highlight if highlight in runs else None,
                              n_examples=len(self.data["X"]))
        else:
            plots.message(ax_steps, "press Run sweep")
        plots.title(ax_steps, "mini-batch loss at every step")
        rows = self.summary()
        sizes = list(rows)
        if sizes:
            plots.batch_results(ax_noise, sizes, [rows[b]["noise"] for b in sizes],
                                "loss noise (std around trend / mean)", highlight, color=plots.PURPLE, log=True)
            plots.batch_costs(ax_cost, sizes, [rows[b]["iterations_per_epoch"] for b in sizes],
                              [rows[b]["seconds_per_epoch"] for b in sizes])
            plots.batch_results(ax_acc, sizes, [100 * rows[b]["val_acc"] for b in sizes],
                                "final validation accuracy (%)", highlight)
        for ax, text in ((ax_noise, "noise of the loss"), (ax_cost, "cost of an epoch"),
                         (ax_acc, "accuracy for the budget")):
            plots.title(ax, text)
            if not sizes:
                plots.message(ax, "press Run sweep")
