"""hub/demo.py's clean-up, without a hub (not marked hub: no root): a configurable-http-proxy left on the site's
port is found and stopped, one on another port is left alone."""
from __future__ import annotations

import subprocess
import sys

from hub import demo
from hub.site import Site

SLEEPER = "import time; time.sleep(60)"


def _fake_proxy(port):
    """A process whose command line reads like the proxy's (argv: ... configurable-http-proxy --port PORT)."""
    return subprocess.Popen([sys.executable, "-c", SLEEPER, "configurable-http-proxy", "--port", str(port)])


def test_a_proxy_left_on_the_sites_port_is_found_and_stopped():
    site, other = Site(port=18950), Site(port=18960)
    mine, theirs = _fake_proxy(site.port), _fake_proxy(other.port)
    try:
        assert demo.proxies_left(site) == [mine.pid]
        for pid in demo.proxies_left(site):
            demo._stop_pid(pid)
        assert mine.wait(5) is not None and demo.proxies_left(site) == []
        assert theirs.poll() is None and demo.proxies_left(other) == [theirs.pid]
    finally:
        for p in (mine, theirs):
            p.kill()
            p.wait()
