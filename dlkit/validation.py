"""Argument checks run before any kernel: each failure names the parameter, what it got and what is allowed.

Every public function in dlkit calls these first, so a student sees
``ValueError: lr must be a positive number, got -0.1`` instead of a Numba typing error from deep inside.
"""
from __future__ import annotations

import numbers

import numpy as np


def check_choice(name: str, value, allowed) -> str:
    """Return ``value`` if it is one of ``allowed`` (strings), else raise listing the allowed names."""
    allowed = list(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {', '.join(map(repr, allowed))}; got {value!r}")
    key = value.lower().replace("-", "_")
    if key not in allowed:
        raise ValueError(f"unknown {name} {value!r}; allowed: {', '.join(map(repr, allowed))}")
    return key


def check_number(name: str, value, *, positive=False, nonnegative=False, low=None, high=None,
                 integer=False) -> float | int:
    """Check that ``value`` is a finite real number (an int when ``integer``) inside the stated range."""
    kind = "an integer" if integer else "a number"
    ok_type = isinstance(value, numbers.Integral) if integer else isinstance(value, numbers.Real)
    if isinstance(value, bool) or not ok_type:
        raise TypeError(f"{name} must be {kind}, got {value!r} of type {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive (> 0), got {value!r}")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be zero or positive, got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value!r}")
    return int(value) if integer else float(value)


def check_probability(name: str, value, *, upper_open=True) -> float:
    """A rate in [0, 1) (or [0, 1] when not ``upper_open``)."""
    value = check_number(name, value, nonnegative=True)
    if value > 1 or (upper_open and value == 1):
        allowed = "[0, 1)" if upper_open else "[0, 1]"
        raise ValueError(f"{name} must be in {allowed}, got {value!r}")
    return value


def check_seed(name: str, seed) -> int:
    """Seeds are non-negative integers (None is not accepted: every run in the course is reproducible)."""
    return check_number(name, seed, nonnegative=True, integer=True)


def check_array(name: str, X, *, ndim=None, dtype=None, min_rows=1, finite=True) -> np.ndarray:
    """Convert to a numpy array and check its rank, emptiness and finiteness.

    ``ndim`` may be an int or a tuple of allowed ranks; ``dtype`` converts (e.g. ``np.float64``).
    """
    if X is None:
        raise TypeError(f"{name} must be an array, got None")
    try:
        arr = np.asarray(X) if dtype is None else np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be numeric array-like; could not convert it: {err}") from None
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"{name} must hold numbers, got an array of dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    if arr.ndim >= 1 and arr.shape[0] < min_rows:
        raise ValueError(f"{name} is empty (shape {arr.shape}); it needs at least {min_rows} row(s)")
    if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name} contains NaN or inf (first at index {tuple(int(i) for i in bad)}); "
                         "clean or impute the data before training")
    return arr


def check_labels(name: str, y, n_classes: int | None = None, n_rows: int | None = None) -> np.ndarray:
    """Integer class labels (N,) in [0, n_classes). Float arrays holding whole numbers are accepted."""
    y = check_array(name, y, ndim=1)
    if y.dtype.kind == "f":
        if not np.all(y == np.round(y)):
            raise TypeError(f"{name} must hold integer class labels, got non-integer values such as "
                            f"{y[y != np.round(y)][0]!r}")
    elif y.dtype.kind not in "iub":
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if n_rows is not None and y.shape[0] != n_rows:
        raise ValueError(f"{name} has {y.shape[0]} labels but X has {n_rows} rows; they must match")
    if y.min() < 0 or (n_classes is not None and y.max() >= n_classes):
        hi = "" if n_classes is None else f" {n_classes - 1}"
        raise ValueError(f"{name} must be class indices in 0..{hi or ' C-1'}; got values from {y.min()} to {y.max()}")
    return y
