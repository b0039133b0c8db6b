"""hub/install.py's shared environment, with pip replaced by a recorder (not marked hub: no root, no install):
a first install builds and installs dlkit once, a current environment installs nothing, and a dlkit that changed
is reinstalled alone."""
from __future__ import annotations

from pathlib import Path

from hub import install
from hub.site import Site


def _recorder(site, calls, real_run=install.run):
    def run(cmd, **kwargs):
        if cmd[0] == "tar":                            # the snapshot is made for real
            return real_run(cmd, **kwargs)
        cmd = [str(c) for c in cmd]
        calls.append(cmd)
        if cmd[1:3] == ["-m", "venv"]:
            site.python.parent.mkdir(parents=True)
            site.python.touch()
    return run


def _pip_installs(calls):
    return [c[c.index("install") + 1:] for c in calls if "pip" in c and "install" in c]


def test_a_first_install_builds_dlkit_once_and_a_current_one_nothing(tmp_path, monkeypatch):
    site, calls = Site(prefix=tmp_path / "opt"), []
    monkeypatch.setattr(install, "run", _recorder(site, calls))
    assert install.ensure_env(site) == ["venv", "dependencies", "dlkit"]
    installs = _pip_installs(calls)
    assert len(installs) == 1 and installs[0][-1] == f"{site.src}[hub]", installs   # pip reinstalls a folder
    calls.clear()
    assert install.ensure_env(site) == [] and _pip_installs(calls) == []


def test_a_changed_dlkit_is_reinstalled_without_its_dependencies(tmp_path, monkeypatch):
    site, calls = Site(prefix=tmp_path / "opt"), []
    monkeypatch.setattr(install, "run", _recorder(site, calls))
    install.ensure_env(site)
    (site.env / install.DLKIT_STAMP).write_text("an older dlkit")
    calls.clear()
    assert install.ensure_env(site) == ["dlkit"]
    (only,) = _pip_installs(calls)
    assert "--no-deps" in only and only[-1] == str(site.src)
    assert Path(site.src / "pyproject.toml").is_file()
