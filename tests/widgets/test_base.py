"""What every lab shares (dlkit.widgets.base): one job at a time, one widget to show, a plain status text."""
from dlkit import widgets


def test_a_second_job_waits_for_the_first():
    lab = widgets.Playground(n_samples=200)
    lab.buttons["train"].click()                      # until Stop
    try:
        assert lab.launch(lambda: None, wait=True) is False and "already running" in lab.status_text
    finally:
        lab.stop()
        assert lab.wait(10)


def test_every_lab_shows_as_one_widget():
    for lab in (widgets.ActivationExplorer(), widgets.MetricsPanel(y_true=[0, 1, 1], scores=[0.2, 0.7, 0.1])):
        bundle = lab._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        assert "dlkit-lab" in lab.ui._dom_classes


def test_the_status_text_is_plain():
    lab = widgets.Playground(n_samples=200)
    lab.say("a < b\nsecond line", error=True)
    assert "<br>" in lab.status.value and "&lt;" in lab.status.value
    assert lab.status_text == "a < b\nsecond line"


def test_building_a_lab_loads_the_compiled_training_step_before_the_first_train():
    """A new kernel loads the step from the disk cache at its first fit (~40 ms): the labs do it when built."""
    import subprocess
    import sys

    probe = ("import dlkit.widgets as W; from dlkit.kernels.cpu import steps; before = len(steps.train_steps."
             "signatures); W.Playground(dataset='spirals'); print(before, len(steps.train_steps.signatures))")
    before, after = subprocess.check_output([sys.executable, "-c", probe], text=True).split()[-2:]
    assert (int(before), int(after)) == (0, 1)
