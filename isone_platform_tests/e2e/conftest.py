"""Real processes on 127.0.0.1: the simulator, and `dagster dev` (webserver + daemon + code server) on a temporary
DAGSTER_HOME. Each start and wait is bounded in time; everything is stopped at the end of the module."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from isone_platform.simulator import SimulatorServer

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "test-artifacts"
START_CLOCK = "fixed:2024-11-21T12:00:00-05:00"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DagsterDev:
    def __init__(self, url: str, proc: subprocess.Popen, log: Path, home: Path, env: dict):
        self.url, self.proc, self.log, self.home, self.env = url, proc, log, home, env
        self.http = httpx.Client(base_url=url, timeout=30)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_for(self, predicate, timeout: float, what: str, every: float = 1.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"dagster dev exited ({self.proc.returncode}) while waiting for {what}:\n{self.tail()}"
                )
            value = predicate()
            if value:
                return value
            time.sleep(every)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.tail()}")

    def tail(self, n: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:]) if self.log.exists() else ""


def stop_dagster_dev(proc: subprocess.Popen) -> None:
    """SIGTERM the `dagster dev` group (started with default signal handling, it stops in ~3 s)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # last resort: the whole group, so no child survives
        proc.wait(timeout=10)


@pytest.fixture(scope="package")
def e2e_sim():
    server = SimulatorServer(port=0, clock=START_CLOCK, seed=5).start()
    yield server
    server.stop()


def dagster_home(root: Path) -> Path:
    """A DAGSTER_HOME under `root` holding the local instance config (run queue, pools, run monitoring)."""
    home = root / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copyfile(REPO / "deploy" / "local" / "dagster.yaml", home / "dagster.yaml")
    return home


def start_dagster_dev(root: Path, env: dict, log_name: str = "dagster_dev.log") -> DagsterDev:
    """`dagster dev` on 127.0.0.1 in its own process group, once its code location has loaded (stop it with
    `stop_dagster_dev`). `env` is the whole environment, DAGSTER_HOME included."""
    port = free_port()
    log = root / log_name
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                "env",
                "--default-signal=INT,TERM",
                str(BIN / "dagster"),
                "dev",
                "-w",
                str(REPO / "workspace.yaml"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    dev = DagsterDev(f"http://127.0.0.1:{port}", proc, log, Path(env["DAGSTER_HOME"]), env)
    try:

        def assets_loaded():
            try:
                nodes = dev.graphql("{ assetNodes { assetKey { path } } }")["assetNodes"]
            except (httpx.HTTPError, AssertionError):
                return None
            return nodes if any(n["assetKey"]["path"] == ["std", "isone__system_load_5min"] for n in nodes) else None

        dev.wait_for(assets_loaded, 180, "the code location to load")
        dev.graphql("mutation { setNuxSeen }")  # the first-visit community popup would cover the UI
    except BaseException:
        stop_dagster_dev(proc)
        raise
    return dev


def platform_process_env(root: Path, home: Path, sim) -> dict:
    """The environment `dagster dev` gets: the simulator, a project root, and fast probes and step retries."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISONE_")}
    env.update(
        DAGSTER_HOME=str(home),
        ISONE_PROJECT_ROOT=str(root),
        ISONE_BASE_URL=sim.base_url,
        ISONE_USERNAME="demo",
        ISONE_PASSWORD="demo",
        ISONE_POLL_PROBE_SECONDS="5",
        ISONE_STEP_RETRY_DELAY_SECONDS="1",
        # the tests' operating days are in 2024 (the simulator's clock); the default start is a few days before today
        ISONE_HISTORY_START=os.environ.get("ISONE_HISTORY_START", "2023-01-01"),
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


@pytest.fixture(scope="package")
def dagster_dev(e2e_sim, tmp_path_factory) -> Iterator[DagsterDev]:
    root = tmp_path_factory.mktemp("platform")
    dev = start_dagster_dev(root, platform_process_env(root, dagster_home(root), e2e_sim))
    try:
        yield dev
    finally:
        stop_dagster_dev(dev.proc)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copyfile(dev.log, ARTIFACTS / "dagster_dev.log")
