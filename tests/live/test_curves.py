"""Curves hold exactly the finite points they are handed, mark setting changes and blow-ups, draw log zeros at
the bottom with a legend note, and keep their axes round."""
import numpy as np

from dlkit import live
from dlkit.live.curves import ZERO_NOTE


def _series(label, x, y, color="#0072b2", **kw):
    return live.Series(label, np.asarray(x, float), np.asarray(y, float), color, **kw)


def test_lines_hold_the_finite_points_and_unnamed_lines_hide():
    chart = live.Curves("loss", "loss")
    chart.show([_series("train", [1, 2, 3, 4], [1.0, np.nan, 0.5, np.inf]), _series("val", [1, 2], [2.0, 1.5])])
    assert list(chart.lines["train"].x) == [1.0, 3.0] and list(chart.lines["train"].y) == [1.0, 0.5]
    assert chart.lines["val"].visible
    chart.show([_series("train", [1, 2], [1.0, 0.9])])
    assert not chart.lines["val"].visible
    assert "train" in chart.legend_html.value and "val" not in chart.legend_html.value


def test_axes_are_round_and_move_only_when_the_data_leave_them():
    chart = live.Curves("loss", "loss")
    chart.show([_series("train", np.arange(1, 11), np.linspace(2.0, 0.3, 10))])
    x_bounds = (chart.x.min, chart.x.max)
    assert x_bounds[0] <= 1 and x_bounds[1] >= 10 and float(x_bounds[1]).is_integer()
    ticks_before = list(chart.x_axis.tick_values)
    chart.show([_series("train", np.arange(1, 11), np.linspace(1.8, 0.4, 10))])         # still inside
    assert (chart.x.min, chart.x.max) == x_bounds and list(chart.x_axis.tick_values) == ticks_before
    chart.show([_series("train", np.arange(1, 400), np.linspace(2.0, 0.3, 399))])
    assert chart.x.max >= 399 and len(chart.x_axis.tick_values) <= 6


def test_log_axis_draws_zeros_a_decade_below_and_says_so():
    chart = live.Curves("grad", "norm", log=True)
    chart.show([_series("layer 1", [1, 2, 3], [1e-3, 0.0, 1e-2])])
    y = list(chart.lines["layer 1"].y)
    assert y[1] == np.float64(1e-4) and ZERO_NOTE in chart.legend_html.value
    chart.show([_series("layer 1", [1, 2, 3], [1e-3, 2e-3, 1e-2])])
    assert ZERO_NOTE not in chart.legend_html.value


def test_changes_and_blowups_are_marked_where_they_happened():
    chart = live.Curves("loss", "loss", log=True)
    chart.show([_series("train", [1, 2, 3], [0.7, 0.6, 5e6])], changes=[(2, "lr 0.01→10")], blowups=[(3, 5e6)])
    assert chart.rules.visible and list(np.ravel(chart.rules.x)) == [2.0, 2.0]
    assert list(chart.rule_labels.text) == ["lr 0.01→10"]
    assert chart.blowups.visible and list(chart.blowups.x) == [3.0] and list(chart.blowups.y) == [5e6]
    chart.show([_series("train", [1], [0.7])])
    assert not chart.rules.visible and not chart.blowups.visible


def test_long_histories_are_thinned_for_the_browser():
    chart = live.Curves("loss", "loss")
    n = 20_000
    chart.show([_series("train", np.arange(n), np.linspace(1, 0, n))])
    assert len(chart.lines["train"].x) <= 600 and chart.lines["train"].x[-1] == n - 1
