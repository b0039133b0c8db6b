"""What grading gives back: feedback pages for students, the grades CSV, and the class report.

    python -m dlkit.course feedback [ASSIGNMENT...]              # HTML per student, hidden tests removed
    python -m dlkit.course release-feedback ASSIGNMENT --exchange DIR   # nbgrader release_feedback, from anywhere
    python -m dlkit.course export   [--out grades.csv] [--canvas F] [--moodle F]   # + LMS gradebook CSVs (lms)
    python -m dlkit.course report   [ASSIGNMENT...]              # HTML: pass rates, histogram, common failures,
                                                                 #   every student's score and notes

The grades (CSV, report) are the gradebook's: a manual score entered in the formgrader replaces the automatic
one of its cell (:func:`dlkit.course.results.final_grades`).
"""
from __future__ import annotations

import base64
import collections
import csv
import dataclasses
import html
import io
import re
from pathlib import Path

from .coursedir import DEFAULT_WORKDIR, Workdir
from .feedback_page import write_template
from .processes import nbgrader
from .results import final_grades, load_results

CSV_HEADER = ["assignment", "student", "score", "max_score", "needs_manual_grading", "graded_by_hand", "reason",
              "notes"]
UNDER_REVIEW = "under review"                   # the report's word for a score withheld for review
COMMON_FAILURES = 3             # the most common messages listed per test
MESSAGE_CHARS = 2000            # a failure message is shown whole, up to this (a runaway print is cut)
CHECK_NAME = re.compile(r"^(dlkit\.checks\.)?CheckFailure: ")   # a check's message needs no class name
PLOT_DPI = 90
FIGURE_SIZE = (10, 3)           # inches: the histogram beside the pass rates
SCORE_COLOR, PASS_COLOR = "#4c72b0", "#55a868"
PAGE_HEAD = ("<!doctype html><meta charset='utf-8'><title>dlkit grading report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}td,th{padding:2px 8px;"
             "text-align:left;vertical-align:top}table{border-collapse:collapse}tr:nth-child(even){background:#f4f4f4}"
             "</style><h1>Grading report</h1>")


def feedback(workdir=DEFAULT_WORKDIR, assignments=None):
    """nbgrader generate_feedback: workdir/feedback/<student>/<assignment>/*.html, hidden tests removed
    (:class:`dlkit.course.redact.RedactHidden`, named in the workdir's config)."""
    workdir = Workdir(Path(workdir).resolve())
    write_template(workdir.path)
    for a in assignments or sorted(load_results(workdir.path)):
        nbgrader(workdir.path, "generate_feedback", a, "--force", "--log-level=ERROR")
    return sorted(workdir.feedback.rglob("*.html"))


def release_feedback(assignment, exchange, workdir=DEFAULT_WORKDIR):
    """``nbgrader release_feedback`` of workdir/feedback to an exchange, from any folder (students then fetch
    it from the Assignments tab)."""
    nbgrader(Path(workdir).resolve(), "release_feedback", assignment, f"--Exchange.root={exchange}",
             "--log-level=ERROR")


def export(workdir=DEFAULT_WORKDIR, out=None, assignments=None):
    """grades.csv: assignment, student, score, max_score, needs_manual_grading, graded_by_hand, reason, notes
    (sorted). The score is the gradebook's, manual grades included; empty while it is under review."""
    out = Path(out) if out else Workdir(workdir).grades
    rows = [[g.assignment, g.student, "" if g.score is None else f"{g.score:g}", f"{g.max_score:g}",
             "yes" if g.needs_manual else "no", str(g.by_hand) if g.by_hand else "", " | ".join(g.reasons),
             " | ".join(g.notes)] for g in final_grades(workdir, assignments)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    w.writerows(rows)
    out.write_text(buf.getvalue())
    return out


def summary(results):
    """Per-question pass rates, scores, and the most common failure messages of one assignment."""
    graded = [r for r in results if r.cells]
    questions = sorted({g for r in graded for g in r.cells})
    full = {}
    for r in graded:
        for g, pts in r.cells.items():
            full[g] = max(full.get(g, 0), pts)
    rates = {g: sum(1 for r in graded if r.cells.get(g, 0) >= full[g] > 0) / len(graded) if graded else 0.0
             for g in questions}
    failures = {}
    for g in questions:
        msgs = collections.Counter(CHECK_NAME.sub("", re.sub(r"\s+", " ", r.messages[g]).strip())[:MESSAGE_CHARS]
                                   for r in graded if g in r.messages)
        failures[g] = (sum(msgs.values()), msgs.most_common(COMMON_FAILURES))
    return {"students": len(results), "graded": len(graded),
            "manual": sorted((r.student, "; ".join(r.reasons)) for r in results if r.needs_manual),
            "scores": sorted(r.score for r in results if r.score is not None),
            "max_score": max((r.max_score for r in results), default=0.0),
            "pass_rates": rates,
            "failures": sorted(failures.items(), key=lambda kv: -kv[1][0])}


def _plot_png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PLOT_DPI, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def _charts(s):
    """The score histogram and the pass rate per question of one summary, as an inline PNG <img>."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=FIGURE_SIZE)
    axes[0].hist(s["scores"], bins=range(0, int(s["max_score"]) + 2), color=SCORE_COLOR, align="left")
    axes[0].set(title="score histogram", xlabel=f"score (of {s['max_score']:g})", ylabel="students")
    qs = list(s["pass_rates"])
    axes[1].barh(qs, [100 * s["pass_rates"][q] for q in qs], color=PASS_COLOR)
    axes[1].set(title="pass rate per question", xlabel="% of graded students", xlim=(0, 100))
    img = f"<img src='data:image/png;base64,{_plot_png(fig)}'>"
    plt.close(fig)
    return img


def _whole_messages(workdir, assignment, results):
    """results with each failure message read whole from the autograded notebook (the results keep a prefix):
    the message a failing cell's error output holds, when the kept one begins it."""
    import nbformat

    from .cells import cells_by_id

    out = []
    for r in results:
        whole = dict(r.messages)
        for path in sorted(Workdir(workdir).autograded(r.student, assignment).glob("*.ipynb")) if whole else []:
            cells = cells_by_id(nbformat.read(str(path), as_version=4))
            for g, kept in r.messages.items():
                errors = [o for o in cells[g].get("outputs", []) if o.get("output_type") == "error"] \
                    if g in cells else []
                message = f"{errors[0].get('ename', 'Error')}: {errors[0].get('evalue', '')}" if errors else ""
                if message.startswith(kept) and len(message) > len(kept):
                    whole[g] = message
        out.append(dataclasses.replace(r, messages=whole))
    return out


def _section(assignment, results, workdir=None):
    """One assignment's part of the report: counts, charts, pass rates, failing tests (their messages whole, read
    from workdir's autograded notebooks when given), manual flags."""
    s = summary(_whole_messages(workdir, assignment, results) if workdir else results)
    e = html.escape
    return [f"<h2>{e(assignment)}</h2><p>{s['students']} students, {len(s['scores'])} scored automatically, "
            f"{len(s['manual'])} need manual grading.</p>",
            _charts(s),
            "<h3>Pass rate per question</h3><table><tr><th>question</th><th>pass rate</th></tr>" +
            "".join(f"<tr><td>{e(q)}</td><td>{100 * r:.0f}%</td></tr>" for q, r in s["pass_rates"].items())
            + "</table>",
            "<h3>Tests that fail most</h3><table><tr><th>test</th><th>failures</th>"
            "<th>most common messages</th></tr>" +
            "".join(f"<tr><td>{e(g)}</td><td>{n}</td><td>" +
                    "<br>".join(f"{c}× <code>{e(m)}</code>" for m, c in common) + "</td></tr>"
                    for g, (n, common) in s["failures"] if n) + "</table>",
            "<h3>Needs manual grading</h3><table><tr><th>student</th><th>reason</th></tr>" +
            "".join(f"<tr><td>{e(st)}</td><td>{e(why)}</td></tr>" for st, why in s["manual"]) + "</table>"]


def _students_table(grades):
    """Every student's final score (manual grades included) with the reasons and notes of their grading."""
    e = html.escape

    def score(g):
        shown = UNDER_REVIEW if g.score is None else f"{g.score:g} / {g.max_score:g}"
        return shown + (f" ({g.by_hand} graded by hand)" if g.by_hand else "")

    return ("<h3>Every student</h3><table><tr><th>student</th><th>score</th><th>needs review</th>"
            "<th>reasons and notes</th></tr>" +
            "".join(f"<tr><td>{e(g.student)}</td><td>{e(score(g))}</td><td>{'yes' if g.needs_manual else ''}</td>"
                    f"<td>{'<br>'.join(e(n) for n in g.reasons + g.notes)}</td></tr>" for g in grades) + "</table>")


def report(workdir=DEFAULT_WORKDIR, assignments=None, out=None):
    """An HTML report: per-question pass rates, score histogram, the tests that fail most and why."""
    out = Path(out) if out else Workdir(workdir).report
    parts = list(PAGE_HEAD)
    grades = final_grades(workdir, assignments)
    for a, results in sorted(load_results(workdir, assignments).items()):
        parts += _section(a, results, workdir)
        parts.append(_students_table([g for g in grades if g.assignment == a]))
    out.write_text("\n".join(parts))
    return out
