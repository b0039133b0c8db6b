"""dlkit.plots.figures: figures without pyplot, rendered to PNG."""
from dlkit import plots

from .drawing import PNG


def test_figures_render_to_png_without_pyplot(fig):
    fig.subplots().plot([1, 2, 3])
    png = plots.to_png(fig)
    assert png.startswith(PNG) and len(png) > 1000
