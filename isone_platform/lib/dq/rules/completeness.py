"""Completeness rules (ERROR): every interval, zone and priced location the day should have is there.

- `intervals_complete`: every series (the feed's declared `series_columns`: the system, each zone, each
  location) has every interval of the day (`lib.partitions.expected_intervals`, 276 / 288 / 300 five-minute or
  23 / 24 / 25 hourly). Fuel mix has no fixed grain: at least one snapshot in every hour of the day (23 / 24 / 25
  hours). A day that is not over yet (today while polling) is checked from its start up to its latest interval
  (no gaps so far).
- `all_zones_present`: the 8 load zones 4001–4008 (`LOAD_ZONE_IDS`) in every interval of the day, in the column
  the feed declares (zonal load: `zone_id`, plus no other zone id; LMPs: `location_id`).
- `all_locations_present` (LMPs): every location priced on the day has as many intervals as the day's
  intervals, and every priced location of `std.isone__locations` (`PRICED_LOCATION_TYPES`: HUB, LOAD ZONE,
  EXT. NODE, NETWORK NODE) has prices on the day. When `isone__locations` is empty the second half cannot be
  verified: WARN.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import duckdb

from isone_platform.lib.dq.outcome import RuleOutcome, days_text, guarded, outcome
from isone_platform.lib.dq.sql import MAX_ROWS, collect, date_sql, days_filter, interval_sql, quote, row_count, ts_sql
from isone_platform.lib.partitions import day_bounds_utc
from isone_platform.lib.schemas import LOCATIONS, TableSchema

LOAD_ZONE_IDS: tuple[int, ...] = tuple(range(4001, 4009))
PRICED_LOCATION_TYPES: tuple[str, ...] = ("HUB", "LOAD ZONE", "EXT. NODE", "NETWORK NODE")
FUEL_MIX_SLOT = timedelta(hours=1)
"""The fuel mix has no fixed grain: completeness asks for one snapshot per slot of this length."""
DAY_SETTLES_AFTER = timedelta(hours=1)
"""How long after its end a day still counts as in progress: ISO-NE publishes a day's last intervals after
midnight (the last hourly RT LMPs once that hour is over, plus its publication lag), so a day fetched just after
midnight may lack them without anything being wrong yet."""


def _day_spans(days: Sequence[date], slot: timedelta, now: datetime) -> tuple[list[str], list[date], list[date]]:
    """(VALUES rows `(day, first slot, last slot)`, days still in progress, days not started) at `now`.

    A day is in progress until `DAY_SETTLES_AFTER` past its end. Its last slot is NULL: the SQL takes the day's
    latest stored interval instead."""
    spans, in_progress, future = [], [], []
    for d in sorted(set(days)):
        start, end = day_bounds_utc(d)
        if now < start:
            future.append(d)
            continue
        settled = now >= end + DAY_SETTLES_AFTER
        last = ts_sql(end - slot) if settled else "NULL"
        if not settled:
            in_progress.append(d)
        spans.append(f"({date_sql(d)}, {ts_sql(start)}, {last})")
    return spans, in_progress, future


def _series_cte(schema: TableSchema, where: str, series: Sequence[str]) -> str:
    """Each day's series; a day without any row counts as one series missing everything."""
    if not series:
        return "_dq_series AS (SELECT operating_day FROM _dq_spans)"
    s_cols = "".join(f", {quote(c)}" for c in series)
    return (
        f"_dq_series AS (SELECT DISTINCT operating_day{s_cols} FROM {schema.qualified_name} WHERE {where} "
        f"UNION ALL SELECT operating_day{''.join(f', NULL AS {quote(c)}' for c in series)} FROM _dq_spans "
        f"WHERE operating_day NOT IN (SELECT operating_day FROM {schema.qualified_name} WHERE {where}))"
    )


def _missing_slots_sql(
    schema: TableSchema, where: str, spans: list[str], grain: timedelta | None, series: Sequence[str]
) -> str:
    """One row per series-day that lacks slots: how many are missing, present, expected, first/last missing."""
    slot = grain or FUEL_MIX_SLOT
    slot_expr = "interval_begin_utc" if grain is not None else "date_trunc('hour', interval_begin_utc)"
    s_cols = "".join(f", {quote(c)}" for c in series)
    s_join = "".join(f" AND p.{quote(c)} IS NOT DISTINCT FROM s.{quote(c)}" for c in series)
    s_select = "".join(f", s.{quote(c)}" for c in series)
    return f"""
        WITH _dq_days(operating_day, first_slot, last_slot) AS (VALUES {", ".join(spans)}),
        _dq_latest AS (SELECT operating_day, max({slot_expr}) AS m
                       FROM {schema.qualified_name} WHERE {where} GROUP BY 1),
        _dq_spans AS (SELECT d.operating_day, d.first_slot, coalesce(d.last_slot, l.m) AS last_slot
                      FROM _dq_days d LEFT JOIN _dq_latest l USING (operating_day)),
        _dq_grid AS (SELECT operating_day, unnest(generate_series(first_slot, last_slot, {interval_sql(slot)})) AS slot
                     FROM _dq_spans WHERE last_slot IS NOT NULL),
        {_series_cte(schema, where, series)},
        _dq_present AS (SELECT DISTINCT operating_day{s_cols}, {slot_expr} AS slot
                        FROM {schema.qualified_name} WHERE {where})
        SELECT s.operating_day{s_select}, count(*) - count(p.slot) AS missing, count(p.slot) AS present,
               count(*) AS expected, min(g.slot) FILTER (WHERE p.slot IS NULL) AS first_missing_utc,
               max(g.slot) FILTER (WHERE p.slot IS NULL) AS last_missing_utc
        FROM _dq_series s JOIN _dq_grid g USING (operating_day)
        LEFT JOIN _dq_present p ON p.operating_day = s.operating_day AND p.slot = g.slot{s_join}
        GROUP BY ALL HAVING count(p.slot) < count(*)
    """


@guarded("intervals_complete", "ERROR")
def intervals_complete(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    grain: timedelta | None,
    series: Sequence[str] = (),
    now: datetime | None = None,
) -> RuleOutcome:
    """Every series has every interval of the day (DST aware); `grain=None` (fuel mix): a snapshot every hour.

    `series`: the columns that tell one series from another (the feed's `series_columns`; none: one series).

    A day not settled at `now` (not over, or over for less than `DAY_SETTLES_AFTER`) is checked from its start up
    to its latest interval (no gaps so far), and its gaps are a WARN, not an ERROR: they are not final (polling
    catches up, the all-node RT LMPs one hour chunk per tick, and the finalize run fetches the whole day), so they
    must not stop the day's marts.
    """
    rule = "intervals_complete"
    assert days is not None, "intervals_complete needs operating days"
    spans, in_progress, future = _day_spans(days, grain or FUEL_MIX_SLOT, now or datetime.now(UTC))
    if not spans:
        return outcome(rule, schema, days, "ERROR", 0, [], f"{days_text(future)}: not started yet", "")
    body = _missing_slots_sql(schema, days_filter(schema, days), spans, grain, series)
    count, rows = collect(con, body, "operating_day" + "".join(f", {quote(c)}" for c in series))
    missing = 0
    if count:
        [(missing,)] = con.execute(f"SELECT sum(missing) FROM ({body})").fetchall()
    what = "hourly snapshot slots" if grain is None else "intervals"
    note = f"; in progress (checked up to the latest interval): {days_text(in_progress)}" if in_progress else ""
    started = set(days) - set(future)
    return outcome(
        rule,
        schema,
        days,
        "WARN" if started <= set(in_progress) else "ERROR",
        int(missing or 0),
        rows,
        f"every series has all its {what} (DST aware){note}",
        f"{int(missing or 0)} missing {what} in {count} series-day(s){note}",
    )


def _zone_gaps_sql(schema: TableSchema, where: str, zone_column: str, only_zones: bool) -> str:
    """Per day and zone, the intervals the zone is missing from; with `only_zones`, also ids not expected."""
    zone = quote(zone_column)
    zones = ", ".join(f"({z})" for z in LOAD_ZONE_IDS)
    body = f"""
        WITH _dq_intervals AS (SELECT DISTINCT operating_day, interval_begin_utc
                               FROM {schema.qualified_name} WHERE {where}),
        _dq_zones(zone) AS (VALUES {zones}),
        _dq_present AS (SELECT DISTINCT operating_day, interval_begin_utc, {zone} AS zone FROM {schema.qualified_name}
                        WHERE {where} AND {zone} BETWEEN {LOAD_ZONE_IDS[0]} AND {LOAD_ZONE_IDS[-1]}),
        _dq_missing AS (SELECT i.operating_day, z.zone, i.interval_begin_utc FROM _dq_intervals i CROSS JOIN _dq_zones z
                        ANTI JOIN _dq_present p ON p.operating_day = i.operating_day
                        AND p.interval_begin_utc = i.interval_begin_utc AND p.zone = z.zone)
        SELECT operating_day, zone AS {zone}, 'missing' AS issue, count(*) AS intervals,
               min(interval_begin_utc) AS first_utc, max(interval_begin_utc) AS last_utc
        FROM _dq_missing GROUP BY ALL
    """
    if only_zones:
        body += f"""
        UNION ALL SELECT operating_day, {zone}, 'unexpected zone id', count(*),
                         min(interval_begin_utc), max(interval_begin_utc)
        FROM {schema.qualified_name} WHERE {where} AND {zone} NOT IN ({", ".join(map(str, LOAD_ZONE_IDS))}) GROUP BY ALL
        """
    return body


@guarded("all_zones_present", "ERROR")
def all_zones_present(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    zone_column: str,
    only_zones: bool = False,
) -> RuleOutcome:
    """All 8 load zones (`LOAD_ZONE_IDS`) in every interval of the day; with `only_zones` (the zonal table, whose
    column holds nothing but zones), no other id either."""
    body = _zone_gaps_sql(schema, days_filter(schema, days), zone_column, only_zones)
    count, rows = collect(con, body, f"operating_day, {quote(zone_column)}")
    total = sum(r["intervals"] for r in rows) if count <= MAX_ROWS else None
    if total is None:
        [(total,)] = con.execute(f"SELECT sum(intervals) FROM ({body})").fetchall()
    names = sorted({r[zone_column] for r in rows})
    return outcome(
        "all_zones_present",
        schema,
        days,
        "ERROR",
        int(total or 0),
        rows,
        f"all {len(LOAD_ZONE_IDS)} load zones {LOAD_ZONE_IDS[0]}–{LOAD_ZONE_IDS[-1]} present in every interval",
        f"{int(total or 0)} zone-interval(s) missing or unexpected; zones {names}",
    )


def _location_gaps_sql(schema: TableSchema, where: str, locations: TableSchema | None) -> str:
    """Location-days with fewer intervals than the day; with `locations`, also priced locations without prices."""
    t = schema.qualified_name
    body = f"""
        WITH _dq_day AS (SELECT operating_day, count(DISTINCT interval_begin_utc) AS n
                         FROM {t} WHERE {where} GROUP BY 1),
        _dq_loc AS (SELECT operating_day, location_id, any_value(location_name) AS location_name,
                           count(DISTINCT interval_begin_utc) AS n FROM {t} WHERE {where} GROUP BY 1, 2)
        SELECT l.operating_day, l.location_id, l.location_name, 'incomplete series' AS issue, l.n AS intervals,
               d.n AS day_intervals
        FROM _dq_loc l JOIN _dq_day d USING (operating_day) WHERE l.n < d.n
    """
    if locations is not None:
        types = ", ".join(f"'{x}'" for x in PRICED_LOCATION_TYPES)
        body += f"""
        UNION ALL
        SELECT d.operating_day, x.location_id, x.location_name, 'priced location without prices', 0, d.n
        FROM _dq_day d CROSS JOIN {locations.qualified_name} x
        WHERE x.location_type IN ({types})
          AND NOT EXISTS (SELECT 1 FROM {t} p WHERE p.operating_day = d.operating_day AND p.location_id = x.location_id)
        """
    return body


@guarded("all_locations_present", "ERROR")
def all_locations_present(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    locations: TableSchema = LOCATIONS,
) -> RuleOutcome:
    """Each location priced on a day has all that day's intervals; every priced location of isone__locations is
    priced on the day (WARN, unverifiable, when isone__locations is empty)."""
    rule = "all_locations_present"
    have_locations = row_count(con, locations) > 0
    body = _location_gaps_sql(schema, days_filter(schema, days), locations if have_locations else None)
    count, rows = collect(con, body, "operating_day, location_id")
    if count:
        return outcome(
            rule,
            schema,
            days,
            "ERROR",
            count,
            rows,
            "",
            f"{count} location-day(s) incomplete or without prices"
            + ("" if have_locations else " (priced set not verified: isone__locations is empty)"),
        )
    if not have_locations:
        return outcome(
            rule,
            schema,
            days,
            "WARN",
            0,
            [],
            "",
            "every priced location has all intervals, but the set of locations is unverified: "
            f"{locations.qualified_name} is empty (materialize std/isone__locations)",
            passed=False,
        )
    return outcome(
        rule,
        schema,
        days,
        "ERROR",
        0,
        [],
        f"every priced location ({', '.join(PRICED_LOCATION_TYPES)}) of isone__locations has all intervals",
        "",
    )
