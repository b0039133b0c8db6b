"""How the widget tests drive a lab headless: build it, set controls, press buttons (``button.click()`` runs
training in a background thread, as in a notebook), and check that training ran, the History grew, new pictures
were drawn and Stop works mid-run. The browser tier (tests/browser) checks the same labs in a real JupyterLab."""
PNG = b"\x89PNG\r\n\x1a\n"


def click(lab, name, timeout=60):
    """Press a button the way a student does, and wait for its background job."""
    before = lab.frames
    lab.buttons[name].click()
    assert lab.wait(timeout), f"{name} did not finish in {timeout} s"
    assert lab.error is None, lab.error
    return lab.frames - before


def tree(widget):
    """Every widget inside a box, the box included."""
    return [widget, *(w for child in getattr(widget, "children", ()) for w in tree(child))]


def fresh_picture(lab, previous):
    assert bytes(lab.image.value).startswith(PNG) and bytes(lab.image.value) != bytes(previous)
