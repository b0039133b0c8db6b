"""The command line: ``python -m dlkit.course COMMAND ...``, one thin command per verb (``--help`` of each).

    release | strip PATH... | refresh PATH...                      the course's notebooks
    prepare | distribute | collect | grade | feedback | release-feedback | export | report
                                                                   grading a class (in --workdir)
    check NOTEBOOK                                                 a student's "check my work": visible tests

Commands that read the course take ``--root DIR``; without it the course root is the nearest folder at or above
the current directory holding ``nbgrader_config.py``, else the checkout dlkit sits in.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..my_work import COURSE_CONFIG_DIR, check_notebook, find_notebook
from .autograde import DEFAULT_STUDENT_TIMEOUT, grade
from .collect import collect_exchange, collect_folder
from .coursedir import DEFAULT_WORKDIR, CourseRootNotFound, find_root
from .notebooks import notebooks_in, refresh, strip_file
from .lms_export import canvas_csv, moodle_csv
from .release import distribute, prepare, release, release_feedback
from .reports import export, feedback, report

SKIPPED_SHOWN = 20                  # skipped entries listed by collect (all are in collected/<a>.json)


class UsageError(Exception):
    """Arguments argparse accepts but the command cannot use together."""


# ---------------------------------------------------------------- the commands

def _release(args):
    names = release(args.root)
    print(f"released {len(names)} assignment(s) to exercises/: {', '.join(names)}")


def _strip(args):
    paths = notebooks_in(args.paths)
    changed = [str(p) for p in paths if strip_file(p)]
    print(f"stripped {len(changed)} of {len(paths)} notebook(s)" + "".join(f"\n  {p}" for p in changed))


def _refresh(args):
    for path in notebooks_in(args.paths):
        print(f"running {path}")
        refresh(path)


def _prepare(args):
    names = prepare(args.workdir, args.assignments or None, args.db, root=args.root,
                    cell_timeout=args.cell_timeout, long_timeout=args.long_timeout)
    print(f"prepared {args.workdir}: {', '.join(names)}")


def _distribute(args):
    distribute(args.assignment, args.exchange, args.workdir)
    print(f"released {args.assignment} to {args.exchange}")


def _collect(args):
    if bool(args.exchange) == bool(args.source):
        raise UsageError("collect needs exactly one of --exchange DIR or --from PATH")
    if args.exchange:
        if not args.assignment:
            raise UsageError("collect --exchange needs the assignment name")
        who = collect_exchange(args.assignment, args.exchange, args.workdir)
        print(f"collected {len(who)} submission(s) of {args.assignment}")
        return 0
    found = collect_folder(args.source, args.workdir, args.assignment, root=args.root)
    print(f"collected {len(found)} submission(s) into {args.workdir}/submitted")
    if found.skipped:
        print(f"skipped {len(found.skipped)} entr{'y' if len(found.skipped) == 1 else 'ies'} (not graded):")
        for entry, why in found.skipped[:SKIPPED_SHOWN]:
            print(f"  {entry}: {why}")
    return 0 if len(found) or not found.skipped else 1


def _grade(args):
    done = grade(args.workdir, args.assignments or None, args.workers, args.db, args.student_timeout,
                 args.student, args.quiet, root=args.root)
    for a, results in done.items():
        manual = [r for r in results if r.needs_manual]
        print(f"{a}: {len(results) - len(manual)} scored, {len(manual)} need manual grading")
        for r in manual:
            print(f"  {r.student}: {'; '.join(r.reasons)}")
    print(f"grades: {export(args.workdir)}")


def _feedback(args):
    pages = feedback(args.workdir, args.assignments or None)
    print(f"{len(pages)} feedback page(s) in {Path(args.workdir) / 'feedback'}")


def _release_feedback(args):
    try:
        done = release_feedback(args.assignment, args.exchange, args.workdir)
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"released the feedback of {args.assignment} to {args.exchange}: {len(done.released)} student(s)"
          if done.released else f"released no feedback of {args.assignment} to {args.exchange}")
    if done.not_from_exchange:
        where = Path(args.workdir) / "feedback" / "<student>" / args.assignment
        print(f"left out {len(done.not_from_exchange)}, not submitted through the exchange (a folder or an LMS "
              f"download has no submission secret): hand out their pages from {where}/ another way\n  "
              + ", ".join(done.not_from_exchange[:SKIPPED_SHOWN])
              + (" ..." if len(done.not_from_exchange) > SKIPPED_SHOWN else ""))
    return 0 if done.released else 1


def _export(args):
    print(export(args.workdir, args.out))          # every assignment: names given are accepted, as ever, not used
    for wanted, write in ((args.canvas, canvas_csv), (args.moodle, moodle_csv)):
        if wanted is not None:
            out, left_out = write(args.workdir, wanted or None, args.roster)
            print(str(out) + "".join(f"\n  left out {s}: no identifier the LMS knows (see --roster)" for s in left_out))


def _report(args):
    print(report(args.workdir, args.assignments or None, args.out))


def _check(args):
    try:
        config_dir = find_root(args.root)
    except CourseRootNotFound:
        if args.root:
            raise
        config_dir = COURSE_CONFIG_DIR                  # no course config anywhere: the default cell timeouts
    try:
        checked = check_notebook(find_notebook(args.notebook), config_dir=config_dir)
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 1
    print(checked.text())
    return 0 if checked.ok else 1


# ---------------------------------------------------------------- the parser

ROOT_HELP = "the course root (default: the nearest folder upward holding nbgrader_config.py, else dlkit's checkout)"
ASSIGNMENT_ARGUMENTS = {                    # how many assignment names a grading command takes
    "any": dict(dest="assignments", nargs="*", help="assignment names (default: all)"),
    "one": dict(dest="assignment"),
    "optional": dict(dest="assignment", nargs="?"),
}


def _course_commands(sub):
    c = sub.add_parser("release", help="regenerate exercises/ from solutions/ (nbgrader generate_assignment)")
    c.add_argument("--root", help=ROOT_HELP)
    c.set_defaults(run=_release)
    for name, run, what in (("strip", _strip, "drop outputs, except those of nbval-checked cells"),
                            ("refresh", _refresh, "run notebooks in a fresh kernel, then strip them")):
        c = sub.add_parser(name, help=what)
        c.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of them")
        c.set_defaults(run=run)
    c = sub.add_parser("check", help="a student's check-my-work: the visible tests of a notebook")
    c.add_argument("notebook")
    c.add_argument("--root", help=ROOT_HELP)
    c.set_defaults(run=_check)


def _grading_command(sub, name, run, help, assignments="any", root=False):
    c = sub.add_parser(name, help=help)
    c.add_argument("--workdir", default=DEFAULT_WORKDIR, help="working directory (default: grading/)")
    c.add_argument("--db", default=None, help="gradebook SQLAlchemy URL (default: sqlite in the workdir)")
    if root:
        c.add_argument("--root", help=ROOT_HELP)
    if assignments:
        spec = dict(ASSIGNMENT_ARGUMENTS[assignments])
        c.add_argument(spec.pop("dest"), **spec)
    c.set_defaults(run=run)
    return c


def _grading_commands(sub):
    c = _grading_command(sub, "prepare", _prepare, "copy the source, release it and fill the gradebook", root=True)
    c.add_argument("--cell-timeout", type=float, default=None, help="seconds per cell (default: the course's)")
    c.add_argument("--long-timeout", type=float, default=None, help="seconds per cell tagged 'long'")
    c = _grading_command(sub, "distribute", _distribute, "nbgrader release_assignment to an exchange", "one")
    c.add_argument("--exchange", required=True, help="the exchange root (Exchange.root)")
    c = _grading_command(sub, "collect", _collect, "collect submissions from an exchange, a folder or a zip",
                         "optional", root=True)
    c.add_argument("--exchange", help="collect from this exchange root")
    c.add_argument("--from", dest="source", help="a folder or zip of student/assignment/*.ipynb or student.ipynb")
    c = _grading_command(sub, "grade", _grade, "autograde every collected submission", root=True)
    c.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    c.add_argument("--student-timeout", type=float, default=DEFAULT_STUDENT_TIMEOUT,
                   help="wall-clock seconds per submission")
    c.add_argument("--student", action="append", help="only these students (repeatable)")
    c.add_argument("--quiet", action="store_true")
    _grading_command(sub, "feedback", _feedback, "HTML feedback per student (hidden tests removed)")
    c = _grading_command(sub, "release-feedback", _release_feedback, "nbgrader release_feedback to an exchange",
                         "one")
    c.add_argument("--exchange", required=True, help="the exchange root (Exchange.root)")
    c = _grading_command(sub, "export", _export, "grades CSV (manual grades included), and LMS gradebook CSVs")
    c.add_argument("--out", default=None)
    c.add_argument("--canvas", nargs="?", const="", default=None, metavar="FILE",
                   help="also the Canvas gradebook import CSV (default FILE: WORKDIR/canvas.csv)")
    c.add_argument("--moodle", nargs="?", const="", default=None, metavar="FILE",
                   help="also the Moodle grade import CSV (default FILE: WORKDIR/moodle.csv)")
    c.add_argument("--roster", default=None, help="the LMS's own gradebook export: names and ids to match")
    c = _grading_command(sub, "report", _report, "class report (HTML with plots)")
    c.add_argument("--out", default=None)


def parser():
    """The argparse parser of every command."""
    p = argparse.ArgumentParser(prog="python -m dlkit.course",
                                description="The course's notebooks, grading a class with nbgrader, and a "
                                            "student's check-my-work.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _course_commands(sub)
    _grading_commands(sub)
    return p


def main(argv=None):
    """Run one command; returns its exit status (argparse exits with 2 on a usage error)."""
    p = parser()
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return args.run(args) or 0
    except UsageError as err:
        p.error(str(err))
    except CourseRootNotFound as err:
        print(err, file=sys.stderr)
        return 1
