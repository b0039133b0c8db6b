"""Scaling features and encoding labels.

Scalers are fit on the training set only and then applied to every other split: scaling with statistics that
include the test set leaks information about it into training.
"""
from __future__ import annotations

import numpy as np

from ..validation import check_array, check_labels, check_number


# ---------------------------------------------------------------- scaling

class _Scaler:
    """Shared fit/transform plumbing: subclasses set ``_fit_stats`` returning (shift (D,), scale (D,))."""

    def __init__(self):
        self._shift = self._scale = None

    def fit(self, X):
        """Learn per-feature statistics from the training set X (N, D); returns self."""
        X = check_array("X", X, ndim=2, dtype=np.float64)
        shift, scale = self._fit_stats(X)
        # a constant column has no spread to divide by; dividing by 1 maps it to 0 instead of NaN
        scale = np.where(scale > 0, scale, 1.0)
        self._shift, self._scale = shift, scale
        return self

    def transform(self, X):
        """Scale X (M, D) with the training statistics -> (M, D) float64."""
        X = self._check_fitted_input(X)
        return (X - self._shift) / self._scale

    def fit_transform(self, X):
        """fit(X) then transform(X): X (N, D) -> (N, D) float64."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Undo transform: scaled (M, D) -> original units (M, D) float64."""
        X = self._check_fitted_input(X)
        return X * self._scale + self._shift

    def _check_fitted_input(self, X):
        if self._shift is None:
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit(X_train) first")
        X = check_array("X", X, ndim=2, dtype=np.float64)
        if X.shape[1] != len(self._shift):
            raise ValueError(f"X has {X.shape[1]} features but the scaler was fit on {len(self._shift)}")
        return X


class Standardizer(_Scaler):
    """Zero mean, unit standard deviation per feature (train statistics): attributes mean_ (D,), std_ (D,).
    Module 01."""

    def _fit_stats(self, X):
        return X.mean(axis=0), X.std(axis=0)

    @property
    def mean_(self):
        return self._shift

    @property
    def std_(self):
        return self._scale


class MinMaxScaler(_Scaler):
    """Maps each training feature onto [0, 1]: attributes min_ (D,), max_ (D,). Module 01."""

    def _fit_stats(self, X):
        self.max_ = X.max(axis=0)
        return X.min(axis=0), self.max_ - X.min(axis=0)

    @property
    def min_(self):
        return self._shift


def _scale_all(scaler, X_train, others):
    """Fit on X_train, transform it and every other array; one array back alone, several as a tuple."""
    out = (scaler.fit_transform(X_train),) + tuple(scaler.transform(X) for X in others)
    return out[0] if len(out) == 1 else out


def standardize(X_train, *others):
    """Standardise X_train (N, D) and each of ``others`` (M, D) with the training mean and std.

    ``X_train_s, X_test_s = standardize(X_train, X_test)``; a single argument gives a single array back.
    Module 01.
    """
    return _scale_all(Standardizer(), X_train, others)


def min_max_scale(X_train, *others):
    """Min-max scale X_train (N, D) and each of ``others`` (M, D) with the training min and max. Module 01."""
    return _scale_all(MinMaxScaler(), X_train, others)


# ---------------------------------------------------------------- labels

def one_hot(y, n_classes=None):
    """Integer labels y (N,) -> one-hot rows (N, C) float64; C = max(y) + 1 unless given. Module 01."""
    if n_classes is not None:
        n_classes = check_number("n_classes", n_classes, integer=True, positive=True)
    y = check_labels("y", y, n_classes=n_classes)
    C = int(y.max()) + 1 if n_classes is None else n_classes
    Y = np.zeros((len(y), C))                                                 # (N, C)
    Y[np.arange(len(y)), y] = 1.0
    return Y
