"""Notebooks for the course tests: submissions made from one real assignment (its solution and exercise), and a
tiny synthetic assignment."""
import copy

import nbformat

from dlkit import course
from dlkit.course.cells import cell_by_id, nbgrader_meta

ASSIGNMENT = "02-forward-pass"
NAME = f"{ASSIGNMENT}.ipynb"


def solution(assignment=ASSIGNMENT):
    return nbformat.read(str(course.ROOT / "solutions" / assignment / f"{assignment}.ipynb"), as_version=4)


def exercise(assignment=ASSIGNMENT):
    return nbformat.read(str(course.ROOT / "exercises" / assignment / f"{assignment}.ipynb"), as_version=4)


def answered(assignment=ASSIGNMENT):
    """The exercise as an honest student submits it: every solution cell holds the solution's code."""
    nb, sol = exercise(assignment), solution(assignment)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            source = cell_by_id(sol, meta["grade_id"]).source
            cell.source = "\n".join(l for l in source.splitlines() if "### BEGIN SOLUTION" not in l
                                    and "### END SOLUTION" not in l)
    return nb


def with_cell(nb, source, after="setup"):
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == after)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return nb


def without(nb, grade_id):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") != grade_id]
    return nb


def rewrite(nb, grade_id, source, keep_meta=True):
    nb = copy.deepcopy(nb)
    cell = cell_by_id(nb, grade_id)
    cell.source = source
    if not keep_meta:
        cell.metadata.pop("nbgrader")
    return nb


def points(nb, grade_id, points):
    nb = copy.deepcopy(nb)
    cell_by_id(nb, grade_id).metadata["nbgrader"]["points"] = points
    return nb


def dumps(nb):
    return nbformat.writes(nb, version=4).encode()


def graded_cell(source, grade_id, points=1):
    """A locked autograded test cell worth points."""
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "grade_id": grade_id, "locked": True, "points": points, "schema_version": 3,
        "solution": False, "task": False}})


def tiny_assignment():
    """One solution cell (f returns 1), a test worth 2 that passes, one worth 3 that fails, an ungraded error."""
    nb = nbformat.v4.new_notebook()

    def meta(grade_id, solution=False, points=None):
        m = {"grade": points is not None, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
             "solution": solution, "task": False}
        return {"nbgrader": dict(m, **({"points": points} if points else {}))}

    nb.cells = [
        nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
                                  metadata=meta("f", solution=True)),
        nbformat.v4.new_code_cell("import os\nassert os.environ['NBGRADER_EXECUTION'] == 'autograde'\n"
                                  "assert f() == 1", metadata=meta("test_a", points=2)),
        nbformat.v4.new_code_cell("assert f() == 2, 'f is off by one'\n### BEGIN HIDDEN TESTS\nassert True\n"
                                  "### END HIDDEN TESTS", metadata=meta("test_b", points=3)),
        nbformat.v4.new_code_cell("undefined_name"),
    ]
    return nb
