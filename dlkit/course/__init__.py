"""The instructor's side of the course (nbgrader), one file per role:

    coursedir    where things are: the course root, a grading workdir's layout, gradebook URL, its config
    cli          python -m dlkit.course COMMAND: one thin command per verb
    notebooks    committed notebooks: strip outputs, refresh them in a fresh kernel
    cells        nbgrader's markers and cell metadata, test cells and their points
    release      exercises/ from solutions/; a workdir's source, release and template gradebooks; an exchange
                 (the assignment to it, the feedback pages back through it)
    collect      submissions from an exchange, a folder or a zip, copied into the workdir
    screen       before nbgrader: a notebook at all, locked cells kept, tampering in the syntax tree
    autograde    nbgrader autograde per submission in a scratch course, several at a time, time-limited
    results      one student's outcome, results/<a>.json, the main gradebook (merge, backup)
    reports      feedback pages, the grades CSV, the class report
    redact       the feedback preprocessor that hides hidden tests
    bugs         planted bugs: typical mistakes each assignment must catch
    inprocess    grading without a kernel, for the tests
    processes    nbgrader and other child processes, with a wall-clock limit

A student's "check my work" is the student's side (:mod:`dlkit.my_work`); ``python -m dlkit.course check`` uses
it. Grading a class step by step: docs/instructor-guide.md; writing an assignment: solutions/README.md.
"""
from .bugs import Bug, plant, planted_bugs
from .cells import HIDDEN, SOLUTION, cell_by_id, grade_cells, nbgrader_meta, regions
from .cli import main
from .coursedir import CHECKOUT, CourseRootNotFound, find_root
from .inprocess import Grade, grade_in_process
from .notebooks import CHECK_OUTPUT, checks_output, notebooks, refresh, strip, strip_file, stripped_problems
from .release import ASSIGNMENT_GLOB, assignments, release, validate

ROOT = CHECKOUT     # the checkout dlkit sits in, where its own tests find solutions/ and notebooks/

__all__ = ["ROOT", "CHECKOUT", "find_root", "CourseRootNotFound", "ASSIGNMENT_GLOB", "assignments", "release",
           "validate", "CHECK_OUTPUT", "checks_output", "notebooks", "strip", "strip_file", "refresh",
           "stripped_problems", "SOLUTION", "HIDDEN", "nbgrader_meta", "grade_cells", "cell_by_id", "regions",
           "Bug", "plant", "planted_bugs", "Grade", "grade_in_process", "main"]
