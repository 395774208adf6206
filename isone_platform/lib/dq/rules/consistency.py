"""Consistency rules: values that must agree with each other or with another table.

- `lmp_components_sum` (ERROR): |lmp − (energy + congestion + loss)| ≤ `LMP_SUM_TOLERANCE`, a NULL part offending
  (components are rounded to cents).
- `zones_sum_to_system` (WARN): per interval |Σ zones − system| / system ≤ `ZONES_VS_SYSTEM_TOLERANCE` (the
  estimated zonal feed runs 0.5–2 % above the system load), intervals present in both tables only.
- `lmp_locations_known` (ERROR; WARN when `isone__locations` is empty): every LMP location exists in
  `std.isone__locations`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from isone_platform.lib.dq.outcome import RuleOutcome, days_text, guarded, outcome
from isone_platform.lib.dq.sql import collect, days_filter, quote, row_count, table_exists
from isone_platform.lib.schemas import LOCATIONS, SYSTEM_LOAD_5MIN, TableSchema

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
