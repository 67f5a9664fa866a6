"""What the tests that drive servers share: ports, checks, stopping a
process group by PID. Standard library only (each test has its own venv)."""

import os
import signal
import socket
import subprocess


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"ok: {message}")


def stop_group(proc, seconds=20):
    """SIGTERM to the process's group (it was started with start_new_session), SIGKILL if it lingers."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
