"""`isone-platform export`: some operating days of a std dataset or mart table to Parquet, CSV or JSON lines, in a
local file or directory or on S3.

Why DuckDB `COPY (SELECT …) TO …`: the rows stream from the warehouse's Parquet files to the output file in
bounded memory (a month of all-node 5-minute LMPs is ~10 M rows); nothing is collected in Python.
Why staged: COPY writes into a staging directory next to the target (or a temporary one for S3), and only a
complete, non-empty export is renamed into place (or uploaded, then listed to verify), so a failure never leaves
half a file or removes the previous one.
The read is a read-only attach (`open_export_connection`): exports run while the pipeline writes, and the session
may write nowhere but its staging directory.

The first half of this module is pure (what to export, the SQL); the second half does the I/O.
"""

from __future__ import annotations

import argparse
import os
import posixpath
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from isone_platform.lib.schemas import HUB_LOCATION, LOAD_ZONES
from isone_platform.lib.sql_literals import date_sql

FORMATS: dict[str, str] = {
    "parquet": "FORMAT parquet, COMPRESSION zstd",
    "csv": "FORMAT csv, HEADER true",
    "json": "FORMAT json",
}
"""`--format` -> the COPY options. JSON is one object per line (JSON Lines), so it streams like CSV."""

SUFFIXES = {"parquet": ".parquet", "csv": ".csv", "json": ".jsonl"}
"""The file suffix of each format, for the default output name and to infer `--format` from `--out`."""

PARTITIONABLE = ("parquet", "csv")
"""Formats DuckDB can write as `operating_day=` hive directories (its JSON writer has no PARTITION_BY)."""

DAY_COLUMN = "operating_day"
LOCATION_COLUMNS = ("location_id", "zone_id")
"""Columns `--locations` filters on, the first a table has: price/demand tables key by location, load by zone."""

MART_SCHEMA = "mart"

if TYPE_CHECKING:
    from isone_platform.lib.warehouse import WarehouseConfig


class ExportError(Exception):
    """Bad input or an export with nothing to write: the message names what was wrong; nothing was written."""


# ---------------------------------------------------------------------------------------------------------------
# what to export (pure)


@dataclass(frozen=True)
class Table:
    """A table to export from: `std.isone__x` (columns from the schema registry) or `mart.isone__x` (columns read
    from the warehouse, dbt defines them)."""

    qualified_name: str
    columns: tuple[str, ...] | None

    @property
    def name(self) -> str:
        return self.qualified_name.split(".", 1)[1]


def resolve_table(name: str) -> Table:
    """`lmp_rt_5min`, `isone__lmp_rt_5min`, `std.isone__lmp_rt_5min` or `mart.isone__lmp_daily` -> the table."""
    schema, _, rest = name.rpartition(".")
    if schema == MART_SCHEMA:
        return _mart_table(rest)
    if schema not in ("", "std"):
        raise ExportError(f"unknown schema {schema!r} in {name!r}: export reads std datasets and mart tables")
    return _std_table(rest)


def _std_table(name: str) -> Table:
    from isone_platform.lib.datasets import DATASETS

    ds = DATASETS.get(name.removeprefix("isone__"))
    if ds is None:
        marts = ", ".join(f"{MART_SCHEMA}.{m}" for m in _mart_names())
        raise ExportError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(DATASETS))}; marts: {marts}")
    if ds.table.partition_column != DAY_COLUMN:
        raise ExportError(f"{ds.table.qualified_name} has no operating days ({DAY_COLUMN}): it cannot be exported")
    return Table(ds.table.qualified_name, tuple(ds.table.column_names))


def _mart_names() -> tuple[str, ...]:
    from isone_platform.lib.dbt import MART_TABLES

    return MART_TABLES


def _mart_table(name: str) -> Table:
    table = name if name.startswith("isone__") else f"isone__{name}"
    if table not in _mart_names():
        known = ", ".join(f"{MART_SCHEMA}.{m}" for m in _mart_names())
        raise ExportError(f"unknown mart {MART_SCHEMA}.{name!r}; known marts: {known}")
    return Table(f"{MART_SCHEMA}.{table}", None)


def parse_day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExportError(f"{flag} {text!r} is not an operating day (YYYY-MM-DD)") from None


def parse_range(start: str, end: str) -> tuple[date, date]:
    """The inclusive range of operating days, `--start` not after `--end`."""
    first, last = parse_day(start, "--start"), parse_day(end, "--end")
    if first > last:
        raise ExportError(f"--start {first} is after --end {last}")
    return first, last


def pick_columns(table: Table, available: Sequence[str], spec: str | None) -> list[str]:
    """The `--columns` (comma list, in the order given) or every column; each checked against the table's."""
    if DAY_COLUMN not in available:
        raise ExportError(f"{table.qualified_name} has no {DAY_COLUMN} column: it cannot be exported by day")
    if spec is None:
        return list(available)
    wanted = [c.strip() for c in spec.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in available]
    if unknown or not wanted:
        shown = ", ".join(repr(c) for c in unknown) or "none given"
        raise ExportError(f"unknown column(s) of {table.qualified_name}: {shown}; its columns: {', '.join(available)}")
    return list(dict.fromkeys(wanted))


def location_column(available: Sequence[str]) -> str | None:
    return next((c for c in LOCATION_COLUMNS if c in available), None)


def location_ids(table: Table, available: Sequence[str], spec: str) -> tuple[str, list[int]]:
    """`--locations hub|zones|ID,…` -> (the column to filter, the ids)."""
    column = location_column(available)
    if column is None:
        raise ExportError(f"{table.qualified_name} has no locations (no {' or '.join(LOCATION_COLUMNS)} column)")
    if spec == "hub":
        if column == "zone_id":
            raise ExportError(f"{table.qualified_name} holds load zones only: the hub {HUB_LOCATION[1]} is not one")
        return column, [HUB_LOCATION[0]]
    if spec == "zones":
        return column, sorted(LOAD_ZONES)
    return column, _ids(spec)


def _ids(spec: str) -> list[int]:
    items = [item.strip() for item in spec.split(",") if item.strip()]
    bad = [item for item in items if not item.isdigit()]
    if bad or not items:
        raise ExportError(f"--locations {spec!r}: expected hub, zones or a comma list of location ids (bad: {bad})")
    return sorted({int(item) for item in items})


@dataclass(frozen=True)
class Query:
    """What one export reads: the table, the columns, the days and the locations."""

    table: Table
    columns: list[str]
    first: date
    last: date
    locations: tuple[str, list[int]] | None = None

    def select_sql(self) -> str:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        where = f"{DAY_COLUMN} BETWEEN {date_sql(self.first)} AND {date_sql(self.last)}"
        if self.locations is not None:
            column, ids = self.locations
            where += f' AND "{column}" IN ({", ".join(str(i) for i in ids)})'
        return f"SELECT {cols} FROM {self.table.qualified_name} WHERE {where}"


def build_query(table: Table, available: Sequence[str], first: date, last: date, args: ExportArgs) -> Query:
    """The query of an export, every name checked against the table's columns."""
    columns = pick_columns(table, available, args.columns)
    if args.partitioned and DAY_COLUMN not in columns:
        columns = [DAY_COLUMN, *columns]  # the hive directories carry it
    locations = location_ids(table, available, args.locations) if args.locations else None
    return Query(table, columns, first, last, locations)


def copy_sql(select: str, path: Path, fmt: str, *, partitioned: bool) -> str:
    """`COPY (select) TO 'path' (options)`; partitioned: one `operating_day=YYYY-MM-DD/` directory per day."""
    options = FORMATS[fmt] + (f", PARTITION_BY ({DAY_COLUMN})" if partitioned else "")
    literal = "'" + str(path).replace("'", "''") + "'"
    return f"COPY ({select}) TO {literal} ({options})"


def infer_format(fmt: str | None, out: str | None) -> str:
    """`--format`, else the one `--out`'s suffix names, else Parquet."""
    if fmt is not None:
        return fmt
    suffix = Path(out.rstrip("/")).suffix if out else ""
    return next((f for f, s in SUFFIXES.items() if suffix in (s, f".{f}")), "parquet")


def default_out(table: Table, first: date, last: date, fmt: str) -> str:
    """`isone__lmp_rt_5min_2024-07-01_2024-07-30.csv` in the current directory."""
    return f"{table.name}_{first}_{last}{SUFFIXES[fmt]}"


def is_partitioned(out: str) -> bool:
    """A directory target: an existing local directory, or a path or s3:// URL ending with `/`."""
    return out.endswith("/") or (not out.startswith("s3://") and Path(out).is_dir())


@dataclass(frozen=True)
class ExportArgs:
    """The command line, parsed but not yet checked against the warehouse."""

    dataset: str
    start: str
    end: str
    fmt: str
    out: str
    columns: str | None = None
    locations: str | None = None
    overwrite: bool = False

    @property
    def partitioned(self) -> bool:
        return is_partitioned(self.out)


def export_args(ns: argparse.Namespace) -> ExportArgs:
    fmt = infer_format(ns.format, ns.out)
    out = ns.out or default_out(resolve_table(ns.dataset), *parse_range(ns.start, ns.end), fmt)
    args = ExportArgs(ns.dataset, ns.start, ns.end, fmt, out, ns.columns, ns.locations, ns.overwrite)
    if args.partitioned and fmt not in PARTITIONABLE:
        raise ExportError(f"{out!r} is a directory: partitioned output is {' or '.join(PARTITIONABLE)}, not {fmt}")
    return args


# ---------------------------------------------------------------------------------------------------------------
# where it goes (I/O)


class LocalTarget:
    """A file, or a directory of `operating_day=` directories. Staged in a hidden sibling directory, so the final
    rename stays on one file system and is atomic."""

    def __init__(self, out: str, partitioned: bool):
        self.path = Path(out).expanduser().absolute()
        self.partitioned = partitioned
        self.where = str(self.path)

    def refuse_existing(self, overwrite: bool) -> None:
        if self.partitioned and self.path.is_file():
            raise ExportError(f"{self.path} is a file, not a directory: remove it or export to a file")
        if self.path.exists() and not overwrite and (not self.partitioned or any(self.path.iterdir())):
            raise ExportError(f"{self.path} exists: pass --overwrite to replace it")
        if not self.path.parent.is_dir():
            raise ExportError(f"{self.path.parent} is not a directory: create it first")

    @contextmanager
    def staging(self) -> Iterator[Path]:
        stage = self.path.parent / f".{self.path.name}.export-{uuid.uuid4().hex[:12]}"
        stage.mkdir()
        try:
            yield stage
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def publish(self, staged: Path, overwrite: bool) -> None:
        if not self.partitioned:
            _replace_file(staged, self.path, overwrite)
        else:
            _replace_directory(staged, self.path, overwrite)


def _replace_file(staged: Path, final: Path, overwrite: bool) -> None:
    """Overwrite: one atomic rename. Otherwise a hard link, which fails rather than replace a file that appeared
    since the check."""
    if overwrite:
        os.replace(staged, final)
        return
    try:
        os.link(staged, final)
    except FileExistsError:
        raise ExportError(f"{final} exists: pass --overwrite to replace it") from None


def _replace_directory(staged: Path, final: Path, overwrite: bool) -> None:
    """Rename the old directory aside, the new one in, then remove the old; put the old back if the swap fails."""
    if final.is_dir() and not any(final.iterdir()):
        final.rmdir()  # an empty directory the user made for the export
    if not final.exists():
        staged.rename(final)
        return
    if not overwrite:  # it appeared since the check
        raise ExportError(f"{final} exists: pass --overwrite to replace it")
    aside = final.parent / f".{final.name}.replaced-{uuid.uuid4().hex[:12]}"
    final.rename(aside)
    try:
        staged.rename(final)
    except BaseException:
        aside.rename(final)
        raise
    shutil.rmtree(aside)


class S3Target:
    """`s3://bucket/key` (one object) or `s3://bucket/prefix/` (`operating_day=` keys), with the project's S3
    settings. Staged in a local temporary directory; uploaded, then listed to verify every object and its size."""

    def __init__(self, out: str, partitioned: bool):
        from isone_platform.lib.lake import S3Lake
        from isone_platform.lib.lake.s3 import parse_s3_url

        bucket, self.key = parse_s3_url(out)
        self.lake = S3Lake.from_url(f"s3://{bucket}")
        self.partitioned = partitioned
        self.where = f"s3://{bucket}/{self.key}"

    def refuse_existing(self, overwrite: bool) -> None:
        """Also the reachability check: a wrong endpoint or bucket fails here, naming both, before any query."""
        if not self.key:
            raise ExportError(f"{self.where}: give a key or a prefix after the bucket")
        self.lake.check_bucket()
        exists = self.lake.sizes(self.key) if self.partitioned else self.lake.exists(self.key)
        if exists and not overwrite:
            raise ExportError(f"{self.where} exists: pass --overwrite to replace it")

    @contextmanager
    def staging(self) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="isone-export-") as stage:
            yield Path(stage)

    def publish(self, staged: Path, overwrite: bool) -> None:
        if not self.partitioned:
            self.lake.upload(self.key, staged)
            self._verify({self.key: staged.stat().st_size}, self.lake.sizes(posixpath.dirname(self.key)))
        else:
            self._publish_directory(staged)

    def _publish_directory(self, staged: Path) -> None:
        """Upload under a temporary prefix, verify, then move each object into place and drop the stale ones: a
        failed upload leaves the previous export untouched (S3 has no multi-object rename; the moves are the
        only window)."""
        files = {p.relative_to(staged).as_posix(): p for p in sorted(staged.rglob("*")) if p.is_file()}
        temp = f"{self.key}.export-{uuid.uuid4().hex[:12]}"
        try:
            for rel, path in files.items():
                self.lake.upload(f"{temp}/{rel}", path)
            self._verify({f"{temp}/{r}": p.stat().st_size for r, p in files.items()}, self.lake.sizes(temp))
            stale = set(self.lake.sizes(self.key)) - {f"{self.key}/{r}" for r in files}
            for rel in files:
                self.lake.move(f"{temp}/{rel}", f"{self.key}/{rel}")
            self.lake.delete(sorted(stale))
        finally:
            self.lake.delete(sorted(self.lake.sizes(temp)))
        self._verify({f"{self.key}/{r}": p.stat().st_size for r, p in files.items()}, self.lake.sizes(self.key))

    def _verify(self, expected: dict[str, int], listed: dict[str, int]) -> None:
        wrong = sorted(k for k, size in expected.items() if listed.get(k) != size)
        if wrong:
            raise ExportError(f"after the upload, S3 lists {len(wrong)} object(s) missing or short, e.g. {wrong[0]}")


def target(args: ExportArgs) -> LocalTarget | S3Target:
    return (S3Target if args.out.startswith("s3://") else LocalTarget)(args.out, args.partitioned)


# ---------------------------------------------------------------------------------------------------------------
# the export


@dataclass(frozen=True)
class ExportResult:
    rows: int
    where: str
    seconds: float


def run_export(args: ExportArgs, config: WarehouseConfig | None = None) -> ExportResult:
    """Check everything, stage the COPY, publish it; raise ExportError (nothing written) on bad input or no rows."""
    started = time.perf_counter()
    table = resolve_table(args.dataset)
    first, last = parse_range(args.start, args.end)
    if table.columns is not None:
        build_query(table, table.columns, first, last, args)  # bad names fail before the warehouse is opened
    out = target(args)
    out.refuse_existing(args.overwrite)
    with out.staging() as stage:
        staged = stage / (Path(args.out.rstrip("/")).name or "export")
        rows = _copy(table, first, last, args, stage, staged, config)
        if rows == 0:
            raise ExportError(
                f"no rows in {table.qualified_name} from {first} to {last}{_filters(args)}: nothing written"
            )
        out.publish(staged, args.overwrite)
    return ExportResult(rows, out.where, time.perf_counter() - started)


def _filters(args: ExportArgs) -> str:
    return f" for --locations {args.locations}" if args.locations else ""


def _copy(
    table: Table, first: date, last: date, args: ExportArgs, stage: Path, staged: Path, config: WarehouseConfig | None
) -> int:
    """Run the COPY into `staged` on a read-only connection that may write only under `stage`; the row count."""
    from isone_platform.lib.warehouse import WarehouseConfig, open_export_connection

    con = open_export_connection(config or WarehouseConfig.from_env(), stage)
    try:
        available = table.columns or _warehouse_columns(con, table)
        query = build_query(table, available, first, last, args)
        row = con.execute(copy_sql(query.select_sql(), staged, args.fmt, partitioned=args.partitioned)).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def _warehouse_columns(con, table: Table) -> tuple[str, ...]:
    schema, name = table.qualified_name.split(".", 1)
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'isone' AND table_schema = ? "
        "AND table_name = ? ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    if not rows:
        raise ExportError(f"{table.qualified_name} is not in the warehouse yet: materialize the marts first")
    return tuple(r[0] for r in rows)


# ---------------------------------------------------------------------------------------------------------------
# the command line


def _main(ns: argparse.Namespace) -> int:
    result = run_export(export_args(ns))
    print(f"exported {result.rows:,} rows to {result.where} in {result.seconds:.1f} s")
    return 0


def register(subparsers) -> None:
    """Add `export` to the `isone-platform` CLI."""
    p = subparsers.add_parser(
        "export", help="write operating days of a std dataset or mart to Parquet, CSV or JSON lines (local or S3)"
    )
    p.add_argument("dataset", help="a std dataset (lmp_rt_5min or isone__lmp_rt_5min) or mart.isone__<mart>")
    p.add_argument("--start", required=True, help="first operating day, YYYY-MM-DD")
    p.add_argument("--end", required=True, help="last operating day (inclusive), YYYY-MM-DD")
    p.add_argument("--format", choices=sorted(FORMATS), help="default: from --out's suffix, else parquet")
    p.add_argument(
        "--out",
        help="a file, a directory (or a path ending in /: one operating_day=… directory per day, "
        f"{' or '.join(PARTITIONABLE)}), or s3://bucket/key[/]; default: <table>_<start>_<end>.<format> here",
    )
    p.add_argument("--locations", help=f"hub ({HUB_LOCATION[1]}), zones (the {len(LOAD_ZONES)} load zones) or ID,ID,…")
    p.add_argument("--columns", help="a comma list of the table's columns (default: all)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(func=_main)
