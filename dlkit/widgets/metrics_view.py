"""What the MetricsPanel shows, live in the browser: the confusion matrix at the threshold, the precision–recall
curve of the positive class with the threshold's point, and the scores beside those of always predicting the
majority class. Every title names the run it shows (run 2 is the second model trained on this problem)."""
from __future__ import annotations

from dataclasses import dataclass

from .. import live
from ..live.precision_recall import PrecisionRecall
from ..plots.palette import BLUE, VERMILLION

SCORES = ("accuracy", "precision", "recall", "f1")


@dataclass
class Evaluation:
    """One frame of the panel: counts (C, C) at the threshold; pr = (precision (K,), recall (K,), thresholds) or
    None; point (recall, precision) at the threshold or None; base_rate the positive share; scores and baseline
    {name: value}; run the title's prefix ("run 2", or "" for your own scores)."""

    counts: object
    pr: object
    point: object
    base_rate: float
    scores: dict
    baseline: dict
    threshold: float
    positive: int
    average: str
    majority: int
    run: str = ""


class MetricsView:
    """The panel's live charts; :meth:`show` hands them an :class:`Evaluation`."""

    def __init__(self):
        self.matrix = live.Matrix()
        self.pr = PrecisionRecall()
        self.bars = live.BarChart("scores", "score (0 to 1)", y_range=(0.0, 1.0))
        self.widget = live.row(self.matrix, self.pr, self.bars)
        self.widget.add_class("dlkit-live")

    def show(self, e):
        prefix = f"{e.run}: " if e.run else ""
        self.matrix.title = f"{prefix}confusion matrix at threshold {e.threshold:.2f}"
        self.matrix.show(e.counts)
        precision, recall = (e.pr[0], e.pr[1]) if e.pr is not None else (None, None)
        self.pr.title = f"{prefix}class {e.positive} against the rest"
        self.pr.show(precision, recall, point=e.point, point_label=f"threshold {e.threshold:.2f}",
                     base_rate=e.base_rate)
        self.bars.title = f"{prefix}scores ({e.average} average)"
        self.bars.show(list(SCORES), [[e.scores[k] for k in SCORES], [e.baseline[k] for k in SCORES]],
                       ["this model", f"always class {e.majority}"], [BLUE, VERMILLION])
