"""Freshness (WARN): while polling, today's latest interval is recent.

`latest_interval_fresh`: for today's operating day, the latest interval began at most `FRESHNESS_MAX_AGE`
before now; other days pass ("not today"). WARN, not ERROR: late data is an operational alert, the rows present
are still right, and the marts must keep building. Applies to the 5-minute feeds and the fuel mix (hourly RT
prices are published an hour late, DA ones a day early).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import duckdb

from isone_platform.lib.dq.outcome import RuleOutcome, guarded, outcome
from isone_platform.lib.dq.sql import date_sql, plain
from isone_platform.lib.partitions import today_operating_day
from isone_platform.lib.schemas import TableSchema

FRESHNESS_MAX_AGE = timedelta(minutes=20)


def minutes(delta: timedelta) -> int:
    """Whole minutes of `delta`, as the freshness texts quote the limit."""
    return int(delta.total_seconds() // 60)


@guarded("latest_interval_fresh", "WARN")
def latest_interval_fresh(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    now: datetime | None = None,
    max_age: timedelta = FRESHNESS_MAX_AGE,
) -> RuleOutcome:
    """Today's latest interval began at most `max_age` (`FRESHNESS_MAX_AGE`) before `now`; other days pass."""
    rule = "latest_interval_fresh"
    now = now or datetime.now(UTC)
    today = today_operating_day(now)
    if days is None or today not in days:
        return outcome(
            rule, schema, days, "WARN", 0, [], f"not today ({today.isoformat()}): freshness not applicable", ""
        )
    [(latest,)] = con.execute(
        f"SELECT max(interval_begin_utc) FROM {schema.qualified_name} WHERE operating_day = {date_sql(today)}"
    ).fetchall()
    age = None if latest is None else now - latest
    row = {
        "operating_day": today.isoformat(),
        "latest_interval_utc": plain(latest),
        "now_utc": plain(now),
        "age_minutes": None if age is None else round(age.total_seconds() / 60, 1),
    }
    fresh = age is not None and age <= max_age
    limit = minutes(max_age)
    return outcome(
        rule,
        schema,
        days,
        "WARN",
        0 if fresh else 1,
        [] if fresh else [row],
        f"today's latest interval {row['latest_interval_utc']} is {row['age_minutes']} min old (≤ {limit} min)",
        "no interval yet today"
        if latest is None
        else f"today's latest interval {row['latest_interval_utc']} is {row['age_minutes']} min old (> {limit} min)",
    )
