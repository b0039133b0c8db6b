"""`make lab` (tools/lab.py): the course root with notebook 00 first, no news pop-ups, the URL printed, --allow-root
only as root, and nbgrader's instructor menus switched off per config level for a student."""
from __future__ import annotations

import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dlkit.live.transport import SERVER_OPTION
from tools import lab

ROOT = Path(__file__).resolve().parents[1]
SERVER_WAIT = 120


def test_the_command_opens_the_course_root_with_notebook_00(monkeypatch):
    monkeypatch.setattr(lab, "running_as_root", lambda: False)
    cmd = lab.lab_command(ROOT, port=8899)
    assert f"--ServerApp.root_dir={ROOT}" in cmd and "--ServerApp.port=8899" in cmd
    assert "--LabApp.default_url=/lab/tree/notebooks/00-orientation.ipynb" in cmd
    assert "--LabApp.news_url=None" in cmd and "--allow-root" not in cmd
    assert SERVER_OPTION in cmd
    monkeypatch.setattr(lab, "running_as_root", lambda: True)
    assert "--allow-root" in lab.lab_command(ROOT)


def test_quiet_settings_and_tool_toggles_merge_into_existing_files(tmp_path):
    settings = lab.write_quiet_settings(tmp_path)
    assert json.loads(settings.read_text())["@jupyterlab/apputils-extension:notification"] == {
        "fetchNews": "false", "checkForUpdates": False}
    page, server = lab.toggle_nbgrader_tools(tmp_path, False, ["@jupyter/nbgrader:formgrader"],
                                             ["nbgrader.server_extensions.formgrader"])
    lab.toggle_nbgrader_tools(tmp_path, True, ["@jupyter/nbgrader:course-list"], [])
    config = json.loads(page.read_text())
    assert config["disabledExtensions"] == {"@jupyter/nbgrader:formgrader": True,
                                            "@jupyter/nbgrader:course-list": False}
    assert config["lockedExtensions"] == {"@jupyter/nbgrader:formgrader": True}
    assert json.loads(server.read_text()) == {
        "ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False}}}


def test_the_live_transport_merges_into_the_environments_server_config(tmp_path):
    path = tmp_path / "etc" / "jupyter" / "jupyter_server_config.d" / "dlkit-live.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"ServerApp": {"port": 9000}}))
    assert lab.write_live_transport(tmp_path) == path
    assert json.loads(path.read_text()) == {"ServerApp": {
        "port": 9000, "kernel_websocket_connection_class": "dlkit.live.transport.NoDelayConnection"}}


def test_an_environment_the_account_cannot_write_still_starts_the_lab(monkeypatch, capsys):
    """A shared, root-owned environment (a conda env, a hub's): the quiet settings cannot be written there, so the
    launcher says so and starts JupyterLab anyway (news off on its command line)."""
    started = []

    class Server:
        pid = 4242

        def __init__(self, cmd):
            started.append(cmd)

        def poll(self):
            return None

        def wait(self):
            return 0

    def read_only(prefix=None):
        raise PermissionError(13, "Permission denied", "/opt/env/share/jupyter/lab/settings/overrides.json")

    monkeypatch.setattr(lab, "write_quiet_settings", read_only)
    monkeypatch.setattr(lab.subprocess, "Popen", Server)
    monkeypatch.setattr(lab.signal, "signal", lambda *a: None)
    monkeypatch.setattr(lab, "server_url", lambda pid, **kw: "http://127.0.0.1:8888/lab?token=t")
    assert lab.main(["--", "--no-browser"]) == 0
    out = capsys.readouterr()
    assert "could not write JupyterLab's settings into the environment" in out.err and "Permission denied" in out.err
    assert "--LabApp.news_url=None" in started[0] and "--no-browser" in started[0]
    assert SERVER_OPTION in started[0]                # live frames still sent at once, from the command line
    assert "==> JupyterLab is running the course: http://127.0.0.1:8888/lab?token=t" in out.out


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""


@pytest.mark.slow
def test_make_lab_serves_the_course_and_a_student_level_hides_the_instructor_tools(tmp_path):
    """The launcher as `make lab` runs it, with the instructor tools turned off and the assignment list on at the
    user level (what a hub writes for one account, over the environment's level, which in the student kit turns the
    assignment list off): the URL is printed, lectures and exercises are served, nbgrader's instructor plugins are
    disabled in the page and its formgrader is gone, the assignment list is there.

    The user level wins only where jupyter_core reads it first: on a hub, whose shared environment is root-owned.
    In a venv the user owns (this one, the kit's) jupyter_core >= 5 reads the environment's level first, so the test
    says so with JUPYTER_PREFER_ENV_PATH=0."""
    user = tmp_path / "jupyter-config"
    lab.toggle_nbgrader_tools(user, False, lab.INSTRUCTOR_LAB_PLUGINS, lab.INSTRUCTOR_SERVER_EXTENSIONS)
    lab.toggle_nbgrader_tools(user, True, lab.EXCHANGE_LAB_PLUGINS, lab.EXCHANGE_SERVER_EXTENSIONS)
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(user), JUPYTER_PREFER_ENV_PATH="0",
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "ws"))
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, str(ROOT / "tools" / "lab.py"), "--port", str(port), "--",
                                   "--no-browser", "--ip=127.0.0.1"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_WAIT
        while not (url := re.search(r"==> JupyterLab is running the course: (\S+)", log.read_text())):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        url = url.group(1)
        assert url.startswith(f"http://") and "/lab/tree/notebooks/00-orientation.ipynb?token=" in url
        base, token = url.split("/lab/")[0], url.split("token=")[1]
        status, listing = _get(f"{base}/api/contents?token={token}")
        names = {item["name"] for item in json.loads(listing)["content"]}
        assert status == 200 and {"notebooks", "exercises"} <= names
        status, page = _get(f"{base}/lab?token={token}")
        config = json.loads(html.unescape(re.search(
            r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S).group(1)))
        for plugin in lab.INSTRUCTOR_LAB_PLUGINS:
            assert plugin in config["disabledExtensions"], plugin
        assert "@jupyter/nbgrader:assignment-list" not in config["disabledExtensions"]
        assert _get(f"{base}/formgrader?token={token}")[0] == 404
        assert _get(f"{base}/assignments?course_id=x&token={token}")[0] == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
