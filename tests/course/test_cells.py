"""dlkit.course.cells: nbgrader's markers and the autograded cells of a notebook."""
from dlkit.course.cells import HIDDEN, SOLUTION, grade_cells, regions
from tests.course.submissions import tiny_assignment


def test_regions_and_grade_cells():
    nb = tiny_assignment()
    assert regions(nb.cells[0].source, SOLUTION) == ["    return 1\n    "]
    assert regions(nb.cells[2].source, HIDDEN) == ["assert True\n"]
    assert grade_cells(nb) == {"test_a": 2, "test_b": 3}
