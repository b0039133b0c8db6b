"""The confusion matrix: shares per row as cell colours, counts as text, and a class count that changes."""
import numpy as np
import pytest

from dlkit import live
from dlkit.live import matrix


def _cells(chart):
    return np.asarray(chart.cells.color, np.float64), list(chart.cells.row), list(chart.cells.column)


def test_cells_are_row_shares_and_the_counts_are_written_in_them():
    chart = live.Matrix()
    counts = np.array([[8, 2], [1, 9]])
    chart.show(counts)
    color, rows, cols = _cells(chart)
    np.testing.assert_allclose(color, [[0.8, 0.2], [0.1, 0.9]])
    assert rows == cols == ["0", "1"] and chart.y.reverse                    # class 0 in the top row
    assert list(chart.counts.text) == ["8", "2", "1", "9"]
    assert list(chart.counts.x) == ["0", "1", "0", "1"] and list(chart.counts.y) == ["0", "0", "1", "1"]
    assert list(chart.counts.colors) == [matrix.LIGHT_TEXT, matrix.DARK_TEXT, matrix.DARK_TEXT, matrix.LIGHT_TEXT]


@pytest.mark.parametrize("sizes", [(2, 3, 10), (10, 3, 2), (2, 10, 2, 3)])
def test_the_class_count_may_change_between_frames(sizes):
    chart = live.Matrix()
    for k in sizes:
        counts = np.arange(k * k).reshape(k, k) + 1
        chart.show(counts, names=[f"c{i}" for i in range(k)])
        color, rows, cols = _cells(chart)
        assert color.shape == (k, k) and rows == cols == [f"c{i}" for i in range(k)]
        assert list(chart.x.domain) == list(chart.y.domain) == rows                 # in the given order
        assert len(chart.counts.text) == k * k and chart.counts.text[-1] == str(k * k)
        np.testing.assert_array_equal(chart.shown, counts)
    assert chart.counts.default_size == (matrix.SMALL_TEXT_SIZE if sizes[-1] > matrix.MANY_CLASSES
                                         else matrix.TEXT_SIZE)


def test_an_empty_row_shades_nothing_and_bad_shapes_say_what_is_allowed():
    chart = live.Matrix()
    chart.show(np.array([[0, 0], [3, 1]]))
    np.testing.assert_allclose(_cells(chart)[0], [[0.0, 0.0], [0.75, 0.25]])
    with pytest.raises(ValueError, match=r"square \(K, K\) with K >= 2"):
        chart.show(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="3 classes need 3 names"):
        chart.show(np.eye(3), names=["a", "b"])
