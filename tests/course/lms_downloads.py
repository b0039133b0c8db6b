"""Test fixtures: "download all submissions" zips as Canvas and Moodle write them, and their gradebook exports.

The names follow each LMS's own source: Canvas ``lib/content_zipper.rb`` (flat: ``<sortable name, lowercased,
non-word characters removed>[_LATE]_<user id>_<file id>_<display name>``, ``..._text.html`` for a text entry, the
zip named ``<course>-<assignment> submissions`` with spaces as ``_`` and other non-word characters removed);
Moodle ``mod/assign/classes/downloader.php`` (``<full name>_<participant id>_assignsubmission_<plugin>_`` then
``/<file path>`` when downloaded in folders, the file name appended otherwise; the zip
``<course>-<assignment>-<cmid>.zip``). The gradebook exports follow Canvas's header
(``Student, ID, SIS User ID, SIS Login ID, Section, ..., "    Points Possible"`` row) and Moodle's plain-text
grade export (``First name, Last name, ID number, Institution, Department, Email address, ...``).
"""
import zipfile

from tests.course.submissions import ASSIGNMENT, NAME

CANVAS_ZIP = "dl101-forward-pass_submissions.zip"
MOODLE_ZIP = "DL101-Forward pass-4242.zip"


def canvas_entries(notebook, other):
    """{entry name: bytes} of a Canvas download: late and resubmitted, two files, a text entry, a name clash,
    an anonymous one, and entries no LMS writes."""
    return {
        f"doejane_LATE_12346_678902_{ASSIGNMENT}-1.ipynb": notebook,      # late, uploaded a second time
        f"smithjohn_12347_678903_{NAME}": notebook,
        "smithjohn_12347_678904_extra data.csv": b"x,y\n1,2\n",             # a second file of the same student
        "leepat_12348_text.html": b"<p>I could not upload my notebook</p>",  # a text entry: no file to grade
        f"kimsam_12350_678906_{NAME}": other,
        f"kimsam_12351_678907_{NAME}": other,                               # another Sam Kim: same name, new id
        f"anon_Xk3p9_678908_{NAME}": notebook,                               # an anonymized assignment
        "README.txt": b"not a submission",                                   # no LMS writes these
        f"bad name!.ipynb": notebook,
    }


def moodle_entries(notebook, other):
    """{entry path: bytes} of a Moodle download in folders, one flat entry, an online text and odd entries."""
    return {
        f"John Smith_12345_assignsubmission_file_/{NAME}": notebook,
        "John Smith_12345_assignsubmission_file_/data/extra.csv": b"x\n1\n",
        "John Smith_12345_assignsubmission_onlinetext_/onlinetext.html": b"<p>see my notebook</p>",
        f"J\u00fcrgen M\u00fcller_12346_assignsubmission_file_/{NAME}": other,
        f"\u738b\u5c0f\u660e_12347_assignsubmission_file_/{NAME}": notebook,      # a name in another script
        f"Ann Lee_12348_assignsubmission_file_{NAME}": notebook,                   # downloaded without folders
        "__MACOSX/._John Smith_12345_assignsubmission_file_": b"",
        "notes.txt": b"odd",
    }


def write_zip(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (901),02-forward-pass (902),Current Score,Final Score\n"
    "    Points Possible,,,,,10.00,11.00,(read only),(read only)\n"
    '"Doe, Jane",12346,S-001,jdoe,DL 101 A,9.00,,90.00,90.00\n'
    '"Smith, John",12347,S-002,jsmith,DL 101 A,7.00,,70.00,70.00\n'
    '"Student, Test",99999,,,DL 101 A,,,,\n'
)

MOODLE_EXPORT = (
    "First name,Last name,ID number,Institution,Department,Email address,"
    "Assignment: 02-forward-pass (Real),Last downloaded from this course\n"
    "John,Smith,S-002,,,john.smith@uni.example,-,1767225600\n"
    "J\u00fcrgen,M\u00fcller,S-003,,,j.mueller@uni.example,-,1767225600\n"
    "Ann,Lee,S-004,,,ann.lee@uni.example,-,1767225600\n"
)
