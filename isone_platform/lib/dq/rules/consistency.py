"""Consistency rules: values that must agree with each other or with another table.

- `lmp_components_sum` (ERROR): |lmp − (energy + congestion + loss)| ≤ `LMP_SUM_TOLERANCE`, a NULL part offending
  (components are rounded to cents).
- `zones_sum_to_system` (WARN): per interval |Σ zones − system| / system ≤ `ZONES_VS_SYSTEM_TOLERANCE` (the
  estimated zonal feed runs 0.5–2 % above the system load), intervals present in both tables only.
- `lmp_locations_known` (ERROR; WARN when `isone__locations` is empty): every LMP location exists in
  `std.isone__locations`.
- `identity_holds` (ERROR): a declared balance of a row's own columns (`lib.feed.Identity`), e.g. the morning
  report's surplus = total available capacity − capacity required, within its tolerance.
- `revisions_match` (ERROR): where final prices replaced prelim ones, the final and prelim rows matched one to one
  and the revisions kept are exactly the intervals counted as revised (`lib/revisions.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from isone_platform.lib.dq.outcome import RuleOutcome, days_text, guarded, outcome
from isone_platform.lib.dq.sql import collect, days_filter, quote, row_count, table_exists
from isone_platform.lib.feed import Identity
from isone_platform.lib.schemas import LOCATIONS, PRICE_REVISION_COVERAGE, SYSTEM_LOAD_5MIN, TableSchema

LMP_SUM_TOLERANCE = 0.011  # $/MWh: components are rounded to cents
ZONES_VS_SYSTEM_TOLERANCE = 0.03  # relative, per interval


def percent_text(fraction: float) -> str:
    """0.03 -> "3 %", as the rule descriptions print a relative tolerance."""
    return f"{fraction * 100:g} %"


@guarded("lmp_components_sum", "ERROR")
def lmp_components_sum(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """lmp = energy + congestion + loss within `LMP_SUM_TOLERANCE` $/MWh; a NULL part offends."""
    parts = ("lmp", "energy_component", "congestion_component", "loss_component")
    key = ", ".join(quote(c) for c in schema.primary_key)
    diff = "lmp - (energy_component + congestion_component + loss_component)"
    body = (
        f"SELECT {key}, {', '.join(parts)}, round({diff}, 4) AS difference FROM {schema.qualified_name} "
        f"WHERE {days_filter(schema, days)} AND ({' OR '.join(f'{p} IS NULL' for p in parts)} "
        f"OR abs({diff}) > {LMP_SUM_TOLERANCE})"
    )
    count, rows = collect(con, body, key)
    return outcome(
        "lmp_components_sum",
        schema,
        days,
        "ERROR",
        count,
        rows,
        f"lmp = energy + congestion + loss within {LMP_SUM_TOLERANCE} $/MWh on every row",
        f"{count} row(s) where lmp ≠ energy + congestion + loss (±{LMP_SUM_TOLERANCE}) or a part is NULL",
    )


def _zone_sum_gaps_sql(schema: TableSchema, system: TableSchema, where: str, tolerance: float) -> str:
    """Intervals in both tables where Σ zones and the system load differ by more than `tolerance` (or are NULL)."""
    return f"""
        WITH _dq_z AS (SELECT operating_day, interval_begin_utc, count(*) AS zones, sum(load_mw) AS zones_mw
                       FROM {schema.qualified_name} WHERE {where} GROUP BY ALL),
        _dq_s AS (SELECT operating_day, interval_begin_utc, load_mw AS system_mw
                  FROM {system.qualified_name} WHERE {where})
        SELECT operating_day, interval_begin_utc, zones, round(zones_mw, 3) AS zones_mw,
               round(system_mw, 3) AS system_mw,
               round((zones_mw - system_mw) / system_mw, 4) AS relative_difference
        FROM _dq_z JOIN _dq_s USING (operating_day, interval_begin_utc)
        WHERE zones_mw IS NULL OR system_mw IS NULL OR system_mw = 0
           OR abs(zones_mw - system_mw) / system_mw > {tolerance}
    """


@guarded("zones_sum_to_system", "WARN")
def zones_sum_to_system(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    system: TableSchema = SYSTEM_LOAD_5MIN,
    tolerance: float = ZONES_VS_SYSTEM_TOLERANCE,
) -> RuleOutcome:
    """Per interval, |Σ zonal load − system load| / system load ≤ tolerance (intervals present in both)."""
    rule = "zones_sum_to_system"
    if not table_exists(con, system):
        return outcome(rule, schema, days, "WARN", 0, [], f"{system.qualified_name} does not exist: not compared", "")
    where = days_filter(schema, days)
    count, rows = collect(
        con, _zone_sum_gaps_sql(schema, system, where, tolerance), "operating_day, interval_begin_utc"
    )
    [(compared,)] = con.execute(
        "SELECT count(*) FROM (SELECT DISTINCT operating_day, interval_begin_utc "
        f"FROM {schema.qualified_name} WHERE {where}) "
        f"JOIN {system.qualified_name} USING (operating_day, interval_begin_utc)"
    ).fetchall()
    if not compared and not count:
        return outcome(
            rule, schema, days, "WARN", 0, [], f"no interval in both tables for {days_text(days)}: not compared", ""
        )
    return outcome(
        rule,
        schema,
        days,
        "WARN",
        count,
        rows,
        f"Σ zones within {tolerance:.0%} of the system load in all {compared} intervals compared",
        f"{count} of {compared} interval(s) where Σ zones differs from the system load by more than {tolerance:.0%}",
    )


@guarded("lmp_locations_known", "ERROR")
def lmp_locations_known(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    locations: TableSchema = LOCATIONS,
) -> RuleOutcome:
    """Every LMP location_id exists in isone__locations (join coverage; WARN when isone__locations is empty)."""
    rule = "lmp_locations_known"
    where = days_filter(schema, days, "l")
    [(priced,)] = con.execute(
        f"SELECT count(DISTINCT location_id) FROM {schema.qualified_name} l WHERE {where}"
    ).fetchall()
    if row_count(con, locations) == 0:
        return outcome(
            rule,
            schema,
            days,
            "WARN",
            int(priced),
            [],
            "",
            f"{locations.qualified_name} is empty: {priced} LMP location(s) cannot be verified "
            "(materialize std/isone__locations)",
            passed=False,
        )
    body = (
        "SELECT l.location_id, any_value(l.location_name) AS location_name, "
        "any_value(l.location_type) AS location_type, "
        "count(*) AS rows, min(l.operating_day) AS first_day, max(l.operating_day) AS last_day "
        f"FROM {schema.qualified_name} l ANTI JOIN {locations.qualified_name} x USING (location_id) "
        f"WHERE {where} GROUP BY 1"
    )
    count, rows = collect(con, body, "location_id")
    coverage = f"{priced - count}/{priced} LMP locations found in {locations.name}"
    return outcome(
        rule,
        schema,
        days,
        "ERROR",
        count,
        rows,
        coverage,
        f"{count} LMP location(s) missing from {locations.qualified_name} ({coverage})",
    )


@guarded("identity_holds", "ERROR")
def identity_holds(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None, *, identity: Identity
) -> RuleOutcome:
    """`identity.column` = `identity.equals` within `identity.tolerance` on every row whose terms are not NULL."""
    key = ", ".join(quote(c) for c in schema.primary_key)
    diff = f"({quote(identity.column)}) - ({identity.equals})"
    body = (
        f"SELECT {key}, {quote(identity.column)}, ({identity.equals}) AS expected, round({diff}, 3) AS difference "
        f"FROM {schema.qualified_name} WHERE {days_filter(schema, days)} AND abs({diff}) > {identity.tolerance}"
    )
    count, rows = collect(con, body, key)
    text = f"{identity.column} = {identity.equals} (±{identity.tolerance:g} {identity.unit})"
    return outcome(
        identity.rule,
        schema,
        days,
        "ERROR",
        count,
        rows,
        f"{text} on every row",
        f"{count} row(s) where {text} does not hold",
    )


@guarded("revisions_match", "ERROR")
def revisions_match(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None, *, revisions: TableSchema
) -> RuleOutcome:
    """Where final prices replaced prelim ones on a day, per location: every prelim row found its final row (the
    final day may have more: intervals never polled), and the revisions kept are the intervals counted as revised."""
    rule = "revisions_match"
    if not table_exists(con, PRICE_REVISION_COVERAGE) or not table_exists(con, revisions):
        return outcome(rule, schema, days, "ERROR", 0, [], "no prelim → final replacement recorded yet", "")
    location = schema.primary_key[1]
    where = days_filter(PRICE_REVISION_COVERAGE, days)
    body = f"""
        WITH c AS (SELECT operating_day, location_id, prelim_intervals, final_intervals, intervals_compared,
                          intervals_revised
                   FROM {PRICE_REVISION_COVERAGE.qualified_name} WHERE dataset = '{schema.name}' AND {where}),
        r AS (SELECT operating_day, {location} AS location_id, count(*) AS revisions FROM {revisions.qualified_name}
              WHERE operating_day IN (SELECT operating_day FROM c) GROUP BY ALL)
        SELECT c.*, coalesce(r.revisions, 0) AS revisions
        FROM c LEFT JOIN r USING (operating_day, location_id)
        WHERE c.intervals_compared <> c.prelim_intervals OR c.intervals_compared > c.final_intervals
           OR c.intervals_revised <> coalesce(r.revisions, 0)"""
    count, rows = collect(con, body, "operating_day, location_id")
    return outcome(
        rule,
        schema,
        days,
        "ERROR",
        count,
        rows,
        "every prelim row matched one final row, and the revisions kept are the intervals counted as revised",
        f"{count} location-day(s) where prelim rows lack a final one or the revisions kept disagree",
    )
