"""A term on a real JupyterHub 6.1 (hub/term.py): release, fetch, answer, Check my work, submit, collect, grade,
feedback, fetch feedback; then every way one student could reach another's work, tried as that Unix account, and
the formgrader in Chromium for the instructor, the grader and a student. Screenshots: test-artifacts/hub/."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.hub


def _by_answer(term):
    return {out["answer"]: out for out in term["students"].values()}


def test_every_student_gets_the_score_their_answer_earns(term):
    for answer, out in _by_answer(term).items():
        assert out["submitted"] and "submitted" in out["submitted"], out
        assert out["needs_manual"] is False and out["score"] == term["expected"][answer], (answer, out, term["grade_output"])
        assert out["max_score"] == term["expected"]["correct"]


def test_nothing_a_student_receives_holds_a_hidden_test_or_a_solution(term):
    for out in term["students"].values():
        assert out["fetched_leaks"] == [], out["fetched_leaks"]
        assert out["feedback"], "no feedback page reached the student"
        assert out["feedback_leaks"] == [], out["feedback_leaks"]
        assert out["feedback_says_score"], "the feedback page does not state the score"


def test_check_my_work_on_the_hub_reports_each_part(term):
    answers = _by_answer(term)
    assert "4 of 4 parts" in answers["correct"]["check"]["report"], answers["correct"]["check"]
    assert "not implemented yet" in answers["blank"]["check"]["report"]
    wrong = answers["wrong"]["check"]["report"]
    assert "✗" in wrong and "test_dense" in wrong and "✓ pass  test_activations" in wrong


def test_check_my_work_leaves_no_kernel_behind(term):
    """The click's kernel is shut down when its run ends: no kernel process and no connection file more."""
    for out in term["students"].values():
        check = out["check"]
        assert check["kernels_after"] == check["kernels_before"], check
        assert check["connection_files_after"] == check["connection_files_before"], check


def test_a_student_cannot_read_or_change_another_students_work(term):
    tried = term["attempts"]["refused"]
    assert len(tried) >= 15
    let_through = [a for a in tried if not a["refused"]]
    assert not let_through, let_through


def test_a_submission_dropped_under_another_students_name_is_not_collected(term):
    """inbound/ is writable by every student and its folder names say whose a submission is: collect checks each
    folder's owner against the name, so student 2's drop under student 1's name is not taken."""
    dropped, = term["attempts"]["nbgrader_limits"][1:]
    assert dropped["rc"] == 0, dropped                  # nbgrader's exchange lets it be written...
    assert not dropped["collected_for_victim"], dropped  # ...and dlkit.course collect leaves it out


def test_the_formgrader_opens_for_staff_and_is_refused_to_a_student(term):
    if "pages" not in term:
        pytest.skip("Debian's chromium is missing (apt-get install chromium)")
    pages = term["pages"]
    for staff in ("formgrader_instructor", "formgrader_grader"):
        assert pages[staff]["found"] and "Manage Assignments" in pages[staff]["text"], pages[staff]
    for refused in ("formgrader_student", "other_students_server"):
        assert pages[refused]["status"] == 403 and "Manage Assignments" not in pages[refused]["text"], pages[refused]


def test_a_students_lab_shows_no_instructor_tools(term):
    if "pages" not in term:
        pytest.skip("Debian's chromium is missing (apt-get install chromium)")
    lab = term["pages"]["student_lab"]
    assert "Create Assignment" not in lab["tabs"]
    assert not {"Formgrader", "Course List"} & set(lab["nbgrader_menu"]), lab
    assert lab["toasts"] == 0


def test_a_first_fit_loads_the_seeded_jit_cache(term):
    """The spawn seeded the student's own cache from the trusted one: nothing the first fit needs is compiled
    again (no timing bound here: README, 'speed targets live in the bench'; the numbers are in term.json)."""
    for out in term["students"].values():
        assert out["first_fit"]["compiled_on_first_fit"] == [], out["first_fit"]
    assert term["second_login"]["compiled_on_first_fit"] == []


def test_grading_compiles_nothing_the_seeded_cache_holds(term):
    """grade's warm-up and its autograde kernels import the installed dlkit, whose kernels the grader's seeded
    cache already holds: no index of that cache is written again during grade."""
    assert term["compiled_during_grade"] == [], term["compiled_during_grade"]


def test_the_accounts_are_removed_afterwards(term):
    assert term["accounts_left"] == []


def test_no_proxy_outlives_the_hub(term):
    """JupyterHub's proxy runs in a session of its own: one was still serving the port after a CI run."""
    assert term["proxies_left"] == []
