"""Fixtures shared by the whole suite. Real recorded ISO-NE responses are read from ../shared/isone_real at run
time (never copied into the repository); tests that need them skip when that folder is absent."""

import os
from pathlib import Path

import pytest

# Step retries of ISO-NE assets wait 10 s and more in production; the suite keeps their number, not the wait.
os.environ.setdefault("ISONE_STEP_RETRY_DELAY_SECONDS", "0.2")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
# The suite works on fixed days of 2024 (the simulator's clock, the recorded bodies): partitions must reach them.
# Set before any isone_platform import; dagster dev started by a test inherits it.
os.environ.setdefault("ISONE_HISTORY_START", "2023-01-01")

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_DIR = (REPO_ROOT.parent / "shared" / "isone_real").resolve()


@pytest.fixture(autouse=True)
def _fresh_settings():
    """`current_settings()` keeps this process's settings: every test reads its own environment afresh."""
    from isone_platform.lib.settings import use_settings

    use_settings(None)
    yield
    use_settings(None)


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not (REAL_DIR / "bodies").is_dir():
        pytest.skip(f"recorded ISO-NE responses not available at {REAL_DIR}")
    return REAL_DIR


# The simulator's clock for ingestion tests: every day used below is over, and 2024-11-21 is "today".
SIM_NOW = "2024-11-21T12:00:00-05:00"


@pytest.fixture(scope="session")
def sim():
    from isone_platform.simulator import SimulatorServer

    server = SimulatorServer(port=0, clock=f"fixed:{SIM_NOW}", seed=1, user="demo", password="demo").start()
    yield server
    server.stop()


@pytest.fixture
def platform_env(sim, tmp_path, monkeypatch):
    """Environment of one platform instance: simulator credentials, a fresh lake and warehouse under tmp_path."""
    from isone_platform_tests.helpers import instance_env

    sim.clear_faults()
    env = instance_env(sim.base_url, tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture(scope="session")
def export_warehouse_root(tmp_path_factory) -> Path:
    """The small hand-made warehouse the export tests read (export_warehouse.py), built once."""
    from isone_platform_tests.export_warehouse import build

    return build(tmp_path_factory.mktemp("export-warehouse"))


@pytest.fixture
def export_warehouse(export_warehouse_root, monkeypatch):
    """The environment pointing at the export tests' warehouse; returns its WarehouseConfig."""
    from isone_platform_tests.dashboard.synthetic import warehouse_env

    return warehouse_env(monkeypatch, export_warehouse_root)
