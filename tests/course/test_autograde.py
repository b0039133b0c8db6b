"""Autograding a class (dlkit.course.autograde) on a synthetic class, end to end.

One working directory serves the class tests: ONE small assignment, a class of honest, broken and dishonest
submissions generated here from its real notebooks, collected from a zip, graded twice (idempotence) with small
timeouts and two workers, then exported, fed back and reported. A smaller test covers the per-student time limit
with a gradebook URL that is not a plain SQLite file.
"""
import csv
import json
import re
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from dlkit.course import ROOT
from dlkit.course.autograde import grade
from dlkit.course.bugs import planted_bugs
from dlkit.course.cells import HIDDEN, grade_cells, regions
from dlkit.course.collect import collect_folder, file_hashes
from dlkit.course.coursedir import course_id, db_url_for
from dlkit.course.release import prepare
from dlkit.course.reports import export, feedback, report
from tests.course.submissions import (ASSIGNMENT, NAME, answered, dumps, exercise, points, rewrite, solution,
                                      with_cell, without)

CELL_TIMEOUT = 12               # seconds per cell while testing (the course default is 60); the setup cell
                                # (importing torch) gets the long limit, 5 x this
STUDENT_TIMEOUT = 75            # wall clock per submission (an honest one takes 8-25 s here; the one that
                                # ignores interrupts runs this long)


def synthetic_class():
    """{student: {filename: bytes}}, and what each one must yield."""
    sol, ex = answered(), exercise()
    max_score = float(sum(grade_cells(sol).values()))
    bug = next(b for b in planted_bugs(ASSIGNMENT, ROOT) if b.real_run)
    c = {}
    for i in range(2):
        c[f"honest{i}"] = ({NAME: dumps(sol)}, max_score)
    for i in range(2):
        c[f"untouched{i}"] = ({NAME: dumps(ex)}, 0.0)
    c["planted_bug"] = ({NAME: dumps(bug.plant(sol))}, "partial")
    c["renamed"] = ({"my homework (1).ipynb": dumps(sol)}, max_score)
    c["loops_forever"] = ({NAME: dumps(rewrite(sol, "dense",
                                                "def dense_forward(X, W, b):\n    while True:\n        pass"))},
                          "partial")
    c["loops_in_extra_cell"] = ({NAME: dumps(with_cell(sol, "while True:\n    pass", after="activations"))},
                                max_score)
    c["loop_ignores_interrupt"] = ({NAME: dumps(with_cell(
        sol, "import time\nwhile True:\n    try:\n        time.sleep(0.2)\n    except BaseException:\n        pass"))},
        None)
    c["kills_kernel"] = ({NAME: dumps(with_cell(sol, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
                                                after="mlp"))}, "kept")          # before test_mlp: 8 points
    c["raises"] = ({NAME: dumps(with_cell(sol, "raise RuntimeError('boom')", after="setup"))}, max_score)
    c["prints_megabytes"] = ({NAME: dumps(with_cell(sol, "print('x' * 5_000_000)"))}, max_score)
    c["deletes_tests"] = ({NAME: dumps(without(without(ex, "test_dense"), "test_mlp"))}, 0.0)
    c["rewrites_tests"] = ({NAME: dumps(rewrite(rewrite(ex, "test_dense", "pass"), "test_mlp", "pass"))}, 0.0)
    c["unlocks_tests"] = ({NAME: dumps(rewrite(ex, "test_dense", "pass", keep_meta=False))}, 0.0)
    c["inflates_points"] = ({NAME: dumps(points(sol, "test_dense", 100))}, "max")
    c["empty"] = ({NAME: b""}, None)
    c["not_json"] = ({NAME: b"this is { not json"}, None)
    c["json_not_notebook"] = ({NAME: b'{"answer": 42}'}, None)
    c["no_notebook"] = ({"solution.py": b"print('hi')\n"}, None)
    c["patches_numpy"] = ({NAME: dumps(with_cell(ex, "np.allclose = lambda *a, **k: True\n"
                                                     "np.testing.assert_allclose = lambda *a, **k: None"))}, None)
    c["patches_checks"] = ({NAME: dumps(with_cell(ex, "def _ok(*a, **k):\n    return None\n"
                                                      "checks.close = _ok\nsetattr(checks, 'equal', _ok)"))}, None)
    c["patches_sys_modules"] = ({NAME: dumps(with_cell(ex, "import sys, types\n"
                                                           "sys.modules['dlkit.checks'] = types.ModuleType('x')"))},
                                None)
    c["patches_builtins"] = ({NAME: dumps(with_cell(ex, "import builtins\n"
                                                        "builtins.NotImplementedError = StopIteration"))}, None)
    c["shadows_checks"] = ({NAME: dumps(with_cell(ex, "from unittest import mock as checks"))}, None)
    return c, max_score


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grading")
    klass, max_score = synthetic_class()
    # the LMS export: a zip of student/assignment/files, and the same as a folder (hashed: never modified)
    originals = tmp / "lms"
    for student, (files, _) in klass.items():
        for name, data in files.items():
            (originals / student / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
            (originals / student / ASSIGNMENT / name).write_bytes(data)
    archive = tmp / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(originals.rglob("*")):
            if p.is_file():
                z.write(p, Path("export") / p.relative_to(originals))
    before = file_hashes(originals),
    zip_hash = file_hashes(tmp)["export.zip"]

    workdir = tmp / "work"
    prepare(workdir, [ASSIGNMENT], cell_timeout=CELL_TIMEOUT)
    collected = collect_folder(archive, workdir)
    assert len(collected) == len(klass)
    submitted_hashes = file_hashes(workdir / "submitted")
    first = grade(workdir, [ASSIGNMENT], workers=3, student_timeout=STUDENT_TIMEOUT, quiet=True)
    csv1 = export(workdir).read_text()
    # regrading is idempotent: a second run (of a few students, to keep the suite fast) changes nothing
    again = ["honest0", "untouched0", "loops_forever", "patches_numpy", "renamed"]
    second = grade(workdir, [ASSIGNMENT], workers=3, student_timeout=STUDENT_TIMEOUT, quiet=True,
                   students=again)
    csv2 = export(workdir).read_text()
    return dict(tmp=tmp, workdir=workdir, klass=klass, max_score=max_score, originals=originals, before=before[0],
                zip_hash=zip_hash, submitted_hashes=submitted_hashes,
                first={r.student: r for r in first[ASSIGNMENT]}, second={r.student: r for r in second[ASSIGNMENT]},
                again=again,
                csv1=csv1, csv2=csv2)


@pytest.mark.slow
def test_class_is_big_enough(graded):
    assert len(graded["klass"]) >= 20


@pytest.mark.slow
def test_every_student_has_a_score_or_a_manual_flag_with_reason(graded):
    results = graded["first"]
    assert set(results) == set(graded["klass"])
    for student, r in results.items():
        # a dead kernel: the points of the tests before it are kept and the rest flagged for the instructor
        assert (r.score is not None) != r.needs_manual or (r.unrun and r.needs_manual), (student, r)
        if r.needs_manual:
            assert r.reasons and all(r.reasons), student


@pytest.mark.slow
def test_expected_outcomes(graded):
    max_score = graded["max_score"]
    for student, (_, expected) in graded["klass"].items():
        r = graded["first"][student]
        if expected is None:
            assert r.needs_manual and r.score is None, (student, r)
        elif expected == "partial":
            assert r.score is not None and 0 < r.score < max_score, (student, r)
        elif expected == "kept":
            assert r.needs_manual and r.score == 8 and r.unrun == ["test_mlp"], (student, r)
        elif expected == "max":
            assert r.needs_manual or r.score <= max_score, (student, r)
        else:
            assert r.score == expected, (student, r)
    notes = {s: " ".join(r.notes) for s, r in graded["first"].items()}
    assert "renamed" in notes["renamed"]
    assert "deleted" in notes["deletes_tests"] and "edited" in notes["rewrites_tests"]
    assert "timed out" in notes["loops_forever"]
    for s in ("patches_numpy", "patches_checks", "patches_sys_modules", "patches_builtins", "shadows_checks"):
        assert "tampering" in " ".join(graded["first"][s].reasons), s
    assert "timed out" in notes["loops_in_extra_cell"]
    for s in ("empty", "not_json", "json_not_notebook", "no_notebook"):
        assert graded["first"][s].reasons


@pytest.mark.slow
def test_nobody_gains_points_by_tampering(graded):
    max_score = graded["max_score"]
    for student, r in graded["first"].items():
        if student.startswith(("deletes", "rewrites", "unlocks", "patches", "shadows")):
            assert not r.score, (student, r)                     # 0 or withheld
        assert r.score is None or r.score <= max_score, (student, r)


@pytest.mark.slow
def test_submissions_are_never_modified(graded):
    assert file_hashes(graded["originals"]) == graded["before"]
    assert file_hashes(graded["tmp"])["export.zip"] == graded["zip_hash"]
    assert file_hashes(graded["workdir"] / "submitted") == graded["submitted_hashes"]


@pytest.mark.slow
def test_regrading_is_idempotent(graded):
    assert graded["csv1"] == graded["csv2"]
    rows = list(csv.DictReader(graded["csv1"].splitlines()))
    assert len(rows) == len(graded["klass"])
    assert {r["student"] for r in rows if r["needs_manual_grading"] == "yes"} == \
        {s for s, r in graded["first"].items() if r.needs_manual}


@pytest.mark.slow
def test_gradebook_is_backed_up_and_holds_the_scores(graded):
    from nbgrader.api import Gradebook

    workdir = graded["workdir"]
    assert len(list((workdir / "backups").glob("gradebook-*.db"))) >= 2       # one before each grading run
    with Gradebook(db_url_for(workdir), course_id=course_id()) as gb:
        from nbgrader.api import Assignment

        # every assignment under the configured course (nbgrader's own preprocessors add an empty
        # "default_course" row, upstream behaviour; dlkit opens the gradebook with the course id)
        assert {a.course_id for a in gb.db.query(Assignment)} == {"dlkit-training"}
        assert gb.find_submission(ASSIGNMENT, "honest0").score == graded["max_score"]
        assert gb.find_submission(ASSIGNMENT, "untouched0").score == 0
        tampered = gb.find_submission(ASSIGNMENT, "patches_numpy")
        assert tampered.score == 0 and tampered.needs_manual_grade


@pytest.mark.slow
def test_feedback_and_report_keep_hidden_tests_secret(graded):
    workdir = graded["workdir"]
    pages = feedback(workdir, [ASSIGNMENT])
    assert any("honest0" in str(p) for p in pages)
    secret = [line.strip() for cell in solution().cells
              for region in regions(cell.source, HIDDEN) for line in region.splitlines()
              if len(line.strip()) > 20 and not line.strip().startswith("#")]
    public = "\n".join(re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", c.source, flags=re.S)
                       for c in solution().cells)
    secret = [line for line in secret if line not in public]          # also shown in a visible test: no secret
    assert secret
    released = "\n".join(p.read_text() for p in (workdir / "release").rglob("*.ipynb"))
    for page in pages + [None]:
        text = page.read_text() if page else released
        assert HIDDEN[0] not in text
        for line in secret:
            assert line not in text and json.dumps(line)[1:-1] not in text, (page, line)
    out = report(workdir, [ASSIGNMENT])
    text = out.read_text()
    assert "data:image/png;base64" in text and "test_mlp" in text and "not implemented yet" in text



# ---------------------------------------------------------------- the per-student limit, a non-SQLite gradebook URL

@pytest.mark.slow
def test_a_submission_past_the_student_time_limit_is_stopped_and_the_class_goes_on(tmp_path):
    """Every cell of "slow" stays within its own limit, but together they outlive --student-timeout. The main
    gradebook is a SQLAlchemy URL that is not a plain sqlite:/// file: the path a PostgreSQL gradebook takes
    through prepare, the backup (a JSON dump) and the merge."""
    limit = 45                                         # the honest submission needs about 10-20 s here
    slow = answered()
    for _ in range(10):                                # 10 x 6 s of sleep, each cell well under CELL_TIMEOUT
        slow = with_cell(slow, "import time\ntime.sleep(6)")
    workdir = tmp_path / "work"
    db_url = f"sqlite+pysqlite:///{tmp_path / 'class.db'}"
    prepare(workdir, [ASSIGNMENT], db=db_url, cell_timeout=CELL_TIMEOUT)
    for student, nb in {"honest": answered(), "slow": slow}.items():
        (workdir / "submitted" / student / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(nb, str(workdir / "submitted" / student / ASSIGNMENT / NAME))
    start = time.monotonic()
    results = {r.student: r for r in grade(workdir, [ASSIGNMENT], workers=2, student_timeout=limit,
                                            quiet=True, warm=False)[ASSIGNMENT]}
    assert time.monotonic() - start < limit + 15            # stopped, not left to run 60 s
    full = float(sum(grade_cells(solution()).values()))
    assert results["honest"].score == full and not results["honest"].needs_manual
    slow_result = results["slow"]
    assert slow_result.needs_manual and slow_result.score is None
    assert slow_result.reasons == [f"grading took longer than {limit} s and was stopped"]
    rows = {r["student"]: r for r in csv.DictReader(export(workdir).read_text().splitlines())}
    assert rows["slow"]["needs_manual_grading"] == "yes" and "took longer" in rows["slow"]["reason"]
    assert rows["honest"]["score"] == f"{full:g}"
    (backup,) = (workdir / "backups").glob("gradebook-*")
    assert backup.suffix == ".json" and json.loads(backup.read_text())["grades"] == []   # before the run: none
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        assert gb.find_submission(ASSIGNMENT, "honest").score == full

