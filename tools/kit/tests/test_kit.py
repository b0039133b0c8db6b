"""The kit itself: no instructor side in it, and Check my work runs without it (a fresh kernel, in this Python)."""
import importlib.machinery
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_kit_has_no_solutions_and_no_instructor_tools():
    assert not (ROOT / "solutions").exists()
    import dlkit

    assert importlib.machinery.PathFinder.find_spec("dlkit.course", dlkit.__path__) is None
    assert not list(ROOT.rglob("planted_bugs.py"))
    for nb in ROOT.glob("exercises/*/*.ipynb"):
        text = nb.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, nb


@pytest.mark.slow
def test_check_my_work_runs_an_untouched_exercise(monkeypatch):
    """The button of the last cell, clicked: every part of the untouched exercise fails as not implemented."""
    from dlkit import checks

    exercise = sorted(ROOT.glob("exercises/02-*/*.ipynb"))[0]
    monkeypatch.chdir(exercise.parent)
    button = checks.check_my_work(str(exercise))
    button.button.click()
    time.sleep(1)
    deadline = time.monotonic() + 300
    while button.button.disabled and time.monotonic() < deadline:
        time.sleep(0.5)
    report = re.sub(r"<[^>]+>", "", button.output.value)
    assert "not implemented yet" in report and "0 of" in report, report
