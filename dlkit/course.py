"""Course plumbing for the graded notebooks: release, stripping, and a fast in-process grader.

    python -m dlkit.course release         # exercises/ <- nbgrader generate_assignment of every solutions/NN-*
    python -m dlkit.course strip PATH...   # drop outputs, except those of nbval-checked cells
    python -m dlkit.course refresh PATH... # run notebooks in a fresh kernel, then strip: checked outputs current

``grade_in_process`` runs a notebook's code cells in one fresh namespace here, without a Jupyter kernel, and
scores its autograded cells the way nbgrader does (a cell that raises scores 0, one that runs scores its points);
the test suite uses it to plant typical bugs in a solution and see each one cost points. The real nbgrader runs
live in ``tests/test_course.py``; conventions are documented in ``solutions/README.md``.
"""
from __future__ import annotations

import contextlib
import copy
import io
import os
import re
import subprocess
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT_GLOB = "[0-9][0-9]-*"
CHECK_OUTPUT = "# NBVAL_CHECK_OUTPUT"
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")


def assignments(root=ROOT):
    """The assignment names: every solutions/NN-topic folder, sorted."""
    return sorted(p.name for p in (Path(root) / "solutions").glob(ASSIGNMENT_GLOB) if p.is_dir())


def notebooks(folder):
    """Every .ipynb below folder (checkpoints excluded), sorted."""
    return sorted(p for p in Path(folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def release(root=ROOT, log_level="ERROR"):
    """Regenerate exercises/ from solutions/ with nbgrader (no gradebook written); returns the assignments."""
    names = assignments(root)
    if names:
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT_GLOB, "--force",
                        "--no-db", f"--log-level={log_level}"], cwd=root, check=True)
    return names


# ---------------------------------------------------------------- outputs

def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def checks_output(cell):
    """Whether nbval compares this cell's output (first line ``# NBVAL_CHECK_OUTPUT``)."""
    return cell.cell_type == "code" and cell.source.lstrip().startswith(CHECK_OUTPUT)


def strip(nb):
    """Outputs, counts and run-time metadata removed, in place; nbval-checked cells keep their text outputs."""
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
    nb.metadata.get("language_info", {}).pop("version", None)         # changes with every Python upgrade
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for cell in nb.cells:
        for key in ("execution", "collapsed", "scrolled", "ExecuteTime"):
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        # nbval refuses a stored output without an execution count; the cell's position keeps diffs quiet
        count = code_cells.index(cell) + 1 if checks_output(cell) and cell.outputs else None
        cell.execution_count = count
        keep = []
        for out in cell.outputs if checks_output(cell) else ():
            if out.get("output_type") == "stream":
                if keep and keep[-1].get("output_type") == "stream" and keep[-1]["name"] == out["name"]:
                    keep[-1]["text"] += out["text"]            # one block per stream, as nbval compares them
                else:
                    keep.append(out)
            elif out.get("output_type") == "execute_result":
                out["data"] = {"text/plain": out["data"].get("text/plain", "")}
                out["metadata"], out["execution_count"] = {}, count
                keep.append(out)
        cell.outputs = keep
    return nb


def strip_file(path):
    """Strip a notebook file in place; True if it changed."""
    import nbformat

    before = Path(path).read_text()
    after = nbformat.writes(strip(_read(path)), version=4) + "\n"
    if after != before:
        Path(path).write_text(after)
    return after != before


def refresh(path, timeout=600):
    """Run a notebook top to bottom in a fresh kernel, then strip it: the nbval-checked outputs are current."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = _read(path)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    path.write_text(nbformat.writes(strip(nb), version=4) + "\n")


def stripped_problems(nb):
    """What a committed notebook should not carry: [(cell index, problem)]."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("execution_count") is not None and not (checks_output(cell) and cell.outputs):
            problems.append((i, "has an execution count"))
        if cell.outputs and not checks_output(cell):
            problems.append((i, "has outputs but is not marked # NBVAL_CHECK_OUTPUT"))
        for out in cell.outputs:
            if any(not k.startswith("text/") for k in out.get("data", {})):
                problems.append((i, "keeps a rich (image or widget) output"))
        if checks_output(cell) and not cell.outputs:
            problems.append((i, "is marked # NBVAL_CHECK_OUTPUT but has no stored output to compare with"))
    return problems


def validate(path, invert=False, config_dir=ROOT):
    """nbgrader's Validator on one notebook, configured by config_dir/nbgrader_config.py: its results dict,
    {} when everything is as it should be (``nbgrader validate`` itself always exits 0, so read this)."""
    from nbgrader.validator import Validator
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(config_dir)).load_config()
    return Validator(config=config, invert=invert).validate(str(path))


# ---------------------------------------------------------------- nbgrader cells

def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def grade_cells(nb):
    """The autograded test cells: {grade_id: points}."""
    return {m["grade_id"]: m["points"] for m in map(nbgrader_meta, nb.cells)
            if m.get("grade") and not m.get("solution") and "points" in m}


def cell_by_id(nb, grade_id):
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            return cell
    raise KeyError(f"no cell with grade_id {grade_id!r}")


def plant(nb, grade_id, old, new):
    """A copy of nb whose cell ``grade_id`` has ``old`` replaced by ``new`` (exactly once): a planted bug."""
    nb = copy.deepcopy(nb)
    cell = cell_by_id(nb, grade_id)
    count = cell.source.count(old)
    if count != 1:
        raise ValueError(f"cell {grade_id!r} contains {old!r} {count} times; a planted bug must match once")
    cell.source = cell.source.replace(old, new)
    return nb


def regions(source, markers):
    """The text between each pair of markers (e.g. SOLUTION or HIDDEN) in a cell's source."""
    begin, end = map(re.escape, markers)
    return re.findall(rf"{begin}[^\n]*\n(.*?){end}", source, flags=re.S)


@dataclass(frozen=True)
class Bug:
    """A typical mistake planted in a solution: ``old`` replaced by ``new`` in solution cell ``cell`` must make
    exactly the test cells ``fails`` lose their points, with a message containing ``says``."""

    assignment: str
    cell: str
    old: str
    new: str
    fails: frozenset
    says: str
    real_run: bool = False          # also planted in the test suite's real nbgrader run (one per assignment)

    def plant(self, nb):
        return plant(nb, self.cell, self.old, self.new)


def planted_bugs(assignment, root=ROOT):
    """The bugs listed in solutions/<assignment>/planted_bugs.py (``BUGS``, a list of dicts), [] if none."""
    import runpy

    path = Path(root) / "solutions" / assignment / "planted_bugs.py"
    if not path.exists():
        return []
    return [Bug(assignment=assignment, cell=b["cell"], old=b["old"], new=b["new"], fails=frozenset(b["fails"]),
                says=b["says"], real_run=b.get("real_run", False))
            for b in runpy.run_path(str(path))["BUGS"]]


# ---------------------------------------------------------------- grading without a kernel

@dataclass
class Grade:
    """What grading a notebook gave: points per grade cell and the failure message of each failing cell."""

    points: dict = field(default_factory=dict)        # grade_id -> points earned
    max_points: dict = field(default_factory=dict)    # grade_id -> points possible
    messages: dict = field(default_factory=dict)      # grade_id -> last line of the error ("CheckFailure: ...")
    errors: list = field(default_factory=list)        # (cell index, message) of failing cells that are not graded

    @property
    def score(self):
        return sum(self.points.values())

    @property
    def max_score(self):
        return sum(self.max_points.values())


def _error_text(exc):
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def grade_in_process(nb, mode="autograde"):
    """Run nb's code cells in order in a fresh namespace (no kernel) and score the grade cells like nbgrader:
    all points if the cell runs, none if it raises. ``NBGRADER_EXECUTION`` is set to ``mode`` meanwhile.

    Cells must be plain Python (no ``%magics``); matplotlib draws off screen and figures are closed.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grade = Grade()
    namespace = {"__name__": "__main__"}
    saved = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = mode
    try:
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            meta = nbgrader_meta(cell)
            graded = meta.get("grade") and not meta.get("solution") and "points" in meta
            if graded:
                grade.max_points[meta["grade_id"]] = meta["points"]
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                        warnings.catch_warnings():
                    warnings.simplefilter("ignore")            # a kernel would print them; nobody reads them here
                    exec(compile(cell.source, f"<cell {i}>", "exec"), namespace)
                if graded:
                    grade.points[meta["grade_id"]] = meta["points"]
            except Exception as exc:                    # a failing cell is a result here, not an error
                if graded:
                    grade.points[meta["grade_id"]] = 0
                    grade.messages[meta["grade_id"]] = _error_text(exc)
                else:
                    grade.errors.append((i, _error_text(exc)))
            finally:
                plt.close("all")
    finally:
        if saved is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = saved
    return grade


GRADING_COMMANDS = ("prepare", "distribute", "collect", "grade", "feedback", "export", "report", "check")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in GRADING_COMMANDS:          # the instructor's grading workflow: dlkit/grading.py
        from . import grading

        return grading.main(argv)
    if argv[:1] == ["release"]:
        names = release()
        print(f"released {len(names)} assignment(s) to exercises/: {', '.join(names)}")
    elif argv[:1] == ["refresh"] and len(argv) > 1:
        for path in [p for arg in argv[1:] for p in (notebooks(arg) if Path(arg).is_dir() else [Path(arg)])]:
            print(f"running {path}")
            refresh(path)
    elif argv[:1] == ["strip"] and len(argv) > 1:
        paths = [p for arg in argv[1:] for p in (notebooks(arg) if Path(arg).is_dir() else [Path(arg)])]
        changed = [str(p) for p in paths if strip_file(p)]
        print(f"stripped {len(changed)} of {len(paths)} notebook(s)" + "".join(f"\n  {p}" for p in changed))
    else:
        print("usage: python -m dlkit.course release | strip PATH... | refresh PATH... | "
              + " | ".join(GRADING_COMMANDS) + " ... (see --help of each)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
