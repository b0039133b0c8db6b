"""OptimizerRace headless: the charts hold the paths surfaces.race produced, the race grows live at display rate,
Stop stops it, a control redraws at once (and starts a running race again), divergence is marked where it blew
up, every description reads whole."""
import time

import numpy as np
import pytest

import dlkit as dk
from dlkit import widgets
from dlkit.widgets import optimizer_race_view as view

from .labs import line, shown, wait_until

MOST_CHARACTERS = 14          # a description this long fits the 130 px the controls give it (issue 16: "lr (SGD, moment…")


@pytest.fixture(scope="module")
def lab():
    return widgets.OptimizerRace(steps=40)


def _bundle(chart):
    return np.asarray(chart.bundle.x, np.float64), np.atleast_2d(np.asarray(chart.bundle.y, np.float64))


def _row(chart, name):
    """(x, y) of optimizer ``name`` in a curves panel: a row of its bundle, or a line of its own once it ended."""
    if name in chart.labels:
        return chart.row(name)
    return line(chart, name)


def test_the_charts_hold_the_race_the_optimizers_ran(lab):
    lab.controls["surface"].value = "quadratic"
    s, paths = lab.surface, lab.paths
    assert set(paths) == set(dk.surfaces.RACERS) and "theory" in lab.status_text
    expected = dk.surfaces.race(s, list(paths), lr=lab.controls["lr"].value,
                                adaptive_lr=lab.controls["adaptive_lr"].value, steps=40)
    xs, ys = np.asarray(lab.view.surface.paths.x), np.asarray(lab.view.surface.paths.y)
    for k, name in enumerate(paths):
        np.testing.assert_allclose(xs[k], expected[name].points[:, 0])
        np.testing.assert_allclose(ys[k], expected[name].points[:, 1])
    x, Y = _bundle(lab.view.gaps)
    np.testing.assert_array_equal(x, np.arange(41))
    np.testing.assert_allclose(Y[lab.view.gaps.labels.index("adam")],
                               np.maximum(expected["adam"].losses - s.f_min, view.GAP_FLOOR))
    x, Y = _bundle(lab.view.lengths)
    step = np.linalg.norm(np.diff(expected["sgd"].points, axis=0), axis=1)
    np.testing.assert_allclose(Y[lab.view.lengths.labels.index("sgd")], np.maximum(step, view.GAP_FLOOR))
    assert lab.view.surface.title == "quadratic: 40 steps" and "global minimum" in lab.view.surface.legend_html.value
    assert lab.view.surface.raster.mark.visible and shown(lab.view.momentum)


def test_the_momentum_map_marks_your_pair_and_follows_the_sliders(lab):
    lab.controls["surface"].value = "quadratic"
    frames = lab.frames
    lab.controls["momentum"].value = 0.5
    assert lab.frames > frames
    yours = lab.view.momentum.layers["yours"]
    assert float(yours.y[0]) == pytest.approx(0.5) and float(yours.x[0]) == pytest.approx(lab.controls["lr"].value)
    grid = dk.surfaces.momentum_grid(lab.surface.eigenvalues, resolution=view.MAP_RESOLUTION)
    edge = np.atleast_2d(np.asarray(lab.view.momentum.paths.x))[0]         # one path: bqplot squeezes
    np.testing.assert_allclose(edge, grid.edge)
    assert f"α*={grid.best[0]:.3g}" in lab.view.momentum.legend_html.value
    lab.controls["surface"].value = "ravine"
    assert not shown(lab.view.momentum) and shown(lab.view.lengths)
    lab.controls["momentum"].value = 0.9


def test_a_diverging_optimizer_is_marked_where_it_blew_up(lab):
    lab.controls["surface"].value = "rosenbrock"
    assert lab.controls["lr"].value == pytest.approx(dk.surfaces.rosenbrock().lr, rel=0.15)
    assert lab.controls["condition"].disabled
    lab.controls["lr"].value = 0.1                       # far too large for the walls: SGD diverges, visibly
    sgd = lab.paths["sgd"]
    assert sgd.diverged_at is not None and f"sgd at step {sgd.diverged_at}" in lab.status_text
    assert lab.view.gaps.blowups.visible and sgd.diverged_at in list(lab.view.gaps.blowups.x)
    crosses = lab.view.surface.layers["diverged"]
    assert crosses.visible and "diverged here" in lab.view.surface.legend_html.value
    np.testing.assert_allclose(np.column_stack([crosses.x, crosses.y])[0], sgd.points[-1])
    x, y = _row(lab.view.gaps, "sgd")                   # its own line, ending where it blew up
    assert "sgd" not in lab.view.gaps.labels and x[-1] == len(sgd.points) - 1
    top = view.BLOWN_UP * max(p.losses[0] - lab.surface.f_min for p in lab.paths.values())    # drawn up to here
    np.testing.assert_allclose(y, np.clip(sgd.losses - lab.surface.f_min, view.GAP_FLOOR, top))
    assert "adam" in lab.view.gaps.labels and _row(lab.view.gaps, "adam")[0][-1] == 40
    lab.racers["adagrad"].value = False
    assert "adagrad" not in lab.paths and "adagrad" not in lab.view.gaps.labels
    lab.racers["adagrad"].value = True


def test_a_script_race_draws_the_path_growing(lab):
    lab.controls["surface"].value = "saddle"
    seen = []
    draw = lab.view.show
    lab.view.show = lambda *a, **k: (draw(*a, **k), seen.append(np.asarray(lab.view.surface.paths.x).shape[1]))
    try:
        frames = lab.frames
        lab.race(wait=True)
    finally:
        del lab.view.show
    assert lab.frames - frames >= 10 and lab.error is None
    assert seen == sorted(seen) and seen[0] < 10 and seen[-1] == 41 and lab.upto is None


def test_a_watched_race_runs_at_display_rate_stops_and_restarts_on_a_change():
    lab = widgets.OptimizerRace(steps=300)
    lab.buttons["race"].click()
    wait_until(lambda: lab.frames >= 6, timeout=10)
    assert lab.running and 0 < lab.upto < 300
    sgd = lab.paths["sgd"]
    lab.controls["lr"].value = 0.05                      # during the race: it starts again with the new lr
    wait_until(lambda: lab.paths["sgd"] is not sgd, timeout=5)
    assert lab.running and lab.upto < 150
    np.testing.assert_allclose(lab.paths["sgd"].points,
                               dk.surfaces.run(lab.surface, "sgd", 0.05, steps=300).points)
    started = time.perf_counter()
    lab.stop()
    assert lab.wait(2) and time.perf_counter() - started < 1.0
    assert "stopped at step" in lab.status_text and lab.buttons["race"].disabled is False
    assert np.asarray(lab.view.surface.paths.x).shape[1] == lab.upto + 1 < 301      # the race where it stopped


def test_every_description_reads_whole_and_says_more_in_its_tooltip(lab):
    for key, control in lab.controls.items():
        assert len(control.description) <= MOST_CHARACTERS, (key, control.description)
    for key in ("lr", "adaptive_lr", "condition"):
        assert lab.controls[key].tooltip, key
    assert "Nesterov" in lab.controls["lr"].tooltip and "Adam" in lab.controls["adaptive_lr"].tooltip


def test_a_frame_is_cheap(lab):
    lab.controls["surface"].value = "quadratic"
    times = []
    for upto in range(1, 41):
        lab.upto = upto
        lab.redraw()
        times.append(lab.draw_seconds)
    lab.upto = None
    assert np.median(times) < 0.05                       # ~1 ms on a quiet machine; the bench reports it
