"""Structural rules (ERROR, blocking): the table is what the registry says and every row is well-formed.

`schema_matches_registry` (column names, DuckDB types, NOT NULL and order, all generated from
`lib/schemas.py`), `primary_key_unique`, `key_columns_not_null` (`TableSchema.not_null_columns`),
`intervals_inside_operating_day` (begin in [day start, day end) UTC, end in (begin, day end], DST aware).
Blocking because rows that break them would make every later rule and mart wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb

from isone_platform.lib.dq.outcome import RuleOutcome, guarded, missing_table, outcome
from isone_platform.lib.dq.sql import MAX_ROWS, collect, date_sql, days_filter, quote, table_exists, ts_sql
from isone_platform.lib.partitions import day_bounds_utc
from isone_platform.lib.schemas import TableSchema

Column = tuple[Any, Any, Any]
"""(name, DuckDB type, nullable) of one column position."""


def schema_matches_registry(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None = None
) -> RuleOutcome:
    """The stored table has exactly the registry's columns: names, DuckDB types, NOT NULL, in order."""
    rule = "schema_matches_registry"
    if not table_exists(con, schema):
        return missing_table(rule, schema, days, "ERROR")
    actual = _stored_columns(con, schema)
    not_null = set(schema.not_null_columns)
    expected = [(name, dtype, name not in not_null) for name, dtype in schema.duckdb_columns()]
    rows = _differing_positions(actual, expected)
    return outcome(
        rule,
        schema,
        days,
        "ERROR",
        len(rows),
        rows[:MAX_ROWS],
        f"{len(expected)} columns match lib/schemas.py (names, types, NOT NULL, order)",
        f"{len(rows)} column position(s) differ from lib/schemas.py: {'; '.join(_schema_problems(actual, expected))}",
    )


def _stored_columns(con: duckdb.DuckDBPyConnection, schema: TableSchema) -> list[Column]:
    """The stored table's columns, in order."""
    return con.execute(
        "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema.layer, schema.name],
    ).fetchall()


def _differing_positions(actual: list[Column], expected: list[Column]) -> list[dict[str, Any]]:
    """One row per column position where the table and the registry differ (a missing side is all None)."""
    rows = []
    for position in range(max(len(actual), len(expected))):
        a = actual[position] if position < len(actual) else (None, None, None)
        e = expected[position] if position < len(expected) else (None, None, None)
        if tuple(a) != tuple(e):
            rows.append(
                {
                    "position": position + 1,
                    "table_column": a[0],
                    "table_type": a[1],
                    "table_nullable": a[2],
                    "registry_column": e[0],
                    "registry_type": e[1],
                    "registry_nullable": e[2],
                }
            )
    return rows


def _schema_problems(actual: list[Column], expected: list[Column]) -> list[str]:
    """The differences in words: missing and unexpected columns, order, type or NOT NULL."""
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
    return problems


@guarded("primary_key_unique", "ERROR")
def primary_key_unique(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """No two rows share a primary key."""
    key = ", ".join(quote(c) for c in schema.primary_key)
    extra = ", operating_day" if schema.partition_column and "operating_day" not in schema.primary_key else ""
    body = (
        f"SELECT {key}{extra}, count(*) AS rows FROM {schema.qualified_name} WHERE {days_filter(schema, days)} "
        f"GROUP BY ALL HAVING count(*) > 1"
    )
    count, rows = collect(con, body, key)
    extra_rows = sum(r["rows"] - 1 for r in rows)
    return outcome(
        "primary_key_unique",
        schema,
        days,
        "ERROR",
        count,
        rows,
        f"primary key ({', '.join(schema.primary_key)}) is unique",
        f"{count} primary key value(s) ({', '.join(schema.primary_key)}) appear more than once"
        f" (at least {extra_rows} extra row(s))",
    )


@guarded("key_columns_not_null", "ERROR")
def key_columns_not_null(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None
) -> RuleOutcome:
    """No NULL in the key and NOT NULL columns of the registry."""
    cols = schema.not_null_columns
    any_null = " OR ".join(f"{quote(c)} IS NULL" for c in cols)
    which = ", ".join(f"CASE WHEN {quote(c)} IS NULL THEN '{c}' END" for c in cols)
    key = ", ".join(quote(c) for c in schema.primary_key)
    body = (
        f"SELECT {key}, concat_ws(', ', {which}) AS null_columns FROM {schema.qualified_name} "
        f"WHERE {days_filter(schema, days)} AND ({any_null})"
    )
    count, rows = collect(con, body, key)
    per_column = _nulls_per_column(con, schema, days) if count else ""
    return outcome(
        "key_columns_not_null",
        schema,
        days,
        "ERROR",
        count,
        rows,
        f"no NULL in {len(cols)} key/NOT NULL columns",
        f"{count} row(s) have NULL in key/NOT NULL columns ({per_column})",
    )


def _nulls_per_column(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> str:
    """`column: n` for each NOT NULL column that holds NULLs, so the summary names the culprit."""
    cols = schema.not_null_columns
    counts = con.execute(
        f"SELECT {', '.join(f'count(*) FILTER (WHERE {quote(c)} IS NULL)' for c in cols)} "
        f"FROM {schema.qualified_name} WHERE {days_filter(schema, days)}"
    ).fetchone()
    if counts is None:
        return ""
    return ", ".join(f"{c}: {n}" for c, n in zip(cols, counts, strict=True) if n)


def _bounds_cte(days: Sequence[date]) -> str:
    """A CTE of each day's UTC bounds, computed in Python where the DST rules live (`day_bounds_utc`)."""
    values = ", ".join(
        f"({date_sql(d)}, {ts_sql(start)}, {ts_sql(end)})"
        for d in sorted(set(days))
        for start, end in [day_bounds_utc(d)]
    )
    return f"_dq_bounds(operating_day, day_start_utc, day_end_utc) AS (VALUES {values})"


@guarded("intervals_inside_operating_day", "ERROR")
def intervals_inside_operating_day(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None
) -> RuleOutcome:
    """Every interval lies inside its operating day: begin in [day start, day end), end in (begin, day end]."""
    rule = "intervals_inside_operating_day"
    if days is None:
        return outcome(rule, schema, days, "ERROR", 0, [], "not partitioned by operating day: nothing to check", "")
    others = [c for c in schema.primary_key if c != "interval_begin_utc"]
    other_cols = "".join(f", t.{quote(c)}" for c in others)
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
    count, rows = collect(con, body, "operating_day, interval_begin_utc")
    return outcome(
        rule,
        schema,
        days,
        "ERROR",
        count,
        rows,
        "every interval lies inside its operating day (America/New_York, DST aware)",
        f"{count} row(s) have an interval outside their operating day",
    )
