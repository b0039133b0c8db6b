"""dlkit.metrics against scikit-learn, the oracle, on random, imbalanced and degenerate labels."""
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm

from dlkit import metrics


def _labels(n_classes, n=300, seed=0, p=None):
    """Random y_true and a y_pred that is right about 60% of the time; p gives imbalanced classes."""
    rng = np.random.default_rng(seed)
    y_true = rng.choice(n_classes, size=n, p=p)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.choice(n_classes, size=n))
    return y_true.astype(np.int64), y_pred.astype(np.int64)


CASES = {
    "binary": _labels(2),
    "binary_imbalanced": _labels(2, p=[0.9, 0.1], seed=1),
    "five": _labels(5, seed=2),
    "five_imbalanced": _labels(5, seed=3, p=[0.5, 0.3, 0.1, 0.07, 0.03]),
}


def _sk(fn, y_true, y_pred, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # sklearn warns on zero_division; we compare values only
        return fn(y_true, y_pred, **kw)


@pytest.mark.parametrize("case", CASES)
def test_accuracy_and_confusion_matrix_match_sklearn(case):
    y_true, y_pred = CASES[case]
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    cm = metrics.confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(y_true, y_pred))
    assert cm.dtype == np.int64 and cm.sum() == len(y_true)


@pytest.mark.parametrize("case, average", [(case, average) for case in CASES for average in metrics.AVERAGES
                                           if average != "binary" or case.startswith("binary")])
def test_precision_recall_f1_match_sklearn(case, average):
    y_true, y_pred = CASES[case]
    pairs = [(metrics.precision, skm.precision_score), (metrics.recall, skm.recall_score),
             (metrics.f1_score, skm.f1_score)]
    for ours, theirs in pairs:
        assert ours(y_true, y_pred, average=average) == pytest.approx(
            theirs(y_true, y_pred, average=average))
    both = metrics.precision_recall_f1(y_true, y_pred, average=average)
    assert both["f1"] == pytest.approx(skm.f1_score(y_true, y_pred, average=average))


def test_pos_label_matches_sklearn():
    y_true, y_pred = CASES["binary_imbalanced"]
    for ours, theirs in [(metrics.precision, skm.precision_score), (metrics.recall, skm.recall_score),
                         (metrics.f1_score, skm.f1_score)]:
        assert ours(y_true, y_pred, pos_label=0) == pytest.approx(theirs(y_true, y_pred, pos_label=0))


@pytest.mark.parametrize("zero_division", [0.0, 1.0])
@pytest.mark.parametrize("average", ["macro", "micro"])
def test_class_never_predicted_uses_zero_division(average, zero_division):
    y_true, y_pred = _labels(5, seed=4, p=[0.4, 0.3, 0.2, 0.05, 0.05])
    y_pred = np.where(y_pred == 3, 0, y_pred)                       # class 3 is never predicted
    for ours, theirs in [(metrics.precision, skm.precision_score), (metrics.recall, skm.recall_score),
                         (metrics.f1_score, skm.f1_score)]:
        kw = {"average": average, "zero_division": zero_division}
        assert ours(y_true, y_pred, **kw) == pytest.approx(_sk(theirs, y_true, y_pred, **kw))


@pytest.mark.parametrize("zero_division", [0.0, 1.0])
def test_binary_never_predicts_positive(zero_division):
    y_true = np.array([0, 1, 0, 1, 0])
    y_pred = np.zeros(5, dtype=np.int64)
    kw = {"zero_division": zero_division}
    assert metrics.precision(y_true, y_pred, **kw) == _sk(skm.precision_score, y_true, y_pred, **kw)
    assert metrics.f1_score(y_true, y_pred, **kw) == _sk(skm.f1_score, y_true, y_pred, **kw)
    # no positives anywhere: every ratio is 0/0
    zeros = np.zeros(4, dtype=np.int64)
    for ours, theirs in [(metrics.precision, skm.precision_score), (metrics.recall, skm.recall_score),
                         (metrics.f1_score, skm.f1_score)]:
        assert ours(zeros, zeros, **kw) == _sk(theirs, zeros, zeros, **kw)


def test_scores_are_turned_into_labels_by_argmax():
    y_true, y_pred = CASES["five"]
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(len(y_pred), 5))
    logits[np.arange(len(y_pred)), y_pred] += 10.0                 # the argmax is y_pred
    assert metrics.accuracy(y_true, logits) == metrics.accuracy(y_true, y_pred)
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, logits),
                                  metrics.confusion_matrix(y_true, y_pred))
    assert metrics.f1_score(y_true, logits, average="macro") == metrics.f1_score(y_true, y_pred, average="macro")
    # one logit column is a binary prediction: 1 where it is > 0
    one = np.array([[-1.0], [2.0], [0.5]])
    assert metrics.accuracy([0, 1, 0], one) == pytest.approx(2 / 3)


def test_confusion_matrix_n_classes_pads_missing_classes():
    cm = metrics.confusion_matrix([0, 1, 1], [0, 1, 0], n_classes=4)
    np.testing.assert_array_equal(cm, skm.confusion_matrix([0, 1, 1], [0, 1, 0], labels=range(4)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_precision_recall_curve_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    y_true = (rng.random(200) < 0.3).astype(np.int64)
    scores = np.round(rng.random(200) + 0.5 * y_true, 2)             # rounding makes ties
    for ours, theirs in zip(metrics.precision_recall_curve(y_true, scores),
                            skm.precision_recall_curve(y_true, scores)):
        np.testing.assert_allclose(ours, theirs)


def test_precision_recall_curve_accepts_two_column_outputs():
    y_true = np.array([0, 1, 1, 0, 1])
    probs = np.array([0.2, 0.9, 0.6, 0.4, 0.3])
    two = np.column_stack([1 - probs, probs])
    for ours, theirs in zip(metrics.precision_recall_curve(y_true, two),
                            metrics.precision_recall_curve(y_true, probs)):
        np.testing.assert_allclose(ours, theirs)


def test_classification_report_is_a_readable_table():
    y_true, y_pred = CASES["five_imbalanced"]
    report = metrics.classification_report(y_true, y_pred)
    assert isinstance(report, str)
    for word in ("precision", "recall", "f1", "support", "accuracy", "macro avg", "weighted avg"):
        assert word in report
    sk = skm.classification_report(y_true, y_pred, output_dict=True)
    assert f"{sk['macro avg']['f1-score']:.3f}" in report
    assert f"{sk['weighted avg']['precision']:.3f}" in report
    assert f"{sk['accuracy']:.3f}" in report


def test_bad_input_messages():
    with pytest.raises(ValueError, match="y_true has 3 labels but y_pred has 2"):
        metrics.accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="y_true is empty"):
        metrics.accuracy([], [])
    with pytest.raises(TypeError, match="y_true must hold integer"):
        metrics.accuracy([0.5, 1.0], [0, 1])
    with pytest.raises(TypeError, match="y_pred must hold integer"):
        metrics.precision([0, 1], [0.2, 0.7])
    with pytest.raises(ValueError, match="average='binary'.*'macro'.*'micro'"):
        metrics.f1_score([0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="average.*'binary', 'macro', 'micro'"):
        metrics.recall([0, 1], [0, 1], average="weighted")
    with pytest.raises(ValueError, match="zero_division"):
        metrics.precision([0, 1], [0, 1], zero_division=2.0)
    with pytest.raises(ValueError, match="pos_label"):
        metrics.precision([1, 2], [1, 2], pos_label=0)
    with pytest.raises(ValueError, match="n_classes"):
        metrics.confusion_matrix([0, 3], [0, 1], n_classes=2)
    with pytest.raises(ValueError, match="y_true must be class indices"):
        metrics.precision_recall_curve([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="no positive examples"):
        metrics.precision_recall_curve([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="scores must be"):
        metrics.precision_recall_curve([0, 1], np.zeros((2, 3)))
