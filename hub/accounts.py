"""Real Unix accounts for the class hub: created with private homes, each turned into its role, removed afterwards.

Debian's useradd makes 0755 homes, so every student could read every other's notebooks, the copy nbgrader keeps
in ~/.local/share/jupyter/nbgrader_cache/ and its submission_secret.txt (and with it fetch the other's feedback).
Every home here is 0700, each account with a private group. Only accounts this module created (listed in the
hub's state folder) are ever removed, with the processes they run (each killed by its id).
"""
from __future__ import annotations

import json
import os
import pwd
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tools import lab

from .site import HOME_MODE, PRIVATE_MODE, Site

CREATED_LIST = "accounts-created.json"
KILL_WAIT_SECONDS = 5
# nbgrader's table for one class with a formgrader service (nbgrader docs, "Using nbgrader with JupyterHub"):
# students keep the environment's defaults (Assignment List, Validate); these turn tools on or off per account
STAFF_TOOLS = {
    "instructor": [(True, ["@jupyter/nbgrader:course-list"], ["nbgrader.server_extensions.course_list"])],
    "grader": [(True, ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"],
                ["nbgrader.server_extensions.formgrader"]),
               (False, ["@jupyter/nbgrader:assignment-list"], ["nbgrader.server_extensions.assignment_list"])],
}


def exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _created_file(site: Site):
    return site.state / CREATED_LIST


def created(site: Site):
    """The accounts this module made on this site (and has not removed yet)."""
    path = _created_file(site)
    return json.loads(path.read_text()) if path.exists() else []


def _remember(site: Site, names):
    site.state.mkdir(parents=True, exist_ok=True)
    os.chmod(site.state, PRIVATE_MODE)
    _created_file(site).write_text(json.dumps(sorted(set(names))))


def as_user(name, cmd, cwd=None, env=None, input=None, timeout=None, check=True):
    """Run cmd as the Unix account name (runuser), with a clean environment: HOME, USER, PATH, LANG and env."""
    home = pwd.getpwnam(name).pw_dir
    clean = {"HOME": home, "USER": name, "LOGNAME": name, "LANG": "C.UTF-8",
             "PATH": "/usr/local/bin:/usr/bin:/bin", **(env or {})}
    full = ["runuser", "-u", name, "--", "env", "-i", *[f"{k}={v}" for k, v in clean.items()], *map(str, cmd)]
    done = subprocess.run(full, cwd=cwd or home, input=input, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"as {name}: {' '.join(map(str, cmd))} failed ({done.returncode}):\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def write_as(name, path, text):
    """Write a file in an account's home as that account (never as root: no link in a home can redirect it)."""
    as_user(name, ["sh", "-c", 'mkdir -p "$(dirname "$1")" && cat > "$1"', "sh", str(path)], input=text)


def create(site: Site):
    """Every account of the site, each with a private group and a 0700 home; returns the names created."""
    made = []
    for name in site.accounts:
        if exists(name):
            raise RuntimeError(f"account {name} exists already and was not made by hub.accounts: remove it or "
                               "choose another Site(account_prefix=...)")
        subprocess.run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", name], check=True,
                       capture_output=True)
        made.append(name)
        _remember(site, created(site) + [name])
        os.chmod(site.home(name), HOME_MODE)
    for role, name in (("instructor", site.instructor), ("grader", site.grader)):
        give_tools(name, role)
    return made


def give_tools(name, role):
    """The account's own Jupyter config level (~/.jupyter): nbgrader's tools for its role on or off."""
    home = Path(pwd.getpwnam(name).pw_dir)
    with tempfile.TemporaryDirectory() as staging:
        for enabled, plugins, extensions in STAFF_TOOLS[role]:
            lab.toggle_nbgrader_tools(staging, enabled, plugins, extensions)
        for path in sorted(Path(staging).rglob("*.json")):
            write_as(name, home / ".jupyter" / path.relative_to(staging), path.read_text())


def _pids_of(uid):
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("Uid", "").split()[:1] == [str(uid)]:
            pids.append(int(status.parent.name))
    return pids


def stop_processes(name):
    """SIGTERM, then SIGKILL, each process of the account, by its id."""
    uid = pwd.getpwnam(name).pw_uid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _pids_of(uid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + KILL_WAIT_SECONDS
        while _pids_of(uid) and time.monotonic() < deadline:
            time.sleep(0.1)


def remove(site: Site):
    """Remove the accounts this module created (homes included); returns their names."""
    names = created(site)
    for name in names:
        if exists(name):
            stop_processes(name)
            subprocess.run(["userdel", "--remove", name], capture_output=True)
    _created_file(site).unlink(missing_ok=True)
    return names
