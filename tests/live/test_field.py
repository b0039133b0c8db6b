"""A scalar field over a plane: the banded raster (sent only when it changes), paths, marker layers, the key."""
import io

import numpy as np
import pytest
from PIL import Image

from dlkit import live
from dlkit.live import field, raster
from dlkit.plots.palette import BLACK, VERMILLION


def _pixels(chart):
    """The raster as the browser gets it, row 0 at the bottom again."""
    return np.asarray(Image.open(io.BytesIO(chart.raster.mark.image.value)))[::-1]


def test_the_field_is_coloured_low_to_high_and_sent_only_when_it_changes():
    chart = live.Field("f", "x", "y", cmap="viridis", bands=0)
    V = np.array([[0.0, 1.0], [np.nan, 0.5]])
    chart.show_field(V, (-1.0, 1.0, -2.0, 2.0))
    pixels = _pixels(chart)
    table = raster.colormap("viridis")
    np.testing.assert_allclose(pixels[0, 0, :3], table[0], atol=1)
    np.testing.assert_allclose(pixels[0, 1, :3], table[-1], atol=1)
    assert pixels[1, 0, 3] == 0                                               # NaN: transparent
    assert (chart.x.min, chart.x.max, chart.y.min, chart.y.max) == (-1.0, 1.0, -2.0, 2.0)
    image = chart.raster.mark.image
    chart.show_field(V.copy(), (-1.0, 1.0, -2.0, 2.0))
    assert chart.raster.mark.image is image                                   # nothing new to send
    chart.show_field(V[::-1].copy(), (-1.0, 1.0, -2.0, 2.0))
    assert chart.raster.mark.image is not image


def test_pale_colours_a_fixed_range_and_a_colour_for_nan():
    chart = live.Field("f", "x", "y", cmap="viridis", bands=0, pale=0.25)
    chart.show_field(np.array([[-5.0, 10.0], [np.nan, 0.0]]), (0.0, 1.0, 0.0, 1.0), lo=0.0, hi=1.0,
                     nan_color="#c8c8c8")
    pixels = _pixels(chart)
    top = raster.colormap("viridis")[-1]
    np.testing.assert_allclose(pixels[0, 1, :3], top + 0.25 * (raster.WHITE - top), atol=1)       # clipped, paler
    assert list(pixels[1, 0]) == [200, 200, 200, 255]
    with pytest.raises(ValueError, match="2-D array"):
        chart.show_field(np.zeros(3), (0.0, 1.0, 0.0, 1.0))


def test_paths_are_padded_to_one_length_and_named_in_the_legend():
    chart = live.Field("f", "x", "y")
    a = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 1.5]])
    b = np.array([[0.0, 0.0], [-1.0, 0.5]])
    chart.show_paths([a, b], [BLACK, VERMILLION], ["sgd", "adam"])
    xs, ys = np.asarray(chart.paths.x), np.asarray(chart.paths.y)
    assert xs.shape == ys.shape == (2, 3)
    np.testing.assert_array_equal(xs[1], [0.0, -1.0, -1.0])                   # the last point repeated
    np.testing.assert_array_equal(ys[0], a[:, 1])
    assert chart.paths.marker_size == field.PATH_MARKER_SIZE                  # short: dots on the points
    assert "sgd" in chart.legend_html.value and "adam" in chart.legend_html.value
    long = np.zeros((field.MOST_DOTTED + 1, 2))
    chart.show_paths([long], [BLACK], ["sgd"])
    assert chart.paths.marker_size == 0 and "adam" not in chart.legend_html.value
    chart.show_paths([], [], [])
    assert not chart.paths.visible


def test_marker_layers_join_the_legend_and_hide_when_empty():
    chart = live.Field("f", "x", "y")
    chart.show_paths([np.zeros((2, 2))], [BLACK], ["sgd"])
    chart.show_markers("minima", [(1.0, 2.0)], "#F0E442", label="global minimum", marker="diamond")
    chart.show_markers("heads", [(0.0, 0.0), (1.0, 1.0)], [BLACK, VERMILLION])
    minima, heads = chart.layers["minima"], chart.layers["heads"]
    assert minima in chart.figure.marks and minima.marker == "diamond" and minima.visible
    assert list(map(float, minima.x)) == [1.0] and list(map(float, minima.y)) == [2.0]
    assert list(heads.colors) == [BLACK, VERMILLION]
    legend = chart.legend_html.value
    assert legend.index("sgd") < legend.index("global minimum")
    marks = len(chart.figure.marks)
    chart.show_markers("minima", np.zeros((0, 2)), "#F0E442", label="global minimum")
    assert not minima.visible and "global minimum" not in chart.legend_html.value
    assert len(chart.figure.marks) == marks                                   # a layer is made once


def test_the_colour_key_shows_the_map_from_low_to_high():
    chart = live.Field("f", "x", "y", cmap="viridis")
    chart.show_key("1", "10⁴", title="steps:")
    key = chart.key_html.value
    first = "#%02x%02x%02x" % tuple(int(round(c)) for c in raster.colormap("viridis")[0])
    assert "linear-gradient" in key and first in key and key.index("1") < key.index("10⁴")
    assert chart.key_html in chart.widget.children[0].children
