"""Operations: poll today every five minutes, finalize yesterday every morning.

- `isone_poll_sensor` (on by default; `ISONE_POLLING=off` starts it stopped, e.g. for an instance that only
  backfills history) ticks every `ISONE_POLL_TICK_SECONDS` (5 s) and asks ISO-NE for the latest published
  5-minute interval (`/fiveminutesystemload/info`, one ~150-byte request) on every tick around the next
  interval's expected publication, at most every `ISONE_POLL_PROBE_SECONDS` (60 s) otherwise
  (`lib/poll_schedule.py`: the publication lag is learned from the probes). When it advances, it launches one
  `isone_poll` run for that interval's operating day: each 5-minute feed and the fuel mix fetch only what is new
  (at most 2 requests per feed), and the run carries std tables and marts along.
- `isone_finalize_yesterday` (07:00 America/New_York, on by default) re-materializes yesterday in full with
  `isone_ingest`: final LMPs replace the preliminary ones, and every dataset gets its complete day. It also
  fetches again the real-time hourly demand of the earlier days of a week (`RT_DEMAND_LATE_DAYS`) that the
  warehouse does not hold in full: ISO-NE publishes it about 3 business days late.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from isone_platform.defs.jobs import isone_ingest_job
from isone_platform.defs.load.feeds import DEMAND_HOURLY_FEED, RT_DEMAND_LATE_DAYS
from isone_platform.lib.datasets import POLLED
from isone_platform.lib.partitions import ISONE_TZ, expected_intervals, operating_day_partitions
from isone_platform.lib.poll import POLL_FOR_TAG
from isone_platform.lib.poll_schedule import PollCursor, ProbeSchedule, launched, next_probe_at, observe, should_probe
from isone_platform.lib.resources import IsoneApiResource
from isone_platform.lib.schemas import LOAD_ZONES
from isone_platform.lib.settings import Settings, current_settings
from isone_platform.lib.sql_literals import days_sql

POLL_PROBE_PATH = "/fiveminutesystemload/info"
FINALIZE_CRON = "0 7 * * *"  # after ISO-NE's final LMPs of the previous day (the simulator publishes them at 06:00)

POLL_RUN_CONFIG = {"ops": {f"raw__{ds.asset_name}": {"config": {"mode": "poll"}} for ds in POLLED}}

isone_poll_job = dg.define_asset_job(
    name="isone_poll",
    description="Fetch what is new for today's 5-minute feeds and fuel mix, then refresh their std tables and marts.",
    # downstream of the polled raw assets, but not the revisions tables: std steps write those (AssetSpecs)
    selection=dg.AssetSelection.assets(*[dg.AssetKey(["raw", ds.asset_name]) for ds in POLLED])
    .downstream()
    .materializable(),
    partitions_def=operating_day_partitions,
    config=POLL_RUN_CONFIG,
)


def latest_published(info_body: bytes) -> datetime | None:
    """LatestBeginDate of a `/info` body, as an aware datetime (None when nothing is published)."""
    import json

    info = json.loads(info_body).get("ServiceInfo") or {}
    value = info.get("LatestBeginDate") if isinstance(info, dict) else None
    if not value:
        return None
    return datetime.fromisoformat(value)


def wall_clock() -> datetime:
    return datetime.now(UTC)


def build_poll_sensor(settings: Settings, clock: Callable[[], datetime] = wall_clock) -> dg.SensorDefinition:
    """The poll sensor of `settings`: ticks every `ISONE_POLL_TICK_SECONDS` and probes on the ticks its
    `ProbeSchedule` picks; starts stopped when `ISONE_POLLING=off`. Built when the definitions load, from the
    settings read then (not at import). `clock` is "now" for the schedule: this host's clock, which is ISO-NE's
    give or take a learned offset; tests that move a simulator's clock pass that one."""
    schedule = ProbeSchedule.from_settings(settings)

    def isone_poll_sensor(context: dg.SensorEvaluationContext, isone_api: IsoneApiResource):
        return poll_tick(context, isone_api, schedule, clock())

    return dg.sensor(
        name="isone_poll_sensor",
        job=isone_poll_job,
        minimum_interval_seconds=settings.isone_poll_tick_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING if settings.isone_polling else dg.DefaultSensorStatus.STOPPED,
        description="Launches an isone_poll run whenever ISO-NE publishes a new 5-minute interval; asks ISO-NE often "
        "around the next interval's expected publication, rarely otherwise.",
    )(isone_poll_sensor)


def poll_tick(
    context: dg.SensorEvaluationContext, isone_api: IsoneApiResource, schedule: ProbeSchedule, now: datetime
) -> dg.RunRequest | dg.SkipReason:
    """One tick: a run request for the newest published interval's day when it is new and no poll run is in flight;
    a probe of ISO-NE only when the schedule says so (and, while a sighting waits, once the runs are done)."""
    cursor = PollCursor.parse(context.cursor)
    if cursor.pending and poll_run_in_flight(context.instance):
        return dg.SkipReason(f"interval {cursor.latest} waits: the previous poll run is still in flight")
    if not should_probe(now, cursor, schedule):
        return dg.SkipReason(f"not probing before {next_probe_at(cursor, schedule)} (expected publication window)")
    with isone_api.client() as client:
        cursor = observe(cursor, now, latest_published(client.get(POLL_PROBE_PATH).body), schedule)
    if cursor.latest is None or not cursor.pending or poll_run_in_flight(context.instance):
        context.update_cursor(cursor.to_json())
        return dg.SkipReason(why_no_run(cursor))
    context.update_cursor(launched(cursor).to_json())
    stamp = cursor.latest.isoformat()
    day = cursor.latest.astimezone(ISONE_TZ).date().isoformat()
    return dg.RunRequest(run_key=f"poll-{stamp}", partition_key=day, tags={POLL_FOR_TAG: stamp})


def why_no_run(cursor: PollCursor) -> str:
    """The skip message of a tick that probed and launched nothing."""
    if cursor.latest is None:
        return "ISO-NE reports nothing published yet"
    if cursor.pending:
        return f"interval {cursor.latest.isoformat()} waits: the previous poll run is still in flight"
    return f"nothing new since {cursor.latest.isoformat()}"


def poll_run_in_flight(instance: dg.DagsterInstance) -> bool:
    """Whether an isone_poll run is queued or running: the next one waits for it (one writer of today at a time)."""
    return bool(
        instance.get_run_records(
            dg.RunsFilter(
                job_name=isone_poll_job.name,
                statuses=[
                    dg.DagsterRunStatus.QUEUED,
                    dg.DagsterRunStatus.NOT_STARTED,
                    dg.DagsterRunStatus.STARTING,
                    dg.DagsterRunStatus.STARTED,
                ],
            ),
            limit=1,
        )
    )


@dg.schedule(
    job=isone_ingest_job,
    cron_schedule=FINALIZE_CRON,
    execution_timezone="America/New_York",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Re-materializes yesterday's operating-day partition of isone_ingest in full: final LMPs replace "
    "preliminary ones.",
    # Dagster 1.13.27 reports no partition set for any schedule (ScheduleSnap.from_def sets partition_set_name=None,
    # also for build_schedule_from_partitioned_job, whose "last partition" would be today here, not yesterday), so
    # the UI's "Partition set" row reads None. The partition is in the description, this metadata, each tick's run
    # request and the run's `dagster/partition` tag.
    metadata={"partition": "yesterday's operating day (America/New_York)", "partitioned job": "isone_ingest"},
)
def isone_finalize_yesterday(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """Yesterday in full, then each earlier day of the late window whose real-time demand is still incomplete
    (`late_days`): only the demand and what is built from it, so days already final are not fetched again."""
    yesterday = context.scheduled_execution_time.astimezone(ISONE_TZ).date() - timedelta(days=1)
    requests = [
        dg.RunRequest(
            run_key=f"finalize-{yesterday.isoformat()}",
            partition_key=yesterday.isoformat(),
            tags={"isone/finalize": yesterday.isoformat()},
        )
    ]
    for day in late_days(yesterday):
        requests.append(
            dg.RunRequest(
                run_key=f"finalize-late-{day.isoformat()}-{yesterday.isoformat()}",
                partition_key=day.isoformat(),
                asset_selection=LATE_ASSETS,
                tags={"isone/finalize_late": day.isoformat()},
            )
        )
    return requests


LATE_ASSETS = [
    dg.AssetKey(["raw", DEMAND_HOURLY_FEED.asset_name]),
    dg.AssetKey(["std", DEMAND_HOURLY_FEED.asset_name]),
    dg.AssetKey(["mart", "isone__load_forecast_accuracy_daily"]),
]
"""What a late day re-fetches: the real-time demand (published about 3 business days late), and the forecast
accuracy mart whose zone rows compare with it; nothing else."""


def late_days(yesterday: date) -> list[date]:
    """The days of the `RT_DEMAND_LATE_DAYS` before yesterday (inside the partitions) whose real-time demand the
    warehouse does not hold in full (8 zones × every hour), read through a read-only attach; none when the
    warehouse cannot be read."""
    window = [yesterday - timedelta(days=k) for k in range(RT_DEMAND_LATE_DAYS, 0, -1)]
    window = [d for d in window if operating_day_partitions.has_partition_key(d.isoformat())]
    try:
        have = rt_demand_rows(window)
    except Exception:  # no warehouse yet, or unreadable: the finalize of yesterday still runs
        return []
    return [d for d in window if have.get(d, 0) < len(LOAD_ZONES) * expected_intervals(d, timedelta(hours=1))]


def rt_demand_rows(days: list[date]) -> dict[date, int]:
    """Real-time demand rows per operating day in the warehouse."""
    from isone_platform import warehouse

    if not days:
        return {}
    con = warehouse.connect()
    try:
        rows = con.execute(
            f"select operating_day, count(*) from {DEMAND_HOURLY_FEED.table.qualified_name} "
            f"where market = 'RT' and operating_day in ({days_sql(days)}) group by 1"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


@dg.definitions
def polling() -> dg.Definitions:
    """This module's definitions; the poll sensor built from this process's settings when the definitions load
    (a module with a `@dg.definitions` function contributes only what that function returns)."""
    return dg.Definitions(
        jobs=[isone_poll_job], sensors=[build_poll_sensor(current_settings())], schedules=[isone_finalize_yesterday]
    )
