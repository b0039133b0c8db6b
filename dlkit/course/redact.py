"""The feedback preprocessor: what students get back never shows a hidden test.

A workdir's nbgrader_config.py names it for ``nbgrader generate_feedback`` (:mod:`dlkit.course.coursedir`).
"""
from __future__ import annotations

import re

from .cells import HIDDEN, is_test_cell, nbgrader_meta

REDACTED = "# (hidden tests ran here)\n"

try:
    from nbgrader.preprocessors import NbGraderPreprocessor as _Base
except Exception:                                  # nbgrader missing: only the preprocessor is unavailable
    _Base = object


class RedactHidden(_Base):
    """Feedback preprocessor: drop hidden test regions from test cells and shorten error outputs to
    ``Name: message`` (a traceback can quote a hidden line)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_test_cell(nbgrader_meta(cell)):
            begin, end = map(re.escape, HIDDEN)
            cell.source = re.sub(rf"[ \t]*{begin}.*?{end}[^\n]*\n?", REDACTED, cell.source, flags=re.S)
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
