"""dlkit.planes: class probabilities and hidden-unit activations on a grid over the input plane."""
import numpy as np
import pytest

import dlkit as dk
from dlkit import planes


@pytest.fixture(scope="module")
def moons():
    X, y = dk.data.moons(n_samples=300, noise=0.2, seed=0)
    return X, y


def test_boundary_grid_covers_the_data_with_probabilities(moons):
    X, y = moons
    model = dk.MLP([2, 16, 16, 2], activation="tanh", seed=0)
    dk.fit(model, X, y, optimizer="adam", lr=0.01, epochs=5, batch_size=32, verbose=False)
    extent, P = planes.boundary_grid(model.predict_proba, X, resolution=40)
    assert P.shape == (40, 40, 2) and np.allclose(P.sum(-1), 1)
    assert extent[0] < X[:, 0].min() and extent[3] > X[:, 1].max()
    corner = model.predict_proba(np.array([[extent[1], extent[2]]]))[0]          # bottom right: row 0, last column
    np.testing.assert_allclose(P[0, -1], corner, rtol=1e-5)


def test_unit_grid_holds_each_unit_of_a_hidden_layer():
    X, _ = dk.data.moons(n_samples=60, seed=0)
    model = dk.MLP([2, 5, 3, 2], activation="tanh", seed=0)
    extent, H = planes.unit_grid(model, X, 1, resolution=12)
    assert H.shape == (12, 12, 5) and extent[0] < X[:, 0].min()
    corner = model.layer_outputs(np.array([[extent[0], extent[2]]]))[0]["h"][0]
    np.testing.assert_allclose(H[0, 0], corner, rtol=1e-6)               # grid row 0 is the bottom (x2 lowest)
    assert planes.unit_grid(model, X, 2, resolution=3)[1].shape == (3, 3, 3)
    with pytest.raises(ValueError, match="hidden layer, 1..2"):
        planes.unit_grid(model, X, 3)


def test_plane_points_run_row_by_row_from_the_bottom_with_a_margin():
    X = np.array([[0.0, 0.0], [1.0, 2.0]])
    extent, points = planes.plane_points(X, 3, margin=0.5)
    np.testing.assert_allclose(extent, (-0.5, 1.5, -1.0, 3.0), atol=1e-8)
    np.testing.assert_allclose(points[:3], [[-0.5, -1.0], [0.5, -1.0], [1.5, -1.0]], atol=1e-8)
    assert points.shape == (9, 2)


def test_points_on_one_line_still_get_a_grid():
    extent, points = planes.plane_points(np.array([[1.0, 2.0], [1.0, 3.0]]), 4)
    assert extent[0] < 1.0 < extent[1] and np.all(np.isfinite(points))


@pytest.mark.parametrize("X, message", [(np.zeros((5, 3)), r"\(N, 2\)"), (np.zeros((0, 2)), r"\(N, 2\)"),
                                        (np.zeros(4), r"\(N, 2\)")])
def test_bad_input_is_named(X, message):
    with pytest.raises(ValueError, match=message):
        planes.plane_points(X, 10)
    with pytest.raises(ValueError, match="resolution"):
        planes.plane_points(np.zeros((3, 2)), 0)


def test_a_kept_grid_is_made_again_only_for_new_data(moons):
    X, y = moons
    X_val = X[:50] + 0.1
    model = dk.MLP([2, 6, 2], activation="tanh", seed=0)
    grid = planes.kept_grid(None, X, X_val, resolution=20)
    assert planes.kept_grid(grid, X, X_val, resolution=20) is grid                # same arrays: the same points
    assert planes.kept_grid(grid, X.copy(), X_val, resolution=20) is not grid     # a new split: a new grid
    assert planes.kept_grid(grid, X, X_val, resolution=21) is not grid
    extent, P = planes.boundary_grid(model.predict_proba, np.vstack([X, X_val]), resolution=20)
    assert grid.extent == extent
    np.testing.assert_array_equal(grid.boundary(model.predict_proba), P)
    np.testing.assert_array_equal(grid.units(model, 1), planes.unit_grid(model, np.vstack([X, X_val]), 1, 20)[1])
