"""dlkit.plots.frames: figures without pyplot, rendered to PNG; busy pictures; wiped axes; frozen layouts."""
from matplotlib.layout_engine import ConstrainedLayoutEngine

from dlkit import plots

from .drawing import PNG


def test_figures_render_to_png_without_pyplot(fig):
    fig.subplots().plot([1, 2, 3])
    png = plots.to_png(fig)
    assert png.startswith(PNG) and len(png) > 1000


def test_busy_picture_is_a_png_of_the_same_size(fig):
    fig.subplots().plot([1, 2, 3])
    png = plots.to_png(fig)
    busy = plots.busy_png(png, "racing…")
    assert busy.startswith(PNG) and busy != png and busy[16:24] == png[16:24]          # IHDR width, height


def test_wiped_axes_keep_nothing_drawn_and_a_frozen_layout_is_reused(fig):
    ax = fig.subplots()
    ax.plot([1, 2, 3], label="a")
    plots.title(ax, "t")
    ax.legend()
    plots.log_axis(ax)
    plots.wipe(ax)
    assert not ax.lines and ax.get_legend() is None and ax.get_title() == "" and ax.get_yscale() == "linear"
    ax.plot([1, 2], [3, 4])
    positions = plots.freeze_layout(fig)
    assert plots.freeze_layout(fig, positions) is positions
    assert not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)          # solved once, then off
    assert plots.layout_signature(fig)[0] == 1
