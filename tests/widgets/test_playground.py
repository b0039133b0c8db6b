"""Playground headless: Train, Step, Stop, twin runs, valid controls, PyTorch export, your own data, the
hidden-units panel (``button.click()`` runs training in a background thread, as in a notebook)."""
import time

import numpy as np
import pytest

import dlkit as dk
from dlkit import widgets
from dlkit.widgets import playground

from .labs import PNG, click, fresh_picture


@pytest.fixture
def pg():
    return widgets.Playground(n_samples=300, epochs=15, hidden_layers=1, width=8, speed="fast")


def test_playground_train_button_trains_live(pg):
    first = pg.image.value
    assert pg.frames == 1 and "press Train" in pg.status.value
    pg.controls["lr"].value = 0.03
    assert pg.frames == 2                                # a control change shows the untrained network again
    assert click(pg, "train") >= 1
    run = pg.runs["A"]
    assert run.hist.epochs == 15 and run.hist.iterations[-1] == 15 * run.hist.iterations_per_epoch
    assert run.hist.layer_stats and run.hist.train_loss[-1] < run.hist.train_loss[0]
    assert "epoch 15/15" in pg.status.value and "iterations per epoch" in pg.status.value
    fresh_picture(pg, first)
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
    click(pg, "step")
    model = pg.runs["A"].model
    for _ in range(2):
        click(pg, "step")
    stepped = pg.runs["A"].hist
    assert stepped.epochs == 3 and pg.runs["A"].model is model        # the same run went on (no replay)
    weights = model.theta.copy()
    pg.controls["epochs"].value = 3
    click(pg, "train")
    np.testing.assert_array_equal(stepped.train_loss, pg.runs["A"].hist.train_loss)
    np.testing.assert_array_equal(stepped.step_loss, pg.runs["A"].hist.step_loss)
    np.testing.assert_array_equal(weights, pg.runs["A"].model.theta)
    pg.controls["lr"].value = pg.controls["lr"].value * 2              # changed settings: Step starts afresh
    click(pg, "step")
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
    click(pg, "train")
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
