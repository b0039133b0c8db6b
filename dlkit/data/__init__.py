"""Data for the course: synthetic sets, the digits images, scaling, one-hot, splits, augmentation, mini-batches.

Every generator is deterministic per ``seed`` and returns ``X (N, D) float64`` with labels ``y (N,) int64``
(or float targets for regression). Classes are balanced: their sizes differ by at most one.

Scalers are fit on the training set only and then applied to every other split: scaling with statistics that
include the test set leaks information about it into training.

The mini-batch contract, shared by every backend so batches are identical on numpy, Numba CPU and CUDA:
epoch ``e`` visits the rows in the order ``shuffled_indices(N, seed, e)``, in ``num_batches(N, batch_size)``
batches, the last one smaller when ``N % batch_size != 0``.

One file per job: :mod:`.synthetic` (point clouds, regression curves), :mod:`.images` (digits and their
augmentations), :mod:`.scaling` (scalers, one-hot), :mod:`.splits`, :mod:`.batches`.
"""
from .batches import minibatches, num_batches, shuffled_indices
from .images import PIXEL_MAX, augment, digits, flip, gaussian_noise, rotate, shift
from .scaling import MinMaxScaler, Standardizer, min_max_scale, one_hot, standardize
from .splits import train_test_split, train_val_test_split
from .synthetic import REGRESSION_KINDS, blobs, circles, moons, regression_1d, spirals, xor

__all__ = [
    "spirals", "moons", "circles", "xor", "blobs", "regression_1d", "REGRESSION_KINDS", "digits",
    "Standardizer", "MinMaxScaler", "standardize", "min_max_scale", "one_hot",
    "train_test_split", "train_val_test_split",
    "shift", "rotate", "flip", "gaussian_noise", "augment", "PIXEL_MAX",
    "shuffled_indices", "num_batches", "minibatches",
]
