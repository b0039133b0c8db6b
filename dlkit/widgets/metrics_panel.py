"""MetricsPanel: a classifier's confusion matrix, precision, recall and F1, and how a decision threshold trades
them — on an imbalanced problem, where accuracy misleads.

    from dlkit.widgets import MetricsPanel
    MetricsPanel()                                  # trains a small model on imbalanced moons
    MetricsPanel(y_true=y_val, scores=model.forward(X_val))    # or shows your own model's outputs

Each "Train model" trains a new model on the same data (run 2, 3, ...: the next seed), drawn live epoch by epoch;
a new problem, share or seed starts again at run 1 (in the background: ``lab.wait()`` waits for it). Threshold,
positive class and average redraw at once.
"""
from __future__ import annotations

import math
import time

import numpy as np

import dlkit as dk

from .. import metrics
from . import base, datasets
from .controls import choice, column, float_slider, int_slider, row
from .live_runs import WATCH_RATE
from .metrics_view import Evaluation, MetricsView

PROBLEMS = ("imbalanced moons", "three blobs", "ten digits")
MOONS = {"n_samples": 4000, "noise": 0.25}     # before thinning the positive class to its share
BLOBS = {"n_samples": 1200, "noise": 1.0}
TEST_SHARE = 0.5
HIDDEN = (32, 32)
TRAINING = {"optimizer": "adam", "lr": 0.01, "epochs": 30, "batch_size": 32}


def _probabilities(scores):
    """Scores (N,) / (N, 1) logits or (N, C) outputs -> probabilities (N, C): the rows themselves if they
    already are probabilities, else what ``dlkit.losses.probabilities`` makes of logits (a sigmoid of a single
    logit, a softmax of several)."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 2 and s.shape[1] > 1 and s.min() >= 0 and np.allclose(s.sum(axis=1), 1):
        return s
    return dk.losses.probabilities(s)


class MetricsPanel(base.Lab):
    """Confusion matrix at a threshold, the precision–recall curve with that threshold's point, and the scores
    next to what always predicting the majority class would get."""

    name = "metrics"
    busy_text = "training the classifier…"

    def __init__(self, y_true=None, scores=None, positive_share=0.1, seed=0):
        super().__init__()
        c = self.controls
        own = y_true is not None
        c["problem"] = choice("problem", PROBLEMS)
        c["positive_share"] = float_slider("positive share", positive_share, 0.02, 0.5, 0.02)
        c["seed"] = int_slider("seed", seed, 0, 99)
        c["positive"] = choice("positive class", [1], 1)
        c["threshold"] = float_slider("threshold", 0.5, 0.01, 0.99, 0.01)
        c["average"] = choice("average", metrics.AVERAGES, "binary")
        self.add_button("train", "Train model", lambda: self.train(wait=False), "play", "success",
                        "train a new model on this problem (the next seed), watched epoch by epoch")
        self.add_stop_button("stop training after this epoch")
        self.observe(self._on_problem, "problem", "positive_share", "seed")
        self.observe(lambda _: self.update(), "positive", "threshold", "average")
        self.view = MetricsView()
        view_controls = column("the model's view", c["positive"], c["threshold"], c["average"])
        rows = [row(view_controls)]
        if not own:
            rows = [row(column("problem", c["problem"], c["positive_share"], c["seed"]), view_controls),
                    row(self.buttons["train"], self.buttons["stop"])]
        self.layout(*rows, view=self.view.widget)
        self.run_number = 0                  # models trained on this problem so far (the title's "run 2")
        self.note, self._restart = "", False
        self._set_busy(False)
        if own:
            self.show(y_true, scores)
        else:
            self.train(wait=True)

    def make_problem(self):
        """(X_train, y_train), (X_test, y_test) for the chosen problem; moons are thinned to the positive share."""
        c = self.controls
        seed = c["seed"].value
        problem = PROBLEMS.index(c["problem"].value)
        c["positive_share"].disabled = problem != 0
        if problem == 0:
            X, y = dk.data.moons(**MOONS, seed=seed)
            rng = np.random.default_rng(seed)
            n_pos = round(c["positive_share"].value / (1 - c["positive_share"].value) * (y == 0).sum())
            keep = np.r_[np.flatnonzero(y == 0), rng.permutation(np.flatnonzero(y == 1))[:n_pos]]
            X, y = X[keep], y[keep]
        elif problem == 1:
            X, y = dk.data.blobs(**BLOBS, seed=seed)
        else:
            X, y = datasets.load_dataset("digits")
        d = datasets.split(X, y, TEST_SHARE, seed)
        return (d["X"], d["y"]), (d["X_val"], d["y_val"])

    # ---- training ----------------------------------------------------------------------------------------
    def _on_problem(self, _change):
        """New data: start again at run 1 (a running training starts again on the new data)."""
        if self._muted:
            return
        self.run_number = 0
        if self.running:
            self._restart = True
            return
        self.train(wait=False)

    def train(self, wait=True):
        """Train a new small MLP on the problem (30 epochs, the next seed) and show its test-set outputs, live
        while it trains; wait=False (the button) trains in the background, watched at WATCH_RATE epochs a second."""
        if self._muted:
            return False
        return self.launch(self._train, wait)

    def _train(self):
        self._restart = True
        while self._restart and not self.stopping:
            self._restart = False
            self._train_once()
        self._refresh()                  # a threshold moved after the last frame

    def _train_once(self):
        """One run: the next seed's model, a frame at most every FRAME_INTERVAL, the last epoch always drawn."""
        (X_tr, y_tr), (X_te, y_te) = self.make_problem()
        self.run_number += 1
        run, seed = self.run_number, self.controls["seed"].value + self.run_number - 1
        epochs = TRAINING["epochs"]
        model = dk.MLP([X_tr.shape[1], *HIDDEN, int(y_tr.max()) + 1], activation="relu", seed=seed)
        clock = {"frame": -math.inf, "epoch": time.perf_counter()}

        def each_epoch(epoch, model, hist):
            now = time.perf_counter()
            if self.frame_due(clock["frame"]) or epoch + 1 == epochs:
                clock["frame"] = now
                self.show(y_te, model.forward(X_te), note=self._note(run, seed, epoch + 1, len(y_te)))
            if self.watching:
                self.pause(1.0 / WATCH_RATE - (time.perf_counter() - clock["epoch"]))
            clock["epoch"] = time.perf_counter()
            return self.stopping or self._restart

        hist = dk.fit(model, X_tr, y_tr, **TRAINING, seed=seed, callbacks=[each_epoch], verbose=False)
        if hist.epochs < epochs and not self._restart:
            self.show(y_te, model.forward(X_te), note=self._note(run, seed, hist.epochs, len(y_te), stopped=True))

    @staticmethod
    def _note(run, seed, epochs, n_test, stopped=False):
        done = f"stopped at epoch {epochs} of {TRAINING['epochs']}" if stopped else \
            f"epoch {epochs} of {TRAINING['epochs']}" if epochs < TRAINING["epochs"] else f"trained {epochs} epochs"
        return f"run {run} (model seed {seed}): {done} · test set of {n_test}"

    # ---- showing -----------------------------------------------------------------------------------------
    def show(self, y_true, scores, note=""):
        """Show the metrics of labels y_true (N,) against scores (N,) / (N, C)."""
        y_true = np.asarray(y_true).astype(np.int64)
        proba = _probabilities(scores)
        if len(y_true) != len(proba):
            raise ValueError(f"y_true has {len(y_true)} labels but scores has {len(proba)} rows: one row per label")
        self.y_true, self.proba = y_true, proba
        C = proba.shape[1]
        c = self.controls
        if list(c["positive"].options) != list(range(C)):        # a new class count: its choices (else keep yours)
            with self.muted():
                c["positive"].options = list(range(C))
                c["positive"].value = 1 if C == 2 else 0
                c["average"].options = list(metrics.AVERAGES) if C == 2 else ["macro", "micro"]
                c["average"].value = c["average"].options[0]
        self.note = note
        self._refresh()

    def predictions(self):
        """Labels at the threshold: binary — class 1 where P(1) >= threshold; more classes — the argmax, except
        that the positive class wins wherever its probability reaches the threshold."""
        c = self.controls
        k, t = c["positive"].value, c["threshold"].value
        pred = self.proba.argmax(axis=1)
        if self.proba.shape[1] == 2:
            return np.where(self.proba[:, k] >= t, k, 1 - k)
        return np.where(self.proba[:, k] >= t, k, pred)

    def update(self):
        """Recompute the metrics for the current threshold and redraw (while a model trains, its next frame
        shows the change)."""
        if self._muted or self.running:
            return
        self._refresh()

    def _refresh(self):
        c = self.controls
        k, average = c["positive"].value, c["average"].value
        pred = self.predictions()
        y = self.y_true
        pos = (y == k).astype(np.int64)
        self.pr = metrics.precision_recall_curve(pos, self.proba[:, k]) if pos.any() else None
        scores = metrics.precision_recall_f1(y, pred, average=average, pos_label=k)
        self.scores = {"accuracy": metrics.accuracy(y, pred), **scores}
        self.majority = int(np.bincount(y).argmax())
        base_pred = np.full_like(y, self.majority)
        self.baseline = {"accuracy": metrics.accuracy(y, base_pred),
                         **metrics.precision_recall_f1(y, base_pred, average=average, pos_label=k)}
        self.say(f"{self.note + ' · ' if self.note else ''}threshold {c['threshold'].value:.2f} on P(class {k}) · "
                 f"accuracy {self.scores['accuracy']:.3f} (always predicting class {self.majority}: "
                 f"{self.baseline['accuracy']:.3f}) · {average} precision {scores['precision']:.3f}, recall "
                 f"{scores['recall']:.3f}, F1 {scores['f1']:.3f}")
        self.redraw()

    def draw(self):
        c = self.controls
        k, t = c["positive"].value, c["threshold"].value
        pos, predicted = self.y_true == k, self.proba[:, k] >= t
        tp = int((predicted & pos).sum())
        point = None
        if self.pr is not None:
            point = (tp / max(int(pos.sum()), 1), tp / int(predicted.sum()) if predicted.any() else 1.0)
        counts = metrics.confusion_matrix(self.y_true, self.predictions(), n_classes=self.proba.shape[1])
        run = f"run {self.run_number}" if self.run_number else ""
        self.view.show(Evaluation(counts, self.pr, point, float(pos.mean()), self.scores, self.baseline, t, k,
                                  c["average"].value, self.majority, run))
