"""dlkit.widgets.datasets: every lab's data made one way (load, split, standardise)."""
import numpy as np
import pytest

import dlkit as dk
from dlkit.widgets import datasets


@pytest.mark.parametrize("name", datasets.DATASETS)
def test_every_dataset_loads(name):
    X, y = datasets.load_dataset(name, n_samples=100, noise=datasets.DEFAULT_NOISE[name])
    assert len(X) == len(y) and X.ndim == 2 and y.min() == 0
    if name == "digits":
        assert X.max() <= 1.0


def test_split_cuts_the_training_set_then_standardises_it_with_its_own_statistics():
    X, y = datasets.load_dataset("digits")
    d = datasets.split(X, y, 0.2, seed=3, standardise=True, train_size=50)
    X_tr, X_val, y_tr, _ = dk.data.train_test_split(X, y, test_size=0.2, seed=3)
    assert len(d["X"]) == 50 and len(d["X_val"]) == len(X_val) and d["n_classes"] == 10
    np.testing.assert_array_equal(d["y"], y_tr[:50])
    expected, expected_val = dk.data.standardize(X_tr[:50], X_val)
    np.testing.assert_array_equal(d["X"], expected)
    np.testing.assert_array_equal(d["X_val"], expected_val)


def test_prepare_standardises_digits_only():
    moons = datasets.prepare("moons", n_samples=200, noise=0.1, seed=1)
    X, y = dk.data.moons(n_samples=200, noise=0.1, seed=1)
    np.testing.assert_array_equal(moons["X"], dk.data.train_test_split(X, y, test_size=0.2, seed=1)[0])
    digits = datasets.prepare("digits")
    np.testing.assert_allclose(digits["X"].mean(axis=0), 0, atol=1e-9)
