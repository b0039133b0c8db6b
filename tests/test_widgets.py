"""The labs headless: build each, set controls, press buttons (``button.click()`` runs training in a background
thread, as in a notebook), and check that training ran, the History grew, new pictures were drawn and Stop
works mid-run. The browser tier (tests/browser) checks the same labs in a real JupyterLab."""
import time

import numpy as np
import pytest

import dlkit as dk
from dlkit import widgets
from dlkit.widgets import base, playground

PNG = b"\x89PNG\r\n\x1a\n"


def _click(lab, name, timeout=60):
    """Press a button the way a student does, and wait for its background job."""
    before = lab.frames
    lab.buttons[name].click()
    assert lab.wait(timeout), f"{name} did not finish in {timeout} s"
    assert lab.error is None, lab.error
    return lab.frames - before


def _tree(widget):
    """Every widget inside a box, the box included."""
    return [widget, *(w for child in getattr(widget, "children", ()) for w in _tree(child))]


def _fresh_picture(lab, previous):
    assert bytes(lab.image.value).startswith(PNG) and bytes(lab.image.value) != bytes(previous)


# ---------------------------------------------------------------- Playground

@pytest.fixture
def pg():
    return widgets.Playground(n_samples=300, epochs=15, hidden_layers=1, width=8, speed="fast")


def test_playground_train_button_trains_live(pg):
    first = pg.image.value
    assert pg.frames == 1 and "press Train" in pg.status.value
    pg.controls["lr"].value = 0.03
    assert pg.frames == 2                                # a control change shows the untrained network again
    assert _click(pg, "train") >= 1
    run = pg.runs["A"]
    assert run.hist.epochs == 15 and run.hist.iterations[-1] == 15 * run.hist.iterations_per_epoch
    assert run.hist.layer_stats and run.hist.train_loss[-1] < run.hist.train_loss[0]
    assert "epoch 15/15" in pg.status.value and "iterations per epoch" in pg.status.value
    _fresh_picture(pg, first)
    assert not pg.buttons["train"].disabled and pg.buttons["stop"].disabled


def test_playground_stop_works_mid_run_and_the_first_frame_is_quick(pg, record_property):
    pg.controls["epochs"].value = 1000
    pg.controls["speed"].value = "watch"                 # paced: 1000 epochs in about 4 s
    frames, picture = pg.frames, bytes(pg.image.value)
    started = time.perf_counter()
    pg.buttons["train"].click()
    # the click is answered before click() returns: the last picture, faded, says "training…"
    assert bytes(pg.image.value) != picture and pg.frames == frames
    assert pg.running and pg.buttons["train"].disabled and not pg.buttons["stop"].disabled
    while pg.frames == frames and time.perf_counter() - started < 10:
        time.sleep(0.005)
    first_frame = time.perf_counter() - started
    record_property("first_training_frame_s", round(first_frame, 3))
    time.sleep(0.5)
    pg.buttons["stop"].click()
    assert pg.wait(10) and pg.error is None
    hist = pg.runs["A"].hist
    assert 1 <= hist.epochs < 1000 and hist.stopped_early
    assert "stopped" in pg.status.value
    # ~0.1-0.3 s on an idle 2-core machine; the bound only catches a frame that waits for the whole run
    assert first_frame < 3.0, f"first frame after {first_frame:.2f} s"


def test_playground_step_is_exactly_the_epoch_train_would_run(pg):
    _click(pg, "step")
    model = pg.runs["A"].model
    for _ in range(2):
        _click(pg, "step")
    stepped = pg.runs["A"].hist
    assert stepped.epochs == 3 and pg.runs["A"].model is model        # the same run went on (no replay)
    weights = model.theta.copy()
    pg.controls["epochs"].value = 3
    _click(pg, "train")
    np.testing.assert_array_equal(stepped.train_loss, pg.runs["A"].hist.train_loss)
    np.testing.assert_array_equal(stepped.step_loss, pg.runs["A"].hist.step_loss)
    np.testing.assert_array_equal(weights, pg.runs["A"].model.theta)
    pg.controls["lr"].value = pg.controls["lr"].value * 2              # changed settings: Step starts afresh
    _click(pg, "step")
    assert pg.runs["A"].hist.epochs == 1


@pytest.mark.filterwarnings("ignore::dlkit.training.DivergenceWarning")     # outside pytest the labs silence it
def test_playground_divergence_is_shown_not_raised():
    lab = widgets.Playground(n_samples=300, activation="linear", optimizer="sgd", lr=10.0, epochs=50,
                             speed="fast")
    lab.train(wait=True)
    hist = lab.runs["A"].hist
    assert hist.diverged and lab.error is None
    assert "DIVERGED" in lab.status.value and bytes(lab.image.value).startswith(PNG)


def test_playground_twin_runs_differ_in_one_control(pg):
    pg.controls["twin"].value = True
    pg.controls["twin_field"].value = "activation"
    assert pg.controls["activation"].value not in [v for _, v in pg.controls["twin_value"].options
                                                   if v == pg.controls["twin_value"].value]
    pg.controls["twin_value"].value = "tanh"
    _click(pg, "train")
    a, b = pg.runs["A"], pg.runs["B"]
    assert a.settings.activation == "relu" and b.settings.activation == "tanh"
    assert a.settings.lr == b.settings.lr and a.hist.epochs == b.hist.epochs == 15
    assert a.hist.train_loss != b.hist.train_loss


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


# ---------------------------------------------------------------- the other labs

def test_activation_explorer_redraws_on_every_control():
    lab = widgets.ActivationExplorer()
    for name, value in [("activation", "sigmoid"), ("weight_scale", 10.0), ("fan_in", 512), ("z_range", (-2.0, 2.0))]:
        before, frames = lab.image.value, lab.frames
        lab.controls[name].value = value
        assert lab.frames == frames + 1
        _fresh_picture(lab, before)
    assert lab.response["saturated"] > 20 and f"{lab.response['saturated']:.0f}% saturated" in lab.status.value


def test_gradient_flow_lab_diagnoses_and_trains():
    lab = widgets.GradientFlowLab(depth=12, width=32, activation="sigmoid", epochs=2, lr=0.1, speed="fast")
    assert "vanishing" in lab.diagnosis.value
    lab.controls["activation"].value = "relu"
    assert "vanishing" not in lab.diagnosis.value
    before = lab.image.value
    _click(lab, "train")
    assert lab.hist.epochs == 2 and len(lab.hist.layer_stats) >= 8
    assert len(lab.hist.layer_stats[-1]["update_ratio"]) == 13
    _fresh_picture(lab, before)
    lab.controls["depth"].value = 3                      # back to the untrained network
    assert lab.hist.epochs == 0 and len(lab.snap["h"]) == 4


def test_gradient_flow_lab_reads_the_training_records():
    lab = widgets.GradientFlowLab(depth=6, width=16, activation="relu", init="he_normal", epochs=1, speed="fast")
    lab.train(wait=True)
    record = lab.hist.layer_stats[-1]
    assert len(record["signal_std"]) == 7 and "vanishing" not in lab.diagnosis.value
    panel = lab.figure.axes[5]
    assert panel.get_title() == "gradient reaching each layer" and len(panel.get_lines()) == 7
    record["signal_std"] = [1e-9, *record["signal_std"][1:]]     # as if layer 1 got no gradient in the last step
    lab.measure()
    assert "layer 1 gets" in lab.diagnosis.value and "vanishing" in lab.diagnosis.value


def test_overfitting_lab_early_stopping_restores_the_best_weights():
    lab = widgets.OverfittingLab(train_size=30, width=64, epochs=300, patience=10, speed="fast")
    before = lab.image.value
    _click(lab, "train")
    h = lab.hist
    assert h.best_epoch is not None and h.stopped_early and h.epochs < 300
    assert h.epochs == h.best_epoch + 1 + 10
    assert "were restored" in lab.status.value
    assert lab.model.forward(lab.data["X_val"]).shape == (500, 2)
    _fresh_picture(lab, before)
    lab.controls["random_labels"].value = True
    shuffled = lab.data["y"]
    lab.controls["random_labels"].value = False
    assert not np.array_equal(shuffled, lab.data["y"]) and np.bincount(shuffled).tolist() == \
        np.bincount(lab.data["y"]).tolist()


def test_optimizer_race():
    lab = widgets.OptimizerRace(steps=40)
    assert set(lab.paths) == set(dk.surfaces.RACERS) and "theory" in lab.status.value
    lab.controls["surface"].value = "rosenbrock"
    assert lab.controls["lr"].value == pytest.approx(dk.surfaces.rosenbrock().lr, rel=0.15)
    assert lab.controls["condition"].disabled
    lab.controls["lr"].value = 0.1                       # far too large for the walls: SGD diverges, visibly
    assert lab.paths["sgd"].diverged_at is not None and "diverged" in lab.status.value
    lab.racers["adagrad"].value = False
    assert "adagrad" not in lab.paths
    frames = lab.frames
    lab.race(wait=True)
    assert lab.frames - frames >= 10 and lab.error is None


def test_batch_size_lab_sweeps_every_size():
    lab = widgets.BatchSizeLab(n_samples=200, amount=2)
    assert lab.sizes == [1, 4, 16, 64, 160]
    _click(lab, "run")
    rows = lab.summary()
    assert list(rows) == lab.sizes
    assert [r["iterations_per_epoch"] for r in rows.values()] == [160, 40, 10, 3, 1]
    assert rows[1]["noise"] > rows[160]["noise"]
    assert all(r["epochs"] == 2 for r in rows.values())
    lab.controls["budget"].value = "optimizer steps"
    assert lab.controls["amount"].value == 500 and lab.controls["amount"].description == "optimizer steps"
    assert lab.epochs_for(1) == 3 and lab.epochs_for(160) == 500


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
    assert lab.proba.shape == (8, 2) and lab.buttons["train"] not in _tree(lab.ui)
    np.testing.assert_array_equal(lab.predictions(), (logits >= 0).astype(int))


def test_a_second_job_waits_for_the_first():
    lab = widgets.Playground(n_samples=200, epochs=1000)
    lab.buttons["train"].click()
    try:
        assert lab.launch(lambda: None, wait=True) is False and "already running" in lab.status.value
    finally:
        lab.stop()
        assert lab.wait(10)


def test_every_lab_shows_as_one_widget():
    for lab in (widgets.ActivationExplorer(), widgets.MetricsPanel(y_true=[0, 1, 1], scores=[0.2, 0.7, 0.1])):
        bundle = lab._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        assert "dlkit-lab" in lab.ui._dom_classes


def test_powers_of_two_and_initializer_menu():
    assert base.powers_of_two(100) == [1, 2, 4, 8, 16, 32, 64, 100]
    assert base.powers_of_two(64) == [1, 2, 4, 8, 16, 32, 64]
    assert base.initializer("normal(0.01)").std(10, 10) == 0.01
    model = dk.MLP([2, 4, 2], init=base.initializer(base.INITS[-1]))
    assert not model.params["W1"].any()


def test_playground_last_panel_shows_hidden_units_live():
    lab = widgets.Playground(n_samples=200, hidden_layers=2, width=6, epochs=5, speed="fast")
    lab.controls["panel"].value = "last"
    frames = lab.frames
    lab.train(wait=True)
    assert lab.frames > frames and lab.error is None
    panel = lab.figure.axes[3]
    assert "layer 2" in panel.get_title() and len(panel.images) == 1         # the units' montage
    lab.controls["panel"].value = "first"                                    # redraws at once, no training
    assert "layer 1" in lab.figure.axes[3].get_title()
    lab.controls["dataset"].value = "digits"
    assert any("2-D data" in t.get_text() for t in lab.figure.axes[3].texts)
