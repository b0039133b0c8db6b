"""Screenshots of what a student reads when a check fails: in JupyterLab, in nbgrader's feedback page and in
the class report (issue 13). Everything is real: the notebook ran in a kernel, the class was graded by nbgrader.

    .venv/bin/python -m tests.feedback_screens before     # test-artifacts/feedback-first/{notebook,feedback,report}-before.png
    .venv/bin/python -m tests.feedback_screens after

The class is assignment 04 answered from its solution, with the issue's typical mistakes planted:
``db = dz.sum(axis=1)`` (two students), tanh'(z) as 1 - z² (one), and one honest student.
"""
from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "feedback-first"
ASSIGNMENT = "04-backpropagation"
NAME = f"{ASSIGNMENT}.ipynb"
CELL_TIMEOUT = 30                       # seconds per cell while grading here
STUDENT_TIMEOUT = 300
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1200, "height": 1400}
TEST_LINE = "check_dense(N=3, D=2, H=4, seed=0)"          # the visible test the shape mistake fails
# (cell, old, new): the mistakes planted per student
MISTAKES = {"axis_one": [("dense_backward", "db = dz.sum(axis=0)", "db = dz.sum(axis=1)")],
            "axis_two": [("dense_backward", "db = dz.sum(axis=0)", "db = dz.sum(axis=1)")],
            "tanh_z": [("activation_backward", "dh * (1.0 - np.tanh(z) ** 2)", "dh * (1.0 - z ** 2)")],
            "honest": []}


def answered(mistakes=()):
    """The released exercise with every solution cell answered from the solution, then ``mistakes`` planted."""
    from dlkit.course.bugs import plant
    from tests.course.submissions import answered as honest

    nb = honest(ASSIGNMENT)
    for cell, old, new in mistakes:
        nb = plant(nb, cell, old, new)
    return copy.deepcopy(nb)


def run_in_kernel(nb, folder):
    """nb executed top to bottom in a real kernel (nbclient), errors kept as the kernel showed them."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=CELL_TIMEOUT * 4, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return nb


def graded_class(work):
    """Prepare a workdir, submit the class, grade it with nbgrader; returns (feedback page, report)."""
    from dlkit.course.autograde import grade
    from dlkit.course.release import prepare
    from dlkit.course.reports import feedback, report

    prepare(work, [ASSIGNMENT], cell_timeout=CELL_TIMEOUT)
    for student, mistakes in MISTAKES.items():
        folder = work / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(answered(mistakes), str(folder / NAME))
    grade(work, [ASSIGNMENT], workers=1, student_timeout=STUDENT_TIMEOUT, quiet=True)
    pages = feedback(work, [ASSIGNMENT])
    (page,) = [p for p in pages if "axis_one" in str(p)]
    return page, report(work, [ASSIGNMENT])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab(root, base):
    """A JupyterLab server over root (the browser tier's settings); returns (process, url)."""
    import json

    from tests.browser.conftest import SETTINGS, TOKEN, _wait_for

    for name, values in SETTINGS.items():
        path = base / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = _free_port()
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(base / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(base / "ws"),
               JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_RUNTIME_DIR=str(base / "runtime"))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}", "--LabApp.news_url=None"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(base / "server.log", "w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    _wait_for(server, url, base / "server.log")
    return server, f"{url}/lab/tree/{NAME}?token={TOKEN}"


def _shoot_cell(page, selector, text, out):
    """Screenshot the first element matching selector that contains text."""
    cell = page.locator(selector, has_text=text).first
    cell.scroll_into_view_if_needed()
    cell.screenshot(path=str(out))


def screenshots(tag, base):
    """The three screenshots, named <what>-<tag>.png."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import _stop

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    notebook_dir = base / "lab"
    notebook_dir.mkdir()
    nb = run_in_kernel(answered(MISTAKES["axis_one"]), notebook_dir)
    nbformat.write(nb, str(notebook_dir / NAME))
    feedback_page, report_page = graded_class(base / "work")
    server, lab_url = _lab(notebook_dir, base)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(lab_url)
            page.wait_for_selector(".jp-OutputArea-output", timeout=60_000)
            _shoot_cell(page, ".jp-CodeCell", TEST_LINE, ARTIFACTS / f"notebook-{tag}.png")
            page.goto(feedback_page.as_uri())
            _shoot_cell(page, "div.cell", TEST_LINE, ARTIFACTS / f"feedback-{tag}.png")
            page.goto(report_page.as_uri())
            _shoot_cell(page, "table", "most common messages", ARTIFACTS / f"report-{tag}.png")
            browser.close()
    finally:
        _stop(server)
    return sorted(ARTIFACTS.glob(f"*-{tag}.png"))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for shot in screenshots(sys.argv[1] if len(sys.argv) > 1 else "after", Path(tmp)):
            print(shot)
