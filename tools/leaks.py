"""What a student must never receive: the lines of every solution block and every hidden test of the course.

A line counts as secret when it sits between nbgrader's markers in solutions/ and neither the released exercises
nor the lectures show it anyway (a function's signature, a visible test that repeats a hidden one, the grid-stride
loop lecture 09 teaches). The student kit's test and the
hub test search everything a student gets for these lines and for the markers themselves.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
MARKERS = (SOLUTION[0], HIDDEN[0])
ASSIGNMENT_GLOB = "[0-9][0-9]-*"
TAG = re.compile(r"<[^>]+>")
MIN_SECRET_CHARS = 12          # shorter lines (`return Y`, `else:`, `h = X`) say nothing about an answer


def _cells(path):
    """The sources of a notebook's cells (plain JSON: no nbformat needed where the kit runs)."""
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]


def marked_lines(source, markers):
    """The stripped, non-empty lines strictly between markers (begin, end) in source."""
    found, inside = set(), False
    for line in source.splitlines():
        text = line.strip()
        if text.startswith(markers[0]):
            inside = True
        elif text.startswith(markers[1]):
            inside = False
        elif inside and text:
            found.add(text)
    return found


def shown_lines(paths):
    """Every stripped line of the given notebooks (what the release shows a student anyway)."""
    return {line.strip() for p in paths for source in _cells(p) for line in source.splitlines()}


@dataclass
class Secrets:
    solution: set
    hidden: set

    def all(self):
        return self.solution | self.hidden


def course_secrets(root):
    """The secret lines of every assignment under root/solutions, less what root/exercises and the lectures in
    root/notebooks show."""
    root = Path(root)
    solution, hidden = set(), set()
    for nb in sorted(root.glob(f"solutions/{ASSIGNMENT_GLOB}/*.ipynb")):
        for source in _cells(nb):
            solution |= marked_lines(source, SOLUTION)
            hidden |= marked_lines(source, HIDDEN)
    shown = shown_lines(sorted(root.glob(f"exercises/{ASSIGNMENT_GLOB}/*.ipynb")) +
                        sorted(root.glob(f"notebooks/{ASSIGNMENT_GLOB}.ipynb")))
    def secret(lines):
        return {line for line in lines - shown if len(line) >= MIN_SECRET_CHARS}

    return Secrets(secret(solution), secret(hidden))


def text_lines(text, is_html=False):
    """The stripped lines of a text; of an HTML page, its visible text (tags removed, entities decoded)."""
    if is_html:
        text = html.unescape(TAG.sub("", text))
    return {line.strip() for line in text.splitlines() if line.strip()}


def notebook_lines(path):
    return {line.strip() for source in _cells(path) for line in source.splitlines() if line.strip()}


def found_in(lines, secrets):
    """The secret lines and markers present in a set of stripped lines, sorted."""
    hits = set(lines) & set(secrets)
    hits |= {line for line in lines if any(marker in line for marker in MARKERS)}
    return sorted(hits)
