"""Every shape message of assignments 01-10 names the mistake that was made, not a neighbour of it (issue 13):
a typical shape mistake planted in a solution, graded in-process by the assignment's own tests, must fail with
the words for that mistake (dlkit.my_work.dimensions, through dlkit.checks).

09-gpu has no case: its kernels write into arrays the tests allocate, so a student cannot make a wrong shape.
"""
import nbformat
import pytest

from dlkit.course import ROOT
from dlkit.course.bugs import plant
from dlkit.course.inprocess import grade_in_process

# (assignment, cell, [(old, new)], failing test, the words)
CASES = [
    ("01-data-preparation", "one_hot", [("Y = np.zeros((len(y), C))", "Y = np.zeros((len(y), len(y)))")],
     "test_one_hot", "axis 1 has N = 6 entries, one per example, where it needs 4: it is sized by the wrong "
                     "dimension"),
    ("01-data-preparation", "standardize", [("return (X_train - mean) / std,", "return ((X_train - mean) / std).T,")],
     "test_standardize", "rows and columns are swapped: a missing (or extra) transpose"),
    ("02-forward-pass", "dense", [("return X @ W + b", "return (X @ W + b).sum(axis=0)")],
     "test_dense", "an axis is missing: yours is (H = 4,) where (N = 5, H = 4) belongs"),
    ("02-forward-pass", "mlp", [("for k in range(1, n_layers + 1):", "for k in range(1, n_layers):")],
     "test_mlp", "axis 1 has 6 entries, the length of axis 1 of W2 and axis 0 of b2, where it needs 3 (the length "
                 "of axis 1 of W3"),
    ("03-loss-functions", "bce", [("((p - y) / len(z))[:, None]", "(p - y) / len(z)")],
     "test_bce", "(N,) and (N, 1) are different shapes: add or drop the trailing axis"),
    ("03-loss-functions", "hinge", [("return float(np.mean(np.maximum(margin, 0.0))),",
                                     "return np.maximum(margin, 0.0) / len(s),")],
     "test_hinge", "it should be a single number, and yours has N = 6 entries, one per example: reduce them"),
    ("03-loss-functions", "mse", [("2.0 * diff / diff.size", "(2.0 * diff / diff.size).sum(axis=0)")],
     "test_mse", "the mse gradient has lost the batch axis 0 of y_hat (6, 3): it must be shaped like y_hat"),
    ("04-backpropagation", "dense_backward", [("db = dz.sum(axis=0)", "db = dz.sum(axis=1)")],
     "test_dense_backward", "db has N = 3 entries, one per example: sum over the batch axis 0, not axis 1"),
    ("04-backpropagation", "dense_backward", [("db = dz.sum(axis=0)", "db = dz.sum(axis=1)")],
     "test_mlp_backward", "b2 has N = 10 entries, one per example: sum over the batch axis 0, not axis 1"),
    ("04-backpropagation", "dense_backward", [("db = dz.sum(axis=0)", "db = dz")],
     "test_dense_backward", "db still has every axis of dz (3, 4): sum over the batch axis 0"),
    ("04-backpropagation", "dense_backward", [("db = dz.sum(axis=0)", "db = dz.sum()")],
     "test_dense_backward", "db is a single number: you summed over every axis of dz; sum over the batch axis 0 only"),
    ("04-backpropagation", "dense_backward", [("db = dz.sum(axis=0)", "db = dz.sum(axis=0, keepdims=True)")],
     "test_dense_backward", "it has an extra axis 0 of length 1: drop keepdims=True"),
    ("04-backpropagation", "dense_backward", [("dW = x.T @ dz", "dW = dz.T @ x")],
     "test_dense_backward", "rows and columns are swapped: a missing (or extra) transpose"),
    ("05-optimizers", "train", [('            history["step_loss"].append(loss)\n', ""),
                                ('        history["epoch_loss"].append(total / len(X))\n',
                                 '        history["epoch_loss"].append(total / len(X))\n'
                                 '        history["step_loss"].append(loss)\n')],
     "test_train", "axis 0 has 3 entries, one per epoch, where it needs 21: it is sized by the wrong dimension"),
    ("06-initialization", "initializers", [("size=(fan_in, fan_out))\n    ### END SOLUTION\n\n\ndef he",
                                            "size=fan_in)\n    ### END SOLUTION\n\n\ndef he")],
     "test_initializers", "an axis is missing: yours is (fan_in = 200,) where (fan_in = 200, fan_out = 300) belongs"),
    ("06-initialization", "initializers", [("np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))",
                                            "np.sqrt(2.0 / fan_in), size=(fan_in, fan_in))")],
     "test_initializers", "axis 1 has fan_in = 200 entries, where it needs fan_out = 300 entries: it is sized by "
                          "the wrong dimension"),
    ("06-initialization", "initializers", [("np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))",
                                            "np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))")],
     "test_initializers", "rows and columns are swapped"),
    ("06-initialization", "batchnorm_backward", [("dout.sum(axis=0)\n", "dout.sum(axis=1)\n")],
     "test_batchnorm_backward", "dbeta has N = 10 entries, one per example: sum over the batch axis 0, not axis 1"),
    ("06-initialization", "batchnorm_backward", [("(dout * z_hat).sum(axis=0)", "(dout * z_hat).sum()")],
     "test_batchnorm_backward", "dgamma is a single number: you summed over every axis of dout; sum over the "
                                "batch axis 0 only"),
    ("06-initialization", "layer_statistics", [("for out in outputs[:-1]]),", "for out in outputs]),")],
     "test_layer_statistics", "axis 0 has 4 entries instead of 3: off by one"),
    ("07-regularization", "dropout", [("rng.random(h.shape)", "rng.random(h.shape[1])")],
     "test_dropout", "mask has lost the batch axis 0 of h (400, 250): it must be shaped like h"),
    ("07-regularization", "l2_penalty", [("[lam * W for W in weights]", "[lam * W.sum(axis=0) for W in weights]")],
     "test_l2_penalty", "has lost axis 0 of weights[0] (4, 3): it must be shaped like weights[0]"),
    ("08-evaluation", "precision_recall_curve", [("np.r_[precision[::-1], 1.0]", "precision[::-1]")],
     "test_precision_recall_curve", "axis 0 has 8 entries instead of 9: off by one"),
    ("10-capstone", "prepare", [("return (scaler.transform(X_tr), y_tr)", "return (scaler.transform(X_tr)[:, 1:], y_tr)")],
     "test_prepare", "axis 1 has 63 entries instead of 64: off by one"),
]


def _solution(assignment):
    return nbformat.read(str(ROOT / "solutions" / assignment / f"{assignment}.ipynb"), as_version=4)


@pytest.mark.parametrize("assignment, cell, edits, test, words", CASES,
                         ids=[f"{c[0][:2]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_a_shape_mistake_is_named(assignment, cell, edits, test, words):
    nb = _solution(assignment)
    for old, new in edits:
        nb = plant(nb, cell, old, new)
    grade = grade_in_process(nb)
    assert grade.points[test] == 0, f"the planted shape mistake did not fail {test}: {grade.messages}"
    message = grade.messages[test]
    assert message.startswith("dlkit.checks.CheckFailure: ") and "has shape" in message, message
    assert words in message, message
    assert "off by one" not in message or "off by one" in words, message     # no neighbour of the mistake


def test_every_assignment_but_the_gpu_one_has_a_case():
    covered = {case[0] for case in CASES}
    assert covered == {a.name for a in (ROOT / "solutions").glob("[0-9][0-9]-*")} - {"09-gpu"}
