"""`isone-platform demo` stops everything it started: Ctrl-C, SIGTERM, and even a SIGKILL of the demo process
leave no server on the ports and no process behind.

The demo's `serve()` runs in a child Python process with stand-ins for its two services: a "dagster dev" that
starts a web server child (as dagster dev starts its webserver) and stops it on SIGTERM/SIGINT, and a
"dashboard" web server. Each stand-in carries a unique marker in its command line so leftovers can be found.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

STOP_TIMEOUT_S = 20
START_TIMEOUT_S = 30

# Like dagster dev, which can exit on SIGTERM while its code server and run workers are still running: this one
# exits at once and leaves its web server child to whoever stops its process group.
FAKE_DAGSTER_DEV = """
import signal, subprocess, sys
child = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", sys.argv[1], sys.argv[2]])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
child.wait()
"""

DEMO = """
import sys
import isone_platform.demo as demo
import isone_platform.dashboard.server as dashboard
ui_port, dash_port, marker, fake = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
demo.dagster_dev_command = lambda port: [sys.executable, "-c", fake, str(port), "--directory=/tmp/" + marker]
dashboard.command = lambda host, port: [sys.executable, "-m", "http.server", "--bind", host, str(port),
                                        "--directory=/tmp/" + marker]
sys.exit(demo.serve(ui_port, dash_port))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def processes_with(marker: str, but: int) -> list[int]:
    """Processes whose command line holds `marker`, except pid `but` (the demo process itself)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and int(proc.name) != but and marker.encode() in (proc / "cmdline").read_bytes():
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def describe(pids: list[int]) -> list[str]:
    """`pid state command` of each pid, for a failure message."""
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            out.append(f"{pid} {state} {Path(f'/proc/{pid}/cmdline').read_bytes().replace(bytes(1), b' ')[:80]!r}")
        except OSError:
            continue
    return out


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout} s: {what}"
        time.sleep(0.2)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_demo_leaves_no_server_behind(sig):
    ports, marker = (free_port(), free_port()), f"isone-demo-test-{uuid.uuid4().hex}"
    os.makedirs(f"/tmp/{marker}", exist_ok=True)
    cmd = [sys.executable, "-c", DEMO, str(ports[0]), str(ports[1]), marker, FAKE_DAGSTER_DEV]
    demo = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: all(serving(p) for p in ports), START_TIMEOUT_S, "both services serving")
        assert len(processes_with(marker, demo.pid)) == 3  # fake dagster dev, its web server child, the dashboard
        demo.send_signal(sig)
        wait_until(lambda: not any(serving(p) for p in ports), STOP_TIMEOUT_S, f"ports free after {sig.name}")
        wait_until(
            lambda: not processes_with(marker, demo.pid),
            STOP_TIMEOUT_S,
            f"no process left after {sig.name}: {describe(processes_with(marker, demo.pid))}",
        )
        demo.wait(timeout=STOP_TIMEOUT_S)
        assert demo.stdout is not None
        output = demo.stdout.read().decode()
        if sig != signal.SIGKILL:
            assert demo.returncode == 0, output
            assert f"Dashboard:  http://127.0.0.1:{ports[1]}" in output
    finally:
        for pid in processes_with(marker, demo.pid):  # only what this test started, by its unique marker
            os.kill(pid, signal.SIGKILL)
        if demo.poll() is None:
            demo.kill()
