"""Playground headless: Train until Stop or a budget, settings moved mid-run, Step, Stop, twin runs, valid controls,
PyTorch export, your own data, the last panel; the live charts hold what the engine produced."""
import numpy as np
import pytest

import dlkit as dk
from dlkit import widgets
from dlkit.widgets import controls, playground, playground_view

from .labs import click, line, shown, wait_until


@pytest.fixture
def pg():
    return widgets.Playground(n_samples=300, epochs=15, hidden_layers=1, width=8, speed="fast")


def test_playground_train_button_trains_and_the_charts_hold_the_history(pg):
    assert pg.frames == 1 and "press Train" in pg.status_text
    pg.controls["seed"].value = 3
    assert pg.frames == 2                                # a control change shows the untrained network again
    assert click(pg, "train") >= 1
    run = pg.runs["A"]
    h = run.hist
    assert h.epochs == 15 and h.iterations[-1] == 15 * h.iterations_per_epoch
    assert h.layer_stats and h.train_loss[-1] < h.train_loss[0]
    x, y = line(pg.view.loss, "train")
    np.testing.assert_allclose(x, np.arange(1, 16))
    np.testing.assert_allclose(y, h.train_loss)
    np.testing.assert_allclose(line(pg.view.acc, "val")[1], h.val_acc)
    plane = pg.view.planes["A"]
    np.testing.assert_allclose(plane.train.x, run.data["X"][:, 0])
    assert plane.raster.pixels.shape[:2] == (playground_view.BOUNDARY_RESOLUTION,) * 2
    assert "epoch 15/15" in pg.status_text and "iterations per epoch" in pg.status_text
    assert not pg.buttons["train"].disabled and pg.buttons["stop"].disabled


def test_playground_trains_until_stop_and_stops_within_an_epoch():
    lab = widgets.Playground(n_samples=300, hidden_layers=1, width=8)        # epochs: until Stop, watch speed
    assert lab.controls["epochs"].value == controls.UNTIL_STOP
    lab.buttons["train"].click()
    assert lab.running and lab.buttons["train"].disabled and not lab.buttons["stop"].disabled
    wait_until(lambda: "A" in lab.runs and lab.runs["A"].epochs >= 10)
    assert lab.running                                   # no budget: still training
    lab.buttons["stop"].click()
    at_stop = lab.runs["A"].epochs
    assert lab.wait(10) and lab.error is None
    hist = lab.runs["A"].hist
    assert hist.stopped_early and hist.epochs <= at_stop + 1 and "stopped" in lab.status_text


def test_a_learning_rate_moved_mid_run_reaches_the_optimizer_at_the_next_epoch_and_is_marked():
    lab = widgets.Playground(n_samples=300, hidden_layers=1, width=8, lr=0.01)
    lab.buttons["train"].click()
    wait_until(lambda: "A" in lab.runs and lab.runs["A"].epochs >= 5)
    lab.controls["lr"].value = 0.1
    assert "from the next epoch" in lab.status_text
    wait_until(lambda: lab.runs["A"].hist.changes and lab.runs["A"].epochs >= lab.runs["A"].hist.changes[0]["epoch"]
               + 3)
    lab.stop()
    assert lab.wait(10) and lab.error is None
    run = lab.runs["A"]
    change = run.hist.changes[0]
    assert (change["name"], change["old"], change["new"]) == ("lr", 0.01, 0.1)
    assert run.hist.checkpoint["settings"]["lr"] == 0.1                          # the optimizer ran with it
    assert list(lab.view.loss.rule_labels.text) == ["lr 0.01→0.1"]
    assert list(np.ravel(lab.view.loss.rules.x)) == [change["epoch"]] * 2   # one rule: bqplot keeps it 1-D


def test_a_structural_change_mid_run_starts_training_again():
    lab = widgets.Playground(n_samples=300, hidden_layers=1, width=8)
    lab.buttons["train"].click()
    wait_until(lambda: "A" in lab.runs and lab.runs["A"].epochs >= 3)
    first = lab.runs["A"]
    lab.controls["width"].value = 4
    wait_until(lambda: lab.runs.get("A") is not first and lab.runs["A"].epochs >= 1)
    assert lab.runs["A"].model.sizes == [2, 4, 2] and lab.running
    lab.stop()
    assert lab.wait(10) and lab.error is None


def test_playground_step_is_exactly_the_epoch_train_would_run(pg):
    click(pg, "step")
    model = pg.runs["A"].model
    for _ in range(2):
        click(pg, "step")
    stepped = pg.runs["A"].hist
    assert stepped.epochs == 3 and pg.runs["A"].model is model        # the same run went on (no replay)
    weights = model.theta.copy()
    pg.controls["epochs"].value = 10
    click(pg, "train")
    np.testing.assert_array_equal(stepped.train_loss, pg.runs["A"].hist.train_loss[:3])
    np.testing.assert_array_equal(stepped.step_loss, pg.runs["A"].hist.step_loss[:len(stepped.step_loss)])
    assert pg.runs["A"].hist.epochs == 10 and not np.array_equal(weights, pg.runs["A"].model.theta)
    pg.controls["width"].value = 4                                     # changed structure: Step starts afresh
    click(pg, "step")
    assert pg.runs["A"].hist.epochs == 1


@pytest.mark.filterwarnings("ignore::dlkit.training.DivergenceWarning")     # outside pytest the labs silence it
@pytest.mark.parametrize("activation, optimizer, why", [("linear", "sgd", dk.training.NON_FINITE),
                                                        ("tanh", "momentum", dk.training.EXPLODED)])
def test_playground_divergence_is_shown_where_it_blew_up(activation, optimizer, why):
    lab = widgets.Playground(n_samples=300, activation=activation, optimizer=optimizer, lr=10.0, epochs=50,
                             speed="fast")
    lab.train(wait=True)
    hist = lab.runs["A"].hist
    assert hist.diverged and hist.divergence in (why, dk.training.NON_FINITE) and lab.error is None
    assert "DIVERGED" in lab.status_text and "lower the learning rate" in lab.status_text
    assert lab.view.loss.blowups.visible and list(lab.view.loss.blowups.x) == [hist.diverged_at[0] + 1]


def test_playground_twin_runs_train_side_by_side(pg):
    pg.controls["twin"].value = True
    pg.controls["twin_field"].value = "activation"
    assert pg.controls["activation"].value != pg.controls["twin_value"].value
    pg.controls["twin_value"].value = "tanh"
    click(pg, "train")
    a, b = pg.runs["A"], pg.runs["B"]
    assert a.settings.activation == "relu" and b.settings.activation == "tanh"
    assert a.settings.lr == b.settings.lr and a.hist.epochs == b.hist.epochs == 15
    assert a.hist.train_loss != b.hist.train_loss
    np.testing.assert_allclose(line(pg.view.loss, "B train")[1], b.hist.train_loss)
    assert pg.view.loss.lines["B train"].line_style == "dashed"
    assert shown(pg.view.planes["B"]) and "run A" in pg.status_text and "run B" in pg.status_text


def test_playground_controls_offer_valid_values_only():
    lab = widgets.Playground(dataset="blobs", n_samples=200, val_share=0.5)
    assert max(lab.controls["batch_size"].options) == 100                # the training-set size
    assert [v for _, v in lab.controls["loss"].options] == ["cross_entropy"]          # 3 classes: no BCE
    lab.controls["dataset"].value = "moons"
    assert "binary_cross_entropy" in [v for _, v in lab.controls["loss"].options]
    lab.controls["loss"].value = "binary_cross_entropy"
    assert lab.preview.model.sizes[-1] == 1
    lab.controls["dataset"].value = "digits"
    assert lab.controls["noise"].disabled and lab.preview.model.sizes[0] == 64
    assert shown(lab.view.matrices["A"]) and not shown(lab.view.planes["A"])


def test_playground_exports_pytorch_and_shows_the_math(pg):
    code = pg.export()
    assert "nn.Linear(2, 8)" in code and "torch.optim.Adam" in code and code == pg.code.value
    namespace = {}
    exec(code.split("\n\n", 1)[1], namespace)  # noqa: S102 — the generated code must run
    assert "W_2: (8, 2)" in pg.math.value and "⌈300 / 32⌉" not in pg.math.value and "⌈240 / 32⌉" in pg.math.value


def test_playground_on_your_own_data():
    X, y = dk.data.blobs(n_samples=120, n_classes=4, seed=1)
    lab = widgets.Playground(data=(np.column_stack([X, X[:, :1]]), y + 10), epochs=3, speed="fast")
    assert lab.controls["dataset"].value == playground.CUSTOM
    lab.train(wait=True)
    assert lab.runs["A"].model.sizes == [3, 16, 16, 4] and lab.runs["A"].hist.epochs == 3
    csv = "x1,x2,label\n" + "\n".join(f"{a},{b},{'cat' if k else 'dog'}" for (a, b), k in
                                       zip(X[:40], y[:40] % 2))
    with pytest.raises(ValueError, match="non-numeric"):
        playground.parse_csv(csv.encode())
    Xc, yc = playground.parse_csv("\n".join(f"{a},{b},{k}" for (a, b), k in zip(X[:40], y[:40] + 5)).encode())
    assert Xc.shape == (40, 2) and set(yc) == {0, 1, 2, 3}


def test_playground_last_panel_shows_hidden_units_or_gradients():
    lab = widgets.Playground(n_samples=200, hidden_layers=2, width=6, epochs=5, speed="fast")
    view = lab.view
    assert lab.controls["panel"].value == "first" and shown(view.units["A"])
    lab.train(wait=True)
    assert "layer 1" in view.units["A"].title and view.units["A"].raster.pixels is not None
    lab.controls["panel"].value = "last"                                    # redraws at once, no training
    assert "layer 2" in view.units["A"].title
    lab.controls["panel"].value = "gradients"
    assert shown(view.gradients["A"]) and not shown(view.units["A"])
    stats = lab.runs["A"].hist.layer_stats
    np.testing.assert_allclose(line(view.gradients["A"], "layer 1")[1], [r["grad_norm"][0] for r in stats])
    lab.controls["panel"].value = "first"
    lab.controls["dataset"].value = "digits"
    assert shown(view.gradients["A"]) and "2-D data" in view.gradients["A"].title


def test_a_vanished_gradient_is_drawn_not_left_out():
    lab = widgets.Playground(n_samples=200, hidden_layers=2, width=6, epochs=3, speed="fast", init="zeros")
    lab.controls["panel"].value = "gradients"
    lab.train(wait=True)
    chart = lab.view.gradients["A"]
    assert all(mark.visible for mark in chart.lines.values())
    assert "0 is drawn at the bottom" in chart.legend_html.value
