import numpy as np
import pytest
import torch

from dlkit import layers
from dlkit.gradcheck import numerical_gradient, rel_error


def test_dense_backward_matches_numerical_gradients(rng):
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dz = rng.normal(size=(5, 4))
    dx, dW, db = layers.dense_backward(dz, layers.dense_forward(x, W, b)[1])
    f = lambda: np.sum(layers.dense_forward(x, W, b)[0] * dz)    # noqa: E731
    for analytic, param in ((dx, x), (dW, W), (db, b)):
        assert rel_error(analytic, numerical_gradient(f, param)) < 1e-7


def test_batchnorm_backward_matches_numerical_gradients(rng):
    z, gamma, beta = rng.normal(size=(6, 4)) * 3 + 1, rng.normal(size=4), rng.normal(size=4)
    dout = rng.normal(size=(6, 4))

    def f():
        out, _ = layers.batchnorm_forward(z, gamma, beta, np.zeros(4), np.ones(4), True)
        return np.sum(out * dout)

    _, cache = layers.batchnorm_forward(z, gamma, beta, np.zeros(4), np.ones(4), True)
    dz, dgamma, dbeta = layers.batchnorm_backward(dout, cache)
    for analytic, param in ((dz, z), (dgamma, gamma), (dbeta, beta)):
        assert rel_error(analytic, numerical_gradient(f, param)) < 1e-7


def test_batchnorm_matches_torch_in_train_and_eval_mode(rng):
    z = rng.normal(size=(8, 3)) * 2 + 5
    bn = torch.nn.BatchNorm1d(3).double()
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(3):                                              # running statistics follow torch's
        out, _ = layers.batchnorm_forward(z, np.ones(3), np.zeros(3), mean, var, True)
        expected = bn(torch.tensor(z)).detach().numpy()
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mean, bn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var, bn.running_var.numpy(), rtol=1e-12)
    bn.eval()
    out, _ = layers.batchnorm_forward(z, np.ones(3), np.zeros(3), mean, var, False)
    np.testing.assert_allclose(out, bn(torch.tensor(z)).detach().numpy(), rtol=1e-10)


def test_inverted_dropout_keeps_the_expectation_and_is_reproducible():
    h = np.ones((200, 100))
    out, mask = layers.dropout_forward(h, 0.3, seed=1, step=0, layer=1)
    assert abs((mask == 0).mean() - 0.3) < 0.01
    assert out.mean() == pytest.approx(1.0, abs=0.02)               # E[mask] = 1: nothing to rescale at test
    again, _ = layers.dropout_forward(h, 0.3, seed=1, step=0, layer=1)
    other, _ = layers.dropout_forward(h, 0.3, seed=1, step=1, layer=1)
    assert np.array_equal(out, again) and not np.array_equal(out, other)
    assert np.array_equal(layers.dropout_backward(h, mask), mask)


def test_activation_layer_backward(rng):
    z = rng.normal(size=(4, 5))
    dh = rng.normal(size=(4, 5))
    h, cache = layers.activation_forward(z, "tanh")
    dz = layers.activation_backward(dh, cache)
    assert rel_error(dz, numerical_gradient(lambda: np.sum(layers.activation_forward(z, "tanh")[0] * dh), z)) < 1e-7
