"""dlkit.plots.evaluation: confusion matrix, precision–recall curve, score bars."""
import numpy as np

import dlkit as dk
from dlkit import plots


def test_evaluation_plots(fig):
    y = np.array([0, 0, 0, 1, 1, 1, 1, 0])
    scores = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.6])
    ax_cm, ax_pr, ax_bar = fig.subplots(1, 3)
    cm = dk.metrics.confusion_matrix(y, (scores >= 0.5).astype(int))
    plots.confusion_matrix(ax_cm, cm, heading="at 0.5")
    assert sorted(t.get_text() for t in ax_cm.texts) == sorted(str(v) for v in cm.ravel())
    p, r, _ = dk.metrics.precision_recall_curve(y, scores)
    plots.precision_recall(ax_pr, p, r, point=(0.75, 0.75), base_rate=0.5)
    plots.score_bars(ax_bar, {"accuracy": 0.75, "precision": 0.75}, reference={"accuracy": 0.5})
    assert len(ax_bar.get_legend().get_texts()) == 1
    for ax in (ax_cm, ax_pr, ax_bar):
        assert ax.get_xlabel()
    plots.to_png(fig)
