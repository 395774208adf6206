"""Replace a stored operating day only with one at least as good.

A re-fetch used to replace the stored day whatever ISO-NE answered: an empty wrapper wiped 288 complete rows, a
body missing zone 4003 replaced a complete zonal day, and a source clock set back replaced 28,944 final LMPs with
8,442 prelim ones — each run a success. Here a day's new rows are compared with the stored ones before they are
written: fewer intervals in any series, a series gone, or final prices turned prelim keep the stored day.

A genuine correction — as complete, values changed — still replaces it. The comparison is pure (`DayProfile`,
`shortfalls`); `stored_profile` is the one query it needs, run inside the write transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from isone_platform.lib.schemas import TableSchema
from isone_platform.lib.sql_literals import date_sql

INTERVAL = "interval_begin_utc"
FINAL = "final"
MAX_NAMED_SERIES = 5
"""How many missing or short series a rejection names before it only counts the rest."""


def series_columns(schema: TableSchema) -> list[str]:
    """What tells one series of a day from another: the key minus the interval (zone, location, fuel)."""
    return [c for c in schema.primary_key if c != INTERVAL]


@dataclass(frozen=True)
class DayProfile:
    """How complete one stored or new operating day is: distinct intervals per series, and final-price rows."""

    intervals: Mapping[tuple, int]
    final_rows: int
    rows: int

    @property
    def total_intervals(self) -> int:
        return sum(self.intervals.values())


def _series_key(row: tuple, width: int) -> tuple:
    return tuple(row[:width])


def profile_of_frame(schema: TableSchema, frame: pl.DataFrame) -> DayProfile:
    """The profile of a day's new rows (a frame conformed to `schema`)."""
    series = series_columns(schema)
    final_rows = _final_rows(schema, frame)
    if not frame.height:
        return DayProfile({}, 0, 0)
    if INTERVAL not in schema.column_names:  # a dimension (one row per key)
        return DayProfile({(): frame.height}, final_rows, frame.height)
    if not series:
        return DayProfile({(): frame.get_column(INTERVAL).n_unique()}, final_rows, frame.height)
    counts = frame.group_by(series).agg(pl.col(INTERVAL).n_unique())
    intervals = {_series_key(row, len(series)): row[-1] for row in counts.iter_rows()}
    return DayProfile(intervals, final_rows, frame.height)


def _final_rows(schema: TableSchema, frame: pl.DataFrame) -> int:
    if "price_status" not in schema.column_names or not frame.height:
        return 0
    return int((frame.get_column("price_status") == FINAL).sum())


def stored_profile(con: duckdb.DuckDBPyConnection, schema: TableSchema, day: date | None) -> DayProfile:
    """The profile of what the warehouse holds for `day` (the whole table when unpartitioned)."""
    where = "TRUE" if day is None else f"{schema.partition_column} = {date_sql(day)}"
    table = schema.qualified_name
    final = "count(*) FILTER (WHERE price_status = 'final')" if "price_status" in schema.column_names else "0"
    if INTERVAL not in schema.column_names:
        [(rows, finals)] = con.execute(f"SELECT count(*), {final} FROM {table} WHERE {where}").fetchall()
        return DayProfile({(): rows} if rows else {}, finals, rows)
    series = ", ".join(f'"{c}"' for c in series_columns(schema))
    select = f"{series}, " if series else ""
    group = f" GROUP BY {series}" if series else ""
    rows = con.execute(
        f"SELECT {select}count(DISTINCT {INTERVAL}), {final}, count(*) FROM {table} WHERE {where}{group}"
    ).fetchall()
    width = len(series_columns(schema))
    intervals = {_series_key(r, width): r[width] for r in rows if r[width + 2]}
    return DayProfile(intervals, sum(r[width + 1] for r in rows), sum(r[width + 2] for r in rows))


def _named(series: list[tuple], columns: list[str]) -> str:
    shown = ", ".join("/".join(str(v) for v in s) for s in sorted(series, key=str)[:MAX_NAMED_SERIES])
    more = f" and {len(series) - MAX_NAMED_SERIES} more" if len(series) > MAX_NAMED_SERIES else ""
    return f"{'/'.join(columns)} [{shown}{more}]"


def shortfalls(schema: TableSchema, stored: DayProfile, new: DayProfile) -> list[str]:
    """Why `new` is worse than `stored` (empty: at least as good). Only dimension tables skip the series rules:
    for them an empty answer is the one shortfall (locations are retired for real)."""
    if not stored.rows:
        return []
    if INTERVAL not in schema.column_names:
        return ["ISO-NE returned no rows"] if not new.rows else []
    columns = series_columns(schema)
    reasons = []
    if new.total_intervals < stored.total_intervals:
        reasons.append(f"ISO-NE returned {new.total_intervals:,} of {stored.total_intervals:,} intervals")
    missing = [s for s in stored.intervals if s not in new.intervals]
    if missing and columns:
        reasons.append(f"{len(missing)} series missing: {_named(missing, columns)}")
    short = [s for s, n in stored.intervals.items() if s in new.intervals and new.intervals[s] < n]
    if short:
        label = _named(short, columns) if columns else "the day"
        reasons.append(f"{len(short)} series with fewer intervals: {label}")
    if new.final_rows < stored.final_rows:
        reasons.append(f"{stored.final_rows - new.final_rows:,} final price row(s) would become prelim or vanish")
    return reasons
