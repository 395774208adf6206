"""Acceptance of [5/8]: the simulator in recorded mode serves the real ISO-NE bodies, and materializing the new std
assets for both 2024 DST days through Dagster's command line gives the real record counts (skipped without
../shared/isone_real)."""

import os
import subprocess
import sys

import pytest

from isone_platform.simulator import SimulatorServer

# std table -> the real counts of (2024-03-10, 2024-11-03): isone_real/README.md and isone_api_more_feeds.md
REAL_COUNTS = {
    "isone__load_forecast_hourly": {"2024-03-10": 138, "2024-11-03": 175},
    "isone__load_forecast_zonal_hourly": {"2024-03-10": 1_000, "2024-11-03": 1_264},
    "isone__load_hourly": {"2024-03-10": 23, "2024-11-03": 25},
}
ISSUES = {"2024-03-10": 6, "2024-11-03": 7}  # distinct issues of the system forecast in the real bodies


@pytest.fixture(scope="module")
def recorded_sim(real_dir):
    server = SimulatorServer(
        port=0, clock="fixed:2024-11-25T16:00:00-05:00", recorded_dir=real_dir / "bodies", user="demo", password="demo"
    ).start()
    yield server
    server.stop()


def _materialize(env: dict[str, str], day: str) -> None:
    selection = ",".join(f"raw/{name},std/{name}" for name in REAL_COUNTS)
    command = [
        sys.executable,
        "-m",
        "dagster",
        "asset",
        "materialize",
        "-m",
        "isone_platform.definitions",
        "--select",
        selection,
        "--partition",
        day,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_cli_materializes_the_real_dst_days_with_the_real_counts(recorded_sim, tmp_path, monkeypatch):
    settings = {
        "ISONE_BASE_URL": recorded_sim.base_url,
        "ISONE_USERNAME": "demo",
        "ISONE_PASSWORD": "demo",
        "ISONE_LAKE_URL": str(tmp_path / "lake"),
        "ISONE_CATALOG_URL": str(tmp_path / "catalog.sqlite"),
        "ISONE_PROJECT_ROOT": str(tmp_path),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    env = dict(os.environ)
    (tmp_path / "dagster_home").mkdir()
    for day in ISSUES:
        _materialize(env, day)

    from isone_platform import warehouse

    con = warehouse.connect()
    for table, counts in REAL_COUNTS.items():
        found = dict(con.execute(f"select operating_day::varchar, count(*) from std.{table} group by 1").fetchall())
        assert found == counts, table
    issues = con.execute(
        "select operating_day::varchar, count(distinct issued_at_utc) from std.isone__load_forecast_hourly group by 1"
    ).fetchall()
    assert dict(issues) == ISSUES
