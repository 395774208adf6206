"""The dashboard in a real browser: `isone-platform dashboard` on a free port against a warehouse filled from the
simulator (std through Dagster, marts through dbt), opened in Debian's Chromium with playwright. Screenshots of
every panel go to test-artifacts/dashboard/. Then a partition is materialized while the page is open: the Now
panel, refreshing itself, shows the new interval with no error."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import httpx
import pytest

from isone_platform.lib.partitions import ISONE_TZ
from isone_platform.lib.resources import build_resources
from isone_platform_tests.helpers import materializable_assets, query

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PANELS = ("now", "zones", "sparklines", "heatmap", "prices", "fuel", "health")
FEEDS = ("system_load_5min", "zonal_load_5min", "lmp_da_hourly", "lmp_rt_hourly", "lmp_rt_5min", "fuel_mix")
DAY, TODAY = "2024-11-20", "2024-11-21"  # a complete day, and the simulator's (fixed-clock) today
REFRESH_SECONDS = 2
START_TIMEOUT_S, PAGE_TIMEOUT_MS, REFRESH_TIMEOUT_MS = 60, 180_000, 120_000

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"),
]


def materialize(*names: str, partition: str | None, layers=("raw", "std")) -> None:
    from isone_platform.definitions import defs

    selection = [dg.AssetKey([layer, f"isone__{n}"]) for n in names for layer in layers]
    dg.materialize(
        materializable_assets(defs()), selection=selection, partition_key=partition, resources=build_resources()
    )


def materialize_marts(day: str) -> None:
    from isone_platform.defs.marts.assets import isone_marts

    tags = {"dagster/asset_partition_range_start": day, "dagster/asset_partition_range_end": day}
    dg.materialize([isone_marts], resources=build_resources(), tags=tags)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dashboard(platform_env, tmp_path):
    """Warehouse filled for DAY, then `isone-platform dashboard` serving it; yields its URL. Stopped (its whole
    process group) at the end."""
    materialize("locations", partition=None)
    materialize(*FEEDS, partition=DAY)
    materialize_marts(DAY)
    port, log = free_port(), tmp_path / "dashboard.log"
    env = {**os.environ, "ISONE_DASHBOARD_REFRESH_SECONDS": str(REFRESH_SECONDS)}
    cmd = [str(Path(sys.executable).parent / "isone-platform"), "dashboard", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield wait_until_serving(f"http://127.0.0.1:{port}", proc, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def wait_until_serving(url: str, proc: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the dashboard exited ({proc.returncode}):\n{log.read_text()}"
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the dashboard did not answer within {START_TIMEOUT_S} s:\n{log.read_text()}")


def latest_local_text() -> str:
    [(latest,)] = query("select max(interval_begin_utc) from std.isone__system_load_5min")
    return latest.astimezone(ISONE_TZ).strftime("%Y-%m-%d %H:%M %Z")


def metrics(page) -> dict[str, str]:
    """label -> value of every metric on the page, as the browser shows them."""
    cells = page.locator('[data-testid="stMetric"]')
    return {
        cells.nth(i).locator('[data-testid="stMetricLabel"]').inner_text().strip(): cells.nth(i)
        .locator('[data-testid="stMetricValue"]')
        .inner_text()
        .strip()
        for i in range(cells.count())
    }


def assert_no_error(page) -> None:
    for selector in ('[data-testid="stException"]', '[data-testid="stAlertContentError"]'):
        assert page.locator(selector).count() == 0, page.locator(selector).first.inner_text()


def wait_for_panels(page) -> None:
    for key in PANELS:
        page.locator(f".st-key-panel-{key}").wait_for(timeout=PAGE_TIMEOUT_MS)
    page.locator(".st-key-panel-health table").wait_for(timeout=PAGE_TIMEOUT_MS)  # the last panel computed
    page.locator(".st-key-panel-fuel canvas, .st-key-panel-fuel svg").first.wait_for(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=PAGE_TIMEOUT_MS)


def screenshots(page, suffix: str = "") -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for key in PANELS:
        page.locator(f".st-key-panel-{key}").screenshot(path=ARTIFACTS / f"{key}{suffix}.png")


def test_page_matches_the_warehouse_and_follows_a_new_partition(dashboard):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(dashboard)
        wait_for_panels(page)
        assert_no_error(page)
        shown = metrics(page)
        assert shown["Latest 5-minute interval"] == latest_local_text()
        [(system,)] = query("select load_mw from std.isone__system_load_5min order by interval_begin_utc desc limit 1")
        assert shown["System load"] == f"{system:,.0f} MW"
        zones = query(
            "select zone_name, load_mw from std.isone__zonal_load_5min where interval_begin_utc = "
            "(select max(interval_begin_utc) from std.isone__zonal_load_5min) order by zone_id"
        )
        assert len(zones) == 8
        assert {name: shown[name] for name, _ in zones} == {name: f"{mw:,.0f} MW" for name, mw in zones}
        screenshots(page)

        materialize("system_load_5min", "zonal_load_5min", partition=TODAY)  # while the page refreshes itself
        newer = latest_local_text()
        assert newer.startswith(TODAY) and newer != shown["Latest 5-minute interval"]
        expect(page.locator(".st-key-panel-now")).to_contain_text(newer, timeout=REFRESH_TIMEOUT_MS)
        assert_no_error(page)
        screenshots(page, "-after-refresh")
        browser.close()
