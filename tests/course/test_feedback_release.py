"""release-feedback when not every submission came through the exchange (a class partly collected from an LMS
download): the exchange's students get their pages, the others are named and left out, nothing crashes; no
pages at all is said plainly. (The whole exchange flow, fetched by each student: test_collect.py.)"""
from __future__ import annotations

from pathlib import Path

from nbgrader.utils import notebook_hash

from dlkit.course.cli import main
from dlkit.course.release import release_feedback

ASSIGNMENT, COURSE = "02-forward-pass", "dlkit-training"


def _workdir(tmp_path, exchange_students, download_students):
    """A graded workdir's feedback/: a page for every student, nbgrader's receipts only beside the exchange's."""
    workdir = tmp_path / "grading"
    workdir.mkdir()
    (workdir / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.course_id = {COURSE!r}\n")
    for student in exchange_students + download_students:
        folder = workdir / "feedback" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.html").write_text(f"<p>{student}: Score 11.0 / 11</p>")
        if student in exchange_students:
            (folder / "timestamp.txt").write_text("2026-12-02 10:00:00.000000 UTC")
            (folder / "submission_secret.txt").write_text(f"secret-of-{student}")
    return workdir


def _released(exchange):
    return sorted(p.name for p in (Path(exchange) / COURSE / "feedback").glob("*.html"))


def test_only_the_exchanges_students_get_pages_the_others_are_named(tmp_path, capsys):
    workdir, exchange = _workdir(tmp_path, ["alice", "carol"], ["doejane"]), tmp_path / "exchange"
    exchange.mkdir(mode=0o1777)
    assert main(["release-feedback", ASSIGNMENT, "--exchange", str(exchange), "--workdir", str(workdir)]) == 0
    said = capsys.readouterr().out
    assert "2 student(s)" in said and "left out 1, not submitted through the exchange" in said and "doejane" in said
    wanted = sorted(f"{notebook_hash(secret=f'secret-of-{s}', notebook_id=ASSIGNMENT)}.html"
                    for s in ("alice", "carol"))
    assert _released(exchange) == wanted


def test_a_class_collected_from_a_download_releases_nothing_and_says_why(tmp_path, capsys):
    workdir, exchange = _workdir(tmp_path, [], ["alice", "bob"]), tmp_path / "exchange"
    exchange.mkdir()
    assert main(["release-feedback", ASSIGNMENT, "--exchange", str(exchange), "--workdir", str(workdir)]) == 1
    said = capsys.readouterr().out
    assert "released no feedback" in said and "alice, bob" in said
    done = release_feedback(ASSIGNMENT, exchange, workdir)
    assert done.released == [] and done.not_from_exchange == ["alice", "bob"]


def test_no_feedback_pages_says_to_run_feedback_first(tmp_path, capsys):
    assert main(["release-feedback", ASSIGNMENT, "--exchange", str(tmp_path), "--workdir", str(tmp_path)]) == 1
    assert f"python -m dlkit.course feedback {ASSIGNMENT}` first" in capsys.readouterr().err
