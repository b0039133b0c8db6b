"""dlkit.course.collect from a local nbgrader exchange (the zip of an LMS export: test_autograde.py)."""
import os

import nbformat
import pytest

from dlkit.course.autograde import grade
from dlkit.course.cells import HIDDEN, grade_cells
from dlkit.course.collect import collect_exchange
from dlkit.course.processes import nbgrader
from dlkit.course.release import distribute, prepare
from tests.course.submissions import ASSIGNMENT, NAME, answered, exercise, solution

CELL_TIMEOUT = 12               # seconds per cell while testing (the course default is 60)
STUDENT_TIMEOUT = 120           # wall clock per submission


@pytest.mark.slow
def test_exchange_flow_with_several_students(tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o777)
    workdir = tmp_path / "instructor"
    prepare(workdir, [ASSIGNMENT], cell_timeout=CELL_TIMEOUT)
    distribute(ASSIGNMENT, exchange, workdir)
    students = {"alice": answered(), "bob": exercise(), "carol": answered()}
    for student, nb in students.items():
        home = tmp_path / "home" / student
        home.mkdir(parents=True)
        args = [f"--Exchange.root={exchange}", "--CourseDirectory.course_id=dlkit-training",
                f"--CourseDirectory.student_id={student}", "--log-level=ERROR"]
        # fetch (a fresh copy of the released notebook), work on it, submit
        nbgrader(home, "fetch_assignment", ASSIGNMENT, *args[:2], "--log-level=ERROR")
        fetched = home / ASSIGNMENT / NAME
        assert HIDDEN[0] not in fetched.read_text()
        nbformat.write(nb, str(fetched))
        nbgrader(home, "submit", ASSIGNMENT, *args)
    collected = collect_exchange(ASSIGNMENT, exchange, workdir)
    assert collected == sorted(students)
    results = {r.student: r for r in grade(workdir, [ASSIGNMENT], workers=3,
                                            student_timeout=STUDENT_TIMEOUT, quiet=True)[ASSIGNMENT]}
    full = float(sum(grade_cells(solution()).values()))
    assert results["alice"].score == full and results["carol"].score == full and results["bob"].score == 0

