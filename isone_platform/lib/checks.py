"""Data-quality rules for the std tables, and the Dagster asset checks built from them.

Part 1 (no Dagster): one pure function per rule. Each takes a DuckDB connection with the warehouse attached and
selected (`lib.warehouse.open_connection(config, read_only=True)` or `isone_platform.warehouse.connect()`), the
table's `TableSchema` and the operating days to check (None for the unpartitioned `isone__locations`), runs SQL
over those days only (`WHERE operating_day IN (...)`, cheap on a year of data) and returns a `RuleOutcome`:
pass/fail, severity, how many offending items, the first `MAX_ROWS` of them and a one-line summary.
`rules_for(dataset)` lists the rules that apply to a dataset; `isone-platform dq` and the asset checks both use it.

Part 2: `build_dataset_checks(dataset)`, one `@multi_asset_check` per std asset holding one check per rule
(named after the rule, structural ones blocking), evaluated on the partition(s) of the run they execute in.

Rules and their decisions:

- structural (ERROR, blocking): `schema_matches_registry` (column names, DuckDB types, NOT NULL and order, all
  generated from `lib/schemas.py`), `primary_key_unique`, `key_columns_not_null` (`TableSchema.not_null_columns`),
  `intervals_inside_operating_day` (begin in [day start, day end) UTC, end in (begin, day end], DST aware).
- completeness (ERROR): `intervals_complete`: every series (the primary key minus `interval_begin_utc`: the
  system, each zone, each location) has every interval of the day (`lib.partitions.expected_intervals`, 276 /
  288 / 300 five-minute or 23 / 24 / 25 hourly). Fuel mix has no fixed grain: at least one snapshot in every
  hour of the day (23 / 24 / 25 hours). A day that is not over yet (today while polling) is checked from its
  start up to its latest interval (no gaps so far). `all_zones_present`: the 8 load zones 4001–4008 in every
  interval of the day (zonal load: `zone_id`, plus no other zone id; LMPs: `location_id`).
  `all_locations_present` (LMPs): every location priced on the day has as many intervals as the day's
  intervals, and every priced location of `std.isone__locations` (types HUB, LOAD ZONE, EXT. NODE, NETWORK
  NODE) has prices on the day. When `isone__locations` is empty the second half cannot be verified: WARN.
- ranges: `load_in_range` (ERROR): system and zonal loads in (0, 40 000) MW, NULL counts as offending;
  `lmp_in_hard_range` (ERROR): LMP in [−1 000, 5 000] $/MWh, NULL offending; `lmp_in_typical_range` (WARN):
  LMP in [−150, 1 000]; `fuel_mw_non_negative` (ERROR): gen_mw ≥ 0, NULL offending.
- consistency: `lmp_components_sum` (ERROR): |lmp − (energy + congestion + loss)| ≤ 0.011, a NULL part
  offending; `zones_sum_to_system` (WARN): per interval |Σ zones − system| / system ≤ 3 % (the estimated zonal
  feed runs 0.5–2 % above the system load), intervals present in both tables only; `lmp_locations_known`
  (ERROR; WARN when `isone__locations` is empty): every LMP location exists in `std.isone__locations`.
- freshness (WARN): `latest_interval_fresh`: for today's operating day, the latest interval began at most 20
  minutes before now; other days pass ("not today"). WARN, not ERROR: late data is an operational alert, the rows
  present are still right, and the marts must keep building. Applies to the 5-minute feeds and the fuel mix
  (hourly RT prices are published an hour late, DA ones a day early).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import dagster as dg
import duckdb

from isone_platform.lib.datasets import Dataset
from isone_platform.lib.datasets import dataset as get_dataset
from isone_platform.lib.partitions import day_bounds_utc, partition_day, today_operating_day
from isone_platform.lib.schemas import LOCATIONS, STD_TABLES, SYSTEM_LOAD_5MIN, TableSchema

Severity = Literal["ERROR", "WARN"]

MAX_ROWS = 20
"""Offending rows kept per rule (the count covers all of them)."""

LOAD_ZONE_IDS: tuple[int, ...] = tuple(range(4001, 4009))
PRICED_LOCATION_TYPES: tuple[str, ...] = ("HUB", "LOAD ZONE", "EXT. NODE", "NETWORK NODE")
LOAD_RANGE_MW = (0.0, 40_000.0)  # exclusive
LMP_HARD_RANGE = (-1_000.0, 5_000.0)  # inclusive, ERROR
LMP_TYPICAL_RANGE = (-150.0, 1_000.0)  # inclusive, WARN
LMP_SUM_TOLERANCE = 0.011  # $/MWh: components are rounded to cents
ZONES_VS_SYSTEM_TOLERANCE = 0.03  # relative, per interval
FRESHNESS_MAX_AGE = timedelta(minutes=20)
FUEL_MIX_SLOT = timedelta(hours=1)


@dataclass(frozen=True)
class RuleOutcome:
    """The result of one rule on one table for some operating days."""

    rule: str
    passed: bool
    severity: Severity
    count: int
    rows: list[dict[str, Any]]
    summary: str
    table: str = ""
    checked_days: tuple[date, ...] | None = None  # None: the whole (unpartitioned) table

    @property
    def finding(self) -> str:
        """PASS, WARN or ERROR: what the outcome means for a reader (a failed WARN rule is a WARN)."""
        return "PASS" if self.passed else self.severity


# ---------------------------------------------------------------------------------------------------------------
# SQL helpers


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _date_sql(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _ts_sql(ts: datetime) -> str:
    return f"TIMESTAMPTZ '{ts.astimezone(UTC).isoformat()}'"


def _interval_sql(delta: timedelta) -> str:
    return f"INTERVAL '{int(delta.total_seconds())} seconds'"


def _days_filter(schema: TableSchema, days: Sequence[date] | None, alias: str = "") -> str:
    """`WHERE`-clause condition selecting `days` (TRUE for the whole table)."""
    if days is None or schema.partition_column is None:
        return "TRUE"
    prefix = f"{alias}." if alias else ""
    return f"{prefix}{_q(schema.partition_column)} IN ({', '.join(_date_sql(d) for d in sorted(set(days)))})"


def table_exists(con: duckdb.DuckDBPyConnection, schema: TableSchema) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = ? AND table_name = ?",
        [schema.layer, schema.name],
    ).fetchone()
    return bool(row and row[0])


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _collect(con: duckdb.DuckDBPyConnection, body: str, order: str) -> tuple[int, list[dict[str, Any]]]:
    """(number of rows of `body`, its first MAX_ROWS rows ordered by `order`) in one query."""
    cursor = con.execute(
        f"SELECT *, count(*) OVER () AS _dq_total FROM ({body}) AS _dq ORDER BY {order} LIMIT {MAX_ROWS}"
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        return 0, []
    total = int(rows[0][-1])
    return total, [{n: _plain(v) for n, v in zip(names[:-1], row[:-1])} for row in rows]


def _days_text(days: Sequence[date] | None) -> str:
    if days is None:
        return "whole table"
    days = sorted(set(days))
    if not days:
        return "no days"
    if len(days) <= 4:
        return ", ".join(d.isoformat() for d in days)
    return f"{days[0].isoformat()} .. {days[-1].isoformat()} ({len(days)} days)"


def _outcome(
    rule: str,
    schema: TableSchema,
    days: Sequence[date] | None,
    severity: Severity,
    count: int,
    rows: list[dict[str, Any]],
    ok: str,
    bad: str,
    *,
    passed: bool | None = None,
) -> RuleOutcome:
    passed = count == 0 if passed is None else passed
    return RuleOutcome(
        rule=rule,
        passed=passed,
        severity=severity,
        count=count,
        rows=rows,
        summary=ok if passed else bad,
        table=schema.qualified_name,
        checked_days=None if days is None else tuple(sorted(set(days))),
    )


def _missing_table(rule: str, schema: TableSchema, days: Sequence[date] | None, severity: Severity) -> RuleOutcome:
    return _outcome(
        rule, schema, days, severity, 1, [{"table": schema.qualified_name, "issue": "table does not exist"}],
        "", f"{schema.qualified_name} does not exist in the warehouse (materialize the asset first)",
    )


def _no_days(rule: str, schema: TableSchema, severity: Severity) -> RuleOutcome:
    return _outcome(rule, schema, [], severity, 0, [], "no operating days to check (the table holds no rows)", "")


def _guard(rule: str, severity: Severity) -> Callable:
    """Common preamble of a rule: missing table -> failed outcome; empty list of days -> passing no-op."""

    def wrap(fn: Callable[..., RuleOutcome]) -> Callable[..., RuleOutcome]:
        def run(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None, **kw: Any) -> RuleOutcome:
            if not table_exists(con, schema):
                return _missing_table(rule, schema, days, severity)
            if days is not None and not days:
                return _no_days(rule, schema, severity)
            return fn(con, schema, days, **kw)

        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        run.rule = rule  # type: ignore[attr-defined]
        return run

    return wrap


# ---------------------------------------------------------------------------------------------------------------
# structural rules


def schema_matches_registry(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None = None
) -> RuleOutcome:
    """The stored table has exactly the registry's columns: names, DuckDB types, NOT NULL, in order."""
    rule = "schema_matches_registry"
    if not table_exists(con, schema):
        return _missing_table(rule, schema, days, "ERROR")
    actual = con.execute(
        "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema.layer, schema.name],
    ).fetchall()
    not_null = set(schema.not_null_columns)
    expected = [(name, dtype, name not in not_null) for name, dtype in schema.duckdb_columns()]
    rows = []
    for position in range(max(len(actual), len(expected))):
        a = actual[position] if position < len(actual) else (None, None, None)
        e = expected[position] if position < len(expected) else (None, None, None)
        if tuple(a) != tuple(e):
            rows.append({
                "position": position + 1,
                "table_column": a[0], "table_type": a[1], "table_nullable": a[2],
                "registry_column": e[0], "registry_type": e[1], "registry_nullable": e[2],
            })
    a_names, e_names = [c[0] for c in actual], [c[0] for c in expected]
    problems = []
    if missing := [n for n in e_names if n not in a_names]:
        problems.append(f"missing {missing}")
    if extra := [n for n in a_names if n not in e_names]:
        problems.append(f"unexpected {extra}")
    if not missing and not extra and a_names != e_names:
        problems.append("column order differs")
    a_by = {c[0]: c for c in actual}
    if changed := [n for n, t, nullable in expected if n in a_by and tuple(a_by[n][1:]) != (t, nullable)]:
        problems.append(f"type or NOT NULL differs for {changed}")
    return _outcome(
        rule, schema, days, "ERROR", len(rows), rows[:MAX_ROWS],
        f"{len(expected)} columns match lib/schemas.py (names, types, NOT NULL, order)",
        f"{len(rows)} column position(s) differ from lib/schemas.py: {'; '.join(problems)}",
    )


@_guard("primary_key_unique", "ERROR")
def primary_key_unique(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """No two rows share a primary key."""
    key = ", ".join(_q(c) for c in schema.primary_key)
    extra = ", operating_day" if schema.partition_column and "operating_day" not in schema.primary_key else ""
    body = (
        f"SELECT {key}{extra}, count(*) AS rows FROM {schema.qualified_name} WHERE {_days_filter(schema, days)} "
        f"GROUP BY ALL HAVING count(*) > 1"
    )
    count, rows = _collect(con, body, key)
    extra_rows = sum(r["rows"] - 1 for r in rows)
    return _outcome(
        "primary_key_unique", schema, days, "ERROR", count, rows,
        f"primary key ({', '.join(schema.primary_key)}) is unique",
        f"{count} primary key value(s) ({', '.join(schema.primary_key)}) appear more than once"
        f" (at least {extra_rows} extra row(s))",
    )


@_guard("key_columns_not_null", "ERROR")
def key_columns_not_null(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """No NULL in the key and NOT NULL columns of the registry."""
    cols = schema.not_null_columns
    any_null = " OR ".join(f"{_q(c)} IS NULL" for c in cols)
    which = ", ".join(f"CASE WHEN {_q(c)} IS NULL THEN '{c}' END" for c in cols)
    key = ", ".join(_q(c) for c in schema.primary_key)
    body = (
        f"SELECT {key}, concat_ws(', ', {which}) AS null_columns FROM {schema.qualified_name} "
        f"WHERE {_days_filter(schema, days)} AND ({any_null})"
    )
    count, rows = _collect(con, body, key)
    per_column = ""
    if count:
        counts = con.execute(
            f"SELECT {', '.join(f'count(*) FILTER (WHERE {_q(c)} IS NULL)' for c in cols)} "
            f"FROM {schema.qualified_name} WHERE {_days_filter(schema, days)}"
        ).fetchone()
        per_column = ", ".join(f"{c}: {n}" for c, n in zip(cols, counts or ()) if n)
    return _outcome(
        "key_columns_not_null", schema, days, "ERROR", count, rows,
        f"no NULL in {len(cols)} key/NOT NULL columns",
        f"{count} row(s) have NULL in key/NOT NULL columns ({per_column})",
    )


def _bounds_cte(days: Sequence[date]) -> str:
    values = ", ".join(
        f"({_date_sql(d)}, {_ts_sql(start)}, {_ts_sql(end)})" for d in sorted(set(days)) for start, end in [day_bounds_utc(d)]
    )
    return f"_dq_bounds(operating_day, day_start_utc, day_end_utc) AS (VALUES {values})"


@_guard("intervals_inside_operating_day", "ERROR")
def intervals_inside_operating_day(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None
) -> RuleOutcome:
    """Every interval lies inside its operating day: begin in [day start, day end), end in (begin, day end]."""
    rule = "intervals_inside_operating_day"
    if days is None:
        return _outcome(rule, schema, days, "ERROR", 0, [], "not partitioned by operating day: nothing to check", "")
    others = [c for c in schema.primary_key if c != "interval_begin_utc"]
    other_cols = "".join(f", t.{_q(c)}" for c in others)
    body = (
        f"WITH {_bounds_cte(days)} "
        f"SELECT t.operating_day, t.interval_begin_utc, t.interval_end_utc{other_cols}, "
        "b.day_start_utc, b.day_end_utc, CASE "
        "WHEN t.interval_begin_utc < b.day_start_utc THEN 'begins before the day' "
        "WHEN t.interval_begin_utc >= b.day_end_utc THEN 'begins after the day' "
        "WHEN t.interval_end_utc <= t.interval_begin_utc THEN 'ends before it begins' "
        "ELSE 'ends after the day' END AS issue "
        f"FROM {schema.qualified_name} t JOIN _dq_bounds b USING (operating_day) "
        "WHERE t.interval_begin_utc < b.day_start_utc OR t.interval_begin_utc >= b.day_end_utc "
        "OR t.interval_end_utc > b.day_end_utc OR t.interval_end_utc <= t.interval_begin_utc"
    )
    count, rows = _collect(con, body, "operating_day, interval_begin_utc")
    return _outcome(
        rule, schema, days, "ERROR", count, rows,
        "every interval lies inside its operating day (America/New_York, DST aware)",
        f"{count} row(s) have an interval outside their operating day",
    )


# ---------------------------------------------------------------------------------------------------------------
# completeness


def _series_columns(schema: TableSchema) -> list[str]:
    return [c for c in schema.primary_key if c not in ("interval_begin_utc", "fuel_category")]


@_guard("intervals_complete", "ERROR")
def intervals_complete(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    grain: timedelta | None,
    now: datetime | None = None,
) -> RuleOutcome:
    """Every series has every interval of the day (DST aware); `grain=None` (fuel mix): a snapshot every hour.

    A day not over at `now` is checked from its start up to its latest interval (no gaps so far).
    """
    rule = "intervals_complete"
    assert days is not None, "intervals_complete needs operating days"
    now = now or datetime.now(UTC)
    slot = grain or FUEL_MIX_SLOT
    slot_expr = "interval_begin_utc" if grain is not None else "date_trunc('hour', interval_begin_utc)"
    series = _series_columns(schema)
    spans, in_progress, future = [], [], []
    for d in sorted(set(days)):
        start, end = day_bounds_utc(d)
        if now < start:
            future.append(d)
            continue
        last = _ts_sql(end - slot) if now >= end else "NULL"
        if now < end:
            in_progress.append(d)
        spans.append(f"({_date_sql(d)}, {_ts_sql(start)}, {last})")
    if not spans:
        return _outcome(rule, schema, days, "ERROR", 0, [], f"{_days_text(future)}: not started yet", "")
    where = _days_filter(schema, days)
    s_cols = "".join(f", {_q(c)}" for c in series)
    s_join = "".join(f" AND p.{_q(c)} IS NOT DISTINCT FROM s.{_q(c)}" for c in series)
    s_select = "".join(f", s.{_q(c)}" for c in series)
    if series:
        series_cte = (
            f"_dq_series AS (SELECT DISTINCT operating_day{s_cols} FROM {schema.qualified_name} WHERE {where} "
            f"UNION ALL SELECT operating_day{''.join(f', NULL AS {_q(c)}' for c in series)} FROM _dq_spans "
            f"WHERE operating_day NOT IN (SELECT operating_day FROM {schema.qualified_name} WHERE {where}))"
        )
    else:
        series_cte = "_dq_series AS (SELECT operating_day FROM _dq_spans)"
    body = f"""
        WITH _dq_days(operating_day, first_slot, last_slot) AS (VALUES {', '.join(spans)}),
        _dq_latest AS (SELECT operating_day, max({slot_expr}) AS m FROM {schema.qualified_name} WHERE {where} GROUP BY 1),
        _dq_spans AS (SELECT d.operating_day, d.first_slot, coalesce(d.last_slot, l.m) AS last_slot
                      FROM _dq_days d LEFT JOIN _dq_latest l USING (operating_day)),
        _dq_grid AS (SELECT operating_day, unnest(generate_series(first_slot, last_slot, {_interval_sql(slot)})) AS slot
                     FROM _dq_spans WHERE last_slot IS NOT NULL),
        {series_cte},
        _dq_present AS (SELECT DISTINCT operating_day{s_cols}, {slot_expr} AS slot FROM {schema.qualified_name} WHERE {where})
        SELECT s.operating_day{s_select}, count(*) - count(p.slot) AS missing, count(p.slot) AS present,
               count(*) AS expected, min(g.slot) FILTER (WHERE p.slot IS NULL) AS first_missing_utc,
               max(g.slot) FILTER (WHERE p.slot IS NULL) AS last_missing_utc
        FROM _dq_series s JOIN _dq_grid g USING (operating_day)
        LEFT JOIN _dq_present p ON p.operating_day = s.operating_day AND p.slot = g.slot{s_join}
        GROUP BY ALL HAVING count(p.slot) < count(*)
    """
    count, rows = _collect(con, body, "operating_day" + "".join(f", {_q(c)}" for c in series))
    missing = 0
    if count:
        [(missing,)] = con.execute(f"SELECT sum(missing) FROM ({body})").fetchall()
    what = "hourly snapshot slots" if grain is None else "intervals"
    note = f"; in progress (checked up to the latest interval): {_days_text(in_progress)}" if in_progress else ""
    return _outcome(
        rule, schema, days, "ERROR", int(missing or 0), rows,
        f"every series has all its {what} (DST aware){note}",
        f"{int(missing or 0)} missing {what} in {count} series-day(s){note}",
    )


@_guard("all_zones_present", "ERROR")
def all_zones_present(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None, *, zone_column: str
) -> RuleOutcome:
    """All 8 load zones (4001–4008) in every interval of the day; for the zonal table, no other zone id."""
    zone = _q(zone_column)
    where = _days_filter(schema, days)
    zones = ", ".join(f"({z})" for z in LOAD_ZONE_IDS)
    body = f"""
        WITH _dq_intervals AS (SELECT DISTINCT operating_day, interval_begin_utc FROM {schema.qualified_name} WHERE {where}),
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
    if zone_column == "zone_id":
        body += f"""
        UNION ALL SELECT operating_day, {zone}, 'unexpected zone id', count(*), min(interval_begin_utc), max(interval_begin_utc)
        FROM {schema.qualified_name} WHERE {where} AND {zone} NOT IN ({', '.join(map(str, LOAD_ZONE_IDS))}) GROUP BY ALL
        """
    count, rows = _collect(con, body, f"operating_day, {zone}")
    total = sum(r["intervals"] for r in rows) if count <= MAX_ROWS else None
    if total is None:
        [(total,)] = con.execute(f"SELECT sum(intervals) FROM ({body})").fetchall()
    names = sorted({r[zone_column] for r in rows})
    return _outcome(
        "all_zones_present", schema, days, "ERROR", int(total or 0), rows,
        f"all {len(LOAD_ZONE_IDS)} load zones {LOAD_ZONE_IDS[0]}–{LOAD_ZONE_IDS[-1]} present in every interval",
        f"{int(total or 0)} zone-interval(s) missing or unexpected; zones {names}",
    )


def _locations_rows(con: duckdb.DuckDBPyConnection, locations: TableSchema) -> int:
    if not table_exists(con, locations):
        return 0
    [(n,)] = con.execute(f"SELECT count(*) FROM {locations.qualified_name}").fetchall()
    return int(n)


@_guard("all_locations_present", "ERROR")
def all_locations_present(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None, *, locations: TableSchema = LOCATIONS
) -> RuleOutcome:
    """Each location priced on a day has all that day's intervals; every priced location of isone__locations is
    priced on the day (WARN, unverifiable, when isone__locations is empty)."""
    where = _days_filter(schema, days)
    t = schema.qualified_name
    body = f"""
        WITH _dq_day AS (SELECT operating_day, count(DISTINCT interval_begin_utc) AS n FROM {t} WHERE {where} GROUP BY 1),
        _dq_loc AS (SELECT operating_day, location_id, any_value(location_name) AS location_name,
                           count(DISTINCT interval_begin_utc) AS n FROM {t} WHERE {where} GROUP BY 1, 2)
        SELECT l.operating_day, l.location_id, l.location_name, 'incomplete series' AS issue, l.n AS intervals,
               d.n AS day_intervals
        FROM _dq_loc l JOIN _dq_day d USING (operating_day) WHERE l.n < d.n
    """
    have_locations = _locations_rows(con, locations) > 0
    types = ", ".join(f"'{x}'" for x in PRICED_LOCATION_TYPES)
    if have_locations:
        body += f"""
        UNION ALL
        SELECT d.operating_day, x.location_id, x.location_name, 'priced location without prices', 0, d.n
        FROM _dq_day d CROSS JOIN {locations.qualified_name} x
        WHERE x.location_type IN ({types})
          AND NOT EXISTS (SELECT 1 FROM {t} p WHERE p.operating_day = d.operating_day AND p.location_id = x.location_id)
        """
    count, rows = _collect(con, body, "operating_day, location_id")
    if count:
        return _outcome(
            "all_locations_present", schema, days, "ERROR", count, rows, "",
            f"{count} location-day(s) incomplete or without prices"
            + ("" if have_locations else " (priced set not verified: isone__locations is empty)"),
        )
    if not have_locations:
        return _outcome(
            "all_locations_present", schema, days, "WARN", 0, [], "",
            "every priced location has all intervals, but the set of locations is unverified: "
            f"{locations.qualified_name} is empty (materialize std/isone__locations)", passed=False,
        )
    return _outcome(
        "all_locations_present", schema, days, "ERROR", 0, [],
        f"every priced location ({', '.join(PRICED_LOCATION_TYPES)}) of isone__locations has all intervals", "",
    )


# ---------------------------------------------------------------------------------------------------------------
# ranges and consistency


def value_in_range(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    rule: str,
    columns: Sequence[str],
    low: float | None,
    high: float | None,
    inclusive: bool,
    nulls_offend: bool,
    severity: Severity,
    unit: str,
) -> RuleOutcome:
    """Values of `columns` within [low, high] (`inclusive`) or (low, high); NULL offends if `nulls_offend`."""
    if not table_exists(con, schema):
        return _missing_table(rule, schema, days, severity)
    if days is not None and not days:
        return _no_days(rule, schema, severity)
    key = ", ".join(_q(c) for c in schema.primary_key)
    lo_op, hi_op = (">=", "<=") if inclusive else (">", "<")
    parts = []
    for c in columns:
        bounds = []
        if low is not None:
            bounds.append(f"{_q(c)} {lo_op} {low}")
        if high is not None:
            bounds.append(f"{_q(c)} {hi_op} {high}")
        ok = " AND ".join(bounds)
        cond = f"NOT ({ok})" + (f" OR {_q(c)} IS NULL" if nulls_offend else "")
        parts.append(
            f"SELECT {key}, '{c}' AS column_name, {_q(c)} AS value, "
            f"CASE WHEN {_q(c)} IS NULL THEN 'null' WHEN {_q(c)} {'<' if inclusive else '<='} {low if low is not None else 'NULL'} "
            f"THEN 'below' ELSE 'above' END AS issue "
            f"FROM {schema.qualified_name} WHERE {_days_filter(schema, days)} AND ({cond})"
        )
    count, rows = _collect(con, " UNION ALL ".join(parts), f"column_name, {key}")
    bracket = ("[", "]") if inclusive else ("(", ")")
    span = f"{bracket[0]}{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}{bracket[1]} {unit}"
    cols = ", ".join(columns)
    return _outcome(
        rule, schema, days, severity, count, rows,
        f"{cols} within {span}" + (" and never NULL" if nulls_offend else ""),
        f"{count} value(s) of {cols} outside {span}" + (" or NULL" if nulls_offend else ""),
    )


LOAD_COLUMNS: dict[str, tuple[str, ...]] = {
    "isone__system_load_5min": ("load_mw", "native_load_mw", "system_load_btm_pv_mw", "native_load_btm_pv_mw"),
    "isone__zonal_load_5min": ("load_mw",),
}


def load_in_range(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """Loads in (0, 40 000) MW; NULL offends."""
    return value_in_range(
        con, schema, days, rule="load_in_range", columns=LOAD_COLUMNS[schema.name], low=LOAD_RANGE_MW[0],
        high=LOAD_RANGE_MW[1], inclusive=False, nulls_offend=True, severity="ERROR", unit="MW",
    )


def lmp_in_hard_range(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """LMP in [−1 000, 5 000] $/MWh (ERROR); NULL offends."""
    return value_in_range(
        con, schema, days, rule="lmp_in_hard_range", columns=("lmp",), low=LMP_HARD_RANGE[0], high=LMP_HARD_RANGE[1],
        inclusive=True, nulls_offend=True, severity="ERROR", unit="$/MWh",
    )


def lmp_in_typical_range(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """LMP in [−150, 1 000] $/MWh (WARN: rare real prices fall outside)."""
    return value_in_range(
        con, schema, days, rule="lmp_in_typical_range", columns=("lmp",), low=LMP_TYPICAL_RANGE[0],
        high=LMP_TYPICAL_RANGE[1], inclusive=True, nulls_offend=False, severity="WARN", unit="$/MWh",
    )


def fuel_mw_non_negative(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """Generation by fuel ≥ 0 MW; NULL offends."""
    return value_in_range(
        con, schema, days, rule="fuel_mw_non_negative", columns=("gen_mw",), low=0.0, high=None, inclusive=True,
        nulls_offend=True, severity="ERROR", unit="MW",
    )


@_guard("lmp_components_sum", "ERROR")
def lmp_components_sum(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """lmp = energy + congestion + loss within 0.011 $/MWh; a NULL part offends."""
    parts = ("lmp", "energy_component", "congestion_component", "loss_component")
    key = ", ".join(_q(c) for c in schema.primary_key)
    diff = "lmp - (energy_component + congestion_component + loss_component)"
    body = (
        f"SELECT {key}, {', '.join(parts)}, round({diff}, 4) AS difference FROM {schema.qualified_name} "
        f"WHERE {_days_filter(schema, days)} AND ({' OR '.join(f'{p} IS NULL' for p in parts)} "
        f"OR abs({diff}) > {LMP_SUM_TOLERANCE})"
    )
    count, rows = _collect(con, body, key)
    return _outcome(
        "lmp_components_sum", schema, days, "ERROR", count, rows,
        f"lmp = energy + congestion + loss within {LMP_SUM_TOLERANCE} $/MWh on every row",
        f"{count} row(s) where lmp ≠ energy + congestion + loss (±{LMP_SUM_TOLERANCE}) or a part is NULL",
    )


@_guard("zones_sum_to_system", "WARN")
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
        return _outcome(rule, schema, days, "WARN", 0, [], f"{system.qualified_name} does not exist: not compared", "")
    where = _days_filter(schema, days)
    body = f"""
        WITH _dq_z AS (SELECT operating_day, interval_begin_utc, count(*) AS zones, sum(load_mw) AS zones_mw
                       FROM {schema.qualified_name} WHERE {where} GROUP BY ALL),
        _dq_s AS (SELECT operating_day, interval_begin_utc, load_mw AS system_mw FROM {system.qualified_name} WHERE {where})
        SELECT operating_day, interval_begin_utc, zones, round(zones_mw, 3) AS zones_mw, round(system_mw, 3) AS system_mw,
               round((zones_mw - system_mw) / system_mw, 4) AS relative_difference
        FROM _dq_z JOIN _dq_s USING (operating_day, interval_begin_utc)
        WHERE zones_mw IS NULL OR system_mw IS NULL OR system_mw = 0
           OR abs(zones_mw - system_mw) / system_mw > {tolerance}
    """
    count, rows = _collect(con, body, "operating_day, interval_begin_utc")
    [(compared,)] = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT operating_day, interval_begin_utc FROM {schema.qualified_name} WHERE {where}) "
        f"JOIN {system.qualified_name} USING (operating_day, interval_begin_utc)"
    ).fetchall()
    if not compared and not count:
        return _outcome(rule, schema, days, "WARN", 0, [], f"no interval in both tables for {_days_text(days)}: not compared", "")
    return _outcome(
        rule, schema, days, "WARN", count, rows,
        f"Σ zones within {tolerance:.0%} of the system load in all {compared} intervals compared",
        f"{count} of {compared} interval(s) where Σ zones differs from the system load by more than {tolerance:.0%}",
    )


@_guard("lmp_locations_known", "ERROR")
def lmp_locations_known(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None, *, locations: TableSchema = LOCATIONS
) -> RuleOutcome:
    """Every LMP location_id exists in isone__locations (join coverage; WARN when isone__locations is empty)."""
    rule = "lmp_locations_known"
    where = _days_filter(schema, days, "l")
    [(priced,)] = con.execute(f"SELECT count(DISTINCT location_id) FROM {schema.qualified_name} l WHERE {where}").fetchall()
    if _locations_rows(con, locations) == 0:
        return _outcome(
            rule, schema, days, "WARN", int(priced), [], "",
            f"{locations.qualified_name} is empty: {priced} LMP location(s) cannot be verified "
            "(materialize std/isone__locations)", passed=False,
        )
    body = (
        f"SELECT l.location_id, any_value(l.location_name) AS location_name, any_value(l.location_type) AS location_type, "
        f"count(*) AS rows, min(l.operating_day) AS first_day, max(l.operating_day) AS last_day "
        f"FROM {schema.qualified_name} l ANTI JOIN {locations.qualified_name} x USING (location_id) WHERE {where} GROUP BY 1"
    )
    count, rows = _collect(con, body, "location_id")
    coverage = f"{priced - count}/{priced} LMP locations found in {locations.name}"
    return _outcome(
        rule, schema, days, "ERROR", count, rows, coverage,
        f"{count} LMP location(s) missing from {locations.qualified_name} ({coverage})",
    )


@_guard("latest_interval_fresh", "WARN")
def latest_interval_fresh(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    now: datetime | None = None,
    max_age: timedelta = FRESHNESS_MAX_AGE,
) -> RuleOutcome:
    """Today's latest interval began at most `max_age` (20 min) before `now`; other days pass ("not today")."""
    rule = "latest_interval_fresh"
    now = now or datetime.now(UTC)
    today = today_operating_day(now)
    if days is None or today not in days:
        return _outcome(rule, schema, days, "WARN", 0, [], f"not today ({today.isoformat()}): freshness not applicable", "")
    [(latest,)] = con.execute(
        f"SELECT max(interval_begin_utc) FROM {schema.qualified_name} WHERE operating_day = {_date_sql(today)}"
    ).fetchall()
    age = None if latest is None else now - latest
    row = {
        "operating_day": today.isoformat(),
        "latest_interval_utc": _plain(latest),
        "now_utc": _plain(now),
        "age_minutes": None if age is None else round(age.total_seconds() / 60, 1),
    }
    fresh = age is not None and age <= max_age
    limit = int(max_age.total_seconds() // 60)
    return _outcome(
        rule, schema, days, "WARN", 0 if fresh else 1, [] if fresh else [row],
        f"today's latest interval {row['latest_interval_utc']} is {row['age_minutes']} min old (≤ {limit} min)",
        "no interval yet today" if latest is None
        else f"today's latest interval {row['latest_interval_utc']} is {row['age_minutes']} min old (> {limit} min)",
    )


# ---------------------------------------------------------------------------------------------------------------
# which rules apply to which dataset


Evaluate = Callable[[duckdb.DuckDBPyConnection, Sequence[date] | None, datetime], RuleOutcome]


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # structural | completeness | range | consistency | freshness
    severity: Severity  # severity of a failure (a few rules report WARN when they cannot verify)
    blocking: bool
    description: str
    evaluate: Evaluate = field(repr=False)
    reads: tuple[str, ...] = ()  # other std tables the rule reads (upstream deps of the check)


FIVE_MINUTE_FEEDS = ("system_load_5min", "zonal_load_5min", "lmp_rt_5min", "fuel_mix")
LMP_DATASETS = ("lmp_rt_5min", "lmp_da_hourly", "lmp_rt_hourly")


def rules_for(dataset_name: str) -> list[Rule]:
    """The rules of one dataset (`system_load_5min` or `isone__system_load_5min`), in evaluation order."""
    ds = get_dataset(dataset_name)
    schema = ds.table
    name = ds.name

    def rule(fn: Callable[..., RuleOutcome], kind: str, severity: Severity, description: str, *, blocking: bool = False,
             reads: tuple[str, ...] = (), with_now: bool = False, **kw: Any) -> Rule:
        def evaluate(con: duckdb.DuckDBPyConnection, days: Sequence[date] | None, now: datetime) -> RuleOutcome:
            return fn(con, schema, days, **({"now": now} if with_now else {}), **kw)

        rule_name = getattr(fn, "rule", fn.__name__)
        return Rule(rule_name, kind, severity, blocking, description, evaluate, reads)

    rules = [
        rule(schema_matches_registry, "structural", "ERROR", "The stored table's columns (names, DuckDB types, NOT NULL, "
             "order) are exactly those of lib/schemas.py.", blocking=True),
        rule(primary_key_unique, "structural", "ERROR",
             f"No two rows share the primary key ({', '.join(schema.primary_key)}).", blocking=True),
        rule(key_columns_not_null, "structural", "ERROR",
             f"No NULL in the key/NOT NULL columns ({', '.join(schema.not_null_columns)}).", blocking=True),
    ]
    if ds.partitioned:
        rules.append(rule(intervals_inside_operating_day, "structural", "ERROR",
                          "Every interval lies inside its operating day (America/New_York, DST aware).", blocking=True))
        rules.append(rule(
            intervals_complete, "completeness", "ERROR",
            "Every series has every interval of the day (276/288/300 five-minute or 23/24/25 hourly; DST aware)."
            if ds.grain else "At least one fuel-mix snapshot in every hour of the day (23/24/25 hours; DST aware).",
            with_now=True, grain=ds.grain))
    if name == "zonal_load_5min":
        rules.append(rule(all_zones_present, "completeness", "ERROR",
                          "All 8 load zones 4001–4008 (and no other) in every interval.", zone_column="zone_id"))
    if name in LMP_DATASETS:
        rules.append(rule(all_zones_present, "completeness", "ERROR",
                          "All 8 load zones 4001–4008 priced in every interval.", zone_column="location_id"))
        rules.append(rule(all_locations_present, "completeness", "ERROR",
                          "Every location priced on the day has all intervals; every priced location of "
                          "isone__locations (HUB, LOAD ZONE, EXT. NODE, NETWORK NODE) is priced.",
                          reads=("isone__locations",)))
    if schema.name in LOAD_COLUMNS:
        cols = ", ".join(LOAD_COLUMNS[schema.name])
        rules.append(rule(load_in_range, "range", "ERROR", f"{cols} in (0, 40 000) MW and not NULL."))
    if name in LMP_DATASETS:
        rules.append(rule(lmp_in_hard_range, "range", "ERROR", "LMP in [−1 000, 5 000] $/MWh and not NULL."))
        rules.append(rule(lmp_in_typical_range, "range", "WARN", "LMP in [−150, 1 000] $/MWh (typical range)."))
        rules.append(rule(lmp_components_sum, "consistency", "ERROR",
                          "lmp = energy + congestion + loss within 0.011 $/MWh."))
        rules.append(rule(lmp_locations_known, "consistency", "ERROR",
                          "Every LMP location exists in isone__locations (join coverage).", reads=("isone__locations",)))
    if name == "fuel_mix":
        rules.append(rule(fuel_mw_non_negative, "range", "ERROR", "gen_mw ≥ 0 MW and not NULL."))
    if name == "zonal_load_5min":
        rules.append(rule(zones_sum_to_system, "consistency", "WARN",
                          "Per interval, Σ zonal load within 3 % of the system load.",
                          reads=("isone__system_load_5min",)))
    if name in FIVE_MINUTE_FEEDS:
        rules.append(rule(latest_interval_fresh, "freshness", "WARN",
                          "While polling, today's latest interval is at most 20 minutes old.", with_now=True))
    return rules


def evaluate_rules(
    con: duckdb.DuckDBPyConnection, dataset_name: str, days: Sequence[date] | None, *, now: datetime | None = None,
    only: set[str] | None = None,
) -> Iterator[RuleOutcome]:
    """Evaluate the dataset's rules (or `only` those named) on `days`; a rule that raises yields a failed ERROR."""
    now = now or datetime.now(UTC)
    schema = STD_TABLES[f"isone__{dataset_name.removeprefix('isone__')}"]
    for rule in rules_for(dataset_name):
        if only is not None and rule.name not in only:
            continue
        try:
            yield rule.evaluate(con, days, now)
        except Exception as exc:  # a broken rule must show up as a failed check, not as a missing one
            yield RuleOutcome(
                rule.name, False, "ERROR", 1, [{"error": f"{type(exc).__name__}: {exc}"[:500]}],
                f"rule could not be evaluated: {type(exc).__name__}: {exc}"[:300], schema.qualified_name,
                None if days is None else tuple(sorted(set(days))),
            )


def latest_day(con: duckdb.DuckDBPyConnection, schema: TableSchema) -> date | None:
    """The latest operating day present in a partitioned table (None when empty or missing)."""
    if schema.partition_column is None or not table_exists(con, schema):
        return None
    [(day,)] = con.execute(f"SELECT max({_q(schema.partition_column)}) FROM {schema.qualified_name}").fetchall()
    return day


# ---------------------------------------------------------------------------------------------------------------
# presentation


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(_plain(value))
    return text.replace("|", "\\|").replace("\n", " ")


def rows_markdown(rows: list[dict[str, Any]]) -> str:
    """Rows as a markdown table (columns in first-seen order)."""
    if not rows:
        return "_none_"
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# Dagster asset checks


def _now() -> datetime:
    """The checks' notion of now (tests replace it to evaluate freshness at a fixed time)."""
    return datetime.now(UTC)


def days_to_check(context: dg.AssetCheckExecutionContext, schema: TableSchema, con: duckdb.DuckDBPyConnection) -> list[date] | None:
    """The operating days a check evaluates: the run's partition(s) (one key or a backfill range); without
    partition information (a check launched on its own), the latest day in the table; None if unpartitioned."""
    if schema.partition_column is None:
        return None
    if context.has_partition_key or context.has_partition_key_range:
        return sorted({partition_day(k) for k in context.partition_keys})
    day = latest_day(con, schema)
    return [day] if day else []


def check_result_kwargs(outcome: RuleOutcome) -> dict[str, Any]:
    """AssetCheckResult arguments (without the keys) for an outcome."""
    return {
        "passed": outcome.passed,
        "severity": dg.AssetCheckSeverity.WARN if outcome.severity == "WARN" else dg.AssetCheckSeverity.ERROR,
        "description": outcome.summary,
        "metadata": {
            "count": dg.MetadataValue.int(outcome.count),
            "checked_days": dg.MetadataValue.text(_days_text(outcome.checked_days)),
            "offending_rows": dg.MetadataValue.md(rows_markdown(outcome.rows)),
            "summary": dg.MetadataValue.text(outcome.summary),
        },
    }


def build_dataset_checks(ds: Dataset) -> list[dg.AssetChecksDefinition]:
    """The asset checks of the std asset of `ds` (a `lib.datasets.Dataset`): one check per rule, named after it,
    structural ones blocking.

    Rules on the table alone share one `@multi_asset_check` (`<asset>_dq`: one step, one read-only warehouse
    connection). Rules that also read another std table get their own step (`<asset>_dq_vs_<table>`) depending on
    that table, so they run after it in the same run, and a blocking failure upstream of that other table skips
    only them, not the table's own checks. The warehouse is the one of the `warehouse_io_manager` resource (the IO
    manager that wrote the table), so tests and production read what was written.
    """
    groups: dict[tuple[str, ...], list[Rule]] = {}
    for rule in rules_for(ds.name):
        groups.setdefault(rule.reads, []).append(rule)
    return [_multi_check(ds, reads, rules) for reads, rules in groups.items()]


def _multi_check(ds: Dataset, reads: tuple[str, ...], rules: list[Rule]) -> dg.AssetChecksDefinition:
    from isone_platform.lib.warehouse import open_connection

    key = dg.AssetKey(["std", ds.asset_name])
    specs = [
        dg.AssetCheckSpec(
            rule.name,
            asset=key,
            description=rule.description,
            blocking=rule.blocking,
            additional_deps=[dg.AssetKey(["std", t]) for t in reads],
            metadata={"rule_kind": rule.kind, "severity_on_failure": rule.severity},
        )
        for rule in rules
    ]
    suffix = "".join(f"_vs_{t.removeprefix('isone__')}" for t in reads)

    @dg.multi_asset_check(
        specs=specs,
        name=f"{ds.asset_name}_dq{suffix}",
        description=f"Data-quality rules of std/{ds.asset_name} (lib/checks.py) on the run's operating days"
        + (f", reading {', '.join(reads)}" if reads else "") + ".",
        can_subset=True,
        required_resource_keys={"warehouse_io_manager"},
    )
    def _checks(context):  # no annotations: postponed (string) annotations confuse the decorator
        selected = {k.name for k in context.selected_asset_check_keys if k.asset_key == key}
        config = context.resources.warehouse_io_manager.config
        con = open_connection(config, read_only=True)
        try:
            days = days_to_check(context, ds.table, con)
            context.log.info(f"std/{ds.asset_name}: checking {_days_text(days)}")
            names = {r.name for r in rules} & selected
            for outcome in evaluate_rules(con, ds.name, days, now=_now(), only=names):
                yield dg.AssetCheckResult(asset_key=key, check_name=outcome.rule, **check_result_kwargs(outcome))
        finally:
            con.close()

    return _checks
