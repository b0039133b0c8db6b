"""BatchSizeLab headless: one run per batch size, all side by side, the budget in epochs or steps; every panel holds
what the runs produced, live while they train; Stop, a restart on a moved setting, the old-settings cue after a
sweep, divergence."""
import time

import numpy as np
import pytest

import dlkit as dk
from dlkit import diagnosis, widgets
from dlkit.live import sweep
from dlkit.widgets import batch_size, batch_size_view
from dlkit.widgets.batch_size_view import EXAMPLES, SECONDS, STEPS

from .labs import click, line, wait_until

CONTROL_CHANGE_S = 0.15          # a control change redraws within this many seconds


@pytest.fixture(scope="module")
def swept():
    lab = widgets.BatchSizeLab(n_samples=200, amount=2)
    click(lab, "run")
    return lab


def test_batch_size_lab_sweeps_every_size(swept):
    lab = swept
    assert lab.sizes == [1, 4, 16, 64, 160]
    rows = lab.summary()
    assert list(rows) == lab.sizes
    assert [r["iterations_per_epoch"] for r in rows.values()] == [160, 40, 10, 3, 1]
    assert rows[1]["noise"] > rows[160]["noise"]
    assert all(r["epochs"] == 2 for r in rows.values())
    assert "best val accuracy" in lab.status_text and "B=1: 320 steps" in lab.status_text


def test_every_panel_holds_what_the_runs_produced(swept):
    lab, rows = swept, swept.summary()
    h4, h1 = lab.results[4], lab.results[1]
    assert lab.controls["highlight"].value == 4
    x, y = line(lab.view.steps, "B=4 (every step)")                     # 80 steps: none thinned out
    np.testing.assert_allclose(y, h4.step_loss)
    np.testing.assert_allclose(x, 4 * np.arange(1, 81))                  # examples seen
    np.testing.assert_allclose(batch_size_view.step_x(lab.results[64], EXAMPLES, 160),
                               [64, 128, 160, 224, 288, 320])            # the short last batch counted exactly
    xt, trend = line(lab.view.steps, "B=1 (avg)")
    w = 320 // batch_size_view.TREND_POINTS
    np.testing.assert_allclose(trend, np.convolve(h1.step_loss, np.ones(w) / w, mode="valid"))
    np.testing.assert_allclose(xt, np.arange(w, 321))
    sizes = np.array(lab.sizes, float)
    np.testing.assert_allclose(lab.view.noise.line.x, sizes[:-1])
    np.testing.assert_allclose(lab.view.noise.line.y, [diagnosis.loss_noise(h.step_loss) for h in
                                                       list(lab.results.values())[:-1]])    # 2 steps: noise 0, left out
    np.testing.assert_allclose(lab.view.cost.line.y, [160, 40, 10, 3, 1])
    np.testing.assert_allclose(lab.view.cost.right_line.y, [1e3 * rows[b]["seconds_per_epoch"] for b in lab.sizes])
    np.testing.assert_allclose(lab.view.acc.line.y, [rows[b]["val_acc"] for b in lab.sizes])
    assert list(lab.view.acc.ring.x) == [4.0] and list(lab.view.acc.x_axis.tick_values) == list(sizes)
    assert sweep.spread_ticks([1, 4, 16, 64, 256, 480]) == [1, 4, 16, 64, 480]        # 256 and 480 would overlap


def test_display_controls_redraw_at_once(swept):
    lab = swept
    for key, value in (("highlight", 16), ("x_axis", STEPS), ("x_axis", SECONDS)):
        frames, started = lab.frames, time.perf_counter()
        lab.controls[key].value = value
        assert lab.frames == frames + 1 and time.perf_counter() - started < CONTROL_CHANGE_S
    x, y = line(lab.view.steps, "B=16 (every step)")
    h = lab.results[16]
    np.testing.assert_allclose(y, h.step_loss)
    assert np.all(np.diff(x) > 0) and x[-1] == pytest.approx(h.time[-1]) and x[9] == pytest.approx(h.time[0])
    assert lab.view.steps.x_axis.label == SECONDS
    lab.controls["x_axis"].value = STEPS
    np.testing.assert_allclose(line(lab.view.steps, "B=16 (every step)")[0], np.arange(1, 21))
    lab.controls["x_axis"].value, lab.controls["highlight"].value = EXAMPLES, 4


def test_a_setting_moved_after_a_sweep_marks_the_picture_old(swept):
    lab = swept
    for key, value in (("lr", 0.1), ("optimizer", "sgd"), ("amount", 3)):
        old, frames, started = lab.controls[key].value, lab.frames, time.perf_counter()
        lab.controls[key].value = value
        assert lab.frames >= frames + 1 and time.perf_counter() - started < CONTROL_CHANGE_S, key
        assert lab.view.steps.title.endswith(batch_size.STALE) and lab.view.acc.title.endswith(batch_size.STALE)
        assert "applies to the next sweep" in lab.status_text, key
        lab.controls[key].value = old
        assert lab.view.steps.title == "mini-batch loss at every step" and "best val accuracy" in lab.status_text
    lab.controls["budget"].value = "optimizer steps"
    assert lab.controls["amount"].value == 500 and lab.controls["amount"].description == "optimizer steps"
    assert lab.view.steps.title.endswith(batch_size.STALE)
    assert lab.epochs_for(1) == 3 and lab.epochs_for(160) == 500
    lab.controls["budget"].value = "epochs"
    lab.controls["amount"].value = 2
    assert not lab.stale_settings()


def test_a_watched_sweep_trains_every_size_side_by_side_and_stops_within_an_epoch():
    lab = widgets.BatchSizeLab(n_samples=200, amount=60)                 # watch speed: 25 epochs a second
    lab.buttons["run"].click()
    wait_until(lambda: lab.results and min(h.epochs for h in lab.results.values()) >= 3)
    assert lab.running and lab.frames >= 3
    epochs = [h.epochs for h in lab.results.values()]
    assert max(epochs) - min(epochs) <= 1                                # side by side, not one after the other
    wait_until(lambda: len(lab.view.acc.line.x) == 5)                    # every size on the live panels
    lab.buttons["stop"].click()
    at_stop = max(h.epochs for h in lab.results.values())
    assert lab.wait(10) and lab.error is None
    assert all(h.stopped_early and h.epochs <= at_stop + 1 for h in lab.results.values())
    assert "stopped" in lab.status_text


def test_a_setting_moved_mid_sweep_starts_it_again():
    lab = widgets.BatchSizeLab(n_samples=200, amount=60)
    lab.buttons["run"].click()
    wait_until(lambda: lab.results and lab.results[1].epochs >= 2)
    first = lab.runs[1]
    lab.controls["lr"].value = 0.03
    assert "starts again" in lab.status_text
    wait_until(lambda: lab.runs.get(1) is not first and lab.runs[1].epochs >= 1)
    assert lab.running and lab.swept_with["lr"] == 0.03
    lab.stop()
    assert lab.wait(10) and lab.error is None


@pytest.mark.filterwarnings("ignore::dlkit.training.DivergenceWarning")
def test_a_diverging_batch_size_is_marked_where_it_blew_up():
    lab = widgets.BatchSizeLab(n_samples=200, amount=5, lr=1.0, speed="fast")
    lab.run(wait=True)
    blown = [b for b, h in lab.results.items() if h.diverged]
    assert blown and "DIVERGED with batch size" in lab.status_text and lab.error is None
    assert lab.view.steps.blowups.visible and len(lab.view.steps.blowups.x) == len(blown)


def test_bad_input_says_what_is_allowed():
    with pytest.raises(ValueError, match="budget must be one of 'epochs', 'optimizer steps'"):
        widgets.BatchSizeLab(budget="minutes")
    with pytest.raises(ValueError, match="x_axis must be one of"):
        batch_size_view.step_x(dk.History(), "epochs", 160)
