"""dlkit.course.collect: a local nbgrader exchange, Canvas and Moodle downloads, odd entries (the zip of a plain
folder export: test_autograde.py)."""
import os

import nbformat
import pytest

from dlkit.course.autograde import grade
from dlkit.course.cli import main
from dlkit.course.cells import HIDDEN, grade_cells
from dlkit.course.collect import _forged, collect_exchange, collect_folder, collected_record
from dlkit.course.processes import nbgrader
from dlkit.course.release import distribute, prepare
from dlkit.course.reports import feedback
from tests.course.lms_downloads import CANVAS_ZIP, MOODLE_ZIP, canvas_entries, moodle_entries, write_zip
from tests.course.submissions import ASSIGNMENT, NAME, answered, exercise, solution

CELL_TIMEOUT = 12               # seconds per cell while testing (the course default is 60)
STUDENT_TIMEOUT = 120           # wall clock per submission


@pytest.mark.slow
def test_exchange_flow_with_several_students(tmp_path, monkeypatch):
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
        monkeypatch.setenv("JUPYTER_DATA_DIR", str(home / ".data"))    # each student's own nbgrader_cache
        args = [f"--Exchange.root={exchange}", "--CourseDirectory.course_id=dlkit-training",
                f"--CourseDirectory.student_id={student}", "--log-level=ERROR"]
        # fetch (a fresh copy of the released notebook), work on it, submit
        nbgrader(home, "fetch_assignment", ASSIGNMENT, *args[:2], "--log-level=ERROR")
        fetched = home / ASSIGNMENT / NAME
        assert HIDDEN[0] not in fetched.read_text()
        nbformat.write(nb, str(fetched))
        nbgrader(home, "submit", ASSIGNMENT, *args)
    monkeypatch.delenv("JUPYTER_DATA_DIR")
    forged = _forge(exchange, "nobody")          # root drops a notebook in inbound/ under the name of `nobody`
    collected = collect_exchange(ASSIGNMENT, exchange, workdir)
    assert collected == sorted(students)
    if forged:
        assert dict(collected_record(workdir, ASSIGNMENT)["skipped"]) == {
            forged: "submitted under nobody's name but owned by root: not collected"}
    results = {r.student: r for r in grade(workdir, [ASSIGNMENT], workers=3,
                                            student_timeout=STUDENT_TIMEOUT, quiet=True)[ASSIGNMENT]}
    full = float(sum(grade_cells(solution()).values()))
    assert results["alice"].score == full and results["carol"].score == full and results["bob"].score == 0
    # feedback back through the exchange, the command run from anywhere; each student fetches their own
    feedback(workdir, [ASSIGNMENT])
    monkeypatch.chdir(tmp_path)
    assert main(["release-feedback", ASSIGNMENT, "--exchange", str(exchange), "--workdir", str(workdir)]) == 0
    for student in students:
        home = tmp_path / "home" / student
        monkeypatch.setenv("JUPYTER_DATA_DIR", str(home / ".data"))
        nbgrader(home, "fetch_feedback", ASSIGNMENT, f"--Exchange.root={exchange}",
                 "--CourseDirectory.course_id=dlkit-training", f"--CourseDirectory.student_id={student}",
                 "--log-level=ERROR")
        (page,) = (home / ASSIGNMENT / "feedback").rglob("*.html")
        assert f"Score: {11.0 if student != 'bob' else 0.0} / 11.0" in " ".join(page.read_text().split())


def _forge(exchange, victim):
    """As root, a submission folder in inbound/ named for the account `victim` but owned by root; None when this
    cannot be tried (not root, no such account)."""
    import pwd

    try:
        pwd.getpwnam(victim)
    except KeyError:
        return None
    if os.geteuid() != 0:
        return None
    name = f"{victim}+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC+forged"
    folder = exchange / "dlkit-training" / "inbound" / name
    folder.mkdir()
    (folder / NAME).write_text(nbformat.writes(answered()))
    (folder / "timestamp.txt").write_text("2099-01-01 00:00:00.000000 UTC")
    return name



# ---------------------------------------------------------------- LMS downloads (no nbgrader: fast)

def _workdir(tmp_path):
    """A workdir that knows the assignment's released notebook name (what prepare would have made)."""
    workdir = tmp_path / "work"
    (workdir / "release" / ASSIGNMENT).mkdir(parents=True)
    (workdir / "release" / ASSIGNMENT / NAME).write_text("{}")
    return workdir


def _submitted(workdir):
    return sorted(str(p.relative_to(workdir / "submitted")) for p in (workdir / "submitted").rglob("*") if p.is_file())


def test_a_canvas_download_gives_ids_from_names_late_notes_and_skips_what_it_cannot_grade(tmp_path):
    workdir = _workdir(tmp_path)
    archive = write_zip(tmp_path / CANVAS_ZIP, canvas_entries(b"notebook", b"other"))
    found = collect_folder(archive, workdir, assignments=[ASSIGNMENT])
    assert _submitted(workdir) == [f"anon_xk3p9/{ASSIGNMENT}/{NAME}", f"doejane/{ASSIGNMENT}/{NAME}",
                                   f"kimsam_12350/{ASSIGNMENT}/{NAME}", f"kimsam_12351/{ASSIGNMENT}/{NAME}",
                                   f"smithjohn/{ASSIGNMENT}/{NAME}", f"smithjohn/{ASSIGNMENT}/extra data.csv"]
    assert (workdir / "submitted" / "doejane" / ASSIGNMENT / NAME).read_bytes() == b"notebook"   # "-1" dropped
    skipped = dict(found.skipped)
    assert set(skipped) == {"leepat_12348_text.html", "README.txt", "bad name!.ipynb"}
    assert "text entry" in skipped["leepat_12348_text.html"] and "student id" in skipped["bad name!.ipynb"]
    record = collected_record(workdir, ASSIGNMENT)
    assert record["students"]["doejane"] == {"notes": ["submitted late (Canvas marked it LATE)"], "lms": "canvas",
                                             "lms_id": "12346", "name": "doejane"}
    assert record["students"]["smithjohn"]["notes"] == []
    assert [s for s, _ in record["skipped"]] == [s for s, _ in found.skipped]


def test_a_moodle_download_in_folders_or_flat(tmp_path):
    workdir = _workdir(tmp_path)
    archive = write_zip(tmp_path / MOODLE_ZIP, moodle_entries(b"notebook", b"other"))
    found = collect_folder(archive, workdir, assignments=[ASSIGNMENT])
    assert _submitted(workdir) == [f"ann_lee/{ASSIGNMENT}/{NAME}", f"john_smith/{ASSIGNMENT}/{NAME}",
                                   f"john_smith/{ASSIGNMENT}/data/extra.csv", f"jurgen_muller/{ASSIGNMENT}/{NAME}",
                                   f"moodle_12347/{ASSIGNMENT}/{NAME}"]
    assert (workdir / "submitted" / "jurgen_muller" / ASSIGNMENT / NAME).read_bytes() == b"other"
    assert dict(found.skipped) == {"John Smith_12345_assignsubmission_onlinetext_":
                                   "a moodle onlinetext entry, not a file submission",
                                   "notes.txt": "is neither a student's folder nor a notebook"}
    identity = collected_record(workdir, ASSIGNMENT)["students"]["jurgen_muller"]
    assert identity == {"notes": [], "lms": "moodle", "lms_id": "12346", "name": "J\u00fcrgen M\u00fcller"}


def test_odd_entries_never_stop_the_batch(tmp_path):
    """The layouts of a plain folder, each with something odd beside it: each odd one is skipped and said why."""
    workdir = _workdir(tmp_path)
    source = tmp_path / "export"
    for path, data in {f"alice/{ASSIGNMENT}/{NAME}": b"a", f"bob/{NAME}": b"b", "carol.ipynb": b"c",
                       f"no way/{ASSIGNMENT}/{NAME}": b"x", "dave.txt": b"x", "erin/": None}.items():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            (source / path).mkdir()                                    # an empty folder
        else:
            (source / path).write_bytes(data)
    found = collect_folder(source, workdir, assignments=[ASSIGNMENT])
    assert _submitted(workdir) == [f"alice/{ASSIGNMENT}/{NAME}", f"bob/{ASSIGNMENT}/{NAME}",
                                   f"carol/{ASSIGNMENT}/{NAME}"]
    assert set(dict(found.skipped)) == {"no way", "dave.txt", "erin"}
    # two assignments known and none given: entries that name none are skipped, the others collected
    found = collect_folder(source, tmp_path / "other", assignments=[ASSIGNMENT, "03-loss-functions"])
    assert set(found.files) == {("alice", ASSIGNMENT)}
    assert "pass the assignment name" in dict(found.skipped)["carol.ipynb"]


def test_a_folder_not_owned_by_the_student_it_names_is_forged(tmp_path):
    import pwd

    if os.geteuid() != 0:
        pytest.skip("needs root to give a folder another owner")
    nobody = pwd.getpwnam("nobody")
    inbound = tmp_path / "inbound"
    for owner, name in ((nobody.pw_uid, "nobody+A+2026-01-01 10:00:00.000000 UTC+abc"),
                        (0, "nobody+A+2099-01-01 00:00:00.000000 UTC+forged"),
                        (0, "alice+A+2026-01-01 10:00:00.000000 UTC+def")):      # no such account: not checked
        (inbound / name).mkdir(parents=True)
        os.chown(inbound / name, owner, -1)
    forged = _forged(inbound, "A")
    assert list(forged) == ["nobody+A+2099-01-01 00:00:00.000000 UTC+forged"]
    assert "owned by root" in forged["nobody+A+2099-01-01 00:00:00.000000 UTC+forged"]
