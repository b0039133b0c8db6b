"""The hub tier: one real term on a real JupyterHub (hub/), run once per session; the tests read its report.

It runs only when asked for (`-m hub`, `make hub-test`) and only as root: it installs into /opt/dlkit-hub,
creates Unix accounts and starts servers as them. Everything it made is removed when the term ends, also when
it fails.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def _asked_for(config):
    return "hub" in (config.getoption("-m") or "")


def pytest_collection_modifyitems(config, items):
    reason = None
    if not _asked_for(config):
        reason = "the hub tier runs only when selected: pytest -m hub tests/hub (make hub-test)"
    elif os.geteuid() != 0:
        reason = "the hub tier creates Unix accounts and installs into /opt: run it as root"
    for item in items:
        if item.get_closest_marker("hub") and reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def term():
    """The report of one term (hub/term.py), with the accounts already removed again."""
    from hub import accounts, demo, install
    from hub import term as hub_term
    from hub.site import Site

    site = Site()
    timings = install.install(site, with_browser=True)
    token = secrets.token_hex(32)
    with demo.class_site(site), demo.running_hub(site, token):
        report = hub_term.run(site, token, browser=CHROMIUM.exists(), measure_cold=False)
    report["install_seconds"] = timings
    report["accounts_left"] = [name for name in site.accounts if accounts.exists(name)]
    report["proxies_left"] = demo.proxies_left(site)
    demo.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (demo.ARTIFACTS / "term.json").write_text(json.dumps(report, indent=1, sort_keys=True))
    return report
