"""dlkit.course.lms_export: the Canvas and Moodle gradebook CSVs, read back by the rules each LMS's importer applies.

``canvas_import`` follows Canvas's ``GradebookImporter`` (app/models/gradebook_importer.rb): the header's first
cells hold "Student" and "ID", then "SIS User ID" and "SIS Login ID", the last student column holds "Section";
a row whose first cell holds "Points Possible" sets the assignments' points; a student is found by ID, else SIS
User ID, else SIS Login ID, else by name or sortable name; "" and "-" are no score. ``moodle_import`` follows
Moodle's ``gradeimport_csv_load_data``: one column mapped to a user field (id, idnumber, email, username), the
grade columns to grade items; a row whose user is not found aborts the whole import; "" and "-" are no grade.
"""
import csv
import io

import pytest

from dlkit.course.collect import collect_folder
from dlkit.course.lms_export import canvas_csv, moodle_csv
from dlkit.course.results import Result, save_results
from tests.course.lms_downloads import (CANVAS_EXPORT, CANVAS_ZIP, MOODLE_EXPORT, MOODLE_ZIP, canvas_entries,
                                        moodle_entries, write_zip)
from tests.course.submissions import ASSIGNMENT, NAME

CANVAS_STUDENTS = {"12346": ("Jane Doe", "Doe, Jane", "S-001", "jdoe"), "12347": ("John Smith", "Smith, John",
                                                                                  "S-002", "jsmith")}
MOODLE_USERS = [{"id": 7, "idnumber": "S-002", "email": "john.smith@uni.example", "username": "jsmith"},
                {"id": 8, "idnumber": "S-003", "email": "j.mueller@uni.example", "username": "jmueller"},
                {"id": 9, "idnumber": "S-004", "email": "ann.lee@uni.example", "username": "alee"}]


def canvas_import(text):
    """(points possible {title: points}, {Canvas user id or "new: <name>": {title: grade or None}})."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], header
    assert header[2] == "SIS User ID" and header[3] == "SIS Login ID" and "Section" in header[4], header
    titles = header[5:]
    points, grades = {}, {}
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            points = {t: float(v) for t, v in zip(titles, row[5:]) if v}
            continue
        found = row[1] if row[1] in CANVAS_STUDENTS else next(
            (i for i, (name, sortable, sis, login) in CANVAS_STUDENTS.items()
             if row[2] and row[2] == sis or row[3] and row[3] == login or row[0] in (name, sortable)),
            f"new: {row[0]}")
        grades[found] = {t: None if v.strip() in ("", "-") else float(v) for t, v in zip(titles, row[5:])}
    return points, grades


def moodle_import(text, map_from, user_field):
    """{Moodle user id: {column: grade or None}}; raises as Moodle aborts: a row whose user is unknown."""
    rows = list(csv.DictReader(io.StringIO(text)))
    out = {}
    for row in rows:
        user = next((u for u in MOODLE_USERS if str(u[user_field]) == row[map_from] and row[map_from]), None)
        if user is None:
            raise LookupError(f"user mapping error: {row[map_from]!r} not found (the whole import is aborted)")
        grades = {k: v for k, v in row.items() if k not in ("First name", "Last name", "Email address", "ID number",
                                                             "Username")}
        out[user["id"]] = {k: None if v.strip() in ("", "-") else float(v) for k, v in grades.items()}
    return out


def _graded(tmp_path, zip_name, entries, scores):
    """A workdir collected from an LMS zip, with results/<a>.json: {student: score or None (under review)}."""
    workdir = tmp_path / "work"
    (workdir / "release" / ASSIGNMENT).mkdir(parents=True)
    (workdir / "release" / ASSIGNMENT / NAME).write_text("{}")
    collect_folder(write_zip(tmp_path / zip_name, entries), workdir, assignments=[ASSIGNMENT])
    save_results(workdir, ASSIGNMENT, [Result(s, ASSIGNMENT, score=v, max_score=11.0, needs_manual=v is None)
                                       for s, v in scores.items()])
    return workdir


def test_canvas_csv_imports_by_canvas_id_with_points_possible(tmp_path):
    workdir = _graded(tmp_path, CANVAS_ZIP, canvas_entries(b"n", b"o"),
                      {"doejane": 11.0, "smithjohn": 6.5, "kimsam_12350": None})
    out, left_out = canvas_csv(workdir)
    points, grades = canvas_import(out.read_text())
    assert points == {ASSIGNMENT: 11.0} and left_out == []
    assert grades["12346"] == {ASSIGNMENT: 11.0} and grades["12347"] == {ASSIGNMENT: 6.5}
    assert grades["new: kimsam"] == {ASSIGNMENT: None}        # under review: no grade (and not in this course)


def test_canvas_csv_with_the_gradebook_export_as_roster_updates_its_assignment(tmp_path):
    workdir = _graded(tmp_path, CANVAS_ZIP, canvas_entries(b"n", b"o"), {"doejane": 11.0, "smithjohn": 6.5})
    roster = tmp_path / "canvas-export.csv"
    roster.write_text(CANVAS_EXPORT)
    out, _ = canvas_csv(workdir, roster=roster)
    header = next(csv.reader(io.StringIO(out.read_text())))
    assert header[5:] == [f"{ASSIGNMENT} (902)"]                       # Canvas's own column: that assignment
    rows = {r["Student"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows["Doe, Jane"]["SIS Login ID"] == "jdoe" and rows["Doe, Jane"]["Section"] == "DL 101 A"
    assert canvas_import(out.read_text())[1]["12347"] == {f"{ASSIGNMENT} (902)": 6.5}


def test_moodle_csv_needs_an_identifier_moodle_knows(tmp_path):
    workdir = _graded(tmp_path, MOODLE_ZIP, moodle_entries(b"n", b"o"),
                      {"john_smith": 9.0, "jurgen_muller": 11.0, "ann_lee": None, "moodle_12347": 3.0})
    out, left_out = moodle_csv(workdir)
    assert left_out == ["ann_lee", "john_smith", "jurgen_muller", "moodle_12347"]   # names are no Moodle ids
    assert len(out.read_text().splitlines()) == 1
    roster = tmp_path / "moodle-export.csv"
    roster.write_text(MOODLE_EXPORT)
    out, left_out = moodle_csv(workdir, roster=roster)
    assert left_out == ["moodle_12347"]                                # not in Moodle's list: would abort it
    column = f"Assignment: {ASSIGNMENT} (Real)"
    for map_from, field in (("Email address", "email"), ("ID number", "idnumber")):
        assert moodle_import(out.read_text(), map_from, field) == {7: {column: 9.0}, 8: {column: 11.0},
                                                                   9: {column: None}}


def test_moodle_csv_of_hub_accounts_uses_the_username(tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    save_results(workdir, ASSIGNMENT, [Result("jsmith", ASSIGNMENT, score=4.0, max_score=11.0)])
    out, left_out = moodle_csv(workdir)
    assert left_out == [] and moodle_import(out.read_text(), "Username", "username") == {7: {ASSIGNMENT: 4.0}}
    save_results(workdir, ASSIGNMENT, [Result("stranger", ASSIGNMENT, score=1.0, max_score=11.0)], keep_others=True)
    with pytest.raises(LookupError, match="stranger"):       # an account Moodle does not know: it aborts
        moodle_import(moodle_csv(workdir)[0].read_text(), "Username", "username")
