"""Collecting submissions into a workdir: from an nbgrader exchange, or from a folder or zip (an LMS download).

    python -m dlkit.course collect  ASSIGNMENT --exchange DIR    # nbgrader collect from an exchange
    python -m dlkit.course collect  [ASSIGNMENT] --from PATH     # folder or zip: student/assignment/*.ipynb,
                                                                 #   student/*.ipynb, student.ipynb, or the
                                                                 #   "download all submissions" zip of Canvas
                                                                 #   or Moodle (dlkit.course.lms)

Submissions are *copied* into ``submitted/<student>/<assignment>/``; the exchange, zip or folder is only read.
An entry that cannot be used (a name that is no student id, a file that is no submission, a Canvas text entry)
is skipped and reported, never the end of the batch. What was noticed (a Canvas LATE flag, the LMS's names and
ids, what was skipped) is kept in ``collected/<assignment>.json``; grading adds each student's notes to their
result, and the LMS export reads the ids.
"""
from __future__ import annotations

import collections
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .coursedir import DEFAULT_WORKDIR, Workdir, course_id
from .lms import MOODLE_FILES, lms_entry, original_file_name, student_id_from_name
from .processes import nbgrader
from .release import assignments as course_assignments

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")
NOT_SUBMISSIONS = (".", "__MACOSX")         # names that archivers and file browsers add
CHECKPOINTS = ".ipynb_checkpoints"
NOTEBOOK = ".ipynb"
JSON_INDENT = 1


@dataclass
class Collected:
    """What one collection found: the files of each submission (destination name -> source path), the entries
    it skipped and why, each submission's notes, and each student's LMS identity."""

    files: dict = field(default_factory=lambda: collections.defaultdict(dict))    # (student, a) -> {name: path}
    skipped: list = field(default_factory=list)                                  # (entry name, reason)
    notes: dict = field(default_factory=lambda: collections.defaultdict(list))   # (student, a) -> [note]
    identities: dict = field(default_factory=dict)                               # student -> {lms, lms_id, name}

    def __len__(self):
        return len(self.files)

    def skip(self, entry, reason):
        self.skipped.append((str(entry), reason))


def _safe_student(name):
    name = name.strip()
    if not STUDENT_ID.match(name):
        raise ValueError(f"{name!r} is not a usable student id (letters, digits, _ . @ + -)")
    return name


def _files_below(folder):
    return {str(f.relative_to(folder)): f for f in sorted(folder.rglob("*"))
            if f.is_file() and CHECKPOINTS not in f.parts}


# ---------------------------------------------------------------- the exchange

def _forged(inbound, assignment):
    """The inbound folders of assignment whose owner is not the account their name claims (another student's
    drop under a victim's name): {folder name: why}. A name that is no account here cannot be checked."""
    import pwd

    forged = {}
    for folder in sorted(Path(inbound).glob(f"*+{assignment}+*")):
        student = folder.name.split("+", 1)[0]
        try:
            claimed = pwd.getpwnam(student).pw_uid
        except KeyError:
            continue
        owner = folder.stat().st_uid
        if owner != claimed:
            try:
                owner_name = pwd.getpwuid(owner).pw_name
            except KeyError:
                owner_name = f"uid {owner}"
            forged[folder.name] = f"submitted under {student}'s name but owned by {owner_name}: not collected"
    return forged


def _genuine_view(exchange, course, assignment, forged, tmp):
    """An exchange root in tmp whose inbound/ links only the genuine folders of assignment."""
    inbound = Path(exchange) / course / "inbound"
    view = Path(tmp) / course / "inbound"
    view.mkdir(parents=True)
    for folder in inbound.glob(f"*+{assignment}+*"):
        if folder.name not in forged:
            (view / folder.name).symlink_to(folder, target_is_directory=True)
    return Path(tmp)


def collect_exchange(assignment, exchange, workdir=DEFAULT_WORKDIR):
    """``nbgrader collect`` from an exchange into workdir/submitted (the exchange's copies stay as they are).
    A submission dropped under another student's name (its folder is not owned by that student's account) is
    left out and reported in collected/<assignment>.json. Returns the students collected."""
    workdir = Workdir(Path(workdir).resolve())
    course = course_id(workdir.root)
    inbound = Path(exchange) / course / "inbound"
    forged = _forged(inbound, assignment) if inbound.is_dir() and os.name == "posix" else {}
    with tempfile.TemporaryDirectory() as tmp:
        root = _genuine_view(exchange, course, assignment, forged, tmp) if forged else exchange
        nbgrader(workdir.path, "collect", assignment, "--update", f"--Exchange.root={root}", "--log-level=ERROR")
    found = Collected()
    for name, why in forged.items():
        found.skip(name, why)
    _write_record(workdir, assignment, found)
    return workdir.students(assignment)


# ---------------------------------------------------------------- a folder or zip

def _extract(zip_path, dest):
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            target = (dest / info.filename).resolve()
            if not str(target).startswith(str(dest.resolve())):
                raise ValueError(f"{zip_path}: {info.filename!r} points outside the archive")
        z.extractall(dest)


def _unwrap(folder, known):
    """A zip of one top folder holding the students: that folder; else folder itself."""
    inner = [p for p in folder.iterdir() if not p.name.startswith(NOT_SUBMISSIONS)]
    if len(inner) == 1 and inner[0].is_dir() and inner[0].name not in known and \
            lms_entry(inner[0].name, True) is None and \
            not any(c.is_dir() and c.name in known for c in inner[0].iterdir()):
        return inner[0]
    return folder


def _the_assignment(assignment, known):
    """The assignment of entries that do not name one: the one given, else the only one prepared."""
    if assignment:
        return assignment
    if len(known) == 1:
        return next(iter(known))
    raise ValueError("names no assignment: pass the assignment name (collect ASSIGNMENT --from ...)")


def _student_folder(found, entry, known, assignment, expected):
    """student/assignment/files or student/files."""
    student = _safe_student(entry.name)
    subdirs = [d for d in sorted(entry.iterdir()) if d.is_dir() and d.name in known]
    for d in subdirs:
        if not assignment or d.name == assignment:
            found.files[(student, d.name)].update(_files_below(d))
    if not subdirs:
        a = _the_assignment(assignment, known)
        found.files[(student, a)].update({f.name: f for f in sorted(entry.iterdir()) if f.is_file()})


def _flat_notebook(found, entry, known, assignment, expected):
    """student.ipynb, graded under the released notebook's name."""
    a = _the_assignment(assignment, known)
    found.files[(_safe_student(entry.stem), a)][expected.get(a) or entry.name] = entry


def _plain_entry(found, entry, known, assignment, expected):
    if entry.is_dir():
        _student_folder(found, entry, known, assignment, expected)
    elif entry.suffix == NOTEBOOK:
        _flat_notebook(found, entry, known, assignment, expected)
    else:
        raise ValueError("is neither a student's folder nor a notebook")


def _lms_ids(entries):
    """{(lms, lms id): student id}: the id from the name; names that give one id get their LMS id appended."""
    by_id = {}
    for _, e in entries:
        by_id[(e.lms, e.lms_id)] = student_id_from_name(e.name) or f"{e.lms}_{e.lms_id}"
    counts = collections.Counter(by_id.values())
    return {key: f"{base}_{key[1]}" if counts[base] > 1 else base for key, base in by_id.items()}


def _lms_entries(found, entries, known, assignment, expected):
    """Canvas files and Moodle folders or files, grouped by student."""
    ids = _lms_ids(entries)
    for path, e in entries:
        try:
            student = _safe_student(ids[(e.lms, e.lms_id)])
            a = _the_assignment(assignment, known)
        except ValueError as err:
            found.skip(path.name, str(err))
            continue
        if e.kind != MOODLE_FILES:
            found.skip(path.name, f"a {e.lms} {e.kind} entry, not a file submission")
            continue
        found.identities[student] = {"lms": e.lms, "lms_id": e.lms_id, "name": e.name}
        if path.is_dir():
            found.files[(student, a)].update(_files_below(path))
        else:
            found.files[(student, a)][original_file_name(e, expected.get(a))] = path
        if e.late:
            note = f"submitted late ({e.lms.capitalize()} marked it LATE)"
            if note not in found.notes[(student, a)]:
                found.notes[(student, a)].append(note)


def _scan(source, known, assignment, expected):
    """Every submission in a folder, each odd entry skipped with the reason."""
    found, lms = Collected(), []
    for entry in sorted(source.iterdir()):
        if entry.name.startswith(NOT_SUBMISSIONS):
            continue
        described = lms_entry(entry.name, entry.is_dir())
        if described is not None:
            lms.append((entry, described))
            continue
        try:
            _plain_entry(found, entry, known, assignment, expected)
        except (ValueError, OSError) as err:
            found.skip(entry.name, str(err))
    _lms_entries(found, lms, known, assignment, expected)
    for key in [k for k, files in found.files.items() if not files]:
        del found.files[key]
        found.skip(key[0], f"no files for {key[1]}")
    return found


def _copy_submission(workdir, student, assignment, files):
    """Copy one student's files to submitted/<student>/<assignment>/, replacing an earlier collection."""
    dest = workdir.submitted(student, assignment)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name, source in files.items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest / name)         # copyfile: no permission bits carried over


def _write_record(workdir, assignment, found):
    """collected/<assignment>.json: each student's notes and LMS identity (merged with earlier collections), and
    what this collection skipped."""
    path = workdir.collected(assignment)
    record = json.loads(path.read_text()) if path.exists() else {"students": {}}
    for (student, a), files in found.files.items():
        if a == assignment:
            record["students"][student] = {"notes": found.notes.get((student, a), []),
                                           **found.identities.get(student, {})}
    record["skipped"] = found.skipped
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(record, indent=JSON_INDENT, sort_keys=True))


def collected_record(workdir, assignment):
    """The collected/<assignment>.json of a workdir: {"students": {student: {notes, lms, lms_id, name}},
    "skipped": [[entry, reason]]} (empty when nothing was collected from an LMS or an exchange)."""
    path = Workdir(workdir).collected(assignment)
    return json.loads(path.read_text()) if path.exists() else {"students": {}, "skipped": []}


def collect_folder(source, workdir=DEFAULT_WORKDIR, assignment=None, assignments=None, root=None):
    """Copy submissions from a folder or zip into workdir/submitted/<student>/<assignment>/; returns Collected.

    Layouts: ``student/assignment/*``; ``student/*`` or flat ``student.ipynb``; the downloads of Canvas and
    Moodle (these three name no assignment: ``assignment``, else the only one prepared). The assignments known:
    ``assignments``, else those prepared in the workdir, else the course's (of ``root``). The source is only read.
    """
    workdir = Workdir(Path(workdir).resolve())
    known = set(assignments or workdir.assignments() if (workdir.path / "source").exists()
                else assignments or course_assignments(root))
    expected = {a: next(workdir.release(a).glob("*.ipynb")).name for a in known
                if workdir.release(a).is_dir() and any(workdir.release(a).glob("*.ipynb"))}
    source = Path(source)
    with tempfile.TemporaryDirectory() as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            _extract(source, Path(tmp))
            source = _unwrap(Path(tmp), known)
        found = _scan(source, known, assignment, expected)
        for (student, a), files in found.files.items():
            _copy_submission(workdir, student, a, files)
    for a in sorted({a for _, a in found.files} | ({assignment} if assignment else set())):
        _write_record(workdir, a, found)
    return found


def file_hashes(folder):
    """{relative path: sha256} of every file below folder (the tests use it to prove nothing was modified)."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
