"""Results: one student's outcome, the results/<a>.json files, the main gradebook (merge, read, backup).

No two processes ever write one gradebook: every submission is graded in a scratch course of its own and the
scores are merged into the main gradebook serially afterwards. Before each grading run the gradebook is copied.
What the instructor entered in the formgrader (manual scores, extra credit, comments, flags) survives a regrade:
the merge carries it over to the new submission, and the final score of a cell is nbgrader's: the manual score
when there is one, else the automatic one (plus extra credit).
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
    unrun: list = field(default_factory=list)     # grade_ids of tests that never ran (the kernel died before them)

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

@dataclass
class ByHand:
    """What the instructor entered on one submission in the formgrader, keyed by (notebook, cell name)."""

    grades: dict = field(default_factory=dict)       # -> (manual_score, extra_credit)
    comments: dict = field(default_factory=dict)     # -> manual_comment
    flagged: set = field(default_factory=set)        # notebook names

    def __bool__(self):
        return bool(self.grades or self.comments or self.flagged)


def by_hand(submission):
    """The manual scores, extra credit, comments and flags of a gradebook submission (a SubmittedAssignment)."""
    work = ByHand()
    for nb in submission.notebooks:
        for g in nb.grades:
            if g.manual_score is not None or g.extra_credit is not None:
                work.grades[(nb.name, g.name)] = (g.manual_score, g.extra_credit)
        for c in nb.comments:
            if c.manual_comment:
                work.comments[(nb.name, c.name)] = c.manual_comment
        if nb.flagged:
            work.flagged.add(nb.name)
    return work


def _restore(submission, work):
    """Put the instructor's work back on a freshly merged submission: a manual score is the cell's grade."""
    for nb in submission.notebooks:
        for g in nb.grades:
            if (nb.name, g.name) in work.grades:
                g.manual_score, g.extra_credit = work.grades[(nb.name, g.name)]
                if g.manual_score is not None:
                    g.needs_manual_grade = False                 # graded by hand: nothing left to review
        for c in nb.comments:
            c.manual_comment = work.comments.get((nb.name, c.name), c.manual_comment)
        nb.flagged = nb.flagged or nb.name in work.flagged


def _set_auto_scores(submission, result):
    """The autograder's points: withheld for review (0, needs_manual_grade), or per cell, the tests that never
    ran left to grade by hand."""
    for nb in submission.notebooks:
        for g in nb.grades:
            pts = result.cells.get(g.name)
            if result.withheld is not None or (result.needs_manual and result.score is None):
                g.auto_score, g.needs_manual_grade = 0.0, True          # automatic points withheld for review
            elif pts is not None:
                g.auto_score, g.needs_manual_grade = pts, g.name in result.unrun


def _kept_note(work):
    parts = [f"{len(work.grades)} grade(s)" if work.grades else "", f"{len(work.comments)} comment(s)"
             if work.comments else "", "the flag" if work.flagged else ""]
    return "kept what was entered by hand in the formgrader: " + ", ".join(p for p in parts if p)


def merge(workdir, result, scratch, course_id):
    """Write one result into the main gradebook (serially) and copy the executed notebook next to it. Manual
    scores, extra credit, comments and flags entered earlier are kept; when this run could not grade the
    submission (scratch is None), a previous submission holding such work is left as it is."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry

    dest = workdir.autograded(result.student, result.assignment)
    with Gradebook(workdir.db_url, course_id=course_id) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # SQLAlchemy's autoflush chatter inside nbgrader
        gb.update_or_create_student(result.student)
        try:
            work = by_hand(gb.find_submission(result.assignment, result.student))
        except MissingEntry:
            work = ByHand()
        if work:
            result.note(_kept_note(work))
            if scratch is None:
                return                                   # nothing new to merge: the graded submission stays
            gb.remove_submission(result.assignment, result.student)
        else:
            try:
                gb.remove_submission(result.assignment, result.student)
            except MissingEntry:
                pass
        if dest.exists():
            shutil.rmtree(dest)
        if scratch is None:
            return
        sub = gb.add_submission(result.assignment, result.student)
        _set_auto_scores(sub, result)
        _restore(sub, work)
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


def read_gradebook(db_url):
    """(student ids, every grade as a dict) of the gradebook at db_url; None when it has no tables yet.

    Read with a plain SQLAlchemy session, not nbgrader's Gradebook, which writes as it opens (it creates missing
    tables through the `alembic` script and adds a course row): a backup or an export leaves the database as it
    found it.
    """
    from nbgrader.api import Student
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.orm import Session

    if db_url.startswith(SQLITE) and not Path(db_url[len(SQLITE):]).exists():
        return None                                  # no gradebook yet (and none made by looking)
    engine = create_engine(db_url)
    try:
        if not inspect(engine).has_table("assignment"):
            return None
        with Session(engine) as db:
            return sorted(s.id for s in db.query(Student)), _gradebook_rows(db)
    finally:
        engine.dispose()


@dataclass
class Graded:
    """One submission as the gradebook holds it: nbgrader's score (a manual score replaces the automatic one of
    its cell; extra credit adds), and whether a cell still waits for the instructor."""

    score: float = 0.0
    max_score: float = 0.0
    needs_manual: bool = False
    by_hand: int = 0                                # cells with a manual score


def gradebook_scores(db_url):
    """{(assignment, student): Graded} of every submission in the gradebook at db_url (read only)."""
    found = read_gradebook(db_url)
    out = {}
    for g in found[1] if found else []:
        total = out.setdefault((g["assignment"], g["student"]), Graded())
        manual = g["manual_score"]
        total.score += (manual if manual is not None else g["auto_score"] or 0.0) + (g["extra_credit"] or 0.0)
        total.max_score += g["max_score"] or 0.0
        total.needs_manual |= bool(g["needs_manual_grade"])
        total.by_hand += manual is not None
    return out


def _dump_gradebook(db_url, target):
    """Write every student and grade of the gradebook at db_url to target (JSON); None if it has no tables."""
    from sqlalchemy.engine import make_url

    found = read_gradebook(db_url)
    if found is None:
        return None
    students, rows = found
    target.write_text(json.dumps({"db_url": make_url(db_url).render_as_string(hide_password=True),
                                  "students": students, "grades": rows}, indent=JSON_INDENT))
    return target


# ---------------------------------------------------------------- the final grades

@dataclass
class FinalGrade:
    """One student's grade of one assignment as it is exported: the gradebook's score (manual grades included)
    where the gradebook holds the submission, else the autograder's; None while it is under review."""

    assignment: str
    student: str
    score: float | None
    max_score: float
    needs_manual: bool
    by_hand: int = 0                                # cells graded by hand in the formgrader
    reasons: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _final(assignment, student, result, graded):
    if graded is None:
        return FinalGrade(assignment, student, result.score, result.max_score, result.needs_manual,
                          reasons=result.reasons, notes=result.notes)
    # withheld (no automatic score) and not yet graded by hand: under review
    under_review = graded.needs_manual and (result is None or result.score is None)
    return FinalGrade(assignment, student, None if under_review else graded.score, graded.max_score,
                      graded.needs_manual, graded.by_hand, result.reasons if result else [],
                      result.notes if result else [])


def final_grades(workdir, assignments=None):
    """[FinalGrade] of every result in workdir/results and every submission in its gradebook (only
    ``assignments`` when given), sorted by assignment and student."""
    results = {(a, r.student): r for a, rs in load_results(workdir, assignments).items() for r in rs}
    book = {k: g for k, g in gradebook_scores(Workdir(workdir).db_url).items()
            if not assignments or k[0] in assignments}
    return [_final(a, s, results.get((a, s)), book.get((a, s))) for a, s in sorted(set(results) | set(book))]
