"""The labs' data, prepared one way: load a dataset by name, split off a validation set, standardise digits
(and your own data) with the training set's statistics."""
from __future__ import annotations

import dlkit as dk

DATASETS = ("spirals", "moons", "circles", "xor", "blobs", "digits")
DEFAULT_NOISE = {"spirals": 0.1, "moons": 0.15, "circles": 0.05, "xor": 0.1, "blobs": 0.5, "digits": 0.0}
N_SAMPLES = 600
NOISE = 0.1
VAL_SHARE = 0.2
STANDARDISED = ("digits",)    # datasets whose features are standardised (the synthetic ones are already O(1))


def load_dataset(name, n_samples=N_SAMPLES, noise=NOISE, seed=0):
    """X (N, D) float64 and labels y (N,) for a dataset name; digits pixels are scaled to [0, 1]."""
    if name == "digits":
        X, y = dk.data.digits()
        return X / dk.data.PIXEL_MAX, y
    make = {"spirals": dk.data.spirals, "moons": dk.data.moons, "circles": dk.data.circles, "xor": dk.data.xor,
            "blobs": dk.data.blobs}[name]
    return make(n_samples=n_samples, noise=noise, seed=seed)


def split(X, y, val_share=VAL_SHARE, seed=0, standardise=False, train_size=None):
    """{X, y, X_val, y_val, n_classes} from X (N, D), y (N,): a stratified validation share, the training set
    cut to its first ``train_size`` examples (None: all of it), then both standardised with the training
    set's mean and std if ``standardise``."""
    X_tr, X_val, y_tr, y_val = dk.data.train_test_split(X, y, test_size=val_share, seed=seed)
    X_tr, y_tr = X_tr[:train_size], y_tr[:train_size]
    if standardise:
        X_tr, X_val = dk.data.standardize(X_tr, X_val)
    return {"X": X_tr, "y": y_tr, "X_val": X_val, "y_val": y_val, "n_classes": int(y.max()) + 1}


def prepare(name, n_samples=N_SAMPLES, noise=NOISE, seed=0, val_share=VAL_SHARE, train_size=None):
    """:func:`load_dataset` then :func:`split` (with the same seed): a lab's training and validation data."""
    X, y = load_dataset(name, n_samples, noise, seed)
    return split(X, y, val_share, seed, standardise=name in STANDARDISED, train_size=train_size)
