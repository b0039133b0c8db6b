"""Grading a whole class with nbgrader, robust to broken and dishonest submissions.

    python -m dlkit.course prepare  [ASSIGNMENT...]             # workdir: source copy, release/, gradebook
    python -m dlkit.course distribute ASSIGNMENT --exchange DIR  # nbgrader release_assignment to an exchange
    python -m dlkit.course collect  ASSIGNMENT --exchange DIR    # nbgrader collect from an exchange
    python -m dlkit.course collect  [ASSIGNMENT] --from PATH     # folder or zip: student/assignment/*.ipynb,
                                                                 #   student/*.ipynb or student.ipynb
    python -m dlkit.course grade    [ASSIGNMENT...] [--workers N] [--cell-timeout S] [--student-timeout S]
    python -m dlkit.course feedback [ASSIGNMENT...]              # HTML per student, hidden tests removed
    python -m dlkit.course export   [--out grades.csv]
    python -m dlkit.course report   [ASSIGNMENT...]              # HTML: pass rates, histogram, common failures
    python -m dlkit.course check NOTEBOOK                        # a student's "check my work": visible tests

Everything happens in a working directory (``--workdir``, default ``grading/``, which ignores itself in git):

    grading/nbgrader_config.py      generated: the course config + this workdir + timeouts
    grading/source/<a>/             copy of solutions/<a> (the master copy nbgrader restores locked cells from)
    grading/release/<a>/            the student version (hidden tests and solutions removed)
    grading/submitted/<s>/<a>/      collected copies; the originals (exchange, zip, folder) are never touched
    grading/gradebook.db            the gradebook (``--db``: any SQLAlchemy URL)
    grading/backups/                a copy of the gradebook before every grading run
    grading/scratch/<a>/<s>/        one private nbgrader course per submission: its own SQLite gradebook
    grading/autograded/<s>/<a>/     the executed notebooks, merged back from the scratch courses
    grading/results/<a>.json        score or "needs manual grading" + reasons, per student

How grading works (the simple robust option): every submission is first *screened* here (empty, not JSON,
renamed, locked cells deleted or rewritten, tampering with numpy/dlkit/checks found in the code's syntax tree),
then autograded by ``nbgrader autograde`` in its own scratch course — a copy of the submission and a private
SQLite gradebook made from a template — in a subprocess with a wall-clock limit, several at a time. No two
processes ever write one gradebook: the scores are merged into the main gradebook serially afterwards. Per-cell
timeouts come from nbgrader_config.py (``--cell-timeout`` overrides them), so an infinite loop costs one cell;
a kernel that dies or a notebook that outlives ``--student-timeout`` ends as "needs manual grading" with the
reason. Re-running ``grade`` starts every scratch course afresh and replaces the merged submission: the same
inputs give the same CSV.
"""
from __future__ import annotations

import ast
import base64
import collections
import csv
import datetime
import hashlib
import html
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import course

ROOT = course.ROOT
DEFAULT_WORKDIR = "grading"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")

# names the checks rely on: a student cell must not rebind them or write to their attributes
PROTECTED = {"np", "numpy", "dk", "dlkit", "checks", "torch", "builtins", "__builtins__", "nbgrader"}
CANONICAL_IMPORTS = {"np": "numpy", "numpy": "numpy", "dk": "dlkit", "dlkit": "dlkit", "torch": "torch",
                     "checks": "dlkit.checks", "builtins": "builtins"}
DYNAMIC = {"exec", "eval", "compile", "__import__", "setattr", "delattr"}
DYNAMIC_MODULES = {"ctypes", "gc", "importlib", "unittest.mock", "mock", "inspect"}


# ---------------------------------------------------------------- the working directory

def _bin_env():
    # nbgrader's gradebook migrations call the `alembic` script that lives beside this Python
    return dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))


def db_url_for(workdir, db=None):
    """The gradebook URL: db, else the one prepare wrote into the workdir's config, else workdir/gradebook.db.
    A relative SQLite path is made absolute from the current directory, where the user typed it: nbgrader's
    runs work in other directories and would each find a different file."""
    if db:
        return absolute_sqlite(db)
    config = Path(workdir) / "nbgrader_config.py"
    if config.exists():
        found = re.search(r"^c\.CourseDirectory\.db_url = (.+)$", config.read_text(), flags=re.M)
        if found:
            return ast.literal_eval(found.group(1))
    return f"sqlite:///{Path(workdir).resolve() / 'gradebook.db'}"


def absolute_sqlite(db_url):
    """``sqlite:///relative.db`` -> ``sqlite:////abs/path/relative.db``; other URLs unchanged."""
    prefix = "sqlite:///"
    path = db_url[len(prefix):] if db_url.startswith(prefix) else None
    if not path or path.startswith("/") or path.startswith(":memory:"):
        return db_url
    return prefix + str(Path(path).resolve())


def course_id():
    """The course id of the nbgrader configuration (nbgrader_config.py), for opening gradebooks under it."""
    found = re.search(r"^c\.CourseDirectory\.course_id = (.+)$", (ROOT / "nbgrader_config.py").read_text(),
                      flags=re.M)
    return ast.literal_eval(found.group(1)) if found else "default_course"


CONFIG_TEMPLATE = '''"""Generated by dlkit.grading: the course configuration, pointed at this working directory."""
import os

c = get_config()  # noqa: F821
_course_config = {course_config!r}
exec(compile(open(_course_config).read(), _course_config, "exec"),
     {{"get_config": get_config, "__file__": _course_config}})  # noqa: F821

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.db_url = {db_url!r}

_CELL, _LONG = {cell_timeout!r}, {long_timeout!r}
if _CELL is not None:
    def _timeout(cell):
        meta = cell.get("metadata", {{}})
        nbg = meta.get("nbgrader", {{}})
        # cells tagged "long", and the course's own read-only cells (setup: imports torch), get the long limit
        trusted = nbg.get("locked") and not nbg.get("grade") and not nbg.get("solution")
        return _LONG if "long" in meta.get("tags", []) or trusted else _CELL
    c.Execute.timeout = _CELL
    c.Execute.timeout_func = _timeout

# feedback goes to students: no hidden test source, no traceback lines that could quote one
from nbgrader.preprocessors import GetGrades
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from dlkit.grading import RedactHidden
c.GenerateFeedback.preprocessors = [GetGrades, RedactHidden, CSSHTMLHeaderPreprocessor]
'''


def write_config(folder, db_url, cell_timeout=None, long_timeout=None, root=ROOT):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if cell_timeout is not None and long_timeout is None:
        long_timeout = max(cell_timeout, 5 * cell_timeout)
    (folder / "nbgrader_config.py").write_text(CONFIG_TEMPLATE.format(
        course_config=str(Path(root) / "nbgrader_config.py"), db_url=db_url,
        cell_timeout=cell_timeout, long_timeout=long_timeout))


def nbgrader(folder, *args, timeout=None, check=True):
    """Run ``nbgrader ARGS`` with folder as the course root; returns the CompletedProcess."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=folder, env=_bin_env(),
                          capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def notebook_name(assignment, root=ROOT):
    found = course.notebooks(Path(root) / "solutions" / assignment)
    if len(found) != 1:
        raise ValueError(f"solutions/{assignment} should hold exactly one notebook, found {len(found)}")
    return found[0].name


def prepare(workdir=DEFAULT_WORKDIR, assignments=None, db=None, root=ROOT, cell_timeout=None, long_timeout=None):
    """Create or refresh the working directory: config, source copy, release/ and the gradebook(s)."""
    workdir = Path(workdir).resolve()
    assignments = assignments or course.assignments(root)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / ".gitignore").write_text("*\n")
    write_config(workdir, db_url_for(workdir, db), cell_timeout, long_timeout, root)
    for a in assignments:
        src = workdir / "source" / a
        if src.exists():
            shutil.rmtree(src)
        shutil.copytree(Path(root) / "solutions" / a, src,
                        ignore=shutil.ignore_patterns("planted_bugs.py", "__pycache__", ".ipynb_checkpoints"))
        nbgrader(workdir, "generate_assignment", a, "--force", "--log-level=ERROR")
        # the template gradebook every scratch course starts from (SQLite, one per assignment)
        template = workdir / "templates" / f"{a}.db"
        template.parent.mkdir(exist_ok=True)
        template.unlink(missing_ok=True)
        main = db_url_for(workdir, db)
        if main.startswith("sqlite:///"):                # a copy of the main one, without its submissions
            backup_gradebook(workdir, main, target=template)
            _prune(template)
        else:
            nbgrader(workdir, "generate_assignment", a, "--force", "--log-level=ERROR",
                     f"--CourseDirectory.db_url=sqlite:///{template}")
    return assignments


# ---------------------------------------------------------------- collect

def _safe_student(name):
    name = name.strip()
    if not STUDENT_ID.match(name):
        raise ValueError(f"{name!r} is not a usable student id (letters, digits, _ . @ + -)")
    return name


def collect_exchange(assignment, exchange, workdir=DEFAULT_WORKDIR):
    """``nbgrader collect`` from an exchange into workdir/submitted (the exchange's copies stay as they are)."""
    workdir = Path(workdir).resolve()
    nbgrader(workdir, "collect", assignment, "--update", f"--Exchange.root={exchange}", "--log-level=ERROR")
    return sorted(p.parent.name for p in (workdir / "submitted").glob(f"*/{assignment}") if p.is_dir())


def distribute(assignment, exchange, workdir=DEFAULT_WORKDIR):
    """``nbgrader release_assignment`` from workdir/release to an exchange (students then fetch it)."""
    nbgrader(Path(workdir).resolve(), "release_assignment", assignment, "--force", f"--Exchange.root={exchange}",
             "--log-level=ERROR")


def _extract(zip_path, dest):
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            target = (dest / info.filename).resolve()
            if not str(target).startswith(str(dest.resolve())):
                raise ValueError(f"{zip_path}: {info.filename!r} points outside the archive")
        z.extractall(dest)


def collect_folder(source, workdir=DEFAULT_WORKDIR, assignment=None, assignments=None):
    """Copy submissions from a folder or zip into workdir/submitted/<student>/<assignment>/.

    Layouts: ``student/assignment/*.ipynb``; ``student/*.ipynb`` or flat ``student.ipynb`` (with ``assignment``).
    Returns {(student, assignment): [files]}. The source is only read.
    """
    workdir = Path(workdir).resolve()
    known = set(assignments or [p.name for p in (workdir / "source").iterdir()] if (workdir / "source").exists()
                else assignments or course.assignments())
    source = Path(source)
    with tempfile.TemporaryDirectory() as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            _extract(source, Path(tmp))
            source = Path(tmp)
            inner = [p for p in source.iterdir() if not p.name.startswith(("__MACOSX", "."))]
            if len(inner) == 1 and inner[0].is_dir() and inner[0].name not in known and \
                    not any(c.is_dir() and c.name in known for c in inner[0].iterdir()) and \
                    all(c.is_dir() for c in inner[0].iterdir()):
                source = inner[0]                       # a zip of one top folder holding the students
        found = collections.defaultdict(list)
        for entry in sorted(source.iterdir()):
            if entry.name.startswith((".", "__MACOSX")):
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
        for (student, a), files in found.items():
            dest = workdir / "submitted" / student / a
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            base = source / student / a if (source / student / a).is_dir() else None
            released = sorted((workdir / "release" / a).glob("*.ipynb"))
            for f in files:
                rel = f.relative_to(base) if base and base in f.parents else Path(f.name)
                if f.parent == source and released:
                    rel = Path(released[0].name)          # flat student.ipynb: the layout's name, not theirs
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, dest / rel)           # copyfile: no permission bits carried over
    return {k: [f.name for f in v] for k, v in found.items()}


# ---------------------------------------------------------------- screening

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


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _code_for_ast(source):
    # IPython magics and shell escapes are not Python; blank them so the rest can still be checked
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def tampering(source):
    """What in this cell's code writes to numpy / dlkit / checks / builtins or hides code from inspection."""
    try:
        tree = ast.parse(_code_for_ast(source))
    except SyntaxError:
        return []
    found = []

    def target(t, verb):
        if isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                target(e, verb)
            return
        if isinstance(t, ast.Starred):
            return target(t.value, verb)
        dotted = _dotted(t.value) if isinstance(t, ast.Subscript) else None
        if isinstance(t, ast.Name) and t.id in PROTECTED:
            found.append(f"{verb} the name {t.id!r}")
        elif isinstance(t, (ast.Attribute, ast.Subscript)) and _root_name(t) in PROTECTED:
            found.append(f"{verb} {ast.unparse(t)}")
        elif dotted in ("sys.modules", "__builtins__") or (isinstance(t, ast.Attribute) and t.attr == "__dict__") \
                or (isinstance(t, ast.Subscript) and isinstance(t.value, ast.Call)
                    and _dotted(t.value.func) in ("globals", "vars", "locals")):
            found.append(f"{verb} {ast.unparse(t)}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                target(t, "assigns")
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            target(node.target, "assigns")
        elif isinstance(node, ast.Delete):
            for t in node.targets:
                target(t, "deletes")
        elif isinstance(node, (ast.For, ast.comprehension)):
            target(node.target, "loops over")
        elif isinstance(node, (ast.With,)):
            for item in node.items:
                if item.optional_vars is not None:
                    target(item.optional_vars, "binds")
        elif isinstance(node, ast.NamedExpr):
            target(node.target, "assigns")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in PROTECTED:
            found.append(f"defines {node.name!r}")
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            pass
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound in PROTECTED and CANONICAL_IMPORTS.get(bound) != (alias.name if alias.asname else bound):
                    found.append(f"imports {alias.name} as {bound!r}")
                if alias.name in DYNAMIC_MODULES or alias.name.split(".")[0] in ("ctypes",):
                    found.append(f"imports {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name
                full = f"{node.module}.{alias.name}"
                if bound in PROTECTED and CANONICAL_IMPORTS.get(bound) != full and \
                        not (bound == alias.name and CANONICAL_IMPORTS.get(bound) == full):
                    found.append(f"imports {full} as {bound!r}")
                if (node.module or "") in DYNAMIC_MODULES or (node.module or "").split(".")[0] == "ctypes" or \
                        full in ("unittest.mock", "unittest.mock.patch"):
                    found.append(f"imports from {node.module}")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func) or ""
            short = name.rsplit(".", 1)[-1]
            if name in DYNAMIC:
                if name in ("setattr", "delattr") and node.args and _root_name(node.args[0]) not in PROTECTED | \
                        {"sys"} and not isinstance(node.args[0], ast.Call):
                    continue                              # setattr on the student's own objects
                found.append(f"calls {name}()")
            elif short in ("patch", "monkeypatch") or name.endswith("sys.modules.update") or \
                    name.endswith("sys.modules.__setitem__") or name in ("vars", "globals") and node.args \
                    and _root_name(node.args[0]) in PROTECTED:
                found.append(f"calls {name}()")
    return sorted(set(found))


def _cells_by_id(nb):
    return {course.nbgrader_meta(c).get("grade_id"): c for c in nb.cells if course.nbgrader_meta(c).get("grade_id")}


def screen(folder, assignment, release_nb, expected_name, result):
    """Check one collected submission folder before nbgrader sees it; returns the notebook path to grade (the
    expected name, mapped from a renamed notebook) or None when it cannot be graded automatically."""
    import nbformat

    folder = Path(folder)
    path = folder / expected_name
    if not path.exists():
        candidates = [p for p in folder.glob("*.ipynb")]
        if len(candidates) == 1:
            result.notes.append(f"notebook renamed to {candidates[0].name!r}; graded as {expected_name!r}")
            path = candidates[0]
        elif not candidates:
            result.manual(f"no notebook submitted (expected {expected_name})")
            return None
        else:
            result.manual(f"{len(candidates)} notebooks and none named {expected_name}: "
                          + ", ".join(sorted(p.name for p in candidates)))
            return None
    raw = path.read_bytes()
    if not raw.strip():
        result.manual("the notebook file is empty")
        return None
    try:
        json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        result.manual(f"the notebook is not valid JSON ({type(exc).__name__})")
        return None
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:                            # nbformat raises many kinds
        result.manual(f"the file is JSON but not a notebook ({type(exc).__name__}: {str(exc)[:120]})")
        return None
    if not any(c.cell_type == "code" for c in nb.cells):
        result.manual("the notebook has no code cells")
        return None
    # locked and test cells: nbgrader restores their source from the gradebook; report what was changed
    master = _cells_by_id(release_nb)
    mine = _cells_by_id(nb)
    for gid, cell in master.items():
        meta = course.nbgrader_meta(cell)
        if not (meta.get("locked") or meta.get("grade")) or meta.get("solution"):
            continue
        if gid not in mine:
            result.notes.append(f"cell {gid!r} was deleted" + (" (its points are lost)" if meta.get("grade") else ""))
        elif mine[gid].source.strip() != cell.source.strip():
            result.notes.append(f"cell {gid!r} was edited; nbgrader restored the original before grading")
    # code that runs as the student wrote it: every cell that is not a locked cell nbgrader restores
    locked = {gid for gid, c in master.items() if course.nbgrader_meta(c).get("locked")
              and not course.nbgrader_meta(c).get("solution")}
    suspicious = []
    for cell in nb.cells:
        if cell.cell_type != "code" or course.nbgrader_meta(cell).get("grade_id") in locked:
            continue
        suspicious += tampering(cell.source)
    if suspicious:
        result.manual("possible tampering: " + "; ".join(sorted(set(suspicious))[:6]))
    return path


# ---------------------------------------------------------------- grade

class Progress:
    """A one-line progress bar on stderr (nothing when quiet)."""

    def __init__(self, total, label, quiet=False):
        self.total, self.done, self.label, self.quiet = total, 0, label, quiet
        self.start = time.monotonic()
        self.lock = threading.Lock()
        self._draw()

    def step(self, what=""):
        with self.lock:
            self.done += 1
            self._draw(what)

    def _draw(self, what=""):
        if self.quiet:
            return
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        line = f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} " \
               f"{time.monotonic() - self.start:5.0f}s {what[:30]:<30}"
        print(line, end="\n" if self.done == self.total else "", file=sys.stderr, flush=True)


def _run_limited(cmd, cwd, limit):
    """Run cmd in its own process group; kill the group (the kernel included) when it outlives limit."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=_bin_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=limit)
        return proc.returncode, out, False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return proc.returncode, out, True


def _error_message(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            value = str(out.get("evalue", "")).strip().splitlines()
            return f"{out.get('ename', 'Error')}: {value[0] if value else ''}"[:300]
    return ""


def _grade_one(workdir, assignment, student, expected, release_nb, limit, long_timeout):
    import nbformat

    result = Result(student, assignment, max_score=float(sum(course.grade_cells(release_nb).values())))
    path = screen(workdir / "submitted" / student / assignment, assignment, release_nb, expected, result)
    scratch = workdir / "scratch" / assignment / student
    if scratch.exists():
        shutil.rmtree(scratch)
    if path is None:
        return result, None
    scratch.mkdir(parents=True)
    shutil.copyfile(workdir / "nbgrader_config.py", scratch / "nbgrader_config.py")
    cfg = (scratch / "nbgrader_config.py").read_text()
    cfg = re.sub(r"c\.CourseDirectory\.db_url = .*", f"c.CourseDirectory.db_url = "
                 f"{('sqlite:///' + str(scratch / 'gradebook.db'))!r}", cfg)
    (scratch / "nbgrader_config.py").write_text(cfg)
    shutil.copyfile(workdir / "templates" / f"{assignment}.db", scratch / "gradebook.db")
    sub = scratch / "submitted" / student / assignment
    shutil.copytree(workdir / "submitted" / student / assignment, sub,
                    ignore=shutil.ignore_patterns("*.ipynb"))
    shutil.copyfile(path, sub / expected)
    cmd = [sys.executable, "-m", "nbgrader", "autograde", assignment, f"--student={student}", "--force",
           "--log-level=WARN"]
    started = time.monotonic()
    code, out, timed_out = _run_limited(cmd, scratch, limit)
    if not timed_out and "CellTimeoutError" not in (out or "") and \
            _scratch_scores(scratch / "gradebook.db", assignment, student) is None:
        # one retry: a kernel that failed to start on a loaded machine must not cost a student their grade
        first = out
        code, out, timed_out = _run_limited(cmd, scratch, max(1.0, limit - (time.monotonic() - started)))
        out = f"{first}\n---- retry ----\n{out}"
    (scratch / "autograde.log").write_text(out or "")
    if timed_out:
        result.manual(f"grading took longer than {limit:.0f} s and was stopped")
        return result, None
    graded = scratch / "autograded" / student / assignment / expected
    scores = _scratch_scores(scratch / "gradebook.db", assignment, student)
    if scores is None or not graded.exists():
        errors = [l.strip() for l in (out or "").splitlines()
                  if re.match(r"\s*[\w.]*(Error|Exception)\b[^:]*:", l) and "Traceback" not in l]
        tail = (errors[-1] if errors else " ".join((out or "").strip().splitlines()[-2:]))[-300:]
        if "CellTimeoutError" in tail or "timed out" in tail:
            tail = "a cell kept running after its timeout and could not be interrupted: " + tail
        if re.search(r"DeadKernel|Kernel died|kernel.*(died|dead|restart)", out or "", re.I):
            result.manual("the kernel died while the notebook ran")
        else:
            result.manual(f"nbgrader could not grade it (exit {code}): {tail}")
        return result, None
    nb = nbformat.read(str(graded), as_version=4)
    cells = _cells_by_id(nb)
    for gid, pts in sorted(scores.items()):
        result.cells[gid] = pts
        if gid in cells:
            msg = _error_message(cells[gid])
            if msg:
                result.messages[gid] = msg
                if msg.startswith("CellTimeoutError") or "TimeoutError" in msg.split(":")[0]:
                    result.notes.append(f"cell {gid!r} timed out")
    for cell in nb.cells:
        if cell.cell_type == "code" and any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            gid = course.nbgrader_meta(cell).get("grade_id") or "an ungraded cell"
            note = f"cell {gid!r} timed out"
            if note not in result.notes:
                result.notes.append(note)
    if re.search(r"DeadKernel|Kernel died", out or "", re.I):
        result.manual("the kernel died while the notebook ran")
    for gid, cell in _cells_by_id(release_nb).items():
        meta = course.nbgrader_meta(cell)
        if meta.get("locked") and not meta.get("grade") and f"cell {gid!r} timed out" in result.notes:
            # the course's own cell (imports) timed out: the machine was too slow, not the student's fault
            result.manual(f"the course's cell {gid!r} timed out (machine overloaded?): regrade this student, "
                          "with a longer --cell-timeout if it happens again")
    total = float(sum(v or 0 for v in scores.values()))
    if result.needs_manual:
        result.withheld = total
    else:
        result.score = total
    return result, scratch


def _scratch_scores(db, assignment, student):
    from nbgrader.api import Gradebook, MissingEntry

    if not Path(db).exists():
        return None
    try:
        with Gradebook(f"sqlite:///{db}", course_id=course_id()) as gb:
            sub = gb.find_submission(assignment, student)
            return {g.name: float(g.score or 0) for nb in sub.notebooks for g in nb.grades
                    if g.cell.__class__.__name__ == "GradeCell" and g.max_score}
    except MissingEntry:
        return None


def _prune(db):
    """Remove every submission and student from a SQLite gradebook copy (the scratch courses' template)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}", course_id=course_id()) as gb:
        for student in list(gb.students):
            gb.remove_student(student.id)


def backup_gradebook(workdir, db_url, target=None):
    """Copy the gradebook before a grading run: the SQLite file of a ``sqlite:///PATH`` URL, or for any other
    SQLAlchemy URL (PostgreSQL, MySQL, ``sqlite+DRIVER://``) a JSON dump of its students and grades. Returns the
    backup's path, or None when there is no gradebook yet."""
    workdir = Path(workdir)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backups = workdir / "backups"
    backups.mkdir(exist_ok=True)
    if db_url.startswith("sqlite:///"):
        src = Path(db_url[len("sqlite:///"):])
        if src.exists():
            import sqlite3

            target = Path(target) if target else backups / f"gradebook-{stamp}.db"
            with sqlite3.connect(str(src)) as a, sqlite3.connect(str(target)) as b:
                a.backup(b)                              # consistent even while something reads it
            return target
        return None
    return _dump_gradebook(db_url, Path(target) if target else backups / f"gradebook-{stamp}.json")


def _dump_gradebook(db_url, target):
    """Write every student and grade of the gradebook at db_url to target (JSON); None if it has no tables.

    Read with a plain SQLAlchemy session, not nbgrader's Gradebook, which writes as it opens (it creates missing
    tables through the `alembic` script and adds a course row): a backup must leave the database as it found it.
    """
    from nbgrader.api import Assignment, Student
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.orm import Session

    engine = create_engine(db_url)
    try:
        if not inspect(engine).has_table("assignment"):
            return None
        rows = []
        with Session(engine) as db:
            students = sorted(s.id for s in db.query(Student))
            for a in db.query(Assignment).order_by(Assignment.name):
                for s in sorted(a.submissions, key=lambda s: s.student_id):
                    for nb in sorted(s.notebooks, key=lambda nb: nb.name):
                        for g in sorted(nb.grades, key=lambda g: g.name):
                            rows.append({"assignment": a.name, "student": s.student_id, "notebook": nb.name,
                                         "cell": g.name, "auto_score": g.auto_score, "manual_score": g.manual_score,
                                         "extra_credit": g.extra_credit, "max_score": g.max_score,
                                         "needs_manual_grade": g.needs_manual_grade})
    finally:
        engine.dispose()
    target.write_text(json.dumps({"db_url": make_url(db_url).render_as_string(hide_password=True),
                                  "students": students, "grades": rows}, indent=1))
    return target


def _merge(db_url, workdir, result, scratch, expected):
    """Write one result into the main gradebook (serially) and copy the executed notebook next to it."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id=course_id()) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # SQLAlchemy's autoflush chatter inside nbgrader
        gb.update_or_create_student(result.student)
        try:
            gb.remove_submission(result.assignment, result.student)
        except MissingEntry:
            pass
        dest = workdir / "autograded" / result.student / result.assignment
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
    shutil.copytree(scratch / "autograded" / result.student / result.assignment, dest)


def grade(workdir=DEFAULT_WORKDIR, assignments=None, workers=2, db=None, student_timeout=900.0,
          students=None, quiet=False, warm=True):
    """Autograde every collected submission; returns {assignment: [Result]} and writes results/<a>.json."""
    import nbformat

    workdir = Path(workdir).resolve()
    db_url = db_url_for(workdir, db)
    if not (workdir / "nbgrader_config.py").exists():
        raise FileNotFoundError(f"{workdir} is not prepared: run `python -m dlkit.course prepare` first")
    assignments = assignments or sorted(p.name for p in (workdir / "source").iterdir() if p.is_dir())
    backup_gradebook(workdir, db_url)
    if warm:
        # compile dlkit's Numba kernels into their cache once, so no submission pays for it inside a cell timeout
        try:
            subprocess.run([sys.executable, "-m", "dlkit.warmup"], cwd=ROOT, capture_output=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired):
            pass
    out = {}
    for a in assignments:
        expected = next(p.name for p in (workdir / "release" / a).glob("*.ipynb"))
        release_nb = nbformat.read(str(workdir / "release" / a / expected), as_version=4)
        who = sorted(p.parent.name for p in (workdir / "submitted").glob(f"*/{a}") if p.is_dir())
        if students:
            who = [s for s in who if s in students]
        progress = Progress(len(who), f"grading {a}", quiet)
        results = {}
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(_grade_one, workdir, a, s, expected, release_nb, student_timeout, None): s
                       for s in who}
            for future in as_completed(futures):
                s = futures[future]
                try:
                    results[s] = future.result()
                except Exception as exc:                   # a bug here must not stop the class
                    r = Result(s, a)
                    r.manual(f"grading failed: {type(exc).__name__}: {exc}")
                    results[s] = (r, None)
                progress.step(s)
        for s in who:                                       # serial: one writer for the main gradebook
            result, scratch = results[s]
            _merge(db_url, workdir, result, scratch, expected)
        (workdir / "results").mkdir(exist_ok=True)
        merged = {r.student: r for r in load_results(workdir, [a]).get(a, [])} if students else {}
        merged.update({s: results[s][0] for s in who})
        (workdir / "results" / f"{a}.json").write_text(
            json.dumps([asdict(merged[s]) for s in sorted(merged)], indent=1, sort_keys=True))
        out[a] = [results[s][0] for s in who]
    return out


def load_results(workdir=DEFAULT_WORKDIR, assignments=None):
    folder = Path(workdir) / "results"
    out = {}
    for f in sorted(folder.glob("*.json")) if folder.exists() else []:
        if assignments and f.stem not in assignments:
            continue
        out[f.stem] = [Result(**r) for r in json.loads(f.read_text())]
    return out


# ---------------------------------------------------------------- feedback, export, report

def feedback(workdir=DEFAULT_WORKDIR, assignments=None):
    """nbgrader generate_feedback: workdir/feedback/<student>/<assignment>/*.html, hidden tests removed."""
    workdir = Path(workdir).resolve()
    for a in assignments or sorted(load_results(workdir)):
        nbgrader(workdir, "generate_feedback", a, "--force", "--log-level=ERROR")
    return sorted((workdir / "feedback").rglob("*.html"))


def export(workdir=DEFAULT_WORKDIR, out=None, assignments=None):
    """grades.csv: assignment, student, score, max_score, needs_manual_grading, reason, notes (sorted)."""
    workdir = Path(workdir)
    out = Path(out) if out else workdir / "grades.csv"
    rows = []
    for a, results in sorted(load_results(workdir, assignments).items()):
        for r in sorted(results, key=lambda r: r.student):
            rows.append([a, r.student, "" if r.score is None else f"{r.score:g}", f"{r.max_score:g}",
                         "yes" if r.needs_manual else "no", " | ".join(r.reasons), " | ".join(r.notes)])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["assignment", "student", "score", "max_score", "needs_manual_grading", "reason", "notes"])
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
        msgs = collections.Counter(re.sub(r"\s+", " ", r.messages[g]).strip()[:160] for r in graded
                                   if g in r.messages)
        failures[g] = (sum(msgs.values()), msgs.most_common(3))
    return {"students": len(results), "graded": len(graded),
            "manual": sorted((r.student, "; ".join(r.reasons)) for r in results if r.needs_manual),
            "scores": sorted(r.score for r in results if r.score is not None),
            "max_score": max((r.max_score for r in results), default=0.0),
            "pass_rates": rates,
            "failures": sorted(failures.items(), key=lambda kv: -kv[1][0])}


def _plot_png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def report(workdir=DEFAULT_WORKDIR, assignments=None, out=None):
    """An HTML report: per-question pass rates, score histogram, the tests that fail most and why."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workdir = Path(workdir)
    out = Path(out) if out else workdir / "report.html"
    parts = ["<!doctype html><meta charset='utf-8'><title>dlkit grading report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}td,th{padding:2px 8px;"
             "text-align:left;vertical-align:top}table{border-collapse:collapse}tr:nth-child(even){background:#f4f4f4}"
             "</style><h1>Grading report</h1>"]
    for a, results in sorted(load_results(workdir, assignments).items()):
        s = summary(results)
        e = html.escape
        parts.append(f"<h2>{e(a)}</h2><p>{s['students']} students, {len(s['scores'])} scored automatically, "
                     f"{len(s['manual'])} need manual grading.</p>")
        fig, axes = plt.subplots(1, 2, figsize=(10, 3))
        axes[0].hist(s["scores"], bins=range(0, int(s["max_score"]) + 2), color="#4c72b0", align="left")
        axes[0].set(title="score histogram", xlabel=f"score (of {s['max_score']:g})", ylabel="students")
        qs = list(s["pass_rates"])
        axes[1].barh(qs, [100 * s["pass_rates"][q] for q in qs], color="#55a868")
        axes[1].set(title="pass rate per question", xlabel="% of graded students", xlim=(0, 100))
        parts.append(f"<img src='data:image/png;base64,{_plot_png(fig)}'>")
        plt.close(fig)
        parts.append("<h3>Pass rate per question</h3><table><tr><th>question</th><th>pass rate</th></tr>" +
                     "".join(f"<tr><td>{e(q)}</td><td>{100 * r:.0f}%</td></tr>" for q, r in s["pass_rates"].items())
                     + "</table>")
        parts.append("<h3>Tests that fail most</h3><table><tr><th>test</th><th>failures</th>"
                     "<th>most common messages</th></tr>" +
                     "".join(f"<tr><td>{e(g)}</td><td>{n}</td><td>" +
                             "<br>".join(f"{c}× <code>{e(m)}</code>" for m, c in common) + "</td></tr>"
                             for g, (n, common) in s["failures"] if n) + "</table>")
        parts.append("<h3>Needs manual grading</h3><table><tr><th>student</th><th>reason</th></tr>" +
                     "".join(f"<tr><td>{e(st)}</td><td>{e(why)}</td></tr>" for st, why in s["manual"]) + "</table>")
    out.write_text("\n".join(parts))
    return out


# ---------------------------------------------------------------- feedback preprocessor

try:
    from nbgrader.preprocessors import NbGraderPreprocessor as _Base
except Exception:                                  # nbgrader missing: only the preprocessor is unavailable
    _Base = object


class RedactHidden(_Base):
    """Feedback preprocessor: drop hidden test regions from test cells and shorten error outputs to
    ``Name: message`` (a traceback can quote a hidden line)."""

    def preprocess_cell(self, cell, resources, index):
        meta = course.nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            begin, end = map(re.escape, course.HIDDEN)
            cell.source = re.sub(rf"[ \t]*{begin}.*?{end}[^\n]*\n?", "# (hidden tests ran here)\n", cell.source,
                                 flags=re.S)
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


def file_hashes(folder):
    """{relative path: sha256} of every file below folder (the tests use it to prove nothing was modified)."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- a student's "check my work"

CHECKING_ENV = "DLKIT_CHECKING"     # set in the fresh kernel of a check: its own check cell must not start another
TYPICAL_CHECK_SECONDS = 20          # what the button promises before it has timed a run


@dataclass
class Part:
    """One graded part of a checked notebook: its test cell passed, or the first line of what it said."""

    grade_id: str
    points: float
    passed: bool
    message: str = ""


@dataclass
class WorkCheck:
    """What checking a saved notebook found: every graded part, and what went wrong outside them."""

    path: str
    saved: float                                  # the file's modification time (time.time() scale)
    parts: list = field(default_factory=list)     # [Part], in notebook order
    problems: list = field(default_factory=list)  # edited test cells, a crashed solution cell, a dead kernel
    seconds: float = 0.0                          # how long the run took
    by_hand: float = 0.0                          # points of written answers, graded by a person
    checked_at: float = None                      # when the check read the file (time.time() scale)

    @property
    def passed(self):
        return [p for p in self.parts if p.passed]

    @property
    def ok(self):
        return bool(self.parts) and len(self.passed) == len(self.parts) and not self.problems

    def text(self, now=None):
        """The report; the file's age is given as of when the check read it (default), not when it finished."""
        now = now if now is not None else self.checked_at if self.checked_at is not None else time.time()
        when = datetime.datetime.fromtimestamp(self.saved).strftime("%H:%M:%S")
        lines = [f"Checked {Path(self.path).name} as last saved {_ago(now - self.saved)} ({when}); edits you have "
                 "not saved are not included: save with Ctrl+S (⌘S on a Mac) and check again.", ""]
        for p in self.parts:
            mark = "✓ pass" if p.passed else "✗ fail"
            lines.append(f"{mark}  {p.grade_id} ({p.points:g} point{'s' if p.points != 1 else ''})"
                         + ("" if p.passed else f": {p.message}"))
        lines += [f"! {problem}" for problem in self.problems]
        got = sum(p.points for p in self.passed)
        lines += ["", f"Visible tests passed in {len(self.passed)} of {len(self.parts)} parts ({got:g} of "
                  f"{sum(p.points for p in self.parts):g} points); hidden tests run when your notebook is graded"
                  + (f", and {self.by_hand:g} more points are graded by hand" if self.by_hand else "")
                  + f". (ran in {self.seconds:.0f} s)"]
        return "\n".join(lines)


def _ago(seconds):
    seconds = max(0.0, seconds)
    if seconds < 10:
        return "just now"
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def find_notebook(path=None, cwd=None):
    """The notebook a check runs: ``path`` if given; else the one this kernel belongs to (``JPY_SESSION_NAME``,
    set by Jupyter); else ``<folder>.ipynb`` in the working directory (an assignment's folder and notebook share
    their name); else the only notebook there. Raises FileNotFoundError saying what to pass."""
    cwd = Path(cwd or os.getcwd())
    hint = "pass the file name, e.g. checks.check_my_work(\"02-forward-pass.ipynb\")"
    if path:
        found = cwd / Path(path).expanduser()
        if not found.is_file():
            raise FileNotFoundError(f"no notebook {str(found)!r}: {hint}")
        return found
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb"):
        for found in (Path(session), cwd / Path(session).name):
            if found.is_file():
                return found
    if (cwd / f"{cwd.name}.ipynb").is_file():
        return cwd / f"{cwd.name}.ipynb"
    candidates = sorted(cwd.glob("*.ipynb"))
    if len(candidates) == 1:
        return candidates[0]
    listed = ", ".join(p.name for p in candidates[:6]) or "none"
    raise FileNotFoundError(f"cannot tell which notebook to check in {cwd} (notebooks there: {listed}): {hint}")


def _first_line(ename, evalue):
    """The line of an error a student should read: a check's own message, else `Name: message`."""
    lines = [l.strip() for l in ANSI.sub("", str(evalue)).splitlines() if l.strip()]
    text = lines[0] if lines else ""
    if ename not in ("CheckFailure", "AssertionError") or not text:
        text = f"{ename}: {text}" if text else ename
    return text[:400]


def _cell_error(cell, reply):
    """The first line of what went wrong in an executed cell, or ''."""
    content = (reply or {}).get("content", {})
    timed_out = content.get("ename") == "CellTimeoutError"     # its output is the interrupt's KeyboardInterrupt
    for out in [] if timed_out else cell.get("outputs", []):
        if out.get("output_type") == "error":
            return _first_line(out.get("ename", "Error"), out.get("evalue", ""))
    if content.get("status") == "error":
        return _first_line(content.get("ename", "Error"), content.get("evalue", ""))
    return ""


def _this_python_kernels():
    """A kernel spec manager whose python3 is this interpreter: the check runs in the student's own Python,
    whatever kernel specs are installed elsewhere."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="Python 3 (this environment)", language="python")

    return ThisPython()


def _cell_timeouts(config_dir):
    """(timeout, timeout_func) from config_dir/nbgrader_config.py, as nbgrader would run the notebook."""
    config_file = Path(config_dir) / "nbgrader_config.py"
    if config_file.exists():
        from traitlets.config.loader import PyFileConfigLoader

        execute = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config().Execute
        return execute.get("timeout", 60), execute.get("timeout_func")
    return 60, None


def check_notebook(path, config_dir=ROOT, progress=None):
    """Run the saved notebook at path top to bottom in a fresh kernel of this Python, in its own folder, with
    ``NBGRADER_EXECUTION=validate`` (so it runs as nbgrader's Validator would run it) and the cell timeouts of
    config_dir's nbgrader_config.py, then score each graded test cell. ``progress(i, n)`` is called before
    code cell i of n runs. Returns a WorkCheck; the file is only read."""
    import nbformat
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from nbgrader.utils import compute_checksum

    path = Path(path)
    saved = path.stat().st_mtime
    nb = nbformat.read(str(path), as_version=4)
    started = time.monotonic()
    report = WorkCheck(str(path), saved, checked_at=time.time(), by_hand=float(sum(
        m.get("points", 0) for m in map(course.nbgrader_meta, nb.cells) if m.get("grade") and m.get("solution"))))
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    # a test cell the student edited no longer tests what grading tests (nbgrader restores the original)
    edited = {i for i in code if course.nbgrader_meta(nb.cells[i]).get("locked")
              and course.nbgrader_meta(nb.cells[i]).get("checksum") not in (None, compute_checksum(nb.cells[i]))}
    replies, running = {}, [None]

    def on_start(cell, cell_index, **_):
        running[0] = code.index(cell_index) + 1 if cell_index in code else 0
        if progress:
            progress(running[0], len(code))

    def on_executed(cell, cell_index, execute_reply, **_):
        replies[cell_index] = execute_reply

    timeout, timeout_func = _cell_timeouts(config_dir)
    env = dict(os.environ, NBGRADER_EXECUTION="validate", **{CHECKING_ENV: "1"})
    env.pop("JPY_SESSION_NAME", None)
    km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=_this_python_kernels())
    client = NotebookClient(nb, km=km, timeout=timeout, timeout_func=timeout_func, allow_errors=True,
                            interrupt_on_timeout=True, record_timing=False,
                            error_on_timeout={"ename": "CellTimeoutError", "evalue": "the cell ran past its time "
                                              "limit and was interrupted: look for a loop that never ends"},
                            on_cell_start=on_start, on_cell_executed=on_executed,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    try:
        # the kernel's own logging would land in the student's notebook (ipykernel captures this process's fds)
        client.execute(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except DeadKernelError:
        report.problems.append(f"the kernel died while code cell {running[0]} of {len(code)} ran, so the cells "
                               "after it did not run: look for something that uses all the memory or ends Python")
    except Exception as exc:                      # the kernel would not start, a cell could not be interrupted
        report.problems.append(f"your notebook could not be run to the end: {_first_line(type(exc).__name__, exc)}")
    for i in code:
        cell = nb.cells[i]
        meta = course.nbgrader_meta(cell)
        error = _cell_error(cell, replies.get(i)) if i in replies else "did not run"
        name = repr(meta["grade_id"]) if meta.get("grade_id") else f"{code.index(i) + 1} (of {len(code)})"
        if error.startswith("CellTimeoutError"):
            report.problems.append(f"code cell {name} ran past its time limit and was interrupted: look for a "
                                   "loop that never ends")
        elif meta.get("solution") and error and error != "did not run":
            report.problems.append(f"your cell {name} raised {error}")
        if not (meta.get("grade") and not meta.get("solution") and "points" in meta):
            continue
        if i in edited:
            error = ("you edited this test cell, so it no longer checks what grading checks (grading runs the "
                     "original): undo the edit")
        report.parts.append(Part(meta["grade_id"], float(meta["points"]), not error, error))
    report.seconds = time.monotonic() - started
    return report


def check_my_work(path, config_dir=ROOT):
    """A student's "check my work" on the command line: (ok, the report's text)."""
    report = check_notebook(find_notebook(path), config_dir=config_dir)
    return report.ok, report.text()


# ---------------------------------------------------------------- command line (python -m dlkit.course ...)

def main(argv=None):
    import argparse

    p = argparse.ArgumentParser(prog="python -m dlkit.course", description="Grade a class with nbgrader.")
    sub = p.add_subparsers(dest="command", required=True)

    def cmd(name, help, assignments="*"):
        c = sub.add_parser(name, help=help)
        c.add_argument("--workdir", default=DEFAULT_WORKDIR, help="working directory (default: grading/)")
        c.add_argument("--db", default=None, help="gradebook SQLAlchemy URL (default: sqlite in the workdir)")
        if assignments == "*":
            c.add_argument("assignments", nargs="*", help="assignment names (default: all)")
        elif assignments == "1":
            c.add_argument("assignment")
        elif assignments == "?":
            c.add_argument("assignment", nargs="?")
        return c

    c = cmd("prepare", "copy the source, release it and fill the gradebook")
    c.add_argument("--cell-timeout", type=float, default=None, help="seconds per cell (default: the course's)")
    c.add_argument("--long-timeout", type=float, default=None, help="seconds per cell tagged 'long'")
    c = cmd("distribute", "nbgrader release_assignment to an exchange", "1")
    c.add_argument("--exchange", required=True, help="the exchange root (Exchange.root)")
    c = cmd("collect", "collect submissions from an exchange, a folder or a zip", "?")
    c.add_argument("--exchange", help="collect from this exchange root")
    c.add_argument("--from", dest="source", help="a folder or zip of student/assignment/*.ipynb or student.ipynb")
    c = cmd("grade", "autograde every collected submission")
    c.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    c.add_argument("--student-timeout", type=float, default=900.0, help="wall-clock seconds per submission")
    c.add_argument("--student", action="append", help="only these students (repeatable)")
    c.add_argument("--quiet", action="store_true")
    cmd("feedback", "HTML feedback per student (hidden tests removed)")
    c = cmd("export", "grades CSV")
    c.add_argument("--out", default=None)
    c = cmd("report", "class report (HTML with plots)")
    c.add_argument("--out", default=None)
    c = sub.add_parser("check", help="a student's check-my-work: the visible tests of a notebook")
    c.add_argument("notebook")
    args = p.parse_args(argv)

    if args.command == "check":
        try:
            ok, text = check_my_work(args.notebook)
        except FileNotFoundError as err:
            print(err, file=sys.stderr)
            return 1
        print(text)
        return 0 if ok else 1
    if args.command == "prepare":
        names = prepare(args.workdir, args.assignments or None, args.db, cell_timeout=args.cell_timeout,
                        long_timeout=args.long_timeout)
        print(f"prepared {args.workdir}: {', '.join(names)}")
    elif args.command == "distribute":
        distribute(args.assignment, args.exchange, args.workdir)
        print(f"released {args.assignment} to {args.exchange}")
    elif args.command == "collect":
        if bool(args.exchange) == bool(args.source):
            p.error("collect needs exactly one of --exchange DIR or --from PATH")
        if args.exchange:
            if not args.assignment:
                p.error("collect --exchange needs the assignment name")
            who = collect_exchange(args.assignment, args.exchange, args.workdir)
            print(f"collected {len(who)} submission(s) of {args.assignment}")
        else:
            found = collect_folder(args.source, args.workdir, args.assignment)
            print(f"collected {len(found)} submission(s) into {args.workdir}/submitted")
    elif args.command == "grade":
        done = grade(args.workdir, args.assignments or None, args.workers, args.db, args.student_timeout,
                     args.student, args.quiet)
        for a, results in done.items():
            manual = [r for r in results if r.needs_manual]
            print(f"{a}: {len(results) - len(manual)} scored, {len(manual)} need manual grading")
            for r in manual:
                print(f"  {r.student}: {'; '.join(r.reasons)}")
        print(f"grades: {export(args.workdir)}")
    elif args.command == "feedback":
        pages = feedback(args.workdir, args.assignments or None)
        print(f"{len(pages)} feedback page(s) in {Path(args.workdir) / 'feedback'}")
    elif args.command == "export":
        print(export(args.workdir, args.out))
    elif args.command == "report":
        print(report(args.workdir, args.assignments or None, args.out))
    return 0
