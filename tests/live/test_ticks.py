"""Round ranges and ticks of the live axes."""
import numpy as np
import pytest

from dlkit.live import ticks


@pytest.mark.parametrize("value, ceiling", [(0.7, 1.0), (1.0, 1.0), (1.01, 2.0), (2.2, 2.5), (3, 5.0), (7, 10.0),
                                            (0.0031, 0.005)])
def test_nice_ceiling_is_the_next_1_2_2p5_5_step(value, ceiling):
    assert ticks.nice_ceiling(value) == pytest.approx(ceiling)


@pytest.mark.parametrize("lo, hi", [(0, 37), (0, 1), (-3.2, 8.9), (14.5, 15.5), (0, 20000), (5, 5)])
def test_nice_range_covers_the_data_with_few_round_ticks(lo, hi):
    new_lo, new_hi, step = ticks.nice_range(lo, hi)
    values = ticks.linear_ticks(new_lo, new_hi, step)
    assert new_lo <= lo and new_hi >= hi and new_hi > new_lo
    assert 2 <= len(values) <= ticks.TICKS_WANTED + 2
    mantissa = step / 10 ** np.floor(np.log10(step))
    assert any(np.isclose(mantissa, m) for m in ticks.ROUND_STEPS)


def test_log_range_is_whole_decades_and_thins_many_decades():
    lo, hi, values = ticks.log_range(3e-9, 40.0)
    assert (lo, hi) == (1e-9, 100.0) and values[0] == 1e-9 and len(values) <= 2 * ticks.TICKS_WANTED
    lo, hi, values = ticks.log_range(0.3, 0.9)
    assert (lo, hi) == (0.1, 1.0) and values == [0.1, 0.2, 0.5, 1.0]


def test_thin_keeps_first_and_last_and_at_most_the_limit():
    assert ticks.thin(10) == slice(None)
    picked = ticks.thin(10_000, most=600)
    assert picked[0] == 0 and picked[-1] == 9_999 and len(picked) <= 600


def test_log_ticks_read_alike_along_the_axis():
    # the race's distance axis read "1, 0.01, 0.0001, 0.000001, 1e-8, 1e-10, 1e-12" under "~g"
    assert ticks.log_format([1e-12, 1e-8, 1e-4, 1.0]) == "~e"
    assert ticks.log_format([0.01, 0.1, 1.0, 10.0]) == "~g"


def test_a_curve_falling_over_many_decades_gets_powers_of_ten():
    from dlkit import live

    chart = live.Curves("distance", "f - f*", log=True)
    chart.show([live.Series("sgd", [0, 1, 2], [1.0, 0.1, 0.01], "#000000")])
    assert chart.y_axis.tick_format == "~g"
    chart.show([live.Series("sgd", [0, 1, 2], [1.0, 1e-6, 1e-12], "#000000")])
    assert chart.y_axis.tick_format == "~e"
    chosen = live.Panel("share", y="log", y_format=".0%")              # a format the chart chose stays
    chosen.fit_y(1e-9, 1.0)
    assert chosen.y_axis.tick_format == ".0%"
