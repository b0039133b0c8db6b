"""The seven labs live in a real browser: one JupyterLab notebook shows every lab; for each, Train (Race, Run
sweep, ...) is clicked and the bqplot picture must change while it trains, at a frame rate over a CI-safe floor,
the first frame soon after the click; Stop must leave the picture still; a moved control must redraw. The frame
rates and times go to test-artifacts/browser/live-frames.json and .md (with the load), screenshots of every lab
at devicePixelRatio 1 and 2 beside them. Notebook 7 gets the Playground.

The floors here are for a loaded CI box; the targets (Playground >= 20 frames per second, first frame <= 100 ms,
a control redrawn within 150 ms) are the bench's (``python -m dlkit.bench --labs``) and the artifacts' to report.
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass

import nbformat
import pytest

from . import live_probe
from .conftest import _artifacts as _artifacts_dir

pytestmark = pytest.mark.browser

STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
WATCH_S = 2.5                 # seconds of training watched per lab
CATCH_UP_S = 1.0              # after a screenshot taken while training: the page shows the frames it held back
QUIET_S = 0.6                 # after Stop: this long without a picture change...
SETTLE_MS = 300               # ... from this long after Train is enabled again (the last frame may still arrive)
FIRST_FRAME_FLOOR_MS = 1500   # CI-safe: the target is 100 ms
REDRAW_FLOOR_MS = 1500        # CI-safe: the target is 150 ms
REDRAW_WAIT_S = 5.0
STOP_CLICK_MS = 5000          # a busy page answers a click within this
# the Playground's frames per second in this page: 11-12 at load 2.7, 8 at 5.6, 4.2-4.9 at 6.5-7, and 3.96 in CI
# while the other pytest worker ran heavy tests beside it (so `make test` runs this tier alone); the PNG labs
# this replaced showed 2.7-3.1. CI-safe: 4 (the target, 20, is the bench's)
FPS_FLOOR = 4.0


@dataclass(frozen=True)
class Spec:
    """A lab as the notebook builds it and the test drives it: its CSS name (``.dlkit-<name>``), class and
    arguments, the button that starts it (None: nothing trains), the control moved afterwards (("slider" |
    "select", label)), the frame-rate floor, the fewest picture changes while it runs, and a slider moved while
    it trains with the mark that must then appear on the curves ((label, text) or None)."""

    name: str
    cls: str
    args: str
    train: str | None
    control: tuple
    fps_floor: float = 0.0
    min_changes: int = 3
    mid_run: tuple | None = None


SPECS = (
    Spec("playground", "Playground", 'dataset="spirals", hidden_layers=2, width=8', "Train", ("slider", "seed"),
         fps_floor=FPS_FLOOR, mid_run=("learning rate", "lr 0.01→")),
    Spec("activations", "ActivationExplorer", 'activation="tanh"', None, ("select", "activation")),
    Spec("gradient-flow", "GradientFlowLab", "depth=50", "Train", ("select", "activation")),
    Spec("overfitting", "OverfittingLab", 'dataset="moons", train_size=50, noise=0.3, width=128, early_stopping=False',
         "Train",
         ("slider", "seed"), mid_run=("learning rate", "lr 0.01→")),
    Spec("optimizer-race", "OptimizerRace", 'surface="quadratic", condition=30', "Race",
         ("slider", "condition κ")),
    # a watched sweep takes WATCH_RATE epochs a second: 20 epochs are 0.8 s of frames (5 were 0.2 s, 2-3 changes)
    Spec("batch-size", "BatchSizeLab", 'dataset="spirals", n_samples=600, amount=20', "Run sweep",
         ("select", "loss against")),
    Spec("metrics", "MetricsPanel", "positive_share=0.1", "Train model", ("slider", "threshold"), min_changes=1),
)

BUILD = '''import html, traceback
import ipywidgets as W

def build(name, make):
    """The lab, or its traceback in a marked box (the test reports it) so that the other labs still run."""
    try:
        return make()
    except Exception:
        box = W.HTML(f"<pre>{html.escape(traceback.format_exc())}</pre>")
        box.add_class(f"dlkit-broken-{name}")
        return box'''


def _cell(spec):
    var = spec.name.replace("-", "_")
    return (f"def make():\n    from dlkit.widgets import {spec.cls}\n    return {spec.cls}({spec.args})\n\n"
            f"{var} = build({spec.name!r}, make)\n{var}")


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, path)


# ---- driving the page --------------------------------------------------------------------------------------
def _open(browser, jupyter, path):
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(f"{jupyter['url']}/{path}?token={jupyter['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.get_by_text("Python 3 (ipykernel)").first.wait_for(timeout=60_000)
    # Run All before the kernel is connected runs nothing (Notebook 7): wait for the kernel to be idle
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', state="attached", timeout=60_000)
    return page


def _run_all(page, timeout=150):
    """Run > Run All Cells, then wait until every code cell has an execution count."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        prompts = page.eval_on_selector_all(".jp-CodeCell .jp-InputArea-prompt", "els => els.map(e => e.textContent)")
        if prompts and all(re.search(r"\[\d+\]", p) for p in prompts):
            return prompts
        time.sleep(0.5)
    page.screenshot(path=_artifacts_dir() / "run-all-timeout.png")
    raise TimeoutError(f"cells still running after {timeout} s: {prompts} (see run-all-timeout.png)")


def _no_errors(page):
    """No stderr or traceback output in any cell, no widget that failed to render, no widget JavaScript error
    (errors of the notebook application itself, e.g. Notebook 7's own start-up noise, are not ours)."""
    stderr = [page.locator(STDERR).nth(i).inner_text() for i in range(page.locator(STDERR).count())]
    assert not stderr, f"error output in the notebook: {stderr}"
    assert page.get_by_text("Error displaying widget").count() == 0
    ours = [e for e in page.errors if re.search(r"widget|dlkit|bqplot|\bcomm\b", e, re.IGNORECASE)]
    assert not ours, f"JavaScript errors from the widgets: {ours}"


def _button(lab, text):
    return lab.locator("button", has_text=re.compile(rf"^\s*{re.escape(text)}\s*$")).first


def _lab(page, spec):
    """The lab's element, once its live figures are displayed; fails with the traceback if it did not build."""
    lab = page.locator(f".dlkit-{spec.name}")
    if lab.count() != 1:
        broken = page.locator(f".dlkit-broken-{spec.name}")
        pytest.fail(broken.inner_text() if broken.count() else f"lab {spec.name} is not displayed")
    assert lab.locator("img.dlkit-picture").count() == 0, f"{spec.name} still shows a PNG picture"
    page.wait_for_function(live_probe.VISIBLE_FIGURES.replace("(root) =>", "(root) => 0 <"),
                           arg=lab.element_handle(), timeout=30_000)
    return lab


def _move(page, lab, control):
    """Move a control the way a student does: a slider one step right with the keyboard, a menu to its next
    option. Returns the probe event that times it ("keydown" or "change")."""
    kind, label = control
    named = page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    widget = lab.locator(".widget-slider" if kind == "slider" else ".widget-dropdown").filter(has=named).first
    if kind == "slider":
        widget.locator(".noUi-handle").first.focus()
        page.keyboard.press("ArrowRight")
        return "keydown"
    select = widget.locator("select")
    index = (select.evaluate("s => s.selectedIndex") + 1) % select.locator("option").count()
    select.select_option(index=index)
    return "change"


def _epoch_shown(lab):
    """The epoch the lab's status line shows ("epoch 42 ..."), None if it names none."""
    found = re.search(r"epoch (\d+)", lab.locator(".dlkit-status").first.inner_text())
    return int(found.group(1)) if found else None


def _load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---- the notebook and the results -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def notebook(browser, jupyter, artifacts):
    """Every lab in one JupyterLab notebook, run once (file browser hidden: the labs get the width); the
    screenshots of an earlier run are removed first (a lab that fails leaves none)."""
    for spec in SPECS:
        for old in artifacts.glob(f"{spec.name}*.png"):
            old.unlink()
    _notebook(jupyter["root"] / "live-labs.ipynb", [BUILD] + [_cell(s) for s in SPECS])
    page = _open(browser, jupyter, "lab/tree/live-labs.ipynb")
    page.keyboard.press("Control+b")
    _run_all(page)
    yield page
    page.close()


@pytest.fixture(scope="module")
def results(artifacts):
    """{lab: measurements}, written to live-frames.json and live-frames.md when the module ends."""
    measured = {}
    yield measured
    machine = {"cpus": os.cpu_count(), "load_at_end": _load(),
               "note": "measured in headless Chromium with JupyterLab and the kernel on the same machine; "
                       "load = /proc/loadavg (1, 5, 15 min) when each lab was measured"}
    (artifacts / "live-frames.json").write_text(json.dumps({"machine": machine, "labs": measured}, indent=2))
    (artifacts / "live-frames.md").write_text(_markdown(machine, measured))


def _markdown(machine, measured):
    def fmt(v, spec=".0f"):
        return "—" if v is None else format(v, spec)
    lines = ["# Live labs in headless Chromium (JupyterLab 4)", "",
             f"{machine['cpus']} CPUs; {machine['note']}.", "",
             "| lab | frames/s (median figure) | repaints/s | click → first frame (ms) | control → redraw (ms) "
             "| Stop → picture still (ms) | Stop → Train back (ms) | Stop click answered (ms) "
             "| epochs shown after Stop | load |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, m in measured.items():
        lines.append(f"| {name} | {fmt(m.get('fps'), '.1f')} | {fmt(m.get('repaints_per_s'), '.1f')} | "
                     f"{fmt(m.get('first_frame_ms'))} | {fmt(m.get('redraw_ms'))} | {fmt(m.get('still_ms'))} | "
                     f"{fmt(m.get('stop_ms'))} | {fmt(m.get('click_ms'))} | "
                     f"{fmt(m.get('epochs_shown_after_stop'), 'd')} | {m.get('load', '')} |")
    return "\n".join(lines) + "\n"


# ---- the labs ------------------------------------------------------------------------------------------------
def _train_and_stop(page, lab, spec, artifacts, measured):
    """Click the lab's start button, watch WATCH_S (moving spec.mid_run's slider half-way), then Stop; the numbers
    go into ``measured`` (fps, repaints_per_s, first_frame_ms, changes, the Stop times); returns what went wrong."""
    train = _button(lab, spec.train)
    live_probe.install(lab)
    train.click()
    if spec.mid_run:                                      # a setting moved while it trains: marked, no restart
        time.sleep(WATCH_S / 2)
        _move(page, lab, ("slider", spec.mid_run[0]))
        time.sleep(WATCH_S / 2)
    else:
        time.sleep(WATCH_S)
    probe = live_probe.read(page)
    finished = train.is_enabled()                         # a finite run (a race) may be over already
    marked = spec.mid_run is None or lab.locator(".bqplot.figure text").filter(has_text=spec.mid_run[1]).count()
    clicked = probe["events"]["click"]
    changes = live_probe.ticks_between(probe, clicked)
    end = changes[-1][0] if finished and changes else probe["now"]
    measured.update(first_frame_ms=live_probe.first_change_ms(probe, clicked), changes=len(changes), load=_load(),
                    **{k: v for k, v in live_probe.rates(probe, clicked, end).items() if k != "per_figure"})
    lab.screenshot(path=artifacts / f"{spec.name}-training.png")
    time.sleep(CATCH_UP_S)                                # frames queued while the screenshot held the page
    measured.update(_stop(page, lab, train))
    first, late = measured["first_frame_ms"], measured.pop("late_changes")
    return [problem for problem, bad in (
        (f"{spec.train} changed nothing in the picture", first is None),
        (f"the first frame came {first} ms after the click", first is not None and first > FIRST_FRAME_FLOOR_MS),
        (f"only {len(changes)} picture changes in {WATCH_S} s of training", len(changes) < spec.min_changes),
        (f"{measured['fps']:.1f} frames per second (floor {spec.fps_floor:g})", measured["fps"] < spec.fps_floor),
        (f"the picture still changed {late} times after Stop", late),
        (f"moving {spec.mid_run and spec.mid_run[0]!r} while training left no mark on the curves", not marked),
    ) if bad]


def _click_if_enabled(button, timeout_ms=STOP_CLICK_MS):
    """Click ``button``; False when it stayed disabled (a finite run that ended between the check and the
    click: its Stop is disabled again, which is what Stop would have done)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        button.click(timeout=timeout_ms)
        return True
    except PlaywrightTimeout:
        if button.is_enabled():
            raise
        return False


def _stop(page, lab, train):
    """Click Stop (if the run is still going) and wait for Train: {stop_ms (from the click event in the page until
    Train is enabled again), still_ms (... until the last picture change), click_ms (from Playwright's click call
    to the click event: a busy page answers input late), epochs_shown_after_stop, late_changes (picture changes
    later than SETTLE_MS after Train came back: Stop did not stop)}."""
    stop, out = _button(lab, "Stop"), {}
    shown_at_stop = _epoch_shown(lab)
    before = live_probe.now(page)
    clicked = stop.is_enabled() and _click_if_enabled(stop)
    page.wait_for_function("el => !el.disabled", arg=train.element_handle(), timeout=30_000)
    idle = live_probe.now(page)
    time.sleep(QUIET_S)
    probe = live_probe.read(page)
    if clicked:
        event = probe["events"]["click"]
        last = live_probe.ticks_between(probe, event)
        out.update(stop_ms=idle - event, click_ms=event - before, still_ms=last[-1][0] - event if last else 0.0)
    if shown_at_stop is not None and _epoch_shown(lab) is not None:
        out["epochs_shown_after_stop"] = _epoch_shown(lab) - shown_at_stop
    out["late_changes"] = len(live_probe.ticks_between(probe, idle + SETTLE_MS))
    return out


def _redraw_ms(page, lab, spec):
    """Move the lab's control; milliseconds until its picture changed (None: it did not)."""
    live_probe.install(lab)
    event = _move(page, lab, spec.control)
    deadline = time.monotonic() + REDRAW_WAIT_S
    while time.monotonic() < deadline:
        probe = live_probe.read(page)
        if event in probe["events"] and live_probe.ticks_between(probe, probe["events"][event]):
            return live_probe.first_change_ms(probe, probe["events"][event])
        time.sleep(0.05)
    return None


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_lab_draws_live_in_the_browser(spec, notebook, results, artifacts):
    page = notebook
    lab = _lab(page, spec)
    lab.scroll_into_view_if_needed()
    measured = results.setdefault(spec.name, {"load": _load()})      # recorded even when an assertion fails
    problems = [] if spec.train is None else _train_and_stop(page, lab, spec, artifacts, measured)
    lab.screenshot(path=artifacts / f"{spec.name}.png")
    redraw = measured["redraw_ms"] = _redraw_ms(page, lab, spec)
    if redraw is None or redraw > REDRAW_FLOOR_MS:
        problems.append(f"moving {spec.control[1]!r} redrew {'never' if redraw is None else f'after {redraw} ms'}")
    assert not problems, f"{spec.name}: {'; '.join(problems)} (measured: {measured})"
    _no_errors(page)


def test_playground_math_and_pytorch_code(notebook, artifacts):
    lab = _lab(notebook, SPECS[0])
    lab.get_by_text("the math", exact=True).click()
    lab.locator("mjx-container").first.wait_for(timeout=20_000)
    _button(lab, "PyTorch code").click()
    lab.get_by_text("PyTorch code", exact=True).last.click()
    notebook.wait_for_function("el => el.value.includes('nn.Sequential')",
                               arg=lab.locator("textarea").element_handle(), timeout=10_000)
    lab.screenshot(path=artifacts / "playground-math-and-code.png")
    _no_errors(notebook)


def test_every_lab_at_device_pixel_ratio_2(notebook, artifacts):
    """The same labs rendered with twice the pixels (a HiDPI screen): vector marks stay sharp, rasters show
    whether they are drawn at device resolution (<lab>@2x.png beside <lab>.png)."""
    shot = [s for s in SPECS if notebook.locator(f".dlkit-{s.name}").count() == 1]
    for spec in shot:
        path = artifacts / f"{spec.name}@2x.png"
        live_probe.screenshot_at_scale(notebook, notebook.locator(f".dlkit-{spec.name}"), path, 2)
        width = int.from_bytes(path.read_bytes()[16:20], "big")               # the PNG header's width
        assert width >= 2 * notebook.locator(f".dlkit-{spec.name}").bounding_box()["width"] - 2
    assert shot


def test_playground_in_notebook7(browser, jupyter, artifacts):
    _notebook(jupyter["root"] / "notebook7-check.ipynb",
              ["from dlkit.widgets import Playground\n"
               "lab = Playground(dataset='moons', hidden_layers=1, width=8)\nlab"])
    page = _open(browser, jupyter, "notebooks/notebook7-check.ipynb")
    try:
        _run_all(page, timeout=60)
        lab = _lab(page, SPECS[0])
        train = _button(lab, "Train")
        live_probe.install(lab)
        train.click()
        time.sleep(WATCH_S)
        probe = live_probe.read(page)
        changes = live_probe.ticks_between(probe, probe["events"]["click"])
        assert len(changes) >= 3, f"only {len(changes)} picture changes in Notebook 7"
        _button(lab, "Stop").click()
        page.wait_for_function("el => !el.disabled", arg=train.element_handle(), timeout=30_000)
        lab.screenshot(path=artifacts / "notebook7-playground.png")
        _no_errors(page)
    finally:
        page.close()
