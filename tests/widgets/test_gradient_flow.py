"""GradientFlowLab headless: the charts hold the statistics the engine recorded, frames come from inside the
epoch, Stop and a mid-run learning rate act at the next epoch, and the issue-16 bugs (a healthy line beside dead
units, crowded layer ticks) are gone."""
import re

import numpy as np

from dlkit import widgets
from dlkit.live.bars import shares
from dlkit.plots.layer_stats import shown_layers

from .labs import click, line, wait_until


def _legend(panel):
    """The labels of a panel's legend row, in order."""
    return re.findall(r"<span style='font-size:[^']*'>([^<]*)</span>", panel.legend_html.value)


def _bars(lab):
    return np.atleast_2d(np.asarray(lab.view.units.bars.y, np.float64))


def test_gradient_flow_lab_diagnoses_and_trains():
    lab = widgets.GradientFlowLab(depth=12, width=32, activation="sigmoid", epochs=2, lr=0.1, speed="fast")
    assert "vanishing" in lab.diagnosis.value
    assert lab.view.units.title.startswith("saturated sigmoid")
    frames = lab.frames
    lab.controls["activation"].value = "relu"                    # redraws at once
    assert lab.frames == frames + 1 and "vanishing" not in lab.diagnosis.value
    assert lab.view.units.title.startswith("dead relu")
    assert click(lab, "train") >= 2
    assert lab.hist.epochs == 2 and len(lab.hist.layer_stats) >= 8
    assert len(lab.hist.layer_stats[-1]["update_ratio"]) == 13
    lab.controls["depth"].value = 3                              # back to the untrained network
    assert lab.hist.epochs == 0 and len(lab.snap["h"]) == 4
    assert "press Train" in lab.view.updates.title


def test_the_charts_hold_the_recorded_statistics():
    lab = widgets.GradientFlowLab(depth=6, width=16, activation="relu", init="he_normal", epochs=1, speed="fast")
    lab.train(wait=True)
    records, view = lab.hist.layer_stats, lab.view
    last = records[-1]
    its = [r["iteration"] for r in records]
    for k in shown_layers(7):
        name = "output layer" if k == 6 else f"layer {k + 1}"
        x, y = view.signal.row(name)
        assert list(x) == its and np.allclose(y, [r["signal_std"][k] for r in records])
        assert np.allclose(view.updates.row(name)[1], [r["update_ratio"][k] for r in records])
    assert np.allclose(line(view.updates, "≈1e-3: healthy")[1], 1e-3)
    assert np.allclose(view.profile.row("activations h")[1], last["act_std"])
    assert np.allclose(view.profile.row("weight gradient dW")[1], last["grad_std"])
    np.testing.assert_allclose(_bars(lab)[0], last["dead"][:6])
    # the histograms: the snapshot of the trained network, binned
    edges = np.asarray(view.activations.lines.x)
    heights = np.asarray(view.activations.lines.y)[:, :-1]
    np.testing.assert_allclose(heights[0], shares(lab.snap["h"][0], edges))
    assert "vanishing" not in lab.diagnosis.value
    last["signal_std"] = [1e-9, *last["signal_std"][1:]]        # as if layer 1 got no gradient in the last step
    lab.measure()
    assert "layer 1 gets" in lab.diagnosis.value and "vanishing" in lab.diagnosis.value


def test_frames_come_from_inside_the_epoch():
    lab = widgets.GradientFlowLab(depth=50, width=16, activation="relu", epochs=1, speed="fast")
    seen = []
    draw = lab.draw
    lab.draw = lambda: (seen.append((lab.hist.epochs, len(lab.records()))), draw())
    lab.train(wait=True)
    inside = [n for epochs, n in seen if epochs == 0 and n > 0]
    assert inside and inside[0] == 1                       # the first record of epoch 1 was a frame at once
    assert seen[-1] == (1, len(lab.hist.layer_stats))       # and the last frame shows the whole run
    assert len(lab.snap["dW"]) == 51


def test_a_watched_deep_run_leaves_the_page_time_to_draw_each_frame():
    """At "watch" speed a frame is followed by PAGE_TIME of waiting (the browser's core); at "fast", or run from
    a script, it trains on at once."""
    from dlkit.widgets import gradient_flow

    for speed, clicked, waits in (("watch", True, True), ("fast", True, False), ("watch", False, False)):
        lab = widgets.GradientFlowLab(depth=20, width=16, epochs=2, speed=speed)
        paused = []
        lab.pause = paused.append
        click(lab, "train") if clicked else lab.train(wait=True)
        after_frames = paused.count(gradient_flow.PAGE_TIME)
        assert after_frames >= 1 if waits else after_frames == 0, (speed, clicked, paused)


def test_stop_and_a_new_learning_rate_act_at_the_next_epoch():
    lab = widgets.GradientFlowLab(depth=4, width=16, activation="tanh", epochs=50, lr=0.05, speed="watch")
    lab.buttons["train"].click()                            # paced: about 25 epochs a second
    wait_until(lambda: lab.hist.epochs >= 1)
    lab.controls["lr"].value = 0.1
    assert "applies from the next epoch" in lab.status_text
    wait_until(lambda: lab.hist.changes)
    lab.buttons["stop"].click()
    at_stop = lab.hist.epochs
    assert lab.wait(10) and lab.error is None
    assert lab.hist.epochs <= at_stop + 1 < 50 and lab.hist.stopped_early
    change = lab.hist.changes[0]
    assert change["name"] == "lr" and change["new"] == 0.1
    marked = change["epoch"] * lab.hist.iterations_per_epoch
    assert marked in list(np.atleast_1d(lab.view.updates.rule_labels.x))
    assert "lr 0.05→0.1" in list(np.atleast_1d(lab.view.signal.rule_labels.text))


def test_a_diverging_run_is_marked_where_it_blew_up():
    lab = widgets.GradientFlowLab(depth=10, activation="relu", weight_scale=2.0, lr=1.0, epochs=3, speed="fast")
    lab.train(wait=True)
    assert lab.hist.diverged and "DIVERGED" in lab.status_text
    assert lab.view.signal.blowups.visible
    assert list(np.atleast_1d(lab.view.signal.blowups.x)) == [lab.hist.diverged_at[1]]


def test_the_diagnosis_names_the_dead_units_the_bars_show():
    # issue 16: "healthy: ... no layer saturated or dead" beside bars of 5-18 % dead units (relu, auto init)
    lab = widgets.GradientFlowLab(depth=10, activation="relu", init="auto")
    dead = _bars(lab)[0]
    assert dead.max() >= 5
    text = lab.diagnosis.value
    assert "no layer saturated or dead" not in text
    assert f"dead units in {(dead >= 1).sum()} of 10 layers, at most {dead.max():.0f}%" in text


def test_layer_ticks_are_round_and_sparse_at_every_depth():
    lab = widgets.GradientFlowLab(depth=30, width=16, activation="tanh")
    assert lab.view.units.labelled() == ["1", "5", "10", "15", "20", "25", "30"]
    assert list(lab.view.profile.x_axis.tick_values) == [1, 5, 10, 15, 20, 25, 30]
    lab.controls["depth"].value = 50
    assert lab.view.units.labelled() == ["1", "10", "20", "30", "40", "50"]
    lab.controls["depth"].value = 10
    assert lab.view.units.labelled() == ["2", "4", "6", "8", "10"]
    assert (lab.view.profile.x.min, lab.view.profile.x.max) == (0.5, 11.5)


def test_record_arrays_grow_with_the_run_and_start_again_with_a_new_one():
    from dlkit.widgets.gradient_flow_view import RecordArrays
    arrays = RecordArrays("signal_std")
    run = [{"iteration": i, "signal_std": [i, 2 * i]} for i in (1, 2)]
    its, values = arrays.update(run)
    assert list(its) == [1, 2] and values.tolist() == [[1, 2], [2, 4]]
    run.append({"iteration": 3, "signal_std": [3, 6]})
    assert arrays.update(run)[1].tolist() == [[1, 2], [2, 4], [3, 6]]
    other = [{"iteration": 5, "signal_std": [7, 8, 9]}]
    its, values = arrays.update(other)
    assert list(its) == [5] and values.tolist() == [[7, 8, 9]]


def test_controls_moved_while_it_trains_say_when_they_apply():
    lab = widgets.GradientFlowLab(depth=3, width=16, epochs=50, speed="watch")
    lab.buttons["train"].click()
    try:
        wait_until(lambda: lab.hist.epochs >= 1)
        lab.controls["batch_size"].value = 128
        assert "applies to the next run" in lab.status_text
        lab.controls["depth"].value = 5
        assert "applies to the next run" in lab.status_text and lab.model.n_layers == 4
    finally:
        lab.stop()
        assert lab.wait(10)
    lab.controls["optimizer"].value = "adam"
    assert "applies when you press Train" in lab.status_text


def test_histograms_name_and_colour_the_same_layers_and_no_hidden_layer_is_called_output():
    # a depth-50 tanh net showed activations "layer 1, 11, 21, 30, 40, output" beside gradients "1, 11, 21,
    # 31, 41, output": the 50th hidden layer was named output
    lab = widgets.GradientFlowLab(depth=50, width=16, activation="tanh")
    shown_acts, shown_grads = _legend(lab.view.activations), _legend(lab.view.gradients)
    assert shown_grads == ["layer 1", "11", "21", "31", "41", "output"]
    assert shown_acts == shown_grads[:-1]


def test_a_few_percent_of_saturated_units_are_not_drawn_on_a_0_to_100_scale():
    lab = widgets.GradientFlowLab(depth=10, width=16, activation="tanh")
    top = lab.view.units.y.max
    assert 10 <= top <= 20 and _bars(lab).max() <= top                 # 0-10 % shows 2 %; 0-100 % hid it
