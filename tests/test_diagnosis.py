"""dlkit.diagnosis: the per-layer snapshot, and the diagnosis line on the classic cases (Glorot & Bengio 2010,
He et al. 2015)."""
import numpy as np
import pytest

import dlkit as dk
from dlkit import diagnosis


@pytest.fixture(scope="module")
def probe():
    X, y = dk.data.digits()
    return dk.data.standardize(X[:256]), y[:256]


def _line(probe, depth, activation, init="auto", weight_scale=1.0, batch_norm=False):
    model = dk.MLP([64] + [64] * depth + [10], activation=activation, init=init, weight_scale=weight_scale,
                   batch_norm=batch_norm, seed=0)
    snap = diagnosis.snapshot(model, *probe)
    name = init if isinstance(init, str) else init.name
    return diagnosis.diagnose(snap["record"], activation, batch_norm, name), snap


def test_snapshot_shapes_and_keys(probe):
    model = dk.MLP([64, 32, 16, 10], activation="tanh", seed=0)
    snap = diagnosis.snapshot(model, *probe)
    assert [h.shape for h in snap["h"]] == [(256, 32), (256, 16), (256, 10)]
    assert [g.shape for g in snap["dW"]] == [(64, 32), (32, 16), (16, 10)]
    assert [g.shape for g in snap["db"]] == [(32,), (16,), (10,)]
    rec = snap["record"]
    for key in ("act_std", "grad_std", "signal_std", "saturated", "dead", "update_ratio"):
        assert len(rec[key]) == 3
    assert rec["update_ratio"] == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(rec["act_std"], [h.std() for h in snap["h"]], rtol=1e-5)


def test_sigmoid_deep_net_vanishes_and_the_advice_is_relu(probe):
    line, snap = _line(probe, 20, "sigmoid")
    assert "vanishing" in line and "ReLU" in line and line.startswith("layer 1 gets")
    assert diagnosis.gradient_ratio(snap["record"]) < 1e-6


def test_tiny_init_vanishes_and_the_advice_is_a_proper_init(probe):
    line, _ = _line(probe, 10, "tanh", init=dk.init.normal(std=0.01))
    assert "vanishing" in line and "too small" in line and "Xavier" in line


def test_relu_depth_30_he_is_healthy_and_xavier_vanishes(probe):
    he, _ = _line(probe, 30, "relu", init="he_normal")
    xavier, _ = _line(probe, 30, "relu", init="xavier_uniform")
    assert he.startswith("healthy")
    assert "vanishing" in xavier and "He init" in xavier


def test_large_weights_explode_and_saturate(probe):
    relu, _ = _line(probe, 30, "relu", weight_scale=1.5)
    assert "exploding" in relu
    tanh, _ = _line(probe, 10, "tanh", weight_scale=3.0)
    assert "saturated" in tanh


def test_batch_norm_measures_with_batch_statistics(probe):
    # before training the running statistics are (0, 1): an evaluation-mode pass would not normalise at all
    line, snap = _line(probe, 10, "tanh", init=dk.init.normal(std=0.01), batch_norm=True)
    assert "vanishing" not in line and "fades" not in line
    assert snap["record"]["act_std"][-2] > 0.1


def _record(**over):
    rec = {"act_std": [1.0, 1.0, 1.0], "grad_std": [1e-3, 1e-3, 1e-3], "saturated": [0.0, 0.0, 0.0],
           "dead": [0.0, 0.0, 0.0], "update_ratio": [1e-3, 1e-3, 1e-3]}
    rec.update(over)
    return rec


def test_diagnose_reads_dead_units_update_ratios_and_overflow():
    assert diagnosis.diagnose(_record()).startswith("healthy")
    assert "dead" in diagnosis.diagnose(_record(dead=[10.0, 80.0, 0.0]))
    assert "layer 2" in diagnosis.diagnose(_record(dead=[10.0, 80.0, 0.0]))
    assert "too small" in diagnosis.diagnose(_record(update_ratio=[1e-7] * 3))
    assert "too large" in diagnosis.diagnose(_record(update_ratio=[0.5] * 3))
    assert "overflow" in diagnosis.diagnose(_record(grad_std=[np.inf, 1.0, 1.0]))
    assert "fades" in diagnosis.diagnose(_record(act_std=[1.0, 1e-4, 1.0]))


def test_layer_response():
    tanh = diagnosis.layer_response("tanh", fan_in=100, init="xavier_normal")
    assert tanh["z"].shape == (512, 256) and tanh["saturated"] < 5
    big = diagnosis.layer_response("tanh", fan_in=100, init="xavier_normal", weight_scale=10)
    assert big["saturated"] > 50 and big["mean_grad"] < tanh["mean_grad"]
    relu = diagnosis.layer_response("relu", fan_in=100, init="he_normal")
    assert relu["h_std"] == pytest.approx(np.sqrt(1 - 1 / np.pi), rel=0.15)       # He keeps E[z^2] = 2


def test_loss_noise():
    rng = np.random.default_rng(0)
    trend = np.linspace(2, 0.5, 500)
    assert diagnosis.loss_noise(trend) < 1e-3
    assert diagnosis.loss_noise(trend + 0.3 * rng.standard_normal(500)) > \
        diagnosis.loss_noise(trend + 0.03 * rng.standard_normal(500)) > 0.01
    assert diagnosis.loss_noise([1.0, 2.0]) == 0.0


def test_a_healthy_line_names_the_dead_units_the_bars_show():
    # issue 16: "healthy: ... no layer saturated or dead" beside bars of 5-18 % dead units (relu, auto init)
    line = diagnosis.diagnose(_record(dead=[5.0, 18.0, 0.0]), "relu")
    assert line.startswith("healthy") and "no layer saturated or dead" not in line
    assert "dead units in 2 of 2 layers" in line and "18%" in line and "layer 2" in line
    quiet = diagnosis.diagnose(_record(dead=[0.5 * diagnosis.NOTED_PERCENT, 0.0, 0.0]), "relu")
    assert quiet.endswith("no layer saturated or dead")
    tanh = diagnosis.diagnose(_record(saturated=[12.0, 3.0, 0.0]), "tanh")
    assert tanh.startswith("healthy") and "saturated units in 2 of 2 layers, at most 12% (layer 1" in tanh
    # leaky ReLU's leak counts as flat for LayerStats, but ReLUs do not saturate: no word of it
    leaky = diagnosis.diagnose(_record(saturated=[50.0, 50.0, 0.0]), "leaky_relu")
    assert "saturated" not in leaky.replace("no layer saturated or dead", "")


def test_the_reported_relu_network_mentions_its_dead_units(probe):
    line, snap = _line(probe, 10, "relu")                       # auto init: He
    dead = np.asarray(snap["record"]["dead"][:-1])
    assert 5 < dead.max() < diagnosis.DEAD_PERCENT                # what the lab's bars showed
    assert line.startswith("healthy") and f"at most {dead.max():.0f}% (layer {dead.argmax() + 1}" in line
    assert "no layer saturated or dead" not in line
