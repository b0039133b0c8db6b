"""Typical mistakes, planted one at a time in this assignment's solution by tests/test_course.py: each must cost
the points of the test cells in ``fails`` and say ``says``. nbgrader never releases this file."""

BUGS = [
    dict(cell="mse", old="2.0 * diff / diff.size", new="diff / diff.size", fails={"test_mse"},
         says="0.5 × the reference"),                                                          # lost factor 2
    dict(cell="mse", old="float(np.mean(diff ** 2)), 2.0 * diff / diff.size",
         new="float(np.sum(diff ** 2)), 2.0 * diff", fails={"test_mse"}, says="a sum where a mean belongs"),
    dict(cell="mse", old="diff = y_hat - y", new="diff = y - y_hat", fails={"test_mse"}, says="opposite sign"),
    dict(cell="bce", old="loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))",
         new="loss = -(y * np.log(1 / (1 + np.exp(-z))) + (1 - y) * np.log(1 - 1 / (1 + np.exp(-z))))",
         fails={"test_bce"}, says="numerically stable"),                                       # naive BCE
    dict(cell="bce", old="((p - y) / len(z))[:, None]", new="((y - p) / len(z))[:, None]", fails={"test_bce"},
         says="opposite sign"),
    dict(cell="bce", old="((p - y) / len(z))[:, None]", new="(p - y) / len(z)", fails={"test_bce"},
         says="(N,) and (N, 1)"),
    dict(cell="cross_entropy", old="logits.max(axis=1, keepdims=True)", new="logits.min(axis=1, keepdims=True)",
         fails={"test_cross_entropy"}, says="numerically stable", real_run=True),              # min for max
    dict(cell="cross_entropy", old="logits.max(axis=1, keepdims=True)", new="logits.max()",
         fails={"test_cross_entropy"}, says="numerically stable"),                             # global max
    dict(cell="cross_entropy", old="    grad[np.arange(N), y] -= 1.0\n", new="", fails={"test_cross_entropy"},
         says="subtract 1 at the true class"),
    dict(cell="cross_entropy", old="return float(loss), grad / N", new="return float(loss), grad",
         fails={"test_cross_entropy"}, says="did not divide by N"),
    dict(cell="hinge", old="t = 2.0 * y - 1.0", new="t = y", fails={"test_hinge"}, says="t = 2y − 1"),
    dict(cell="hinge", old="(-t * active / len(s))", new="(t * active / len(s))", fails={"test_hinge"},
         says="opposite sign"),
]
