"""The class hub for real, start to finish: `make hub-demo` (python -m hub.demo), as root.

    python -m hub.demo            # install, accounts, hub, the whole term, the report; then everything removed
    python -m hub.demo --serve    # the same, then keep the hub running on http://127.0.0.1:18000 until Ctrl+C

It installs what the hub needs (hub/install.py), creates the accounts (an instructor, a grader, three students,
hub/accounts.py), lays out the exchange, clones the course for the grader and prepares its grading workdir,
starts JupyterHub with hub/jupyterhub_config.py, drives the term (hub/term.py) and writes what it saw to
test-artifacts/hub/term.json. The accounts and their homes are removed afterwards, also when something fails.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from . import accounts, install
from .site import COURSE, EXCHANGE_MODE, PRIVATE_MODE, Site

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "hub"
CONFIG = REPO / "hub" / "jupyterhub_config.py"
ASSIGNMENT = "02-forward-pass"
HUB_START_SECONDS = 120
STOP_SECONDS = 20


def say(message):
    print(f"[hub.demo] {message}", flush=True)


def grader_env(site: Site):
    """The grader's shell: the shared environment first, its own JIT cache (seeded like a spawn's)."""
    return {"PATH": f"{site.env}/bin:/usr/local/bin:/usr/bin:/bin",
            "NUMBA_CACHE_DIR": f"{site.home(site.grader)}/.cache/dlkit/numba"}


def as_grader(site: Site, *args, cwd=None, timeout=900):
    """``python -m ARGS`` as the grader in its clone of the course (the instructor's terminal)."""
    return accounts.as_user(site.grader, [site.python, "-m", *args], cwd=cwd or site.grader_course,
                            env=grader_env(site), timeout=timeout)


def lay_out(site: Site, assignment=ASSIGNMENT):
    """The exchange (1777, the course folder the grader's), the grader's clone and its prepared workdir."""
    site.data.mkdir(parents=True, exist_ok=True)
    os.chmod(site.data, 0o755)
    site.state.mkdir(parents=True, exist_ok=True)
    os.chmod(site.state, PRIVATE_MODE)
    site.exchange.mkdir(exist_ok=True)
    os.chmod(site.exchange, EXCHANGE_MODE)
    accounts.as_user(site.grader, ["mkdir", "-m", "755", site.course_exchange])
    accounts.as_user(site.grader, ["cp", "-R", site.src, site.grader_course])
    # the grader's shell seeds its JIT cache as a spawn does (the wrapper, with `true` for the server)
    accounts.as_user(site.grader, [site.singleuser], env={**grader_env(site), "DLKIT_SINGLEUSER": "true"})
    as_grader(site, "dlkit.course", "prepare", assignment)


@contextmanager
def running_hub(site: Site, driver_token):
    """JupyterHub (and its proxy and formgrader service) running as root until the block ends."""
    env = dict(os.environ, **site.environ(), DLKIT_HUB_DRIVER_TOKEN=driver_token,
               PATH=f"{site.env}/bin:{os.environ.get('PATH', '/usr/bin:/bin')}")
    log_path = site.state / "jupyterhub.log"
    with open(log_path, "w") as log:
        hub = subprocess.Popen([str(site.env / "bin" / "jupyterhub"), "-f", str(CONFIG)], cwd=site.state, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_hub(site, hub, log_path)
        yield hub
    finally:
        _stop(hub)
        for pid in proxies_left(site):            # the proxy runs in its own session: not in the hub's group
            _stop_pid(pid)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "jupyterhub.log").write_text(log_path.read_text(errors="replace"))


def _wait_for_hub(site, hub, log_path):
    deadline = time.monotonic() + HUB_START_SECONDS
    while True:
        if hub.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {hub.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            if requests.get(f"{site.url}/hub/api", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the hub did not answer within {HUB_START_SECONDS} s:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.5)


def _stop(process):
    """SIGTERM lets the hub stop the servers, the service and the proxy; whatever is left of its group is killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait(STOP_SECONDS)


def proxies_left(site: Site):
    """Pids of configurable-http-proxy processes still serving this site's port. JupyterHub starts its proxy in
    a session of its own, and one outlived a stopped hub in CI (still on the port when the next run started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if any(b"configurable-http-proxy" in a for a in argv) and str(site.port).encode() in argv:
            found.append(int(entry.name))
    return found


def _stop_pid(pid):
    """SIGTERM, then SIGKILL if it is still there after STOP_SECONDS."""
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while time.monotonic() < deadline and not _gone(pid):
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _gone(pid):
    """No such process, or only its zombie (a container's pid 1 may never reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def clean(site: Site):
    """Remove what a run leaves: the accounts (homes, processes), the exchange, the hub's state."""
    removed = accounts.remove(site)
    for folder in (site.exchange, site.state):
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    return removed


@contextmanager
def class_site(site: Site):
    """Accounts and layout for the block; removed afterwards whatever happens."""
    clean(site)                                     # a run that was killed leaves its accounts behind
    try:
        accounts.create(site)
        lay_out(site)
        yield site
    finally:
        removed = clean(site)
        say(f"removed the accounts {', '.join(removed)}")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m hub.demo", description=__doc__.splitlines()[0])
    p.add_argument("--serve", action="store_true", help="keep the hub running after the term until Ctrl+C")
    p.add_argument("--no-browser", action="store_true", help="skip the Chromium checks of the formgrader")
    p.add_argument("--no-cold", action="store_true", help="skip timing a first fit with an empty JIT cache")
    args = p.parse_args(argv)
    from . import term

    site = Site()
    timings = install.install(site, with_browser=not args.no_browser)
    token = secrets.token_hex(32)
    with class_site(site), running_hub(site, token):
        report = term.run(site, token, browser=not args.no_browser, measure_cold=not args.no_cold)
        report["install_seconds"] = timings
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "term.json").write_text(json.dumps(report, indent=1, sort_keys=True))
        term.print_report(report)
        if args.serve:
            say(f"the hub runs on {site.url} (password {site.password!r}); Ctrl+C stops it")
            try:
                signal.pause()
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
