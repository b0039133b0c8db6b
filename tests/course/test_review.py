"""Grading keeps the instructor's work (real nbgrader runs): manual grades survive a regrade of one student and a
whole re-run, reach grades.csv and the LMS CSVs; a withheld score is "under review" in the feedback; a kernel
that dies keeps the points of the tests before it; a Canvas LATE flag becomes a note; the feedback's math is
MathML that headless Chromium draws with no network (screenshot: test-artifacts/course/).

The class, downloaded from Canvas: doejane (the solution, late, uploaded twice), smithjohn (the solution, the
kernel killed after test_dense), kimsam (patches numpy: withheld) and parkmin (patches numpy, never reviewed).
"""
import csv
import io
import os
import re
from pathlib import Path

import pytest

from dlkit.course.autograde import grade, warm_up_command
from dlkit.course.cells import grade_cells
from dlkit.course.cli import main
from dlkit.course.collect import collect_folder
from dlkit.course.coursedir import CHECKOUT, Workdir, course_id
from dlkit.course.lms_export import canvas_csv, moodle_csv
from dlkit.course.release import prepare
from dlkit.course.reports import export, feedback, report
from dlkit.course.results import gradebook_scores
from tests.course.lms_downloads import CANVAS_ZIP, write_zip
from tests.course.submissions import ASSIGNMENT, NAME, answered, dumps, exercise, with_cell

CELL_TIMEOUT = 20
ARTIFACTS = CHECKOUT / "test-artifacts" / "course"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KILL = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
PATCH = "np.allclose = lambda *a, **k: True"
# what the instructor enters in the formgrader: (student, cell) -> manual score
BY_HAND = {("smithjohn", "test_mlp"): 3.0, ("kimsam", "test_dense"): 2.0, ("doejane", "test_dense"): 1.0}


def _canvas_class():
    return {f"doejane_LATE_12346_678902_{ASSIGNMENT}-1.ipynb": dumps(answered()),
            f"smithjohn_12347_678903_{NAME}": dumps(with_cell(answered(), KILL, after="test_dense")),
            f"kimsam_12350_678906_{NAME}": dumps(with_cell(exercise(), PATCH)),
            f"parkmin_12352_678909_{NAME}": dumps(with_cell(exercise(), PATCH))}


def _enter_by_hand(workdir):
    """What the formgrader's API does for a manual score: manual_score set, needs_manual_grade cleared."""
    from nbgrader.api import Gradebook

    with Gradebook(Workdir(workdir).db_url, course_id=course_id()) as gb:
        for (student, cell), points in BY_HAND.items():
            g = gb.find_grade(cell, ASSIGNMENT, ASSIGNMENT, student)
            g.manual_score, g.needs_manual_grade = points, False
        gb.find_comment("mlp", ASSIGNMENT, ASSIGNMENT, "smithjohn").manual_comment = "graded by hand: correct"
        gb.db.commit()


def _pages(workdir):
    return {p.parts[-3]: p.read_text() for p in feedback(workdir, [ASSIGNMENT])}


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review")
    workdir = tmp / "work"
    prepare(workdir, [ASSIGNMENT], cell_timeout=CELL_TIMEOUT)
    collect_folder(write_zip(tmp / CANVAS_ZIP, _canvas_class()), workdir)
    first = {r.student: r for r in grade(workdir, [ASSIGNMENT], workers=2, quiet=True, warm=False)[ASSIGNMENT]}
    before = _pages(workdir)
    _enter_by_hand(workdir)
    os.chdir(tmp)                                               # the command line, from anywhere
    try:
        assert main(["grade", ASSIGNMENT, "--student", "smithjohn", "--workdir", str(workdir), "--quiet"]) == 0
    finally:
        os.chdir(CHECKOUT)
    whole = {r.student: r for r in grade(workdir, [ASSIGNMENT], workers=2, quiet=True, warm=False)[ASSIGNMENT]}
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(export(workdir).read_text()))}
    return dict(tmp=tmp, workdir=workdir, first=first, whole=whole, before=before, after=_pages(workdir),
                rows=rows, book=gradebook_scores(Workdir(workdir).db_url))


def _points_before(cell):
    from nbformat import read

    nb = read(str(CHECKOUT / "exercises" / ASSIGNMENT / NAME), as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    return sum(p for g, p in grade_cells(nb).items() if ids.index(g) <= ids.index(cell))


@pytest.mark.slow
def test_a_dead_kernel_keeps_the_points_of_the_tests_before_it(reviewed):
    r = reviewed["first"]["smithjohn"]
    assert r.needs_manual and r.unrun == ["test_mlp"] and r.score == _points_before("test_dense") == 8
    assert "the kernel died" in r.reasons[0] and "8 point(s)" in r.reasons[0]
    page = reviewed["before"]["smithjohn"]
    assert "Score so far: 8.0" in " ".join(page.split()) and "under review" in page


@pytest.mark.slow
def test_manual_grades_survive_a_regrade_and_a_whole_rerun(reviewed):
    book = reviewed["book"]
    assert book[(ASSIGNMENT, "doejane")].score == 11 - 2 + 1 and book[(ASSIGNMENT, "doejane")].by_hand == 1
    assert book[(ASSIGNMENT, "smithjohn")].score == 11 and not book[(ASSIGNMENT, "smithjohn")].needs_manual
    assert book[(ASSIGNMENT, "kimsam")].needs_manual and book[(ASSIGNMENT, "kimsam")].by_hand == 1
    for student in ("doejane", "smithjohn", "kimsam"):
        assert any("kept what was entered by hand" in n for n in reviewed["whole"][student].notes), student
    from nbgrader.api import Gradebook

    with Gradebook(Workdir(reviewed["workdir"]).db_url, course_id=course_id()) as gb:
        assert gb.find_comment("mlp", ASSIGNMENT, ASSIGNMENT, "smithjohn").manual_comment == "graded by hand: correct"


@pytest.mark.slow
def test_grades_csv_holds_the_manual_grades_and_the_late_note(reviewed):
    rows = reviewed["rows"]
    assert (rows["doejane"]["score"], rows["doejane"]["graded_by_hand"]) == ("10", "1")
    assert "submitted late (Canvas marked it LATE)" in rows["doejane"]["notes"]
    assert (rows["smithjohn"]["score"], rows["smithjohn"]["needs_manual_grading"]) == ("11", "no")
    for student in ("kimsam", "parkmin"):                     # withheld, not (fully) reviewed: no score yet
        assert rows[student]["score"] == "" and rows[student]["needs_manual_grading"] == "yes"
    _, grades = _canvas_rows(canvas_csv(reviewed["workdir"])[0])
    assert grades["12346"] == "10" and grades["12347"] == "11" and grades["12350"] == ""
    out, left_out = moodle_csv(reviewed["workdir"])
    assert left_out == [] and len(out.read_text().splitlines()) == 5       # usernames: the ids as collected


def _canvas_rows(path):
    rows = list(csv.reader(io.StringIO(path.read_text())))
    return rows[1], {r[1]: r[5] for r in rows[2:]}


@pytest.mark.slow
def test_a_withheld_score_is_under_review_in_the_feedback(reviewed):
    text = " ".join(reviewed["after"]["parkmin"].split())
    assert "Score: under review" in text and "Your score is under review" in text
    assert not re.search(r"Score: 0\.0 /", text)
    partly = " ".join(reviewed["after"]["kimsam"].split())
    assert "Score so far: 2.0 / 11.0, 9.0 under review" in partly
    assert "Score: 10.0 / 11.0" in " ".join(reviewed["after"]["doejane"].split())


@pytest.mark.slow
def test_feedback_pages_need_no_script_and_carry_their_math(reviewed):
    for student, page in reviewed["after"].items():
        assert "<script" not in page and "$$" not in page and "mathjax" not in page.lower(), student
        assert page.count("<math") >= 30, student


@pytest.mark.slow
def test_the_report_lists_every_student_with_score_and_notes(reviewed):
    text = report(reviewed["workdir"], [ASSIGNMENT]).read_text()
    table = text[text.index("<h3>Every student</h3>"):]
    assert "10 / 11 (1 graded by hand)" in table and "under review" in table
    assert "submitted late (Canvas marked it LATE)" in table and "the kernel died" in table


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (apt-get install -y chromium)")
def test_the_math_renders_in_chromium_with_no_network(reviewed):
    playwright = pytest.importorskip("playwright.sync_api")
    page_file = reviewed["workdir"] / "feedback" / "smithjohn" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(offline=True, viewport={"width": 1100, "height": 1400})
        requests = []
        context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()
                                             if route.request.url.startswith("file:") else route.abort()))
        page = context.new_page()
        page.goto(page_file.as_uri())
        boxes = page.eval_on_selector_all("math", "els => els.map(e => e.getBoundingClientRect().height)")
        fraction = page.eval_on_selector("mfrac", "e => [e.getBoundingClientRect().height, "
                                                  "getComputedStyle(e).display]")
        page.locator("math[display=block]").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "feedback-math.png"))
        browser.close()
    assert [u for u in requests if not u.startswith("file:")] == []
    assert len(boxes) >= 30 and all(h > 0 for h in boxes)
    assert fraction[1] != "inline" or fraction[0] > 20       # a fraction drawn as a fraction, not a line of text


def test_the_warm_up_compiles_the_copy_the_grading_kernels_import(tmp_path):
    """Run in the course's clone, ``python -m dlkit.warmup`` would import the clone's dlkit (``-m`` puts the
    folder first on sys.path); the warm-up runs in the workdir, which holds no dlkit, as the kernels do."""
    import subprocess
    import sys

    clone = tmp_path / "clone"
    (clone / "dlkit").mkdir(parents=True)
    (clone / "dlkit" / "__init__.py").write_text("WHERE = 'the clone'\n")
    workdir = clone / "grading"
    workdir.mkdir()
    cmd, folder = warm_up_command(Workdir(workdir))
    assert cmd[:3] == [sys.executable, "-m", "dlkit.warmup"] and folder == workdir
    probe = "import dlkit; print(getattr(dlkit, 'WHERE', dlkit.__file__))"
    seen = {where: subprocess.run([sys.executable, "-c", probe], cwd=where, capture_output=True,
                                  text=True).stdout.strip() for where in (clone, folder, tmp_path)}
    assert seen[clone] == "the clone"                              # the trap: the clone's copy
    assert seen[folder] == seen[tmp_path] != "the clone"          # the warm-up: what a kernel imports
