"""The Makefile's course and grading targets: each one, as `make -n` expands it, calls a real `python -m
dlkit.course` verb with options its parser accepts; every grading verb has its target; a target missing a variable
it needs stops with the variable's name instead of handing the command an empty argument."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from dlkit.course.cli import parser

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = ROOT / "Makefile"
CLI = "-m dlkit.course"
# the grading verbs (dlkit/course/cli.py's docstring, the README's command list): each has a make target
GRADING_VERBS = ("prepare", "distribute", "collect", "grade", "feedback", "release-feedback", "export", "report")
# the variables an instructor passes, every one set (GRADE_ARGS with the options every grading verb takes)
VARIABLES = {"A": "02-forward-pass", "EXCHANGE": "/srv/nbgrader/exchange", "FROM": "canvas-download.zip",
             "GRADE_ARGS": "--workdir term-w --db sqlite:///term-w/gradebook.db"}
WORKDIR = "term-w"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def course_targets(makefile=MAKEFILE):
    """The Makefile's targets whose recipe runs `python -m dlkit.course`, in file order."""
    targets, current = [], None
    for line in makefile.read_text().splitlines():
        rule = re.match(r"^([A-Za-z][\w -]*):(?!=)", line)
        if rule:
            current = rule.group(1).split()
        elif line.startswith("\t") and CLI in line and current:
            targets += [t for t in current if t not in targets]
    return targets


def dry_run(target, **variables):
    """`make -n target` with the variables; returns (exit status, the command lines that call dlkit.course,
    stderr). `-o env` keeps the environment's install lines out (the venv is never touched)."""
    done = subprocess.run(["make", "--no-print-directory", "-n", "-o", "env", target]
                          + [f"{k}={v}" for k, v in variables.items()],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    lines = [line for line in done.stdout.splitlines() if CLI in line]
    return done.returncode, lines, done.stderr


def cli_argv(line):
    """The argv a command line hands dlkit.course (what follows `-m dlkit.course`)."""
    words = shlex.split(line)
    return words[words.index("dlkit.course") + 1:]


def test_the_makefile_has_a_target_for_every_grading_verb_and_all_are_phony():
    targets = course_targets()
    phony = " ".join(re.findall(r"^\.PHONY:((?:.*\\\n)*.*)$", MAKEFILE.read_text(), re.M)).replace("\\", " ").split()
    verbs = {}
    for target in targets:
        status, lines, err = dry_run(target, **VARIABLES)
        assert status == 0 and lines, (target, err)
        verbs[target] = {cli_argv(line)[0] for line in lines}
    called = set().union(*verbs.values())
    assert set(GRADING_VERBS) <= called, set(GRADING_VERBS) - called
    assert set(targets) <= set(phony), set(targets) - set(phony)


@pytest.mark.parametrize("target", course_targets())
def test_each_target_calls_a_real_verb_with_options_it_accepts(target):
    """Parsed by the CLI's own parser (argparse exits on an unknown verb or option): the verb the line names,
    GRADE_ARGS passed through to the grading verbs, the assignment where the verb takes one."""
    status, lines, err = dry_run(target, **VARIABLES)
    assert status == 0 and lines, err
    for line in lines:
        argv = cli_argv(line)
        try:
            args = parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"make {target} runs `{line.strip()}`: dlkit.course refuses {argv}")
        assert args.command == argv[0]
        if args.command in GRADING_VERBS:
            assert args.workdir == WORKDIR and args.db.startswith("sqlite:///"), line
        named = getattr(args, "assignment", None) or getattr(args, "assignments", None)
        if named is not None and args.command != "export":
            assert VARIABLES["A"] in ([named] if isinstance(named, str) else named), line


def test_collect_takes_the_exchange_or_the_download():
    for given, flag in (("EXCHANGE", "--exchange"), ("FROM", "--from")):
        status, (line,), err = dry_run("collect", A=VARIABLES["A"], **{given: VARIABLES[given]})
        args = parser().parse_args(cli_argv(line))
        assert status == 0 and flag in line
        assert (args.exchange if given == "EXCHANGE" else args.source) == VARIABLES[given]


@pytest.mark.parametrize("target, missing", [("distribute", "A"), ("distribute", "EXCHANGE"),
                                             ("release-feedback", "A"), ("release-feedback", "EXCHANGE"),
                                             ("collect", "EXCHANGE")])
def test_a_missing_variable_is_named_before_anything_runs(target, missing):
    given = {k: v for k, v in VARIABLES.items() if k != missing and not (target == "collect" and k == "FROM")}
    status, lines, err = dry_run(target, **given)
    assert status != 0 and not lines
    assert f"make {target} needs {missing}=" in err, err
