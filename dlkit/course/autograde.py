"""Autograding a class: every screened submission in a scratch nbgrader course of its own, several at a time.

Each submission gets a scratch course (a copy of it, a private SQLite gradebook made from a template) and runs
``nbgrader autograde`` in a subprocess with a wall-clock limit. Per-cell timeouts come from the workdir's
nbgrader_config.py, so an infinite loop costs one cell; a kernel that dies or a notebook that outlives the
student limit ends as "needs manual grading" with the reason. The scores are merged into the main gradebook
serially afterwards (:mod:`dlkit.course.results`). Re-running starts every scratch course afresh and replaces
the merged submission: the same inputs give the same CSV.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .cells import cells_by_id, grade_cells, nbgrader_meta
from .collect import collected_record
from .coursedir import DEFAULT_WORKDIR, SQLITE, Workdir, course_id, write_scratch_config
from .processes import bin_env, run_limited
from .results import Result, backup_gradebook, merge, save_results
from .screen import screen

DEFAULT_STUDENT_TIMEOUT = 900.0     # wall-clock seconds per submission
WARMUP_TIMEOUT = 900                # seconds for compiling dlkit's kernels once before a grading run
MIN_RETRY_SECONDS = 1.0             # a retry gets what is left of the student's limit, at least this
ERROR_CHARS = 300                   # the longest failure message kept per cell or per submission
CELL_TIMEOUT_ERROR = "CellTimeoutError"
DIED_BEFORE_SCORES = re.compile(r"DeadKernel|Kernel died|kernel.*(died|dead|restart)", re.I)
DIED_WHILE_RUNNING = re.compile(r"DeadKernel|Kernel died", re.I)
ERROR_LINE = re.compile(r"\s*[\w.]*(Error|Exception)\b[^:]*:")
BAR_WIDTH = 30
BAR_LABEL_CHARS = 30


class Progress:
    """A one-line progress bar on stderr (nothing when quiet)."""

    def __init__(self, total, label, quiet=False):
        self.total, self.done, self.label, self.quiet = total, 0, label, quiet
        self.start = time.monotonic()
        self.lock = threading.Lock()
        self._draw()

    def step(self, what=""):
        with self.lock:
            self.done += 1
            self._draw(what)

    def _draw(self, what=""):
        if self.quiet:
            return
        filled = int(BAR_WIDTH * self.done / max(self.total, 1))
        line = f"\r{self.label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total} " \
               f"{time.monotonic() - self.start:5.0f}s {what[:BAR_LABEL_CHARS]:<{BAR_LABEL_CHARS}}"
        print(line, end="\n" if self.done == self.total else "", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- one submission

def _error_message(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            value = str(out.get("evalue", "")).strip().splitlines()
            return f"{out.get('ename', 'Error')}: {value[0] if value else ''}"[:ERROR_CHARS]
    return ""


def _scratch_scores(db, assignment, student, course):
    """{grade_id: points} of the submission in a scratch gradebook, None when nbgrader did not score it."""
    from nbgrader.api import Gradebook, MissingEntry

    if not Path(db).exists():
        return None
    try:
        with Gradebook(f"{SQLITE}{db}", course_id=course) as gb:
            sub = gb.find_submission(assignment, student)
            return {g.name: float(g.score or 0) for nb in sub.notebooks for g in nb.grades
                    if g.cell.__class__.__name__ == "GradeCell" and g.max_score}
    except MissingEntry:
        return None


def _new_scratch_course(workdir, assignment, student, notebook, expected):
    """scratch/<a>/<s>/: the workdir's config with a gradebook of its own (from the template) and a copy of the
    submission, its notebook under the expected name."""
    scratch = workdir.scratch(assignment, student)
    scratch.mkdir(parents=True)
    write_scratch_config(workdir.config, scratch)
    shutil.copyfile(workdir.template(assignment), scratch / "gradebook.db")
    sub = Workdir(scratch).submitted(student, assignment)
    shutil.copytree(workdir.submitted(student, assignment), sub, ignore=shutil.ignore_patterns("*.ipynb"))
    shutil.copyfile(notebook, sub / expected)
    return scratch


def _autograde(scratch, assignment, student, limit, course):
    """``nbgrader autograde`` in the scratch course within limit seconds: (exit code, output, timed out)."""
    cmd = [sys.executable, "-m", "nbgrader", "autograde", assignment, f"--student={student}", "--force",
           "--log-level=WARN"]
    started = time.monotonic()
    code, out, timed_out = run_limited(cmd, scratch, limit)
    if not timed_out and CELL_TIMEOUT_ERROR not in (out or "") and \
            _scratch_scores(scratch / "gradebook.db", assignment, student, course) is None:
        # one retry: a kernel that failed to start on a loaded machine must not cost a student their grade
        first = out
        code, out, timed_out = run_limited(cmd, scratch, max(MIN_RETRY_SECONDS, limit - (time.monotonic() - started)))
        out = f"{first}\n---- retry ----\n{out}"
    (scratch / "autograde.log").write_text(out or "")
    return code, out, timed_out


def _why_not_scored(code, out):
    """Why nbgrader gave no scores, from its output: a dead kernel, else its last error line."""
    if DIED_BEFORE_SCORES.search(out or ""):
        return "the kernel died while the notebook ran"
    errors = [l.strip() for l in (out or "").splitlines() if ERROR_LINE.match(l) and "Traceback" not in l]
    tail = (errors[-1] if errors else " ".join((out or "").strip().splitlines()[-2:]))[-ERROR_CHARS:]
    if CELL_TIMEOUT_ERROR in tail or "timed out" in tail:
        tail = "a cell kept running after its timeout and could not be interrupted: " + tail
    return f"nbgrader could not grade it (exit {code}): {tail}"


def _record_cells(result, nb, scores):
    """Points, failure messages and timeouts of the executed notebook nb, into result."""
    cells = cells_by_id(nb)
    for gid, pts in sorted(scores.items()):
        result.cells[gid] = pts
        msg = _error_message(cells[gid]) if gid in cells else ""
        if msg:
            result.messages[gid] = msg
            if msg.startswith(CELL_TIMEOUT_ERROR) or "TimeoutError" in msg.split(":")[0]:
                result.note(f"cell {gid!r} timed out")
    for cell in nb.cells:
        if cell.cell_type == "code" and any(o.get("ename") == CELL_TIMEOUT_ERROR for o in cell.get("outputs", [])):
            gid = nbgrader_meta(cell).get("grade_id") or "an ungraded cell"
            result.note(f"cell {gid!r} timed out")


def _cell_name(nb, cell):
    gid = nbgrader_meta(cell).get("grade_id")
    return repr(gid) if gid else f"number {[c for c in nb.cells if c.cell_type == 'code'].index(cell) + 1} (not a graded cell)"


def _flag_dead_kernel(result, nb, scores):
    """A kernel that died mid-notebook (``ExecuteKeepingScores`` marked the cells it did not finish): the tests
    that ran before keep their points, the rest wait for the instructor. Returns whether it died."""
    from .execute import kernel_died

    marked = [(cell, kernel_died(cell)[1]) for cell in nb.cells if kernel_died(cell)[0]]
    if not marked:
        return False
    where = next((_cell_name(nb, cell) for cell, here in marked if here), _cell_name(nb, marked[0][0]))
    result.unrun = sorted(gid for gid in (nbgrader_meta(c).get("grade_id") for c, _ in marked) if gid in scores)
    kept = sum(v for gid, v in scores.items() if gid not in result.unrun)
    result.manual(f"the kernel died in cell {where}: the {kept:g} point(s) of the tests that ran before it are "
                  f"kept; {len(result.unrun)} test(s) after it did not run (grade them by hand, or regrade)")
    return True


def _flag_course_cell_timeouts(release_nb, result):
    """A timed-out course cell (read-only, not a test) sends the student to a regrade: the machine was slow."""
    for gid, cell in cells_by_id(release_nb).items():
        meta = nbgrader_meta(cell)
        if meta.get("locked") and not meta.get("grade") and f"cell {gid!r} timed out" in result.notes:
            # the course's own cell (imports) timed out: the machine was too slow, not the student's fault
            result.manual(f"the course's cell {gid!r} timed out (machine overloaded?): regrade this student, "
                          "with a longer --cell-timeout if it happens again")


def grade_one(workdir, assignment, student, expected, release_nb, limit, course, notes=()):
    """Screen and autograde one submission: (Result, its scratch course, or None when nothing is merged).
    ``notes``: what collecting noticed (a late flag), the first notes of the result."""
    import nbformat

    result = Result(student, assignment, max_score=float(sum(grade_cells(release_nb).values())))
    for note in notes:
        result.note(note)
    notebook = screen(workdir.submitted(student, assignment), release_nb, expected, result)
    scratch = workdir.scratch(assignment, student)
    if scratch.exists():
        shutil.rmtree(scratch)
    if notebook is None:
        return result, None
    scratch = _new_scratch_course(workdir, assignment, student, notebook, expected)
    code, out, timed_out = _autograde(scratch, assignment, student, limit, course)
    if timed_out:
        result.manual(f"grading took longer than {limit:.0f} s and was stopped")
        return result, None
    graded = Workdir(scratch).autograded(student, assignment) / expected
    scores = _scratch_scores(scratch / "gradebook.db", assignment, student, course)
    if scores is None or not graded.exists():
        result.manual(_why_not_scored(code, out))
        return result, None
    executed = nbformat.read(str(graded), as_version=4)
    _record_cells(result, executed, scores)
    died = _flag_dead_kernel(result, executed, scores)
    if not died and DIED_WHILE_RUNNING.search(out or ""):
        result.manual("the kernel died while the notebook ran")
    _flag_course_cell_timeouts(release_nb, result)
    total = float(sum(v or 0 for v in scores.values()))
    if result.needs_manual and not (died and len(result.reasons) == 1):
        result.withheld = total             # held back for review (tampering, a slow machine, ...)
    else:
        result.score = total                # scored; after a dead kernel: the points kept, flagged for review
    return result, scratch


# ---------------------------------------------------------------- the class

def warm_up_command(workdir):
    """(command, folder) of the warm-up: this Python, run where no dlkit folder shadows the installed one, so it
    compiles the copy the grading kernels import (``-m`` puts the folder it runs in first on sys.path: run in the
    course's clone, it would compile the clone)."""
    return [sys.executable, "-m", "dlkit.warmup"], Path(workdir.path)


def _warm_up(workdir):
    """Compile dlkit's Numba kernels into their cache once, so no submission pays for it inside a cell timeout."""
    cmd, folder = warm_up_command(workdir)
    try:
        subprocess.run(cmd, cwd=folder, env=bin_env(), capture_output=True, timeout=WARMUP_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        pass


def _grade_assignment(workdir, assignment, who, workers, limit, quiet, course):
    """{student: (Result, scratch or None)} for every student in who, graded `workers` at a time."""
    import nbformat

    expected = workdir.released_notebook(assignment).name
    release_nb = nbformat.read(str(workdir.release(assignment) / expected), as_version=4)
    progress = Progress(len(who), f"grading {assignment}", quiet)
    collected = collected_record(workdir.path, assignment)["students"]
    results = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(grade_one, workdir, assignment, s, expected, release_nb, limit, course,
                               collected.get(s, {}).get("notes", ())): s for s in who}
        for future in as_completed(futures):
            s = futures[future]
            try:
                results[s] = future.result()
            except Exception as exc:                   # a bug here must not stop the class
                r = Result(s, assignment)
                r.manual(f"grading failed: {type(exc).__name__}: {exc}")
                results[s] = (r, None)
            progress.step(s)
    return results


def grade(workdir=DEFAULT_WORKDIR, assignments=None, workers=2, db=None, student_timeout=DEFAULT_STUDENT_TIMEOUT,
          students=None, quiet=False, warm=True, root=None):
    """Autograde every collected submission; returns {assignment: [Result]} and writes results/<a>.json.
    ``root``: the course root (default: the one the workdir was prepared from)."""
    workdir = Workdir(Path(workdir).resolve(), db, root)
    if not workdir.config.exists():
        raise FileNotFoundError(f"{workdir.path} is not prepared: run `python -m dlkit.course prepare` first")
    assignments = assignments or workdir.assignments()
    backup_gradebook(workdir.path, workdir.db_url)
    if warm:
        _warm_up(workdir)
    course = course_id(workdir.root)
    out = {}
    for a in assignments:
        who = workdir.students(a)
        if students:
            who = [s for s in who if s in students]
        results = _grade_assignment(workdir, a, who, workers, student_timeout, quiet, course)
        for s in who:                                       # serial: one writer for the main gradebook
            result, scratch = results[s]
            merge(workdir, result, scratch, course)
        save_results(workdir.path, a, [results[s][0] for s in who], keep_others=bool(students))
        out[a] = [results[s][0] for s in who]
    return out
