"""dlkit.course.inprocess: grading without a kernel scores like nbgrader."""
import os

from dlkit.course.inprocess import grade_in_process
from tests.course.submissions import tiny_assignment


def test_grade_in_process_scores_like_nbgrader():
    grade = grade_in_process(tiny_assignment())
    assert grade.points == {"test_a": 2, "test_b": 0} and grade.score == 2 and grade.max_score == 5
    assert grade.messages == {"test_b": "AssertionError: f is off by one"}
    assert grade.errors == [(3, "NameError: name 'undefined_name' is not defined")]
    assert "NBGRADER_EXECUTION" not in os.environ or os.environ["NBGRADER_EXECUTION"] != "autograde"
