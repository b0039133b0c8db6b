"""The instructor workflow (dlkit.grading) on a synthetic class and through a local nbgrader exchange.

One working directory serves the class tests: ONE small assignment, a class of honest, broken and dishonest
submissions generated here from its real notebooks, collected from a zip, graded twice (idempotence) with small
timeouts and two workers. The exchange test simulates several student accounts on this machine. Smaller tests
cover the per-student time limit, the gradebook backup of a non-SQLite URL and a student's "check my work".
"""
import copy
import csv
import json
import os
import re
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from dlkit import course, grading

ASSIGNMENT = "02-forward-pass"
NAME = f"{ASSIGNMENT}.ipynb"
CELL_TIMEOUT = 12               # seconds per cell while testing (the course default is 60); the setup cell
                                # (importing torch) gets the long limit, 5 x this
STUDENT_TIMEOUT = 120           # wall clock per submission

def _solution():
    return nbformat.read(str(course.ROOT / "solutions" / ASSIGNMENT / NAME), as_version=4)


def _exercise():
    return nbformat.read(str(course.ROOT / "exercises" / ASSIGNMENT / NAME), as_version=4)


def _answered():
    """The exercise as an honest student submits it: every solution cell holds the solution's code."""
    nb, sol = _exercise(), _solution()
    for cell in nb.cells:
        meta = course.nbgrader_meta(cell)
        if meta.get("solution"):
            source = course.cell_by_id(sol, meta["grade_id"]).source
            cell.source = "\n".join(l for l in source.splitlines() if "### BEGIN SOLUTION" not in l
                                    and "### END SOLUTION" not in l)
    return nb


def _with_cell(nb, source, after="setup"):
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if course.nbgrader_meta(c).get("grade_id") == after)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return nb


def _without(nb, grade_id):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if course.nbgrader_meta(c).get("grade_id") != grade_id]
    return nb


def _rewrite(nb, grade_id, source, keep_meta=True):
    nb = copy.deepcopy(nb)
    cell = course.cell_by_id(nb, grade_id)
    cell.source = source
    if not keep_meta:
        cell.metadata.pop("nbgrader")
    return nb


def _points(nb, grade_id, points):
    nb = copy.deepcopy(nb)
    course.cell_by_id(nb, grade_id).metadata["nbgrader"]["points"] = points
    return nb


def _dumps(nb):
    return nbformat.writes(nb, version=4).encode()


def synthetic_class():
    """{student: {filename: bytes}}, and what each one must yield."""
    sol, ex = _answered(), _exercise()
    max_score = float(sum(course.grade_cells(sol).values()))
    bug = next(b for b in course.planted_bugs(ASSIGNMENT) if b.real_run)
    c = {}
    for i in range(2):
        c[f"honest{i}"] = ({NAME: _dumps(sol)}, max_score)
    for i in range(2):
        c[f"untouched{i}"] = ({NAME: _dumps(ex)}, 0.0)
    c["planted_bug"] = ({NAME: _dumps(bug.plant(sol))}, "partial")
    c["renamed"] = ({"my homework (1).ipynb": _dumps(sol)}, max_score)
    c["loops_forever"] = ({NAME: _dumps(_rewrite(sol, "dense", "def dense_forward(X, W, b):\n    while True:\n        pass"))},
                          "partial")
    c["loops_in_extra_cell"] = ({NAME: _dumps(_with_cell(sol, "while True:\n    pass", after="activations"))},
                                max_score)
    c["loop_ignores_interrupt"] = ({NAME: _dumps(_with_cell(
        sol, "import time\nwhile True:\n    try:\n        time.sleep(0.2)\n    except BaseException:\n        pass"))},
        None)
    c["kills_kernel"] = ({NAME: _dumps(_with_cell(sol, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
                                                   after="mlp"))}, "manual_or_partial")
    c["raises"] = ({NAME: _dumps(_with_cell(sol, "raise RuntimeError('boom')", after="setup"))}, max_score)
    c["prints_megabytes"] = ({NAME: _dumps(_with_cell(sol, "print('x' * 5_000_000)"))}, max_score)
    c["deletes_tests"] = ({NAME: _dumps(_without(_without(ex, "test_dense"), "test_mlp"))}, 0.0)
    c["rewrites_tests"] = ({NAME: _dumps(_rewrite(_rewrite(ex, "test_dense", "pass"), "test_mlp", "pass"))}, 0.0)
    c["unlocks_tests"] = ({NAME: _dumps(_rewrite(ex, "test_dense", "pass", keep_meta=False))}, 0.0)
    c["inflates_points"] = ({NAME: _dumps(_points(sol, "test_dense", 100))}, "max")
    c["empty"] = ({NAME: b""}, None)
    c["not_json"] = ({NAME: b"this is { not json"}, None)
    c["json_not_notebook"] = ({NAME: b'{"answer": 42}'}, None)
    c["no_notebook"] = ({"solution.py": b"print('hi')\n"}, None)
    c["patches_numpy"] = ({NAME: _dumps(_with_cell(ex, "np.allclose = lambda *a, **k: True\n"
                                                       "np.testing.assert_allclose = lambda *a, **k: None"))}, None)
    c["patches_checks"] = ({NAME: _dumps(_with_cell(ex, "def _ok(*a, **k):\n    return None\n"
                                                        "checks.close = _ok\nsetattr(checks, 'equal', _ok)"))}, None)
    c["patches_sys_modules"] = ({NAME: _dumps(_with_cell(ex, "import sys, types\n"
                                                             "sys.modules['dlkit.checks'] = types.ModuleType('x')"))},
                                None)
    c["patches_builtins"] = ({NAME: _dumps(_with_cell(ex, "import builtins\n"
                                                          "builtins.NotImplementedError = StopIteration"))}, None)
    c["shadows_checks"] = ({NAME: _dumps(_with_cell(ex, "from unittest import mock as checks"))}, None)
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
    before = grading.file_hashes(originals),
    zip_hash = grading.file_hashes(tmp)["export.zip"]

    workdir = tmp / "work"
    grading.prepare(workdir, [ASSIGNMENT], cell_timeout=CELL_TIMEOUT)
    collected = grading.collect_folder(archive, workdir)
    assert len(collected) == len(klass)
    submitted_hashes = grading.file_hashes(workdir / "submitted")
    first = grading.grade(workdir, [ASSIGNMENT], workers=3, student_timeout=STUDENT_TIMEOUT, quiet=True)
    csv1 = grading.export(workdir).read_text()
    # regrading is idempotent: a second run (of a few students, to keep the suite fast) changes nothing
    again = ["honest0", "untouched0", "loops_forever", "patches_numpy", "renamed"]
    second = grading.grade(workdir, [ASSIGNMENT], workers=3, student_timeout=STUDENT_TIMEOUT, quiet=True,
                           students=again)
    csv2 = grading.export(workdir).read_text()
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
        assert (r.score is not None) != r.needs_manual, (student, r)
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
        elif expected == "manual_or_partial":
            assert r.needs_manual or (r.score is not None and r.score < max_score), (student, r)
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
    assert grading.file_hashes(graded["originals"]) == graded["before"]
    assert grading.file_hashes(graded["tmp"])["export.zip"] == graded["zip_hash"]
    assert grading.file_hashes(graded["workdir"] / "submitted") == graded["submitted_hashes"]


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
    with Gradebook(grading.db_url_for(workdir), course_id=grading.course_id()) as gb:
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
    pages = grading.feedback(workdir, [ASSIGNMENT])
    assert any("honest0" in str(p) for p in pages)
    secret = [line.strip() for cell in _solution().cells
              for region in course.regions(cell.source, course.HIDDEN) for line in region.splitlines()
              if len(line.strip()) > 20 and not line.strip().startswith("#")]
    public = "\n".join(re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", c.source, flags=re.S)
                       for c in _solution().cells)
    secret = [line for line in secret if line not in public]          # also shown in a visible test: no secret
    assert secret
    released = "\n".join(p.read_text() for p in (workdir / "release").rglob("*.ipynb"))
    for page in pages + [None]:
        text = page.read_text() if page else released
        assert course.HIDDEN[0] not in text
        for line in secret:
            assert line not in text and json.dumps(line)[1:-1] not in text, (page, line)
    out = grading.report(workdir, [ASSIGNMENT])
    text = out.read_text()
    assert "data:image/png;base64" in text and "test_mlp" in text and "not implemented yet" in text


def test_a_relative_sqlite_url_means_from_where_it_was_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert grading.db_url_for("anywhere", "sqlite:///grades/class.db") == f"sqlite:///{tmp_path}/grades/class.db"
    assert grading.db_url_for("anywhere", "sqlite:////abs/x.db") == "sqlite:////abs/x.db"
    assert grading.absolute_sqlite("sqlite:///:memory:") == "sqlite:///:memory:"
    assert grading.absolute_sqlite("postgresql://u@h/db") == "postgresql://u@h/db"
    assert grading.course_id() == "dlkit-training"


def test_tampering_detector_leaves_honest_code_alone():
    for nb in (_solution(), _exercise()):
        for cell in nb.cells:
            if cell.cell_type == "code" and not course.nbgrader_meta(cell).get("locked"):
                assert grading.tampering(cell.source) == [], cell.source
    assert grading.tampering("import numpy as np\nfrom dlkit import checks\nx = np.zeros(3)\nx[0] = 1") == []
    assert grading.tampering("np.random.seed = None")
    assert grading.tampering("exec('np.allclose = None')")
    assert grading.tampering("globals()['checks'] = None")
    assert grading.tampering("import numpy\nnumpy.testing.assert_allclose = print")
    assert grading.tampering("from numpy import testing as np")
    assert grading.tampering("def f():\n    global np\n    np = None")


# ---------------------------------------------------------------- the per-student limit, a non-SQLite gradebook URL

@pytest.mark.slow
def test_a_submission_past_the_student_time_limit_is_stopped_and_the_class_goes_on(tmp_path):
    """Every cell of "slow" stays within its own limit, but together they outlive --student-timeout. The main
    gradebook is a SQLAlchemy URL that is not a plain sqlite:/// file: the path a PostgreSQL gradebook takes
    through prepare, the backup (a JSON dump) and the merge."""
    limit = 60                                         # the honest submission needs about 10-20 s here
    slow = _answered()
    for _ in range(10):                                # 10 x 8 s of sleep, each cell well under CELL_TIMEOUT
        slow = _with_cell(slow, "import time\ntime.sleep(8)")
    workdir = tmp_path / "work"
    db_url = f"sqlite+pysqlite:///{tmp_path / 'class.db'}"
    grading.prepare(workdir, [ASSIGNMENT], db=db_url, cell_timeout=CELL_TIMEOUT)
    for student, nb in {"honest": _answered(), "slow": slow}.items():
        (workdir / "submitted" / student / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(nb, str(workdir / "submitted" / student / ASSIGNMENT / NAME))
    start = time.monotonic()
    results = {r.student: r for r in grading.grade(workdir, [ASSIGNMENT], workers=2, student_timeout=limit,
                                                    quiet=True, warm=False)[ASSIGNMENT]}
    assert time.monotonic() - start < limit + 15            # stopped, not left to run 80 s
    full = float(sum(course.grade_cells(_solution()).values()))
    assert results["honest"].score == full and not results["honest"].needs_manual
    slow_result = results["slow"]
    assert slow_result.needs_manual and slow_result.score is None
    assert slow_result.reasons == [f"grading took longer than {limit} s and was stopped"]
    rows = {r["student"]: r for r in csv.DictReader(grading.export(workdir).read_text().splitlines())}
    assert rows["slow"]["needs_manual_grading"] == "yes" and "took longer" in rows["slow"]["reason"]
    assert rows["honest"]["score"] == f"{full:g}"
    (backup,) = (workdir / "backups").glob("gradebook-*")
    assert backup.suffix == ".json" and json.loads(backup.read_text())["grades"] == []   # before the run: none
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        assert gb.find_submission(ASSIGNMENT, "honest").score == full


@pytest.mark.filterwarnings("ignore:Object of type")         # nbgrader's own add_submission chatter
def test_gradebook_backup_of_a_sqlalchemy_url_is_a_read_only_json_dump(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    db = tmp_path / "class.db"
    url = f"sqlite+pysqlite:///{db}"
    assert grading.backup_gradebook(tmp_path, url) is None                 # no gradebook yet: nothing to copy
    monkeypatch.setenv("PATH", grading._bin_env()["PATH"])                # nbgrader creates one with `alembic`
    with Gradebook(url, course_id="dlkit-training") as gb:
        gb.add_assignment(ASSIGNMENT)
        gb.add_notebook("nb", ASSIGNMENT)
        for cell, points in (("test_a", 2), ("test_b", 3)):
            gb.add_grade_cell(cell, "nb", ASSIGNMENT, max_score=points, cell_type="code")
        gb.add_student("bob")
        gb.add_student("alice")
        for nb in gb.add_submission(ASSIGNMENT, "alice").notebooks:
            for g in nb.grades:
                g.auto_score, g.needs_manual_grade = (2.0, False) if g.name == "test_a" else (0.0, True)
        gb.db.commit()
    before = db.read_bytes()
    monkeypatch.setenv("PATH", "/nonexistent")                             # a backup needs no alembic
    out = grading.backup_gradebook(tmp_path, url)
    assert out.parent == tmp_path / "backups" and out.suffix == ".json"
    dump = json.loads(out.read_text())
    assert dump["db_url"] == url and dump["students"] == ["alice", "bob"]
    assert [(g["student"], g["cell"], g["auto_score"], g["max_score"], g["needs_manual_grade"])
            for g in dump["grades"]] == [("alice", "test_a", 2.0, 2.0, False), ("alice", "test_b", 0.0, 3.0, True)]
    assert db.read_bytes() == before                                       # the backup only read the database
    assert grading.backup_gradebook(tmp_path, f"sqlite:///{db}").suffix == ".db"     # a plain file URL: a copy


# ---------------------------------------------------------------- the exchange, several students on one machine

@pytest.mark.slow
def test_exchange_flow_with_several_students(tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o777)
    workdir = tmp_path / "instructor"
    grading.prepare(workdir, [ASSIGNMENT], cell_timeout=CELL_TIMEOUT)
    grading.distribute(ASSIGNMENT, exchange, workdir)
    students = {"alice": _answered(), "bob": _exercise(), "carol": _answered()}
    for student, nb in students.items():
        home = tmp_path / "home" / student
        home.mkdir(parents=True)
        args = [f"--Exchange.root={exchange}", "--CourseDirectory.course_id=dlkit-training",
                f"--CourseDirectory.student_id={student}", "--log-level=ERROR"]
        # fetch (a fresh copy of the released notebook), work on it, submit
        grading.nbgrader(home, "fetch_assignment", ASSIGNMENT, *args[:2], "--log-level=ERROR")
        fetched = home / ASSIGNMENT / NAME
        assert course.HIDDEN[0] not in fetched.read_text()
        nbformat.write(nb, str(fetched))
        grading.nbgrader(home, "submit", ASSIGNMENT, *args)
    collected = grading.collect_exchange(ASSIGNMENT, exchange, workdir)
    assert collected == sorted(students)
    results = {r.student: r for r in grading.grade(workdir, [ASSIGNMENT], workers=3,
                                                    student_timeout=STUDENT_TIMEOUT, quiet=True)[ASSIGNMENT]}
    full = float(sum(course.grade_cells(_solution()).values()))
    assert results["alice"].score == full and results["carol"].score == full and results["bob"].score == 0


def test_a_runaway_grader_is_killed_with_its_children(tmp_path):
    code = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); " \
           "time.sleep(60)"
    start = __import__("time").monotonic()
    _, _, timed_out = grading._run_limited([sys.executable, "-c", code], tmp_path, 2)
    assert timed_out and __import__("time").monotonic() - start < 20


# ---------------------------------------------------------------- a student's "check my work"

def _graded_cell(source, grade_id, points=1):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "grade_id": grade_id, "locked": True, "points": points, "schema_version": 3,
        "solution": False, "task": False}})


@pytest.mark.slow
def test_check_my_work_names_a_planted_bug_an_edited_test_and_a_runaway_cell(tmp_path):
    bug = next(b for b in course.planted_bugs(ASSIGNMENT) if b.real_run)
    nb = _rewrite(bug.plant(_answered()), "test_dense", "pass")        # an edited test cell passes, but is not
    assert "test_dense" not in bug.fails
    nb = _with_cell(nb, "while True:\n    pass", after="activations")
    # the check's own kernel must not start another check: the check cell only prints its note there
    nb.cells.append(_graded_cell("from dlkit import checks\nassert checks.check_my_work() is None", "probe"))
    path = tmp_path / "work" / NAME
    path.parent.mkdir()
    nbformat.write(nb, str(path))
    before = grading.file_hashes(path.parent)
    config = tmp_path / "config"
    config.mkdir()
    (config / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Execute.timeout = 60\n"
        "c.Execute.timeout_func = lambda cell: 3 if 'while True' in cell.source else 60\n")
    seen = []
    report = grading.check_notebook(path, config_dir=config, progress=lambda i, n: seen.append((i, n)))
    parts = {p.grade_id: p for p in report.parts}
    assert list(parts) == [*course.grade_cells(_solution()), "probe"]
    for gid in bug.fails:
        assert not parts[gid].passed and bug.says in parts[gid].message, parts[gid]
        assert "Traceback" not in parts[gid].message and "\n" not in parts[gid].message
    assert not parts["test_dense"].passed and "edited" in parts["test_dense"].message
    assert {g for g, p in parts.items() if p.passed} == set(parts) - set(bug.fails) - {"test_dense"}
    assert any("time limit" in problem for problem in report.problems), report.problems
    assert not report.ok and seen[-1][0] == seen[-1][1] == sum(c.cell_type == "code" for c in nb.cells)
    text = report.text()
    assert f"passed in {len(parts) - len(bug.fails) - 1} of {len(parts)} parts" in text
    assert "hidden tests run when your notebook is graded" in text and "saved" in text and "Ctrl+S" in text
    assert grading.file_hashes(path.parent) == before                  # only read


def test_check_my_work_says_when_the_kernel_dies(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [_graded_cell("assert True", "test_before"),
                nbformat.v4.new_code_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
                _graded_cell("assert True", "test_after")]
    nbformat.write(nb, str(tmp_path / "killed.ipynb"))
    report = grading.check_notebook(tmp_path / "killed.ipynb")
    assert [(p.grade_id, p.passed, p.message) for p in report.parts] == \
        [("test_before", True, ""), ("test_after", False, "did not run")]
    assert report.problems == ["the kernel died while code cell 2 of 3 ran, so the cells after it did not run: "
                               "look for something that uses all the memory or ends Python"]


@pytest.mark.slow
def test_check_my_work_on_the_command_line(tmp_path, capsys):
    path = tmp_path / NAME
    nbformat.write(_solution(), str(path))
    assert grading.main(["check", str(path)]) == 0
    assert "Visible tests passed in 4 of 4 parts (11 of 11 points)" in capsys.readouterr().out
    assert grading.main(["check", str(tmp_path / "missing.ipynb")]) == 1
    assert "no notebook" in capsys.readouterr().err


def test_find_notebook(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    folder = tmp_path / ASSIGNMENT
    folder.mkdir()
    with pytest.raises(FileNotFoundError, match="notebooks there: none"):
        grading.find_notebook(cwd=folder)
    (folder / "mine.ipynb").write_text("{}")
    assert grading.find_notebook(cwd=folder) == folder / "mine.ipynb"            # the only one
    (folder / "other.ipynb").write_text("{}")
    with pytest.raises(FileNotFoundError, match="mine.ipynb, other.ipynb"):
        grading.find_notebook(cwd=folder)
    (folder / NAME).write_text("{}")
    assert grading.find_notebook(cwd=folder) == folder / NAME                    # the assignment's
    monkeypatch.setenv("JPY_SESSION_NAME", str(folder / "other.ipynb"))
    assert grading.find_notebook(cwd=folder) == folder / "other.ipynb"           # the kernel's own notebook
    monkeypatch.setenv("JPY_SESSION_NAME", "elsewhere/renamed-since.ipynb")
    assert grading.find_notebook(cwd=folder) == folder / NAME
    assert grading.find_notebook("mine.ipynb", cwd=folder) == folder / "mine.ipynb"
    with pytest.raises(FileNotFoundError, match="check_my_work"):
        grading.find_notebook("typo.ipynb", cwd=folder)
