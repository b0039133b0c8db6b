"""The child processes of grading: ``nbgrader`` itself, and a wall-clock limit that kills a whole process group."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

OUTPUT_TAIL = 3000          # characters of a failed nbgrader run's stdout and stderr quoted in the error


def bin_env():
    """This process's environment with this Python's bin folder first on PATH: nbgrader's gradebook migrations
    call the `alembic` script that lives beside this Python."""
    return dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))


def nbgrader(folder, *args, timeout=None, check=True):
    """Run ``nbgrader ARGS`` with folder as the course root; returns the CompletedProcess."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=folder, env=bin_env(),
                          capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-OUTPUT_TAIL:]}\n"
                           f"{done.stderr[-OUTPUT_TAIL:]}")
    return done


def run_limited(cmd, cwd, limit):
    """Run cmd in its own process group; kill the group (the kernel included) when it outlives limit seconds.
    Returns (exit code, stdout and stderr together, whether it was killed)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=bin_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=limit)
        return proc.returncode, out, False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return proc.returncode, out, True
