"""Operations proven against the real processes: a backfill launched the way the UI launches it, polling under an
accelerated simulator clock, and a person's click on Materialize in a headless Chromium."""

import re
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from isone_platform.lib.partitions import expected_intervals
from isone_platform.lib.warehouse import WarehouseConfig, open_connection
from isone_platform.simulator import SimClock

from .conftest import ARTIFACTS, DagsterDev

pytestmark = pytest.mark.e2e
NY = ZoneInfo("America/New_York")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

LAUNCH_BACKFILL = """
mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message stack } } }"""
BACKFILL_STATUS = """
query($id: String!) { partitionBackfillOrError(backfillId: $id) {
  __typename ... on PartitionBackfill { status runs(limit: 100) { id status } } } }"""
RUNS = """
query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) {
  ... on Runs { results { runId status tags { key value } startTime endTime } } } }"""


def warehouse_sql(dev: DagsterDev, sql: str):
    config = WarehouseConfig.from_env(Path(dev.env["ISONE_PROJECT_ROOT"]))
    try:
        con = open_connection(config, read_only=True)
    except Exception:  # noqa: BLE001 - the catalog may not exist before the first write
        return None
    try:
        return con.sql(sql).fetchall()
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def warehouse_rows(dev: DagsterDev, sql: str) -> list[tuple]:
    """The rows of `sql`, once the warehouse (and the table) exists."""
    rows = warehouse_sql(dev, sql)
    assert rows is not None, f"no warehouse table yet for: {sql}"
    return rows


@pytest.mark.timeout(1800)  # the daemon's 30 s backfill loop, 3 days of all-node LMPs, checks and marts
def test_backfill_of_three_days_launched_through_graphql(dagster_dev: DagsterDev):
    dev = dagster_dev
    nodes = dev.graphql("{ assetNodes { assetKey { path } isExecutable partitionDefinition { type } } }")["assetNodes"]
    # what "Materialize all" selects: the executable ones (the revisions tables are written by std steps)
    partitioned = [{"path": n["assetKey"]["path"]} for n in nodes if n["partitionDefinition"] and n["isExecutable"]]
    assert len(partitioned) < len([n for n in nodes if n["partitionDefinition"]])
    days = ["2024-11-02", "2024-11-03", "2024-11-04"]  # the fall-back day in the middle
    started = time.monotonic()
    launched = dev.graphql(
        LAUNCH_BACKFILL, {"p": {"assetSelection": partitioned, "partitionNames": days, "title": "e2e three days"}}
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["backfillId"]

    def finished():
        b = dev.graphql(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        return (
            b if b["status"] in ("COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED") else None
        )

    backfill = dev.wait_for(finished, 900, "the backfill to finish", every=3)
    wall = time.monotonic() - started
    print(f"\n3-day backfill of {len(partitioned)} assets: {wall:.0f} s wall, {len(backfill['runs'])} runs")
    assert backfill["status"] in ("COMPLETED", "COMPLETED_SUCCESS"), backfill
    assert all(r["status"] == "SUCCESS" for r in backfill["runs"]), backfill["runs"]
    # one shared backfill policy: the three days go through every layer (raw, std, checks, marts) in one run
    assert len(backfill["runs"]) == 1, backfill["runs"]

    per_day = dict(
        warehouse_rows(
            dev,
            "select operating_day::varchar, count(*) from std.isone__system_load_5min "
            "where operating_day between '2024-11-02' and '2024-11-04' group by 1",
        )
    )
    assert per_day == {d: expected_intervals(datetime.fromisoformat(d).date(), timedelta(minutes=5)) for d in days}
    for table in ("zonal_load_5min", "lmp_rt_5min", "lmp_da_hourly", "lmp_rt_hourly", "fuel_mix"):
        [(n,)] = warehouse_rows(
            dev,
            f"select count(distinct operating_day) from std.isone__{table} "
            "where operating_day between '2024-11-02' and '2024-11-04'",
        )
        assert n == 3, table

    # relaunching the same range duplicates nothing
    before = warehouse_sql(dev, "select count(*) from std.isone__lmp_da_hourly")
    again = dev.graphql(
        LAUNCH_BACKFILL,
        {
            "p": {
                "assetSelection": [
                    {"path": ["raw", "isone__lmp_da_hourly"]},
                    {"path": ["std", "isone__lmp_da_hourly"]},
                ],
                "partitionNames": days,
                "title": "e2e relaunch",
            }
        },
    )
    backfill_id = again["launchPartitionBackfill"]["backfillId"]
    assert dev.wait_for(finished, 600, "the relaunch to finish", every=3)["status"] in (
        "COMPLETED",
        "COMPLETED_SUCCESS",
    )
    assert warehouse_sql(dev, "select count(*) from std.isone__lmp_da_hourly") == before


IN_FLIGHT = """
{ runsOrError(filter: {statuses: [QUEUED, NOT_STARTED, STARTING, STARTED]}) { ... on Runs { results { runId } } } }"""


@pytest.mark.timeout(1200)
def test_poll_picks_up_a_new_interval_within_one_tick(dagster_dev: DagsterDev, e2e_sim):
    dev = dagster_dev

    def idle():
        return not dev.graphql(IN_FLIGHT)["runsOrError"]["results"]

    dev.wait_for(idle, 300, "the instance to be idle", every=2)
    # settle: 12:00 is published, the sensor polls it, the instance goes idle again
    e2e_sim.clock = SimClock.parse("fixed:2024-11-21T12:06:05-05:00")
    time.sleep(12)
    dev.wait_for(idle, 400, "the 12:00 poll to finish", every=2)
    # 2x: a 5-minute interval every 150 s of wall time, more than a poll run (raw, std, checks, marts) needs,
    # so the sensor's next tick after each publication launches that publication's own run.
    factor = 2.0
    start_sim = datetime(2024, 11, 21, 12, 10, 50, tzinfo=NY)
    start_wall = time.time()
    e2e_sim.clock = SimClock("accelerated", start_sim, factor)

    def to_wall(sim_time: datetime) -> float:
        return start_wall + (sim_time - start_sim).total_seconds() / factor

    latencies = []
    # 12:05 is published at sim 12:11:00 (5 s of wall time from now), 12:10 at sim 12:16:00 (155 s)
    for target in (datetime(2024, 11, 21, 12, 5, tzinfo=NY), datetime(2024, 11, 21, 12, 10, tzinfo=NY)):
        published_wall = to_wall(target + timedelta(minutes=5) + e2e_sim.publication_lag)

        def landed(target: datetime = target):
            rows = warehouse_sql(
                dev,
                "select max(interval_begin_utc) from std.isone__system_load_5min where operating_day = '2024-11-21'",
            )
            return rows and rows[0][0] is not None and rows[0][0] >= target

        dev.wait_for(landed, 400, f"interval {target:%H:%M} to become queryable", every=0.5)
        latencies.append(time.time() - published_wall)

        # within one tick: the run the sensor launched for this very publication is the one that landed it
        stamp = target.isoformat()

        def run_succeeded(stamp: str = stamp):
            runs = dev.graphql(RUNS, {"tags": [{"key": "isone/poll_for", "value": stamp}]})["runsOrError"]["results"]
            assert len(runs) <= 1 and all(r["status"] not in ("FAILURE", "CANCELED") for r in runs), runs
            return runs and runs[0]["status"] == "SUCCESS"

        dev.wait_for(run_succeeded, 400, f"the poll run for {target:%H:%M} to succeed")
    print(f"\npoll latency publication -> queryable: {', '.join(f'{lat:.1f} s' for lat in latencies)}")

    [(rows, distinct)] = warehouse_rows(
        dev,
        "select count(*), count(distinct interval_begin_utc) from "
        "std.isone__system_load_5min where operating_day = '2024-11-21'",
    )
    assert rows == distinct  # many merging polls, no duplicate intervals
    e2e_sim.clock = SimClock.parse("fixed:2024-11-21T12:20:30-05:00")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)")
@pytest.mark.timeout(900)
def test_materialize_a_partition_from_the_ui(dagster_dev: DagsterDev):
    from playwright.sync_api import sync_playwright

    dev = dagster_dev
    shots = ARTIFACTS / "ui"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    partition = "2024-11-12"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        try:
            page.goto(f"{dev.url}/assets/raw/isone__fuel_mix", wait_until="domcontentloaded")
            materialize = (
                page.get_by_role("button").filter(has_text=re.compile(r"^\s*Materialize(…|\.\.\.)?\s*$")).first
            )
            materialize.wait_for(timeout=60_000)
            page.screenshot(path=str(shots / "1-asset.png"))
            materialize.click()
            dialog = page.get_by_role("dialog")
            dialog.wait_for(timeout=30_000)
            # the dialog first offers only the last 90 days; history starts in 2023
            dialog.get_by_text("Show all partitions").first.click(timeout=30_000)
            box = dialog.locator("input[type=text]").first
            box.fill(partition)
            box.press("Enter")
            page.screenshot(path=str(shots / "2-dialog.png"))
            launch = dialog.get_by_role("button").filter(has_text=re.compile(r"^\s*Launch")).last
            launch.click()
            page.screenshot(path=str(shots / "3-launched.png"))

            def succeeded():
                runs = dev.graphql(RUNS, {"tags": [{"key": "dagster/partition", "value": partition}]})["runsOrError"]
                statuses = [r["status"] for r in runs["results"]]
                assert "FAILURE" not in statuses, runs
                return "SUCCESS" in statuses

            dev.wait_for(succeeded, 300, f"the UI-launched run of {partition} to succeed", every=2)
            page.goto(f"{dev.url}/runs", wait_until="domcontentloaded")
            page.get_by_text(re.compile("Success", re.I)).first.wait_for(timeout=30_000)
            page.screenshot(path=str(shots / "4-runs.png"), full_page=True)
        finally:
            browser.close()
    manifest = Path(dev.env["ISONE_PROJECT_ROOT"]) / "data/lake/raw/isone__fuel_mix" / f"operating_day={partition}"
    assert (manifest / "_manifest.json").is_file()  # the click landed that day's body in the lake


UI_DAYS = ("2024-11-14", "2024-11-15")  # days no other test of this module materializes


def open_check_partitions(page, url: str, asset: str, check: str, days: tuple[str, str]):
    """A check's Partitions tab narrowed to `days` (its range box), the first day's detail open."""
    page.goto(f"{url}/assets/{asset}?view=checks&checkDetail={check}", wait_until="domcontentloaded")
    page.get_by_role("tab", name="Execution history").wait_for(timeout=60_000)  # the check's own tabs
    page.get_by_role("tab", name="Partitions").last.click()
    page.get_by_text(re.compile(r"^Passed \(\d+\)$")).wait_for(timeout=60_000)
    box = page.get_by_placeholder(re.compile(r"^ex: "))
    box.fill(f"[{days[0]}...{days[-1]}]")
    box.press("Enter")
    page.get_by_text(f"{len(days)} Partitions Selected").wait_for(timeout=30_000)
    page.get_by_text(days[0], exact=True).first.click()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)")
@pytest.mark.timeout(900)
def test_a_two_day_ui_backfill_reads_per_day_in_the_ui(dagster_dev: DagsterDev):
    """A person backfills two days of the load marts and everything upstream from the lineage page, then reads,
    per day, the check results and the figures, and tells the layers apart in the lineage."""
    from playwright.sync_api import expect, sync_playwright

    dev = dagster_dev
    shots = ARTIFACTS / "ui-per-day"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    lineage = f'{dev.url}/asset-groups~%2Bkey%3A"mart%2Fisone__load_daily"'  # the mart and all its upstream
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        try:
            # 1. the backfill, as a person launches it: Materialize all…, a range of two days, Launch backfill
            page.goto(lineage, wait_until="domcontentloaded")
            materialize = (
                page.get_by_role("button").filter(has_text=re.compile(r"^\s*Materialize all(…|\.\.\.)?\s*$")).first
            )
            materialize.wait_for(timeout=60_000)
            materialize.click()
            dialog = page.get_by_role("dialog")
            # raw + std of system and zonal load, and the mart
            expect(dialog.get_by_text("Launch runs to materialize 5 assets")).to_be_visible(timeout=30_000)
            dialog.get_by_text("Show all partitions").first.click(timeout=30_000)
            box = dialog.locator("input[type=text]").first
            box.fill(f"[{UI_DAYS[0]}...{UI_DAYS[-1]}]")
            box.press("Enter")
            expect(dialog.get_by_text("2 partitions", exact=True)).to_be_visible(timeout=30_000)
            expect(dialog.get_by_text("Loading pipeline and partition sets")).to_have_count(0, timeout=30_000)
            page.screenshot(path=str(shots / "1-backfill-dialog.png"))
            dialog.get_by_role("button").filter(has_text=re.compile(r"^\s*Launch backfill")).last.click()
            created = page.get_by_text(re.compile(r"Created backfill \w+"))
            created.wait_for(timeout=30_000)
            backfill_id = created.inner_text().split()[-1]

            # 2. its runs succeed
            def finished():
                b = dev.graphql(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]
                assert b["__typename"] == "PartitionBackfill", b
                done = ("COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED")
                return b if b["status"] in done else None

            backfill = dev.wait_for(finished, 600, "the UI backfill to finish", every=3)
            assert backfill["status"] in ("COMPLETED", "COMPLETED_SUCCESS"), backfill
            assert backfill["runs"] and all(r["status"] == "SUCCESS" for r in backfill["runs"]), backfill["runs"]
            assert len(backfill["runs"]) == 1, backfill["runs"]  # one shared backfill policy: raw to mart in one run

            # 3. each check's Partitions tab: a result per day, both Passed, none Skipped (a std rule, a
            # reconciliation check of the mart, a dbt test of the mart)
            checks = [
                ("std/isone__system_load_5min", "load_in_range", "2-std-check-partitions.png"),
                ("mart/isone__load_daily", "load_daily_reconciles_with_std", "3-mart-check-partitions.png"),
                ("mart/isone__load_daily", "not_null_isone__load_daily_area", "4-dbt-test-partitions.png"),
            ]
            for asset, check, shot in checks:
                open_check_partitions(page, dev.url, asset, check, UI_DAYS)
                for status, n in (("Passed", 2), ("Skipped", 0), ("Missing", 0), ("Failed", 0)):
                    expect(page.get_by_text(f"{status} ({n})", exact=True)).to_be_visible(timeout=30_000)
                # the first day's detail: its own evaluation, Passed
                expect(page.get_by_text("Latest execution", exact=True)).to_be_visible(timeout=30_000)
                expect(page.get_by_text("Passed", exact=True)).to_be_visible()
                page.screenshot(path=str(shots / shot))

            # the asset's Partitions tab: each day's materialization carries that day's own figures (a normal
            # day: 288 five-minute intervals; 576 would be the run's two days)
            for i, day in enumerate(UI_DAYS):
                page.goto(
                    f"{dev.url}/assets/std/isone__system_load_5min?view=partitions&partition={day}",
                    wait_until="domcontentloaded",
                )

                def metadata(key: str):
                    # (a "/" escaped: playwright hands the pattern to the page as /…/)
                    return page.get_by_role("row", name=re.compile(rf"^{re.escape(key)} ".replace("/", r"\/")))

                expect(metadata("dagster/row_count")).to_have_text(
                    re.compile(r"^\s*dagster/row_count\s*288\s*$"), timeout=60_000
                )
                expect(metadata("intervals")).to_contain_text("288/288")
                end = datetime.fromisoformat(day) + timedelta(days=1, hours=4, minutes=55)  # 23:55 EST in UTC
                expect(metadata("latest_interval_utc")).to_contain_text(end.strftime("%Y-%m-%dT%H:%M"))
                expect(page.get_by_text(re.compile(r"^Materialized$")).first).to_be_visible()
                if i == 0:
                    page.screenshot(path=str(shots / "5-asset-partition.png"))

            # 4. the lineage: raw, std and mart are groups of their own, so the two isone__system_load_5min
            # (raw, std) sit in different, labelled boxes
            page.set_viewport_size({"width": 1920, "height": 1080})
            page.goto(lineage, wait_until="domcontentloaded")
            for group in ("raw", "std", "mart"):
                label = page.get_by_text(group, exact=True).last  # the group box (the sidebar lists them first)
                label.wait_for(timeout=60_000)
                label.click()  # expand it
            expect(page.get_by_text("isone__system_load_5min", exact=True)).to_have_count(2, timeout=30_000)
            expect(page.get_by_text("isone__load_daily", exact=True)).to_have_count(1)
            page.screenshot(path=str(shots / "6-lineage.png"))
        finally:
            browser.close()
