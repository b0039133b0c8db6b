"""dlkit.plots on the Agg backend: every function draws real data on an ax, labels its axes, and marks what it
promises (divergence, best epoch, dead zones, ...). Shared data: a trained and a diverged run on moons."""
import warnings

import pytest

import dlkit as dk
from dlkit import plots
from dlkit.training import DivergenceWarning


@pytest.fixture(scope="package")
def data():
    X, y = dk.data.moons(n_samples=300, noise=0.2, seed=0)
    return dk.data.train_test_split(X, y, test_size=0.3, seed=0)


@pytest.fixture(scope="package")
def trained(data):
    X, X_val, y, y_val = data
    model = dk.MLP([2, 16, 16, 2], activation="tanh", seed=0)
    hist = dk.fit(model, X, y, optimizer="adam", lr=0.01, epochs=40, batch_size=32, val=(X_val, y_val),
                  stats=dk.LayerStats(every=4), callbacks=[dk.EarlyStopping(patience=5)], verbose=False)
    return model, hist


@pytest.fixture(scope="package")
def diverged(data):
    X, X_val, y, y_val = data
    model = dk.MLP([2, 16, 16, 2], activation="relu", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        hist = dk.fit(model, X, y, optimizer="sgd", lr=1e4, epochs=20, batch_size=32, val=(X_val, y_val),
                      verbose=False)
    assert hist.diverged
    return hist


@pytest.fixture
def fig():
    return plots.new_figure(6, 4)
