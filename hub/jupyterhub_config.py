"""JupyterHub 6.1 for the class, as `make hub-demo` and `make hub-test` run it (docs/jupyterhub.md quotes it).

Started as root from the state folder: `/opt/dlkit-hub/env/bin/jupyterhub -f hub/jupyterhub_config.py`.
hub/demo.py sets the DLKIT_HUB_* variables (paths, port, account names, password); the defaults are the demo's.
"""
import json
import os

c = get_config()  # noqa: F821  (provided by JupyterHub)


def setting(name, default):
    return os.environ.get(f"DLKIT_HUB_{name}", default)


COURSE = "dlkit-training"                                  # nbgrader's course id = the formgrader service's name
PREFIX = setting("PREFIX", "/opt/dlkit-hub")               # the shared, read-only install (hub/install.py)
DATA = setting("DATA", "/srv/dlkit-hub")
PORT = int(setting("PORT", "18000"))
INSTRUCTORS = json.loads(setting("INSTRUCTORS", '["dlkit-instructor"]'))
GRADER = setting("GRADER", "dlkit-grader")                 # the Unix account the formgrader service runs as
STUDENTS = json.loads(setting("STUDENTS", '["dlkit-student1", "dlkit-student2", "dlkit-student3"]'))
WORKDIR = setting("WORKDIR", f"/home/{GRADER}/dlkit/grading")   # `python -m dlkit.course prepare` made it
SERVICE_PORT = PORT + 1
HUB_PORT = PORT + 2
ENV_BIN = f"{PREFIX}/env/bin"

# ---- where it listens: the proxy on 127.0.0.1:PORT, the hub and the services behind it
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_PORT
c.ConfigurableHTTPProxy.command = ["configurable-http-proxy"]           # npm install -g configurable-http-proxy
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 3}"
c.JupyterHub.db_url = f"sqlite:///{DATA}/state/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{DATA}/state/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.pid_file = f"{DATA}/state/proxy.pid"

# ---- who may log in (JupyterHub 5+ lets nobody in unless allowed_users or allow_all says so)
c.JupyterHub.authenticator_class = "shared-password"       # one shared password: a test hub on 127.0.0.1 only;
c.SharedPasswordAuthenticator.user_password = setting("PASSWORD", "")   # a class uses PAM, LDAP or OAuth here
c.Authenticator.allowed_users = set(INSTRUCTORS + [GRADER] + STUDENTS)
c.Authenticator.admin_users = set()                        # nobody needs admin to teach or grade

# ---- each user's server: a real Unix account, the shared environment, a private JIT cache seeded at spawn
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [f"{PREFIX}/bin/dlkit-singleuser"]        # seeds ~/.cache/dlkit/numba, then jupyterhub-singleuser
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {"PATH": f"{ENV_BIN}:/usr/local/bin:/usr/bin:/bin"}
c.Spawner.http_timeout = 120                               # a loaded 2-core box starts a server in 5-30 s
c.Spawner.start_timeout = 120
# nbgrader's JupyterHubAuthPlugin reads the user's own groups with the server's token
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", "read:users:groups!user",
                                 "read:users:name!user"]
c.JupyterHub.concurrent_spawn_limit = 20                   # a lecture's login storm queues instead of piling up

# ---- groups: nbgrader's JupyterHubAuthPlugin maps formgrade-<course> to graders, nbgrader-<course> to students
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE}": {"users": INSTRUCTORS + [GRADER]},
    f"nbgrader-{COURSE}": {"users": STUDENTS},
}

# ---- the formgrader: a single-user server of the grader account, run by the hub as a service
c.JupyterHub.services = [{
    "name": COURSE,
    "url": f"http://127.0.0.1:{SERVICE_PORT}",
    "command": [f"{PREFIX}/bin/dlkit-singleuser", f"--ServerApp.root_dir={WORKDIR}"],
    "user": GRADER,
    "cwd": WORKDIR,                                        # the formgrader reads the nbgrader_config.py here
    # nbgrader's JupyterHubAuthPlugin wants a user name even in a service
    "environment": {"PATH": f"{ENV_BIN}:/usr/local/bin:/usr/bin:/bin", "JUPYTERHUB_USER": GRADER},
    "oauth_no_confirm": True,
}]
# groups grant nothing by themselves: roles give the graders the service and the service the groups API
c.JupyterHub.load_roles = [
    {"name": f"formgrade-{COURSE}", "groups": [f"formgrade-{COURSE}"],
     "scopes": [f"access:services!service={COURSE}"]},
    {"name": f"{COURSE}-service", "services": [COURSE],
     "scopes": ["read:users:groups", "list:groups", "read:groups", "groups"]},
]

# ---- the test's driver (hub/term.py): a token that starts servers and talks to them, set only by the test
DRIVER_TOKEN = setting("DRIVER_TOKEN", "")
if DRIVER_TOKEN:
    c.JupyterHub.services.append({"name": "dlkit-term", "api_token": DRIVER_TOKEN})
    c.JupyterHub.load_roles.append({"name": "dlkit-term", "services": ["dlkit-term"],
                                    "scopes": ["list:users", "read:users", "read:servers", "servers",
                                               "access:servers", "tokens"]})
