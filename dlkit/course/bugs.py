"""Planted bugs: a typical mistake written into a solution, which must cost exactly the points it should.

Each assignment lists its bugs in ``solutions/<assignment>/planted_bugs.py`` (``BUGS``, a list of dicts; never
released); the tests plant every one and grade the result (:mod:`dlkit.course.inprocess`).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from .cells import cell_by_id
from .coursedir import find_root

BUGS_FILE = "planted_bugs.py"


def plant(nb, grade_id, old, new):
    """A copy of nb whose cell ``grade_id`` has ``old`` replaced by ``new`` (exactly once): a planted bug."""
    nb = copy.deepcopy(nb)
    cell = cell_by_id(nb, grade_id)
    count = cell.source.count(old)
    if count != 1:
        raise ValueError(f"cell {grade_id!r} contains {old!r} {count} times; a planted bug must match once")
    cell.source = cell.source.replace(old, new)
    return nb


@dataclass(frozen=True)
class Bug:
    """A typical mistake planted in a solution: ``old`` replaced by ``new`` in solution cell ``cell`` must make
    exactly the test cells ``fails`` lose their points, with a message containing ``says``."""

    assignment: str
    cell: str
    old: str
    new: str
    fails: frozenset
    says: str
    real_run: bool = False          # also planted in the test suite's real nbgrader run (one per assignment)

    def plant(self, nb):
        return plant(nb, self.cell, self.old, self.new)


def planted_bugs(assignment, root=None):
    """The bugs listed in solutions/<assignment>/planted_bugs.py (``BUGS``, a list of dicts), [] if none."""
    import runpy

    path = find_root(root) / "solutions" / assignment / BUGS_FILE
    if not path.exists():
        return []
    return [Bug(assignment=assignment, cell=b["cell"], old=b["old"], new=b["new"], fails=frozenset(b["fails"]),
                says=b["says"], real_run=b.get("real_run", False))
            for b in runpy.run_path(str(path))["BUGS"]]
