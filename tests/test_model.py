"""The model on every backend: against the numpy reference, numerical gradients and PyTorch autograd."""
import numpy as np
import pytest
import torch

import dlkit as dk
from dlkit import activations
from dlkit.gradcheck import check_model_gradients, numerical_gradient
from dlkit.torch_mirror import torch_loss_and_grads


def _data(loss, rng, n=7, d=3, c=3):
    X = rng.normal(size=(n, d))
    if loss == "binary_cross_entropy" or (loss == "hinge" and c == 1):
        return X, rng.integers(0, 2, n)
    if loss in ("cross_entropy", "hinge"):
        return X, rng.integers(0, c, n)
    return X, rng.normal(size=(n, c))


def _model(act="tanh", c=3, **kw):
    return dk.MLP([3, 5, 4, c], activation=act, dtype="float64", seed=3, **kw)


CONFIGS = [{}, {"batch_norm": True}, {"dropout": 0.25}, {"batch_norm": True, "dropout": 0.25}]


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("act", activations.NAMES)
def test_backend_matches_numpy_reference(backend, act, config, rng):
    model = _model(act, **config)
    X, y = _data("cross_entropy", rng)
    loss, grads = model.loss_and_grads(X, y, loss="cross_entropy", l1=0.01, l2=0.1)
    out = model.forward(X)
    dk.set_backend("numpy")
    ref_loss, ref_grads = model.loss_and_grads(X, y, loss="cross_entropy", l1=0.01, l2=0.1)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(out, model.forward(X), rtol=1e-10, atol=1e-12)
    for name in ref_grads:
        np.testing.assert_allclose(grads[name], ref_grads[name], rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("loss,c", [("mse", 3), ("mae", 3), ("huber", 3), ("binary_cross_entropy", 1),
                                    ("cross_entropy", 3), ("hinge", 1), ("hinge", 3)])
def test_every_loss_agrees_across_backends(backend, loss, c, rng):
    model = _model("relu", c=c)
    X, y = _data(loss, rng, c=c)
    value, grads = model.loss_and_grads(X, y, loss=loss)
    dk.set_backend("numpy")
    ref_value, ref_grads = model.loss_and_grads(X, y, loss=loss)
    assert value == pytest.approx(ref_value, rel=1e-12)
    for name in grads:
        np.testing.assert_allclose(grads[name], ref_grads[name], rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "elu", "gelu", "linear"])
def test_gradients_pass_a_float64_numerical_check(backend, act, config, rng):
    model = _model(act, **config)
    X, y = _data("cross_entropy", rng)
    errors = check_model_gradients(model, X, y, "cross_entropy", l2=0.1)
    if config.get("batch_norm"):
        # batch norm subtracts the batch mean, so whatever only shifts its input (the bias before it; with linear
        # layers also the previous beta) has exactly zero gradient: there both the analytic value and the finite
        # difference are rounding noise, and both must be tiny
        _, grads = model.loss_and_grads(X, y, loss="cross_entropy", l2=0.1)
        for name in [n for n in errors if n[0] in "b" and np.abs(grads[n]).max() < 1e-12]:
            loss_of = lambda: model.loss_and_grads(X, y, loss="cross_entropy", l2=0.1)[0]  # noqa: E731
            assert np.abs(numerical_gradient(loss_of, model.params[name])).max() < 1e-8, name
            errors.pop(name)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("loss,c", [("mse", 3), ("huber", 3), ("binary_cross_entropy", 1), ("cross_entropy", 3)])
def test_smooth_losses_pass_a_numerical_check(backend, loss, c, rng):
    model = _model("tanh", c=c)
    X, y = _data(loss, rng, c=c)
    errors = check_model_gradients(model, X, y, loss)
    assert max(errors.values()) < 1e-7, errors


def test_relu_network_gradients_away_from_kinks(backend, rng):
    model = _model("relu")
    X, y = _data("cross_entropy", rng)
    assert max(check_model_gradients(model, X, y, "cross_entropy").values()) < 1e-6


@pytest.mark.parametrize("bn", [False, True])
@pytest.mark.parametrize("loss,c", [("mse", 3), ("mae", 3), ("huber", 3), ("binary_cross_entropy", 1),
                                    ("cross_entropy", 3), ("hinge", 1), ("hinge", 3)])
def test_forward_loss_and_gradients_match_torch_autograd(backend, loss, c, bn, rng):
    model = _model("gelu", c=c, batch_norm=bn)
    X, y = _data(loss, rng, c=c)
    value, grads = model.loss_and_grads(X, y, loss=loss, l1=0.01, l2=0.05)
    t_value, t_grads, _ = torch_loss_and_grads(model, X, y, loss, l1=0.01, l2=0.05)
    assert value == pytest.approx(t_value, rel=1e-10)
    assert list(grads) == list(t_grads)
    for name in grads:
        np.testing.assert_allclose(grads[name], t_grads[name], rtol=1e-8, atol=1e-12, err_msg=name)


def test_to_torch_gives_the_same_outputs_in_float32(backend, rng):
    model = dk.MLP([64, 32, 10], activation="relu", seed=0, batch_norm=True, dropout=0.5)
    X = rng.normal(size=(20, 64)).astype(np.float32)
    net = model.to_torch().eval()
    np.testing.assert_allclose(model.forward(X), net(torch.tensor(X)).detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("c", [1, 3])
def test_predict_proba_and_predict_agree(c, rng):
    model = dk.MLP([2, 8, c], activation="tanh", seed=0)
    X = rng.normal(size=(12, 2))
    P = model.predict_proba(X)
    assert P.shape == (12, max(c, 2)) and P.dtype == np.float64
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(P.argmax(axis=1), model.predict(X))


def test_params_are_views_in_the_documented_layout():
    model = dk.MLP([2, 16, 16, 2], activation="tanh", init="xavier_uniform", seed=0, dtype="float32")
    assert list(model.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert model.params["W1"].shape == (2, 16) and model.params["b3"].shape == (2,)
    assert all(p.dtype == np.float32 for p in model.params.values())
    model.params["W1"][0, 0] = 123.0
    assert model.theta[0] == 123.0
    X = np.ones((1, 2))
    h = np.tanh(X @ model.params["W1"] + model.params["b1"])
    h = np.tanh(h @ model.params["W2"] + model.params["b2"])
    np.testing.assert_allclose(model.forward(X), h @ model.params["W3"] + model.params["b3"], rtol=1e-5)


def test_same_seed_same_weights_and_auto_init_follows_the_activation():
    a, b = dk.MLP([4, 50, 3], seed=7), dk.MLP([4, 50, 3], seed=7)
    assert np.array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta, dk.MLP([4, 50, 3], seed=8).theta)
    assert a.layer_init(1).name == "he_normal"
    assert dk.MLP([4, 50, 3], activation="tanh").layer_init(1).name == "xavier_uniform"


def test_initial_cross_entropy_is_near_log_c():
    model = dk.MLP([64, 100, 10], activation="tanh", init="xavier_uniform", seed=0, weight_scale=0.01)
    X, y = dk.data.digits()
    loss, _ = model.loss_and_grads(X / 16, y)
    assert loss == pytest.approx(np.log(10), rel=0.01)


def test_layer_outputs_report_every_layer(rng):
    model = dk.MLP([3, 8, 8, 2], activation="relu", seed=0)
    outs = model.layer_outputs(rng.normal(size=(10, 3)))
    assert [o["h"].shape for o in outs] == [(10, 8), (10, 8), (10, 2)]
    np.testing.assert_allclose(outs[0]["h"], np.maximum(outs[0]["z"], 0))


@pytest.mark.parametrize("call,error,match", [
    (lambda m: m.forward(np.zeros((4, 3))), ValueError, "X has 3 features per row but the model's input layer expects 2"),
    (lambda m: m.forward(np.zeros((0, 2))), ValueError, "X is empty"),
    (lambda m: m.forward(np.zeros(2)), ValueError, "X must be 2-D"),
    (lambda m: m.forward([[np.nan, 1.0]]), ValueError, "X contains NaN or inf"),
    (lambda m: m.forward([["a", "b"]]), TypeError, "X must hold numbers"),
    (lambda m: m.loss_and_grads(np.zeros((3, 2)), [0, 1, 2]), ValueError, r"y must be class indices in 0\.\. 1"),
    (lambda m: m.loss_and_grads(np.zeros((3, 2)), [0, 1]), ValueError, "y has 2 labels but X has 3 rows"),
    (lambda m: m.loss_and_grads(np.zeros((3, 2)), [0.5, 1, 0]), TypeError, "y must hold integer class labels"),
    (lambda m: m.loss_and_grads(np.zeros((3, 2)), [0, 1, 0], loss="nll"), ValueError, "unknown loss 'nll'"),
    (lambda m: m.loss_and_grads(np.zeros((3, 2)), [0, 1, 0], loss="binary_cross_entropy"), ValueError,
     "binary_cross_entropy takes one logit per example"),
    (lambda m: m.loss_and_grads(np.zeros((3, 2)), np.zeros((3, 3)), loss="mse"), ValueError,
     "y has 3 target"),
])
def test_bad_input_is_reported_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call(dk.MLP([2, 4, 2], seed=0))


@pytest.mark.parametrize("kwargs,error,match", [
    ({"sizes": [2]}, ValueError, "at least an input and an output"),
    ({"sizes": [2, 0, 2]}, ValueError, r"sizes\[1\] must be positive"),
    ({"sizes": [2, 3.5, 2]}, TypeError, r"sizes\[1\] must be an integer"),
    ({"sizes": "2,3"}, TypeError, "sizes must be a list"),
    ({"activation": "swish"}, ValueError, "unknown activation 'swish'; allowed"),
    ({"init": "glorot"}, ValueError, "unknown init 'glorot'"),
    ({"dtype": "float16"}, ValueError, "unknown dtype 'float16'"),
    ({"dropout": 1.0}, ValueError, r"dropout must be in \[0, 1\)"),
    ({"seed": -1}, ValueError, "seed must be zero or positive"),
])
def test_bad_model_arguments(kwargs, error, match):
    args = {"sizes": [2, 4, 2], **kwargs}
    with pytest.raises(error, match=match):
        dk.MLP(**args)


def test_backend_names_are_checked():
    with pytest.raises(ValueError, match="unknown backend 'gpu'; allowed: 'numpy', 'cpu', 'cuda'"):
        dk.set_backend("gpu")
