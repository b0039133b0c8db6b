"""What every lab shares (dlkit.widgets.base): one job at a time, one widget to show."""
from dlkit import widgets


def test_a_second_job_waits_for_the_first():
    lab = widgets.Playground(n_samples=200, epochs=1000)
    lab.buttons["train"].click()
    try:
        assert lab.launch(lambda: None, wait=True) is False and "already running" in lab.status.value
    finally:
        lab.stop()
        assert lab.wait(10)


def test_every_lab_shows_as_one_widget():
    for lab in (widgets.ActivationExplorer(), widgets.MetricsPanel(y_true=[0, 1, 1], scores=[0.2, 0.7, 0.1])):
        bundle = lab._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        assert "dlkit-lab" in lab.ui._dom_classes
