"""GradientFlowLab headless: the diagnosis line, training, and the records it reads."""
from dlkit import widgets

from .labs import click, fresh_picture


def test_gradient_flow_lab_diagnoses_and_trains():
    lab = widgets.GradientFlowLab(depth=12, width=32, activation="sigmoid", epochs=2, lr=0.1, speed="fast")
    assert "vanishing" in lab.diagnosis.value
    lab.controls["activation"].value = "relu"
    assert "vanishing" not in lab.diagnosis.value
    before = lab.image.value
    click(lab, "train")
    assert lab.hist.epochs == 2 and len(lab.hist.layer_stats) >= 8
    assert len(lab.hist.layer_stats[-1]["update_ratio"]) == 13
    fresh_picture(lab, before)
    lab.controls["depth"].value = 3                      # back to the untrained network
    assert lab.hist.epochs == 0 and len(lab.snap["h"]) == 4


def test_gradient_flow_lab_reads_the_training_records():
    lab = widgets.GradientFlowLab(depth=6, width=16, activation="relu", init="he_normal", epochs=1, speed="fast")
    lab.train(wait=True)
    record = lab.hist.layer_stats[-1]
    assert len(record["signal_std"]) == 7 and "vanishing" not in lab.diagnosis.value
    panel = lab.figure.axes[5]
    assert panel.get_title() == "gradient reaching each layer" and len(panel.get_lines()) == 7
    record["signal_std"] = [1e-9, *record["signal_std"][1:]]     # as if layer 1 got no gradient in the last step
    lab.measure()
    assert "layer 1 gets" in lab.diagnosis.value and "vanishing" in lab.diagnosis.value
