"""dlkit.widgets.controls: the batch-size options and the init menu."""
import dlkit as dk
from dlkit.widgets import controls


def test_powers_of_two_and_initializer_menu():
    assert controls.powers_of_two(100) == [1, 2, 4, 8, 16, 32, 64, 100]
    assert controls.powers_of_two(64) == [1, 2, 4, 8, 16, 32, 64]
    assert controls.initializer("normal(0.01)").std(10, 10) == 0.01
    model = dk.MLP([2, 4, 2], init=controls.initializer(controls.INITS[-1]))
    assert not model.params["W1"].any()
