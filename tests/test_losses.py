import numpy as np
import pytest
import torch
from numba import njit

from dlkit import losses
from dlkit.gradcheck import numerical_gradient, rel_error
from dlkit.torch_mirror import torch_loss


def _case(name, rng, n=6, c=4):
    if name == "binary_cross_entropy" or (name == "hinge" and c == 1):
        return rng.normal(size=(n, 1)) * 3, rng.integers(0, 2, n)
    if name in ("cross_entropy", "hinge"):
        return rng.normal(size=(n, c)) * 3, rng.integers(0, c, n)
    return rng.normal(size=(n, c)), rng.normal(size=(n, c))


CASES = [(name, c) for name in losses.NAMES for c in (1, 4)
         if not (name == "binary_cross_entropy" and c == 4) and not (name == "cross_entropy" and c == 1)]


@pytest.mark.parametrize("name,c", CASES)
def test_loss_and_gradient_match_torch_autograd(name, c, rng):
    y_hat, y = _case(name, rng, c=c)
    loss, grad = losses.loss_and_grad(name, y_hat, y)
    out = torch.tensor(y_hat, requires_grad=True)
    expected = torch_loss(name, out, torch.as_tensor(y))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(grad, out.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name,c", CASES)
def test_gradient_matches_centered_differences(name, c, rng):
    y_hat, y = _case(name, rng, c=c)
    _, grad = losses.loss_and_grad(name, y_hat, y)
    numeric = numerical_gradient(lambda: losses.loss_and_grad(name, y_hat, y)[0], y_hat)
    assert rel_error(grad, numeric) < 1e-7


@pytest.mark.parametrize("name,c", CASES)
def test_row_kernel_matches_the_reference(name, c, rng):
    y_hat, y = _case(name, rng, c=c)
    loss, grad = losses.loss_and_grad(name, y_hat, y)
    T = y.reshape(len(y), -1).astype(np.float64)
    row = njit(losses.row_loss)
    dout = np.zeros_like(y_hat)
    total = sum(row(y_hat[i], T[i], losses.ID[name], dout[i]) for i in range(len(y_hat)))
    assert total / len(y_hat) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(dout / len(y_hat), grad, rtol=1e-10, atol=1e-15)


def test_cross_entropy_is_stable_for_extreme_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 0.0]])
    loss, grad = losses.loss_and_grad("cross_entropy", logits, np.array([1, 1]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert loss == pytest.approx(1000.0, rel=1e-9)      # first row: -log softmax = 2000 / 2 rows


def test_initial_cross_entropy_is_log_of_class_count():
    loss, _ = losses.loss_and_grad("cross_entropy", np.zeros((5, 10)), np.arange(5))
    assert loss == pytest.approx(np.log(10))


def test_mse_is_the_most_outlier_sensitive_loss():
    y = np.zeros((100, 1))
    y_hat = np.zeros((100, 1))
    y_hat[0] = 100.0                                     # one outlier
    values = {name: losses.loss_and_grad(name, y_hat, y)[0] for name in ("mse", "mae", "huber")}
    assert values["mse"] > 50 * values["mae"] > 50 * 0.5 * values["huber"]


def test_unknown_loss_name():
    with pytest.raises(ValueError, match="unknown loss 'crossentropy'; allowed"):
        losses.loss_and_grad("crossentropy", np.zeros((2, 2)), np.zeros(2, int))


def test_probabilities_are_softmax_rows_or_sigmoid_pairs(rng):
    logits = rng.normal(size=(6, 4)) * 3
    P = losses.probabilities(logits)
    np.testing.assert_allclose(P, torch.softmax(torch.tensor(logits), dim=1).numpy(), rtol=1e-12)
    z = rng.normal(size=6) * 3
    p = torch.sigmoid(torch.tensor(z)).numpy()
    for single in (z, z[:, None], z[:, None].astype(np.float32)):
        pair = losses.probabilities(single)
        assert pair.shape == (6, 2) and pair.dtype == np.float64
        np.testing.assert_allclose(pair[:, 1], p, rtol=1e-6 if single.dtype == np.float32 else 1e-12)
        np.testing.assert_allclose(pair.sum(axis=1), 1.0, rtol=1e-12)
    with pytest.raises(ValueError, match=r"\(N,\) or \(N, C\)"):
        losses.probabilities(np.zeros((2, 2, 2)))


def test_predicted_classes_in_numpy_and_one_row_at_a_time(rng):
    outputs = np.vstack([rng.normal(size=(7, 5)), np.ones((1, 5))])   # a tie: the first maximum wins
    expected = outputs.argmax(axis=1)
    np.testing.assert_array_equal(losses.predict_classes(outputs), expected)
    assert [losses.row_class(row) for row in outputs] == list(expected)
    logit = np.array([[-1.0], [0.0], [2.0]])                          # one logit: class 1 where it is > 0
    np.testing.assert_array_equal(losses.predict_classes(logit), [0, 0, 1])
    assert [losses.row_class(row) for row in logit] == [0, 0, 1]
    compiled = njit(losses.row_class)
    assert [compiled(row) for row in outputs] == list(expected)
