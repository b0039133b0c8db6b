"""The course's graded assignments as the tests read them: which ones (DLKIT_ASSIGNMENTS narrows them), their
solution and exercise notebooks, and their planted bugs."""
import fnmatch
import os

import nbformat

from dlkit.course import ROOT
from dlkit.course.bugs import planted_bugs
from dlkit.course.notebooks import notebooks
from dlkit.course.release import assignments

# DLKIT_ASSIGNMENTS="04-*" narrows the tier to some assignments while you work on them
ASSIGNMENTS = [a for a in assignments(ROOT) if fnmatch.fnmatch(a, os.environ.get("DLKIT_ASSIGNMENTS", "*"))]
RUNTIME_LIMIT = 60.0          # seconds for a whole assignment on 2 cores (course rule); measured in-process

BUGS = [bug for assignment in ASSIGNMENTS for bug in planted_bugs(assignment, ROOT)]
# the bug each assignment's real nbgrader run plants (marked real_run=True in its planted_bugs.py)
REAL_RUN_BUG = {bug.assignment: bug for bug in BUGS if bug.real_run}


def notebook_name(assignment):
    (path,) = notebooks(ROOT / "solutions" / assignment)
    return path.name


def solution(assignment):
    return nbformat.read(str(ROOT / "solutions" / assignment / notebook_name(assignment)), as_version=4)


def exercise(assignment):
    return nbformat.read(str(ROOT / "exercises" / assignment / notebook_name(assignment)), as_version=4)
