"""dlkit.checks: every diagnosis a student can meet, and checks that a student cell cannot switch off (the
"Check my work" button it shows: tests/test_my_work.py)."""
import numpy as np
import pytest

import dlkit as dk
import dlkit.layers
from dlkit import checks


def failure(fn, *args, **kwargs):
    """The message of the CheckFailure that fn(*args, **kwargs) raises."""
    with pytest.raises(checks.CheckFailure) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, AssertionError)
    return str(info.value)


@pytest.fixture
def W():
    return np.random.default_rng(0).normal(size=(2, 16))


# ---------------------------------------------------------------- close: passing

def test_close_passes_on_equal_and_nearly_equal_values(W):
    checks.close("dW1", W, W)
    checks.close("dW1", W * (1 + 1e-9), W)
    checks.close("loss", np.float32(0.5), 0.5)
    checks.close("loss", np.array([0.5]), 0.5)                 # a one-entry array for a number is fine
    checks.close("mask", np.array([True, False]), [1.0, 0.0])  # booleans are numbers
    checks.equal("labels", np.array([1, 2, 3]), [1, 2, 3])


# ---------------------------------------------------------------- close: what is wrong with the value

@pytest.mark.parametrize("make, words", [
    (lambda W: -W, "opposite sign"),
    (lambda W: 32 * W, "32 × the reference"),
    (lambda W: 0.5 * W, "a dropped constant such as the 2"),
    (lambda W: W + 1.0, "off by the same constant 1"),
])
def test_close_names_a_whole_array_mistake(W, make, words):
    message = failure(checks.close, "dW1", make(W), W)
    assert message.startswith("dW1 has the right shape (2, 16) but differs from the reference in 32 of 32 entries")
    assert words in message


def test_close_names_the_transpose_of_a_square_matrix():
    A = np.random.default_rng(1).normal(size=(4, 4))
    assert "equals the reference transposed" in failure(checks.close, "dx", A.T, A)


def test_close_names_the_columns_that_differ_and_their_sign(W):
    wrong = W.copy()
    wrong[:, 3] *= -1
    message = failure(checks.close, "dW1", wrong, W)
    assert "only column 3 (of 16) differs" in message and "opposite sign" in message
    assert "in 2 of 32 entries" in message and "at [" in message


def test_close_gives_the_largest_error_and_where(W):
    wrong = W.copy()
    wrong[0, 3] += 0.41
    message = failure(checks.close, "dW1", wrong, W, hint="check the transpose in your backward pass")
    assert "1 of 32 entries; largest error 0.41 at [0, 3]" in message
    assert message.endswith("Hint: check the transpose in your backward pass")


def test_close_says_which_inputs_are_wrong():
    z = np.linspace(-2, 2, 9)
    message = failure(checks.close, "relu_grad(z)", (z >= 0) * 1.0, (z > 0) * 1.0, inputs=z)
    assert "they differ only where z = 0" in message and "z = 0)" in message


def test_close_names_a_shift_by_one():
    x = np.arange(10.0)
    assert "moved one position forward along axis 0" in failure(checks.close, "out", np.r_[0.0, x[:-1]], x)


def test_close_reports_a_typical_mistake_in_words():
    e = np.arange(4.0)
    message = failure(checks.close, "X_test", e * 0, e, mistakes={"you scaled the test set with its own mean": 0 * e})
    assert message == "X_test is wrong: you scaled the test set with its own mean"


def test_close_on_a_single_number():
    assert failure(checks.close, "loss", 3.0, 1.5) == (
        "loss is 3 but should be 1.5: it is 2 × the reference: a constant factor is missing or extra (a sum "
        "where a mean belongs, a lost 1/N, or a dropped constant such as the 2 of d(x²)/dx?)")
    # an arbitrary ratio between two numbers says nothing, so the message does not claim one
    assert failure(checks.close, "loss", 0.7833, 0.9833, where="for six scores") == \
        "loss is 0.7833 but should be 0.9833 for six scores"


def test_close_reports_nan_and_inf_with_their_position():
    message = failure(checks.close, "p", np.array([0.5, np.nan, 1.0]), np.array([0.5, 0.4, 1.0]))
    assert "1 NaN or infinite value(s) at [1], where the reference is 0.4" in message
    assert "numerically stable" in message


# ---------------------------------------------------------------- close: what is wrong with the shape or type

@pytest.mark.parametrize("actual, expected, words", [
    (np.zeros((16, 2)), np.zeros((2, 16)), "a missing (or extra) transpose"),
    (np.zeros(5), np.zeros((5, 1)), "(N,) and (N, 1) are different shapes"),
    (np.zeros((5, 9)), np.zeros((5, 10)), "axis 1 has 9 entries instead of 10: off by one"),
    (np.zeros(3), 0.0, "it should be a single number"),
    (np.zeros(6), np.zeros((2, 3)), "the right number of entries in the wrong arrangement"),
    (np.zeros(4), np.zeros((4, 3)), "an axis is missing"),
])
def test_close_explains_a_wrong_shape(actual, expected, words):
    message = failure(checks.close, "Y", actual, expected)
    assert f"Y has shape {actual.shape} but should have shape {np.shape(expected)}" in message
    assert words in message


def test_close_explains_a_missing_return_and_wrong_types():
    assert "does not `return` it" in failure(checks.close, "Z", None, np.zeros(2))
    assert "a tuple of 2 items" in failure(checks.close, "Z", (np.zeros(2), np.zeros(2)), np.zeros(2))
    assert "numpy array of numbers" in failure(checks.close, "Z", ["a", "b"], np.zeros(2))
    torch = pytest.importorskip("torch")
    assert "torch tensor" in failure(checks.close, "Z", torch.zeros(2), np.zeros(2))


def test_shape_and_true():
    checks.shape("Z", np.zeros((3, 4)), (3, 4))
    assert "rows and columns are swapped" in failure(checks.shape, "Z", np.zeros((4, 3)), (3, 4))
    checks.true(True, "never shown")
    assert failure(checks.true, False, "class 2 has 3 examples in the test set") == \
        "class 2 has 3 examples in the test set"


# ---------------------------------------------------------------- call

def test_call_returns_the_result():
    assert checks.call(np.add, np.ones(2), np.ones(2)).tolist() == [2.0, 2.0]


def test_call_recognises_the_stub():
    def standardize(X_train, X_test):
        raise NotImplementedError()

    message = failure(checks.call, standardize, np.ones((2, 2)), np.ones((2, 2)))
    assert message.startswith("standardize is not implemented yet: replace `raise NotImplementedError()`")


def test_call_catches_an_input_changed_in_place():
    def centre(X):
        X -= X.mean(axis=0)
        return X

    assert "centre changed its argument X in place" in failure(checks.call, centre, np.arange(6.0).reshape(3, 2))


def test_call_explains_exceptions_and_keeps_their_cause():
    def one_hot(y):
        Y = np.zeros((len(y), y.max()))
        Y[np.arange(len(y)), y] = 1
        return Y

    with pytest.raises(checks.CheckFailure) as info:
        checks.call(one_hot, np.array([0, 2, 1]))
    assert "one_hot(y=array (3,)) raised IndexError" in str(info.value)
    assert "off-by-one" in str(info.value)
    assert isinstance(info.value.__cause__, IndexError)      # the student's traceback is still shown
    message = failure(checks.call, lambda X, W: X @ W, np.ones((2, 3)), np.ones((2, 3)))
    assert "the shapes do not fit together" in message
    assert "keys()" in failure(checks.call, lambda params: params["W4"], {"W1": 1})


def test_call_with_the_wrong_signature():
    assert "keep the signature" in failure(checks.call, lambda X: X, np.ones(2), np.ones(2))


def test_call_strict_turns_overflow_into_a_message():
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    z = np.array([-1000.0, 0.0, 1000.0])
    with np.errstate(over="ignore"):
        checks.call(sigmoid, z)                               # lenient: numpy only warns
    message = failure(checks.call, sigmoid, z, strict=True)
    assert "overflow encountered in exp" in message and "numerically stable" in message
    checks.call(dk.activations.sigmoid, z, strict=True)       # the stable one passes


# ---------------------------------------------------------------- references and tampering

def test_reference_holds_dlkits_implementations():
    assert checks.reference.losses.mse is dk.losses.mse
    assert checks.reference.activations.relu is dk.activations.relu
    assert checks.reference.data.one_hot is dk.data.one_hot
    assert checks.reference.layers.dense_forward is dlkit.layers.dense_forward
    assert hasattr(checks.reference.optimizers, "Adam") and hasattr(checks.reference.gradcheck, "rel_error")


def test_reassigning_numpy_or_dlkit_changes_nothing(monkeypatch, W):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda a, b, *args, **k: np.ones(np.shape(a), bool))
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(np, "abs", lambda x: 0 * x)
    monkeypatch.setattr(np, "all", lambda *a, **k: True)
    monkeypatch.setattr(dk.losses, "mse", lambda y_hat, y: (0.0, 0 * y_hat))
    assert "opposite sign" in failure(checks.close, "dW1", -W, W)
    y_hat, y = np.ones((2, 2)), np.zeros((2, 2))
    assert checks.reference.losses.mse(y_hat, y)[0] == 1.0


def test_the_module_and_the_reference_are_read_only():
    with pytest.raises(AttributeError, match="read-only"):
        checks.close = lambda *a, **k: None
    with pytest.raises(AttributeError, match="read-only"):
        del checks.true
    with pytest.raises(AttributeError, match="read-only"):
        checks.reference.losses = None
    with pytest.raises(AttributeError, match="read-only"):
        checks.reference.losses.mse = None


# ---------------------------------------------------------------- grading mode and autograd

def test_grading_reads_nbgraders_variable(monkeypatch):
    monkeypatch.delenv(checks.GRADING_ENV, raising=False)
    assert checks.grading() == "" and not checks.grading()
    monkeypatch.setenv(checks.GRADING_ENV, "autograde")
    assert checks.grading() == "autograde"


def test_autograd_gives_values_and_derivatives():
    torch = pytest.importorskip("torch")
    z = np.array([-1.0, 0.0, 2.0])
    value, (grad,) = checks.autograd(torch.sigmoid, z)
    checks.close("sigmoid", value, dk.activations.sigmoid(z))
    checks.close("sigmoid'", grad, dk.activations.sigmoid_grad(z))
    logits, y = np.array([[1.0, 2.0, 0.5]]), np.array([1])
    loss, (dlogits, dy) = checks.autograd(torch.nn.functional.cross_entropy, logits, y)
    expected_loss, expected_grad = dk.losses.cross_entropy(logits, y)
    checks.close("loss", loss, expected_loss)
    checks.close("dlogits", dlogits, expected_grad)
    assert dy is None                                         # labels carry no gradient


# ---------------------------------------------------------------- shapes in the inputs' dimensions

def _dense_backward_summing_axis_1(dz, cache):
    """dz (N, H) -> dx (N, D), dW (D, H), db (H,)."""
    x, W = cache
    return dz @ W.T, x.T @ dz, dz.sum(axis=1)


def test_a_shape_is_said_in_the_dimensions_of_the_last_calls_inputs():
    rng = np.random.default_rng(0)
    x, W, dz = rng.normal(size=(3, 2)), rng.normal(size=(2, 4)), rng.normal(size=(3, 4))
    got = checks.call(_dense_backward_summing_axis_1, dz, (x, W))
    message = failure(checks.close, "db", got[2], dz.sum(axis=0))
    assert message == ("db has shape (3,) but should have shape (4,): db has N = 3 entries, one per example: sum "
                       "over the batch axis 0, not axis 1")
    # a value the last call did not return borrows none of its dimensions: the plain advice
    assert "N = " not in failure(checks.close, "other", np.zeros(3), np.zeros(4))


def test_the_tests_own_words_name_dimensions_too():
    message = failure(checks.shape, "step_loss", np.zeros(3), (21,), where="for N = 100, batch_size = 16, 3 epochs")
    assert "axis 0 has 3 entries, one per epoch, where it needs 21: it is sized by the wrong dimension" in message
    message = failure(checks.close, "dz", np.zeros(4), np.zeros((3, 4)), where="for z (3, 4)")
    assert "dz has lost the batch axis 0 of z (3, 4)" not in message        # no symbol: not called a batch axis
    assert "dz has lost axis 0 of z (3, 4): it must be shaped like z" in message
