"""Typical mistakes, planted one at a time in this assignment's solution by tests/test_course.py: each must cost
the points of the test cells in ``fails`` and say ``says``. nbgrader never releases this file."""

BUGS = [
    dict(cell="activations",
         old="e = np.exp(-np.abs(z))                           # in (0, 1]: never overflows\n"
             "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
         new="return 1.0 / (1.0 + np.exp(-z))", fails={"test_activations", "test_derivatives"},
         says="numerically stable"),                                                           # naive sigmoid
    dict(cell="activations", old="np.maximum(z, 0.0)", new="np.minimum(z, 0.0)", fails={"test_activations"},
         says="relu(z) has the right shape"),                                                  # min for max
    dict(cell="activations", old="LEAKY_SLOPE * z)", new="-LEAKY_SLOPE * z)", fails={"test_activations", "test_mlp"},
         says="opposite sign"),
    dict(cell="derivatives", old="s * (1.0 - s)", new="s * (s - 1.0)", fails={"test_derivatives"},
         says="opposite sign"),
    dict(cell="derivatives", old="(z > 0).astype(np.float64)", new="(z >= 0).astype(np.float64)",
         fails={"test_derivatives"}, says="at z = 0 the derivative must be 0"),
    dict(cell="derivatives", old="(z > 0).astype(np.float64)", new="z > 0", fails={"test_derivatives"},
         says="returned booleans"),
    dict(cell="dense", old="X @ W + b", new="X @ W", fails={"test_dense", "test_mlp"}, says="the bias is missing"),
    dict(cell="dense", old="X @ W + b", new="X @ W.T + b", fails={"test_dense", "test_mlp"},
         says="shapes do not fit together"),                                                   # extra transpose
    dict(cell="mlp", old="h = z if k == n_layers else ACTIVATIONS[activation](z)", new="h = ACTIVATIONS[activation](z)",
         fails={"test_mlp"}, says="last layer applies the activation", real_run=True),
    dict(cell="mlp", old="range(1, n_layers + 1)", new="range(1, n_layers)", fails={"test_mlp"},
         says="should have shape (7, 3)"),                                                     # off by one
]
