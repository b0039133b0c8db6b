"""Releasing assignments: exercises/ from solutions/, a grading workdir's source and release, an exchange.

    python -m dlkit.course release                       # exercises/ <- generate_assignment of every solutions/NN-*
    python -m dlkit.course prepare  [ASSIGNMENT...]      # workdir: source copy, release/, gradebook
    python -m dlkit.course distribute ASSIGNMENT --exchange DIR   # nbgrader release_assignment to an exchange
    python -m dlkit.course release-feedback ASSIGNMENT --exchange DIR   # the feedback pages back through it
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .bugs import BUGS_FILE
from .coursedir import CONFIG_FILE, DEFAULT_WORKDIR, SQLITE, Workdir, course_id, find_root, write_config
from .feedback_page import write_template
from .processes import nbgrader
from .results import backup_gradebook, prune

ASSIGNMENT_GLOB = "[0-9][0-9]-*"
NEVER_COPIED = (BUGS_FILE, "__pycache__", ".ipynb_checkpoints")     # kept out of a workdir's source/
# what nbgrader's collect brings from the exchange with a submission and its release_feedback needs beside a page
# (the secret names the page in the exchange, so only its student finds it)
EXCHANGE_RECEIPTS = ("timestamp.txt", "submission_secret.txt")


def assignments(root=None):
    """The assignment names: every solutions/NN-topic folder, sorted."""
    return sorted(p.name for p in (find_root(root) / "solutions").glob(ASSIGNMENT_GLOB) if p.is_dir())


_all_assignments = assignments          # prepare's argument of the same name hides it there


def release(root=None, log_level="ERROR"):
    """Regenerate exercises/ from solutions/ with nbgrader (no gradebook written); returns the assignments."""
    root = find_root(root)
    names = assignments(root)
    if names:
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT_GLOB, "--force",
                        "--no-db", f"--log-level={log_level}"], cwd=root, check=True)
    return names


def validate(path, invert=False, config_dir=None):
    """nbgrader's Validator on one notebook, configured by config_dir/nbgrader_config.py (default: the course
    root's): its results dict, {} when everything is as it should be (``nbgrader validate`` itself always exits
    0, so read this)."""
    from nbgrader.validator import Validator
    from traitlets.config.loader import PyFileConfigLoader

    config_dir = Path(config_dir) if config_dir is not None else find_root()
    config = PyFileConfigLoader(CONFIG_FILE, path=str(config_dir)).load_config()
    return Validator(config=config, invert=invert).validate(str(path))


def _template_gradebook(workdir, assignment, course):
    """templates/<a>.db, the gradebook every scratch course starts from: a copy of the main SQLite gradebook
    without its submissions, or for any other URL a fresh one nbgrader fills."""
    template = workdir.template(assignment)
    template.parent.mkdir(exist_ok=True)
    template.unlink(missing_ok=True)
    if workdir.db_url.startswith(SQLITE):
        backup_gradebook(workdir.path, workdir.db_url, target=template)
        prune(template, course)
    else:
        nbgrader(workdir.path, "generate_assignment", assignment, "--force", "--log-level=ERROR",
                 f"--CourseDirectory.db_url={SQLITE}{template}")


def prepare(workdir=DEFAULT_WORKDIR, assignments=None, db=None, root=None, cell_timeout=None, long_timeout=None):
    """Create or refresh the working directory: config, source copy, release/ and the gradebook(s)."""
    root = find_root(root)
    workdir = Workdir(Path(workdir).resolve(), db, root)
    assignments = assignments or _all_assignments(root)
    workdir.path.mkdir(parents=True, exist_ok=True)
    (workdir.path / ".gitignore").write_text("*\n")
    write_config(workdir.path, workdir.db_url, cell_timeout, long_timeout, root)
    write_template(workdir.path)                 # the feedback page's (the formgrader's feedback uses it too)
    course = course_id(root)
    for a in assignments:
        if workdir.source(a).exists():
            shutil.rmtree(workdir.source(a))
        shutil.copytree(root / "solutions" / a, workdir.source(a), ignore=shutil.ignore_patterns(*NEVER_COPIED))
        nbgrader(workdir.path, "generate_assignment", a, "--force", "--log-level=ERROR")
        _template_gradebook(workdir, a, course)
    return assignments


def distribute(assignment, exchange, workdir=DEFAULT_WORKDIR):
    """``nbgrader release_assignment`` from workdir/release to an exchange (students then fetch it)."""
    nbgrader(Path(workdir).resolve(), "release_assignment", assignment, "--force", f"--Exchange.root={exchange}",
             "--log-level=ERROR")


@dataclass
class FeedbackRelease:
    """Who release_feedback handed a page to through the exchange, and who it could not."""
    released: list
    not_from_exchange: list                 # collected from a folder or an LMS download: no submission secret


def release_feedback(assignment, exchange, workdir=DEFAULT_WORKDIR):
    """``nbgrader release_feedback`` of workdir/feedback/*/assignment to an exchange, from any folder (students
    then fetch their page from the Assignments tab). Only a submission that came through the exchange can have
    its page returned there: the others (from a folder or an LMS zip) are left out, not a crash; hand their pages
    out another way. Raises FileNotFoundError when the assignment has no feedback page at all."""
    workdir = Path(workdir).resolve()
    pages = {p.parent.parent.name: p.parent for p in sorted((workdir / "feedback").glob(f"*/{assignment}/*.html"))}
    if not pages:
        raise FileNotFoundError(f"no feedback pages of {assignment} in {workdir / 'feedback'}: run "
                                f"`python -m dlkit.course feedback {assignment}` first")
    outside = sorted(s for s, folder in pages.items() if not all((folder / r).is_file() for r in EXCHANGE_RECEIPTS))
    released = sorted(set(pages) - set(outside))
    if released:
        nbgrader(workdir, "release_feedback", assignment, f"--Exchange.root={exchange}", "--log-level=ERROR",
                 *([f"--CourseDirectory.student_id_exclude={','.join(outside)}"] if outside else []))
    return FeedbackRelease(released, outside)
