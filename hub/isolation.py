"""Nobody reads anybody's work: what one student tries against another's, as that Unix account (runuser).

Root looks up where the other student's work really is (their notebook, nbgrader's cache copy and its
submission_secret.txt, their submission in the exchange, their feedback) and student 2 then tries each read or
change with the shell commands a curious student would use. Every attempt must be refused by the file system or
the hub. Two things nbgrader's exchange allows by design are recorded apart (``nbgrader_limits``): a submission
whose full name is known can be read (nbgrader makes it 0644 in a 0777 folder; the inbound folder cannot be
listed and the name ends in 72 random bits), and anyone can drop a folder into inbound/ under another
student's name (collect trusts the folder name, not its owner).
"""
from __future__ import annotations

import glob
import shutil

import requests

from . import accounts
from .site import COURSE, Site

FORGED_STAMP = "2099-01-01 00:00:00.000000 UTC"
FORGED_MARK = "forged-by-another-student"
FORGED_NOTEBOOK = ('{"cells": [], "metadata": {"note": "%s"}, "nbformat": 4, "nbformat_minor": 5}' % FORGED_MARK)
FORGERY_WORKDIR = "grading-forgery-check"
REFUSALS = ("Permission denied", "Operation not permitted")
UNLISTABLE = REFUSALS + ("No such file or directory",)


def _paths(site: Site, victim, assignment):
    """Where the victim's work is, as root sees it."""
    home = site.home(victim)
    cache = home / ".local" / "share" / "jupyter" / "nbgrader_cache" / COURSE
    inbound = site.course_exchange / "inbound"
    return {
        "home": home,
        "notebook": home / COURSE / assignment / f"{assignment}.ipynb",
        "secret": next(iter(glob.glob(str(cache / f"{victim}+{assignment}+*" / "submission_secret.txt"))), ""),
        "inbound": inbound,
        "submission": next(iter(glob.glob(str(inbound / f"{victim}+{assignment}+*"))), ""),
        "feedback_folder": site.course_exchange / "feedback",
        "fetched_feedback": next(iter(glob.glob(str(home / COURSE / assignment / "feedback" / "*" / "*.html"))), ""),
    }


def file_attempts(site: Site, victim, assignment):
    """(what, shell command[, the refusals that count]) a student tries against the victim's work."""
    p = _paths(site, victim, assignment)
    course = site.course_exchange
    return [
        ("list the other student's home", f"ls {p['home']}"),
        ("read the other student's notebook", f"cat '{p['notebook']}'"),
        ("read the other student's nbgrader cache secret", f"cat '{p['secret']}'"),
        ("read the other student's fetched feedback", f"cat '{p['fetched_feedback']}'"),
        ("list the exchange's inbound submissions", f"ls {p['inbound']}"),
        # the shell cannot expand the pattern in a folder it may not list: "No such file"
        ("read the other student's submission by globbing", f"cat {p['inbound']}/{victim}+*/{assignment}.ipynb",
         UNLISTABLE),
        ("list the released feedback", f"ls {p['feedback_folder']}"),
        ("rename the course folder of the exchange", f"mv {course} {site.exchange}/taken-over"),
        ("replace the released assignment", f"rm -rf {course}/outbound/{assignment}"),
        ("plant an assignment in outbound", f"mkdir {course}/outbound/planted"),
        ("read the solutions in the grader's clone", f"ls {site.grader_course}/solutions"),
        ("read the gradebook", f"cat {site.workdir}/gradebook.db"),
        ("read the hub's database and cookie secret", f"ls {site.state}"),
        ("write into the shared environment", f"touch {site.env}/lib/planted.py"),
        ("plant a pickle in the trusted JIT cache", f"touch {site.trusted_cache}/planted.nbc"),
        ("plant a pickle in the other student's JIT cache", f"touch {p['home']}/.cache/dlkit/numba/planted.nbc"),
    ]


def try_as(student, what, command, refusals=REFUSALS):
    """Run command as student; refused when it fails with one of the refusals (not for any other reason)."""
    done = accounts.as_user(student, ["sh", "-c", command], check=False)
    said = (done.stderr or done.stdout).strip()[-300:]
    return {"what": what, "command": command, "as": student, "rc": done.returncode, "said": said,
            "refused": done.returncode != 0 and any(r in said for r in refusals)}


def hub_attempt(hub, student, victim):
    """The other student's server through the hub, with the student's own API token: the hub refuses it."""
    token = hub.api("POST", f"users/{student}/tokens", json={"note": "isolation test", "expires_in": 600}).json()
    response = requests.get(f"{hub.url}/user/{victim}/api/contents",
                            headers={"Authorization": f"token {token['token']}"}, timeout=30, allow_redirects=False)
    return {"what": "open the other student's server through the hub", "as": student,
            "command": f"GET /user/{victim}/api/contents", "rc": response.status_code,
            "said": response.text[:200], "refused": response.status_code in (403, 404)}


def nbgrader_limits(site: Site, student, victim, assignment):
    """What the exchange lets a student do by design (recorded apart): see the module docstring."""
    p = _paths(site, victim, assignment)
    known = try_as(student, "read the other student's submission knowing its full name",
                   f"cat '{p['submission']}/{assignment}.ipynb' > /dev/null")
    forged = try_as(student, "drop a submission into inbound/ under the other student's name",
                    f"mkdir '{p['inbound']}/{victim}+{assignment}+{FORGED_STAMP}+forged' && "
                    f"echo '{FORGED_NOTEBOOK}' > '{p['inbound']}/{victim}+{assignment}+{FORGED_STAMP}+forged/"
                    f"{assignment}.ipynb'")
    forged["collected_for_victim"] = _collected_forgery(site, victim, assignment) if forged["rc"] == 0 else False
    for folder in glob.glob(f"{p['inbound']}/{victim}+{assignment}+{FORGED_STAMP}+*"):
        shutil.rmtree(folder)
    return [known, forged]


def _collected_forgery(site: Site, victim, assignment):
    """Whether the grader's `dlkit.course collect` (into a scratch workdir) takes the forged folder as the
    victim's submission."""
    scratch = site.grader_course / FORGERY_WORKDIR
    run = [site.python, "-m", "dlkit.course"]
    env = {"PATH": f"{site.env}/bin:/usr/bin:/bin"}
    accounts.as_user(site.grader, run + ["prepare", assignment, "--workdir", scratch], cwd=site.grader_course, env=env)
    accounts.as_user(site.grader, run + ["collect", assignment, "--exchange", site.exchange, "--workdir", scratch],
                     cwd=site.grader_course, env=env, check=False)
    found = glob.glob(str(scratch / "submitted" / victim / assignment / f"{assignment}.ipynb"))
    taken = bool(found) and FORGED_MARK in open(found[0]).read()
    shutil.rmtree(scratch, ignore_errors=True)
    return taken


def attempt_all(site: Site, hub, assignment):
    student, victim = site.students[1], site.students[0]
    found = [try_as(student, *attempt) for attempt in file_attempts(site, victim, assignment)]
    found.append(hub_attempt(hub, student, victim))
    return {"refused": found, "nbgrader_limits": nbgrader_limits(site, student, victim, assignment)}
