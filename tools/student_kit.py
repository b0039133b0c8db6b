"""The student kit: what a class gets, without answers. `make student-kit` (python tools/student_kit.py).

    dist/student-kit/        dlkit (without the instructor's dlkit/course/), the lecture notebooks, the released
                             exercises, pyproject.toml and environment.yml, the JupyterLab launcher, the tests that
                             need no solutions, a Makefile and a README of its own (`make lab`, `make test`)
    dist/student-kit.zip     the same folder, zipped (one top folder, student-kit/)

Left out: solutions/ (every solution and hidden test), the planted bugs, the instructor's tooling (dlkit/course/,
the grading tests, docs/, hub/, this builder) and every test that reads solutions/. Before it writes the zip the
builder checks its own work: no nbgrader marker and no hidden-test line anywhere in the kit, no solution line
outside the engine and the lectures (tools/leaks.py), and no module the kit ships importing one it leaves out.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "kit"
KIT_NAME = "student-kit"
MODULES_MARK = "<!-- modules -->"
# what the kit takes from the course (folders whole, unless left out below)
INCLUDE = ("dlkit", "notebooks", "exercises", "tests", "tools/__init__.py", "tools/lab.py", "pyproject.toml",
           "environment.yml", "nbgrader_config.py", "nbval_sanitize.cfg")
# the instructor's: never in the kit
LEAVE_OUT = ("dlkit/course", "dlkit/course.py", "dlkit/grading.py", "tests/course", "tests/hub",
             "tests/kernels/gpu_reference_kernels.py", "tests/test_architecture.py")
LEAVE_OUT_NAMES = ("__pycache__", ".ipynb_checkpoints", "planted_bugs.py")
# a test that mentions any of these reads the solutions or drives the instructor's tools
INSTRUCTOR_TEST = re.compile(r"\bsolutions\b|dlkit\.course|from dlkit import[^\n]*\bcourse\b|dlkit\.grading|"
                             r"import grading|planted|gpu_reference_kernels|student_kit")
# where a solution line may stand in the kit: the engine the course teaches is itself the reference answer
# (dk.activations.relu is what lecture 02 demonstrates; the checks compare a student's code with it)
SOLUTION_LINES_ALLOWED_IN = ("dlkit/",)
TEXT_SUFFIXES = {".py", ".ipynb", ".md", ".txt", ".toml", ".yml", ".yaml", ".cfg", ".json", ""}


def course_files(root=ROOT):
    """The course's files as git sees them (tracked, and new ones it does not ignore), relative to root."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    return sorted(p for p in listed.split("\0") if p and (Path(root) / p).is_file())


def _left_out(name):
    parts = Path(name).parts
    return (any(name == x or name.startswith(x + "/") for x in LEAVE_OUT) or any(p in LEAVE_OUT_NAMES for p in parts))


def kit_files(root=ROOT):
    """{path in the kit: source path} for everything the kit takes from the course."""
    chosen = {}
    for name in course_files(root):
        if not any(name == x or name.startswith(x + "/") for x in INCLUDE) or _left_out(name):
            continue
        if name.startswith("tests/") and name.endswith(".py") and \
                INSTRUCTOR_TEST.search((Path(root) / name).read_text(encoding="utf-8")):
            continue
        chosen[name] = Path(root) / name
    for template in sorted(TEMPLATES.rglob("*")):
        if template.is_file():
            chosen[str(template.relative_to(TEMPLATES))] = template
    return chosen


def build(out=ROOT / "dist" / KIT_NAME, root=ROOT):
    """Write the kit folder; returns its path (the checks of `check` must pass)."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    for name, source in kit_files(root).items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    readme = out / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace(MODULES_MARK, module_table(out)), encoding="utf-8")
    problems = check(out, root)
    if problems:
        raise RuntimeError("the student kit would give away or break:\n  " + "\n  ".join(problems))
    return out


def _title(notebook):
    """A lecture's title: its first Markdown heading, without 'Module NN —'."""
    for cell in json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        heading = re.search(r"^#\s+(.+)$", source, flags=re.M) if cell["cell_type"] == "markdown" else None
        if heading:
            return re.sub(r"^(Module\s+)?\d+\s*[—·:-]\s*", "", heading.group(1)).strip()
    return Path(notebook).stem


def module_table(kit):
    """The kit README's table: each lecture with its assignment, read from the kit's own files."""
    kit = Path(kit)
    rows = ["| # | lecture and lab | graded assignment |", "|---|---|---|"]
    for lecture in sorted(kit.glob("notebooks/[0-9][0-9]-*.ipynb")):
        exercise = sorted(kit.glob(f"exercises/{lecture.stem}/*.ipynb"))
        graded = f"[{exercise[0].parent.name}]({exercise[0].relative_to(kit)})" if exercise else "—"
        rows.append(f"| {lecture.stem[:2]} | [{_title(lecture)}](notebooks/{lecture.name}) | {graded} |")
    return "\n".join(rows)


def _text_files(folder):
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            yield path, path.read_text(encoding="utf-8", errors="replace")


def check(kit, root=ROOT):
    """What is wrong with a built kit: secrets in it (tools/leaks.py), instructor folders, imports of modules it
    leaves out. Empty when the kit is fit to hand out."""
    from tools import leaks

    kit = Path(kit)
    secrets = leaks.course_secrets(root)
    problems = [f"{name} is the instructor's" for name in ("solutions", "dlkit/course", "docs", "hub")
                if (kit / name).exists()]
    problems += [f"{p.relative_to(kit)} is a planted bug file" for p in kit.rglob("planted_bugs.py")]
    for path, text in _text_files(kit):
        name = str(path.relative_to(kit))
        lines = leaks.notebook_lines(path) if path.suffix == ".ipynb" else leaks.text_lines(text)
        forbidden = secrets.hidden if name.startswith(SOLUTION_LINES_ALLOWED_IN) else secrets.all()
        for line in leaks.found_in(lines, forbidden):
            problems.append(f"{name}: {line[:100]!r}")
    problems += missing_imports(kit, root)
    return problems


def missing_imports(kit, root=ROOT):
    """Imports in the kit's Python files of dlkit modules the course has and the kit does not ship."""
    kit = Path(kit)
    problems = []
    for path in sorted(kit.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        except SyntaxError as err:
            problems.append(f"{path.relative_to(kit)}:{err.lineno} is not valid Python")
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(path.relative_to(kit), node)
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] == "dlkit" and _module_in(root, name) and not _module_in(kit, name):
                    problems.append(f"{path.relative_to(kit)}:{node.lineno} imports {name}, which the kit leaves out")
    return problems


def _module_in(root, dotted):
    """Whether root holds the module dotted (a .py file or a package)."""
    path = Path(root, *dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _absolute(rel_path, node):
    """The absolute module an ImportFrom names, from the importing file's place in the kit."""
    if node.level == 0:
        return node.module or ""
    package = list(rel_path.parent.parts)
    package = package[:len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def write_zip(folder, target):
    """folder zipped under one top folder named like it; returns the zip's path."""
    folder, target = Path(folder), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, Path(folder.name) / path.relative_to(folder))
    return target


def main(argv=None):
    p = argparse.ArgumentParser(prog="python tools/student_kit.py", description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "dist" / KIT_NAME), help="the kit folder (default dist/student-kit)")
    args = p.parse_args(argv)
    try:
        kit = build(args.out)
    except RuntimeError as err:
        print(err, file=sys.stderr)
        return 1
    archive = write_zip(kit, Path(args.out).with_suffix(".zip"))
    count = sum(1 for p in kit.rglob("*") if p.is_file())
    print(f"student kit: {kit} ({count} files), {archive} ({archive.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
