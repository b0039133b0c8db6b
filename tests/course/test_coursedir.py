"""dlkit.course.coursedir: the course root, the gradebook URL, a workdir's layout and config."""
from pathlib import Path

import pytest

from dlkit.course import coursedir
from dlkit.course.coursedir import (CHECKOUT, CONFIG_FILE, CourseRootNotFound, Workdir, absolute_sqlite, course_id,
                                    db_url_for, find_root, write_config)


def test_a_relative_sqlite_url_means_from_where_it_was_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert db_url_for("anywhere", "sqlite:///grades/class.db") == f"sqlite:///{tmp_path}/grades/class.db"
    assert db_url_for("anywhere", "sqlite:////abs/x.db") == "sqlite:////abs/x.db"
    assert absolute_sqlite("sqlite:///:memory:") == "sqlite:///:memory:"
    assert absolute_sqlite("postgresql://u@h/db") == "postgresql://u@h/db"
    assert course_id() == "dlkit-training"



# ---------------------------------------------------------------- finding the course root

def _course(folder, course_id="elsewhere"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG_FILE).write_text(f"c = get_config()\nc.CourseDirectory.course_id = {course_id!r}\n")
    return folder


def test_the_checkout_is_the_root_from_inside_it(monkeypatch):
    monkeypatch.chdir(CHECKOUT / "solutions")
    assert find_root() == CHECKOUT
    assert find_root(CHECKOUT) == CHECKOUT


def test_the_nearest_course_upward_is_the_root(tmp_path, monkeypatch):
    root = _course(tmp_path / "my-course")
    (root / "solutions" / "01-x").mkdir(parents=True)
    monkeypatch.chdir(root / "solutions" / "01-x")
    assert find_root() == root
    assert course_id() == "elsewhere"
    assert find_root(cwd=root / "solutions") == root


def test_a_grading_workdirs_config_is_not_a_course_root(tmp_path, monkeypatch):
    root = _course(tmp_path / "my-course")
    write_config(root / "grading", "sqlite:///x.db", root=root)
    monkeypatch.chdir(root / "grading")
    assert find_root() == root                                   # passed over on the way up
    with pytest.raises(CourseRootNotFound, match="is a grading working directory"):
        find_root(root / "grading")
    assert Workdir(root / "grading").root == root               # the course it was prepared from


def test_without_a_course_anywhere_the_checkout_else_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_root() == CHECKOUT                              # dlkit's own checkout
    with pytest.raises(CourseRootNotFound, match="holds no nbgrader_config.py"):
        find_root(tmp_path)
    monkeypatch.setattr(coursedir, "CHECKOUT", tmp_path / "site-packages")
    with pytest.raises(CourseRootNotFound, match="pass --root DIR"):
        find_root()


def test_workdir_layout(tmp_path):
    workdir = Workdir(tmp_path / "grading", root=CHECKOUT)
    assert workdir.db_url == f"sqlite:///{tmp_path / 'grading' / 'gradebook.db'}"
    assert workdir.submitted("alice", "02-x") == tmp_path / "grading" / "submitted" / "alice" / "02-x"
    assert workdir.scratch("02-x", "alice") == tmp_path / "grading" / "scratch" / "02-x" / "alice"
    assert workdir.results("02-x") == tmp_path / "grading" / "results" / "02-x.json"
    assert workdir.assignments() == [] and workdir.students("02-x") == []
    assert workdir.root == CHECKOUT
    assert isinstance(workdir.template("02-x"), Path) and workdir.template("02-x").name == "02-x.db"
