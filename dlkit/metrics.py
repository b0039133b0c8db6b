"""Classification metrics, following scikit-learn's definitions so students can check one against the other.

Every function takes ``y_true (N,)`` integer labels and ``y_pred`` as either labels ``(N,)`` or model outputs
``(N, C)`` (scores, logits or probabilities: the argmax is the prediction; a single column is a binary logit,
predicted 1 where it is > 0, as ``MLP.predict`` does).

Averages: ``binary`` reports the class ``pos_label`` only; ``macro`` is the unweighted mean over the classes
present in y_true or y_pred (each class counts the same, however rare); ``micro`` pools every decision, which
for single-label problems equals accuracy.
"""
from __future__ import annotations

import numpy as np

from .losses import predict_classes
from .validation import check_array, check_choice, check_labels, check_number, check_probability

__all__ = [
    "AVERAGES", "accuracy", "confusion_matrix", "precision", "recall", "f1_score", "precision_recall_f1",
    "precision_recall_curve", "classification_report",
]

AVERAGES = ("binary", "macro", "micro")


# ---------------------------------------------------------------- input checks

def _predicted_labels(y_pred):
    """Labels (N,) int64 from labels (N,) or outputs (N, C); also the column count C (or None)."""
    arr = check_array("y_pred", y_pred, ndim=(1, 2))
    if arr.ndim == 1:
        return check_labels("y_pred", arr), None
    return predict_classes(arr).astype(np.int64), max(arr.shape[1], 2)     # one logit: two classes


def _check_pair(y_true, y_pred):
    """-> y_true (N,) int64, y_pred (N,) int64, the column count of scores (or None)."""
    y_true = check_labels("y_true", y_true)
    y_pred, n_cols = _predicted_labels(y_pred)
    if len(y_pred) != len(y_true):
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}; they must match")
    return y_true, y_pred, n_cols


# ---------------------------------------------------------------- counts

def accuracy(y_true, y_pred):
    """Fraction of correct predictions: y_true (N,), y_pred (N,) or (N, C) -> float. Module 01."""
    y_true, y_pred, _ = _check_pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes=None):
    """Counts (C, C) int64: row = true class, column = predicted class. Module 08."""
    y_true, y_pred, n_cols = _check_pair(y_true, y_pred)
    seen = int(max(y_true.max(), y_pred.max())) + 1
    if n_classes is None:
        n_classes = max(seen, n_cols or 0)
    n_classes = check_number("n_classes", n_classes, integer=True, positive=True)
    if seen > n_classes:
        raise ValueError(f"n_classes is {n_classes} but the labels go up to {seen - 1}; "
                         f"n_classes must be at least {seen}")
    # each (true, pred) pair becomes one cell index of the flattened C x C matrix
    flat = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def _per_class_counts(y_true, y_pred, labels):
    """True positives, false positives, false negatives per label: three (K,) int64 arrays."""
    hit = (y_true[:, None] == labels) & (y_pred[:, None] == labels)           # (N, K)
    tp = hit.sum(axis=0)
    fp = (y_pred[:, None] == labels).sum(axis=0) - tp
    fn = (y_true[:, None] == labels).sum(axis=0) - tp
    return tp, fp, fn


def _ratio(num, den, zero_division):
    """num / den elementwise, with zero_division where den == 0 (e.g. a class that is never predicted)."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), zero_division)


# ---------------------------------------------------------------- precision, recall, F1

def _scores(y_true, y_pred, average, pos_label, zero_division):
    """The three metrics under one averaging rule -> {'precision', 'recall', 'f1'} of floats."""
    y_true, y_pred, _ = _check_pair(y_true, y_pred)
    average = check_choice("average", average, AVERAGES)
    pos_label = check_number("pos_label", pos_label, integer=True)
    zero_division = check_probability("zero_division", zero_division, upper_open=False)
    labels = np.union1d(y_true, y_pred)                                       # (K,) classes that occur
    if average == "binary":
        labels = _binary_label(labels, pos_label)
    tp, fp, fn = _per_class_counts(y_true, y_pred, labels)
    if average == "micro":
        # pooling the counts first weights every decision equally instead of every class
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    p = _ratio(tp, tp + fp, zero_division)
    r = _ratio(tp, tp + fn, zero_division)
    f = _ratio(2 * tp, 2 * tp + fp + fn, zero_division)
    return {"precision": float(np.mean(p)), "recall": float(np.mean(r)), "f1": float(np.mean(f))}


def _binary_label(labels, pos_label):
    """Check the labels suit average='binary' and return the positive class as a (1,) array."""
    if len(labels) > 2:
        raise ValueError(f"average='binary' needs two classes but the labels hold {len(labels)} "
                         f"({', '.join(map(str, labels[:10]))}); use average='macro' or average='micro'")
    if pos_label not in labels and len(labels) == 2:
        raise ValueError(f"pos_label={pos_label} is not one of the labels {labels.tolist()}")
    return np.array([pos_label])


def precision(y_true, y_pred, average="binary", pos_label=1, zero_division=0.0):
    """TP / (TP + FP): of the examples predicted positive, how many are. y_true (N,), y_pred (N,) or (N, C).
    Module 08."""
    return _scores(y_true, y_pred, average, pos_label, zero_division)["precision"]


def recall(y_true, y_pred, average="binary", pos_label=1, zero_division=0.0):
    """TP / (TP + FN): of the positive examples, how many were found. y_true (N,), y_pred (N,) or (N, C). Module 08."""
    return _scores(y_true, y_pred, average, pos_label, zero_division)["recall"]


def f1_score(y_true, y_pred, average="binary", pos_label=1, zero_division=0.0):
    """Harmonic mean of precision and recall, 2TP / (2TP + FP + FN); macro averages the per-class F1. Module 08."""
    return _scores(y_true, y_pred, average, pos_label, zero_division)["f1"]


def precision_recall_f1(y_true, y_pred, average="binary", pos_label=1, zero_division=0.0):
    """All three at once -> {'precision': float, 'recall': float, 'f1': float}. Module 08."""
    return _scores(y_true, y_pred, average, pos_label, zero_division)


# ---------------------------------------------------------------- threshold curve

def _positive_scores(scores, n_rows):
    """Scores (N,), one logit (N, 1) or two-class outputs (N, 2) -> the positive-class score (N,)."""
    s = check_array("scores", scores, ndim=(1, 2), dtype=np.float64)
    if s.ndim == 2:
        if s.shape[1] not in (1, 2):
            raise ValueError(f"scores must be (N,), (N, 1) or (N, 2) for a binary problem, got shape {s.shape}")
        s = s[:, -1]
    if len(s) != n_rows:
        raise ValueError(f"y_true has {n_rows} labels but scores has {len(s)}; they must match")
    return s


def precision_recall_curve(y_true, scores):
    """Precision and recall at every distinct threshold, as scikit-learn: y_true (N,) 0/1, scores (N,).

    Returns precision (K+1,), recall (K+1,) (decreasing, ending at the point (recall 0, precision 1)) and the
    increasing thresholds (K,); predicting 1 where score >= thresholds[i] gives precision[i], recall[i].
    Module 08.
    """
    y_true = check_labels("y_true", y_true, n_classes=2)
    s = _positive_scores(scores, len(y_true))
    if not y_true.any():
        raise ValueError("y_true has no positive examples (label 1); recall is undefined")
    order = np.argsort(-s, kind="stable")                                     # highest score first
    s, y = s[order], y_true[order]
    # the last position of each run of equal scores: one threshold per distinct score
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tps = np.cumsum(y)[last]                                                  # (K,) positives above threshold
    fps = (last + 1) - tps
    prec = tps / (tps + fps)
    rec = tps / tps[-1]
    return np.r_[prec[::-1], 1.0], np.r_[rec[::-1], 0.0], s[last][::-1]


# ---------------------------------------------------------------- report

def classification_report(y_true, y_pred, digits=3):
    """A table of per-class precision, recall, F1 and support, plus accuracy, macro and weighted averages. Module 08."""
    y_true, y_pred, _ = _check_pair(y_true, y_pred)
    digits = check_number("digits", digits, integer=True, low=0, high=10)
    labels = np.union1d(y_true, y_pred)
    tp, fp, fn = _per_class_counts(y_true, y_pred, labels)
    p, r = _ratio(tp, tp + fp, 0.0), _ratio(tp, tp + fn, 0.0)
    f = _ratio(2 * tp, 2 * tp + fp + fn, 0.0)
    support = tp + fn                                                         # (K,) true examples per class
    width = max(12, digits + 6)
    head = f"{'':>12}" + "".join(f"{h:>{width}}" for h in ("precision", "recall", "f1", "support"))

    def num(v):
        return f"{v:>{width}.{digits}f}"

    lines = [head, ""]
    for k, label in enumerate(labels):
        lines.append(f"{label:>12}" + num(p[k]) + num(r[k]) + num(f[k]) + f"{support[k]:>{width}}")
    n = len(y_true)
    lines += ["", f"{'accuracy':>12}" + " " * 2 * width + num(np.mean(y_true == y_pred)) + f"{n:>{width}}"]
    w = support / n                                                           # weights of the weighted average
    lines.append(f"{'macro avg':>12}" + num(p.mean()) + num(r.mean()) + num(f.mean()) + f"{n:>{width}}")
    lines.append(f"{'weighted avg':>12}" + num(w @ p) + num(w @ r) + num(w @ f) + f"{n:>{width}}")
    return "\n".join(lines)
