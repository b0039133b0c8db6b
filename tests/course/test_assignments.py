"""The graded assignments, checked with the real nbgrader on a scratch copy of the course.

One scratch course serves the whole file: nbgrader releases every assignment (with a gradebook), three
submissions per assignment are autograded in one nbgrader run — the solution, the untouched exercise and the
solution with one planted bug — and the Validator runs on two solutions and (inverted) exercises. Many more
planted bugs run through ``dlkit.course.inprocess.grade_in_process``, which executes the same cells without a kernel
(test_assignments_in_process.py).
"""
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import nbformat
import pytest

from dlkit.course import ROOT
from dlkit.course.cells import HIDDEN, SOLUTION, cell_by_id, grade_cells, nbgrader_meta, regions
from dlkit.course.release import ASSIGNMENT_GLOB, assignments, validate
from tests.course.assignment_files import ASSIGNMENTS, REAL_RUN_BUG, notebook_name, solution


# the Validator (dlkit.course.release.validate) on the first and the last assignment: on every one, it would run
# each solution and exercise again only to repeat what autograding the solution (full marks) and the untouched
# exercise (zero) shows for all of them (20 notebook runs, ~2 of CI's ~30 minutes)
VALIDATED = (ASSIGNMENTS[0], ASSIGNMENTS[-1])


def _nbgrader(root, *args):
    # the gradebook's migrations call the `alembic` script, which lives beside this Python (.venv/bin)
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--log-level=ERROR"], cwd=root, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A scratch course: released with a gradebook, three submissions per assignment autograded."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    for assignment in ASSIGNMENTS:
        shutil.copytree(ROOT / "solutions" / assignment, root / "solutions" / assignment)
    _nbgrader(root, "generate_assignment", ASSIGNMENT_GLOB, "--force")
    for assignment in ASSIGNMENTS:
        name = notebook_name(assignment)
        submissions = {"solution": solution(assignment),
                       "untouched": nbformat.read(str(root / "exercises" / assignment / name), as_version=4)}
        if assignment in REAL_RUN_BUG:
            submissions["planted"] = REAL_RUN_BUG[assignment].plant(solution(assignment))
        for student, nb in submissions.items():
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True)
            nbformat.write(nb, str(folder / name))
    # the Validator runs (two at a time, in their own processes) while nbgrader autogrades
    jobs = {(a, invert): root / ("exercises" if invert else "solutions") / a / notebook_name(a)
            for a in VALIDATED for invert in (False, True)}
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {key: pool.submit(validate, path, key[1], root) for key, path in jobs.items()}
        _nbgrader(root, "autograde", ASSIGNMENT_GLOB, "--force")
        validations = {key: future.result() for key, future in futures.items()}
    return root, validations


def _scores(root, assignment, student):
    """{grade_id: points} of one autograded submission, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        submission = gb.find_submission(assignment, student)
        return {g.name: g.score or 0 for nb in submission.notebooks for g in nb.grades}, submission.max_score


def _autograded_outputs(root, assignment, student, grade_id):
    nb = nbformat.read(str(root / "autograded" / student / assignment / notebook_name(assignment)), as_version=4)
    cell = cell_by_id(nb, grade_id)
    return "\n".join(o.get("evalue", "") + o.get("text", "") for o in cell.outputs)


# ---------------------------------------------------------------- release

def test_every_assignment_is_released():
    assert assignments(ROOT), "no assignments in solutions/"
    released = sorted(p.name for p in (ROOT / "exercises").glob(ASSIGNMENT_GLOB))
    assert released == assignments(ROOT), "exercises/ and solutions/ hold different assignments: run `make release`"


@pytest.mark.slow
def test_committed_exercises_are_what_nbgrader_generates(scratch):
    scratch, _ = scratch
    for assignment in ASSIGNMENTS:
        for generated in sorted((scratch / "exercises" / assignment).rglob("*")):
            committed = ROOT / "exercises" / generated.relative_to(scratch / "exercises")
            assert committed.exists(), f"{committed} is missing: run `make release`"
            if generated.is_file():
                assert committed.read_bytes() == generated.read_bytes(), \
                    f"{committed} differs from what nbgrader generates from solutions/: run `make release`"
        extra = {p.relative_to(ROOT / "exercises") for p in (ROOT / "exercises" / assignment).rglob("*")} - \
                {p.relative_to(scratch / "exercises") for p in (scratch / "exercises" / assignment).rglob("*")}
        assert not extra, f"exercises/ holds files nbgrader does not generate: {sorted(map(str, extra))}"


def test_no_solution_or_hidden_test_text_in_exercises():
    released = "\n".join(p.read_text() for p in (ROOT / "exercises").rglob("*.ipynb"))
    for marker in SOLUTION + HIDDEN + ("BEGIN MARK SCHEME",):
        assert marker not in released
    for assignment in ASSIGNMENTS:
        nb = solution(assignment)
        secret, public = [], []
        for cell in nb.cells:
            secret += regions(cell.source, SOLUTION) + regions(cell.source, HIDDEN)
            public.append(re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END (SOLUTION|HIDDEN TESTS)", "",
                                 cell.source, flags=re.S))
        public = "\n".join(public)
        for line in "\n".join(secret).splitlines():
            line = line.strip()
            # lines the notebook shows anyway (in its prose or visible tests) are no secret
            if len(line) >= 12 and not line.startswith("#") and line not in public:
                assert json.dumps(line)[1:-1] not in released, f"{assignment}: {line!r} leaks into exercises/"


# ---------------------------------------------------------------- the real nbgrader

def _all_points(assignment):
    """Points of every graded cell, autograded or graded by hand (a written answer)."""
    return {m["grade_id"]: m["points"] for m in map(nbgrader_meta, solution(assignment).cells)
            if m.get("grade") and "points" in m}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_gives_the_solution_full_marks(scratch, assignment):
    scratch, _ = scratch
    scores, max_score = _scores(scratch, assignment, "solution")
    assert max_score == sum(_all_points(assignment).values())
    auto = grade_cells(solution(assignment))
    assert {g: scores[g] for g in auto} == auto                  # hand-graded answers wait for a human


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_gives_the_untouched_exercise_zero(scratch, assignment):
    scratch, _ = scratch
    scores, _ = _scores(scratch, assignment, "untouched")
    assert sum(scores.values()) == 0, scores


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(REAL_RUN_BUG))
def test_nbgrader_takes_points_for_a_planted_bug_and_says_why(scratch, assignment):
    scratch, _ = scratch
    bug = REAL_RUN_BUG[assignment]
    scores, _ = _scores(scratch, assignment, "planted")
    auto = grade_cells(solution(assignment))
    assert {g for g in auto if scores[g] < auto[g]} == bug.fails
    assert sum(scores[g] for g in auto) == sum(auto.values()) - sum(auto[g] for g in bug.fails)
    feedback = "\n".join(_autograded_outputs(scratch, assignment, "planted", gid) for gid in bug.fails)
    assert bug.says in feedback, feedback


@pytest.mark.slow
@pytest.mark.parametrize("assignment", VALIDATED)
def test_validator_passes_thesolution(scratch, assignment):
    # `nbgrader validate` exits 0 whatever it finds, so the Validator's results are read instead
    _, validations = scratch
    assert validations[assignment, False] == {}, validations[assignment, False]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", VALIDATED)
def test_validator_inverted_finds_no_passing_test_in_theexercise(scratch, assignment):
    _, validations = scratch
    results = validations[assignment, True]
    assert not results.get("passed") and not results.get("changed") and not results.get("type_changed"), results


@pytest.mark.slow
def test_grading_mode_reaches_the_notebook(tmp_path):
    """nbgrader sets NBGRADER_EXECUTION in the kernel, which dlkit.checks.grading() reads."""
    probe = nbformat.v4.new_notebook()
    probe.cells = [nbformat.v4.new_code_cell("from dlkit import checks\nassert checks.grading() == 'validate'",
                                             metadata={"nbgrader": {"grade": True, "grade_id": "probe",
                                                                    "locked": True, "points": 1,
                                                                    "schema_version": 3, "solution": False,
                                                                    "task": False}})]
    nbformat.write(probe, str(tmp_path / "probe.ipynb"))
    assert validate(tmp_path / "probe.ipynb") == {}


def test_config_gives_long_cells_a_longer_timeout():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    timeout = config.Execute.timeout_func
    short = timeout(nbformat.v4.new_code_cell("pass"))
    long = timeout(nbformat.v4.new_code_cell("pass", metadata={"tags": ["long"]}))
    assert short == config.Execute.timeout and long > short
