"""The system side of the class hub, as root: what JupyterHub needs, and one shared environment students can run.

    python -m hub.install            # idempotent: each step is skipped when what it makes is current

1. Debian packages that are missing (npm for the proxy, python3-venv, chromium for the browser checks).
2. npm's configurable-http-proxy, JupyterHub's default proxy.
3. The shared environment ``/opt/dlkit-hub/env``: a venv of Debian's ``/usr/bin/python3`` (a Python under
   /root, like pyenv's, cannot be run by students), with dlkit installed from a snapshot of this checkout as a
   normal package (not editable: no account reads or writes anybody's checkout), plus JupyterHub
   (``pip install '.[hub]'``). Dependencies are reinstalled when pyproject.toml changes, dlkit when its source does.
4. The environment's Jupyter config level: nbgrader's exchange, course and hub authentication; nbgrader's
   instructor tools off (the staff accounts turn them on for themselves, hub/accounts.py); JupyterLab's news off.
5. The trusted JIT cache: dlkit's kernels compiled once, root-owned and read-only, and the spawn wrapper that
   seeds each account's own cache from it.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

from tools import lab

from .site import Site

REPO = Path(__file__).resolve().parents[1]
BASE_PYTHON = "/usr/bin/python3"                  # Debian's: readable by every account
PROXY_PACKAGE = "configurable-http-proxy@5"
# command (or test) -> the Debian package that provides it
SYSTEM_PACKAGES = {"npm": "npm", "runuser": "util-linux", "useradd": "passwd", "git": "git"}
BROWSER_PACKAGE = ("/usr/bin/chromium", "chromium")
DEPS_STAMP, DLKIT_STAMP, CACHE_STAMP = ".deps-stamp", ".dlkit-stamp", "STAMP"
PUBLIC_DIR, PUBLIC_FILE = 0o755, 0o644


def run(cmd, **kwargs):
    """subprocess.run that raises with the command's output when it fails."""
    kwargs.setdefault("text", True)
    done = subprocess.run(cmd, capture_output=True, **kwargs)
    if done.returncode != 0:
        out, err = (x.decode(errors="replace") if isinstance(x, bytes) else x for x in (done.stdout, done.stderr))
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{out[-3000:]}\n{err[-3000:]}")
    return done


def say(message):
    print(f"[hub.install] {message}", flush=True)


# ---------------------------------------------------------------- 1, 2: system packages and the proxy

def missing_packages(with_browser=True):
    """The Debian packages to install: those of SYSTEM_PACKAGES whose command is missing, python3-venv when
    Debian's python3 has no ensurepip, chromium when the browser checks want it."""
    wanted = [pkg for command, pkg in SYSTEM_PACKAGES.items() if shutil.which(command) is None]
    if subprocess.run([BASE_PYTHON, "-c", "import ensurepip, venv"], capture_output=True).returncode != 0:
        wanted.append("python3-venv")
    if with_browser and not Path(BROWSER_PACKAGE[0]).exists():
        wanted.append(BROWSER_PACKAGE[1])
    return wanted


def ensure_system_packages(with_browser=True):
    wanted = missing_packages(with_browser)
    if wanted:
        say(f"apt-get install {' '.join(wanted)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", *wanted], env=env)
    return wanted


def ensure_proxy():
    if shutil.which("configurable-http-proxy") is None:
        say(f"npm install -g {PROXY_PACKAGE}")
        run(["npm", "install", "-g", "--no-fund", "--no-audit", PROXY_PACKAGE])
    return shutil.which("configurable-http-proxy")


# ---------------------------------------------------------------- 3: the shared environment

def snapshot(dest, repo=REPO, ref=None):
    """A fresh copy of the course at dest (what the environment installs and the grader clones): the commit ref
    (default: DLKIT_HUB_REF, else HEAD), so work in progress in the checkout never reaches the class."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    ref = ref or os.environ.get("DLKIT_HUB_REF", "HEAD")
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=repo, capture_output=True, check=True)
    run(["tar", "-x", "-C", str(dest)], input=archive.stdout, text=False)
    return dest


def tree_hash(root, patterns):
    """sha256 over the relative names and bytes of the files matching patterns below root."""
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(Path(root).glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _stamp_matches(path, value):
    return path.exists() and path.read_text() == value


def ensure_env(site: Site, repo=REPO):
    """The shared venv with dlkit (a normal install of a snapshot of repo) and JupyterHub; returns what it did."""
    did = []
    snapshot(site.src, repo)
    make_public(site.src)
    if not site.python.exists():
        say(f"creating {site.env} with {BASE_PYTHON}")
        run([BASE_PYTHON, "-m", "venv", str(site.env)])
        did.append("venv")
    pip = [str(site.python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    deps = tree_hash(site.src, ["pyproject.toml"])
    code = tree_hash(site.src, ["pyproject.toml", "dlkit/**/*"])
    if not _stamp_matches(site.env / DEPS_STAMP, deps):
        say("installing dlkit's dependencies and JupyterHub into the shared environment (first time: minutes)")
        run(pip + [f"{site.src}[hub]"])
        (site.env / DEPS_STAMP).write_text(deps)
        # pip installs a local folder anew every time: dlkit is now this snapshot's, no second build needed
        (site.env / DLKIT_STAMP).write_text(code)
        did += ["dependencies", "dlkit"]
    if not _stamp_matches(site.env / DLKIT_STAMP, code):
        say("installing dlkit (not editable) into the shared environment")
        run(pip + ["--no-deps", "--force-reinstall", str(site.src)])
        (site.env / DLKIT_STAMP).write_text(code)
        did.append("dlkit")
    if did:
        make_public(site.env)
    return did


def make_public(path):
    """Root-owned, readable by all, writable by none but root (what a read-only install must be)."""
    for folder, dirs, files in os.walk(path):
        os.chmod(folder, PUBLIC_DIR)
        for name in files:
            p = Path(folder) / name
            if not p.is_symlink():
                mode = p.stat().st_mode
                os.chmod(p, PUBLIC_DIR if mode & stat.S_IXUSR else PUBLIC_FILE)


# ---------------------------------------------------------------- 4: the environment's Jupyter config

def configure_env(site: Site):
    """nbgrader_config.py (exchange, course, hub auth), instructor tools off, JupyterLab quiet, live frames sent
    at once (dlkit.live.transport): env/etc/jupyter."""
    site.jupyter_config.mkdir(parents=True, exist_ok=True)
    text = (REPO / "hub" / "nbgrader_config.py").read_text()
    text = text.replace(str(Site.data / "exchange"), str(site.exchange))
    (site.jupyter_config / "nbgrader_config.py").write_text(text)
    written = lab.hide_instructor_tools(site.env, keep_assignment_list=True)
    written.append(lab.write_quiet_settings(site.env))
    written.append(lab.write_live_transport(site.env))
    make_public(site.jupyter_config)
    return written


# ---------------------------------------------------------------- 5: the trusted JIT cache

def build_trusted_cache(site: Site):
    """Compile dlkit's kernels once into site.trusted_cache (root-owned, read-only for the accounts); the stamp
    names the dlkit build, so every account's seeded copy is replaced when dlkit changes. Returns the seconds
    the compile took, or None when the cache was current."""
    stamp = (site.env / DLKIT_STAMP).read_text()
    if _stamp_matches(site.trusted_cache / CACHE_STAMP, stamp):
        return None
    if site.trusted_cache.exists():
        shutil.rmtree(site.trusted_cache)
    site.trusted_cache.mkdir(parents=True)
    say("compiling dlkit's kernels into the trusted JIT cache")
    started = time.monotonic()
    # cwd=/: the installed dlkit, never a checkout's, is what the students' kernels import
    run([str(site.python), "-m", "dlkit.warmup"], cwd="/", env=dict(os.environ, NUMBA_CACHE_DIR=str(site.trusted_cache)))
    seconds = time.monotonic() - started
    (site.trusted_cache / CACHE_STAMP).write_text(stamp)
    make_public(site.trusted_cache)
    return seconds


def install_singleuser(site: Site):
    """The spawn wrapper (hub/dlkit-singleuser.sh) with this site's paths."""
    text = (REPO / "hub" / "dlkit-singleuser.sh").read_text()
    text = text.replace(str(Site.prefix), str(site.prefix))
    site.singleuser.parent.mkdir(parents=True, exist_ok=True)
    site.singleuser.write_text(text)
    os.chmod(site.singleuser, PUBLIC_DIR)
    return site.singleuser


def install(site: Site = Site(), repo=REPO, with_browser=True):
    """Every step in order; returns {step: seconds} (and what changed)."""
    if os.geteuid() != 0:
        raise PermissionError("hub.install makes system accounts' environment: run it as root")
    timings = {}
    for name, step in (("packages", lambda: ensure_system_packages(with_browser)), ("proxy", ensure_proxy),
                       ("env", lambda: ensure_env(site, repo)), ("config", lambda: configure_env(site)),
                       ("jit_cache", lambda: build_trusted_cache(site)), ("singleuser", lambda: install_singleuser(site))):
        started = time.monotonic()
        result = step()
        timings[name] = round(time.monotonic() - started, 1)
        if name == "jit_cache" and result is not None:
            timings["jit_cache_compile"] = round(result, 1)
    say(f"ready: {site.env} ({', '.join(f'{k} {v} s' for k, v in timings.items())})")
    return timings


if __name__ == "__main__":
    install(with_browser="--no-browser" not in sys.argv)
