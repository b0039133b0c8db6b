"""dlkit.course.results: the gradebook backup of a URL that is not a plain SQLite file."""
import json

import pytest

from dlkit.course.processes import bin_env
from dlkit.course.results import backup_gradebook
from tests.course.submissions import ASSIGNMENT


@pytest.mark.filterwarnings("ignore:Object of type")         # nbgrader's own add_submission chatter
def test_gradebook_backup_of_a_sqlalchemy_url_is_a_read_only_json_dump(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    db = tmp_path / "class.db"
    url = f"sqlite+pysqlite:///{db}"
    assert backup_gradebook(tmp_path, url) is None                 # no gradebook yet: nothing to copy
    monkeypatch.setenv("PATH", bin_env()["PATH"])                # nbgrader creates one with `alembic`
    with Gradebook(url, course_id="dlkit-training") as gb:
        gb.add_assignment(ASSIGNMENT)
        gb.add_notebook("nb", ASSIGNMENT)
        for cell, points in (("test_a", 2), ("test_b", 3)):
            gb.add_grade_cell(cell, "nb", ASSIGNMENT, max_score=points, cell_type="code")
        gb.add_student("bob")
        gb.add_student("alice")
        for nb in gb.add_submission(ASSIGNMENT, "alice").notebooks:
            for g in nb.grades:
                g.auto_score, g.needs_manual_grade = (2.0, False) if g.name == "test_a" else (0.0, True)
        gb.db.commit()
    before = db.read_bytes()
    monkeypatch.setenv("PATH", "/nonexistent")                             # a backup needs no alembic
    out = backup_gradebook(tmp_path, url)
    assert out.parent == tmp_path / "backups" and out.suffix == ".json"
    dump = json.loads(out.read_text())
    assert dump["db_url"] == url and dump["students"] == ["alice", "bob"]
    assert [(g["student"], g["cell"], g["auto_score"], g["max_score"], g["needs_manual_grade"])
            for g in dump["grades"]] == [("alice", "test_a", 2.0, 2.0, False), ("alice", "test_b", 0.0, 3.0, True)]
    assert db.read_bytes() == before                                       # the backup only read the database
    assert backup_gradebook(tmp_path, f"sqlite:///{db}").suffix == ".db"     # a plain file URL: a copy

