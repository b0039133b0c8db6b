"""ActivationExplorer headless: every control redraws at once."""
from dlkit import widgets

from .labs import fresh_picture


def test_activation_explorer_redraws_on_every_control():
    lab = widgets.ActivationExplorer()
    for name, value in [("activation", "sigmoid"), ("weight_scale", 10.0), ("fan_in", 512), ("z_range", (-2.0, 2.0))]:
        before, frames = lab.image.value, lab.frames
        lab.controls[name].value = value
        assert lab.frames == frames + 1
        fresh_picture(lab, before)
    assert lab.response["saturated"] > 20 and f"{lab.response['saturated']:.0f}% saturated" in lab.status.value
