"""The graded assignments graded in-process (dlkit.course.inprocess.grade_in_process: the same cells without a
kernel): each follows the course's conventions, its solution scores full marks within the runtime limit, its
untouched exercise scores nothing and says "not implemented yet", and every planted bug costs the points of the
parts it should and is named by a check's message. (The real nbgrader runs are in test_assignments.py; the two
files are apart so that pytest-xdist can run them side by side.)"""
import re
import time

import pytest

from dlkit.course import ROOT
from dlkit.course.bugs import planted_bugs
from dlkit.course.cells import HIDDEN, SOLUTION, grade_cells, nbgrader_meta, regions
from dlkit.course.inprocess import grade_in_process
from tests.course.assignment_files import ASSIGNMENTS, BUGS, RUNTIME_LIMIT, exercise, solution


# ---------------------------------------------------------------- the assignments' shape

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_follows_the_conventions(assignment):
    nb = solution(assignment)
    graded = grade_cells(nb)
    assert len(graded) >= 3 and all(p > 0 for p in graded.values()), "at least 3 autograded parts with points"
    tests = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") in graded]
    for cell in tests:
        grade_id = nbgrader_meta(cell)["grade_id"]
        assert regions(cell.source, HIDDEN), f"{grade_id}: no hidden tests"
        visible = cell.source.split(HIDDEN[0])[0]
        assert "checks." in visible, f"{grade_id}: no visible check before the hidden ones"
    solutions = [c for c in nb.cells if nbgrader_meta(c).get("solution")]
    assert len(solutions) >= 3 and all(regions(c.source, SOLUTION) for c in solutions)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "from dlkit import checks" in code
    assert not re.search(r"^\s*[%!]", code, flags=re.M), "no magics: grade_in_process runs plain Python"
    assert "import numba" not in code and "from numba" not in code
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "points" in text and "$" in text                  # a points table, and the math in LaTeX
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert last.source.splitlines()[-1] == "checks.check_my_work()", "end with the check-my-work cell"
    assert nbgrader_meta(last).get("locked") and not nbgrader_meta(last).get("grade")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_scores_full_marks_in_process_and_fast(assignment):
    start = time.perf_counter()
    grade = grade_in_process(solution(assignment))
    assert grade.score == grade.max_score, grade.messages
    assert not grade.errors, grade.errors
    assert time.perf_counter() - start < RUNTIME_LIMIT


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_exercise_fails_clearly(assignment):
    grade = grade_in_process(exercise(assignment))
    assert grade.score == 0
    for grade_id, message in grade.messages.items():
        assert "not implemented yet" in message, f"{grade_id}: {message}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_assignment_plants_bugs(assignment):
    bugs = planted_bugs(assignment, ROOT)
    assert len(bugs) >= 5, f"solutions/{assignment}/planted_bugs.py: plant at least 5 typical mistakes"
    assert sum(b.real_run for b in bugs) == 1, "mark exactly one bug real_run=True for the real nbgrader run"
    graded = grade_cells(solution(assignment))
    assert set().union(*(b.fails for b in bugs)) == set(graded), "every graded part should catch a planted bug"


@pytest.mark.parametrize("bug", BUGS, ids=[f"{b.assignment[:2]}-{b.cell}-{i}" for i, b in enumerate(BUGS)])
def test_planted_bug_costs_points_and_is_named(bug):
    grade = grade_in_process(bug.plant(solution(bug.assignment)))
    lost = {gid for gid, pts in grade.points.items() if pts < grade.max_points[gid]}
    assert lost == bug.fails, f"planted {bug.new!r}: expected {set(bug.fails)} to fail, got {lost}: {grade.messages}"
    for gid in bug.fails:
        assert "CheckFailure" in grade.messages[gid], grade.messages[gid]
    assert any(bug.says in grade.messages[gid] for gid in bug.fails), \
        f"planted {bug.new!r}: no message says {bug.says!r}: {grade.messages}"
