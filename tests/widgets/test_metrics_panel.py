"""MetricsPanel headless: the threshold trades precision for recall; your own scores."""
import numpy as np
import pytest

from dlkit import widgets

from .labs import tree


def test_metrics_panel_threshold_trades_precision_for_recall():
    lab = widgets.MetricsPanel(positive_share=0.1)
    lab.controls["threshold"].value = 0.1
    low = dict(lab.scores)
    lab.controls["threshold"].value = 0.9
    high = dict(lab.scores)
    assert low["recall"] >= high["recall"] and low["precision"] <= high["precision"]
    assert lab.baseline["accuracy"] == pytest.approx(0.9, abs=0.02)
    lab.controls["problem"].value = "three blobs"
    assert lab.proba.shape[1] == 3 and lab.controls["average"].value == "macro" and lab.error is None


def test_metrics_panel_on_your_own_scores():
    y = np.array([0, 1, 1, 0, 1, 0, 0, 0])
    logits = np.array([-2.0, 1.0, 0.5, 0.2, -0.1, -1.0, -3.0, 0.4])
    lab = widgets.MetricsPanel(y_true=y, scores=logits)
    assert lab.proba.shape == (8, 2) and lab.buttons["train"] not in tree(lab.ui)
    np.testing.assert_array_equal(lab.predictions(), (logits >= 0).astype(int))
