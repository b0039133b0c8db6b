"""Where everything of the class hub lives and what it is called: the one object that owns the layout.

    /opt/dlkit-hub/            root-owned, read-only for every account
        src/                   the snapshot of the course the environment was installed from
        env/                   the shared environment (a venv of Debian's python3; dlkit installed, not editable)
        env/etc/jupyter/       its Jupyter config level: nbgrader_config.py (exchange, course, hub auth), the
                               instructor tools off, JupyterLab's news off
        numba-cache/           the trusted JIT cache, compiled at install time
        bin/dlkit-singleuser   what a spawn runs: seed the user's JIT cache, then jupyterhub-singleuser
    /srv/dlkit-hub/
        state/                 0700 root: the hub's database, cookie secret, logs
        exchange/              1777: nbgrader's exchange; exchange/dlkit-training/ belongs to the grader
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

COURSE = "dlkit-training"                   # nbgrader's course id = the formgrader service's name
FORMGRADE_GROUP = f"formgrade-{COURSE}"     # hub groups nbgrader's JupyterHubAuthPlugin reads
STUDENT_GROUP = f"nbgrader-{COURSE}"
EXCHANGE_MODE = 0o1777                      # sticky: anyone may create, nobody may rename another's folder
HOME_MODE = 0o700                           # Debian's useradd makes 0755 homes: readable by every student
PRIVATE_MODE = 0o700
DEFAULT_PORT = 18000
ENV_PREFIX = "DLKIT_HUB_"


@dataclass(frozen=True)
class Site:
    """The hub's paths, port and account names; ``environ()`` hands them to jupyterhub_config.py."""

    prefix: Path = Path("/opt/dlkit-hub")
    data: Path = Path("/srv/dlkit-hub")
    port: int = DEFAULT_PORT
    account_prefix: str = "dlkit-"
    n_students: int = 3
    password: str = "dlkit-demo-password"   # DummyAuthenticator's shared password: a test hub on 127.0.0.1 only

    # ---- the shared install
    @property
    def src(self):
        return self.prefix / "src"

    @property
    def env(self):
        return self.prefix / "env"

    @property
    def python(self):
        return self.env / "bin" / "python"

    @property
    def jupyter_config(self):
        return self.env / "etc" / "jupyter"

    @property
    def trusted_cache(self):
        return self.prefix / "numba-cache"

    @property
    def singleuser(self):
        return self.prefix / "bin" / "dlkit-singleuser"

    # ---- the hub's data
    @property
    def state(self):
        return self.data / "state"

    @property
    def exchange(self):
        return self.data / "exchange"

    @property
    def course_exchange(self):
        return self.exchange / COURSE

    # ---- accounts
    @property
    def instructor(self):
        return f"{self.account_prefix}instructor"

    @property
    def grader(self):
        return f"{self.account_prefix}grader"

    @property
    def students(self):
        return [f"{self.account_prefix}student{i}" for i in range(1, self.n_students + 1)]

    @property
    def accounts(self):
        return [self.instructor, self.grader, *self.students]

    def home(self, user):
        return Path("/home") / user

    @property
    def grader_course(self):
        """The grader's clone of the course (solutions/ included): the instructor side works there."""
        return self.home(self.grader) / "dlkit"

    @property
    def workdir(self):
        """The grading working directory: the formgrader service runs here (it reads this nbgrader_config.py)."""
        return self.grader_course / "grading"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def environ(self):
        """The variables jupyterhub_config.py reads (DLKIT_HUB_*)."""
        values = {"PREFIX": str(self.prefix), "DATA": str(self.data), "PORT": str(self.port),
                  "PASSWORD": self.password, "INSTRUCTORS": json.dumps([self.instructor]), "GRADER": self.grader,
                  "STUDENTS": json.dumps(self.students), "WORKDIR": str(self.workdir)}
        return {ENV_PREFIX + k: v for k, v in values.items()}


def from_environment(environ=os.environ):
    """The Site the DLKIT_HUB_* variables describe (defaults for the rest)."""
    def get(name, default):
        return environ.get(ENV_PREFIX + name, default)

    return Site(prefix=Path(get("PREFIX", Site.prefix)), data=Path(get("DATA", Site.data)),
                port=int(get("PORT", DEFAULT_PORT)))
