"""dlkit.my_work, a student's "check my work": the saved notebook run in a fresh kernel, the report, which
notebook, and the button (headless) that dlkit.checks shows in the last cell of every assignment."""
import shutil

import nbformat
import pytest

from dlkit import checks
from dlkit.course import ROOT
from dlkit.course.bugs import planted_bugs
from dlkit.course.cells import grade_cells
from dlkit.course.collect import file_hashes
from dlkit.my_work import check_notebook, find_notebook
from tests.course.submissions import ASSIGNMENT, NAME, answered, graded_cell, rewrite, solution, with_cell


# ---------------------------------------------------------------- checking a saved notebook

@pytest.mark.slow
def test_check_my_work_names_a_planted_bug_an_edited_test_and_a_runaway_cell(tmp_path):
    bug = next(b for b in planted_bugs(ASSIGNMENT, ROOT) if b.real_run)
    nb = rewrite(bug.plant(answered()), "test_dense", "pass")        # an edited test cell passes, but is not
    assert "test_dense" not in bug.fails
    nb = with_cell(nb, "while True:\n    pass", after="activations")
    # the check's own kernel must not start another check: the check cell only prints its note there
    nb.cells.append(graded_cell("from dlkit import checks\nassert checks.check_my_work() is None", "probe"))
    path = tmp_path / "work" / NAME
    path.parent.mkdir()
    nbformat.write(nb, str(path))
    before = file_hashes(path.parent)
    config = tmp_path / "config"
    config.mkdir()
    (config / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Execute.timeout = 60\n"
        "c.Execute.timeout_func = lambda cell: 3 if 'while True' in cell.source else 60\n")
    seen = []
    report = check_notebook(path, config_dir=config, progress=lambda i, n: seen.append((i, n)))
    parts = {p.grade_id: p for p in report.parts}
    assert list(parts) == [*grade_cells(solution()), "probe"]
    for gid in bug.fails:
        assert not parts[gid].passed and bug.says in parts[gid].message, parts[gid]
        assert "Traceback" not in parts[gid].message and "\n" not in parts[gid].message
    assert not parts["test_dense"].passed and "edited" in parts["test_dense"].message
    assert {g for g, p in parts.items() if p.passed} == set(parts) - set(bug.fails) - {"test_dense"}
    assert any("time limit" in problem for problem in report.problems), report.problems
    assert not report.ok and seen[-1][0] == seen[-1][1] == sum(c.cell_type == "code" for c in nb.cells)
    text = report.text()
    assert f"passed in {len(parts) - len(bug.fails) - 1} of {len(parts)} parts" in text
    assert "hidden tests run when your notebook is graded" in text and "as last saved" in text
    assert "Ctrl+S" not in text                                # no edits after the save: no note about them
    assert file_hashes(path.parent) == before                  # only read


def test_check_my_work_says_when_the_kernel_dies(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [graded_cell("assert True", "test_before"),
                nbformat.v4.new_code_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
                graded_cell("assert True", "test_after")]
    nbformat.write(nb, str(tmp_path / "killed.ipynb"))
    report = check_notebook(tmp_path / "killed.ipynb")
    assert [(p.grade_id, p.passed, p.message) for p in report.parts] == \
        [("test_before", True, ""), ("test_after", False, "did not run")]
    assert report.problems == ["the kernel died while code cell 2 of 3 ran, so the cells after it did not run: "
                               "look for something that uses all the memory or ends Python"]


def test_find_notebook(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    folder = tmp_path / ASSIGNMENT
    folder.mkdir()
    with pytest.raises(FileNotFoundError, match="notebooks there: none"):
        find_notebook(cwd=folder)
    (folder / "mine.ipynb").write_text("{}")
    assert find_notebook(cwd=folder) == folder / "mine.ipynb"            # the only one
    (folder / "other.ipynb").write_text("{}")
    with pytest.raises(FileNotFoundError, match="mine.ipynb, other.ipynb"):
        find_notebook(cwd=folder)
    (folder / NAME).write_text("{}")
    assert find_notebook(cwd=folder) == folder / NAME                    # the assignment's
    monkeypatch.setenv("JPY_SESSION_NAME", str(folder / "other.ipynb"))
    assert find_notebook(cwd=folder) == folder / "other.ipynb"           # the kernel's own notebook
    monkeypatch.setenv("JPY_SESSION_NAME", "elsewhere/renamed-since.ipynb")
    assert find_notebook(cwd=folder) == folder / NAME
    assert find_notebook("mine.ipynb", cwd=folder) == folder / "mine.ipynb"
    with pytest.raises(FileNotFoundError, match="check_my_work"):
        find_notebook("typo.ipynb", cwd=folder)


# ---------------------------------------------------------------- check my work (the button, headless)

def _assignment_copy(tmp_path, version, assignment="02-forward-pass"):
    """A copy of an assignment's solution or exercise in tmp_path/<version>/<assignment>/, that folder."""
    folder = tmp_path / version / assignment
    folder.mkdir(parents=True)
    shutil.copyfile(ROOT / version / assignment / f"{assignment}.ipynb", folder / f"{assignment}.ipynb")
    return folder


def _click_and_wait(button_widget, runs_a_kernel=True):
    button_widget.button.click()
    if runs_a_kernel:                                         # seconds of work: still running right after the click
        assert button_widget.button.disabled                  # no second run while this one goes on
    button_widget.thread.join(timeout=180)
    assert not button_widget.thread.is_alive() and not button_widget.button.disabled
    return button_widget.output.value


@pytest.mark.slow
def test_check_my_work_button_on_the_solution_and_the_untouched_exercise(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(_assignment_copy(tmp_path, "solutions"))         # the kernel's cwd: the notebook's folder
    shown = checks.check_my_work()
    assert shown.button.description == "Check my work" and "02-forward-pass.ipynb" in shown.output.value
    assert "application/vnd.jupyter.widget-view+json" in shown._repr_mimebundle_()
    assert shown.thread is None                                        # nothing runs until the click
    text = _click_and_wait(shown)
    assert shown.report.ok and "✓ pass  test_mlp (3 points)" in text
    assert "Visible tests passed in 4 of 4 parts" in text and "hidden tests run when your notebook is graded" in text
    assert "last saved just now" in text and "not saved" not in text

    exercise = _assignment_copy(tmp_path, "exercises")
    shown = checks.check_my_work(exercise / "02-forward-pass.ipynb")    # an explicit path
    text = _click_and_wait(shown)
    assert not shown.report.ok and "passed in 0 of 4 parts" in text
    for part in shown.report.parts:
        assert not part.passed and "not implemented yet" in part.message, part
        assert f"✗ fail  {part.grade_id}" in text
    assert "Traceback" not in text


def test_check_my_work_is_a_note_while_graded_and_says_when_it_finds_no_notebook(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert checks.check_my_work() is None
    assert "not while it is graded" in capsys.readouterr().out
    monkeypatch.delenv("NBGRADER_EXECUTION")
    monkeypatch.setenv("DLKIT_CHECKING", "1")                          # inside a check's own kernel
    assert checks.check_my_work() is None
    monkeypatch.delenv("DLKIT_CHECKING")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    shown = checks.check_my_work()
    assert "cannot tell which notebook" in shown.output.value
    assert "Could not check your work" in _click_and_wait(shown, runs_a_kernel=False)


# ---------------------------------------------------------------- the note on unsaved edits, the estimate, no leak

def _saved(path, sources, age=100.0):
    """A notebook of code cells written to path, its modification time age seconds ago; returns that mtime."""
    import os
    import time

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, str(path))
    os.utime(path, (time.time() - age, time.time() - age))
    return path.stat().st_mtime


def test_unsaved_edits_are_said_only_when_the_kernel_ran_code_the_saved_file_lacks(tmp_path):
    import time

    from dlkit.my_work import CellLog, WorkCheck

    path = tmp_path / "nb.ipynb"
    saved = _saved(path, ["x = 1", "checks.check_my_work()"])
    log = CellLog()
    log.ran = [(saved - 50, "y = 2")]                            # before the save: whatever it was, it is saved
    assert not log.unsaved(path, saved)
    log.ran.append((time.time(), "x = 1"))                       # re-run since, unchanged: the file holds it
    assert not log.unsaved(path, saved)
    log.ran.append((time.time(), "x = 10"))                      # edited and run, not saved
    assert log.unsaved(path, saved)
    text = WorkCheck(str(path), saved, checked_at=time.time(), unsaved=True).text()
    assert "edits you have not saved are not included" in text and "Ctrl+S" in text
    text = WorkCheck(str(path), saved, checked_at=time.time()).text()
    assert "not saved" not in text and text.startswith("Checked nb.ipynb as last saved")


def test_the_first_estimate_is_the_measured_cell_times(tmp_path, monkeypatch):
    from dlkit import my_work

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("DLKIT_CHECKING", raising=False)
    log = my_work.CellLog()
    monkeypatch.setattr(my_work, "CELLS", log)
    _saved(tmp_path / "nb.ipynb", ["x = 1"])
    assert f"about {my_work.TYPICAL_CHECK_SECONDS} s" in my_work.CheckMyWork(str(tmp_path / "nb.ipynb")).output.value
    log.seconds = {"a": 1.2, "b": 0.6}                           # two cells timed in this kernel
    assert log.estimate() == my_work.KERNEL_START_SECONDS + 1.8
    shown = my_work.CheckMyWork(str(tmp_path / "nb.ipynb")).output.value
    assert f"about {round(my_work.KERNEL_START_SECONDS + 1.8)} s" in shown


def test_in_a_kernel_the_cells_are_logged_for_the_note_and_the_estimate(tmp_path):
    from tests.test_feedback_first import Kernel

    path = tmp_path / "nb.ipynb"
    _saved(path, ["from dlkit import checks", "x = 1"])
    probe = ("import os\nfrom dlkit.my_work import CELLS\n"
             f"print(CELLS.unsaved({str(path)!r}, os.path.getmtime({str(path)!r})), CELLS.estimate() is not None)")
    with Kernel(nbformat.v4.new_notebook(), tmp_path, mode="") as kernel:
        kernel.run("from dlkit import checks")
        kernel.run("x = 1")
        assert kernel.run(probe)[0]["text"].split() == ["True", "True"]      # the probe is not in the file
        _saved(path, ["from dlkit import checks", "x = 1", probe], age=0)    # saved now, probe included
        assert kernel.run(probe)[0]["text"].split() == ["False", "True"]


def _kernel_processes_and_files():
    import psutil
    from jupyter_core.paths import jupyter_runtime_dir
    from pathlib import Path

    children = [p for p in psutil.Process().children(recursive=True) if p.is_running()
                and p.status() != psutil.STATUS_ZOMBIE]
    return len(children), len(list(Path(jupyter_runtime_dir()).glob("kernel-*.json")))


def test_check_my_work_leaves_no_kernel_or_process_per_click(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("DLKIT_CHECKING", raising=False)
    nb = nbformat.v4.new_notebook()
    nb.cells = [graded_cell("assert 1 + 1 == 2", "test_sum")]
    nbformat.write(nb, str(tmp_path / "tiny.ipynb"))
    shown = checks.check_my_work(str(tmp_path / "tiny.ipynb"))
    before = _kernel_processes_and_files()
    for _ in range(3):
        text = _click_and_wait(shown)
        assert "✓ pass  test_sum" in text
        assert _kernel_processes_and_files() == before
