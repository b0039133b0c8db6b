"""One term of the class, driven through a running hub (hub/demo.py starts it; tests/hub/ asserts on the report).

Who does what, and how:

* the grader releases, collects, grades and returns feedback in its own terminal: ``runuser -u dlkit-grader``
  running ``python -m dlkit.course ...`` in its clone of the course;
* each student works only through their own server behind the hub: nbgrader's assignment API (what the
  Assignments tab's Fetch and Submit buttons call) fetches and submits, the contents API saves the answer, and
  a kernel of their own presses **Check my work** (the button of the last cell, clicked in that kernel) and runs
  a first ``fit`` (timed, first and second login);
* then each student tries, as that Unix account, to read or change another's work (every attempt must fail), and
  Chromium opens the formgrader as the instructor, the grader and a student (refused), with screenshots.

Answers: student 1 submits the solution, student 2 the untouched exercise, student 3 the solution with a planted
bug (the dense layer without its bias). ``run`` returns everything it saw as one JSON-able report.
"""
from __future__ import annotations

import copy
import html
import json
import pwd
import re
import runpy
import time
from pathlib import Path

from tools import leaks

from . import demo
from .client import Hub
from .site import COURSE, Site

ASSIGNMENT = demo.ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
ANSWERS = ("correct", "blank", "wrong")
WRONG_BUG = "the bias is missing"          # the planted bug (solutions/<a>/planted_bugs.py, its `says`)
CHECK_SECONDS = 300
GRADE_WORKERS = 2

# run in a student's fresh kernel: import dlkit, then the README's first training run, timed, and the memory
FIT_SNIPPET = r'''
import json, os, time
from pathlib import Path
cache = Path(os.environ.get("NUMBA_CACHE_DIR", "/nonexistent"))
cached = lambda: {str(p.relative_to(cache)): p.stat().st_mtime for p in cache.rglob("*.nbi")} if cache.is_dir() else {}
before = cached()
t0 = time.perf_counter()
import dlkit as dk
t1 = time.perf_counter()
X, y = dk.data.spirals(n_samples=1000, noise=0.1, seed=0)
model = dk.MLP([2, 32, 32, 2], activation="relu", seed=0)
t2 = time.perf_counter()
dk.fit(model, X, y, loss="cross_entropy", optimizer="adam", lr=0.01, epochs=20, batch_size=32, verbose=False)
t3 = time.perf_counter()
dk.fit(model, X, y, loss="cross_entropy", optimizer="adam", lr=0.01, epochs=20, batch_size=32, verbose=False)
t4 = time.perf_counter()
status = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
mb = lambda key: int(status[key].split()[0]) / 1024
after = cached()
print(json.dumps({"import_s": t1 - t0, "first_fit_s": t3 - t2, "second_fit_s": t4 - t3,
                  "rss_mb": mb("VmRSS"), "peak_rss_mb": mb("VmHWM"), "cache_files": len(after),
                  "compiled_on_first_fit": sorted(k for k, m in after.items() if before.get(k) != m)}))
'''
# the same in a child process with an empty JIT cache: what the first fit costs without the seeded cache
COLD_SNIPPET = r'''
import json, os, subprocess, sys, tempfile
with tempfile.TemporaryDirectory(dir=os.path.expanduser("~")) as empty:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          env=dict(os.environ, NUMBA_CACHE_DIR=empty))
print(done.stdout.strip().splitlines()[-1] if done.returncode == 0 else json.dumps({"error": done.stderr[-2000:]}))
'''
# press Check my work in the student's kernel (the button's own click), wait for its report; count kernels
CHECK_SNIPPET = r'''
import html, json, os, re, time
from pathlib import Path
from jupyter_core.paths import jupyter_runtime_dir

def kernels():
    mine = []
    for p in Path("/proc").glob("[0-9]*"):
        try:
            if p.stat().st_uid == os.getuid() and b"ipykernel_launcher" in (p / "cmdline").read_bytes():
                mine.append(int(p.name))
        except OSError:
            pass
    return len(mine), len(list(Path(jupyter_runtime_dir()).glob("kernel-*.json")))

from dlkit import checks
os.chdir(os.path.dirname(PATH))
button = checks.check_my_work(PATH)
before = kernels()
started = time.perf_counter()
button.button.click()
time.sleep(1)
while button.button.disabled and time.perf_counter() - started < TIMEOUT:
    time.sleep(0.5)
seconds = time.perf_counter() - started
time.sleep(2)
after = kernels()
text = html.unescape(re.sub(r"<[^>]+>", "", button.output.value))
print(json.dumps({"report": text, "seconds": seconds, "kernels_before": before[0], "kernels_after": after[0],
                  "connection_files_before": before[1], "connection_files_after": after[1]}))
'''


def say(message):
    print(f"[hub.term] {message}", flush=True)


class Clock:
    """Seconds per named phase of the term."""

    def __init__(self):
        self.seconds = {}

    def __call__(self, name):
        clock = self

        class Phase:
            def __enter__(self):
                self.started = time.monotonic()
                say(f"{name}...")

            def __exit__(self, *exc):
                clock.seconds[name] = round(time.monotonic() - self.started, 2)

        return Phase()


# ---------------------------------------------------------------- the students' answers

def _solution_source(source):
    """A solution cell as a student who solved it would have it: the code without nbgrader's markers."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in leaks.SOLUTION)


def answered(release_nb, solution_nb, kind, bugs):
    """The released notebook with its solution cells answered: 'correct', 'blank' (untouched) or 'wrong'."""
    nb = copy.deepcopy(release_nb)
    if kind == "blank":
        return nb
    sources = {c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"])
               for c in solution_nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")}
    bug = next(b for b in bugs if b["says"] == WRONG_BUG)
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if cell["metadata"].get("nbgrader", {}).get("solution") and grade_id in sources:
            source = _solution_source(sources[grade_id])
            if kind == "wrong" and grade_id == bug["cell"]:
                source = source.replace(bug["old"], bug["new"])
            cell["source"] = source
    return nb


def expected_scores(solution_nb, bugs):
    """{answer kind: points} the grader must give."""
    points = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"]
              for c in solution_nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")
              and not c["metadata"]["nbgrader"].get("solution")}
    bug = next(b for b in bugs if b["says"] == WRONG_BUG)
    total = float(sum(points.values()))
    return {"correct": total, "blank": 0.0, "wrong": total - sum(points[g] for g in bug["fails"])}


# ---------------------------------------------------------------- the term, step by step

def run(site: Site, token, browser=True, measure_cold=True):
    """The whole term on a running hub; returns the report (scores, leaks, attempts, timings, measurements)."""
    hub, clock = Hub(site.url, token), Clock()
    solution_nb = json.loads((site.src / "solutions" / ASSIGNMENT / NOTEBOOK).read_text())
    bugs = runpy.run_path(str(site.src / "solutions" / ASSIGNMENT / "planted_bugs.py"))["BUGS"]
    secrets = leaks.course_secrets(site.src)
    students = dict(zip(site.students, ANSWERS))
    report = {"students": {s: {"answer": a} for s, a in students.items()},
              "expected": expected_scores(solution_nb, bugs), "seconds": clock.seconds}
    with clock("release"):
        demo.as_grader(site, "dlkit.course", "distribute", ASSIGNMENT, "--exchange", site.exchange)
    for student, kind in students.items():
        work(hub, student, kind, solution_nb, bugs, secrets, report["students"][student], clock,
             measure_cold and kind == "correct")
    grade(site, clock, report)
    for student in students:
        receive_feedback(hub, student, secrets, report["students"][student], clock)
    with clock("second_login"):
        report["second_login"] = second_login(hub, site.students[0])
    report["attempts"] = attempts(site, hub)
    if browser:
        from . import pages
        with clock("browser"):
            report["pages"] = pages.visit(site, demo.ARTIFACTS)
    return report


def work(hub, student, kind, solution_nb, bugs, secrets, out, clock, measure_cold=False):
    """A student's session: log in (spawn), fetch, answer, check, time a first fit, submit."""
    with clock(f"{student}: spawn"):
        out["spawn_s"] = hub.start(student)
    server = hub.server(student)
    with clock(f"{student}: fetch"):
        listed = server.assignment("fetch", COURSE, ASSIGNMENT)
    path = next(nb["path"] for a in listed if a["assignment_id"] == ASSIGNMENT for nb in a["notebooks"])
    release_nb = server.get(path)["content"]
    out["fetched"] = path
    out["fetched_leaks"] = leaks.found_in(_lines(release_nb), secrets.all())
    server.put_notebook(path, answered(release_nb, solution_nb, kind, bugs))
    with clock(f"{student}: first fit"), server.kernel() as kernel:
        out["first_fit"] = kernel.run(FIT_SNIPPET).json()
        kernel.run("import torch")                 # what an assignment's setup cell imports besides dlkit
        out["memory"] = memory_of(student)         # the server and this kernel
        if measure_cold:                       # the baseline: the same fit with an empty JIT cache
            out["cold_fit"] = kernel.run(f"CODE = {FIT_SNIPPET!r}\n{COLD_SNIPPET}", timeout=CHECK_SECONDS).json()
    with clock(f"{student}: check my work"), server.kernel() as kernel:
        home = pwd.getpwnam(student).pw_dir
        snippet = f"PATH = {str(Path(home) / path)!r}\nTIMEOUT = {CHECK_SECONDS}\n{CHECK_SNIPPET}"
        out["check"] = kernel.run(snippet, timeout=CHECK_SECONDS + 30).json()
    out["memory_after_check"] = memory_of(student)  # Check my work's kernels still running, if any
    with clock(f"{student}: submit"):
        listed = server.assignment("submit", COURSE, ASSIGNMENT)
    out["submitted"] = [a["status"] for a in listed if a["assignment_id"] == ASSIGNMENT]


def memory_of(user):
    """The account's processes by kind (its single-user server, its kernels), each with its resident and its
    proportional set size in MB (PSS shares the libraries between processes: what a machine must hold)."""
    uid, found = pwd.getpwnam(user).pw_uid, {"server": [], "kernels": [], "other": []}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if proc.stat().st_uid != uid:
                continue
            cmd = (proc / "cmdline").read_bytes()
            sizes = dict(line.split(":", 1) for line in (proc / "smaps_rollup").read_text().splitlines()
                         if line.split(":")[0] in ("Rss", "Pss"))
        except OSError:
            continue
        kind = "server" if b"jupyterhub-singleuser" in cmd else "kernels" if b"ipykernel" in cmd else "other"
        found[kind].append({k.lower() + "_mb": round(int(v.split()[0]) / 1024, 1) for k, v in sizes.items()})
    return found


def _lines(nb):
    return {line.strip() for c in nb["cells"] for line in "".join(c["source"]).splitlines() if line.strip()}


def jit_index(cache):
    """{index file: mtime} of a Numba cache folder: an index written anew means a kernel was compiled."""
    return {str(p.relative_to(cache)): p.stat().st_mtime for p in Path(cache).rglob("*.nbi")}


def grade(site: Site, clock, report):
    """The grader's terminal: collect, grade, feedback, release it; the scores as the grader's files hold them."""
    exchange = str(site.exchange)
    with clock("collect"):
        demo.as_grader(site, "dlkit.course", "collect", ASSIGNMENT, "--exchange", exchange)
    cache = Path(demo.grader_env(site)["NUMBA_CACHE_DIR"])
    before = jit_index(cache)
    with clock("grade"):                               # its warm-up loads the grader's seeded JIT cache
        done = demo.as_grader(site, "dlkit.course", "grade", ASSIGNMENT, "--workers", str(GRADE_WORKERS))
    report["grade_output"] = done.stdout[-3000:]
    after = jit_index(cache)
    report["compiled_during_grade"] = sorted(k for k, m in after.items() if before.get(k) != m)
    with clock("feedback"):
        demo.as_grader(site, "dlkit.course", "feedback", ASSIGNMENT)
    with clock("release_feedback"):
        demo.as_grader(site, "dlkit.course", "release-feedback", ASSIGNMENT, "--exchange", exchange)
    results = json.loads((site.workdir / "results" / f"{ASSIGNMENT}.json").read_text())
    for r in results:
        if r["student"] in report["students"]:
            report["students"][r["student"]].update(score=r["score"], max_score=r["max_score"],
                                                    needs_manual=r.get("needs_manual"), reasons=r.get("reasons"))
    report["grades_csv"] = (site.workdir / "grades.csv").read_text()
    report["grade_seconds_per_student"] = round(clock.seconds["grade"] / len(site.students), 2)
    report["grade_seconds_per_student_and_worker"] = round(report["grade_seconds_per_student"] * GRADE_WORKERS, 2)


def receive_feedback(hub, student, secrets, out, clock):
    """The student fetches their feedback (Assignments tab) and reads it."""
    server = hub.server(student)
    with clock(f"{student}: fetch feedback"):
        server.assignment("fetch_feedback", COURSE, ASSIGNMENT)
    folder = f"{COURSE}/{ASSIGNMENT}/feedback"
    pages = [f"{folder}/{d['name']}/{NOTEBOOK.replace('.ipynb', '.html')}"
             for d in server.get(folder)["content"] if d["type"] == "directory"]
    out["feedback"] = pages
    text = server.get(pages[-1])["content"] if pages else ""
    out["feedback_leaks"] = leaks.found_in(leaks.text_lines(text, is_html=True), secrets.hidden)
    said = " ".join(html.unescape(leaks.TAG.sub(" ", text)).split())     # the page's visible text, in order
    score = rf"\b{out.get('score', -1):g}(\.0+)?\s*/\s*{out.get('max_score', -1):g}(\.0+)?\b"
    out["feedback_says_score"] = bool(re.search(score, said))
    out["feedback_score_line"] = next(iter(re.findall(r"Score[^()]*?(?:\)|$)", said)), "")[:200]


def second_login(hub, student):
    """Log out and in again (the server stopped and spawned anew): a fresh kernel's first fit."""
    hub.stop(student)
    spawn = hub.start(student)
    with hub.server(student).kernel() as kernel:
        return {"spawn_s": spawn, **kernel.run(FIT_SNIPPET).json()}


def attempts(site: Site, hub):
    """Everything one student tries against another's work, as that Unix account; see hub/isolation.py."""
    from . import isolation

    return isolation.attempt_all(site, hub, ASSIGNMENT)


def print_report(report):
    say("scores (expected):")
    for student, out in report["students"].items():
        say(f"  {student:16s} {out['answer']:8s} {out.get('score')} / {out.get('max_score')} "
            f"(expected {report['expected'][out['answer']]}); first fit {out['first_fit']['first_fit_s']:.2f} s")
    refused = report["attempts"]["refused"]
    say(f"attempts refused: {sum(a['refused'] for a in refused)} of {len(refused)}")
    say("seconds: " + ", ".join(f"{k} {v}" for k, v in report["seconds"].items()))
