"""dlkit.plots.layer_stats: per-layer series, profiles, percentages and histograms."""
import numpy as np

from dlkit import plots

from .drawing import labelled


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
        labelled(ax)
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


def test_histograms_share_their_bins(fig):
    ax = fig.subplots()
    plots.histograms(ax, [("a", np.arange(10.0), plots.BLUE), ("b", [np.nan, 2.0, 3.0], plots.ORANGE)], "value",
                     bins=5, value_range=(0.0, 10.0))
    labelled(ax)
    a, b = ax.get_lines()
    np.testing.assert_array_equal(a.get_xdata(), b.get_xdata())
    assert a.get_xdata()[0] == 0.0 and a.get_xdata()[-1] == 10.0
