"""Train / validation / test splits, stratified so every split keeps the class shares."""
from __future__ import annotations

import numpy as np

from ..validation import check_array, check_labels, check_number, check_seed


def _check_fraction(name, value):
    value = check_number(name, value, positive=True)
    if value >= 1:
        raise ValueError(f"{name} must be a fraction in (0, 1), got {value!r}")
    return value


def _check_xy(X, y, stratify):
    """X (N, ...) any rank, y (N,) labels when stratifying, else any (N, ...) targets."""
    X = check_array("X", X)
    if X.ndim == 0:
        raise ValueError(f"X must have one row per example, got a scalar {X!r}")
    if not isinstance(stratify, (bool, np.bool_)):
        raise TypeError(f"stratify must be True or False, got {stratify!r}")
    if not stratify:
        y = check_array("y", y)
        if y.ndim == 0 or len(y) != len(X):
            raise ValueError(f"y has {len(y) if y.ndim else 0} rows but X has {len(X)}; they must match")
        return X, y
    try:
        return X, check_labels("y", y, n_rows=len(X))
    except TypeError as err:
        raise TypeError(f"{err}; stratify=True needs class labels, pass stratify=False for regression "
                        "targets") from None


def _apportion(counts, frac, total, capacity):
    """Split ``total`` items over classes proportionally to counts (largest remainder), each <= capacity."""
    quota = counts * frac                                                     # (C,) exact shares
    take = np.minimum(np.floor(quota).astype(np.int64), capacity)
    # hand out what rounding down left over, largest fractional part first (stable: lower class wins ties)
    ranked = np.argsort(-(quota - take), kind="stable")
    while take.sum() < total and np.any(take < capacity):
        for k in ranked:
            if take.sum() < total and take[k] < capacity[k]:
                take[k] += 1
    return take


def _split_indices(y, fractions, stratify, seed):
    """Row indices of each split: fractions (f_1, ..., f_k) for the held-out splits; the rest is train."""
    n = len(y)
    totals = [int(round(n * f)) for f in fractions]
    if min(totals) < 1 or n - sum(totals) < 1:
        raise ValueError(f"with {n} examples the sizes {fractions} leave an empty split; "
                         "use more data or larger/smaller fractions")
    rng = np.random.default_rng(seed)
    if not stratify:
        order = rng.permutation(n)
        edges = np.cumsum([0] + totals)
        held = [order[a:b] for a, b in zip(edges[:-1], edges[1:])]
        return [order[edges[-1]:]] + held
    classes, counts = np.unique(y, return_counts=True)
    capacity = counts.copy()
    takes = []
    for f, total in zip(fractions, totals):
        takes.append(_apportion(counts, f, total, capacity))
        capacity = capacity - takes[-1]
    splits = [[] for _ in range(len(fractions) + 1)]
    for c, cls in enumerate(classes):
        members = rng.permutation(np.flatnonzero(y == cls))
        edges = np.cumsum([0] + [t[c] for t in takes])
        for s, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
            splits[s + 1].append(members[a:b])
        splits[0].append(members[edges[-1]:])
    # mix the classes inside each split so its first rows are not all class 0
    return [rng.permutation(np.concatenate(parts)) for parts in splits]


def train_test_split(X, y, test_size=0.2, stratify=True, seed=0):
    """Random split X (N, ...), y (N,) -> X_train, X_test, y_train, y_test; stratified keeps class shares. Module 01."""
    X, y = _check_xy(X, y, stratify)
    test_size = _check_fraction("test_size", test_size)
    seed = check_seed("seed", seed)
    train, test = _split_indices(y, (test_size,), stratify, seed)
    return X[train], X[test], y[train], y[test]


def train_val_test_split(X, y, val_size=0.15, test_size=0.15, stratify=True, seed=0):
    """Three-way split -> (X_train, y_train), (X_val, y_val), (X_test, y_test); val_size + test_size < 1. Module 01."""
    X, y = _check_xy(X, y, stratify)
    val_size = _check_fraction("val_size", val_size)
    test_size = _check_fraction("test_size", test_size)
    if val_size + test_size >= 1:
        raise ValueError(f"val_size + test_size must be < 1 to leave a training set, got "
                         f"{val_size} + {test_size} = {val_size + test_size}")
    seed = check_seed("seed", seed)
    train, val, test = _split_indices(y, (val_size, test_size), stratify, seed)
    return (X[train], y[train]), (X[val], y[val]), (X[test], y[test])
