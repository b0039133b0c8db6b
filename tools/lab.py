"""Start JupyterLab on the course: `make lab`.

    python tools/lab.py [--port N] [-- jupyter lab options]     # the course root, notebook 00 first, URL printed
    python tools/lab.py --hide-instructor-tools                  # once per environment: nbgrader's menus off

JupyterLab opens at the course root (the folder holding this `tools/`), so `notebooks/` and `exercises/` are both
in the file browser, with the orientation notebook open. The environment's JupyterLab settings (written under
`sys.prefix`, never into `~/.jupyter`) turn off the news feed, the update check and the news prompt. As root (CI,
containers, most hub images) it passes `--allow-root`, and only then. The server sends the labs' live frames
without TCP's small-write delay (`dlkit.live.transport`, passed on the command line and written into the
environment's server config, so a plain `jupyter lab` or `jupyter notebook` in it gets it too).

nbgrader installs instructor tools into every JupyterLab (Create Assignment, Formgrader, Course List). A student's
environment hides them with `--hide-instructor-tools`: the lab plugins are disabled and locked and the server
extensions off, at the environment's own config level (nbgrader 0.9's documented toggles; a `--user` level file
does the same for one account, see hub/). The assignment list stays for the hub, Validate everywhere.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_NOTEBOOKS = ("notebooks/00-orientation.ipynb", "README.md")     # the first that exists opens first
URL_WAIT_SECONDS = 120

# JupyterLab settings for a class: nothing pops up over the lab pictures
QUIET_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}
# nbgrader's instructor side (nbgrader 0.9: `jupyter labextension disable @jupyter/nbgrader:<plugin>` and
# `jupyter server extension disable nbgrader.server_extensions.<name>`)
INSTRUCTOR_LAB_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                          "@jupyter/nbgrader:course-list")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")
# a laptop has no exchange: the Assignments tab would only show an error there
EXCHANGE_LAB_PLUGINS = ("@jupyter/nbgrader:assignment-list",)
EXCHANGE_SERVER_EXTENSIONS = ("nbgrader.server_extensions.assignment_list",)


def _merge_json(path, update):
    """Recursively merge ``update`` into the JSON object stored at path (created if missing)."""
    path = Path(path)
    data = json.loads(path.read_text()) if path.exists() and path.stat().st_size else {}

    def merge(into, new):
        for key, value in new.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value

    merge(data, update)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return path


def write_quiet_settings(prefix=sys.prefix):
    """No news, no update check: the environment's JupyterLab settings overrides (share/jupyter/lab/settings)."""
    return _merge_json(Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json", QUIET_SETTINGS)


def write_live_transport(prefix=sys.prefix):
    """The environment's Jupyter server config (etc/jupyter/jupyter_server_config.d): the kernel websocket that
    writes the labs' frames at once (:mod:`dlkit.live.transport`). Returns the file written."""
    from dlkit.live.transport import SERVER_CONFIG

    path = Path(prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "dlkit-live.json"
    return _merge_json(path, SERVER_CONFIG)


def toggle_nbgrader_tools(config_dir, enabled, lab_plugins, server_extensions):
    """Turn nbgrader lab plugins and server extensions on or off in one Jupyter config directory.

    ``config_dir`` is a level of Jupyter's config path: ``{sys.prefix}/etc/jupyter`` for an environment,
    ``~/.jupyter`` for one account. The account's level wins where jupyter_core reads it first: in an environment
    the account does not own (a hub's root-owned one); in a venv the user owns, jupyter_core >= 5 reads the
    environment's first (JUPYTER_PREFER_ENV_PATH). Off also locks the lab plugins, so JupyterLab's plugin manager
    does not offer them. Returns the files written."""
    config_dir = Path(config_dir)
    lab = {"disabledExtensions": {name: not enabled for name in lab_plugins}}
    if not enabled:
        lab["lockedExtensions"] = {name: True for name in lab_plugins}
    server = {"ServerApp": {"jpserver_extensions": {name: enabled for name in server_extensions}}}
    # jupyter_server reads jupyter_server_config.json after the .d/ files of its level: this one decides
    return [_merge_json(config_dir / "labconfig" / "page_config.json", lab),
            _merge_json(config_dir / "jupyter_server_config.json", server)]


def hide_instructor_tools(prefix=sys.prefix, keep_assignment_list=False):
    """A student's environment: nbgrader's instructor menus off (and the Assignments tab, unless a hub's exchange
    serves it); Validate stays."""
    plugins, extensions = INSTRUCTOR_LAB_PLUGINS, INSTRUCTOR_SERVER_EXTENSIONS
    if not keep_assignment_list:
        plugins, extensions = plugins + EXCHANGE_LAB_PLUGINS, extensions + EXCHANGE_SERVER_EXTENSIONS
    return toggle_nbgrader_tools(Path(prefix) / "etc" / "jupyter", False, plugins, extensions)


def first_notebook(root=ROOT):
    """The path (relative to root) JupyterLab opens first."""
    return next((name for name in FIRST_NOTEBOOKS if (Path(root) / name).exists()), "")


def running_as_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(root=ROOT, port=None, extra=()):
    """The `jupyter lab` command line for the course at root."""
    from dlkit.live.transport import SERVER_OPTION

    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={Path(root).resolve()}",
           "--LabApp.news_url=None", SERVER_OPTION]
    first = first_notebook(root)
    if first:
        cmd.append(f"--LabApp.default_url=/lab/tree/{first}")
    if port:
        cmd.append(f"--ServerApp.port={port}")
    if running_as_root():
        cmd.append("--allow-root")
    return cmd + list(extra)


def server_url(pid, timeout=URL_WAIT_SECONDS, alive=lambda: True):
    """The URL (token included) of the Jupyter server with this process id, from its runtime file."""
    from jupyter_core.paths import jupyter_runtime_dir

    info = Path(jupyter_runtime_dir()) / f"jpserver-{pid}.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        if info.exists():
            try:
                data = json.loads(info.read_text())
            except ValueError:                    # still being written
                data = None
            if data:
                first = first_notebook(data.get("root_dir", ROOT))
                path = f"lab/tree/{first}" if first else "lab"
                token = f"?token={data['token']}" if data.get("token") else ""
                return f"{data['url'].rstrip('/')}/{path}{token}"
        time.sleep(0.2)
    return None


def main(argv=None):
    p = argparse.ArgumentParser(prog="python tools/lab.py", description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=None, help="port (default: Jupyter's, 8888 or the next free one)")
    p.add_argument("--root", default=str(ROOT), help="the course root (default: this checkout)")
    p.add_argument("--hide-instructor-tools", action="store_true",
                   help="turn nbgrader's instructor menus off in this environment, then exit")
    p.add_argument("jupyter_args", nargs="*", help="more `jupyter lab` options (after --)")
    args = p.parse_args(argv)
    if args.hide_instructor_tools:
        for path in hide_instructor_tools():
            print(f"wrote {path}")
        return 0
    try:
        write_quiet_settings()
        write_live_transport()
    except OSError as err:                # an environment this account cannot write (a shared, root-owned one)
        print(f"note: could not write JupyterLab's settings into the environment ({err}); news stays off "
              "(--LabApp.news_url), the update check may show", file=sys.stderr)
    server = subprocess.Popen(lab_command(args.root, args.port, args.jupyter_args))
    # Ctrl+C reaches JupyterLab (same terminal), which asks before it stops: this wrapper waits for it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    url = server_url(server.pid, alive=lambda: server.poll() is None)
    if url:
        print(f"\n==> JupyterLab is running the course: {url}\n    (open it in a browser; Ctrl+C twice stops it)\n",
              flush=True)
    return server.wait()


if __name__ == "__main__":
    sys.exit(main())
