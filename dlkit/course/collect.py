"""Collecting submissions into a workdir: from an nbgrader exchange, or from a folder or zip (an LMS export).

    python -m dlkit.course collect  ASSIGNMENT --exchange DIR    # nbgrader collect from an exchange
    python -m dlkit.course collect  [ASSIGNMENT] --from PATH     # folder or zip: student/assignment/*.ipynb,
                                                                 #   student/*.ipynb or student.ipynb

Submissions are *copied* into ``submitted/<student>/<assignment>/``; the exchange, zip or folder is only read.
"""
from __future__ import annotations

import collections
import hashlib
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from .coursedir import DEFAULT_WORKDIR, Workdir
from .processes import nbgrader
from .release import assignments as course_assignments

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")
NOT_SUBMISSIONS = (".", "__MACOSX")         # names that archivers and file browsers add


def _safe_student(name):
    name = name.strip()
    if not STUDENT_ID.match(name):
        raise ValueError(f"{name!r} is not a usable student id (letters, digits, _ . @ + -)")
    return name


def collect_exchange(assignment, exchange, workdir=DEFAULT_WORKDIR):
    """``nbgrader collect`` from an exchange into workdir/submitted (the exchange's copies stay as they are)."""
    workdir = Workdir(Path(workdir).resolve())
    nbgrader(workdir.path, "collect", assignment, "--update", f"--Exchange.root={exchange}", "--log-level=ERROR")
    return workdir.students(assignment)


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
            not any(c.is_dir() and c.name in known for c in inner[0].iterdir()) and \
            all(c.is_dir() for c in inner[0].iterdir()):
        return inner[0]
    return folder


def _find_submissions(source, known, assignment):
    """{(student, assignment): [files]} in the three layouts a folder may hold."""
    found = collections.defaultdict(list)
    for entry in sorted(source.iterdir()):
        if entry.name.startswith(NOT_SUBMISSIONS):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            if not assignment:
                raise ValueError(f"{entry.name}: flat student.ipynb files need the assignment name")
            found[(_safe_student(entry.stem), assignment)].append(entry)
        elif entry.is_dir():
            student = _safe_student(entry.name)
            subdirs = [d for d in entry.iterdir() if d.is_dir() and d.name in known]
            for d in subdirs:
                if assignment and d.name != assignment:
                    continue
                found[(student, d.name)] += [f for f in d.rglob("*") if f.is_file()
                                             and ".ipynb_checkpoints" not in f.parts]
            if not subdirs and assignment:
                found[(student, assignment)] += [f for f in entry.iterdir() if f.is_file()]
    return found


def _copy_submission(workdir, source, student, assignment, files):
    """Copy one student's files to submitted/<student>/<assignment>/, replacing an earlier collection."""
    dest = workdir.submitted(student, assignment)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    base = source / student / assignment if (source / student / assignment).is_dir() else None
    released = sorted(workdir.release(assignment).glob("*.ipynb"))
    for f in files:
        rel = f.relative_to(base) if base and base in f.parents else Path(f.name)
        if f.parent == source and released:
            rel = Path(released[0].name)          # flat student.ipynb: the layout's name, not theirs
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest / rel)           # copyfile: no permission bits carried over


def collect_folder(source, workdir=DEFAULT_WORKDIR, assignment=None, assignments=None, root=None):
    """Copy submissions from a folder or zip into workdir/submitted/<student>/<assignment>/.

    Layouts: ``student/assignment/*.ipynb``; ``student/*.ipynb`` or flat ``student.ipynb`` (with ``assignment``).
    Returns {(student, assignment): [files]}. The source is only read. The assignments known: ``assignments``,
    else those prepared in the workdir, else the course's (of ``root``).
    """
    workdir = Workdir(Path(workdir).resolve())
    known = set(assignments or workdir.assignments() if (workdir.path / "source").exists()
                else assignments or course_assignments(root))
    source = Path(source)
    with tempfile.TemporaryDirectory() as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            _extract(source, Path(tmp))
            source = _unwrap(Path(tmp), known)
        found = _find_submissions(source, known, assignment)
        for (student, a), files in found.items():
            _copy_submission(workdir, source, student, a, files)
    return {k: [f.name for f in v] for k, v in found.items()}


def file_hashes(folder):
    """{relative path: sha256} of every file below folder (the tests use it to prove nothing was modified)."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
