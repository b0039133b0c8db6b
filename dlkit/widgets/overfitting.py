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

from .. import plots
from . import base

DATASETS = ("moons", "spirals", "circles", "xor", "digits")
TRAIN_SIZES = (20, 30, 50, 100, 200, 500, 1000)
WIDTHS = (4, 8, 16, 32, 64, 128, 256)
N_VAL = 500


class OverfittingLab(base.Lab):
    """Live train and validation curves with the best epoch, the patience window and the restored weights."""

    figsize = (11.0, 3.7)
    name = "overfitting"

    def __init__(self, dataset="moons", train_size=50, noise=0.3, width=128, depth=2, epochs=400, lr=0.01,
                 early_stopping=True, patience=40, seed=0, speed="watch"):
        super().__init__()
        c = self.controls
        c["dataset"] = base.choice("dataset", DATASETS, dataset)
        c["train_size"] = base.options_slider("training points", TRAIN_SIZES, train_size)
        c["noise"] = base.float_slider("noise", noise, 0.0, 0.6, 0.05)
        c["random_labels"] = base.checkbox("random training labels", False)
        c["seed"] = base.int_slider("seed", seed, 0, 99)
        c["width"] = base.options_slider("width", WIDTHS, width)
        c["depth"] = base.int_slider("hidden layers", depth, 1, 4)
        c["dropout"] = base.float_slider("dropout", 0.0, 0.0, 0.8, 0.05)
        c["l1"] = base.options_slider("L1", base.PENALTIES, 0.0)
        c["l2"] = base.options_slider("L2", base.PENALTIES, 0.0)
        c["epochs"] = base.int_slider("epochs", epochs, 10, 2000, 10)
        c["lr"] = base.log_slider("learning rate (Adam)", lr, 1e-4, 0.3)
        c["early_stopping"] = base.checkbox("early stopping", early_stopping)
        c["patience"] = base.int_slider("patience (epochs)", patience, 1, 200)
        c["speed"] = base.speed_toggle(speed)
        b = self.buttons
        b["train"] = base.button("Train", "play", "success", "train from the initial weights")
        b["stop"] = base.button("Stop", "stop", "danger")
        b["train"].on_click(lambda _: self.train(wait=False))
        b["stop"].on_click(lambda _: self.stop())
        for key in ("dataset", "train_size", "noise", "random_labels", "seed"):
            c[key].observe(self._on_data, names="value")
        c["early_stopping"].observe(lambda ch: setattr(c["patience"], "disabled", not ch["new"]), names="value")
        self.layout(
            W.HBox([base.column("data", c["dataset"], c["train_size"], c["noise"], c["random_labels"], c["seed"]),
                    base.column("model and regularization", c["width"], c["depth"], c["dropout"], c["l1"],
                                c["l2"]),
                    base.column("training", c["epochs"], c["lr"], c["early_stopping"], c["patience"])]),
            W.HBox([b["train"], b["stop"], c["speed"]]))
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
        X, y = base.load_dataset(c["dataset"].value, n + N_VAL, c["noise"].value, seed)
        X_tr, X_val, y_tr, y_val = dk.data.train_test_split(X, y, test_size=N_VAL / len(X), seed=seed)
        if c["dataset"].value == "digits":
            X_tr, X_val = dk.data.standardize(X_tr[:n], X_val)
            y_tr = y_tr[:n]
        if c["random_labels"].value:
            y_tr = np.random.default_rng(seed).permutation(y_tr)
        self.data = {"X": X_tr, "y": y_tr, "X_val": X_val, "y_val": y_val, "n_classes": int(y.max()) + 1}
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
                           epochs=epochs, batch_size=min(32, len(d["X"])), val=(d["X_val"], d["y_val"]),
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
            ax_acc.axhline(100 / d["n_classes"], color=plots.GREY, ls=":", label="chance")
        plots.title(ax_acc, "accuracy" + (" — training labels are random" if c["random_labels"].value else ""))
        if d["X"].shape[1] == 2:
            model = self.model if self.model is not None and h.train_loss else None
            if model is None:
                ax_data.scatter(d["X"][:, 0], d["X"][:, 1], c=[plots.CLASS_COLORS[k] for k in d["y"]], s=14)
                ax_data.set_xlabel("x₁")
                ax_data.set_ylabel("x₂")
                plots.title(ax_data, f"{len(d['X'])} training points")
            else:
                extent, P = plots.boundary_grid(lambda pts: base.probabilities(model, pts),
                                                np.vstack([d["X"], d["X_val"]]), resolution=80)
                plots.decision_boundary(ax_data, d["X"], d["y"], extent, P, d["X_val"][:150], d["y_val"][:150])
                restored = self.finished and h.best_epoch is not None
                plots.title(ax_data, f"weights of epoch {h.best_epoch + 1} (restored)" if restored else
                            f"after epoch {h.epochs}")
        else:
            gap = np.asarray(h.val_loss) - np.asarray(h.train_loss)
            ax_data.plot(np.arange(1, gap.size + 1), gap, color=plots.PURPLE, label="val loss − train loss")
            ax_data.axhline(0, color=plots.BLACK, lw=0.5)
            ax_data.set_xlabel("epoch")
            ax_data.set_ylabel("generalization gap (loss)")
            plots.title(ax_data, "generalization gap")
            if gap.size:
                ax_data.legend(fontsize=plots.SMALL)
