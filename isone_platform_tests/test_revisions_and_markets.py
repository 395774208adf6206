"""What a write keeps of the values it replaces (lib/revisions.py), the late real-time demand the finalize schedule
fetches again, and a market that did not exist yet (DASI before 2025-03-01): materialized empty, not failed."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl

from isone_platform.defs.load.feeds import DEMAND_HOURLY_FEED, RT_DEMAND_LATE_DAYS
from isone_platform.defs.polling.definitions import isone_finalize_yesterday, late_days
from isone_platform.lib.datasets import dataset
from isone_platform.lib.partitions import day_bounds_utc
from isone_platform.lib.schemas import DEMAND_HOURLY, LOAD_ZONES, SYSTEM_LOAD_5MIN
from isone_platform.lib.warehouse import WarehouseConfig, replace_partitions

from .helpers import query

NY = ZoneInfo("America/New_York")
DAY = date(2024, 11, 20)
FIVE = timedelta(minutes=5)


def system_day(load: float, fetched: datetime, bump: dict[int, float] | None = None) -> pl.DataFrame:
    start, _ = day_bounds_utc(DAY)
    begins = [start + FIVE * i for i in range(288)]
    loads = [load + (bump or {}).get(i, 0.0) for i in range(288)]
    return pl.DataFrame(
        {
            "interval_begin_utc": begins,
            "interval_end_utc": [b + FIVE for b in begins],
            "operating_day": [DAY] * 288,
            "load_mw": loads,
            "native_load_mw": loads,
            "ard_demand_mw": [0.0] * 288,
            "system_load_btm_pv_mw": loads,
            "native_load_btm_pv_mw": loads,
            "source_path": ["/fiveminutesystemload/day/20241120"] * 288,
            "fetched_at_utc": [fetched] * 288,
            "body_sha256": ["0" * 64] * 288,
        },
        schema=SYSTEM_LOAD_5MIN.polars_schema,
    )


def write_guarded(frame: pl.DataFrame) -> dict:
    """Write a system-load day the way the std step does (the guard keeps the revisions); the revised counts."""
    from isone_platform.lib.std_write import GuardedDays
    from isone_platform.lib.warehouse.write import replace_partitions_streaming

    class Day(GuardedDays):
        def __iter__(self):
            yield DAY, frame

    import logging

    days = Day(dataset("system_load_5min"), [], logging.getLogger("test"))
    replace_partitions_streaming(WarehouseConfig.from_env(), SYSTEM_LOAD_5MIN, days, [DAY], guard=days)
    return days.revised


def test_a_corrected_load_value_is_kept_once(platform_env):
    first = datetime(2024, 11, 20, 12, tzinfo=UTC)
    assert write_guarded(system_day(15_000.0, first)) == {}  # nothing stored before: nothing corrected
    corrected = datetime(2024, 11, 20, 12, 5, tzinfo=UTC)
    assert write_guarded(system_day(15_000.0, corrected, {10: 12.5, 11: -3.0})) == {DAY: 2}
    rows = query(
        "select dataset, area, zone_id, previous_load_mw, corrected_load_mw, previous_fetched_at_utc, "
        "corrected_fetched_at_utc from std.isone__load_revisions order by interval_begin_utc"
    )
    assert rows == [
        ("isone__system_load_5min", "SYSTEM", None, 15_000.0, 15_012.5, first, corrected),
        ("isone__system_load_5min", "SYSTEM", None, 15_000.0, 14_997.0, first, corrected),
    ]
    # the same values again: nothing new is kept
    again = datetime(2024, 11, 20, 12, 10, tzinfo=UTC)
    assert write_guarded(system_day(15_000.0, again, {10: 12.5, 11: -3.0})) == {}
    assert query("select count(*) from std.isone__load_revisions") == [(2,)]


def _rt_demand(day: date, hours: int) -> pl.DataFrame:
    start, _ = day_bounds_utc(day)
    rows = [
        (start + timedelta(hours=h), start + timedelta(hours=h + 1), day, "RT", zone_id, name, 1_000.0)
        for h in range(hours)
        for zone_id, name in LOAD_ZONES.items()
    ]
    frame = pl.DataFrame(
        rows,
        schema=[
            "interval_begin_utc",
            "interval_end_utc",
            "operating_day",
            "market",
            "location_id",
            "location_name",
            "load_mw",
        ],
        orient="row",
    ).with_columns(
        pl.col("location_id").cast(pl.Int32),
        pl.lit("/x").alias("source_path"),
        pl.lit(datetime(2024, 11, 25, tzinfo=UTC)).alias("fetched_at_utc"),
        pl.lit("0" * 64).alias("body_sha256"),
    )
    return DEMAND_HOURLY.conform(frame)


def test_finalize_fetches_again_the_days_whose_rt_demand_is_incomplete(platform_env):
    yesterday = date(2024, 11, 20)
    window = [yesterday - timedelta(days=k) for k in range(RT_DEMAND_LATE_DAYS, 0, -1)]
    assert late_days(yesterday) == []  # no warehouse yet: nothing known to be late, yesterday still finalized
    complete, partial = window[0], window[1]
    config = WarehouseConfig.from_env()
    replace_partitions(config, DEMAND_HOURLY, _rt_demand(complete, 24), [complete])
    replace_partitions(config, DEMAND_HOURLY, _rt_demand(partial, 23), [partial])
    assert late_days(yesterday) == window[1:]  # the complete day is not fetched again
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2024, 11, 21, 7, tzinfo=NY))
    requests = isone_finalize_yesterday(context)
    assert isinstance(requests, list)
    assert [r.partition_key for r in requests] == ["2024-11-20", *(d.isoformat() for d in window[1:])]
    late = requests[1]
    assert late.asset_selection is not None
    assert dg.AssetKey(["std", DEMAND_HOURLY_FEED.asset_name]) in late.asset_selection


def test_a_day_before_the_market_existed_is_materialized_empty(platform_env):
    from isone_platform.definitions import defs

    definitions = defs()
    job = definitions.resolve_job_def("isone_ingest")
    keys = [dg.AssetKey([layer, "isone__da_reserves_hourly"]) for layer in ("raw", "std")]
    result = job.execute_in_process(
        partition_key="2024-11-20", asset_selection=keys, instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    assert query("select count(*) from std.isone__da_reserves_hourly") == [(0,)]
    [std] = [m for m in result.asset_materializations_for_node("std__isone__da_reserves_hourly")]
    assert "did not exist yet" in str(std.metadata["market"].value) and "2025-03-01" in str(
        std.metadata["market"].value
    )
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations)
