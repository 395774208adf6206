"""Polling today and finalizing yesterday, in process: what a tick fetches, how it merges, what finalize replaces."""

import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from isone_platform.defs.polling.definitions import POLL_PROBE_PATH, build_poll_sensor, isone_finalize_yesterday
from isone_platform.lib.datasets import POLLED
from isone_platform.lib.partitions import day_bounds_utc
from isone_platform.lib.poll import first_missing
from isone_platform.lib.resources import build_resources
from isone_platform.lib.settings import Settings, SettingsError

from .helpers import query

NY = ZoneInfo("America/New_York")
DAY = "2024-11-20"
FEED_PREFIXES = {
    "system_load_5min": "/fiveminutesystemload/",
    "zonal_load_5min": "/fiveminuteestimatedzonalload/",
    "lmp_rt_5min": "/fiveminutelmp/",
    "fuel_mix": "/genfuelmix/",
    "load_hourly": "/hourlysysload/",
    "load_forecast_hourly": "/hourlyloadforecast/",
    "load_forecast_zonal_hourly": "/reliabilityregionloadforecast/",
    "seven_day_forecast": "/sevendayforecast/",
}
RESERVE_COLUMNS = "interval_begin_utc, reserve_zone_id, tmsr_clearing_price, tmnsr_clearing_price, tmor_clearing_price"
FORECASTS = ("load_forecast_hourly", "load_forecast_zonal_hourly", "seven_day_forecast")


@pytest.fixture
def defs(platform_env):
    from isone_platform.definitions import defs as build

    return build()


def poll(defs, sim, instance, when: datetime):
    """One tick: the sensor probes ISO-NE, and its run request is executed like the daemon would."""
    sim.clock.set(when)
    sim.reset_requests()
    with dg.build_sensor_context(
        instance=instance,
        cursor=instance.run_storage.get_cursor_values({"c"}).get("c"),
        resources=build_resources(),
        definitions=defs,
    ) as context:
        result = build_poll_sensor(Settings.from_env(), clock=sim.clock.now)(context)
        instance.run_storage.set_cursor_values({"c": context.cursor or ""})
    if isinstance(result, dg.SkipReason):
        return None
    assert isinstance(result, dg.RunRequest), result  # a skip or one run request
    job = defs.resolve_job_def("isone_poll")
    run = job.execute_in_process(partition_key=result.partition_key, instance=instance, tags=result.tags)
    assert run.success
    paths = [r.path.removeprefix("/api/v1.1") for r in sim.requests]
    probes = [p for p in paths if p == POLL_PROBE_PATH]
    per_feed = Counter(
        name for p in paths if p != POLL_PROBE_PATH for name, prefix in FEED_PREFIXES.items() if p.startswith(prefix)
    )
    return result, per_feed, probes


def launched(outcome: tuple[dg.RunRequest, Counter, list[str]] | None) -> tuple[dg.RunRequest, Counter, list[str]]:
    """A tick's outcome that must have launched a run (the sensor did not skip)."""
    assert outcome is not None, "the sensor skipped the tick"
    return outcome


def counts():
    return {
        ds.name: query(
            f"select count(distinct interval_begin_utc), count(*), max(interval_begin_utc) "
            f"from std.{ds.asset_name} where operating_day = '{DAY}'"
        )[0]
        for ds in POLLED
    }


def test_polling_fetches_only_what_is_new_and_merges_idempotently(defs, sim, platform_env):
    instance = dg.DagsterInstance.ephemeral()
    # 10:02 local: the 09:55 interval was published at 10:01 (5 minutes + 60 s lag)
    first = launched(poll(defs, sim, instance, datetime(2024, 11, 20, 10, 2, tzinfo=NY)))
    request, per_feed, probes = first
    assert request.partition_key == DAY and len(probes) == 1
    assert all(n <= 2 for n in per_feed.values()) and set(per_feed) == set(FEED_PREFIXES)
    after_first = counts()
    latest = datetime(2024, 11, 20, 9, 55, tzinfo=NY)
    assert after_first["system_load_5min"][0] == 120 and after_first["system_load_5min"][2] == latest
    assert after_first["zonal_load_5min"][1] == 120 * 8
    # all-node LMPs catch up one hour chunk per tick (at most 2 requests): hour 00 plus the current interval
    assert after_first["lmp_rt_5min"][0] == 13 and after_first["lmp_rt_5min"][2] == latest

    # the forecasts: today's issues so far (04:00 and 09:15 runs, the 09:30 seven-day issue) in one request each
    assert all(per_feed[name] == 2 for name in (*FORECASTS, "load_hourly"))
    issues = query(
        f"select count(distinct issued_at_utc) from std.isone__load_forecast_hourly where operating_day = '{DAY}'"
    )
    assert issues[0][0] >= 4  # runs of 11-18, 11-19 and today's two
    assert after_first["load_hourly"][:2] == (10, 10)  # 00:00 .. 09:00, the last completed hour

    # same time again: the sensor sees nothing new and launches nothing
    assert poll(defs, sim, instance, datetime(2024, 11, 20, 10, 2, 30, tzinfo=NY)) is None

    # five minutes later: one new interval
    request, per_feed, _ = launched(poll(defs, sim, instance, datetime(2024, 11, 20, 10, 7, tzinfo=NY)))
    assert all(per_feed[name] == 1 for name in FORECASTS)  # no new issue: the probe only
    assert per_feed["load_hourly"] == 1  # no new hour
    assert per_feed["system_load_5min"] == 1 and per_feed["zonal_load_5min"] == 1
    assert per_feed["lmp_rt_5min"] == 2  # current + the next missing hour chunk
    after = counts()
    assert after["system_load_5min"][:2] == (121, 121)  # no duplicate intervals
    assert after["zonal_load_5min"][1] == 121 * 8
    assert after["lmp_rt_5min"][0] == 13 + 12 + 1
    assert after["lmp_rt_5min"][2] == datetime(2024, 11, 20, 10, 0, tzinfo=NY)
    [(dupes,)] = query(
        "select count(*) - count(distinct (interval_begin_utc, location_id)) from std.isone__lmp_rt_5min"
    )
    assert dupes == 0


def test_missed_ticks_are_filled_by_one_extra_request(defs, sim, platform_env):
    instance = dg.DagsterInstance.ephemeral()
    poll(defs, sim, instance, datetime(2024, 11, 20, 10, 2, tzinfo=NY))
    _, per_feed, _ = launched(poll(defs, sim, instance, datetime(2024, 11, 20, 11, 2, tzinfo=NY)))  # an hour missed
    assert per_feed["system_load_5min"] == 2 and per_feed["fuel_mix"] <= 2
    assert counts()["system_load_5min"][:2] == (132, 132)


def test_first_missing_interval():
    from isone_platform.lib.datasets import DATASETS

    ds = DATASETS["system_load_5min"]
    day = datetime(2024, 11, 3).date()  # fall back: 300 intervals
    start, end = day_bounds_utc(day)
    every = [start + timedelta(minutes=5 * i) for i in range(300)]
    assert first_missing(ds, day, every, end - timedelta(minutes=5)) is None
    assert first_missing(ds, day, every[:40] + every[41:], every[-1]) == every[40]
    fuel = DATASETS["fuel_mix"]
    snaps = [start + timedelta(minutes=7 * i, seconds=13) for i in range(20)]
    assert first_missing(fuel, day, snaps, snaps[-1]) is None
    assert first_missing(fuel, day, snaps[:5] + snaps[9:], snaps[-1]) == snaps[4]


def test_finalize_replaces_prelim_with_final_prices_late_correction(defs, sim, platform_env):
    instance = dg.DagsterInstance.ephemeral()
    job = defs.resolve_job_def("isone_ingest")
    sim.clock.set(datetime(2024, 11, 21, 0, 30, tzinfo=NY))  # the day is over, its final prices are not out yet
    assert job.execute_in_process(partition_key=DAY, instance=instance).success
    prelim = dict(
        ((r[0], r[1]), r[2]) for r in query("select interval_begin_utc, location_id, lmp from std.isone__lmp_rt_5min")
    )
    reserves_prelim = query(f"select {RESERVE_COLUMNS} from std.isone__reserve_prices_5min")
    assert query("select distinct price_status from std.isone__lmp_rt_5min") == [("prelim",)]

    # 07:00 next morning the finalize schedule asks for yesterday
    sim.clock.set(datetime(2024, 11, 21, 7, 0, tzinfo=NY))
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=datetime(2024, 11, 21, 7, 0, tzinfo=NY)
    )
    requests = isone_finalize_yesterday(context)
    assert isinstance(requests, list)
    request = requests[0]
    assert isinstance(request, dg.RunRequest) and request.partition_key == DAY
    assert job.execute_in_process(partition_key=request.partition_key, instance=instance, tags=request.tags).success

    final = dict(
        ((r[0], r[1]), r[2]) for r in query("select interval_begin_utc, location_id, lmp from std.isone__lmp_rt_5min")
    )
    assert query("select distinct price_status from std.isone__lmp_rt_5min") == [("final",)]
    assert final.keys() == prelim.keys() and len(final) == 288 * len({k[1] for k in final})  # replaced, not added
    corrected = [k for k in final if final[k] != prelim[k]]
    assert 0 < len(corrected) < len(final) * 0.05  # final re-prices a few intervals
    [(status,)] = query("select distinct price_status from std.isone__lmp_rt_hourly")
    assert status == "final"

    # the replaced prelim values are kept: exactly the intervals whose values changed, with both values
    revisions = query(
        "select interval_begin_utc, location_id, prelim_lmp, final_lmp from std.isone__lmp_rt_5min_revisions"
    )
    assert {(r[0], r[1]) for r in revisions} == set(corrected)
    assert all(prelim[(r[0], r[1])] == r[2] and final[(r[0], r[1])] == r[3] for r in revisions)
    coverage = query(
        "select count(*), sum(intervals_compared), sum(intervals_revised) from std.isone__price_revision_coverage "
        "where dataset = 'isone__lmp_rt_5min'"
    )
    assert coverage == [(len({k[1] for k in final}), len(final), len(corrected))]
    kept = query("select * from std.isone__lmp_rt_5min_revisions order by all")
    # the mart says the same per location: intervals compared and revised, the largest revision
    mart = query(
        "select sum(intervals_compared), sum(intervals_revised), max(max_abs_change_lmp) "
        f"from mart.isone__price_revisions_daily where dataset = 'isone__lmp_rt_5min' and operating_day = '{DAY}'"
    )
    largest = max(abs(final[k] - prelim[k]) for k in corrected)
    assert mart[0][:2] == (len(final), len(corrected)) and abs(mart[0][2] - largest) < 1e-9

    # reserve prices likewise: the revisions are exactly the zone-intervals whose prices changed
    reserves_final = {
        (r[0], r[1]): r[2:] for r in query(f"select {RESERVE_COLUMNS} from std.isone__reserve_prices_5min")
    }
    changed = {(r[0], r[1]) for r in reserves_prelim if reserves_final[(r[0], r[1])] != r[2:]}
    kept_reserves = query("select interval_begin_utc, reserve_zone_id from std.isone__reserve_prices_5min_revisions")
    assert changed and set(kept_reserves) == changed and len(kept_reserves) == len(changed)
    all_kept = query("select count(*) from std.isone__price_revision_coverage")

    # finalizing again changes nothing: the stored day is final already, the revisions stay as they are
    assert job.execute_in_process(partition_key=request.partition_key, instance=instance, tags=request.tags).success
    assert query("select * from std.isone__lmp_rt_5min_revisions order by all") == kept
    assert query("select count(*) from std.isone__reserve_prices_5min_revisions") == [(len(changed),)]
    assert query("select count(*) from std.isone__price_revision_coverage") == all_kept
    assert (
        query(
            "select count(*), sum(intervals_compared), sum(intervals_revised) from std.isone__price_revision_coverage "
            "where dataset = 'isone__lmp_rt_5min'"
        )
        == coverage
    )


@pytest.mark.parametrize(("value", "expected"), [("", "RUNNING"), ("off", "STOPPED"), ("ON", "RUNNING")])
def test_isone_polling_switch_sets_the_sensor_default_status(value, expected):
    code = (
        "from isone_platform.defs.polling.definitions import build_poll_sensor as b; "
        "from isone_platform.lib.settings import Settings; print(b(Settings.from_env()).default_status.name)"
    )
    env = {**os.environ, "ISONE_POLLING": value}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == expected, out.stderr[-500:]


def test_isone_polling_rejects_a_non_switch(monkeypatch):
    monkeypatch.setenv("ISONE_POLLING", "sometimes")
    with pytest.raises(SettingsError, match=r"ISONE_POLLING='sometimes': Input should be a valid boolean"):
        Settings.from_env()


def test_finalize_schedule_targets_the_partitioned_job_and_names_its_partition(defs):
    from isone_platform.lib.partitions import operating_day_partitions

    schedule = defs.get_schedule_def("isone_finalize_yesterday")
    job = defs.resolve_job_def(schedule.job_name)
    assert job.name == "isone_ingest" and job.partitions_def == operating_day_partitions
    assert "yesterday" in str(schedule.metadata["partition"])
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2024, 11, 21, 7, 0, tzinfo=NY))
    requests = isone_finalize_yesterday(context)
    assert isinstance(requests, list)
    request = requests[0]
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2024-11-20"
    assert operating_day_partitions.has_partition_key(request.partition_key)


def test_dagster_reports_no_partition_set_for_schedules():
    """Why the UI's "Partition set" row reads None (Dagster 1.13.27): no schedule snapshot carries one, not even
    `build_schedule_from_partitioned_job`'s. When this fails, Dagster shows it: revisit isone_finalize_yesterday."""
    from dagster._core.remote_representation.external_data import ScheduleSnap

    days = dg.DailyPartitionsDefinition(start_date="2024-01-01")

    @dg.asset(partitions_def=days)
    def a(): ...

    job = dg.define_asset_job("j", selection=[a], partitions_def=days)
    schedule = dg.build_schedule_from_partitioned_job(job)
    repo = dg.Definitions(assets=[a], jobs=[job], schedules=[schedule]).get_repository_def()
    assert ScheduleSnap.from_def(repo.get_schedule_def(schedule.name), repo).partition_set_name is None


def test_a_poll_run_executes_the_5_minute_feeds_first():
    """Their raw and std steps carry the priority the in-process executor orders by; the other feeds' do not."""
    from isone_platform.lib.datasets import DATASETS
    from isone_platform.lib.ingest_assets import FIRST_IN_RUN, build_ingest_assets

    for name, first in (("system_load_5min", True), ("lmp_rt_5min", True), ("fuel_mix", False)):
        for asset in build_ingest_assets(DATASETS[name], Settings.from_env()):
            assert (asset.op.tags.get("dagster/priority") == FIRST_IN_RUN["dagster/priority"]) is first, name
