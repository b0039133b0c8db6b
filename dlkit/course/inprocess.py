"""Grading without a kernel, for the tests: run a notebook's code cells in one fresh namespace here and score its
autograded cells the way nbgrader does (a cell that raises scores 0, one that runs scores its points).

The test suite uses it to plant typical bugs in a solution and see each one cost points; the real nbgrader runs
live in ``tests/course/test_assignments.py``.
"""
from __future__ import annotations

import contextlib
import io
import os
import traceback
import warnings
from dataclasses import dataclass, field

from ..my_work import GRADING_ENV
from .cells import is_autograded_test, nbgrader_meta


@dataclass
class Grade:
    """What grading a notebook gave: points per grade cell and the failure message of each failing cell."""

    points: dict = field(default_factory=dict)        # grade_id -> points earned
    max_points: dict = field(default_factory=dict)    # grade_id -> points possible
    messages: dict = field(default_factory=dict)      # grade_id -> last line of the error ("CheckFailure: ...")
    errors: list = field(default_factory=list)        # (cell index, message) of failing cells that are not graded

    @property
    def score(self):
        return sum(self.points.values())

    @property
    def max_score(self):
        return sum(self.max_points.values())


def _error_text(exc):
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


@contextlib.contextmanager
def _grading_mode(mode):
    """``NBGRADER_EXECUTION`` set to mode meanwhile, as nbgrader sets it in its kernel."""
    saved = os.environ.get(GRADING_ENV)
    os.environ[GRADING_ENV] = mode
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(GRADING_ENV, None)
        else:
            os.environ[GRADING_ENV] = saved


def grade_in_process(nb, mode="autograde"):
    """Run nb's code cells in order in a fresh namespace (no kernel) and score the grade cells like nbgrader:
    all points if the cell runs, none if it raises. ``NBGRADER_EXECUTION`` is set to ``mode`` meanwhile.

    Cells must be plain Python (no ``%magics``); matplotlib draws off screen and figures are closed.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grade = Grade()
    namespace = {"__name__": "__main__"}
    with _grading_mode(mode):
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            meta = nbgrader_meta(cell)
            graded = is_autograded_test(meta)
            if graded:
                grade.max_points[meta["grade_id"]] = meta["points"]
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                        warnings.catch_warnings():
                    warnings.simplefilter("ignore")            # a kernel would print them; nobody reads them here
                    exec(compile(cell.source, f"<cell {i}>", "exec"), namespace)
                if graded:
                    grade.points[meta["grade_id"]] = meta["points"]
            except Exception as exc:                    # a failing cell is a result here, not an error
                if graded:
                    grade.points[meta["grade_id"]] = 0
                    grade.messages[meta["grade_id"]] = _error_text(exc)
                else:
                    grade.errors.append((i, _error_text(exc)))
            finally:
                plt.close("all")
    return grade
