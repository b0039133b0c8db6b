"""Bars hold the values they are handed and tick many categories at round steps whose labels never overlap;
histograms hold the shares per bin; zones shade the stretches they are handed, under the lines."""
import numpy as np
import pytest

from dlkit import live
from dlkit.live.bars import MOST_CATEGORY_TICKS, category_ticks, shares
from dlkit.live.panel import FONT, MARGIN, PANEL_MIN_WIDTH
from dlkit.live.zones import ZonedCurves, ZonedHistograms

CHAR_PX = 0.62 * float(FONT.rstrip("px"))     # a digit of the tick font is about this wide
LABEL_GAP_PX = 4                              # and labels want this much air between them


def _layers(n):
    return [str(k) for k in range(1, n + 1)]


@pytest.mark.parametrize("n, ticks", [
    (1, ["1"]), (8, _layers(8)), (10, ["2", "4", "6", "8", "10"]),
    (30, ["1", "5", "10", "15", "20", "25", "30"]), (50, ["1", "10", "20", "30", "40", "50"]),
])
def test_layers_are_ticked_at_round_steps(n, ticks):
    assert category_ticks(range(1, n + 1)) == ticks


def test_layer_ticks_never_overlap_at_any_depth_in_the_narrowest_panel():
    plot_px = PANEL_MIN_WIDTH - MARGIN["left"] - MARGIN["right"]
    for n in range(1, 101):
        ticks = [int(t) for t in category_ticks(range(1, n + 1))]
        assert 1 <= len(ticks) <= MOST_CATEGORY_TICKS + 1 and ticks == sorted(set(ticks))
        assert all(1 <= t <= n for t in ticks)
        band = plot_px / n                                    # an ordinal scale gives each category a band
        for left, right in zip(ticks, ticks[1:]):
            room = (right - left) * band
            need = CHAR_PX * (len(str(left)) + len(str(right))) / 2 + LABEL_GAP_PX
            assert room >= need, f"depth {n}: ticks {left} and {right} overlap ({room:.1f} px < {need:.1f} px)"


def test_named_categories_are_thinned_from_the_first():
    names = [f"class {k}" for k in range(20)]
    assert category_ticks(names) == names[::5]
    assert category_ticks(["a", "b", "c"]) == ["a", "b", "c"]


def test_bar_chart_holds_the_values_and_thins_its_ticks():
    chart = live.BarChart("units", "units (%)", percent=True)
    values = np.arange(60, dtype=float).reshape(2, 30)
    chart.show(range(1, 31), values, ["saturated", "dead"], ["#CC79A7", "#D55E00"])
    np.testing.assert_array_equal(chart.bars.y, values)
    assert list(chart.bars.x) == _layers(30)
    # bqplot ticks an ordinal axis at every category: the labels between the round steps are blank
    assert chart.labelled() == ["1", "5", "10", "15", "20", "25", "30"]
    assert chart.x_axis.tick_labels["2"] == "" and "5" not in chart.x_axis.tick_labels
    assert (chart.y.min, chart.y.max) == (0.0, 100.0) and list(chart.y_axis.tick_values) == [0, 25, 50, 75, 100]
    chart.show(range(1, 6), np.ones((2, 5)), ["saturated", "dead"], ["#CC79A7", "#D55E00"])
    assert chart.labelled() == _layers(5) and chart.x_axis.tick_labels == {}


def test_shares_count_every_finite_value_once():
    rng = np.random.default_rng(0)
    v = np.r_[rng.standard_normal(10_000) * 2, np.nan, np.inf, 50.0, -50.0]
    edges = np.linspace(-3, 3, 61)
    got = shares(v, edges)
    expected, _ = np.histogram(np.clip(v[np.isfinite(v)], -3, 3), bins=edges)
    np.testing.assert_allclose(got, expected / 10_002)
    assert got.sum() == pytest.approx(1.0)
    uneven = np.array([-3.0, -1.0, 0.0, 3.0])
    np.testing.assert_allclose(shares([-2.0, 0.5, 0.6, 9.0], uneven), [0.25, 0.0, 0.75])
    assert not shares([np.nan], edges).any()


def test_histograms_hold_the_shares_per_bin():
    chart = live.Histograms("activations", "h")
    edges = np.linspace(0.0, 1.0, 5)
    heights = np.array([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]])
    chart.show(edges, heights, ["layer 1", "layer 2"], ["#000000", "#0072B2"])
    np.testing.assert_array_equal(chart.lines.x, edges)
    np.testing.assert_array_equal(np.asarray(chart.lines.y)[:, :4], heights)
    assert "layer 2" in chart.legend_html.value


def test_zones_lie_under_the_lines_with_their_legend():
    chart = ZonedCurves("relu", "f(z)", xlabel="z")
    z = np.linspace(-2, 2, 5)
    chart.show([live.Series("relu(z)", z, np.maximum(z, 0), "#0072B2"),
                live.Series("tanh", z, np.tanh(z), "#999999")],
               zones=[(-2.0, 0.0, "dead zone", "#D55E00")], x_span=(-2.0, 2.0), faint=["tanh"])
    assert chart.figure.marks[0] is chart.zones.mark and chart.zones.mark.visible
    np.testing.assert_array_equal(np.atleast_2d(chart.zones.mark.x), [[-2.0, 0.0, 0.0, -2.0, -2.0]])
    assert (chart.x.min, chart.x.max) == (-2.0, 2.0) and list(chart.x_axis.tick_values) == [-2.0, -1.0, 0.0, 1.0,
                                                                                          2.0]
    legend = chart.legend_html.value
    assert "dead zone" in legend and "others: tanh" in legend
    assert chart.lines["tanh"].stroke_width < chart.lines["relu(z)"].stroke_width
    chart.show([live.Series("relu(z)", z, np.maximum(z, 0), "#0072B2")], zones=(), x_span=(-2.0, 2.0))
    assert not chart.zones.mark.visible and "dead zone" not in chart.legend_html.value


def test_zoned_histograms_may_leave_the_zone_legend_to_a_neighbour():
    chart = ZonedHistograms("batch", "value", zone_legend=False)
    chart.show(np.linspace(-1, 1, 3), [[0.5, 0.5]], ["z"], ["#0072B2"], zones=[(-1.0, 0.0, "dead", "#D55E00")])
    assert chart.zones.mark.visible and "dead" not in chart.legend_html.value


def test_named_categories_are_labelled_by_their_names_not_a_number_format():
    """d3's number format turns a name into "NaN" (the MetricsPanel's score bars read "NaN NaN NaN NaN")."""
    chart = live.BarChart("scores", "score")
    chart.show(["accuracy", "precision", "recall", "F1"], [[0.9, 0.8, 0.7, 0.75]], ["this model"], ["#0072b2"])
    assert chart.x_axis.tick_format is None and chart.y_axis.tick_format == "~g"
    assert chart.labelled() == ["accuracy", "precision", "recall", "F1"]
