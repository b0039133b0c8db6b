"""Loss functions and their gradients, side by side, following PyTorch's definitions (batch mean).

Two forms compute the same numbers:

* ``loss_and_grad(name, y_hat, y)`` — readable numpy: ``y_hat (N, C)`` outputs/logits -> ``(loss, dy_hat (N, C))``;
* ``row_loss(out, t, kind, dout)`` — one example at a time, compiled by the ``cpu`` and ``cuda`` backends
  inside their fused training steps. It returns the example's loss and writes its gradient into ``dout``;
  the caller divides both by N.

Targets: regression losses (mse, mae, huber) take floats ``y (N,)`` or ``(N, C)``; classification losses take
integer labels ``y (N,)``: binary_cross_entropy and binary hinge use one logit per example (C = 1) and labels
0/1, cross_entropy and multiclass hinge use C logits and labels 0..C-1.
"""
from __future__ import annotations

import math

import numpy as np

from .activations import sigmoid
from .packing import (FIRST_CLASSIFICATION_LOSS, LOSS_BINARY_CROSS_ENTROPY, LOSS_CROSS_ENTROPY, LOSS_HINGE,
                      LOSS_MAE, LOSS_MSE, LOSSES)
from .validation import check_choice

NAMES = LOSSES                                       # the kernels get the integer ids (dlkit.packing)
ID = {name: i for i, name in enumerate(NAMES)}
CLASSIFICATION = LOSSES[FIRST_CLASSIFICATION_LOSS:]      # ("binary_cross_entropy", "cross_entropy", "hinge")
HUBER_DELTA = 1.0
HINGE_MARGIN = 1.0


def mse(y_hat, y):
    """Mean squared error over all N*C elements: (N, C), (N, C) -> scalar, dy_hat (N, C). Module 03."""
    diff = y_hat - y
    return np.mean(diff ** 2), 2.0 * diff / diff.size


def mae(y_hat, y):
    """Mean absolute error; its gradient is the sign of the error (0 at 0, as in PyTorch). Module 03."""
    diff = y_hat - y
    return np.mean(np.abs(diff)), np.sign(diff) / diff.size


def huber(y_hat, y, delta=HUBER_DELTA):
    """Quadratic for |error| < delta, linear beyond: MSE's smoothness with MAE's robustness. Module 03."""
    diff = y_hat - y
    small = np.abs(diff) < delta
    loss = np.where(small, 0.5 * diff ** 2, delta * (np.abs(diff) - 0.5 * delta))
    grad = np.where(small, diff, delta * np.sign(diff))
    return np.mean(loss), grad / diff.size


def binary_cross_entropy(logits, y):
    """BCE from logits (N, 1) and labels (N,) in {0, 1}; stable: max(z,0) - z*y + log(1 + e^-|z|). Module 03."""
    z = logits[:, 0]
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return np.mean(loss), ((sigmoid(z) - y) / len(z))[:, None]


def softmax(logits):
    """Row-wise softmax (N, C) -> (N, C), shifted by the row max so exp never overflows. Module 03."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(logits):
    """Row-wise log-softmax via log-sum-exp: z - max - log(sum(exp(z - max))). Module 03."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(logits, y):
    """Softmax cross-entropy from logits (N, C) and integer labels (N,); gradient (softmax - onehot) / N. Module 03."""
    n = logits.shape[0]
    rows = np.arange(n)
    loss = -log_softmax(logits)[rows, y].mean()
    grad = softmax(logits)
    grad[rows, y] -= 1.0
    return loss, grad / n


def hinge(y_hat, y):
    """Binary hinge on one score per example (labels 0/1 -> -1/+1), or PyTorch's MultiMarginLoss for C > 1.
    Module 03."""
    n, c = y_hat.shape
    rows = np.arange(n)
    if c == 1:
        t = 2.0 * y - 1.0
        margin = HINGE_MARGIN - t * y_hat[:, 0]
        active = margin > 0
        return np.mean(np.maximum(margin, 0)), (-(t * active) / n)[:, None]
    margins = HINGE_MARGIN - y_hat[rows, y][:, None] + y_hat       # (N, C)
    margins[rows, y] = 0.0
    active = (margins > 0).astype(y_hat.dtype)
    grad = active.copy()
    grad[rows, y] = -active.sum(axis=1)
    return np.maximum(margins, 0).sum() / (n * c), grad / (n * c)


FUNCTIONS = {"mse": mse, "mae": mae, "huber": huber, "binary_cross_entropy": binary_cross_entropy,
             "cross_entropy": cross_entropy, "hinge": hinge}


def predict_classes(y_hat):
    """The class a classifier predicts from its outputs: y_hat (N, C) -> (N,) int64, the argmax of the C
    logits, or 1 where a single logit (C = 1) is > 0. Module 02.

    The same rule one example at a time is :func:`row_class`, which the compiled backends use."""
    y_hat = np.asarray(y_hat)
    return (y_hat[:, 0] > 0).astype(np.int64) if y_hat.shape[1] == 1 else y_hat.argmax(axis=1)


def probabilities(logits):
    """Class probabilities (N, C) from a classifier's outputs, in float64: the softmax of (N, C) logits, or,
    for one logit per example ((N,) or (N, 1)), its sigmoid p as the two columns [1 - p, p]. Module 03."""
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim not in (1, 2):
        raise ValueError(f"logits must be (N,) or (N, C), got shape {z.shape}")
    if z.ndim == 1 or z.shape[1] == 1:
        p = sigmoid(z.reshape(-1))
        return np.column_stack([1 - p, p])
    with np.errstate(invalid="ignore", over="ignore"):      # a diverged model's inf logits give nan, not noise
        return softmax(z)


def loss_and_grad(name: str, y_hat, y):
    """Batch-mean loss and its gradient w.r.t. the outputs: (N, C), targets -> (scalar, (N, C)). Module 03."""
    name = check_choice("loss", name, NAMES)
    if name not in CLASSIFICATION:
        y = np.asarray(y, dtype=y_hat.dtype).reshape(y_hat.shape)
    loss, grad = FUNCTIONS[name](y_hat, y)
    return float(loss), grad.astype(y_hat.dtype, copy=False)


# ---- one example at a time, compiled by the cpu and cuda backends ----------------------------------------

def row_loss(out, t, kind, dout):
    """Loss of one example (out (C,), target row t) and its gradient into dout (C,); both not yet / N.

    ``t`` holds the class index in ``t[0]`` for classification losses, the C targets for regression.
    Module 09.
    """
    c = out.shape[0]
    outputs = float(c)                                  # the count, as a number of the outputs' real type
    if kind == LOSS_BINARY_CROSS_ENTROPY:               # from one logit
        z = out[0]
        e = math.exp(-abs(z))
        p = 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)
        dout[0] = p - t[0]
        return max(z, 0.0) - z * t[0] + math.log1p(e)
    if kind == LOSS_CROSS_ENTROPY:                      # softmax cross-entropy, log-sum-exp stable
        label = int(t[0])
        m = out[0]
        for j in range(1, c):
            m = max(m, out[j])
        total = 0.0
        for j in range(c):
            total += math.exp(out[j] - m)
        for j in range(c):
            dout[j] = math.exp(out[j] - m) / total
        dout[label] -= 1.0
        return m + math.log(total) - out[label]
    if kind == LOSS_HINGE and c == 1:                   # binary hinge, labels 0/1 -> -1/+1
        sign = 2.0 * t[0] - 1.0
        margin = HINGE_MARGIN - sign * out[0]
        dout[0] = -sign if margin > 0.0 else 0.0
        return max(margin, 0.0)
    if kind == LOSS_HINGE:                              # multiclass margin loss, mean over C
        label = int(t[0])
        loss = 0.0
        active = 0.0
        for j in range(c):
            dout[j] = 0.0
            if j != label:
                margin = HINGE_MARGIN - out[label] + out[j]
                if margin > 0.0:
                    loss += margin
                    dout[j] = 1.0 / outputs
                    active += 1.0
        dout[label] = -active / outputs
        return loss / outputs
    loss = 0.0                                          # elementwise regression losses, mean over C
    for j in range(c):
        e = out[j] - t[j]
        if kind == LOSS_MSE:
            loss += e * e
            dout[j] = 2.0 * e / outputs
        elif kind == LOSS_MAE:
            loss += abs(e)
            dout[j] = (1.0 if e > 0.0 else (-1.0 if e < 0.0 else 0.0)) / outputs
        elif abs(e) < HUBER_DELTA:                      # LOSS_HUBER
            loss += 0.5 * e * e
            dout[j] = e / outputs
        else:
            loss += HUBER_DELTA * (abs(e) - 0.5 * HUBER_DELTA)
            dout[j] = (HUBER_DELTA if e > 0.0 else -HUBER_DELTA) / outputs
    return loss / outputs


def row_class(out):
    """The class :func:`predict_classes` predicts for one example's outputs out (C,): argmax, or logit > 0.
    Module 09."""
    c = out.shape[0]
    if c == 1:
        return 1 if out[0] > 0.0 else 0
    best = 0
    for j in range(1, c):
        if out[j] > out[best]:
            best = j
    return best


def is_classification(kind):
    """Whether loss ``kind`` (an id from ``ID``) takes class labels: the scalar form of ``CLASSIFICATION``.
    Module 09."""
    return kind >= FIRST_CLASSIFICATION_LOSS
