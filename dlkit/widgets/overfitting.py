"""OverfittingLab: when more training makes a model worse, and what stops it.

    from dlkit.widgets import OverfittingLab
    OverfittingLab(train_size=50, width=128)

Few training points and a big network: the training loss keeps falling while the validation loss turns up.
Early stopping marks the best epoch, shades the patience window and restores the best weights; L1, L2 and
dropout shrink the gap; random labels show that a big enough network memorises noise (Zhang et al. 2017).
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

import dlkit as dk

from .. import planes, plots
from . import base, datasets
from .controls import PENALTIES, checkbox, choice, column, float_slider, int_slider, log_slider, options_slider, \
    speed_toggle

DATASETS = ("moons", "spirals", "circles", "xor", "digits")
TRAIN_SIZES = (20, 30, 50, 100, 200, 500, 1000)
WIDTHS = (4, 8, 16, 32, 64, 128, 256)
N_VAL = 500
MAX_BATCH = 32
BOUNDARY_RESOLUTION = 80   # grid points per side of the decision-boundary panel
VAL_POINTS_SHOWN = 150     # validation points drawn on it (all 500 would hide the boundary)


class OverfittingLab(base.Lab):
    """Live train and validation curves with the best epoch, the patience window and the restored weights."""

    figsize = (11.0, 3.7)
    name = "overfitting"

    def __init__(self, dataset="moons", train_size=50, noise=0.3, width=128, depth=2, epochs=400, lr=0.01,
                 early_stopping=True, patience=40, seed=0, speed="watch"):
        super().__init__()
        c = self.controls
        c["dataset"] = choice("dataset", DATASETS, dataset)
        c["train_size"] = options_slider("training points", TRAIN_SIZES, train_size)
        c["noise"] = float_slider("noise", noise, 0.0, 0.6, 0.05)
        c["random_labels"] = checkbox("random training labels", False)
        c["seed"] = int_slider("seed", seed, 0, 99)
        c["width"] = options_slider("width", WIDTHS, width)
        c["depth"] = int_slider("hidden layers", depth, 1, 4)
        c["dropout"] = float_slider("dropout", 0.0, 0.0, 0.8, 0.05)
        c["l1"] = options_slider("L1", PENALTIES, 0.0)
        c["l2"] = options_slider("L2", PENALTIES, 0.0)
        c["epochs"] = int_slider("epochs", epochs, 10, 2000, 10)
        c["lr"] = log_slider("learning rate (Adam)", lr, 1e-4, 0.3)
        c["early_stopping"] = checkbox("early stopping", early_stopping)
        c["patience"] = int_slider("patience (epochs)", patience, 1, 200)
        c["speed"] = speed_toggle(speed)
        self.add_button("train", "Train", lambda: self.train(wait=False), "play", "success",
                        "train from the initial weights")
        self.add_stop_button()
        self.observe(self._on_data, "dataset", "train_size", "noise", "random_labels", "seed")
        c["early_stopping"].observe(lambda ch: setattr(c["patience"], "disabled", not ch["new"]), names="value")
        self.layout(
            W.HBox([column("data", c["dataset"], c["train_size"], c["noise"], c["random_labels"], c["seed"]),
                    column("model and regularization", c["width"], c["depth"], c["dropout"], c["l1"], c["l2"]),
                    column("training", c["epochs"], c["lr"], c["early_stopping"], c["patience"])]),
            W.HBox([self.buttons["train"], self.buttons["stop"], c["speed"]]))
        self.hist = dk.History()
        self.model = None
        self.data = None
        self.finished = False
        self._set_busy(False)
        self._on_data(None)

    def _on_data(self, _):
        if self.running:
            self.say("data changed: it applies to the next run")
            return
        self.controls["noise"].disabled = self.controls["dataset"].value == "digits"
        self.prepare()
        self.hist, self.model, self.finished = dk.History(), None, False
        self.say("press Train: watch the validation loss turn up while the training loss keeps falling")
        self.redraw()

    def prepare(self):
        """The training set (its labels shuffled if asked) and a fixed validation set of 500 points."""
        c = self.controls
        n, seed = c["train_size"].value, c["seed"].value
        X, y = datasets.load_dataset(c["dataset"].value, n + N_VAL, c["noise"].value, seed)
        self.data = datasets.split(X, y, N_VAL / len(X), seed, standardise=c["dataset"].value in datasets.STANDARDISED,
                                   train_size=n)
        if c["random_labels"].value:
            self.data["y"] = np.random.default_rng(seed).permutation(self.data["y"])
        return self.data

    def train(self, wait=True):
        """Train from the initial weights; with early stopping the best weights come back at the end."""
        return self.launch(self._train, wait)

    def _train(self):
        c = self.controls
        d = self.prepare()
        self.finished = False
        sizes = [d["X"].shape[1]] + [c["width"].value] * c["depth"].value + [d["n_classes"]]
        self.model = dk.MLP(sizes, activation="relu", seed=c["seed"].value, dropout=c["dropout"].value)
        epochs = c["epochs"].value
        stopper = [dk.EarlyStopping(patience=c["patience"].value)] if c["early_stopping"].value else []

        def frame(epoch, model, hist):
            self.hist = hist
            self._report()
            self.redraw()

        self.hist = dk.fit(self.model, d["X"], d["y"], loss="cross_entropy", optimizer="adam", lr=c["lr"].value,
                           epochs=epochs, batch_size=min(MAX_BATCH, len(d["X"])), val=(d["X_val"], d["y_val"]),
                           seed=c["seed"].value, l1=c["l1"].value, l2=c["l2"].value, eval_train=True,
                           callbacks=stopper + self.callbacks(frame, epochs, c["speed"].value), verbose=False)
        self.finished = True
        self._report()
        self.redraw()

    def _report(self):
        h, c = self.hist, self.controls
        if not h.train_loss:
            return
        text = (f"epoch {h.epochs}/{c['epochs'].value} · train loss {h.train_loss[-1]:.3g}, val loss "
                f"{h.val_loss[-1]:.3g} · train accuracy {100 * h.train_acc[-1]:.0f}%, val "
                f"{100 * h.val_acc[-1]:.0f}%")
        if h.best_epoch is not None:
            text += f" · best epoch {h.best_epoch + 1} (val loss {h.val_loss[h.best_epoch]:.3g})"
            if self.finished:
                why = (f"no improvement for {c['patience'].value} epochs" if h.stopped_early and not self.stopping
                       else "training ended")
                text += f" · {why}: the weights of epoch {h.best_epoch + 1} were restored"
        if h.diverged:
            text += " · DIVERGED: lower the learning rate"
        self.say(text, error=h.diverged)

    def draw(self, fig):
        c, h, d = self.controls, self.hist, self.data
        ax_loss, ax_acc, ax_data = self.subplots(fig, 1, 3)
        plots.curves(ax_loss, h, "loss", log=True, train_name="train (eval mode)")
        patience = c["patience"].value if c["early_stopping"].value else None
        plots.early_stopping(ax_loss, h, patience, restored=self.finished and patience is not None)
        plots.title(ax_loss, "cross-entropy loss")
        plots.curves(ax_acc, h, "acc", train_name="train (eval mode)")
        if c["random_labels"].value:
            plots.chance_level(ax_acc, d["n_classes"])
        plots.title(ax_acc, "accuracy" + (" — training labels are random" if c["random_labels"].value else ""))
        if d["X"].shape[1] == 2:
            self._draw_plane(ax_data)
        else:
            plots.generalization_gap(ax_data, h)
            plots.title(ax_data, "generalization gap")

    def _draw_plane(self, ax):
        """2-D data: the training points before training, the decision boundary after."""
        h, d = self.hist, self.data
        if self.model is None or not h.train_loss:
            plots.training_points(ax, d["X"], d["y"])
            plots.title(ax, f"{len(d['X'])} training points")
            return
        extent, P = planes.boundary_grid(self.model.predict_proba, np.vstack([d["X"], d["X_val"]]),
                                         resolution=BOUNDARY_RESOLUTION)
        shown = slice(VAL_POINTS_SHOWN)
        plots.decision_boundary(ax, d["X"], d["y"], extent, P, d["X_val"][shown], d["y_val"][shown])
        restored = self.finished and h.best_epoch is not None
        plots.title(ax, f"weights of epoch {h.best_epoch + 1} (restored)" if restored else f"after epoch {h.epochs}")
