"""Typical mistakes, planted one at a time in this assignment's solution by tests/test_course.py: each must cost
the points of the test cells in ``fails`` and say ``says``. nbgrader never releases this file."""

BUGS = [
    dict(cell="standardize", old="(X_test - mean) / std", new="(X_test - X_test.mean(axis=0)) / X_test.std(axis=0)",
         fails={"test_standardize"}, says="its own mean and std", real_run=True),          # leakage
    dict(cell="standardize", old="std = X_train.std(axis=0) ", new="std = X_train.std(axis=0, ddof=1) ",
         fails={"test_standardize"}, says="ddof=1"),
    dict(cell="standardize", old="    std = np.where(std > 0, std, 1.0)", new="    pass",
         fails={"test_standardize"}, says="standard deviation 0"),
    dict(cell="one_hot", old="Y[np.arange(len(y)), y] = 1.0", new="Y[np.arange(len(y)), y - 1] = 1.0",
         fails={"test_one_hot"}, says="off-by-one"),
    dict(cell="one_hot", old="int(y.max()) + 1 if n_classes is None else n_classes", new="int(y.max()) + 1",
         fails={"test_one_hot"}, says="n_classes columns"),
    dict(cell="stratified_split", old="    for c in np.unique(y):",
         new="    order = rng.permutation(len(y))\n    n = int(round(test_size * len(y)))\n"
             "    return X[order[n:]], X[order[:n]], y[order[n:]], y[order[:n]]\n    for c in np.unique(y):",
         fails={"test_stratified_split"}, says="split every class separately"),                 # not stratified
    dict(cell="stratified_split", old="n_test = int(round(test_size * len(rows)))",
         new="n_test = int(test_size * len(rows))", fails={"test_stratified_split"}, says="expected round("),
    dict(cell="stratified_split", old="rows = rng.permutation(", new="rows = np.random.default_rng().permutation(",
         fails={"test_stratified_split"}, says="default_rng(seed)"),                           # seed ignored
    dict(cell="stratified_split", old="y[train], y[test]", new="y[rng.permutation(train)], y[test]",
         fails={"test_stratified_split"}, says="next to their own label"),
    dict(cell="shift", old="out[:, rows_out, cols_out] = images[:, rows_in, cols_in]",
         new="out = np.roll(images, (dy, dx), axis=(1, 2))", fails={"test_shift"}, says="np.roll wraps around"),
    dict(cell="shift", old="out[:, rows_out, cols_out] = images[:, rows_in, cols_in]",
         new="out[:, rows_in, cols_in] = images[:, rows_out, cols_out]", fails={"test_shift"},
         says="the opposite way"),                                                             # flipped sign
    dict(cell="shift", old="out[:, rows_out, cols_out] = images[:, rows_in, cols_in]",
         new="out[:, cols_out, rows_out] = images[:, cols_in, rows_in]", fails={"test_shift"},
         says="dx and dy are swapped"),
]
