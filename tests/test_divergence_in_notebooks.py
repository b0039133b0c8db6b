"""No false alarm: the rule that a finite loss far above where it started has diverged (``fit``'s
EXPLOSION_FACTOR) stops no run in the course's notebooks that the old rule (NaN or infinity only) let finish.

The notebooks run once, under nbval, with a spy on ``fit`` in every kernel (tests/notebook_spy.py, started by
PYTHONSTARTUP); this test reads the spy's log. ``make test`` runs it after nbval; on its own it skips.
"""
import json
import os
from pathlib import Path

import pytest

from dlkit import course

LOG = os.environ.get("DLKIT_DIVERGENCE_LOG")
NOTEBOOKS = [p for folder in ("notebooks", "solutions") for p in course.notebooks(course.ROOT / folder)]

pytestmark = pytest.mark.skipif(not LOG, reason="reads the log of the notebooks' nbval run: `make test` runs it "
                                                "after nbval (DLKIT_DIVERGENCE_LOG)")


def _entries():
    path = Path(LOG)
    assert path.exists(), f"{path} is missing: nbval ran without the spy (PYTHONSTARTUP=tests/notebook_spy.py)"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_the_spy_watched_every_notebook():
    kernels = {e["pid"] for e in _entries() if e["event"] == "kernel"}
    assert len(kernels) >= len(NOTEBOOKS), (f"the spy started in {len(kernels)} kernels for {len(NOTEBOOKS)} "
                                            "notebooks: nbval must run them all with PYTHONSTARTUP set")


def test_no_run_in_the_course_is_stopped_as_exploded_unless_it_diverges():
    alarms = [e for e in _entries() if e["event"] == "exploded" and e["false_alarm"]]
    assert not alarms, f"runs stopped as exploded that used to finish: {alarms} (raise EXPLOSION_FACTOR)"
