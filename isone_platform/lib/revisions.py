"""Keep what a later answer replaces: preliminary prices that final ones replace, load values that a re-fetch
corrects. Runs inside the std write transaction, just before a day's stored rows are deleted (`GuardedDays.
before_replace`), so the revisions commit with the final day or not at all.

- `prelim_to_final` (RT LMPs, reserve prices): the stored `prelim` rows of the day joined on the primary key with
  the new `final` rows. The intervals where any value changed (`IS DISTINCT FROM`: NULL ↔ value counts) replace
  that day's rows of the feed's revisions table; every compared interval is counted per location in
  `isone__price_revision_coverage`. A day already final has no prelim rows: re-running the finalize writes nothing,
  and the revisions written the first time stay.
- `corrections` (load): the stored rows of the day joined with the new ones; each interval whose value changed is
  appended to `isone__load_revisions`, keyed by the correction's fetch time, so a value corrected twice has two
  rows and re-writing the same values adds none.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from isone_platform.lib.feed import Dataset, Revisions
from isone_platform.lib.schemas import PRICE_REVISION_COVERAGE, TableSchema
from isone_platform.lib.sql_literals import date_sql


def tables_of(ds: Dataset) -> list[TableSchema]:
    """The tables a feed's revisions write (none without revisions)."""
    if ds.revisions is None:
        return []
    if ds.revisions.kind == "prelim_to_final":
        return [ds.revisions.table, PRICE_REVISION_COVERAGE]
    return [ds.revisions.table]


def record_revisions(con: duckdb.DuckDBPyConnection, ds: Dataset, day: date | None, frame: pl.DataFrame) -> int | None:
    """Record what `frame` (the day's new rows) changes in the stored day: the number of revised intervals, or
    None when nothing was compared (no prelim day to finalize, no stored value corrected)."""
    spec = ds.revisions
    if spec is None or day is None or frame.is_empty():
        return None
    if spec.kind == "prelim_to_final":
        return _prelim_to_final(con, ds, spec, day, frame)
    return _corrections(con, ds, spec, day, frame)


def _changed(values: tuple[str, ...]) -> str:
    return " OR ".join(f"s.{v} IS DISTINCT FROM n.{v}" for v in values)


def _pairs_sql(ds: Dataset, spec: Revisions, day: date) -> str:
    """The stored prelim rows of `day` and the new final rows, fully joined on the primary key: which side each
    key has, and whether the values of a key on both sides differ."""
    key = ", ".join(ds.table.primary_key)
    return f"""
        SELECT s.*, {", ".join(f"n.{v} AS _new_{v}" for v in spec.values)}, n.fetched_at_utc AS _new_fetched_at_utc,
               s._prelim IS NOT NULL AS _has_prelim, n._final IS NOT NULL AS _has_final,
               coalesce(s._prelim AND n._final AND ({_changed(spec.values)}), false) AS _revised
        FROM (SELECT *, true AS _prelim FROM {ds.table.qualified_name}
              WHERE operating_day = {date_sql(day)} AND price_status = 'prelim') s
        FULL JOIN (SELECT *, true AS _final FROM _isone_new_rows WHERE price_status = 'final') n USING ({key})"""


def _prelim_to_final(
    con: duckdb.DuckDBPyConnection, ds: Dataset, spec: Revisions, day: date, frame: pl.DataFrame
) -> int | None:
    if "final" not in frame.get_column("price_status").unique().to_list():
        return None
    _isone_new_rows = frame.to_arrow()  # noqa: F841 - read by the SQL, by name (DuckDB's replacement scan)
    pairs = _pairs_sql(ds, spec, day)
    [(compared, revised)] = con.execute(
        f"SELECT count(*) FILTER (WHERE _has_prelim AND _has_final), count(*) FILTER (WHERE _revised) FROM ({pairs})"
    ).fetchall()
    if not compared:
        return None
    table, location = spec.table, ds.table.primary_key[1]
    con.execute(f"DELETE FROM {table.qualified_name} WHERE operating_day = {date_sql(day)}")
    columns = [_revision_column(c) for c in table.column_names]
    con.execute(
        f"INSERT INTO {table.qualified_name} ({', '.join(table.column_names)}) "
        f"SELECT {', '.join(columns)} FROM ({pairs}) WHERE _revised"
    )
    coverage = PRICE_REVISION_COVERAGE.qualified_name
    con.execute(f"DELETE FROM {coverage} WHERE dataset = '{ds.table.name}' AND operating_day = {date_sql(day)}")
    con.execute(
        f"INSERT INTO {coverage} ({', '.join(PRICE_REVISION_COVERAGE.column_names)}) "
        f"SELECT '{ds.table.name}', {date_sql(day)}, {location}, count(*) FILTER (WHERE _has_prelim), "
        "count(*) FILTER (WHERE _has_final), count(*) FILTER (WHERE _has_prelim AND _has_final), "
        f"count(*) FILTER (WHERE _revised), max(_new_fetched_at_utc) FROM ({pairs}) GROUP BY ALL"
    )
    return int(revised)


def _revision_column(name: str) -> str:
    """The pairs query's expression for one revisions-table column: `prelim_x` is the stored x, `final_x` the new."""
    if name == "prelim_fetched_at_utc":
        return "fetched_at_utc"
    if name == "final_fetched_at_utc":
        return "_new_fetched_at_utc"
    if name.startswith("prelim_"):
        return name.removeprefix("prelim_")
    if name.startswith("final_"):
        return f"_new_{name.removeprefix('final_')}"
    return name


def _corrections(
    con: duckdb.DuckDBPyConnection, ds: Dataset, spec: Revisions, day: date, frame: pl.DataFrame
) -> int | None:
    (value,) = spec.values
    _isone_new_rows = frame.to_arrow()  # noqa: F841 - read by the SQL, by name (DuckDB's replacement scan)
    key = ", ".join(ds.table.primary_key)
    area = f"s.{spec.area_column}" if spec.area_column else "'SYSTEM'"
    zone = f"s.{spec.zone_column}" if spec.zone_column else "CAST(NULL AS INTEGER)"
    changed = (
        f"SELECT '{ds.table.name}', s.interval_begin_utc, s.interval_end_utc, s.operating_day, {area}, {zone}, "
        f"s.{value}, n.{value}, s.fetched_at_utc, n.fetched_at_utc "
        f"FROM (SELECT * FROM {ds.table.qualified_name} WHERE operating_day = {date_sql(day)}) s "
        f"JOIN _isone_new_rows n USING ({key}) WHERE {_changed(spec.values)}"
    )
    [(count,)] = con.execute(f"SELECT count(*) FROM ({changed})").fetchall()
    if not count:
        return None
    con.execute(f"INSERT INTO {spec.table.qualified_name} ({', '.join(spec.table.column_names)}) {changed}")
    return int(count)
