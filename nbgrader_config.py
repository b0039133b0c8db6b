"""nbgrader configuration: the course root is this repository.

`solutions/` holds the instructor (source) notebooks, `exercises/` the student versions nbgrader generates
(`make release`). Conventions for writing an assignment: `solutions/README.md`.

Grading mode: while nbgrader autogrades or validates a notebook it sets the environment variable
NBGRADER_EXECUTION ("autograde" or "validate"); notebooks read it with `dlkit.checks.grading()` and shrink their
demonstrations (fewer epochs, less data) so grading stays fast.
"""
import os

c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.course_id = "dlkit-training"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))      # the folder holding this file
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# ---- never released: each assignment's planted bugs (read by tests/course/test_assignments.py) stay with the
#      instructor
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "planted_bugs.py"]

# ---- execution limits: every cell gets CELL_TIMEOUT seconds, a cell tagged "long" gets LONG_CELL_TIMEOUT
CELL_TIMEOUT = 60
LONG_CELL_TIMEOUT = 300
LONG_TAG = "long"


def cell_timeout(cell):
    """Seconds nbgrader waits for one cell (the timeout_func of nbclient's executor)."""
    return LONG_CELL_TIMEOUT if LONG_TAG in cell.get("metadata", {}).get("tags", []) else CELL_TIMEOUT


c.Execute.timeout = CELL_TIMEOUT
c.Execute.timeout_func = cell_timeout
c.Execute.interrupt_on_timeout = True          # a runaway cell costs its own points, not the rest of the notebook

# ---- what students see in place of solutions
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
