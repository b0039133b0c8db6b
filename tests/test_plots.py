"""dlkit.plots on the Agg backend: every function draws real data on an ax, labels its axes, and marks what it
promises (divergence, best epoch, dead zones, ...)."""
import io
import warnings

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from PIL import Image

import dlkit as dk
from dlkit import plots, surfaces
from dlkit.training import DivergenceWarning

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def data():
    X, y = dk.data.moons(n_samples=300, noise=0.2, seed=0)
    return dk.data.train_test_split(X, y, test_size=0.3, seed=0)


@pytest.fixture(scope="module")
def trained(data):
    X, X_val, y, y_val = data
    model = dk.MLP([2, 16, 16, 2], activation="tanh", seed=0)
    hist = dk.fit(model, X, y, optimizer="adam", lr=0.01, epochs=40, batch_size=32, val=(X_val, y_val),
                  stats=dk.LayerStats(every=4), callbacks=[dk.EarlyStopping(patience=5)], verbose=False)
    return model, hist


@pytest.fixture(scope="module")
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


def _labelled(ax):
    assert ax.get_xlabel() and ax.get_ylabel()


def _markers(ax, marker):
    return [line for line in ax.get_lines() if line.get_marker() == marker]


def test_figures_render_to_png_without_pyplot(fig):
    fig.subplots().plot([1, 2, 3])
    png = plots.to_png(fig)
    assert png.startswith(PNG) and len(png) > 1000


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
    stamps = len(plots._TEXT_STAMPS)
    assert stamps >= 8 and _gray(plots.to_png(fig)).tolist() == cached.tolist()
    assert len(plots._TEXT_STAMPS) == stamps          # the second frame rasterised no text
    FigureCanvasAgg(fig)
    diff = np.abs(_gray(plots.to_png(fig)) - cached)  # texts placed on whole pixels: at most half a pixel off
    assert diff.mean() < 2.0 and (diff > 128).mean() < 0.002


def test_curves_plot_train_and_validation_in_the_palette(fig, trained):
    _, hist = trained
    ax = fig.subplots()
    plots.curves(ax, hist, "loss")
    _labelled(ax)
    colors = {to_hex(line.get_color()).upper() for line in ax.get_lines()}
    assert {plots.TRAIN, plots.VAL} <= colors
    assert len(ax.get_lines()[0].get_xdata()) == hist.epochs and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]


def test_accuracy_is_in_percent(fig, trained):
    _, hist = trained
    ax = fig.subplots()
    plots.curves(ax, hist, "acc", label="A", linestyle="--")
    assert ax.get_lines()[0].get_ydata().max() == pytest.approx(100 * max(hist.train_acc))
    assert "%" in ax.get_ylabel() and "train (A)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_divergence_is_a_marked_point_with_a_message(fig, diverged):
    ax = fig.subplots()
    plots.curves(ax, diverged, "loss")
    marks = _markers(ax, "X")
    assert len(marks) == 1 and "diverged" in marks[0].get_label()
    plots.to_png(fig)


def test_an_empty_history_says_what_to_do(fig):
    ax = fig.subplots()
    plots.curves(ax, dk.History(), "loss")
    assert any("Train" in t.get_text() for t in ax.texts)


def test_early_stopping_marks_best_epoch_and_patience(fig, trained):
    _, hist = trained
    ax = fig.subplots()
    plots.curves(ax, hist, "loss")
    plots.early_stopping(ax, hist, patience=5, restored=True)
    star = _markers(ax, "*")[0]
    assert star.get_xdata()[0] == hist.best_epoch + 1 and "restored" in star.get_label()
    assert any("patience" in p.get_label() for p in ax.patches)
    ax2 = fig.subplots()
    plots.early_stopping(ax2, hist)                 # no patience: just the lowest validation loss
    assert not ax2.patches and _markers(ax2, "*")


def test_decision_boundary(fig, trained, data):
    model, _ = trained
    X, X_val, y, y_val = data
    from dlkit.widgets.base import probabilities

    extent, P = plots.boundary_grid(lambda pts: probabilities(model, pts), X, resolution=40)
    assert P.shape == (40, 40, 2) and np.allclose(P.sum(-1), 1)
    assert extent[0] < X[:, 0].min() and extent[3] > X[:, 1].max()
    ax = fig.subplots()
    plots.decision_boundary(ax, X, y, extent, P, X_val, y_val)
    _labelled(ax)
    assert len(ax.images) == 1 and len(ax.collections) == 1                    # the colour image, the 0.5 line
    points = _markers(ax, "o")
    assert sum(len(p.get_xdata()) for p in points) == len(X) + len(X_val)
    assert sum(len(p.get_xdata()) for p in points if p.get_markerfacecolor() == "none") == len(X_val)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1", "validation (hollow)"]
    ax2 = fig.subplots()
    plots.decision_boundary(ax2, X, y, extent, np.full_like(P, np.nan))
    assert any("NaN" in t.get_text() for t in ax2.texts)


def test_layer_statistics_plots(fig, trained):
    model, hist = trained
    axes = fig.subplots(2, 2).ravel()
    plots.layer_series(axes[0], hist.layer_stats, "grad_norm", "gradient norm", guide=1e-3, guide_label="guide")
    assert len(axes[0].get_lines()) == 3 + 1 and axes[0].get_yscale() == "log"
    record = hist.layer_stats[-1]
    plots.layer_profile(axes[1], record)
    assert len(axes[1].get_lines()) == 3              # act_std, signal_std and grad_std
    plots.layer_percentages(axes[2], record)
    assert len(axes[2].patches) == 2 * 2
    outs = model.layer_outputs(np.zeros((5, 2)))
    plots.layer_histograms(axes[3], [o["h"] for o in outs], "activation")
    for ax in axes:
        _labelled(ax)
    plots.to_png(fig)


def test_layer_series_before_training_and_with_zero_gradients(fig):
    ax = fig.subplots(1, 2)
    plots.layer_series(ax[0], [], "grad_norm", "gradient norm")
    assert ax[0].texts
    zero = [{"iteration": i, "grad_norm": [0.0, 0.0]} for i in range(3)]
    plots.layer_series(ax[1], zero, "grad_norm", "gradient norm")
    assert any("exactly 0" in t.get_text() for t in ax[1].texts)


def test_shown_layers_spread_from_first_to_last():
    assert plots.shown_layers(3) == [0, 1, 2]
    picked = plots.shown_layers(50, most=6)
    assert picked[0] == 0 and picked[-1] == 49 and len(picked) == 6


@pytest.mark.parametrize("name, zone", [("relu", "dead"), ("tanh", "saturated"), ("sigmoid", "saturated")])
def test_activation_curve_marks_its_zones(fig, name, zone):
    ax = fig.subplots()
    plots.activation_curve(ax, name, -8, 8, others=("elu", "gelu"))
    _labelled(ax)
    assert any(p.get_label().startswith(zone) for p in ax.patches)
    assert {f"{name}(z)", f"{name}′(z)"} <= {line.get_label() for line in ax.get_lines()}


def test_linear_has_no_zones(fig):
    ax = fig.subplots()
    plots.activation_curve(ax, "linear")
    assert not ax.patches


def test_optimizer_race_plots(fig):
    s = surfaces.rosenbrock()
    paths = surfaces.race(s, names=("sgd", "adam"), lr=0.1, adaptive_lr=0.05, steps=50)
    assert paths["sgd"].diverged_at is not None
    ax_map, ax_loss, ax_steps = fig.subplots(1, 3)
    plots.surface_contours(ax_map, s)
    plots.optimizer_paths(ax_map, paths)
    plots.race_losses(ax_loss, paths, s.f_min)
    plots.step_sizes(ax_steps, paths)
    assert _markers(ax_map, "X") and _markers(ax_loss, "X")
    assert any("diverged at step" in t.get_text() for t in ax_loss.get_legend().get_texts())
    for ax in (ax_map, ax_loss, ax_steps):
        _labelled(ax)
    plots.optimizer_paths(fig.subplots(), paths, upto=3)        # a frame of the animation
    plots.to_png(fig)


def test_momentum_map_marks_the_optimum_and_your_choice(fig):
    s = surfaces.quadratic(condition=100)
    t = surfaces.momentum_theory(s.eigenvalues)
    ax = fig.subplots()
    plots.momentum_map(ax, s.eigenvalues, t, lr=0.5, beta=0.9, resolution=40)
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith("optimal") for label in labels) and any("yours" in label for label in labels)
    _labelled(ax)
    plots.to_png(fig)


def test_batch_size_plots(fig, data):
    X, _, y, _ = data
    runs = {}
    for b in (1, 16, len(X)):
        model = dk.MLP([2, 8, 2], seed=0)
        runs[b] = dk.fit(model, X, y, optimizer="sgd", lr=0.05, epochs=2, batch_size=b, verbose=False)
    axes = fig.subplots(1, 3)
    plots.step_losses(axes[0], runs, highlight=16, n_examples=len(X))
    every = next(line for line in axes[0].get_lines() if "every step" in line.get_label())
    assert every.get_xdata()[-1] == 2 * len(X)                    # examples seen, the short last batch counted
    sizes = list(runs)
    plots.batch_costs(axes[1], sizes, [runs[b].iterations_per_epoch for b in sizes], [1e-3, 5e-4, 2e-4])
    plots.batch_results(axes[2], sizes, [0.8, 0.85, 0.7], "accuracy", highlight=16)
    for ax in axes:
        _labelled(ax)
    assert [t.get_text() for t in axes[2].get_xticklabels()] == [str(b) for b in sizes]


def test_evaluation_plots(fig):
    y = np.array([0, 0, 0, 1, 1, 1, 1, 0])
    scores = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.6])
    ax_cm, ax_pr, ax_bar = fig.subplots(1, 3)
    cm = dk.metrics.confusion_matrix(y, (scores >= 0.5).astype(int))
    plots.confusion_matrix(ax_cm, cm, heading="at 0.5")
    assert sorted(t.get_text() for t in ax_cm.texts) == sorted(str(v) for v in cm.ravel())
    p, r, _ = dk.metrics.precision_recall_curve(y, scores)
    plots.precision_recall(ax_pr, p, r, point=(0.75, 0.75), base_rate=0.5)
    plots.score_bars(ax_bar, {"accuracy": 0.75, "precision": 0.75}, reference={"accuracy": 0.5})
    assert len(ax_bar.get_legend().get_texts()) == 1
    for ax in (ax_cm, ax_pr, ax_bar):
        assert ax.get_xlabel()
    plots.to_png(fig)


def test_log_axes_label_narrow_and_wide_ranges(fig):
    narrow, wide = fig.subplots(1, 2)
    narrow.plot([1, 2], [2.3, 2.4])
    wide.plot([1, 2], [1e-12, 1.0])
    for ax in (narrow, wide):
        plots.log_axis(ax)
    fig.canvas.draw()
    for ax in (narrow, wide):
        lo, hi = ax.get_ylim()
        shown = [t for t in ax.get_yticklabels() if t.get_text() and lo <= t.get_position()[1] <= hi]
        assert len(shown) >= 2


def test_hidden_units_show_each_unit_of_a_layer_over_the_plane():
    X, _ = dk.data.moons(n_samples=60, seed=0)
    model = dk.MLP([2, 5, 3, 2], activation="tanh", seed=0)
    extent, H = plots.unit_grid(model, X, 1, resolution=12)
    assert H.shape == (12, 12, 5) and extent[0] < X[:, 0].min()
    corner = model.layer_outputs(np.array([[extent[0], extent[2]]]))[0]["h"][0]
    np.testing.assert_allclose(H[0, 0], corner, rtol=1e-6)               # grid row 0 is the bottom (x2 lowest)
    fig = plots.new_figure(4, 3)
    ax = plots.hidden_units(fig.subplots(), H, 1, max_units=4)
    assert "(4 of 5)" in ax.get_title() and len(ax.images) == 1 and len(ax.texts) == 4
    H[0, 0, 0] = np.nan                                                   # a diverged unit is marked, not hidden
    ax = plots.hidden_units(fig.subplots(), H, 1)
    assert any("NaN" in t.get_text() for t in ax.texts) and plots.to_png(fig)
    with pytest.raises(ValueError, match="hidden layer, 1..2"):
        plots.unit_grid(model, X, 3)


def test_text_stamping_falls_back_to_plain_drawing_if_agg_internals_change(monkeypatch):
    def broken(*args):
        raise TypeError("draw_text_image() takes different arguments in this matplotlib")

    monkeypatch.setattr(plots, "_text_stamp", broken)
    monkeypatch.setattr(plots.TextCachingRenderer, "stamping", True)
    fig = plots.new_figure(3, 2)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    plots.title(ax, "still drawn")
    assert plots.to_png(fig) and plots.TextCachingRenderer.stamping is False
    assert np.asarray(fig.canvas.buffer_rgba())[..., :3].min() < 100       # text and line pixels are there
