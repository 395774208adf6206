"""Writes: replacing whole `operating_day` partitions of a std table, atomically.

Rules kept here:
- every write is one transaction: `DELETE ... WHERE operating_day IN (...)` + `INSERT` of the new rows, so a
  reader sees the old day or the new day, never a mix, and a failure leaves the old day; a multi-day write
  streams one frame per day into that one transaction (`replace_partitions_streaming`), optionally through a
  `WriteGuard` that decides per day and validates before COMMIT;
- rows are selected by column NAME into one canonical schema (`TableSchema.conform`), never by position;
- partitions are `operating_day DATE` values, never timestamp windows (a DST day has 23 or 25 hours);
- one short write connection per replace, retried as a whole on lock/conflict errors between writers.

The last two steps of a transaction are named functions, `_insert` (one frame's rows) and `_commit`: a failure
in either must leave the previous rows, and tests prove it by monkeypatching them here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import duckdb
import polars as pl

from isone_platform.lib.schemas import TableSchema
from isone_platform.lib.sql_literals import days_sql
from isone_platform.lib.warehouse.config import WarehouseConfig
from isone_platform.lib.warehouse.connect import _session
from isone_platform.lib.warehouse.ddl import ensure_tables
from isone_platform.lib.warehouse.retry import T, _with_write_retries

# Process-global: (config, table) pairs this process has already created or checked: ensure_tables costs ~0.15 s
# of catalog queries, too much to repeat on every replace. The schema registry does not change within a process.
_ensured: set[tuple[WarehouseConfig, str]] = set()


def _check_days(schema: TableSchema, df: pl.DataFrame, days: Sequence[date] | None) -> list[date] | None:
    """The sorted distinct days to replace (None for an unpartitioned table), after checking that `days` fits
    the table and that every row of `df` lies in one of them: a row outside would survive a later replace."""
    if schema.partition_column is None:
        if days is not None:
            raise ValueError(f"{schema.qualified_name} is not partitioned: pass days=None to replace the whole table")
        return None
    if days is None:
        raise ValueError(
            f"{schema.qualified_name} is partitioned on {schema.partition_column}: pass the days to replace"
        )
    wanted = sorted(set(days))
    for d in wanted:
        if not isinstance(d, date):
            raise TypeError(f"{schema.qualified_name}: partition days must be datetime.date, got {d!r}")
    column = df.get_column(schema.partition_column)
    if column.null_count():
        raise ValueError(f"{schema.qualified_name}: {column.null_count()} row(s) have a null {schema.partition_column}")
    outside = sorted(set(column.unique().to_list()) - set(wanted))
    if outside:
        raise ValueError(
            f"{schema.qualified_name}: rows for {schema.partition_column} "
            f"{[d.isoformat() for d in outside]} are outside the partition(s) being replaced "
            f"{[d.isoformat() for d in wanted]}"
        )
    return wanted


def replace_partitions(
    config: WarehouseConfig, schema: TableSchema, df: pl.DataFrame, days: Sequence[date] | None
) -> int:
    """Replace the rows of `days` (every row if `days` is None, for an unpartitioned table) with `df`, atomically.

    `df` is conformed to the schema by column name (extra columns dropped, missing ones an error); every row must
    belong to one of `days`. One transaction deletes the days and inserts the rows: readers see the old days or
    the new ones, and a failure leaves the old ones. Lock/conflict errors between concurrent writers are retried
    (the whole transaction, with jittered backoff). Returns the number of rows written.
    See `replace_partitions_streaming` for a run's days given one frame at a time.
    """
    frame = schema.conform(df)
    wanted = _check_days(schema, frame, days)
    if wanted is not None and not wanted:
        if frame.height:
            raise ValueError(f"{schema.qualified_name}: rows given but no partition days")
        return 0
    return _replace(config, schema, lambda: [(None, frame)], wanted)


class WriteGuard(Protocol):
    """Decides, inside a replace transaction, which days may be replaced and whether the result may commit.

    `admit` is asked before a day is deleted and inserted: False keeps the stored day (the guard records why).
    `validate` runs after every admitted day is inserted and before COMMIT: raising rolls everything back, so
    readers never see rows a structural rule rejects. Both see the transaction's own connection.
    """

    def admit(self, con: duckdb.DuckDBPyConnection, day: date | None, frame: pl.DataFrame) -> bool: ...

    def validate(self, con: duckdb.DuckDBPyConnection, days: list[date | None]) -> None: ...

    def before_replace(self, con: duckdb.DuckDBPyConnection, day: date | None, frame: pl.DataFrame) -> None:
        """Called after `admit` and before the day's stored rows are deleted: what the replace is about to change
        can still be read (revisions are kept this way, in the same transaction)."""

    @property
    def extra_tables(self) -> Sequence[TableSchema]:
        """Other tables the guard writes in the transaction: created (or checked) before it starts."""
        return ()


def replace_partitions_streaming(
    config: WarehouseConfig,
    schema: TableSchema,
    frames: Iterable[tuple[date | None, pl.DataFrame]],
    days: Sequence[date] | None,
    *,
    guard: WriteGuard | None = None,
) -> int:
    """`replace_partitions` for a run's days given one frame per day: `frames` yields `(day, frame)`, every row
    of `frame` in operating day `day` (one `(None, frame)` for an unpartitioned table, which replaces the table).

    Still one transaction for all of `days` (a DELETE and an INSERT per day): readers see all old days or all
    new ones, and a failure — a conflict, a bad frame, an exception while producing the last day — leaves all
    the old ones. But only the current day's frame needs to be in memory: one backfill run (`backfill_policy()`,
    15 days by default) of the all-node RT 5-minute LMPs is ~5 M rows as one frame.

    `frames` is iterated once per attempt, so it must be re-iterable (a list, or an object whose `__iter__`
    produces the frames again): a transaction retried after a conflict writes everything again. A frame with
    rows outside its day, a day not in `days`, or a day given twice is an error; a day of `days` that no frame
    covers is replaced by no rows (if the guard admits that). With a `guard`, a day it does not admit keeps its
    stored rows. Returns the number of rows written.
    """
    if iter(frames) is frames:
        raise TypeError(
            f"{schema.qualified_name}: frames must be re-iterable, not an iterator (a retried transaction iterates "
            "them again)"
        )
    wanted = _check_days(schema, schema.empty_frame(), days)
    if wanted is not None and not wanted:
        if any(frame.height for _, frame in frames):
            raise ValueError(f"{schema.qualified_name}: rows given but no partition days")
        return 0
    return _replace(config, schema, lambda: _checked_frames(schema, frames, wanted), wanted, guard)


def _checked_frames(
    schema: TableSchema, frames: Iterable[tuple[date | None, pl.DataFrame]], wanted: list[date] | None
) -> Iterator[tuple[date | None, pl.DataFrame]]:
    """Each frame conformed and checked to hold only its own day's rows, lazily (one frame at a time)."""
    seen: set[date] = set()
    for day, df in frames:
        if wanted is None:
            if day is not None:
                raise ValueError(f"{schema.qualified_name} is not partitioned: give its frame with day None")
        elif day is None or day not in wanted:
            raise ValueError(
                f"{schema.qualified_name}: a frame for {day.isoformat() if isinstance(day, date) else repr(day)} "
                "is not one of the partition(s) being replaced "
                f"{[d.isoformat() for d in wanted]}"
            )
        elif day in seen:
            raise ValueError(f"{schema.qualified_name}: two frames for {day.isoformat()}")
        else:
            seen.add(day)
        frame = schema.conform(df)
        del df
        _check_days(schema, frame, None if day is None else [day])
        yield day, frame
        del frame  # a suspended generator keeps its locals: let the written frame go before the next is made


@dataclass(frozen=True)
class _Statements:
    """The SQL of one replace: delete some days (or the table), insert the new rows by column name."""

    schema: TableSchema

    def delete(self, days: Sequence[date] | None) -> str:
        if days is None:
            return f"DELETE FROM {self.schema.qualified_name}"
        return f"DELETE FROM {self.schema.qualified_name} WHERE {self.schema.partition_column} IN ({days_sql(days)})"

    @property
    def insert(self) -> str:
        cols = ", ".join(f'"{c}"' for c in self.schema.column_names)
        return f"INSERT INTO {self.schema.qualified_name} ({cols}) SELECT {cols} FROM _isone_new_rows"


def _replace(
    config: WarehouseConfig,
    schema: TableSchema,
    frames: Callable[[], Iterable[tuple[date | None, pl.DataFrame]]],
    wanted: list[date] | None,
    guard: WriteGuard | None = None,
) -> int:
    """Replace `wanted` (the whole table if None) with `frames()` in one transaction, retrying the whole
    transaction — `frames()` again — on lock/conflict errors between concurrent writers."""

    def replace_once() -> int:
        with _session(config, read_only=False) as con:
            tables = [schema, *(guard.extra_tables if guard is not None else ())]
            missing = [t for t in tables if (config, t.qualified_name) not in _ensured]
            if missing:
                ensure_tables(con, missing)
                _ensured.update((config, t.qualified_name) for t in missing)
            return _in_transaction(con, lambda: _write(con, _Statements(schema), frames(), wanted, guard))

    return _with_write_retries(replace_once)


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """`work()` between BEGIN and COMMIT; any failure (COMMIT's own included) rolls back."""
    con.execute("BEGIN")
    try:
        result = work()
        _commit(con)
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # a failed COMMIT has already ended the transaction
        raise
    return result


def _commit(con: duckdb.DuckDBPyConnection) -> None:
    """End a replace transaction. A failure here (a conflict detected at COMMIT, a lost connection) is the
    latest a write can fail; `_in_transaction` rolls back and the previous rows stay."""
    con.execute("COMMIT")


def _write(
    con: duckdb.DuckDBPyConnection,
    sql: _Statements,
    frames: Iterable[tuple[date | None, pl.DataFrame]],
    wanted: list[date] | None,
    guard: WriteGuard | None,
) -> int:
    """The body of a replace transaction. Without a guard every wanted day is deleted up front (one statement);
    with one, each day is deleted and inserted only if the guard admits it, then the guard validates."""
    if guard is None:
        con.execute(sql.delete(wanted))
        return sum(_insert_frame(con, sql, frame) for _, frame in frames)
    rows, covered, written = 0, set(), []
    for day, frame in frames:
        covered.add(day)
        if guard.admit(con, day, frame):
            guard.before_replace(con, day, frame)
            con.execute(sql.delete(None if day is None else [day]))
            rows += _insert_frame(con, sql, frame)
            written.append(day)
        del frame  # otherwise still bound while the next frame is produced
    for day in [d for d in (wanted or []) if d not in covered]:
        if guard.admit(con, day, sql.schema.empty_frame()):
            con.execute(sql.delete([day]))
            written.append(day)
    guard.validate(con, written)
    return rows


def _insert_frame(con: duckdb.DuckDBPyConnection, sql: _Statements, frame: pl.DataFrame) -> int:
    """Insert a frame's rows (none for an empty frame); return how many."""
    if frame.height:
        _insert(con, sql.insert, frame)
    return frame.height


def _insert(con: duckdb.DuckDBPyConnection, insert: str, frame: pl.DataFrame) -> None:
    """Run `insert`, which reads `_isone_new_rows`, with `frame` as that table.

    Through DuckDB's replacement scan of this function's local variable, not `con.register`: a view registered
    (and unregistered) inside a transaction stays in the catalog until COMMIT and keeps its Arrow data alive,
    so a multi-day write would hold every day's rows until the end (measured: ~100 MB per all-node RT 5-minute
    day). The replacement scan lets go of the data when the statement ends.

    Text columns go over as Arrow dictionaries (`_as_dictionaries`).
    """
    _isone_new_rows = _as_dictionaries(frame).to_arrow()  # noqa: F841 - read by the SQL, by name
    con.execute(insert)


def _as_dictionaries(frame: pl.DataFrame) -> pl.DataFrame:
    """Text columns as categoricals, which reach DuckDB as Arrow dictionaries: our text repeats (a body's source
    path and hash, a price status, ~1,200 location names in 347 k rows), and DuckDB converts and writes each
    distinct string once instead of once per row — a third less CPU for an all-node RT 5-minute LMP day. The
    INSERT casts them back to the table's VARCHAR columns: the stored values are the same."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(pl.col(text).cast(pl.Categorical)) if text else frame
