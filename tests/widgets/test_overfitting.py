"""OverfittingLab headless: early stopping restores the best weights and its marks hold the run; Train until Stop
and Stop within an epoch; settings moved mid-run apply at the next epoch (width starts again); a control moved after
a run marks the picture as the old settings' at once; random labels, digits, divergence."""
import time

import numpy as np
import pytest

import dlkit as dk
from dlkit import widgets
from dlkit.widgets import overfitting, overfitting_view
from dlkit.widgets.controls import UNTIL_STOP

from .labs import click, line, shown, wait_until

CONTROL_CHANGE_S = 0.15          # a control change redraws within this many seconds


@pytest.fixture
def trained():
    lab = widgets.OverfittingLab(train_size=30, width=64, epochs=300, patience=10, speed="fast")
    click(lab, "train")
    return lab


def _val_loss(model, data):
    P = model.predict_proba(data["X_val"])                                   # (500, C)
    return float(-np.mean(np.log(P[np.arange(len(P)), data["y_val"]])))


def test_early_stopping_restores_the_best_weights_and_the_charts_hold_the_run(trained):
    lab, h = trained, trained.hist
    b = h.best_epoch
    assert b is not None and h.stopped_early and h.epochs == b + 1 + 10 < 300 and lab.ended == overfitting.PATIENCE
    assert "no improvement for 10 epochs" in lab.status_text and "were restored" in lab.status_text
    np.testing.assert_allclose(_val_loss(lab.model, lab.data), h.val_loss[b], rtol=1e-6)    # epoch b's weights
    x, y = line(lab.view.loss, "train (eval mode)")
    np.testing.assert_allclose(x, np.arange(1, h.epochs + 1))
    np.testing.assert_allclose(y, h.train_loss)
    np.testing.assert_allclose(line(lab.view.loss, "val")[1], h.val_loss)
    np.testing.assert_allclose(line(lab.view.acc, "val")[1], h.val_acc)
    np.testing.assert_allclose(line(lab.view.gap, "val loss − train loss")[1],
                               np.array(h.val_loss) - np.array(h.train_loss))
    loss = lab.view.loss
    assert loss.window.visible and sorted(set(np.ravel(loss.window.x))) == [b + 1, h.epochs]      # patience window
    assert list(loss.points.x) == [b + 1] and list(loss.points.y) == pytest.approx([h.val_loss[b]])
    assert np.ravel(loss.marked.x).tolist() == [h.epochs] * 2 and not loss.rules.visible    # where it stopped
    assert "stopped: 10 epochs without improvement" in loss.legend_html.value
    assert "patience: 10 of 10 epochs" in loss.legend_html.value
    assert np.ravel(lab.view.acc.levels.y).tolist() == [0.5, 0.5]                             # chance, 2 classes
    assert lab.view.plane.title == f"weights of epoch {b + 1} (restored)"
    assert lab.view.plane.raster.pixels.shape[:2] == (overfitting_view.RESOLUTION,) * 2
    assert not lab.buttons["train"].disabled and lab.buttons["stop"].disabled


def test_a_control_moved_after_a_run_marks_the_picture_old_within_150_ms(trained):
    lab = trained
    assert lab.view.loss.title == "cross-entropy loss"
    new = {"width": 32, "depth": 3, "dropout": 0.2, "l1": 1e-4, "l2": 1e-3, "epochs": 500, "lr": 0.03,
           "early_stopping": False, "patience": 20}
    assert set(new) == set(overfitting.RUN_SETTINGS)
    for key, value in new.items():
        old, frames = lab.controls[key].value, lab.frames
        started = time.perf_counter()
        lab.controls[key].value = value
        took = time.perf_counter() - started
        assert lab.frames == frames + 1 and took < CONTROL_CHANGE_S, (key, took)
        assert lab.view.loss.title.endswith(overfitting.STALE) and lab.view.plane.title.endswith(overfitting.STALE)
        assert "applies to the next Train" in lab.status_text, key
        lab.controls[key].value = old                     # back: the picture is the run's again
        assert lab.view.loss.title == "cross-entropy loss" and "were restored" in lab.status_text, key


def test_a_watched_run_trains_until_stop_and_stops_within_an_epoch():
    lab = widgets.OverfittingLab(train_size=30, width=16, early_stopping=False)     # until Stop, watch speed
    assert lab.controls["epochs"].value == UNTIL_STOP
    lab.buttons["train"].click()
    wait_until(lambda: lab.hist.epochs >= 8)
    assert lab.running and lab.buttons["train"].disabled and not lab.buttons["stop"].disabled
    assert lab.view.loss.lines["val"].x.size >= 1 and lab.frames >= 3                 # frames while it trains
    lab.buttons["stop"].click()
    at_stop = lab.hist.epochs
    assert lab.wait(10) and lab.error is None
    assert lab.ended == overfitting.STOPPED and lab.hist.epochs <= at_stop + 1 and "stopped" in lab.status_text
    np.testing.assert_allclose(line(lab.view.loss, "val")[1], lab.hist.val_loss)


def test_settings_moved_mid_run_apply_at_the_next_epoch_and_are_marked():
    lab = widgets.OverfittingLab(train_size=30, width=16, early_stopping=False, lr=0.01, patience=5)
    lab.buttons["train"].click()
    wait_until(lambda: lab.hist.epochs >= 3)
    lab.controls["lr"].value = 0.03
    assert "from the next epoch" in lab.status_text
    wait_until(lambda: lab.hist.changes and lab.hist.epochs >= lab.hist.changes[0]["epoch"] + 2)
    change = lab.hist.changes[0]
    assert (change["name"], change["old"], change["new"]) == ("lr", 0.01, 0.03)
    wait_until(lambda: "lr 0.01→0.03" in list(lab.view.loss.rule_labels.text))
    wait_until(lambda: lab.hist.epochs - 1 - lab.hist.best_epoch >= 5, timeout=30)    # past patience: 5
    lab.controls["early_stopping"].value = True              # switched on now: its patience has run out
    assert lab.wait(10) and lab.error is None
    assert lab.ended == overfitting.PATIENCE and "were restored" in lab.status_text
    assert lab.hist.checkpoint["settings"]["lr"] == 0.03 and not lab.stale_settings()


def test_a_new_width_mid_run_starts_training_again():
    lab = widgets.OverfittingLab(train_size=30, width=16, early_stopping=False)
    lab.buttons["train"].click()
    wait_until(lambda: lab.hist.epochs >= 3)
    first = lab.model
    lab.controls["width"].value = 8
    wait_until(lambda: lab.model is not first and lab.hist.epochs >= 1)
    assert lab.model.sizes == [2, 8, 8, 2] and lab.running
    lab.stop()
    assert lab.wait(10) and lab.error is None


def test_random_labels_are_memorised_and_a_script_runs_200_epochs_until_stop():
    lab = widgets.OverfittingLab(train_size=30, width=128, early_stopping=False, speed="fast")
    lab.controls["random_labels"].value = True
    shuffled = lab.data["y"]
    assert lab.view.acc.title == "accuracy (random labels)"
    lab.train(wait=True)                                     # a script's "until Stop": 200 epochs
    h = lab.hist
    assert h.epochs == 200 and lab.ended == overfitting.BUDGET and not h.stopped_early
    assert h.train_acc[-1] > 0.8 and h.val_acc[-1] < 0.65     # memorised noise, learned nothing
    at = overfitting_view.would_stop(np.array(h.val_loss), 40)
    assert at and np.ravel(lab.view.loss.marked.x).tolist() == [at] * 2
    assert "early stopping (patience 40) would stop here" in lab.view.loss.legend_html.value
    lab.controls["random_labels"].value = False
    assert not np.array_equal(shuffled, lab.data["y"])
    assert np.bincount(shuffled).tolist() == np.bincount(lab.data["y"]).tolist()
    assert lab.hist.epochs == 0 and lab.view.plane.title.startswith("untrained network")     # new data: no run


@pytest.mark.filterwarnings("ignore::dlkit.training.DivergenceWarning")     # outside pytest the labs silence it
def test_digits_show_the_gap_without_a_plane_and_a_blow_up_is_marked():
    lab = widgets.OverfittingLab(dataset="digits", train_size=100, width=32, epochs=25, speed="fast")
    assert lab.controls["noise"].disabled and not shown(lab.view.plane)
    lab.train(wait=True)
    assert lab.hist.epochs == 25 and lab.model.sizes[0] == 64
    assert np.ravel(lab.view.acc.levels.y).tolist() == [0.1, 0.1]                             # 10 classes
    np.testing.assert_allclose(line(lab.view.gap, "val loss − train loss")[1],
                               np.array(lab.hist.val_loss) - np.array(lab.hist.train_loss))
    wild = widgets.OverfittingLab(lr=0.3, width=256, depth=4, epochs=50, speed="fast")
    wild.train(wait=True)
    h = wild.hist
    assert h.diverged and wild.ended == overfitting_view.DIVERGED and wild.error is None
    assert "DIVERGED" in wild.status_text and "lower the learning rate" in wild.status_text
    assert wild.view.loss.blowups.visible and list(wild.view.loss.blowups.x) == [h.diverged_at[0] + 1]


def test_would_stop_counts_as_early_stopping_does():
    values = np.array([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.77])
    assert overfitting_view.would_stop(values, 2) == 4          # epochs 3, 4 no better than epoch 2
    assert overfitting_view.would_stop(values, 3) == 8          # epochs 6, 7, 8 no better than epoch 5
    assert overfitting_view.would_stop(values, 4) is None
    model = dk.MLP([2, 4, 2], seed=0)
    X, y = dk.data.moons(n_samples=60, seed=0)
    h = dk.fit(model, X[:40], y[:40], optimizer="adam", lr=0.05, epochs=200, val=(X[40:], y[40:]),
               callbacks=[dk.EarlyStopping(patience=3)], verbose=False)
    assert overfitting_view.would_stop(np.array(h.val_loss), 3) == h.epochs
