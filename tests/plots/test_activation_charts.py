"""dlkit.plots.activation_charts: f and f' with their dead and saturated zones."""
import pytest

from dlkit import plots

from .drawing import labelled


@pytest.mark.parametrize("name, zone", [("relu", "dead"), ("tanh", "saturated"), ("sigmoid", "saturated")])
def test_activation_curve_marks_its_zones(fig, name, zone):
    ax = fig.subplots()
    plots.activation_curve(ax, name, -8, 8, others=("elu", "gelu"))
    labelled(ax)
    assert any(p.get_label().startswith(zone) for p in ax.patches)
    assert {f"{name}(z)", f"{name}′(z)"} <= {line.get_label() for line in ax.get_lines()}


def test_linear_has_no_zones(fig):
    ax = fig.subplots()
    plots.activation_curve(ax, "linear")
    assert not ax.patches
