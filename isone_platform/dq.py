"""`isone-platform dq`: a data-quality snapshot of the warehouse for some operating days.

Reads through `isone_platform.warehouse.connect()` (a read-only DuckLake attach: it never blocks the pipeline and
is never blocked by it) and the raw lake's manifests. Prints, per operating day: rows per table and layer (raw
bodies, std rows, mart rows), the time range and interval count of every std table, NULL counts, join coverage
(LMP locations found in `isone__locations`, zonal intervals matched by system load), and every data-quality rule
of `lib/dq/` (the same functions the asset checks run). Returns 1 if any rule fails with severity ERROR,
else 0 (WARN findings are printed, they do not fail the command).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, TextIO

import duckdb

from isone_platform.lib import dq
from isone_platform.lib.datasets import DATASETS, Dataset
from isone_platform.lib.partitions import day_bounds_utc, expected_intervals
from isone_platform.lib.poll import issue_column
from isone_platform.lib.schemas import LOCATIONS, STD_TABLES, TableSchema
from isone_platform.lib.sql_literals import days_sql
from isone_platform.lib.text_table import human_bytes as _fmt_bytes
from isone_platform.lib.text_table import print_table as _table

DEFAULT_LAST = 3
FUEL_MIX_NOTE = "snapshots"


def _section(title: str, out: TextIO) -> None:
    print(f"\n== {title}", file=out)


def _partitioned_tables(con: duckdb.DuckDBPyConnection) -> list[TableSchema]:
    return [s for s in STD_TABLES.values() if s.partition_column and dq.table_exists(con, s)]


def latest_days(con: duckdb.DuckDBPyConnection, n: int) -> list[date]:
    """The latest `n` operating days that have rows in any std table."""
    tables = _partitioned_tables(con)
    if not tables:
        return []
    union = " UNION ".join(f"SELECT DISTINCT operating_day FROM {s.qualified_name}" for s in tables)
    rows = con.execute(f"SELECT operating_day FROM ({union}) ORDER BY 1 DESC LIMIT {int(n)}").fetchall()
    return sorted(r[0] for r in rows)


def _raw_counts(days: Sequence[date]) -> dict[tuple[str, date], tuple[int, int]] | str:
    """(dataset, day) -> (bodies, bytes) from the lake manifests, or a note why they cannot be read."""
    from isone_platform.lib.lake import MANIFEST, day_prefix, lake_from_url
    from isone_platform.lib.settings import current_settings

    try:
        lake = lake_from_url(current_settings().lake_url)
    except Exception as exc:  # the snapshot reports the lake, it does not fail on it
        return f"raw lake not readable here: {exc}"
    counts: dict[tuple[str, date], tuple[int, int]] = {}
    for ds in DATASETS.values():
        if not ds.partitioned:
            continue
        for day in days:
            key = f"{day_prefix(ds.name, day)}/{MANIFEST}"
            try:
                manifest = json.loads(lake.get(key))
            except Exception:  # no manifest: that day was not landed (or the lake is unreachable)
                continue
            bodies = manifest.get("bodies", [])
            counts[(ds.name, day)] = (len(bodies), sum(int(b.get("bytes", 0)) for b in bodies))
    return counts


def _rows_per_day(con: duckdb.DuckDBPyConnection, qualified: str, days: Sequence[date]) -> dict[date, int]:
    rows = con.execute(
        f"SELECT operating_day, count(*) FROM {qualified} WHERE operating_day IN ({days_sql(days)}) GROUP BY 1"
    ).fetchall()
    return {d: int(n) for d, n in rows}


def _mart_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, bool]]:
    """(schema.table, has operating_day) of every table in the `mart` schema."""
    rows = con.execute(
        "SELECT t.table_name, bool_or(c.column_name = 'operating_day') FROM information_schema.tables t "
        "JOIN information_schema.columns c USING (table_catalog, table_schema, table_name) "
        "WHERE t.table_catalog = current_database() AND t.table_schema = 'mart' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return [(f"mart.{name}", bool(has_day)) for name, has_day in rows]


def _print_counts(con: duckdb.DuckDBPyConnection, days: list[date], out: TextIO) -> None:
    _section("rows per table and layer", out)
    header = ["layer", "table", *[d.isoformat() for d in days]]
    rows: list[list[Any]] = []
    raw = _raw_counts(days)
    if isinstance(raw, str):
        rows.append(["raw", raw, *["" for _ in days]])
    else:
        for ds in DATASETS.values():
            if ds.partitioned:
                cells = [
                    f"{raw[(ds.name, d)][0]} bodies, {_fmt_bytes(raw[(ds.name, d)][1])}" if (ds.name, d) in raw else "-"
                    for d in days
                ]
                rows.append(["raw", f"isone__{ds.name}", *cells])
    for schema in STD_TABLES.values():
        if not dq.table_exists(con, schema):
            rows.append(["std", schema.name, *["(no table)" for _ in days]])
        elif schema.partition_column is None:
            [(n,)] = con.execute(f"SELECT count(*) FROM {schema.qualified_name}").fetchall()
            rows.append(["std", f"{schema.name} (whole table)", *[f"{n:,}" for _ in days]])
        else:
            per_day = _rows_per_day(con, schema.qualified_name, days)
            rows.append(["std", schema.name, *[f"{per_day.get(d, 0):,}" for d in days]])
    marts = _mart_tables(con)
    for name, has_day in marts:
        if has_day:
            per_day = _rows_per_day(con, name, days)
            rows.append(["mart", name.removeprefix("mart."), *[f"{per_day.get(d, 0):,}" for d in days]])
        else:
            [(n,)] = con.execute(f"SELECT count(*) FROM {name}").fetchall()
            rows.append(["mart", f"{name.removeprefix('mart.')} (whole table)", *[f"{n:,}" for _ in days]])
    if not marts:
        rows.append(["mart", "(no mart tables yet)", *["" for _ in days]])
    _table(rows, header, out)


def _print_time_ranges(con: duckdb.DuckDBPyConnection, days: list[date], out: TextIO) -> None:
    _section("time range per table and day (UTC; intervals present / expected)", out)
    rows = []
    for schema in _partitioned_tables(con):
        ds = DATASETS[schema.name.removeprefix("isone__")]
        column = issue_column(ds)
        issues = f"count(DISTINCT {column})" if column else "0"
        found = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT operating_day, min(interval_begin_utc), max(interval_begin_utc), "
                f"count(DISTINCT interval_begin_utc), {issues} "
                f"FROM {schema.qualified_name} WHERE operating_day IN ({days_sql(days)}) GROUP BY 1"
            ).fetchall()
        }
        for d in days:
            first, last, n, n_issues = found.get(d, (None, None, 0, 0))
            start, end = day_bounds_utc(d)
            rows.append(
                [
                    schema.name,
                    d.isoformat(),
                    first.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if first else "-",
                    last.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if last else "-",
                    _intervals_text(ds, d, n, n_issues),
                    f"{(end - start).total_seconds() / 3600:.0f} h",
                ]
            )
    _table(rows, ["table", "day", "first interval", "last interval", "intervals", "day length"], out)


def _intervals_text(ds: Dataset, day: date, n: int, issues: int) -> str:
    """`288/288`, `24/24 (7 issues)`, `6 market days (1 issue)` or `231 snapshots`: a day's intervals present."""
    if ds.rules.issues and ds.rules.issues.covers == "next_days":
        return f"{n} market days ({issues} issue{'s' if issues != 1 else ''})"
    if ds.rules.reports:
        return f"{issues}/{ds.rules.reports.expected(day)} reports"
    if ds.grain is None:
        return f"{n} {FUEL_MIX_NOTE}"
    text = f"{n}/{expected_intervals(day, ds.grain)}"
    return f"{text} ({issues} issue{'s' if issues != 1 else ''})" if ds.rules.issues else text


def _print_nulls(con: duckdb.DuckDBPyConnection, days: list[date], out: TextIO) -> None:
    _section("NULL counts (columns with any NULL; key/NOT NULL columns marked *)", out)
    rows = []
    for schema in STD_TABLES.values():
        if not dq.table_exists(con, schema):
            continue
        where = f"WHERE operating_day IN ({days_sql(days)})" if schema.partition_column else ""
        cols = schema.column_names
        null_counts = ", ".join(f'count(*) FILTER (WHERE "{c}" IS NULL)' for c in cols)
        [counts] = con.execute(f"SELECT count(*), {null_counts} FROM {schema.qualified_name} {where}").fetchall()
        total, nulls = counts[0], counts[1:]
        not_null = set(schema.not_null_columns)
        for c, n in zip(cols, nulls, strict=True):
            if n:
                rows.append(
                    [schema.name, c + (" *" if c in not_null else ""), f"{n:,}", f"{n / total:.2%}" if total else ""]
                )
    if rows:
        _table(rows, ["table", "column", "nulls", "share"], out)
    else:
        print("  no NULL in any column", file=out)


def _print_join_coverage(con: duckdb.DuckDBPyConnection, days: list[date], out: TextIO) -> None:
    _section("join coverage", out)
    rows = []
    have_locations = dq.table_exists(con, LOCATIONS)
    for name in dq.LMP_DATASETS:
        schema = STD_TABLES[f"isone__{name}"]
        if not dq.table_exists(con, schema):
            continue
        if have_locations:
            [(total, known)] = con.execute(
                f"SELECT count(DISTINCT l.location_id), count(DISTINCT x.location_id) FROM {schema.qualified_name} l "
                f"LEFT JOIN {LOCATIONS.qualified_name} x USING (location_id) "
                f"WHERE l.operating_day IN ({days_sql(days)})"
            ).fetchall()
        else:
            [(total,)] = con.execute(
                f"SELECT count(DISTINCT location_id) FROM {schema.qualified_name} "
                f"WHERE operating_day IN ({days_sql(days)})"
            ).fetchall()
            known = 0
        share = f"{known / total:.1%}" if total else "-"
        rows.append(
            [
                f"{schema.name}.location_id",
                LOCATIONS.name + ("" if have_locations else " (missing)"),
                f"{total:,}",
                f"{known:,}",
                share,
            ]
        )
    zonal, system = STD_TABLES["isone__zonal_load_5min"], STD_TABLES["isone__system_load_5min"]
    if dq.table_exists(con, zonal) and dq.table_exists(con, system):
        [(total, known)] = con.execute(
            f"SELECT count(*), count(s.interval_begin_utc) FROM (SELECT DISTINCT operating_day, interval_begin_utc "
            f"FROM {zonal.qualified_name} WHERE operating_day IN ({days_sql(days)})) z "
            f"LEFT JOIN {system.qualified_name} s USING (operating_day, interval_begin_utc)"
        ).fetchall()
        rows.append(
            [
                f"{zonal.name} intervals",
                system.name,
                f"{total:,}",
                f"{known:,}",
                f"{known / total:.1%}" if total else "-",
            ]
        )
    if rows:
        _table(rows, ["from", "found in", "distinct", "found", "coverage"], out)
    else:
        print("  nothing to join yet", file=out)


def _print_rules(con: duckdb.DuckDBPyConnection, days: list[date], out: TextIO, now: datetime) -> list[dq.RuleOutcome]:
    _section("data-quality rules (the asset checks' rules; ERROR fails the command)", out)
    outcomes: list[dq.RuleOutcome] = []
    rows = []
    for ds in DATASETS.values():
        if not dq.table_exists(con, ds.table):
            rows.append([ds.table.name, "(all)", "-", "", "table not materialized yet"])
            continue
        for outcome in dq.evaluate_rules(con, ds.name, days if ds.partitioned else None, now=now):
            outcomes.append(outcome)
            rows.append(
                [
                    ds.table.name,
                    outcome.rule,
                    outcome.finding,
                    f"{outcome.count:,}" if outcome.count else "",
                    outcome.summary,
                ]
            )
    _table(rows, ["table", "rule", "result", "count", "summary"], out)
    bad = [o for o in outcomes if not o.passed and o.rows]
    if bad:
        _section(f"offending rows (first {min(dq.MAX_ROWS, 5)} per failed rule)", out)
        for o in bad:
            print(f"\n  {o.table} / {o.rule} [{o.severity}]: {o.summary}", file=out)
            sample = o.rows[:5]
            columns: list[str] = []
            for r in sample:
                columns.extend(c for c in r if c not in columns)
            _table([[r.get(c) for c in columns] for r in sample], columns, out, indent="    ")
    return outcomes


def snapshot(con: duckdb.DuckDBPyConnection, days: list[date], *, out: TextIO, now: datetime | None = None) -> int:
    """Print the snapshot of `days` from an open (read-only) connection; 1 if any ERROR finding, else 0."""
    now = now or datetime.now(UTC)
    print(
        f"ISO-NE data-quality snapshot — operating days {', '.join(d.isoformat() for d in days)} "
        f"(at {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC)",
        file=out,
    )
    _print_counts(con, days, out)
    _print_time_ranges(con, days, out)
    _print_nulls(con, days, out)
    _print_join_coverage(con, days, out)
    outcomes = _print_rules(con, days, out, now)
    errors = [o for o in outcomes if not o.passed and o.severity == "ERROR"]
    warns = [o for o in outcomes if not o.passed and o.severity == "WARN"]
    _section("result", out)
    print(
        f"  {len(outcomes)} rule evaluations: {len(outcomes) - len(errors) - len(warns)} passed, "
        f"{len(warns)} WARN, {len(errors)} ERROR",
        file=out,
    )
    return 1 if errors else 0


def run_dq(
    days: list[date] | None, *, out: TextIO | None = None, last: int = DEFAULT_LAST, now: datetime | None = None
) -> int:
    """The snapshot for `days` (default: the latest `last` operating days with data) on `out` (default
    stdout). Exit code: 1 on any ERROR finding or when there is nothing to check, else 0. The warehouse is the
    one of this process's settings, as the pipeline's `warehouse` resource is built."""
    from isone_platform.lib import warehouse
    from isone_platform.lib.settings import current_settings

    stream = out if out is not None else sys.stdout
    try:
        con = warehouse.DuckLakeResource.from_settings(current_settings()).analyst_connection()
    except warehouse.WarehouseNotFoundError as exc:
        print(f"no warehouse to check: {exc}", file=stream)
        return 1
    try:
        # The rules are our own SQL: they run on the connection under the guard (the engine stays read-only).
        chosen = sorted(set(days)) if days else latest_days(con.raw, last)
        if not chosen:
            print("the warehouse holds no operating day yet: materialize some std assets first", file=stream)
            return 1
        return snapshot(con.raw, chosen, out=stream, now=now)
    finally:
        con.close()


__all__ = ["latest_days", "run_dq", "snapshot"]
