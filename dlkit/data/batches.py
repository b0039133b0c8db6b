"""Mini-batches: the contract every backend shares, so batches are identical on numpy, Numba CPU and CUDA.

Epoch ``e`` visits the rows in the order ``shuffled_indices(N, seed, e)``, in ``num_batches(N, batch_size)``
batches, the last one smaller when ``N % batch_size != 0``.
"""
from __future__ import annotations

import numpy as np

from ..validation import check_array, check_number, check_seed


def shuffled_indices(n, seed, epoch):
    """The row order of one epoch: np.random.default_rng([seed, epoch]).permutation(n) -> (n,) int64. Module 05."""
    n = check_number("n", n, integer=True, positive=True)
    return epoch_order(n, check_seed("seed", seed), check_seed("epoch", epoch))


def epoch_order(n, seed, epoch):
    """:func:`shuffled_indices` for arguments already checked (``fit`` checked them once; the checks would cost a
    small net's epoch a few per cent)."""
    # seeding with [seed, epoch] gives each epoch its own stream without carrying generator state along
    return np.random.default_rng([seed, epoch]).permutation(n).astype(np.int64, copy=False)


def num_batches(n, batch_size):
    """Iterations in one epoch: ceil(n / batch_size) (an epoch is not an iteration). Module 05."""
    n = check_number("n", n, integer=True, positive=True)
    batch_size = check_number("batch_size", batch_size, integer=True, positive=True)
    return batches_in(n, batch_size)


def batches_in(n, batch_size):
    """ceil(n / batch_size) without the checks: the form the kernels compile (n may be 0 there). Module 05."""
    return -(-n // batch_size)


def minibatches(X, y, batch_size, shuffle=True, seed=0, epoch=0):
    """Yield (X_batch (B, ...), y_batch (B, ...)) over one epoch; the last batch is smaller if N % B != 0. Module 05."""
    # checks run here, at the call, not at the first next(): a generator would postpone them
    X = check_array("X", X, ndim=(1, 2, 3, 4))
    y = check_array("y", y, ndim=(1, 2))
    if len(y) != len(X):
        raise ValueError(f"y has {len(y)} rows but X has {len(X)}; they must match")
    batch_size = check_number("batch_size", batch_size, integer=True, positive=True)
    if batch_size > len(X):
        raise ValueError(f"batch_size must be <= N (the number of examples, N={len(X)}), got {batch_size}")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    order = shuffled_indices(len(X), seed, epoch)        # also checks seed and epoch
    if not shuffle:
        order = np.arange(len(X))
    return _batches(X, y, order, batch_size)


def _batches(X, y, order, batch_size):
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]                               # (B,)
        yield X[idx], y[idx]
