"""Typical mistakes, planted one at a time in this assignment's solution by tests/test_course.py: each must cost
the points of the test cells in ``fails`` and say ``says``. nbgrader never releases this file."""

METRIC_TESTS = {"test_binary", "test_macro_micro"}

BUGS = [
    dict(cell="confusion_matrix", old="np.add.at(cm, (y_true, y_pred), 1)", new="np.add.at(cm, (y_pred, y_true), 1)",
         fails={"test_confusion_matrix"}, says="transposed"),
    dict(cell="confusion_matrix", old="np.add.at(cm, (y_true, y_pred), 1)", new="cm[y_true, y_pred] += 1",
         fails={"test_confusion_matrix"}, says="counted once"),
    dict(cell="confusion_matrix", old="int(max(y_true.max(), y_pred.max())) + 1",
         new="int(max(y_true.max(), y_pred.max()))", fails={"test_confusion_matrix"}, says="off-by-one"),
    dict(cell="precision_recall_f1", old="precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)",
         new="precision, recall = ratio(tp, tp + fn), ratio(tp, tp + fp)", fails=METRIC_TESTS, says="swapped",
         real_run=True),
    dict(cell="precision_recall_f1", old="f1 = ratio(2 * tp, 2 * tp + fp + fn)", new="f1 = (precision + recall) / 2",
         fails=METRIC_TESTS, says="harmonic"),
    dict(cell="precision_recall_f1", old="np.where(den > 0, num / np.where(den > 0, den, 1.0), zero_division)",
         new="num / den", fails=METRIC_TESTS, says="zero_division wherever"),
    dict(cell="precision_recall_f1", old="labels = np.union1d(y_true, y_pred)", new="labels = np.unique(y_true)",
         fails={"test_macro_micro"}, says="y_true only"),
    dict(cell="precision_recall_f1", old="        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()", new="        pass",
         fails={"test_macro_micro"}, says="that is the macro average"),
    dict(cell="precision_recall_f1",
         old="return float(np.mean(precision)), float(np.mean(recall)), float(np.mean(f1))",
         new=("return float(np.mean(precision)), float(np.mean(recall)), float(2 * np.mean(precision) * np.mean(rec"
              "all) / (np.mean(precision) + np.mean(recall)))"),
         fails=METRIC_TESTS, says="per-class F1"),
    dict(cell="precision_recall_curve", old="last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]",
         new="last = np.arange(len(s))", fails={"test_precision_recall_curve"}, says="equal scores share"),
    dict(cell="precision_recall_curve",
         old="return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], s[last][::-1]",
         new="return np.r_[precision, 1.0], np.r_[recall, 0.0], s[last]", fails={"test_precision_recall_curve"},
         says="wrong way"),
    dict(cell="precision_recall_curve", old="np.r_[precision[::-1], 1.0]", new="precision[::-1]",
         fails={"test_precision_recall_curve"}, says="off by one"),
]
