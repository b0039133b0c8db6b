"""The precision-recall chart: the curve as handed (step-wise), the threshold's point, random guessing, F1 lines."""
import numpy as np

from dlkit.live.precision_recall import F1_LINES, TOP, PrecisionRecall, f1_lines


def test_f1_lines_have_equal_f1_and_stay_inside_the_plot():
    r, p = f1_lines()
    assert p.shape == (len(F1_LINES), len(r))
    for f1, row in zip(F1_LINES, p):
        ok = np.isfinite(row)
        np.testing.assert_allclose(2 * row[ok] * r[ok] / (row[ok] + r[ok]), f1)
        assert (row[ok] > 0).all() and (row[ok] <= TOP).all() and not ok.all()    # cut where it leaves the plot


def test_the_curve_point_and_level_are_what_the_chart_was_handed():
    chart = PrecisionRecall("class 1 against the rest")
    precision, recall = np.array([0.5, 0.75, 1.0, 1.0]), np.array([1.0, 0.75, 0.25, 0.0])
    chart.show(precision, recall, point=(0.75, 0.75), point_label="threshold 0.40", base_rate=0.5)
    np.testing.assert_array_equal(chart.curve.x, recall)
    np.testing.assert_array_equal(chart.curve.y, precision)
    assert chart.curve.interpolation == "step-after" and chart.curve.visible
    assert list(map(float, chart.point.x)) == [0.75] and list(map(float, chart.base.y)) == [0.5, 0.5]
    legend = chart.legend_html.value
    assert "threshold 0.40" in legend and "random guessing (0.50)" in legend and "equal F1" in legend
    chart.show(None, None, point=None, base_rate=None)                       # no positive example: no curve
    assert not chart.curve.visible and not chart.point.visible and not chart.base.visible
    assert "threshold" not in chart.legend_html.value
