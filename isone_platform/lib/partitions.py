"""The ISO-NE operating day: one shared daily partitioning for every partitioned asset."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from isone_platform.lib.settings import Settings, current_settings

ISONE_TZ = ZoneInfo("America/New_York")


@cache
def partitions_from(start: date) -> dg.DailyPartitionsDefinition:
    """The operating-day partitions from `start` to today (end_offset=1: today's partial operating day is a
    partition too, so polling can fill it). One object per start date."""
    return dg.DailyPartitionsDefinition(start_date=start.isoformat(), timezone="America/New_York", end_offset=1)


def operating_day_partitions_for(settings: Settings | None = None) -> dg.DailyPartitionsDefinition:
    """The partitions of `settings` (default: this process's): from `ISONE_HISTORY_START`, else a few days before
    today (`Settings.history_start`)."""
    return partitions_from((settings or current_settings()).history_start)


# `operating_day_partitions` is imported as a module-level name by every module that declares a partitioned asset
# (`from isone_platform.lib.partitions import operating_day_partitions`). Its start is a setting, so it is resolved
# on that import (PEP 562 module __getattr__), i.e. when the definitions load, from `current_settings()` at that
# moment; importing this module alone (the demo, the CLI, tests) reads no setting. A command that changes its
# settings before loading the definitions (the demo widens the start to cover its days) is therefore honoured.
def __getattr__(name: str) -> Any:
    if name == "operating_day_partitions":
        return operating_day_partitions_for()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# One backfill policy for every partitioned asset, so that a backfill run carries its days end to end (raw -> std ->
# checks -> marts) and the daemon launches all of a range's runs in its first iteration. With a policy per layer
# (raw in batches, std and marts in one run) Dagster cannot put a child in its parent's run: each layer waited for
# the next backfill-daemon iteration (30 s apart). 15 days per run: two runs at a time cover a month; smaller
# batches pay ~5 s of run launch each, larger ones hold a warehouse transaction and a run longer.
def backfill_policy(settings: Settings | None = None) -> dg.BackfillPolicy:
    """The shared policy: `ISONE_BACKFILL_DAYS_PER_RUN` days per run, from `settings` (default: this process's,
    read when the definitions load, not when this module is imported)."""
    days = (settings or current_settings()).isone_backfill_days_per_run
    return dg.BackfillPolicy.multi_run(max_partitions_per_run=days)


def partition_day(key: str) -> date:
    try:
        return date.fromisoformat(key)
    except ValueError:
        raise ValueError(f"partition key {key!r} is not an operating day (YYYY-MM-DD)") from None


def day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    """[start, end) of an operating day in UTC: 23, 24 or 25 hours long."""
    start = datetime.combine(day, time(0), ISONE_TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), ISONE_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def expected_intervals(day: date, grain: timedelta) -> int:
    """288 / 276 / 300 five-minute intervals (24 / 23 / 25 hours) on normal / spring-forward / fall-back days."""
    start, end = day_bounds_utc(day)
    return int((end - start) / grain)


def today_operating_day(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(ISONE_TZ).date()
