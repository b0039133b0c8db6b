"""MetricsPanel headless: the charts hold the metrics of the model's test outputs; the threshold trades precision
for recall; every Train is a new, visibly different run, drawn live and stoppable; the class count may change;
your own scores."""
import time

import numpy as np
import pytest

from dlkit import metrics, widgets

from .labs import click, tree, wait_until


@pytest.fixture(scope="module")
def lab():
    return widgets.MetricsPanel(positive_share=0.1)


def _pictures(lab):
    """The arrays the charts were handed: cell colours, counts, the PR curve, the bars."""
    v = lab.view
    return (np.asarray(v.matrix.cells.color, np.float64).copy(), v.matrix.shown.copy(),
            np.asarray(v.pr.curve.x, np.float64).copy(), np.asarray(v.pr.curve.y, np.float64).copy(),
            np.asarray(v.bars.bars.y, np.float64).copy())


def test_the_charts_hold_the_metrics_of_the_test_outputs(lab):
    lab.controls["threshold"].value = 0.5
    y, pred = lab.y_true, lab.predictions()
    np.testing.assert_array_equal(lab.view.matrix.shown, metrics.confusion_matrix(y, pred, n_classes=2))
    precision, recall, _ = metrics.precision_recall_curve((y == 1).astype(int), lab.proba[:, 1])
    np.testing.assert_allclose(lab.view.pr.curve.x, recall)
    np.testing.assert_allclose(lab.view.pr.curve.y, precision)
    assert lab.view.pr.curve.interpolation == "step-after"                     # as scikit-learn draws it
    assert float(lab.view.pr.base.y[0]) == pytest.approx((y == 1).mean())
    bars = np.asarray(lab.view.bars.bars.y)
    np.testing.assert_allclose(bars[0], [lab.scores[k] for k in ("accuracy", "precision", "recall", "f1")])
    np.testing.assert_allclose(bars[1], [lab.baseline[k] for k in ("accuracy", "precision", "recall", "f1")])
    assert lab.view.matrix.title.startswith(f"run {lab.run_number}: confusion matrix at threshold 0.50")


def test_the_threshold_trades_precision_for_recall_and_redraws_at_once(lab):
    lab.controls["threshold"].value = 0.1
    low, counts = dict(lab.scores), lab.view.matrix.shown.copy()
    frames, started = lab.frames, time.perf_counter()
    lab.controls["threshold"].value = 0.9
    assert lab.frames == frames + 1 and time.perf_counter() - started < 0.5        # ~2 ms on a quiet machine
    high = dict(lab.scores)
    assert low["recall"] >= high["recall"] and low["precision"] <= high["precision"]
    assert not np.array_equal(lab.view.matrix.shown, counts)
    assert float(lab.view.pr.point.x[0]) == pytest.approx(high["recall"])
    assert lab.baseline["accuracy"] == pytest.approx(0.9, abs=0.02)
    lab.controls["threshold"].value = 0.5


def test_a_second_train_is_a_new_run_that_changes_the_pictures(lab):
    before, run = _pictures(lab), lab.run_number
    frames = click(lab, "train")
    assert frames >= 10                                       # drawn live, epoch by epoch
    assert lab.run_number == run + 1 and f"run {run + 1} (model seed {run})" in lab.status_text
    assert lab.view.matrix.title.startswith(f"run {run + 1}:") and lab.view.pr.title.startswith(f"run {run + 1}:")
    after = _pictures(lab)
    assert not np.array_equal(before[2], after[2]) or not np.array_equal(before[3], after[3])   # the PR curve
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))


def test_stop_stops_training_within_an_epoch(lab):
    lab.buttons["train"].click()                              # watched: about 25 epochs a second
    wait_until(lambda: "epoch 3 of" in lab.status_text, timeout=20)
    lab.stop()
    assert lab.wait(2) and lab.error is None
    assert "stopped at epoch" in lab.status_text
    stopped_at = int(lab.status_text.split("stopped at epoch ")[1].split()[0])
    assert 3 <= stopped_at <= 5 and not lab.buttons["train"].disabled


def test_a_problem_moved_while_training_starts_again_on_the_new_data(lab):
    lab.buttons["train"].click()
    wait_until(lambda: "epoch 2 of" in lab.status_text, timeout=20)
    lab.controls["problem"].value = "three blobs"
    assert lab.wait(30) and lab.error is None
    assert lab.proba.shape[1] == 3 and lab.run_number == 1 and "run 1 (model seed 0): trained 30" in lab.status_text
    lab.controls["problem"].value = "imbalanced moons"
    assert lab.wait(30)


def test_a_new_problem_starts_again_at_run_one_and_the_class_count_may_change(lab):
    for problem, classes in (("three blobs", 3), ("ten digits", 10), ("imbalanced moons", 2)):
        lab.controls["problem"].value = problem
        assert lab.wait(30) and lab.error is None
        assert lab.proba.shape[1] == classes and lab.run_number == 1
        assert np.asarray(lab.view.matrix.cells.color).shape == (classes, classes)
        assert lab.view.matrix.shown.sum() == len(lab.y_true)
    assert lab.controls["average"].value == "binary" and lab.controls["positive"].value == 1


def test_metrics_panel_on_your_own_scores():
    y = np.array([0, 1, 1, 0, 1, 0, 0, 0])
    logits = np.array([-2.0, 1.0, 0.5, 0.2, -0.1, -1.0, -3.0, 0.4])
    lab = widgets.MetricsPanel(y_true=y, scores=logits)
    assert lab.proba.shape == (8, 2) and lab.buttons["train"] not in tree(lab.ui)
    np.testing.assert_array_equal(lab.predictions(), (logits >= 0).astype(int))
    assert lab.view.matrix.title == "confusion matrix at threshold 0.50"
    np.testing.assert_array_equal(lab.view.matrix.shown, [[3, 2], [1, 2]])        # predicted 1 where logit >= 0
    with pytest.raises(ValueError, match="8 labels but scores has 3 rows"):
        lab.show(y, logits[:3])
