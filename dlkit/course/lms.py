"""What Canvas and Moodle write and read: the names in their "download all submissions" zips, and the gradebook
CSVs they import.

**Downloads** (:func:`lms_entry`), as each LMS names them in its source:

* Canvas (``lib/content_zipper.rb``): one flat zip, each file named
  ``<name>[_LATE]_<user id>_<file id>_<file name>``, where ``<name>`` is the student's sortable name ("Doe, Jane")
  lowercased with every character that is not a letter, digit or ``_`` removed ("doejane"); an anonymized
  assignment has ``anon_<anonymous id>`` in place of the name and user id; a text entry is
  ``<name>[_LATE]_<user id>_text.html``, a URL ``..._link.html``. Canvas adds ``-1``, ``-2``, ... to a file name a
  student uploaded again ("02-forward-pass-1.ipynb").
* Moodle (``mod/assign/classes/downloader.php``): ``<full name>_<participant id>_assignsubmission_<plugin>_``
  per student and plugin, a folder ("Download submissions in folders", the default since Moodle 3.1) holding the
  files as uploaded, else a prefix of each file name; blind marking writes ``Participant`` as the name, a team
  submission the group's name and id. The participant id is the assignment's, not the user's.

The student id is made from the name (:func:`student_id_from_name`): "John Smith" -> ``john_smith``, "doejane"
stays; two students whose names give one id are told apart by their LMS id (``john_smith_12345``).

**Gradebook CSVs** (:mod:`dlkit.course.lms_export`) use the identities collected here.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CANVAS = "canvas"
MOODLE = "moodle"
CANVAS_FILE = re.compile(r"^(?:(?P<name>.+?)_)??(?P<late>LATE_)?(?P<user>\d+|anon_[A-Za-z0-9]+)_"
                         r"(?:(?P<file_id>\d+)_(?P<file>.+)|(?P<online>text|link)\.html)$")
CANVAS_ANONYMOUS = re.compile(r"^(?P<late>LATE_)?(?P<user>anon_[A-Za-z0-9]+)_(?P<file_id>\d+)_(?P<file>.+)$")
MOODLE_ENTRY = re.compile(r"^(?P<name>.+)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>.*)$")
MOODLE_FILES = "file"                               # the plugin whose files are the submission
RESUBMITTED = re.compile(r"^(?P<stem>.+)-\d+(?P<suffix>\.[^.]+)$")     # Canvas's "name-1.ipynb"
SLUG_SEPARATORS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class LmsEntry:
    """One top-level entry of an LMS download, read from its name."""

    lms: str                     # CANVAS or MOODLE
    name: str                    # as the LMS wrote it: "doejane", "John Smith"
    lms_id: str                  # Canvas user id (or anon_...), Moodle participant id
    file: str | None             # the file's own name (a Moodle folder: None, its files are inside)
    late: bool = False           # Canvas marked the submission LATE
    kind: str = "file"           # "file", or what else the LMS stored: Canvas text/link, a Moodle plugin


def _canvas(name):
    found = CANVAS_ANONYMOUS.match(name) or CANVAS_FILE.match(name)
    if not found:
        return None
    parts = found.groupdict()
    online = parts.get("online")
    return LmsEntry(CANVAS, parts.get("name") or parts["user"], parts["user"],
                    None if online else parts["file"], late=bool(parts["late"]), kind=online or "file")


def _moodle(name):
    found = MOODLE_ENTRY.match(name)
    if not found:
        return None
    return LmsEntry(MOODLE, found["name"], found["user"], found["file"] or None, kind=found["plugin"])


def lms_entry(name, is_dir):
    """The LmsEntry a top-level entry's name describes, None when it follows neither LMS's convention. A folder
    can only be Moodle's (``..._assignsubmission_file_``); a file either (Moodle's flat prefix, Canvas)."""
    if is_dir:
        entry = _moodle(name)
        return entry if entry and entry.file is None else None
    return _moodle(name) or _canvas(name)


def student_id_from_name(name):
    """A student id from a name as an LMS writes it: accents dropped, lowercase, words joined by ``_``
    ("Jürgen Müller" -> "jurgen_muller"); "" when nothing is left (a name in another script)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return SLUG_SEPARATORS.sub("_", ascii_name.lower()).strip("_")


def original_file_name(entry, expected=None):
    """The name the student gave the file; Canvas's resubmission suffix dropped when that gives ``expected``."""
    found = RESUBMITTED.match(entry.file or "")
    if entry.lms == CANVAS and found and expected and found["stem"] + found["suffix"] == expected:
        return expected
    return entry.file
