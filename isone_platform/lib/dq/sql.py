"""SQL helpers shared by the DQ rules: quoting, literals, the operating-day filter and the offending-row query.

Why every rule filters with `days_filter`: a rule runs over the run's operating days only
(`WHERE operating_day IN (...)`), which stays cheap on a year of data; the whole table only when it is not
partitioned (`isone__locations`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from isone_platform.lib.schemas import TableSchema
from isone_platform.lib.sql_literals import date_sql, days_sql

MAX_ROWS = 20
"""Offending rows kept per rule (the count covers all of them)."""

__all__ = [
    "MAX_ROWS",
    "collect",
    "date_sql",
    "days_filter",
    "interval_sql",
    "latest_day",
    "plain",
    "quote",
    "row_count",
    "table_exists",
    "ts_sql",
]


def quote(name: str) -> str:
    """A quoted SQL identifier (column names come from the registry, but quoting keeps odd names safe)."""
    return '"' + name.replace('"', '""') + '"'


def ts_sql(ts: datetime) -> str:
    """`TIMESTAMPTZ '...'` in UTC."""
    return f"TIMESTAMPTZ '{ts.astimezone(UTC).isoformat()}'"


def interval_sql(delta: timedelta) -> str:
    """`INTERVAL 'N seconds'`."""
    return f"INTERVAL '{int(delta.total_seconds())} seconds'"


def days_filter(schema: TableSchema, days: Sequence[date] | None, alias: str = "") -> str:
    """`WHERE`-clause condition selecting `days` (TRUE for the whole table)."""
    if days is None or schema.partition_column is None:
        return "TRUE"
    prefix = f"{alias}." if alias else ""
    return f"{prefix}{quote(schema.partition_column)} IN ({days_sql(days)})"


def table_exists(con: duckdb.DuckDBPyConnection, schema: TableSchema) -> bool:
    """Whether the table is in the selected catalog: a rule on a missing table fails with a message instead."""
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = ? AND table_name = ?",
        [schema.layer, schema.name],
    ).fetchone()
    return bool(row and row[0])


def row_count(con: duckdb.DuckDBPyConnection, schema: TableSchema) -> int:
    """How many rows the table holds (0 when it does not exist)."""
    if not table_exists(con, schema):
        return 0
    [(n,)] = con.execute(f"SELECT count(*) FROM {schema.qualified_name}").fetchall()
    return int(n)


def latest_day(con: duckdb.DuckDBPyConnection, schema: TableSchema) -> date | None:
    """The latest operating day present in a partitioned table (None when empty or missing)."""
    if schema.partition_column is None or not table_exists(con, schema):
        return None
    [(day,)] = con.execute(f"SELECT max({quote(schema.partition_column)}) FROM {schema.qualified_name}").fetchall()
    return day


def plain(value: Any) -> Any:
    """A query value as JSON-friendly text or number: ISO dates and times (UTC), non-finite floats as text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def collect(con: duckdb.DuckDBPyConnection, body: str, order: str) -> tuple[int, list[dict[str, Any]]]:
    """(number of rows of `body`, its first MAX_ROWS rows ordered by `order`) in one query."""
    cursor = con.execute(
        f"SELECT *, count(*) OVER () AS _dq_total FROM ({body}) AS _dq ORDER BY {order} LIMIT {MAX_ROWS}"
    )
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        return 0, []
    total = int(rows[0][-1])
    return total, [{n: plain(v) for n, v in zip(names[:-1], row[:-1], strict=True)} for row in rows]
