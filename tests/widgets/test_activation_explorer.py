"""ActivationExplorer headless: every control redraws at once, the charts hold the function and the layer's
response, and the issue-16 bugs are gone (a cut range readout, fan-in and batch mixed up, ReLU "saturated")."""
import numpy as np

from dlkit import activations, widgets
from dlkit.live.bars import shares
from dlkit.widgets.activation_explorer import range_text

from .labs import line


def test_activation_explorer_redraws_on_every_control():
    lab = widgets.ActivationExplorer()
    for name, value in [("activation", "sigmoid"), ("weight_scale", 10.0), ("fan_in", 512), ("z_range", (-2.0, 2.0)),
                        ("init", "he_normal"), ("seed", 3), ("compare", False)]:
        frames, before = lab.frames, lab.view.batch.lines.y
        lab.controls[name].value = value
        assert lab.frames == frames + 1, name
        if name not in ("z_range", "compare"):
            assert not np.array_equal(lab.view.batch.lines.y, before), f"{name} did not change the batch panel"
    saturated = lab.response["saturated"]
    assert saturated > 20 and f"{saturated:.0f}% of outputs saturated" in lab.status_text


def test_the_charts_hold_the_function_and_the_layer_response():
    lab = widgets.ActivationExplorer("elu")
    z, f = line(lab.view.function, "elu(z)")
    assert z[0] == -6.0 and z[-1] == 6.0 and 0.0 in z                   # a sample on the bend
    np.testing.assert_allclose(f, activations.elu(z))
    np.testing.assert_allclose(line(lab.view.function, "elu′(z)")[1], activations.elu_grad(z))
    assert "others: sigmoid, tanh, relu" in lab.view.function.legend_html.value.replace("leaky_relu, ", "")
    edges = np.asarray(lab.view.batch.lines.x)
    heights = np.asarray(lab.view.batch.lines.y)[:, :-1]
    np.testing.assert_allclose(heights[0], shares(lab.response["z"], edges))
    np.testing.assert_allclose(heights[1], shares(lab.response["h"], edges))
    grad_edges = np.asarray(lab.view.gradient.lines.x)
    np.testing.assert_allclose(np.atleast_2d(lab.view.gradient.lines.y)[0, :-1],
                               shares(lab.response["dh"], grad_edges))
    lab.controls["z_range"].value = (-3.0, 4.0)
    assert (lab.view.function.x.min, lab.view.function.x.max) == (-3.0, 4.0)


def test_the_range_is_shown_with_both_ends_formatted_alike():
    lab = widgets.ActivationExplorer()
    assert lab.controls["z_range"].readout is False and lab.z_label.value == "−6.0 to 6.0"
    lab.controls["z_range"].value = (-2.5, 2.0)
    assert lab.z_label.value == "−2.5 to 2.0"
    lab.controls["z_range"].value = (1.0, 1.5)                         # kept at least MIN_Z_RANGE wide
    assert lab.z_label.value == "1.0 to 2.0"
    assert range_text(-20.0, 20.0) == "−20.0 to 20.0"


def test_the_status_names_fan_in_units_and_batch_as_the_sliders_do():
    # issue 16: "a layer of 256 relu units on 512 inputs" while the fan-in slider said 128 (512 was the batch)
    lab = widgets.ActivationExplorer("relu")
    assert lab.controls["fan_in"].value == 128 and lab.response["z"].shape == (512, 256)
    text = lab.status_text
    assert "a layer of 256 relu units, fan-in 128 (W is 128×256), on a batch of 512 standard-normal inputs" in text
    lab.controls["fan_in"].value = 16
    assert "fan-in 16 (W is 16×256), on a batch of 512" in lab.status_text


def test_relu_units_are_dead_or_inactive_never_saturated():
    # issue 16: ReLU was reported "50% saturated" although ReLU does not saturate
    lab = widgets.ActivationExplorer("relu")
    text = lab.status_text
    assert "saturated" not in text and "50% of outputs inactive (f′ = 0: no gradient" in text and "dead" in text
    legend = lab.view.function.legend_html.value
    assert "dead zone: f′ = 0" in legend and "saturated" not in legend
    for name in ("leaky_relu", "elu", "gelu"):
        lab.controls["activation"].value = name
        assert "saturated" not in lab.status_text and "inactive" in lab.status_text, name
        assert "saturated" not in lab.view.function.legend_html.value, name
    for name in ("tanh", "sigmoid"):
        lab.controls["activation"].value = name
        assert "% of outputs saturated" in lab.status_text and "inactive" not in lab.status_text, name
        assert "saturated: |f′| &lt; 5% of peak" in lab.view.function.legend_html.value, name
