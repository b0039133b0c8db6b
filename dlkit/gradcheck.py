"""Numerical gradients by centered differences, and the relative error used to judge them.

Rule of thumb in float64 with eps = 1e-6: relative error < 1e-7 means correct; 1e-7 .. 1e-4 look again
(kinks such as ReLU at 0 can cause it); > 1e-4 means a bug.
"""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """d f / d x by centered differences: f() -> float, x any shape (changed in place and restored) -> like x.
    Module 04."""
    grad = np.zeros(x.shape, dtype=np.float64)
    flat, out = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be a contiguous array that f reads (its values are nudged in place)")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f()
        flat[i] = old - eps
        minus = f()
        flat[i] = old
        out[i] = (plus - minus) / (2 * eps)
    return grad


def rel_error(a, b, floor=1e-12):
    """Largest error relative to the gradient's scale: max|a - b| / max(max|a|, max|b|).

    Dividing each element by its own size instead would flag tiny entries (a saturated unit's 1e-5 gradient)
    whose absolute error is only the finite-difference noise.
    Module 04.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0), floor)
    return float(np.max(np.abs(a - b), initial=0.0) / scale)


def check_model_gradients(model, X, y, loss, l1=0.0, l2=0.0, eps=1e-6):
    """Relative error of every analytic gradient of ``model`` against a numerical one: {"W1": err, ...}. Module 04."""
    _, grads = model.loss_and_grads(X, y, loss=loss, l1=l1, l2=l2)
    errors = {}
    for name, param in model.params.items():
        numeric = numerical_gradient(lambda: model.loss_and_grads(X, y, loss=loss, l1=l1, l2=l2)[0], param, eps)
        errors[name] = rel_error(grads[name], numeric)
    return errors
