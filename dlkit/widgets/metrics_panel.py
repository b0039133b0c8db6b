"""MetricsPanel: a classifier's confusion matrix, precision, recall and F1, and how a decision threshold trades
them — on an imbalanced problem, where accuracy misleads.

    from dlkit.widgets import MetricsPanel
    MetricsPanel()                                  # trains a small model on imbalanced moons
    MetricsPanel(y_true=y_val, scores=model.forward(X_val))    # or shows your own model's outputs
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

import dlkit as dk

from .. import metrics, plots
from . import base, datasets
from .controls import choice, column, float_slider, int_slider

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

    figsize = (11.0, 3.6)
    name = "metrics"

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
        # training this small model is quick, so even the button trains synchronously
        self.add_button("train", "Train model", self.train, "play", "success", "train the classifier on this problem")
        self.observe(lambda _: self.train(), "problem", "positive_share", "seed")
        self.observe(lambda _: self.update(), "positive", "threshold", "average")
        rows = [W.HBox([column("the model's view", c["positive"], c["threshold"], c["average"])])]
        if not own:
            rows = [W.HBox([column("problem", c["problem"], c["positive_share"], c["seed"]),
                            column("the model's view", c["positive"], c["threshold"], c["average"])]),
                    W.HBox([self.buttons["train"]])]
        self.layout(*rows)
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

    def train(self, wait=True):
        """Train a small MLP on the problem (30 epochs) and show its test-set outputs."""
        if self._muted:
            return False
        return self.launch(self._train, wait)

    def _train(self):
        (X_tr, y_tr), (X_te, y_te) = self.make_problem()
        self.say("training the classifier…")
        model = dk.MLP([X_tr.shape[1], *HIDDEN, int(y_tr.max()) + 1], activation="relu",
                       seed=self.controls["seed"].value)
        hist = dk.fit(model, X_tr, y_tr, **TRAINING, seed=self.controls["seed"].value, verbose=False)
        self.show(y_te, model.forward(X_te), note=f"trained {hist.epochs} epochs · test set of {len(y_te)}")

    def show(self, y_true, scores, note=""):
        """Show the metrics of labels y_true (N,) against scores (N,) / (N, C)."""
        self.y_true = np.asarray(y_true).astype(np.int64)
        self.proba = _probabilities(scores)
        C = self.proba.shape[1]
        c = self.controls
        with self.muted():
            c["positive"].options = list(range(C))
            c["positive"].value = 1 if C == 2 else 0
            c["average"].options = list(metrics.AVERAGES) if C == 2 else ["macro", "micro"]
            c["average"].value = c["average"].options[0]
        self.note = note
        self.update()

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
        """Recompute the metrics for the current threshold and redraw."""
        if self._muted:
            return
        c = self.controls
        k, average = c["positive"].value, c["average"].value
        pred = self.predictions()
        y = self.y_true
        pos = (y == k).astype(np.int64)
        self.pr = metrics.precision_recall_curve(pos, self.proba[:, k]) if pos.any() else None
        scores = metrics.precision_recall_f1(y, pred, average=average, pos_label=k)
        self.scores = {"accuracy": metrics.accuracy(y, pred), **scores}
        majority = np.bincount(y).argmax()
        base_pred = np.full_like(y, majority)
        self.baseline = {"accuracy": metrics.accuracy(y, base_pred),
                         **metrics.precision_recall_f1(y, base_pred, average=average, pos_label=k)}
        self.say(f"{self.note} · threshold {c['threshold'].value:.2f} on P(class {k}) · accuracy "
                 f"{self.scores['accuracy']:.3f} (always predicting class {majority}: "
                 f"{self.baseline['accuracy']:.3f}) · {average} precision {scores['precision']:.3f}, recall "
                 f"{scores['recall']:.3f}, F1 {scores['f1']:.3f}")
        self.redraw()

    def draw(self, fig):
        c = self.controls
        k, t = c["positive"].value, c["threshold"].value
        ax_cm, ax_pr, ax_bar = self.subplots(fig, 1, 3)
        cm = metrics.confusion_matrix(self.y_true, self.predictions(), n_classes=self.proba.shape[1])
        plots.confusion_matrix(ax_cm, cm, heading=f"confusion matrix at threshold {t:.2f}")
        if self.pr is not None:
            precision, recall, _ = self.pr
            pos = self.y_true == k
            predicted = self.proba[:, k] >= t
            tp = int((predicted & pos).sum())
            point = (tp / max(int(pos.sum()), 1), tp / max(int(predicted.sum()), 1) if predicted.any() else 1.0)
            plots.precision_recall(ax_pr, precision, recall, point=point, base_rate=float(pos.mean()),
                                   point_label=f"threshold {t:.2f}")
        plots.title(ax_pr, f"class {k} against the rest")
        plots.score_bars(ax_bar, self.scores, reference=self.baseline)
        plots.title(ax_bar, f"scores ({c['average'].value} average)")
