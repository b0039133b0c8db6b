"""An assignment's cells as the instructor reads them: nbgrader's markers and metadata, test cells and points.

The rules for nbgrader's metadata are the student's check's too (:mod:`dlkit.my_work`); they are written there.
"""
from __future__ import annotations

import re

from ..my_work import is_autograded_test, is_test_cell, nbgrader_meta

SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")

__all__ = ["SOLUTION", "HIDDEN", "nbgrader_meta", "is_test_cell", "is_autograded_test", "grade_cells",
           "cell_by_id", "cells_by_id", "regions"]


def grade_cells(nb):
    """The autograded test cells: {grade_id: points}."""
    return {m["grade_id"]: m["points"] for m in map(nbgrader_meta, nb.cells) if is_autograded_test(m)}


def cell_by_id(nb, grade_id):
    """The cell whose nbgrader grade_id is grade_id; KeyError if none."""
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            return cell
    raise KeyError(f"no cell with grade_id {grade_id!r}")


def cells_by_id(nb):
    """{grade_id: cell} of every cell nbgrader manages."""
    return {nbgrader_meta(c).get("grade_id"): c for c in nb.cells if nbgrader_meta(c).get("grade_id")}


def regions(source, markers):
    """The text between each pair of markers (e.g. SOLUTION or HIDDEN) in a cell's source."""
    begin, end = map(re.escape, markers)
    return re.findall(rf"{begin}[^\n]*\n(.*?){end}", source, flags=re.S)
