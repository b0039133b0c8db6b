"""How the widget tests drive a lab headless: build it, set controls, press buttons (``button.click()`` runs
training in a background thread, as in a notebook), and check what the live charts were handed: the marks'
arrays must hold the numbers the engine produced. The browser tier (tests/browser) checks the same labs in a real
JupyterLab."""
import time

import numpy as np


def click(lab, name, timeout=60):
    """Press a button the way a student does, and wait for its background job."""
    before = lab.frames
    lab.buttons[name].click()
    assert lab.wait(timeout), f"{name} did not finish in {timeout} s"
    assert lab.error is None, lab.error
    return lab.frames - before


def wait_until(condition, timeout=20.0):
    """Poll ``condition()`` until it is true; fails after ``timeout`` seconds."""
    started = time.perf_counter()
    while not condition():
        assert time.perf_counter() - started < timeout, "condition not met in time"
        time.sleep(0.005)
    return time.perf_counter() - started


def tree(widget):
    """Every widget inside a box, the box included."""
    return [widget, *(w for child in getattr(widget, "children", ()) for w in tree(child))]


def line(chart, label):
    """(x, y) arrays of a Curves chart's line ``label``."""
    mark = chart.lines[label]
    return np.asarray(mark.x, np.float64), np.asarray(mark.y, np.float64)


def shown(panel):
    """Whether a live panel is displayed (not hidden with display: none)."""
    return panel.widget.layout.display != "none"
