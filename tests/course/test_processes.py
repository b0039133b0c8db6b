"""dlkit.course.processes: a grader that outlives its limit is killed with its children."""
import sys

from dlkit.course.processes import run_limited


def test_a_runaway_grader_is_killed_with_its_children(tmp_path):
    code = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); " \
           "time.sleep(60)"
    start = __import__("time").monotonic()
    _, _, timed_out = run_limited([sys.executable, "-c", code], tmp_path, 2)
    assert timed_out and __import__("time").monotonic() - start < 20

