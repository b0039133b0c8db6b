"""dlkit.plots.input_plane: points, decision boundaries and hidden units over the input plane (the grids come
from dlkit.planes, tested in tests/test_planes.py)."""
import numpy as np

import dlkit as dk
from dlkit import planes, plots

from .drawing import labelled, markers


def test_decision_boundary(fig, trained, data):
    model, _ = trained
    X, X_val, y, y_val = data
    extent, P = planes.boundary_grid(model.predict_proba, X, resolution=40)
    ax = fig.subplots()
    plots.decision_boundary(ax, X, y, extent, P, X_val, y_val)
    labelled(ax)
    assert len(ax.images) == 1 and len(ax.collections) == 1                    # the colour image, the 0.5 line
    points = markers(ax, "o")
    assert sum(len(p.get_xdata()) for p in points) == len(X) + len(X_val)
    assert sum(len(p.get_xdata()) for p in points if p.get_markerfacecolor() == "none") == len(X_val)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1", "validation (hollow)"]
    ax2 = fig.subplots()
    plots.decision_boundary(ax2, X, y, extent, np.full_like(P, np.nan))
    assert any("NaN" in t.get_text() for t in ax2.texts)


def test_training_points_are_coloured_by_class(fig, data):
    X, _, y, _ = data
    ax = plots.training_points(fig.subplots(), X, y)
    labelled(ax)
    assert len(ax.collections) == 1 and len(ax.collections[0].get_offsets()) == len(X)


def test_hidden_units_show_each_unit_of_a_layer_over_the_plane():
    X, _ = dk.data.moons(n_samples=60, seed=0)
    model = dk.MLP([2, 5, 3, 2], activation="tanh", seed=0)
    _, H = planes.unit_grid(model, X, 1, resolution=12)
    fig = plots.new_figure(4, 3)
    ax = plots.hidden_units(fig.subplots(), H, 1, max_units=4)
    assert "(4 of 5)" in ax.get_title() and len(ax.images) == 1 and len(ax.texts) == 4
    H[0, 0, 0] = np.nan                                                   # a diverged unit is marked, not hidden
    ax = plots.hidden_units(fig.subplots(), H, 1)
    assert any("NaN" in t.get_text() for t in ax.texts) and plots.to_png(fig)
