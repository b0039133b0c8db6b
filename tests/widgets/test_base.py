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


def test_frames_wait_for_the_page_to_show_the_last_one():
    """A page that answers holds the next frame until it has shown the last but one (a slow page gets fewer,
    current frames, never a queue); no page at all (a script) holds nothing; a page that stopped answering holds a
    frame PAGE_WAIT at most."""
    import time

    from dlkit.widgets import base

    lab = widgets.Playground(n_samples=200)
    echo = lab.page
    assert echo.ready()                                            # nobody has answered: nothing is held
    lab.redraw()
    assert echo.sent_number.value == 0                             # an idle redraw sends no frame number
    echo.sent(1)
    assert echo.ready()
    echo.shown_number.value = 1                                    # what the page's link saves back
    echo.sent(2)
    assert echo.ready() and base.FRAMES_AHEAD == 1                 # one frame may go while the page draws 2
    echo.sent(3)
    assert not echo.ready() and not lab.frame_due(-float("inf"))   # two ahead of the page: held
    echo.shown_number.value = 2
    assert echo.ready() and lab.frame_due(-float("inf")) and not lab.frame_due(time.perf_counter())
    echo.sent(4)
    echo._sent_at -= base.PAGE_WAIT                                # the page went away
    assert echo.ready()
    assert echo.link.source == (echo.sent_number, "value") and echo.link.target == (echo.shown_number, "value")


def test_a_training_lab_sends_fewer_frames_to_a_page_that_is_behind():
    """Playground at watch speed for a second: a page that never catches up after its first answer gets a frame
    per PAGE_WAIT (after the FRAMES_AHEAD it may be sent ahead), while the training goes on at its pace (the
    status line travels with the frames)."""
    import time

    from dlkit.widgets import base

    lab = widgets.Playground(n_samples=200)
    lab.page.shown_number.value = 1                                # a page answered once, then fell behind
    lab.buttons["train"].click()
    time.sleep(1.2)
    lab.stop()
    assert lab.wait(10)
    epochs = lab.runs["A"].epochs
    assert epochs >= 15 and lab.frames <= 5 + base.FRAMES_AHEAD, (epochs, lab.frames)
