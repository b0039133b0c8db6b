"""Talking to a running JupyterHub as its users do: the hub's REST API, each user's server, a kernel in it.

Everything goes through the proxy on 127.0.0.1 with a token: the hub API (/hub/api) starts and stops servers,
the user's server serves the contents API, nbgrader's assignment API (what the Assignments tab calls: list,
fetch, submit, fetch_feedback) and kernels, which run code as that Unix account over the kernel websocket.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

import requests
import websocket

REQUEST_SECONDS = 120
SERVER_START_SECONDS = 180
POLL_SECONDS = 0.5
KERNEL_PROTOCOL = "5.3"


class HubError(RuntimeError):
    pass


def _checked(response, what):
    if response.status_code >= 400:
        raise HubError(f"{what}: HTTP {response.status_code}: {response.text[:2000]}")
    return response


@dataclass
class Hub:
    """The hub at url, acting with an API token."""

    url: str
    token: str

    def _headers(self):
        return {"Authorization": f"token {self.token}"}

    def api(self, method, path, **kwargs):
        response = requests.request(method, f"{self.url}/hub/api/{path.lstrip('/')}", headers=self._headers(),
                                    timeout=REQUEST_SECONDS, **kwargs)
        return _checked(response, f"{method} /hub/api/{path}")

    def user(self, name):
        return self.api("GET", f"users/{name}").json()

    def start(self, name, timeout=SERVER_START_SECONDS):
        """Start name's server and wait until the hub says it is ready; returns the seconds it took."""
        started = time.monotonic()
        self.api("POST", f"users/{name}/server")
        while True:
            server = self.user(name).get("servers", {}).get("", {})
            if server.get("ready"):
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise HubError(f"{name}'s server was not ready within {timeout} s: {server}")
            time.sleep(POLL_SECONDS)

    def stop(self, name, timeout=SERVER_START_SECONDS):
        started = time.monotonic()
        response = requests.delete(f"{self.url}/hub/api/users/{name}/server", headers=self._headers(),
                                   timeout=REQUEST_SECONDS)
        if response.status_code not in (202, 204, 400):          # 400: it was not running
            _checked(response, f"stop {name}")
        while self.user(name).get("servers"):
            if time.monotonic() - started > timeout:
                raise HubError(f"{name}'s server did not stop within {timeout} s")
            time.sleep(POLL_SECONDS)

    def server(self, name):
        return UserServer(self, name)


@dataclass
class UserServer:
    """A user's single-user server behind the hub's proxy."""

    hub: Hub
    name: str

    @property
    def base(self):
        return f"{self.hub.url}/user/{self.name}"

    def request(self, method, path, **kwargs):
        response = requests.request(method, f"{self.base}/{path.lstrip('/')}", headers=self.hub._headers(),
                                    timeout=REQUEST_SECONDS, **kwargs)
        return _checked(response, f"{self.name}: {method} {path}")

    # ---- files
    def get(self, path):
        """The contents model of path (a notebook's JSON, a file's text)."""
        return self.request("GET", f"api/contents/{path}", params={"content": 1}).json()

    def put_notebook(self, path, nb):
        self.request("PUT", f"api/contents/{path}", json={"type": "notebook", "format": "json", "content": nb})

    # ---- nbgrader's assignment list (the Assignments tab)
    def assignments(self, course):
        reply = self.request("GET", "assignments", params={"course_id": course}).json()
        if not reply.get("success"):
            raise HubError(f"{self.name}: the assignment list failed: {str(reply.get('value'))[:2000]}")
        return reply["value"]

    def assignment(self, action, course, assignment):
        """fetch, submit or fetch_feedback, as the Assignments tab's buttons do; returns the new list."""
        reply = self.request("POST", f"assignments/{action}",
                             data={"course_id": course, "assignment_id": assignment}).json()
        if isinstance(reply, dict) and not reply.get("success", True):
            raise HubError(f"{self.name}: {action} {assignment} failed: {str(reply.get('value'))[:2000]}")
        return reply.get("value", reply) if isinstance(reply, dict) else reply

    def kernel(self):
        return Kernel(self)


@dataclass
class Output:
    stdout: str = ""
    stderr: str = ""
    error: str = ""

    def json(self):
        """The last stdout line parsed as JSON (what the term's snippets print)."""
        if self.error:
            raise HubError(f"the kernel raised: {self.error}\n{self.stderr[-2000:]}")
        return json.loads(self.stdout.strip().splitlines()[-1])


@dataclass
class Kernel:
    """A fresh python3 kernel in a user's server; ``run`` executes code in it over the kernel websocket."""

    server: UserServer
    id: str = ""
    session: str = field(default_factory=lambda: uuid.uuid4().hex)
    ws: object = None

    def __enter__(self):
        self.id = self.server.request("POST", "api/kernels", json={"name": "python3"}).json()["id"]
        url = f"{self.server.base.replace('http', 'ws', 1)}/api/kernels/{self.id}/channels"
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {self.server.hub.token}"],
                                              timeout=REQUEST_SECONDS)
        return self

    def __exit__(self, *exc):
        try:
            self.ws.close()
        finally:
            self.server.request("DELETE", f"api/kernels/{self.id}")

    def run(self, code, timeout=REQUEST_SECONDS):
        """Execute code; returns its Output (stdout, stderr, the error's name and value)."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.server.name, "session": self.session,
                       "msg_type": "execute_request", "version": KERNEL_PROTOCOL},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        out, replied, idle = Output(), False, False
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            self.ws.settimeout(max(1.0, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                raise HubError(f"{self.server.name}: the kernel did not finish within {timeout} s") from None
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                if content["name"] == "stdout":
                    out.stdout += content["text"]
                else:
                    out.stderr += content["text"]
            elif kind == "error":
                out.error = f"{content['ename']}: {content['evalue']}"
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        return out
