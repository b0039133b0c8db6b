"""Results: one student's outcome, the results/<a>.json files, the main gradebook (merge and backup).

No two processes ever write one gradebook: every submission is graded in a scratch course of its own and the
scores are merged into the main gradebook serially afterwards. Before each grading run the gradebook is copied.
"""
from __future__ import annotations

import datetime
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .coursedir import SQLITE, Workdir

JSON_INDENT = 1


@dataclass
class Result:
    """One student's outcome for one assignment."""

    student: str
    assignment: str
    score: float | None = None                    # None: needs manual grading (see reasons)
    max_score: float = 0.0
    needs_manual: bool = False
    reasons: list = field(default_factory=list)   # why it needs manual grading
    notes: list = field(default_factory=list)     # what was noticed but did not block a score
    cells: dict = field(default_factory=dict)     # grade_id -> points (autograder's, even when withheld)
    messages: dict = field(default_factory=dict)  # grade_id -> the failure message
    withheld: float | None = None                 # the automatic score held back for review

    def manual(self, reason):
        self.needs_manual = True
        if reason not in self.reasons:
            self.reasons.append(reason)

    def note(self, note):
        """Add a note once."""
        if note not in self.notes:
            self.notes.append(note)


def load_results(workdir, assignments=None):
    """{assignment: [Result]} from workdir/results/*.json (only ``assignments`` when given)."""
    folder = Workdir(workdir).results_folder
    out = {}
    for f in sorted(folder.glob("*.json")) if folder.exists() else []:
        if assignments and f.stem not in assignments:
            continue
        out[f.stem] = [Result(**r) for r in json.loads(f.read_text())]
    return out


def save_results(workdir, assignment, results, keep_others=False):
    """Write results/<assignment>.json, sorted by student; ``keep_others``: students not in results keep theirs."""
    merged = {r.student: r for r in load_results(workdir, [assignment]).get(assignment, [])} if keep_others else {}
    merged.update({r.student: r for r in results})
    path = Workdir(workdir).results(assignment)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps([asdict(merged[s]) for s in sorted(merged)], indent=JSON_INDENT, sort_keys=True))


# ---------------------------------------------------------------- the main gradebook

def merge(workdir, result, scratch, course_id):
    """Write one result into the main gradebook (serially) and copy the executed notebook next to it."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry

    dest = workdir.autograded(result.student, result.assignment)
    with Gradebook(workdir.db_url, course_id=course_id) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # SQLAlchemy's autoflush chatter inside nbgrader
        gb.update_or_create_student(result.student)
        try:
            gb.remove_submission(result.assignment, result.student)
        except MissingEntry:
            pass
        if dest.exists():
            shutil.rmtree(dest)
        if scratch is None:
            return
        sub = gb.add_submission(result.assignment, result.student)
        for nb in sub.notebooks:
            for g in nb.grades:
                pts = result.cells.get(g.name)
                if result.needs_manual:
                    g.auto_score, g.needs_manual_grade = 0.0, True      # automatic points withheld for review
                elif pts is not None:
                    g.auto_score, g.needs_manual_grade = pts, False
        gb.db.commit()
    shutil.copytree(Workdir(scratch).autograded(result.student, result.assignment), dest)


def prune(db, course_id):
    """Remove every submission and student from a SQLite gradebook copy (the scratch courses' template)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"{SQLITE}{db}", course_id=course_id) as gb:
        for student in list(gb.students):
            gb.remove_student(student.id)


def backup_gradebook(workdir, db_url, target=None):
    """Copy the gradebook before a grading run: the SQLite file of a ``sqlite:///PATH`` URL, or for any other
    SQLAlchemy URL (PostgreSQL, MySQL, ``sqlite+DRIVER://``) a JSON dump of its students and grades. Returns the
    backup's path, or None when there is no gradebook yet."""
    backups = Workdir(workdir).backups
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backups.mkdir(exist_ok=True)
    if db_url.startswith(SQLITE):
        src = Path(db_url[len(SQLITE):])
        if src.exists():
            import sqlite3

            target = Path(target) if target else backups / f"gradebook-{stamp}.db"
            with sqlite3.connect(str(src)) as a, sqlite3.connect(str(target)) as b:
                a.backup(b)                              # consistent even while something reads it
            return target
        return None
    return _dump_gradebook(db_url, Path(target) if target else backups / f"gradebook-{stamp}.json")


def _gradebook_rows(db):
    """Every grade of a gradebook session as plain dicts, sorted by assignment, student, notebook and cell."""
    from nbgrader.api import Assignment

    rows = []
    for a in db.query(Assignment).order_by(Assignment.name):
        for s in sorted(a.submissions, key=lambda s: s.student_id):
            for nb in sorted(s.notebooks, key=lambda nb: nb.name):
                for g in sorted(nb.grades, key=lambda g: g.name):
                    rows.append({"assignment": a.name, "student": s.student_id, "notebook": nb.name,
                                 "cell": g.name, "auto_score": g.auto_score, "manual_score": g.manual_score,
                                 "extra_credit": g.extra_credit, "max_score": g.max_score,
                                 "needs_manual_grade": g.needs_manual_grade})
    return rows


def _dump_gradebook(db_url, target):
    """Write every student and grade of the gradebook at db_url to target (JSON); None if it has no tables.

    Read with a plain SQLAlchemy session, not nbgrader's Gradebook, which writes as it opens (it creates missing
    tables through the `alembic` script and adds a course row): a backup must leave the database as it found it.
    """
    from nbgrader.api import Student
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.orm import Session

    engine = create_engine(db_url)
    try:
        if not inspect(engine).has_table("assignment"):
            return None
        with Session(engine) as db:
            students = sorted(s.id for s in db.query(Student))
            rows = _gradebook_rows(db)
    finally:
        engine.dispose()
    target.write_text(json.dumps({"db_url": make_url(db_url).render_as_string(hide_password=True),
                                  "students": students, "grades": rows}, indent=JSON_INDENT))
    return target
