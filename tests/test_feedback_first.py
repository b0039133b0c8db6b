"""The message first (issue 13): what a student reads of a failing check, in a real kernel and in nbgrader's
feedback — the check's message as the first line and whole, then at most one line of their code, and no frame
from inside dlkit (dlkit.my_work.failures, CheckFailure._render_traceback_).

The per-assignment tests plant every planted bug of the assignment (solutions/<a>/planted_bugs.py) one at a
time into one kernel that ran the solution, run the test cells it must fail, and read their error outputs as
the kernel sent them (what nbgrader stores, and so what its feedback shows).
"""
import os
import re
import shutil
import sys
import textwrap

import nbformat
import pytest

from dlkit import checks
from dlkit.course import ROOT
from dlkit.course.bugs import planted_bugs
from dlkit.course.cells import cell_by_id, nbgrader_meta
from dlkit.course.release import assignments
from dlkit.my_work import GRADING_ENV, _this_python_kernels
from dlkit.my_work.failures import failure_lines, made_by

ANSI = re.compile(r"\x1b\[[0-9;]*m")
DLKIT_FRAME = re.compile(r"dlkit[/\\][\w/\\.]*\.py")       # a frame from a file inside the package
CELL_TIMEOUT = 300


def plain(lines):
    return [ANSI.sub("", line) for text in lines for line in text.splitlines()]


# ---------------------------------------------------------------- the rendering, without a kernel

def _module(tmp_path, source, name="student"):
    """A module of the student's code written to a file (so its source can be read back, as a cell's is)."""
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    sys.path.insert(0, str(tmp_path))
    try:
        __import__(name)
        return sys.modules.pop(name)
    finally:
        sys.path.remove(str(tmp_path))


STUDENT = '''
import numpy as np


def dense_backward(dz, cache):
    """dz (N, H) -> dx (N, D), dW (D, H), db (H,)."""
    x, W = cache
    dx = dz @ W.T
    dW = x.T @ dz
    db = dz.sum(axis=1)
    return dx, dW, db


def twice(z):
    if z is None:
        return None
    return 2 * z


def shout(z):
    return np.log(-np.abs(z)).astype(int) @ z
'''


def test_made_by_finds_the_one_line_that_made_the_value(tmp_path):
    mod = _module(tmp_path, STUDENT, "student_made_by")
    path, line = made_by(mod.dense_backward, 2)                   # db: its one assignment
    assert path.endswith("student_made_by.py") and open(path).read().splitlines()[line - 1].strip() == \
        "db = dz.sum(axis=1)"
    assert made_by(mod.dense_backward, None)[1] == line + 1       # the whole result: the return
    assert made_by(mod.twice) is None                              # two returns: it cannot tell which ran
    assert made_by(checks.reference.losses.mse) is None            # dlkit's own code is never "the student's"


def test_a_failure_from_a_checked_call_points_at_the_students_line(tmp_path):
    import numpy as np

    mod = _module(tmp_path, STUDENT, "student_render")
    x, W, dz = np.ones((3, 2)), np.ones((2, 4)), np.ones((3, 4))
    got = checks.call(mod.dense_backward, dz, (x, W))
    with pytest.raises(checks.CheckFailure) as info:
        checks.close("db", got[2], dz.sum(axis=0), where=f"for x {x.shape}, W {W.shape}, dz {dz.shape}")
    lines = plain(failure_lines(info.value))
    assert lines[0] == str(info.value)
    assert "db has N = 3 entries, one per example: sum over the batch axis 0, not axis 1" in lines[0]
    assert lines[1:] == ["student_render.py, line 10 (the line that made it):  db = dz.sum(axis=1)"]


def test_a_failure_elsewhere_shows_the_line_that_ran_the_check():
    with pytest.raises(checks.CheckFailure) as info:
        checks.close("loss", 3.0, 1.5)
    lines = plain(failure_lines(info.value))
    assert lines[0].startswith("loss is 3 but should be 1.5") and len(lines) == 2
    assert lines[1].startswith("test_feedback_first.py, line") and "checks.close(\"loss\", 3.0, 1.5)" in lines[1]


def test_a_crash_in_the_students_function_shows_their_frames_and_no_dlkit_frame(tmp_path):
    import numpy as np

    mod = _module(tmp_path, STUDENT, "student_crash")
    with pytest.raises(checks.CheckFailure) as info:
        checks.call(mod.shout, np.ones((2, 3)))
    lines = plain(failure_lines(info.value))
    assert lines[0] == str(info.value) and "shout(z=array (2, 3)) raised ValueError" in lines[0]
    text = "\n".join(lines[1:])
    assert "student_crash.py" in text and "return np.log(-np.abs(z)).astype(int) @ z" in text
    assert not DLKIT_FRAME.search(text), text


def test_rendering_never_hides_the_message():
    failure = checks.CheckFailure("the message")
    failure.made_by = ("/no/such/file.py", 3)                     # nothing to read there
    assert plain(failure._render_traceback_()) == ["the message"]


# ---------------------------------------------------------------- in a real kernel

class Kernel:
    """One kernel of this Python running a notebook's cells one by one (nbclient, as nbgrader runs them)."""

    def __init__(self, nb, folder, mode="autograde"):
        from jupyter_client.manager import AsyncKernelManager
        from nbclient import NotebookClient

        self.nb = nb
        km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=_this_python_kernels())
        self.client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, allow_errors=True,
                                     resources={"metadata": {"path": str(folder)}})
        self.env = dict(os.environ, **{GRADING_ENV: mode})

    def __enter__(self):
        self._setup = self.client.setup_kernel(env=self.env, cleanup_kc=True)
        self._setup.__enter__()
        return self

    def __exit__(self, *exc):
        return self._setup.__exit__(*exc)

    def run(self, source):
        """The outputs of source run as a new code cell."""
        self.nb.cells.append(nbformat.v4.new_code_cell(source))
        self.client.execute_cell(self.nb.cells[-1], len(self.nb.cells) - 1)
        return self.nb.cells[-1].outputs


def errors_of(outputs):
    return [o for o in outputs if o.get("output_type") == "error"]


def assert_message_first(error, where=""):
    """The first line the kernel shows is the check's message, and no line comes from inside dlkit."""
    lines = plain(error["traceback"])
    assert error["ename"] == "CheckFailure", (where, error["ename"], lines[:3])
    assert lines[0] == error["evalue"].splitlines()[0], (where, lines[:3])
    assert not any(DLKIT_FRAME.search(line) for line in lines), (where, lines)
    # then one line of the student's code, or the student's own traceback of a crash that caused it
    assert len(lines) <= 2 or "Traceback (most recent call last)" in "\n".join(lines[1:4]), (where, lines)


def test_in_a_kernel_the_message_comes_first_with_the_students_line(tmp_path):
    nb = nbformat.v4.new_notebook()
    with Kernel(nb, tmp_path, mode="") as kernel:
        kernel.run("import numpy as np\nfrom dlkit import checks")
        kernel.run(STUDENT.lstrip("\n"))                        # db is its line 9, shout returns on 20
        (error,) = errors_of(kernel.run(
            "rng = np.random.default_rng(0)\n"
            "x, W, dz = rng.normal(size=(3, 2)), rng.normal(size=(2, 4)), rng.normal(size=(3, 4))\n"
            "got = checks.call(dense_backward, dz, (x, W))\n"
            "checks.close('db', got[2], dz.sum(axis=0), where=f'for x {x.shape}, W {W.shape}, dz {dz.shape}')"))
        assert_message_first(error)
        lines = plain(error["traceback"])
        assert "db has N = 3 entries, one per example: sum over the batch axis 0, not axis 1" in lines[0]
        assert len(lines) == 2 and re.match(r"Cell In\[2\], line 9 \(the line that made it\):  db = dz\.sum"
                                            r"\(axis=1\)$", lines[1]), lines
        (error,) = errors_of(kernel.run("checks.call(shout, np.ones((2, 3)))"))
        assert_message_first(error)
        lines = plain(error["traceback"])
        assert any("Cell In[2], line 20, in shout" in line for line in lines), lines     # their frames
        (error,) = errors_of(kernel.run("x = 1\nchecks.true(x == 2, 'x should be 2: count again')"))
        assert plain(error["traceback"]) == ["x should be 2: count again",
                                             "Cell In[5], line 2:  checks.true(x == 2, 'x should be 2: count again')"]


def _runnable_copy(assignment, tmp_path):
    folder = tmp_path / assignment
    shutil.copytree(ROOT / "solutions" / assignment, folder, ignore=shutil.ignore_patterns("planted_bugs.py"))
    (path,) = folder.glob("*.ipynb")
    return nbformat.read(str(path), as_version=4), folder


@pytest.mark.slow
@pytest.mark.parametrize("assignment", assignments(ROOT))
def test_every_planted_bug_shows_the_checks_message_first_and_no_dlkit_frame(assignment, tmp_path):
    """One kernel runs the solution; each planted bug replaces its cell, the tests it must fail run and show the
    check's message first, then the original cell is put back."""
    nb, folder = _runnable_copy(assignment, tmp_path)
    bugs = planted_bugs(assignment, ROOT)
    seen = {}
    with Kernel(nbformat.v4.new_notebook(), folder) as kernel:
        for cell in nb.cells:
            if cell.cell_type == "code":
                kernel.run(cell.source)
        for number, bug in enumerate(bugs):
            planted = bug.plant(nb)
            kernel.run(cell_by_id(planted, bug.cell).source)
            for test in sorted(bug.fails):
                for error in errors_of(kernel.run(cell_by_id(nb, test).source)):
                    assert_message_first(error, f"{assignment} {bug.new!r} in {test}")
                    seen.setdefault(number, []).append(error["evalue"])
            kernel.run(cell_by_id(nb, bug.cell).source)               # the solution's cell again
    missed = [bug.new for number, bug in enumerate(bugs) if number not in seen]
    assert not missed, f"{assignment}: these planted bugs failed no test here: {missed}"
    assert all(bug.says in " ".join(seen[number]) for number, bug in enumerate(bugs))


# ---------------------------------------------------------------- in nbgrader's feedback and the class report

@pytest.mark.slow
def test_nbgrader_feedback_and_the_report_show_the_message_first_and_whole(tmp_path, monkeypatch):
    """A small class of assignment 04 graded for real (autograde, generate_feedback, the report): the issue's
    typical mistake, db summed over axis 1."""
    from tests import feedback_screens as screens

    monkeypatch.setattr(screens, "MISTAKES", {"axis_one": screens.MISTAKES["axis_one"], "honest": []})
    page, report = screens.graded_class(tmp_path / "work")
    message = "db has N = 3 entries, one per example: sum over the batch axis 0, not axis 1"
    # what the kernel showed is what nbgrader stored: the autograded notebook
    autograded = nbformat.read(str(next((tmp_path / "work" / "autograded" / "axis_one").rglob("*.ipynb"))),
                               as_version=4)
    (error,) = errors_of(cell_by_id(autograded, "test_dense_backward").outputs)
    assert_message_first(error)
    assert message in plain(error["traceback"])[0]
    html = page.read_text()
    assert "div.output_subarea pre { white-space: pre-wrap" in html      # the message wraps: no sideways scroll
    shown = re.sub(r"<[^>]+>", "", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    part = shown[shown.index("test_dense_backward\n"):]
    part = part[:part.index("Student's answer")]                  # the test cell and its output, on the page
    assert "CheckFailure: db has shape (3,) but should have shape (4,)" in part and message in part
    assert "Traceback (most recent call last)" not in part and not DLKIT_FRAME.search(shown)
    text = re.sub(r"<[^>]+>", "", report.read_text())
    assert message in text and "CheckFailure:" not in text
    assert "Hint: b is added to every row of xW, so every row of dz contributes to db" in text   # whole
