"""dlkit.plots.renderer: each distinct text is rasterised once and then stamped, and looks as Agg draws it."""
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from dlkit import plots
from dlkit.plots import renderer


def _gray(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)


def test_text_is_rasterised_once_and_looks_as_agg_draws_it(fig):
    ax = fig.subplots()
    ax.plot([1, 2, 3], label="train (log scale) — ‖dW‖")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (log scale)")                # rotated 90°
    ax.text(1.5, 2.5, "at 30°", rotation=30)          # other angles are drawn as Agg draws them
    plots.title(ax, "cross entropy")
    ax.legend()
    cached = _gray(plots.to_png(fig))
    stamps = len(renderer._TEXT_STAMPS)
    assert stamps >= 8 and _gray(plots.to_png(fig)).tolist() == cached.tolist()
    assert len(renderer._TEXT_STAMPS) == stamps       # the second frame rasterised no text
    FigureCanvasAgg(fig)
    diff = np.abs(_gray(plots.to_png(fig)) - cached)  # texts placed on whole pixels: at most half a pixel off
    assert diff.mean() < 2.0 and (diff > 128).mean() < 0.002


def test_text_stamping_falls_back_to_plain_drawing_if_agg_internals_change(monkeypatch):
    def broken(*args):
        raise TypeError("draw_text_image() takes different arguments in this matplotlib")

    monkeypatch.setattr(renderer, "_text_stamp", broken)
    monkeypatch.setattr(plots.TextCachingRenderer, "stamping", True)
    fig = plots.new_figure(3, 2)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    plots.title(ax, "still drawn")
    assert plots.to_png(fig) and plots.TextCachingRenderer.stamping is False
    assert np.asarray(fig.canvas.buffer_rgba())[..., :3].min() < 100       # text and line pixels are there
