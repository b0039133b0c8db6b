"""dlkit.plots.axes: log axes that label narrow and wide ranges, tick labels, notes."""
from dlkit import plots
from dlkit.plots import axes


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


def test_tick_labels_are_plain_in_the_middle_and_short_far_out():
    assert [axes.tick_label(v) for v in (0.5, 200.0, 1e-5, 3e6, 0.0)] == ["0.5", "200", "1e-5", "3e6", ""]


def test_a_message_is_centred_on_the_axis(fig):
    ax = fig.subplots()
    plots.message(ax, "press Train")
    assert ax.texts[0].get_text() == "press Train" and ax.texts[0].get_position() == (0.5, 0.5)
