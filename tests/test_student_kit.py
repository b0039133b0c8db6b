"""The student kit (tools/student_kit.py, `make student-kit`): what a class gets holds no solution, no hidden test,
no planted bug and no instructor tool, and runs on its own."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tools import leaks, student_kit

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    return student_kit.build(tmp_path_factory.mktemp("dist") / student_kit.KIT_NAME)


def test_the_released_exercises_hold_no_hidden_test_and_no_solution():
    for nb in sorted(ROOT.glob("exercises/*/*.ipynb")):
        text = nb.read_text(encoding="utf-8")
        assert leaks.HIDDEN[0] not in text and leaks.SOLUTION[0] not in text, nb


def test_the_secrets_are_the_lines_the_release_does_not_show():
    secrets = leaks.course_secrets(ROOT)
    assert len(secrets.solution) > 100 and len(secrets.hidden) > 100       # every assignment has both
    shown = leaks.shown_lines(sorted(ROOT.glob("exercises/*/*.ipynb")))
    assert not (secrets.all() & shown)


def test_the_kit_holds_no_solution_no_hidden_test_and_no_instructor_tool(kit):
    """Every line of every solution block and hidden test, searched in every file of the kit: no hidden-test line
    anywhere, no solution line outside dlkit's engine (whose functions are the reference answers the checks
    compare with), no nbgrader marker, no instructor folder, no test that reads solutions/."""
    assert student_kit.check(kit) == []
    for folder in ("solutions", "dlkit/course", "docs", "hub", "tests/course", "tests/hub"):
        assert not (kit / folder).exists(), folder
    assert not list(kit.rglob("planted_bugs.py")) and not (kit / "tools" / "student_kit.py").exists()
    for test in kit.glob("tests/**/*.py"):                 # the kit's own test_kit.py checks solutions/ is absent
        assert test.name == "test_kit.py" or "solutions" not in test.read_text(encoding="utf-8"), test
    for name in ("notebooks/00-orientation.ipynb", "exercises/02-forward-pass/02-forward-pass.ipynb",
                 "dlkit/checks.py", "tools/lab.py", "pyproject.toml", "environment.yml", "Makefile"):
        assert (kit / name).is_file(), name


def test_the_check_finds_what_would_give_answers_away(kit, tmp_path):
    """The builder's check is not vacuous: a hidden-test line, a solution line, a marker and a solutions folder
    planted in a copy of the kit are each reported."""
    secrets = leaks.course_secrets(ROOT)
    hidden, solution = sorted(secrets.hidden)[0], sorted(secrets.solution)[0]
    copy = tmp_path / "kit"
    subprocess.run(["cp", "-R", str(kit), str(copy)], check=True)
    (copy / "tests" / "planted.md").write_text(f"{hidden}\n{solution}\n# {leaks.HIDDEN[0]}\n")
    (copy / "solutions").mkdir()
    problems = "\n".join(student_kit.check(copy))
    for planted in (hidden, solution, leaks.HIDDEN[0], "solutions is the instructor's"):
        assert planted[:60] in problems, planted


def test_the_kit_readme_gives_its_two_commands_and_every_module(kit):
    readme = (kit / "README.md").read_text(encoding="utf-8")
    assert "make lab" in readme and "make test" in readme and "JupyterHub" in readme
    for lecture in sorted(ROOT.glob("notebooks/[0-9][0-9]-*.ipynb")):
        assert f"(notebooks/{lecture.name})" in readme, lecture.name
    makefile = (kit / "Makefile").read_text()
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "--hide-instructor-tools" in makefile


@pytest.mark.slow
def test_the_zipped_kit_runs_on_its_own(kit, tmp_path):
    """Unzipped into an empty folder, the kit's own dlkit (without dlkit/course) imports and its kit tests pass,
    Check my work included. (A fresh venv with `make test` and `make lab` is the manual check: docs/jupyterhub.md.)"""
    archive = student_kit.write_zip(kit, tmp_path / "student-kit.zip")
    target = tmp_path / "unpacked"
    target.mkdir()
    with zipfile.ZipFile(archive) as z:
        z.extractall(target)
    unpacked = target / student_kit.KIT_NAME
    env = dict(os.environ, PYTHONPATH=str(unpacked), NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    where = subprocess.run([sys.executable, "-c", "import dlkit, importlib.machinery as m, json; print(json.dumps("
                            "[dlkit.__file__, m.PathFinder.find_spec('dlkit.course', dlkit.__path__) is None]))"],
                           cwd=unpacked, env=env, capture_output=True, text=True, check=True)
    path, no_course = json.loads(where.stdout)
    assert path.startswith(str(unpacked)) and no_course
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                           "tests/test_kit.py"], cwd=unpacked, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
