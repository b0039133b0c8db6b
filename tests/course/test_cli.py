"""dlkit.course.cli: one argparse command line for every command, and a student's check on it."""
import subprocess
import sys

import nbformat
import pytest

from dlkit.course.cli import main, parser
from dlkit.course.coursedir import CHECKOUT
from tests.course.submissions import NAME, solution

# every command with every option it takes (the Makefile's targets call them)
COMMAND_LINES = [
    ["release", "--root", "."],
    ["strip", "a.ipynb", "folder"],
    ["refresh", "notebooks"],
    ["check", "x.ipynb", "--root", "."],
    ["prepare", "02-x", "03-y", "--workdir", "w", "--db", "sqlite:///g.db", "--root", ".", "--cell-timeout", "30",
     "--long-timeout", "150"],
    ["distribute", "02-x", "--exchange", "ex", "--workdir", "w", "--db", "sqlite:///g.db"],
    ["collect", "02-x", "--exchange", "ex", "--workdir", "w", "--db", "sqlite:///g.db"],
    ["collect", "--from", "export.zip", "--root", "."],
    ["grade", "02-x", "--workers", "8", "--student-timeout", "600", "--student", "a", "--student", "b", "--quiet",
     "--workdir", "w", "--db", "sqlite:///g.db", "--root", "."],
    ["feedback", "02-x", "--workdir", "w", "--db", "sqlite:///g.db"],
    ["release-feedback", "02-x", "--exchange", "ex", "--workdir", "w", "--db", "sqlite:///g.db"],
    ["export", "--out", "grades.csv", "--workdir", "w", "--db", "sqlite:///g.db"],
    ["export", "--canvas", "--moodle", "m.csv", "--roster", "lms-export.csv", "--workdir", "w"],
    ["report", "02-x", "--out", "report.html", "--workdir", "w", "--db", "sqlite:///g.db"],
]


@pytest.mark.parametrize("argv", COMMAND_LINES, ids=lambda argv: " ".join(argv[:2]))
def test_every_command_parses_its_options(argv):
    args = parser().parse_args(argv)
    assert args.command == argv[0] and callable(args.run)


def test_usage_errors_exit_2(capsys):
    for argv in ([], ["strip"], ["collect", "02-x"], ["collect", "--exchange", "ex"], ["nonsense"]):
        with pytest.raises(SystemExit) as exit:
            main(argv)
        assert exit.value.code == 2, argv
    assert "collect --exchange needs the assignment name" in capsys.readouterr().err
    for argv in (["release-feedback", "02-x"], ["distribute", "02-x"]):      # the exchange is required
        with pytest.raises(SystemExit):
            main(argv)


def test_export_options_default_to_the_workdir():
    args = parser().parse_args(["export", "--canvas", "--moodle", "out.csv"])
    assert args.canvas == "" and args.moodle == "out.csv" and args.roster is None
    assert parser().parse_args(["export"]).canvas is None


def test_collect_lists_what_it_skipped(tmp_path, capsys):
    from tests.course.lms_downloads import CANVAS_ZIP, canvas_entries, write_zip
    from tests.course.submissions import ASSIGNMENT, NAME

    workdir = tmp_path / "work"
    (workdir / "release" / ASSIGNMENT).mkdir(parents=True)
    (workdir / "release" / ASSIGNMENT / NAME).write_text("{}")
    (workdir / "source" / ASSIGNMENT).mkdir(parents=True)                  # prepared: the assignment is known
    archive = write_zip(tmp_path / CANVAS_ZIP, canvas_entries(b"n", b"o"))
    assert main(["collect", "--from", str(archive), "--workdir", str(workdir)]) == 0
    out = capsys.readouterr().out
    assert "collected 5 submission(s)" in out and "skipped 3 entries" in out and "README.txt: " in out
    bad = write_zip(tmp_path / "bad.zip", {"README.txt": b"x"})
    assert main(["collect", "--from", str(bad), "--workdir", str(workdir)]) == 1      # nothing usable at all


def test_a_missing_course_root_is_a_clear_error(tmp_path, capsys):
    assert main(["release", "--root", str(tmp_path)]) == 1
    assert "is not a course root" in capsys.readouterr().err


def test_strip_through_the_command_line(tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 + 1", execution_count=3)]
    nbformat.write(nb, str(tmp_path / "a.ipynb"))
    assert main(["strip", str(tmp_path)]) == 0
    assert "stripped 1 of 1 notebook(s)" in capsys.readouterr().out
    assert nbformat.read(str(tmp_path / "a.ipynb"), as_version=4).cells[0].execution_count is None


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "dlkit.course", "--help"], cwd=CHECKOUT, capture_output=True,
                          text=True)
    assert done.returncode == 0
    for command in ("release", "strip", "refresh", "prepare", "distribute", "collect", "grade", "feedback",
                    "release-feedback", "export", "report", "check"):
        assert command in done.stdout


@pytest.mark.slow
def test_check_my_work_on_the_command_line(tmp_path, capsys):
    path = tmp_path / NAME
    nbformat.write(solution(), str(path))
    assert main(["check", str(path)]) == 0
    assert "Visible tests passed in 4 of 4 parts (11 of 11 points)" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "missing.ipynb")]) == 1
    assert "no notebook" in capsys.readouterr().err

