"""The mutation kill rate of the graded tests, and whether what they say is actionable (issue 13).

A mutant changes one token of a solution block (an operator, a comparison, a number, sum/mean, max/min, a
transpose, True/False, and/or); it is *killed* when grading it in-process (the assignment's own tests, hidden
ones included) costs points. A killed mutant's feedback is *actionable* when every test that fails says a check's
message (a CheckFailure) — not a bare error from inside a test — or the mutant's own cell raised (the student
reads their own traceback there), or it ran past its time limit (the grader says so).

A seeded sample of every assignment's mutants is graded (every mutant with DLKIT_MUTANTS=all); the rate must stay at
or above KILL_RATE with every killed mutant actionable. The survivors are listed (printed with -s, and when it
fails). Left out: the capstone's two design cells (OPEN_DESIGN), where any settings that reach the accuracy target
are right, so a changed learning rate or width is another answer, not a bug. Most survivors elsewhere are equivalent
mutants (``z > 0`` for ``z >= 0`` where both sides agree at 0).
"""
import io
import os
import random
import signal
import tokenize

import nbformat
import pytest

from dlkit.course import ROOT
from dlkit.course.cells import SOLUTION, nbgrader_meta
from dlkit.course.inprocess import grade_in_process
from dlkit.course.release import assignments

KILL_RATE = 0.92
# mutants graded per assignment: a seeded sample of 24 (219 of the 441: 93.6 % killed, 2 min on 2 cores), so that
# CI stays under its time limit; DLKIT_MUTANTS=all grades every one (95.0 %, 4-6 min), DLKIT_MUTANTS=8 fewer
SAMPLE = 24
CHOSEN = os.environ.get("DLKIT_MUTANTS", str(SAMPLE))
PER_ASSIGNMENT = 10 ** 6 if CHOSEN == "all" else int(CHOSEN)
SEED = 13
OPEN_DESIGN = {("10-capstone", "build_and_train"), ("10-capstone", "fine_tune")}    # no one right answer
MUTANT_SECONDS = 120          # a mutant that runs longer is stopped: the grader's cell timeout would stop it
SWAPS = {"+": "-", "-": "+", "*": "/", "/": "*", "**": "*", "//": "/", "<": "<=", "<=": "<", ">": ">=", ">=": ">",
         "==": "!=", "!=": "==", "+=": "-=", "-=": "+=", "*=": "/=", "/=": "*=", "sum": "mean", "mean": "sum",
         "max": "min", "min": "max", "True": "False", "False": "True", "and": "or", "or": "and"}


class TooLong(BaseException):
    """A mutant past MUTANT_SECONDS (a BaseException: grading catches every Exception of a cell)."""


def _changed_number(text):
    try:
        value = int(text)
        return str(value + 1)
    except ValueError:
        value = float(text)
        return repr(value * 2 if value else 1.0)


def mutants(nb, assignment=""):
    """[(grade_id, line, mutated cell source)]: one changed token in a solution block of each (none in an
    OPEN_DESIGN cell of assignment)."""
    found = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta.get("solution") or (assignment, meta["grade_id"]) in OPEN_DESIGN:
            continue
        lines, inside, on = cell.source.splitlines(keepends=True), set(), False
        for i, line in enumerate(lines, start=1):          # the line numbers inside the solution block
            on = (on or line.strip().startswith(SOLUTION[0])) and not line.strip().startswith(SOLUTION[1])
            if on and not line.strip().startswith(SOLUTION[0]):
                inside.add(i)
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line))
        for tok in tokenize.generate_tokens(io.StringIO(cell.source).readline):
            if tok.start[0] not in inside:
                continue
            new = SWAPS.get(tok.string) if tok.type in (tokenize.OP, tokenize.NAME) else \
                _changed_number(tok.string) if tok.type == tokenize.NUMBER and "j" not in tok.string else None
            if tok.type == tokenize.NAME and tok.string == "T" and cell.source[starts[tok.start[0] - 1] +
                                                                               tok.start[1] - 1] == ".":
                new, begin = "", starts[tok.start[0] - 1] + tok.start[1] - 1        # drop the transpose
            else:
                begin = starts[tok.start[0] - 1] + tok.start[1]
            if new is None:
                continue
            end = starts[tok.end[0] - 1] + tok.end[1]
            source = cell.source[:begin] + new + cell.source[end:]
            try:
                compile(source, "<mutant>", "exec")
            except SyntaxError:
                continue
            found.append((meta["grade_id"], lines[tok.start[0] - 1].strip(), source))
    return found


def _on_alarm(*_):
    raise TooLong()


def grade_mutant(nb, grade_id, source):
    """("survived" | "actionable" | "not actionable", the messages) of nb with cell grade_id's source replaced."""
    planted = nbformat.reads(nbformat.writes(nb), as_version=4)
    for cell in planted.cells:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            cell.source = source
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(MUTANT_SECONDS)
    try:
        grade = grade_in_process(planted)
    except TooLong:
        return "actionable", {"(all)": "ran past its time limit"}
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    failed = {g: grade.messages.get(g, "") for g, pts in grade.points.items() if pts < grade.max_points[g]}
    if not failed:
        return "survived", {}
    own_cell_raised = any(nbgrader_meta(planted.cells[i]).get("grade_id") == grade_id for i, _ in grade.errors)
    checked = all(m.startswith("dlkit.checks.CheckFailure") for m in failed.values())
    return ("actionable" if checked or own_cell_raised else "not actionable"), failed


def sample(assignment):
    nb = nbformat.read(str(ROOT / "solutions" / assignment / f"{assignment}.ipynb"), as_version=4)
    found = mutants(nb, assignment)
    return nb, random.Random(f"{SEED}-{assignment}").sample(found, min(PER_ASSIGNMENT, len(found)))


def test_mutants_change_one_token_of_a_solution_block():
    nb, picked = sample("04-backpropagation")
    assert len(picked) == min(PER_ASSIGNMENT, len(mutants(nb))) > 10 and len(mutants(nb)) > 40
    sources = {nbgrader_meta(c).get("grade_id"): c.source for c in nb.cells}
    for grade_id, _, source in picked:
        assert source != sources[grade_id] and SOLUTION[0] in source       # the markers stay


@pytest.mark.slow
def test_the_kill_rate_stays_high_and_every_killed_mutant_gets_an_actionable_message():
    outcomes = []
    for assignment in assignments(ROOT):
        nb, picked = sample(assignment)
        for grade_id, line, source in picked:
            verdict, failed = grade_mutant(nb, grade_id, source)
            outcomes.append((assignment, grade_id, line, verdict, failed))
    killed = [o for o in outcomes if o[3] != "survived"]
    rate = len(killed) / len(outcomes)
    survivors = "\n".join(f"  {a} {g}: {line}" for a, g, line, v, _ in outcomes if v == "survived")
    print(f"kill rate {rate:.1%} ({len(killed)} of {len(outcomes)} mutants); survivors:\n{survivors}")
    assert rate >= KILL_RATE, f"kill rate {rate:.1%} < {KILL_RATE:.0%}; survivors:\n{survivors}"
    unclear = [(a, g, line, failed) for a, g, line, v, failed in killed if v == "not actionable"]
    assert not unclear, "killed without a check's message:\n" + "\n".join(map(str, unclear))
