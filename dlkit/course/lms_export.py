"""The grades as the gradebook CSV that Canvas and Moodle import: one row per student, one column per assignment.

    python -m dlkit.course export --canvas [FILE] --moodle [FILE] [--roster LMS_EXPORT.csv]

**Canvas** (Grades > Import; the format its ``GradebookImporter`` parses): the header ``Student, ID, SIS User ID,
SIS Login ID, Section`` then one column per assignment (``Title`` creates an assignment, ``Title (id)`` as in
Canvas's own export updates that one); a second row whose first cell is ``Points Possible`` gives each
assignment's points. A student is matched by ``ID`` (the Canvas user id), else ``SIS User ID`` / ``SIS Login ID``,
else by name. An empty cell is no grade.

**Moodle** (Grades > Import > CSV file; its ``gradeimport_csv``): a header row, one row per student; in the
import form "Map from" one identifier column (here ``Email address``, ``ID number`` or ``Username``) to the same
user field, and "Map to" each assignment column to a grade item (or "new grade item"). An empty cell is no grade.
Moodle aborts the whole import on a row whose user it cannot find, so a row is written only for a student with
an identifier: from ``--roster`` (Moodle's own grade export or participant list), else the student id as the
username (a hub or exchange account); the others are listed, left out.

``--roster`` is the LMS's own export (Canvas: Grades > Export; Moodle: Grades > Export > Plain text file); a
student id is matched to its row by an identifier column, the Canvas user id collected from a Canvas zip, or the
name (``John Smith`` <-> ``john_smith``, ``Doe, Jane`` <-> ``doejane``). Its columns are copied as they are.
A score under review is exported empty (no grade), as is a missing submission.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .collect import collected_record
from .coursedir import DEFAULT_WORKDIR, Workdir
from .lms import CANVAS, MOODLE, student_id_from_name
from .results import final_grades

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS = "Points Possible"
MOODLE_IDENTIFIERS = ["Email address", "ID number", "Username"]
MOODLE_NAMES = ["First name", "Last name"]
NAME_COLUMNS = ("Student", "Full name")          # where a roster keeps a whole name
NO_GRADE = ""
DELIMITERS = ",;"


# ---------------------------------------------------------------- the roster

def read_roster(path):
    """The rows of an LMS export (comma or semicolon separated, a BOM allowed) as dicts; Canvas's Points
    Possible row and its test student dropped."""
    text = Path(path).read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=DELIMITERS)
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    return [r for r in rows if CANVAS_POINTS not in (r.get("Student") or "") and r.get("Student") != "Student, Test"]


def _squashed(name):
    return student_id_from_name(name).replace("_", "")


def _row_names(row):
    whole = [row[c] for c in NAME_COLUMNS if row.get(c)]
    if row.get("First name") or row.get("Last name"):
        whole.append(f"{row.get('First name', '')} {row.get('Last name', '')}")
    return whole + [", ".join(reversed(n.rsplit(" ", 1))) for n in whole if " " in n and "," not in n]


def _matches(row, student, identity):
    ids = {v.strip().lower() for k, v in row.items() if k in CANVAS_COLUMNS[1:4] + MOODLE_IDENTIFIERS and v}
    if student.lower() in ids or (identity.get("lms") == CANVAS and identity.get("lms_id") in ids):
        return True
    names = {_squashed(n) for n in _row_names(row)}
    wanted = {_squashed(student), _squashed(identity.get("name", ""))} - {""}
    return bool(names & wanted)


def match_roster(students, identities, roster):
    """{student: the roster row that is theirs}; a row claimed by two students is given to neither."""
    found = {}
    for s in students:
        rows = [r for r in roster if _matches(r, s, identities.get(s, {}))]
        if len(rows) == 1:
            found[s] = rows[0]
    taken = [id(r) for r in found.values()]
    return {s: r for s, r in found.items() if taken.count(id(r)) == 1}


# ---------------------------------------------------------------- the grades

def _grades_table(workdir, assignments=None):
    """({student: {assignment: score text}}, {assignment: max score}, {student: LMS identity})."""
    table, points, identities = {}, {}, {}
    for g in final_grades(workdir, assignments):
        table.setdefault(g.student, {})[g.assignment] = NO_GRADE if g.score is None else f"{g.score:g}"
        points[g.assignment] = max(points.get(g.assignment, 0.0), g.max_score)
    for a in points:
        for s, info in collected_record(workdir, a)["students"].items():
            if info.get("lms"):
                identities[s] = info
    return table, points, identities


def _column_titles(assignments, roster_header):
    """Each assignment's column title: the roster's column naming it (``02-forward-pass (1234)``), else its name."""
    return {a: next((h for h in roster_header if h == a or h.startswith(f"{a} (")
                     or h.endswith(f": {a} (Real)")), a) for a in assignments}


def _write(out, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    Path(out).write_text(buf.getvalue())


def canvas_csv(workdir=DEFAULT_WORKDIR, out=None, roster=None, assignments=None):
    """Write the Canvas gradebook import CSV; returns (path, students left out: none, Canvas adds the
    unmatched ones for the instructor to resolve in its import preview)."""
    out = Path(out) if out else Workdir(workdir).path / "canvas.csv"
    table, points, identities = _grades_table(workdir, assignments)
    rows = read_roster(roster) if roster else []
    matched = match_roster(table, identities, rows)
    titles = _column_titles(sorted(points), list(rows[0]) if rows else [])
    lines = [[CANVAS_POINTS] + [""] * (len(CANVAS_COLUMNS) - 1) + [f"{points[a]:g}" for a in sorted(points)]]
    for s in sorted(table):
        row, identity = matched.get(s, {}), identities.get(s, {})
        canvas_id = identity.get("lms_id", "") if identity.get("lms") == CANVAS else ""
        person = [row.get("Student") or identity.get("name") or s, row.get("ID") or canvas_id,
                  row.get("SIS User ID", ""), row.get("SIS Login ID") or ("" if roster else s), row.get("Section", "")]
        lines.append(person + [table[s].get(a, NO_GRADE) for a in sorted(points)])
    _write(out, CANVAS_COLUMNS + [titles[a] for a in sorted(points)], lines)
    return out, []


def moodle_csv(workdir=DEFAULT_WORKDIR, out=None, roster=None, assignments=None):
    """Write the Moodle grade import CSV; returns (path, [students left out: no identifier Moodle knows])."""
    out = Path(out) if out else Workdir(workdir).path / "moodle.csv"
    table, points, identities = _grades_table(workdir, assignments)
    rows = read_roster(roster) if roster else []
    matched = match_roster(table, identities, rows)
    titles = _column_titles(sorted(points), list(rows[0]) if rows else [])
    lines, left_out = [], []
    for s in sorted(table):
        if roster and s not in matched or not roster and identities.get(s, {}).get("lms") == MOODLE:
            left_out.append(s)                 # Moodle would abort the whole import on this row
            continue
        row = matched.get(s, {"Username": s})
        person = [row.get(c, "") for c in MOODLE_NAMES + MOODLE_IDENTIFIERS]
        lines.append(person + [table[s].get(a, NO_GRADE) for a in sorted(points)])
    _write(out, MOODLE_NAMES + MOODLE_IDENTIFIERS + [titles[a] for a in sorted(points)], lines)
    return out, left_out
