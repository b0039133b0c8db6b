"""The input plane: a double-buffered raster of class colours, the data points coloured by class, unit montages."""
import io

import numpy as np
from PIL import Image

from dlkit import live
from dlkit.live import plane, raster
from dlkit.plots.palette import CLASS_COLORS


def _pixels(image_widget):
    return np.asarray(Image.open(io.BytesIO(image_widget.value)))


def test_boundary_raster_is_the_class_colours_and_the_mark_switches_buffers():
    plane = live.Plane()
    P = np.zeros((4, 6, 2))
    P[:, :3, 0], P[:, 3:, 1] = 1.0, 1.0                           # left half class 0, right half class 1
    X, y = np.array([[-1.0, 0.0], [1.0, 0.0]]), np.array([0, 1])
    first = plane.raster.mark.image
    plane.show(P, (-2.0, 2.0, -1.0, 1.0), X, y)
    assert plane.raster.mark.image is not first                    # the browser redraws only on a switch
    pixels = _pixels(plane.raster.mark.image)
    assert pixels.shape == (4, 6, 4)
    pale0 = raster.WHITE - raster.PALE * (raster.WHITE - raster.rgb(CLASS_COLORS[0]))
    np.testing.assert_allclose(pixels[0, 0, :3], pale0, atol=1)
    assert list(plane.raster.mark.x) == [-2.0, 2.0] and list(plane.raster.mark.y) == [-1.0, 1.0]
    assert list(map(float, plane.train.x)) == [-1.0, 1.0] and list(plane.train.colors) == list(CLASS_COLORS[:2])
    assert not plane.val.visible and "class 1" in plane.legend_html.value
    plane.show(P, (-2.0, 2.0, -1.0, 1.0), X, y)
    assert plane.raster.mark.image is first


def test_png_rows_start_at_the_top():
    pixels = np.zeros((2, 1, 4), np.uint8)
    pixels[0] = [255, 0, 0, 255]                                   # row 0 = bottom
    decoded = np.asarray(Image.open(io.BytesIO(raster.to_png(pixels))))
    assert list(decoded[1, 0]) == [255, 0, 0, 255]


def test_montage_tiles_each_unit_scaled_to_itself_inside_a_grey_frame():
    montage = live.Montage(columns=2)
    H = np.stack([np.full((3, 3), 5.0), np.full((3, 3), -0.1), np.zeros((3, 3))], axis=-1)   # (3, 3, 3 units)
    montage.show(H, gap=1)
    pixels = _pixels(montage.raster.mark.image)
    cell = 3 + 2 * plane.TILE_FRAME
    assert pixels.shape == (2 * cell + 1, 2 * cell + 1, 4)           # 2 x 2 framed tiles, one gap between
    assert pixels[cell, 0, 3] == 0 and pixels[0, cell, 3] == 0       # the gaps are transparent
    assert tuple(pixels[0, 0]) == plane.FRAME_RGBA                   # PNG rows start at the top: unit 1's frame
    assert tuple(pixels[-1, cell + 1, 3:]) == (0,)                   # no 4th unit: no frame at the bottom right
    top_left, top_right = pixels[1, 1, :3], pixels[1, cell + 2, :3]  # inside the frames: units 1 and 2
    assert np.abs(top_left - raster.colormap("diverging")[-1]).max() <= 1
    assert np.abs(top_right - raster.colormap("diverging")[0]).max() <= 1
    zero_unit = pixels[cell + 2, 1, :3]                             # unit 3 (all zero): white inside grey
    assert zero_unit.min() >= 240 and tuple(pixels[cell + 1, 0]) == plane.FRAME_RGBA
    assert "units 1–3 of 3" in montage.legend_html.value


def test_plane_ticks_are_round_and_few_and_the_montage_has_no_axes():
    plane = live.Plane()
    P = np.full((3, 3, 2), 0.5)
    plane.show(P, (-1.43, 1.47, -1.21, 1.36), np.zeros((1, 2)), np.zeros(1, int))
    assert (plane.x.min, plane.x.max) == (-1.43, 1.47)
    ticks = list(plane.x_axis.tick_values)
    assert ticks == [-1.0, 0.0, 1.0] or ticks == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert all(-1.43 <= t <= 1.47 for t in plane.y_axis.tick_values) and len(plane.y_axis.tick_values) <= 6
    montage = live.Montage()
    assert not montage.x_axis.visible and not montage.y_axis.visible
