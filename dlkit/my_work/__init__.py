"""A student's "Check my work": run the saved notebook's tests in a fresh kernel and say which parts pass.

    from dlkit import checks
    checks.check_my_work()                     # the last cell of every assignment: the button
    python -m dlkit.course check NOTEBOOK      # the same report on the command line

A click runs the notebook *as last saved* top to bottom in a fresh kernel of this Python (nbclient), in its own
folder, with ``NBGRADER_EXECUTION=validate`` and the course's cell timeouts, as nbgrader's Validator would run it,
then lists each graded part with ✓ or ✗ and what its failing check said (the message, whole). The file is only
read. The button says edits may be missing only when this kernel ran code after the last save that the saved
file does not hold, and its first time estimate is this kernel's own measured cell times (then the last check's).
Each click's kernel is shut down when its run ends.

The package also holds what a failing check shows the student in IPython (:mod:`.failures`) and the words for a
wrong shape (:mod:`.dimensions`), which :mod:`dlkit.checks` uses.

This is the student's side: it never loads the grader (``dlkit.course``). The rules for reading nbgrader's cell
metadata (which cell is an autograded test, its points) are written here once; the grader imports them.
"""
from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

GRADING_ENV = "NBGRADER_EXECUTION"  # nbgrader sets it to "autograde" or "validate" while it runs a notebook
CHECKING_ENV = "DLKIT_CHECKING"     # set in the fresh kernel of a check: its own check cell must not start another
TYPICAL_CHECK_SECONDS = 20          # what the button promises when nothing here has been timed
KERNEL_START_SECONDS = 3            # a fresh kernel's start, added to the measured cell times of an estimate
# the folder dlkit sits in (the course checkout): its nbgrader_config.py gives the cell timeouts of a check
COURSE_CONFIG_DIR = Path(__file__).resolve().parents[2]
CONFIG_FILE = "nbgrader_config.py"
DEFAULT_CELL_TIMEOUT = 60           # seconds per cell when no course config is found
MESSAGE_CHARS = 2000                # a failure message is shown whole, up to this (a runaway print is cut)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMEOUT_ERROR = {"ename": "CellTimeoutError",
                 "evalue": "the cell ran past its time limit and was interrupted: look for a loop that never ends"}


# ---------------------------------------------------------------- nbgrader's cell metadata (the grader's too)

def nbgrader_meta(cell):
    """The nbgrader metadata of a cell ({} for a cell nbgrader does not manage)."""
    return cell.metadata.get("nbgrader", {})


def is_test_cell(meta):
    """Whether nbgrader metadata marks a test cell: graded, and not a solution the student writes."""
    return bool(meta.get("grade") and not meta.get("solution"))


def is_autograded_test(meta):
    """Whether nbgrader metadata marks an autograded test cell: a test cell with points."""
    return is_test_cell(meta) and "points" in meta


# ---------------------------------------------------------------- the report

@dataclass
class Part:
    """One graded part of a checked notebook: its test cell passed, or the first line of what it said."""

    grade_id: str
    points: float
    passed: bool
    message: str = ""


@dataclass
class WorkCheck:
    """What checking a saved notebook found: every graded part, and what went wrong outside them."""

    path: str
    saved: float                                  # the file's modification time (time.time() scale)
    parts: list = field(default_factory=list)     # [Part], in notebook order
    problems: list = field(default_factory=list)  # edited test cells, a crashed solution cell, a dead kernel
    seconds: float = 0.0                          # how long the run took
    by_hand: float = 0.0                          # points of written answers, graded by a person
    checked_at: float = None                      # when the check read the file (time.time() scale)
    unsaved: bool = False                         # this kernel ran code since the save that the file does not hold

    @property
    def passed(self):
        return [p for p in self.parts if p.passed]

    @property
    def ok(self):
        return bool(self.parts) and len(self.passed) == len(self.parts) and not self.problems

    def text(self, now=None):
        """The report; the file's age is given as of when the check read it (default), not when it finished."""
        now = now if now is not None else self.checked_at if self.checked_at is not None else time.time()
        when = datetime.datetime.fromtimestamp(self.saved).strftime("%H:%M:%S")
        lines = [f"Checked {Path(self.path).name} as last saved {_ago(now - self.saved)} ({when})"
                 + ("; you ran cells since then that the saved file does not hold: edits you have not saved are not "
                    "included, save with Ctrl+S (⌘S on a Mac) and check again." if self.unsaved else "."), ""]
        for p in self.parts:
            mark = "✓ pass" if p.passed else "✗ fail"
            lines.append(f"{mark}  {p.grade_id} ({p.points:g} point{'s' if p.points != 1 else ''})"
                         + ("" if p.passed else f": {p.message}"))
        lines += [f"! {problem}" for problem in self.problems]
        got = sum(p.points for p in self.passed)
        lines += ["", f"Visible tests passed in {len(self.passed)} of {len(self.parts)} parts ({got:g} of "
                  f"{sum(p.points for p in self.parts):g} points); hidden tests run when your notebook is graded"
                  + (f", and {self.by_hand:g} more points are graded by hand" if self.by_hand else "")
                  + f". (ran in {self.seconds:.0f} s)"]
        return "\n".join(lines)


def _ago(seconds):
    seconds = max(0.0, seconds)
    if seconds < 10:
        return "just now"
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


# ---------------------------------------------------------------- which notebook

def find_notebook(path=None, cwd=None):
    """The notebook a check runs: ``path`` if given; else the one this kernel belongs to (``JPY_SESSION_NAME``,
    set by Jupyter); else ``<folder>.ipynb`` in the working directory (an assignment's folder and notebook share
    their name); else the only notebook there. Raises FileNotFoundError saying what to pass."""
    cwd = Path(cwd or os.getcwd())
    hint = "pass the file name, e.g. checks.check_my_work(\"02-forward-pass.ipynb\")"
    if path:
        found = cwd / Path(path).expanduser()
        if not found.is_file():
            raise FileNotFoundError(f"no notebook {str(found)!r}: {hint}")
        return found
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb"):
        for found in (Path(session), cwd / Path(session).name):
            if found.is_file():
                return found
    if (cwd / f"{cwd.name}.ipynb").is_file():
        return cwd / f"{cwd.name}.ipynb"
    candidates = sorted(cwd.glob("*.ipynb"))
    if len(candidates) == 1:
        return candidates[0]
    listed = ", ".join(p.name for p in candidates[:6]) or "none"
    raise FileNotFoundError(f"cannot tell which notebook to check in {cwd} (notebooks there: {listed}): {hint}")


# ---------------------------------------------------------------- running the saved notebook

def _first_line(ename, evalue):
    """The line of an error a student should read: a check's own message, else `Name: message`."""
    lines = [l.strip() for l in ANSI.sub("", str(evalue)).splitlines() if l.strip()]
    text = lines[0] if lines else ""
    if ename not in ("CheckFailure", "AssertionError") or not text:
        text = f"{ename}: {text}" if text else ename
    return text[:MESSAGE_CHARS]


def _cell_error(cell, reply):
    """The first line of what went wrong in an executed cell, or ''."""
    content = (reply or {}).get("content", {})
    timed_out = content.get("ename") == TIMEOUT_ERROR["ename"]  # its output is the interrupt's KeyboardInterrupt
    for out in [] if timed_out else cell.get("outputs", []):
        if out.get("output_type") == "error":
            return _first_line(out.get("ename", "Error"), out.get("evalue", ""))
    if content.get("status") == "error":
        return _first_line(content.get("ename", "Error"), content.get("evalue", ""))
    return ""


def _this_python_kernels():
    """A kernel spec manager whose python3 is this interpreter: the check runs in the student's own Python,
    whatever kernel specs are installed elsewhere."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="Python 3 (this environment)", language="python")

    return ThisPython()


def _cell_timeouts(config_dir):
    """(timeout, timeout_func) from config_dir/nbgrader_config.py, as nbgrader would run the notebook."""
    config_file = Path(config_dir) / CONFIG_FILE
    if config_file.exists():
        from traitlets.config.loader import PyFileConfigLoader

        execute = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config().Execute
        return execute.get("timeout", DEFAULT_CELL_TIMEOUT), execute.get("timeout_func")
    return DEFAULT_CELL_TIMEOUT, None


def _edited_test_cells(nb, code):
    """Indices of locked cells whose nbgrader checksum no longer matches: the student edited them."""
    from nbgrader.utils import compute_checksum

    return {i for i in code if nbgrader_meta(nb.cells[i]).get("locked")
            and nbgrader_meta(nb.cells[i]).get("checksum") not in (None, compute_checksum(nb.cells[i]))}


def _run_in_fresh_kernel(nb, folder, code, config_dir, progress):
    """Execute nb's cells in place in a fresh kernel of this Python, in folder; returns ({cell index: execute
    reply}, [what stopped the run early]). ``progress(i, n)`` is called before code cell i of n runs."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    replies, running, problems = {}, [None], []

    def on_start(cell, cell_index, **_):
        running[0] = code.index(cell_index) + 1 if cell_index in code else 0
        if progress:
            progress(running[0], len(code))

    def on_executed(cell, cell_index, execute_reply, **_):
        replies[cell_index] = execute_reply

    timeout, timeout_func = _cell_timeouts(config_dir)
    env = dict(os.environ, **{GRADING_ENV: "validate", CHECKING_ENV: "1"})
    env.pop("JPY_SESSION_NAME", None)
    km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=_this_python_kernels())
    client = NotebookClient(nb, km=km, timeout=timeout, timeout_func=timeout_func, allow_errors=True,
                            interrupt_on_timeout=True, record_timing=False, error_on_timeout=TIMEOUT_ERROR,
                            on_cell_start=on_start, on_cell_executed=on_executed,
                            resources={"metadata": {"path": str(Path(folder).resolve())}})
    try:
        # the kernel's own logging would land in the student's notebook (ipykernel captures this process's fds)
        # cleanup_kc: nbclient leaves a kernel manager it was handed running; this run's kernel must end with it
        client.execute(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cleanup_kc=True)
    except DeadKernelError:
        problems.append(f"the kernel died while code cell {running[0]} of {len(code)} ran, so the cells after it "
                        "did not run: look for something that uses all the memory or ends Python")
    except Exception as exc:                      # the kernel would not start, a cell could not be interrupted
        problems.append(f"your notebook could not be run to the end: {_first_line(type(exc).__name__, exc)}")
    finally:
        _shut_down(km)
    return replies, problems


def _shut_down(km):
    """Whatever is left of a check's kernel (a failed start, an interrupt nbclient could not finish) is ended."""
    from jupyter_core.utils import run_sync

    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
        run_sync(km.cleanup_resources)()
    except Exception:                              # already gone: nothing is left to end
        pass


def _score(nb, code, replies, edited, report):
    """Fill report's parts (each autograded test cell) and problems (what went wrong in the other cells)."""
    for i in code:
        cell = nb.cells[i]
        meta = nbgrader_meta(cell)
        error = _cell_error(cell, replies.get(i)) if i in replies else "did not run"
        name = repr(meta["grade_id"]) if meta.get("grade_id") else f"{code.index(i) + 1} (of {len(code)})"
        if error.startswith(TIMEOUT_ERROR["ename"]):
            report.problems.append(f"code cell {name} ran past its time limit and was interrupted: look for a "
                                   "loop that never ends")
        elif meta.get("solution") and error and error != "did not run":
            report.problems.append(f"your cell {name} raised {error}")
        if not is_autograded_test(meta):
            continue
        if i in edited:
            error = ("you edited this test cell, so it no longer checks what grading checks (grading runs the "
                     "original): undo the edit")
        report.parts.append(Part(meta["grade_id"], float(meta["points"]), not error, error))


def check_notebook(path, config_dir=COURSE_CONFIG_DIR, progress=None):
    """Run the saved notebook at path top to bottom in a fresh kernel of this Python, in its own folder, with
    ``NBGRADER_EXECUTION=validate`` (so it runs as nbgrader's Validator would run it) and the cell timeouts of
    config_dir's nbgrader_config.py, then score each graded test cell. ``progress(i, n)`` is called before
    code cell i of n runs. Returns a WorkCheck; the file is only read."""
    import nbformat

    path = Path(path)
    saved = path.stat().st_mtime
    nb = nbformat.read(str(path), as_version=4)
    started = time.monotonic()
    report = WorkCheck(str(path), saved, checked_at=time.time(), by_hand=float(sum(
        m.get("points", 0) for m in map(nbgrader_meta, nb.cells) if m.get("grade") and m.get("solution"))))
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    # a test cell the student edited no longer tests what grading tests (nbgrader restores the original)
    edited = _edited_test_cells(nb, code)
    replies, report.problems = _run_in_fresh_kernel(nb, path.parent, code, config_dir, progress)
    _score(nb, code, replies, edited, report)
    report.seconds = time.monotonic() - started
    return report


# ---------------------------------------------------------------- this kernel's own cells

class CellLog:
    """The cells this kernel ran (IPython's pre/post_run_cell events, from ``watch_cells``): when, their source,
    and the seconds each took last."""

    def __init__(self):
        self.started, self.seconds, self.ran = None, {}, []       # ran: [(time.time(), source)]

    def pre(self, info=None):
        self.started = time.monotonic()
        self.ran.append((time.time(), getattr(info, "raw_cell", "") or ""))

    def post(self, result=None):
        info = getattr(result, "info", None)
        if self.started is not None:
            self.seconds[getattr(info, "cell_id", None) or getattr(info, "raw_cell", "")] = \
                time.monotonic() - self.started

    def estimate(self):
        """Seconds a fresh run should take: a kernel's start plus each cell's last measured time; None untimed."""
        return KERNEL_START_SECONDS + sum(self.seconds.values()) if self.seconds else None

    def unsaved(self, path, saved):
        """Whether a cell ran after ``saved`` (the file's mtime) whose source the saved notebook does not hold."""
        import nbformat

        since = [source.strip() for at, source in self.ran if at > saved and source.strip()]
        if not since:
            return False
        held = {c.source.strip() for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "code"}
        return any(source not in held for source in since)


CELLS = CellLog()


def watch_cells():
    """Log this kernel's cells into ``CELLS`` (once; nothing outside IPython). dlkit.checks calls it on import."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or getattr(shell, "_dlkit_cells", False):
        return
    shell.events.register("pre_run_cell", CELLS.pre)
    shell.events.register("post_run_cell", CELLS.post)
    shell._dlkit_cells = True


# ---------------------------------------------------------------- the button

class CheckMyWork:
    """The "Check my work" button and its report. A click runs :func:`check_notebook` on the saved notebook in a
    background thread (the notebook stays usable) and shows its per-part report."""

    def __init__(self, path=None):
        import ipywidgets as widgets

        self.path, self.report, self.thread = path, None, None
        self.estimate = round(CELLS.estimate() or TYPICAL_CHECK_SECONDS)
        self.button = widgets.Button(description="Check my work", icon="check", button_style="primary",
                                     tooltip="run the tests of the saved notebook in a fresh kernel")
        self.output = widgets.HTML()
        self.widget = widgets.VBox([self.button, self.output])
        self.button.on_click(self._start)
        try:
            name = find_notebook(path).name
            self._show(f"Runs the tests of {name} as last saved, in a fresh kernel (about {self.estimate} s): "
                       "save first with Ctrl+S (⌘S on a Mac).")
        except FileNotFoundError as err:
            self._show(str(err))

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _show(self, text):
        import html

        self.output.value = f"<pre style='white-space: pre-wrap; margin: 0'>{html.escape(text)}</pre>"

    def _start(self, _button=None):
        import threading

        if self.thread is not None and self.thread.is_alive():
            return
        self.button.disabled = True
        self.thread = threading.Thread(target=self._run, name="check-my-work", daemon=True)
        self.thread.start()

    def _run(self):
        started = time.monotonic()

        def progress(i, n):
            at = f"cell {i} of {n}, " if i else ""
            self._show(f"running your notebook in a fresh kernel… {at}{time.monotonic() - started:.0f} s "
                       f"(about {self.estimate:.0f} s)")

        try:
            path = find_notebook(self.path)
            progress(0, 0)
            self.report = check_notebook(path, progress=progress)
            self.report.unsaved = CELLS.unsaved(path, self.report.saved)
            self.estimate = max(1, round(self.report.seconds))
            self._show(self.report.text())
        except Exception as err:                   # shown in the notebook: the student can act on it
            self._show(f"Could not check your work: {err}")
        finally:
            self.button.disabled = False


def check_my_work(path=None):
    """The "Check my work" button (the last cell of every assignment): a click runs the tests of the *saved*
    notebook (path, default: this kernel's notebook, see :func:`find_notebook`) in a fresh kernel and reports
    each graded part. Builds nothing while the notebook is graded or checked (prints a note)."""
    if os.environ.get(GRADING_ENV, "") or os.environ.get(CHECKING_ENV):
        print("(Check my work: the button appears when you run this notebook yourself, not while it is graded "
              "or checked.)")
        return None
    return CheckMyWork(path)
