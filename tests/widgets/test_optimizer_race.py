"""OptimizerRace headless: surfaces, learning rates, divergence, racers, the animation."""
import pytest

import dlkit as dk
from dlkit import widgets


def test_optimizer_race():
    lab = widgets.OptimizerRace(steps=40)
    assert set(lab.paths) == set(dk.surfaces.RACERS) and "theory" in lab.status.value
    lab.controls["surface"].value = "rosenbrock"
    assert lab.controls["lr"].value == pytest.approx(dk.surfaces.rosenbrock().lr, rel=0.15)
    assert lab.controls["condition"].disabled
    lab.controls["lr"].value = 0.1                       # far too large for the walls: SGD diverges, visibly
    assert lab.paths["sgd"].diverged_at is not None and "diverged" in lab.status.value
    lab.racers["adagrad"].value = False
    assert "adagrad" not in lab.paths
    frames = lab.frames
    lab.race(wait=True)
    assert lab.frames - frames >= 10 and lab.error is None
