"""dlkit.course.bugs: a planted bug replaces its text exactly once (the assignments' own bugs run in
test_assignments.py)."""
import pytest

from dlkit.course.bugs import plant
from dlkit.course.cells import cell_by_id
from dlkit.course.inprocess import grade_in_process
from tests.course.submissions import tiny_assignment


def test_plant_replaces_exactly_once_and_refuses_stale_bugs():
    nb = tiny_assignment()
    planted = plant(nb, "f", "return 1", "return 2")
    assert "return 2" in cell_by_id(planted, "f").source
    assert "return 1" in cell_by_id(nb, "f").source                 # the original is untouched
    assert grade_in_process(planted).points == {"test_a": 0, "test_b": 3}
    with pytest.raises(ValueError, match="0 times"):
        plant(nb, "f", "return 3", "return 4")
    with pytest.raises(ValueError, match="2 times"):
        plant(nb, "test_b", "assert", "assert not")
