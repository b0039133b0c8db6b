"""OverfittingLab: when more training makes a model worse, and what stops it.

    from dlkit.widgets import OverfittingLab
    OverfittingLab(train_size=50, width=128)

Few training points and a big network: the training loss keeps falling while the validation loss turns up.
Early stopping marks the best epoch, shades the patience window and restores the best weights; L1, L2 and
dropout shrink the gap; random labels show that a big enough network memorises noise (Zhang et al. 2017).

Train trains from the seeded initial weights until early stopping, the epoch budget or Stop. While it trains the
learning rate, L1, L2, dropout, early stopping, patience, budget and speed apply from the next epoch (setting
changes are marked on the curves); new data or another width or depth starts the run again. When no run trains, a
changed model or training control marks the picture as the old settings' until the next Train.
"""
from __future__ import annotations

import time

import ipywidgets as W
import numpy as np

import dlkit as dk

from . import base, datasets
from .controls import PENALTIES, UNTIL_STOP, checkbox, choice, column, epoch_budget, float_slider, int_slider, \
    log_slider, options_slider, row, speed_toggle
from .live_runs import MOST_EPOCHS, WATCH_RATE, budget_for
from .overfitting_view import BUDGET, DIVERGED, PATIENCE, STOPPED, Frame, OverfittingView

DATASETS = ("moons", "spirals", "circles", "xor", "digits")
TRAIN_SIZES = (20, 30, 50, 100, 200, 500, 1000)
WIDTHS = (4, 8, 16, 32, 64, 128, 256)
N_VAL = 500
MAX_BATCH = 32
DATA_CONTROLS = ("dataset", "train_size", "noise", "random_labels", "seed")
STRUCTURE_CONTROLS = ("width", "depth")                       # a running run starts again with these
ADJUSTED = ("lr", "l1", "l2", "dropout")                      # dk.Adjust hands these to the running fit
FOLLOWED = ("early_stopping", "patience", "epochs")            # the lab's own callback reads these every epoch
RUN_SETTINGS = STRUCTURE_CONTROLS + ADJUSTED + FOLLOWED        # what a picture belongs to, besides its data
STALE = " (old settings)"


class LiveEarlyStopping(dk.EarlyStopping):
    """dk.EarlyStopping that reads its switch and its patience from the lab at every epoch: it always tracks the
    best epoch (hist.best_epoch), stops and restores the best weights only while ``enabled()``."""

    def __init__(self, enabled, patience):
        super().__init__(patience=patience())
        self.enabled, self.read_patience = enabled, patience

    def on_epoch_end(self, epoch, model, hist):
        self.patience = self.read_patience()
        return super().on_epoch_end(epoch, model, hist) and self.enabled()

    def on_train_end(self, model, hist):
        if self.enabled():
            super().on_train_end(model, hist)


class OverfittingLab(base.Lab):
    """Live train and validation curves with the best epoch, the patience window and the restored weights."""

    name = "overfitting"

    def __init__(self, dataset="moons", train_size=50, noise=0.3, width=128, depth=2, epochs=UNTIL_STOP, lr=0.01,
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
        c["epochs"] = epoch_budget(epochs)
        c["lr"] = log_slider("learning rate", lr, 1e-4, 0.3)
        c["lr"].tooltip = "Adam's learning rate"
        c["early_stopping"] = checkbox("early stopping", early_stopping)
        c["patience"] = int_slider("patience (epochs)", patience, 1, 200)
        c["speed"] = speed_toggle(speed)
        self.add_button("train", "Train", lambda: self.train(wait=False), "play", "success",
                        "train from the initial weights until early stopping, the epoch budget or Stop")
        self.add_stop_button("stop after this epoch")
        self.view = OverfittingView()
        self._wire()
        self.layout(
            row(column("data", c["dataset"], c["train_size"], c["noise"], c["random_labels"], c["seed"]),
                column("model and regularization", c["width"], c["depth"], c["dropout"], c["l1"], c["l2"]),
                column("training", c["epochs"], c["lr"], c["early_stopping"], c["patience"])),
            row(self.buttons["train"], self.buttons["stop"], c["speed"]), view=self.view.widget)
        self.hist, self.model, self.data = dk.History(), None, None
        self.finished, self.ended, self.trained_with = False, "", None
        self.adjust, self._restart, self._training, self._last_frame = dk.Adjust(), False, False, 0.0
        self._set_busy(False)
        self._on_data(None)

    def _wire(self):
        c = self.controls
        self.observe(self._on_data, *DATA_CONTROLS)
        self.observe(self._on_setting, *RUN_SETTINGS)
        c["patience"].disabled = not c["early_stopping"].value
        c["early_stopping"].observe(lambda ch: setattr(c["patience"], "disabled", not ch["new"]), names="value")

    # ---- settings and data -----------------------------------------------------------------------------
    def run_settings(self):
        """{control: value} of what a run is trained with, besides its data."""
        return {k: self.controls[k].value for k in RUN_SETTINGS}

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

    def new_model(self):
        """A fresh MLP for the data and the controls (weights drawn from the seed)."""
        c, d = self.controls, self.data
        sizes = [d["X"].shape[1]] + [c["width"].value] * c["depth"].value + [d["n_classes"]]
        return dk.MLP(sizes, activation="relu", seed=c["seed"].value, dropout=c["dropout"].value)

    # ---- reacting to controls --------------------------------------------------------------------------
    def _on_data(self, _):
        """New data: a running run starts again with it; else the untrained network on the new data is shown."""
        self.controls["noise"].disabled = self.controls["dataset"].value == "digits"
        if self.running:
            self._start_again("data changed")
            return
        self.prepare()
        self._forget()
        self.say("press Train: watch the validation loss turn up while the training loss keeps falling")
        self.redraw()

    def _forget(self):
        self.hist, self.model = dk.History(), self.new_model()
        self.finished, self.ended, self.trained_with = False, "", None

    def _on_setting(self, change):
        """A model or training control moved: while a run trains it applies from the next epoch (width and depth
        start the run again); otherwise the picture is marked as the old settings' (at once: one frame)."""
        if self._muted:
            return
        key = next(k for k in RUN_SETTINGS if self.controls[k] is change["owner"])
        text = f"{change['owner'].description} → {_fmt(change['new'])}"
        if self.running:
            if key in STRUCTURE_CONTROLS:
                self._start_again(text)
                return
            if key in ADJUSTED:
                self.adjust.set(**{key: change["new"]})
            if self.trained_with is not None:             # None only until the run has begun
                self.trained_with[key] = change["new"]
            self.say(f"{text}: applies from the next epoch")
            return
        if self.trained_with is None:                     # nothing trained yet: show the new untrained network
            self._forget()
            self.say(f"{text} · press Train")
        elif self.stale_settings():
            self.say(f"{text}: applies to the next Train (the picture shows the last run's settings)")
        else:
            self._report()
        self.redraw()

    def _start_again(self, why):
        self._restart = True
        self.stop()
        self.say(f"{why}: training starts again")

    def stale_settings(self):
        """The controls whose value differs from the run shown ([] when it matches, or nothing was trained)."""
        if self.trained_with is None or self.running:
            return []
        return [k for k, v in self.run_settings().items() if self.trained_with[k] != v]

    # ---- training ----------------------------------------------------------------------------------------
    def train(self, wait=True):
        """Train from the initial weights until early stopping, the budget or Stop; with early stopping the best
        weights come back at the end. A button's run with the budget "until Stop" runs until Stop (or early
        stopping); a script's then runs 200 epochs."""
        return self.launch(self._train, wait)

    def _train(self):
        try:
            while True:
                self._restart = False
                self._train_once()
                if not self._restart:
                    break
                self._stop.clear()                   # data or structure changed mid-run: start again with them
        finally:
            self._training = False

    def _train_once(self):
        c, d = self.controls, self.prepare()
        self.model, self.hist = self.new_model(), dk.History()
        self.finished, self.ended, self.trained_with = False, "", self.run_settings()
        self.adjust, self._training = dk.Adjust(), True
        stopper = LiveEarlyStopping(lambda: c["early_stopping"].value, lambda: c["patience"].value)
        epochs = MOST_EPOCHS if self.watching else (budget_for(self, c["epochs"].value) or MOST_EPOCHS)
        self._last_frame, self._epoch_end = -np.inf, time.perf_counter()
        hist = dk.fit(self.model, d["X"], d["y"], loss="cross_entropy", optimizer="adam", lr=c["lr"].value,
                      epochs=epochs, batch_size=min(MAX_BATCH, len(d["X"])), val=(d["X_val"], d["y_val"]),
                      seed=c["seed"].value, l1=c["l1"].value, l2=c["l2"].value, eval_train=True,
                      callbacks=[stopper, self.adjust, self._epoch_done], verbose=False)
        self.hist, self.ended = hist, self._why_ended(hist, stopper)
        if self.ended == BUDGET:
            hist.stopped_early = False                   # the budget ended it, not early stopping
        self.finished, self._training = True, False
        self._report()
        self.redraw()

    def budget(self):
        """The epoch budget now (MOST_EPOCHS for "until Stop" in a watched run)."""
        return budget_for(self, self.controls["epochs"].value) or MOST_EPOCHS

    def _epoch_done(self, epoch, model, hist):
        """fit's callback after every epoch: a frame at most every FRAME_INTERVAL, pacing at "watch" speed, and
        True (stop) at the budget or when Stop was pressed."""
        self.hist = hist
        if self.frame_due(self._last_frame):
            self._last_frame = time.perf_counter()
            self._report()
            self.redraw()
        if self.watching and self.controls["speed"].value == "watch":
            self.pause(1.0 / WATCH_RATE - (time.perf_counter() - self._epoch_end))
        self._epoch_end = time.perf_counter()
        return self.stopping or hist.epochs >= self.budget()

    def _why_ended(self, hist, stopper):
        if hist.diverged:
            return DIVERGED
        if stopper.enabled() and stopper.wait >= stopper.patience:
            return PATIENCE
        return STOPPED if self.stopping else BUDGET

    def _report(self):
        h, c = self.hist, self.controls
        if not h.train_loss:
            if h.diverged:
                self.say("DIVERGED before the first epoch ended: lower the learning rate", error=True)
            return
        budget = self.budget() if self.running or self.finished else None
        of = f"/{budget}" if budget and budget < MOST_EPOCHS else ""
        text = (f"epoch {h.epochs}{of} · train loss {h.train_loss[-1]:.3g}, val loss {h.val_loss[-1]:.3g} · "
                f"train accuracy {100 * h.train_acc[-1]:.0f}%, val {100 * h.val_acc[-1]:.0f}%")
        if h.best_epoch is not None:
            text += f" · best epoch {h.best_epoch + 1} (val loss {h.val_loss[h.best_epoch]:.3g})"
        if self.finished:
            text += self._ending()
        if h.diverged:
            text += (f" · DIVERGED in epoch {h.diverged_at[0] + 1} ({h.divergence}): lower the learning rate "
                     f"(now {c['lr'].value:g})")
        self.say(text, error=h.diverged)

    def _ending(self):
        h, c = self.hist, self.controls
        why = {PATIENCE: f"no improvement for {c['patience'].value} epochs", STOPPED: "stopped",
               BUDGET: "epoch budget reached"}.get(self.ended, "")
        if self.ended != DIVERGED and c["early_stopping"].value and h.best_epoch is not None:
            return f" · {why}: the weights of epoch {h.best_epoch + 1} were restored"
        return f" · {why}" if why else ""

    # ---- drawing -------------------------------------------------------------------------------------------
    def draw(self):
        c = self.controls
        frame = Frame(self.hist, self.model, self.data, c["early_stopping"].value, c["patience"].value,
                      training=self._training, ended=self.ended,
                      random_labels=c["random_labels"].value, stale=STALE if self.stale_settings() else "")
        self.view.show(frame)


def _fmt(v):
    return f"{v:g}" if isinstance(v, float) else str(v)
