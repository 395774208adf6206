"""The DuckLake warehouse that holds the std (and later mart) tables.

Why DuckLake and not one DuckDB file: a DuckDB file has one writer process and refuses readers while it is
written, so an analyst's open session would stall polling and backfills. DuckLake keeps a catalog (SQLite
locally, PostgreSQL in production) plus Parquet data files; readers hold a read-only attach and see committed
snapshots while writers replace partitions in transactions.

Rules this module keeps:
- every write is one transaction: `DELETE ... WHERE operating_day IN (...)` + `INSERT` of the new rows, so a
  reader sees the old day or the new day, never a mix, and a failure leaves the old day; a multi-day write
  streams one frame per day into that one transaction (`replace_partitions_streaming`);
- rows are selected by column NAME into one canonical schema (`TableSchema.conform`), never by position;
- partitions are `operating_day DATE` values, never timestamp windows (a DST day has 23 or 25 hours);
- connections are short-lived: one write connection per replace, no long-lived writer.

No Dagster here: the IO manager (`lib/io_managers.py`) and the analyst entry point (`isone_platform.warehouse`)
build on these functions.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar
from urllib.parse import urlsplit

import duckdb
import duckdb_extensions
import polars as pl

from isone_platform.lib.read_only import GuardedConnection, lock_down
from isone_platform.lib.settings import project_root
from isone_platform.lib.schemas import STD_TABLES, TableSchema

if TYPE_CHECKING:  # the lake module imports Dagster: too slow an import for `isone-platform sql`
    from isone_platform.lib.lake import Lake

CATALOG_ALIAS = "isone"
"""Name under which the DuckLake catalog is attached; tables are `isone.std.isone__…` (`std.isone__…` after USE)."""

DEFAULT_CATALOG_FILE = "data/catalog.sqlite"
DEFAULT_LAKE_DIR = "data/lake"

WRITE_ATTEMPTS = 10
T = TypeVar("T")
"""How many times a replace (or an attach) is tried when the catalog is locked or a commit conflicts."""

# Test-only hook: when set, called as `_before_commit(con, schema)` inside the replace transaction, after the
# DELETE and INSERT and before COMMIT. Tests set it to raise, to prove a failure leaves the previous rows.
_before_commit: Callable[[duckdb.DuckDBPyConnection, TableSchema], None] | None = None


class WarehouseError(RuntimeError):
    """A warehouse problem with a message meant for the person reading it."""


class WarehouseNotFoundError(WarehouseError):
    """Reading a warehouse whose catalog does not exist yet."""


class CatalogLostError(WarehouseError):
    """The catalog is missing or empty while data files exist under the data path: restore it, never re-create."""


class SchemaMismatchError(WarehouseError):
    """An existing table's columns differ from the schema registry."""


# ---------------------------------------------------------------------------------------------------------------
# configuration


@dataclass(frozen=True)
class WarehouseConfig:
    """Where the warehouse lives.

    `catalog`: the DuckLake catalog, the part after `ducklake:` — `sqlite:/abs/data/catalog.sqlite` locally,
    `postgres:dbname=... host=...` in production. `data_path`: where the Parquet files go, an absolute directory
    ending in `/` (`/abs/data/lake/tables/`, later `s3://bucket/prefix/tables/`).
    """

    catalog: str
    data_path: str

    @classmethod
    def from_env(cls, root: Path | None = None) -> WarehouseConfig:
        """Build the config from the environment.

        - `ISONE_CATALOG_URL`: a plain path (a SQLite catalog), `sqlite:PATH`, `sqlite:///PATH` (SQLAlchemy style:
          `sqlite:////abs/path` is absolute), `ducklake:sqlite:PATH`, `postgres:<libpq string>`,
          `postgresql://…` / `postgres://…` (a libpq URI) or `ducklake:postgres:…`.
          Default `<root>/data/catalog.sqlite`.
        - `ISONE_WAREHOUSE_DATA_PATH`: the data path, if set; otherwise `<ISONE_LAKE_URL>/tables/`, where
          `ISONE_LAKE_URL` defaults to `<root>/data/lake`.

        `root` defaults to the project root (`ISONE_PROJECT_ROOT`, else the current directory); relative paths are
        made absolute against it (DuckLake stores the data path in the catalog, so it must never be relative).
        """
        root = Path(root) if root is not None else project_root()
        root = root.resolve()
        catalog = parse_catalog_url(os.environ.get("ISONE_CATALOG_URL") or str(root / DEFAULT_CATALOG_FILE), root)
        explicit = os.environ.get("ISONE_WAREHOUSE_DATA_PATH")
        if explicit:
            data_path = _absolute_location(explicit, root)
        else:
            lake = os.environ.get("ISONE_LAKE_URL") or str(root / DEFAULT_LAKE_DIR)
            data_path = _absolute_location(lake, root).rstrip("/") + "/tables"
        return cls(catalog=catalog, data_path=data_path.rstrip("/") + "/")

    @classmethod
    def local(cls, directory: Path) -> WarehouseConfig:
        """A SQLite-catalog warehouse under `directory` (`catalog.sqlite`, `lake/tables/`): for tests and scratch."""
        directory = Path(directory).resolve()
        return cls(catalog=f"sqlite:{directory / 'catalog.sqlite'}", data_path=f"{directory / 'lake' / 'tables'}/")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite catalog file, or None for another catalog kind."""
        if self.catalog.startswith("sqlite:"):
            return Path(self.catalog[len("sqlite:") :])
        return None

    @property
    def attach_target(self) -> str:
        return f"ducklake:{self.catalog}"


def parse_catalog_url(url: str, root: Path) -> str:
    """`ISONE_CATALOG_URL` -> the DuckLake catalog string after `ducklake:` (see `WarehouseConfig.from_env`)."""
    url = url.strip()
    if url.startswith("ducklake:"):
        url = url[len("ducklake:") :]
    if url.startswith(("postgresql://", "postgres://")):
        return f"postgres:{url}"
    if url.startswith("postgres:"):
        return url
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
    elif url.startswith("sqlite:"):
        path = url[len("sqlite:") :]
    elif re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) and not re.match(r"^[a-zA-Z]:[\\/]", url):
        raise ValueError(
            f"ISONE_CATALOG_URL {url!r}: unsupported catalog; use a path, sqlite:PATH or postgres:… / postgresql://…"
        )
    else:
        path = url
    if not path:
        raise ValueError(f"ISONE_CATALOG_URL {url!r}: empty SQLite path")
    return f"sqlite:{_absolute_path(path, root)}"


def _absolute_path(path: str, root: Path) -> str:
    p = Path(path).expanduser()
    return str(p if p.is_absolute() else (root / p).resolve())


def _absolute_location(location: str, root: Path) -> str:
    """Absolute local path, or a URL (`s3://…`, `file://…`) unchanged."""
    if "://" in location:
        if location.startswith("file://"):
            return location[len("file://") :]
        return location
    return _absolute_path(location, root)


# ---------------------------------------------------------------------------------------------------------------
# connections

_extensions_installed: set[str] = set()
_extensions_lock = threading.Lock()


def _load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD an extension, installing it from its PyPI package (offline) the first time in this process."""
    with _extensions_lock:
        if name not in _extensions_installed:
            try:
                con.execute(f"LOAD {name}")
            except duckdb.Error:
                duckdb_extensions.import_extension(name, con=con)
                con.execute(f"LOAD {name}")
            _extensions_installed.add(name)
            return
    con.execute(f"LOAD {name}")


_RETRYABLE = re.compile(r"database is locked|database is busy|SQLITE_BUSY|conflict|could not serialize", re.IGNORECASE)


def is_retryable(exc: BaseException) -> bool:
    """A lock or commit conflict between writers (worth retrying the whole transaction), not a real error."""
    return isinstance(exc, (duckdb.Error, WarehouseError)) and bool(_RETRYABLE.search(str(exc)))


def _backoff(attempt: int) -> None:
    time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))


def _redact(text: str) -> str:
    """Hide passwords of PostgreSQL catalog strings (`password=…`, `user:pw@host`) in messages."""
    text = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", text, flags=re.IGNORECASE)
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_wal_checked: set[Path] = set()


def _ensure_sqlite_wal(path: Path) -> None:
    """Put a SQLite catalog in WAL mode (persistent, once per process and file).

    In SQLite's default rollback-journal mode a reader's shared lock stalls a committing writer and the reader in
    turn waits for the commit (measured here: replaces took 1.2 s instead of 0.2 s while one reader polled). In
    WAL mode readers and the writer do not block each other. WAL needs all processes on one host (no network
    file system), which holds for the local SQLite catalog; production uses PostgreSQL.
    DuckLake accepts a new, empty SQLite file and creates its catalog tables in it.
    """
    if path in _wal_checked:
        return
    try:
        con = sqlite3.connect(path, timeout=10)
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                con.execute("PRAGMA journal_mode=WAL")
        finally:
            con.close()
    except sqlite3.Error:
        return  # busy: still works in rollback-journal mode, only slower; try again next time
    _wal_checked.add(path)


def _prepare_local_paths(config: WarehouseConfig, *, read_only: bool) -> None:
    sqlite_path = config.sqlite_path
    if sqlite_path is not None:
        if not sqlite_path.exists():
            _refuse_missing_sqlite_catalog(config, sqlite_path, read_only=read_only)
        if not read_only:
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            _ensure_sqlite_wal(sqlite_path)
    if not read_only and "://" not in config.data_path:
        Path(config.data_path).mkdir(parents=True, exist_ok=True)


def _refuse_missing_sqlite_catalog(config: WarehouseConfig, sqlite_path: Path, *, read_only: bool) -> None:
    """Before anything creates the file: a reader has nothing to read, a writer must not start a new catalog
    over existing data files (counted here for a local data path; `_attach` counts a remote one)."""
    files = count_data_files(config)
    if files:
        raise _missing_catalog_error(config, files)
    if read_only:
        raise WarehouseNotFoundError(
            f"no warehouse catalog at {sqlite_path}: nothing has been materialized into this warehouse yet "
            "(materialize the std assets first, or point ISONE_CATALOG_URL at an existing catalog)"
        )


def _load_extensions_for(con: duckdb.DuckDBPyConnection, config: WarehouseConfig) -> None:
    _load_extension(con, "ducklake")
    if config.sqlite_path is not None:
        _load_extension(con, "sqlite")
    elif config.catalog.startswith("postgres:"):
        _load_extension(con, "postgres")
    if config.data_path.startswith("s3://"):
        _load_extension(con, "httpfs")
        _create_s3_secret(con, config.data_path)


def _s3_endpoint() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def s3_secret_options(data_path: str) -> list[str]:
    """The options of the DuckDB S3 secret for an `s3://` data path, from the standard AWS environment variables:
    `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION` and
    `AWS_ENDPOINT_URL` (an S3-compatible store: path-style URLs, SSL only for `https://`). Scoped to the bucket.
    Contains the secret values: never log it."""
    bucket = data_path[len("s3://") :].split("/", 1)[0]
    options = ["TYPE s3", f"SCOPE {_sql_str(f's3://{bucket}')}"]
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        options += [f"KEY_ID {_sql_str(key)}", f"SECRET {_sql_str(secret)}"]
        if os.environ.get("AWS_SESSION_TOKEN"):
            options.append(f"SESSION_TOKEN {_sql_str(os.environ['AWS_SESSION_TOKEN'])}")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    options.append(f"REGION {_sql_str(region)}")
    endpoint = _s3_endpoint()
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        options += [
            f"ENDPOINT {_sql_str(parts.netloc + parts.path.rstrip('/'))}",
            "URL_STYLE 'path'",
            f"USE_SSL {'true' if parts.scheme == 'https' else 'false'}",
        ]
    return options


_aws_extension_missing = False


def _create_s3_secret(con: duckdb.DuckDBPyConnection, data_path: str) -> None:
    """A temporary (in-memory) DuckDB secret for the data path's bucket. Without keys in the environment, DuckDB's
    `aws` extension's credential chain (instance/IRSA role, profile) is used when it is installed."""
    options = s3_secret_options(data_path)
    global _aws_extension_missing
    if not any(o.startswith("KEY_ID ") for o in options) and not _aws_extension_missing:
        try:
            _load_extension(con, "aws")
            options.insert(1, "PROVIDER credential_chain")
        except Exception:  # no aws extension: a keyless secret (public buckets, or endpoints without auth)
            _aws_extension_missing = True
    try:
        con.execute(f"CREATE OR REPLACE SECRET isone_s3 ({', '.join(options)})")
    except duckdb.Error as exc:
        # The statement holds the credentials: report the kind of error only.
        raise WarehouseError(f"cannot configure S3 access for {data_path}: {type(exc).__name__}") from None


_NO_CATALOG = "creating a new DuckLake is explicitly disabled"
"""DuckDB's words when `CREATE_IF_NOT_EXISTS false` (or READ_ONLY) meets a missing or empty catalog."""


def _attach(con: duckdb.DuckDBPyConnection, config: WarehouseConfig, *, read_only: bool) -> None:
    """ATTACH the catalog as `isone` (retrying while a SQLite catalog is busy) and `USE` it.

    A writer never creates a catalog where data files already exist (audit case 29: a deleted SQLite catalog
    was silently re-created, every other table's files orphaned): the first attach may not create one; only
    when it finds no catalog AND no data file under the data path is a new catalog made.
    """
    existing_only = ["READ_ONLY" if read_only else "CREATE_IF_NOT_EXISTS false"]
    try:
        _attach_with_retries(con, config, existing_only)
    except _MissingCatalog:
        files = count_data_files(config, con)
        if read_only or files:
            _attach_again_or_refuse(con, config, existing_only, files)
        else:
            _attach_with_retries(con, config, [])  # a new warehouse: no catalog, no data yet
    con.execute(f"USE {CATALOG_ALIAS}")


def _attach_again_or_refuse(
    con: duckdb.DuckDBPyConnection, config: WarehouseConfig, options: list[str], files: int
) -> None:
    """One more look before calling the catalog lost: the first writer of a new warehouse may have created it
    (and written files) between our attach and our count."""
    try:
        _attach_with_retries(con, config, options)
    except _MissingCatalog:
        raise _missing_catalog_error(config, files) from None


class _MissingCatalog(Exception):
    """The attach found no DuckLake catalog (and was not allowed to create one)."""


def _attach_with_retries(con: duckdb.DuckDBPyConnection, config: WarehouseConfig, options: list[str]) -> None:
    options = [f"DATA_PATH {_sql_str(config.data_path)}", *options]
    attach = f"ATTACH {_sql_str(config.attach_target)} AS {CATALOG_ALIAS} ({', '.join(options)})"
    for attempt in range(WRITE_ATTEMPTS):
        try:
            con.execute(attach)
            return
        except duckdb.Error as exc:
            if attempt + 1 < WRITE_ATTEMPTS and is_retryable(exc):
                _backoff(attempt)
                continue
            if _NO_CATALOG in str(exc):
                raise _MissingCatalog() from None
            raise WarehouseError(
                _redact(f"cannot attach the warehouse catalog {config.attach_target!r}: {exc}")
            ) from None


def count_data_files(config: WarehouseConfig, con: duckdb.DuckDBPyConnection | None = None) -> int:
    """How many Parquet files lie under the data path: DuckDB's `glob` on `con` (which has the S3 secret for an
    `s3://` path); without `con`, a local path is counted directly and a remote one as 0."""
    pattern = config.data_path.rstrip("/") + "/**/*.parquet"
    if con is not None:
        return con.execute("SELECT count(*) FROM glob(?)", [pattern]).fetchone()[0]
    if "://" in config.data_path or not Path(config.data_path).is_dir():
        return 0
    return sum(1 for _ in Path(config.data_path).rglob("*.parquet"))


def _missing_catalog_error(config: WarehouseConfig, files: int) -> WarehouseError:
    """No catalog: a lost one when data files exist (say how to restore it), else a warehouse not filled yet."""
    catalog = _redact(config.attach_target)
    if not files:
        return WarehouseNotFoundError(
            f"no warehouse catalog in {catalog!r}: nothing has been materialized into this warehouse yet "
            "(materialize the std assets first, or fix ISONE_CATALOG_URL)"
        )
    return CatalogLostError(
        f"the warehouse catalog {catalog!r} is missing or empty, but the data path {config.data_path} holds "
        f"{files} data file(s) that only a catalog can make sense of; refusing to create a new, empty catalog "
        "(it would orphan them). Restore the catalog from its latest backup: `isone-platform restore-catalog` "
        "(SQLite; docs/restore.md), or the PostgreSQL database's own backup. To start over on purpose, move the "
        "data files away first."
    )


def _new_database() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a memory limit (`ISONE_DUCKDB_MEMORY_LIMIT`, default 1GB) that spills to the
    system temp directory beyond it. DuckDB's default, 80 % of RAM, let one check over a month of all-node LMPs
    take 1.5 GB while other runs shared the machine."""
    spill = Path(tempfile.gettempdir()) / "isone-duckdb-spill"
    return duckdb.connect(":memory:", config={
        "memory_limit": os.environ.get("ISONE_DUCKDB_MEMORY_LIMIT") or "1GB",
        "temp_directory": str(spill),
    })


def open_connection(config: WarehouseConfig, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection with the warehouse attached as `isone` and selected (`USE isone`).

    Readers (`read_only=True`) never block writers and are never blocked by them. Writers should keep the
    connection short (open, one transaction, close). The session time zone is UTC.
    Costs ~0.3-0.4 s (DuckDB verifies the extensions' signatures on every LOAD into a new database).
    """
    _prepare_local_paths(config, read_only=read_only)
    con = _new_database()
    try:
        con.execute("SET TimeZone = 'UTC'")
        _load_extensions_for(con, config)
        _attach(con, config, read_only=read_only)
    except BaseException:
        con.close()
        raise
    return con


def open_read_only_connection(config: WarehouseConfig) -> GuardedConnection:
    """The analysts' connection (`isone_platform.warehouse.connect()`): `open_connection(read_only=True)`, then
    the session locked down and every statement guarded (`lib/read_only.py`), so it reads the std/mart tables
    and views and nothing else: no ATTACH, COPY, EXPORT, INSTALL/LOAD, CREATE SECRET or access settings.
    Its own in-memory DuckDB: the lock is database-wide, and the pipeline's connections keep full access."""
    con = open_connection(config, read_only=True)
    try:
        lock_down(con, config.data_path)
    except BaseException:
        con.close()
        raise
    return GuardedConnection(con)


# One in-memory DuckDB per process for this module's own reads and writes, so the extensions are loaded (and
# their signatures checked, ~0.2 s each) once per process rather than once per call. The catalog is still
# attached and detached around every call: no writer stays attached between replaces. Calls within one process
# are serialized (writers would contend for the catalog anyway).
_writer_db: duckdb.DuckDBPyConnection | None = None
_writer_pid: int | None = None
_writer_lock = threading.RLock()


@contextmanager
def _session(config: WarehouseConfig, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    global _writer_db, _writer_pid
    _prepare_local_paths(config, read_only=read_only)
    with _writer_lock:
        if _writer_db is None or _writer_pid != os.getpid():
            _writer_db, _writer_pid = _new_database(), os.getpid()
        con = _writer_db.cursor()
        try:
            con.execute("SET TimeZone = 'UTC'")
            _load_extensions_for(con, config)
            _attach(con, config, read_only=read_only)
            yield con
        finally:
            try:
                con.execute("USE memory")
                con.execute(f"DETACH DATABASE IF EXISTS {CATALOG_ALIAS}")
            finally:
                con.close()


# ---------------------------------------------------------------------------------------------------------------
# tables and views


def _existing_columns(con: duckdb.DuckDBPyConnection, schema: TableSchema) -> list[tuple[str, str, bool]] | None:
    rows = con.execute(
        """
        SELECT column_name, data_type, is_nullable = 'YES'
        FROM information_schema.columns
        WHERE table_catalog = ? AND table_schema = ? AND table_name = ?
        ORDER BY ordinal_position
        """,
        [CATALOG_ALIAS, schema.layer, schema.name],
    ).fetchall()
    return [(r[0], r[1], bool(r[2])) for r in rows] or None


def _expected_columns(schema: TableSchema) -> list[tuple[str, str, bool]]:
    not_null = set(schema.not_null_columns)
    return [(name, dtype, name not in not_null) for name, dtype in schema.duckdb_columns()]


def _describe_mismatch(actual: list[tuple[str, str, bool]], expected: list[tuple[str, str, bool]]) -> str:
    a_names, e_names = [c[0] for c in actual], [c[0] for c in expected]
    parts = []
    missing = [n for n in e_names if n not in a_names]
    extra = [n for n in a_names if n not in e_names]
    if missing:
        parts.append(f"missing column(s) {missing}")
    if extra:
        parts.append(f"unexpected column(s) {extra}")
    a_by, e_by = {c[0]: c for c in actual}, {c[0]: c for c in expected}
    for name in e_names:
        if name in a_by:
            if a_by[name][1] != e_by[name][1]:
                parts.append(f"{name}: type {a_by[name][1]} in the table, {e_by[name][1]} in the schema")
            if a_by[name][2] != e_by[name][2]:
                nullable = lambda c: "NULL" if c[2] else "NOT NULL"  # noqa: E731
                parts.append(f"{name}: {nullable(a_by[name])} in the table, {nullable(e_by[name])} in the schema")
    if not missing and not extra and a_names != e_names:
        parts.append(f"column order {a_names} in the table, {e_names} in the schema")
    return "; ".join(parts)


def _create_table_sql(schema: TableSchema) -> str:
    cols = ",\n  ".join(
        f'"{name}" {dtype}{"" if nullable else " NOT NULL"}' for name, dtype, nullable in _expected_columns(schema)
    )
    return f"CREATE TABLE IF NOT EXISTS {schema.qualified_name} (\n  {cols}\n)"


def ensure_tables(con: duckdb.DuckDBPyConnection, schemas: Iterable[TableSchema]) -> None:
    """Create the schemas and tables that do not exist yet, check the ones that do, (re)create the analyst views.

    Tables partitioned on `operating_day` get DuckLake partitioning on it (one set of Parquet files per day).
    An existing table whose columns (names, DuckDB types, nullability, order) differ from the schema registry
    raises `SchemaMismatchError`; there are no automatic migrations.
    """
    schemas = list(schemas)
    for layer in sorted({s.layer for s in schemas}):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    for schema in schemas:
        existing = _existing_columns(con, schema)
        expected = _expected_columns(schema)
        if existing is None:
            con.execute("BEGIN")
            try:
                con.execute(_create_table_sql(schema))
                if schema.partition_column is not None:
                    con.execute(f"ALTER TABLE {schema.qualified_name} SET PARTITIONED BY ({schema.partition_column})")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        elif existing != expected:
            raise SchemaMismatchError(
                f"warehouse table {CATALOG_ALIAS}.{schema.qualified_name} does not match the schema registry: "
                f"{_describe_mismatch(existing, expected)}. Migrate or drop the table (no automatic migrations yet)."
            )
    ensure_views(con)


_LMP_VIEW_SOURCES = (
    ("isone__lmp_da_hourly", "DA", "hourly"),
    ("isone__lmp_rt_hourly", "RT", "hourly"),
    ("isone__lmp_rt_5min", "RT", "5min"),
)


def analyst_view_sql(existing_tables: set[str]) -> dict[str, str]:
    """The analyst views (name -> SELECT) that can be built from the std tables present."""
    views: dict[str, str] = {}
    if "isone__system_load_5min" in existing_tables:
        views["system_load"] = (
            "SELECT interval_begin_utc AS ts_utc, operating_day, load_mw, native_load_mw, ard_demand_mw, "
            "system_load_btm_pv_mw, native_load_btm_pv_mw FROM std.isone__system_load_5min"
        )
    if "isone__zonal_load_5min" in existing_tables:
        views["zonal_load"] = (
            "SELECT interval_begin_utc AS ts_utc, operating_day, zone_id, zone_name, load_mw, btm_pv_mw "
            "FROM std.isone__zonal_load_5min"
        )
    lmp_parts = [
        f"SELECT interval_begin_utc AS ts_utc, operating_day, '{market}' AS market, '{resolution}' AS resolution, "
        "location_id, location_name, location_type, lmp, energy_component AS energy, "
        f"congestion_component AS congestion, loss_component AS loss, price_status FROM std.{name}"
        for name, market, resolution in _LMP_VIEW_SOURCES
        if name in existing_tables
    ]
    if len(lmp_parts) == 1:
        views["lmp"] = lmp_parts[0]
    elif lmp_parts:  # parenthesized, as DuckDB stores it (ensure_views compares with the stored text)
        views["lmp"] = " UNION ALL ".join(f"({part})" for part in lmp_parts)
    if "isone__fuel_mix" in existing_tables:
        views["fuel_mix"] = (
            "SELECT interval_begin_utc AS ts_utc, operating_day, fuel_category, fuel_category_rollup, gen_mw, "
            "is_marginal FROM std.isone__fuel_mix"
        )
    return views


def _normalize_sql(sql: str) -> str:
    # DuckDB re-renders a view's SQL (parentheses, spacing): compare without whitespace, `;` or case
    return re.sub(r"[\s;]+", "", sql).lower()


def ensure_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the analyst views in the catalog's default schema (`isone.main`) where they are out of date.

    Only views whose definition changed are replaced, so concurrent writers do not keep rewriting the catalog.
    """
    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'std' "
            "AND table_type = 'BASE TABLE'",
            [CATALOG_ALIAS],
        ).fetchall()
    }
    current = {
        r[0]: r[1]
        for r in con.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE database_name = ? AND schema_name = 'main'", [CATALOG_ALIAS]
        ).fetchall()
    }
    for name, body in analyst_view_sql(tables).items():
        wanted = f"CREATE VIEW {name} AS {body}"
        if name in current and _normalize_sql(current[name]) == _normalize_sql(wanted):
            continue
        con.execute(f"CREATE OR REPLACE VIEW main.{name} AS {body}")


# ---------------------------------------------------------------------------------------------------------------
# writes and reads


def _days_sql(days: Iterable[date]) -> str:
    return ", ".join(f"DATE '{d.isoformat()}'" for d in sorted(set(days)))


def _check_days(schema: TableSchema, df: pl.DataFrame, days: Sequence[date] | None) -> list[date] | None:
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
    the old ones. But only the current day's frame needs to be in memory: a 30-day backfill of the all-node RT
    5-minute LMPs is ~10 M rows as one frame.

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
        elif day not in wanted:
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
        return f"DELETE FROM {self.schema.qualified_name} WHERE {self.schema.partition_column} IN ({_days_sql(days)})"

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
            if (config, schema.qualified_name) not in _ensured:
                ensure_tables(con, [schema])
                _ensured.add((config, schema.qualified_name))
            return _in_transaction(con, schema, lambda: _write(con, _Statements(schema), frames(), wanted, guard))

    return _with_write_retries(replace_once)


def _with_write_retries(work: Callable[[], T]) -> T:
    """`work()`, run again with jittered backoff while it fails on a lock or commit conflict between writers."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return work()
        except duckdb.Error as exc:
            if attempt + 1 < WRITE_ATTEMPTS and is_retryable(exc):
                _backoff(attempt)
                continue
            raise
    raise AssertionError("unreachable")


# (config, table) pairs this process has already created or checked: ensure_tables costs ~0.15 s of catalog
# queries, too much to repeat on every replace. The schema registry does not change within a process.
_ensured: set[tuple[WarehouseConfig, str]] = set()


def _in_transaction(con: duckdb.DuckDBPyConnection, schema: TableSchema, work: Callable[[], T]) -> T:
    """`work()` between BEGIN and COMMIT; any failure (COMMIT's own included) rolls back."""
    con.execute("BEGIN")
    try:
        result = work()
        if _before_commit is not None:
            _before_commit(con, schema)
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # a failed COMMIT has already ended the transaction
        raise
    return result


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
    if frame.height:
        _insert(con, sql.insert, frame)
    return frame.height


def _insert(con: duckdb.DuckDBPyConnection, insert: str, frame: pl.DataFrame) -> None:
    """Run `insert`, which reads `_isone_new_rows`, with `frame` as that table.

    Through DuckDB's replacement scan of this function's local variable, not `con.register`: a view registered
    (and unregistered) inside a transaction stays in the catalog until COMMIT and keeps its Arrow data alive,
    so a multi-day write would hold every day's rows until the end (measured: ~100 MB per all-node RT 5-minute
    day). The replacement scan lets go of the data when the statement ends.
    """
    _isone_new_rows = frame.to_arrow()  # noqa: F841 - read by the SQL, by name
    con.execute(insert)


def read_partitions(
    config: WarehouseConfig,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pl.DataFrame:
    """The rows of `days` (all rows if None), in the schema's column order and dtypes, sorted by primary key."""
    cols = ", ".join(f'"{c}"' for c in schema.column_names)
    where = ""
    if days is not None:
        if schema.partition_column is None:
            raise ValueError(f"{schema.qualified_name} is not partitioned: read it with days=None")
        if not days:
            return schema.empty_frame()
        where = f" WHERE {schema.partition_column} IN ({_days_sql(days)})"
    order = ", ".join(f'"{c}"' for c in schema.primary_key)
    query = f"SELECT {cols} FROM {schema.qualified_name}{where} ORDER BY {order}"
    if con is not None:
        arrow = con.execute(query).to_arrow_table()
    else:
        with _session(config, read_only=True) as session:
            arrow = session.execute(query).to_arrow_table()
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    return schema.conform(frame)


@dataclass(frozen=True)
class MaintenanceReport:
    snapshots_expired: int
    files_deleted: int
    snapshots_left: int


def expire_and_clean(config: WarehouseConfig, keep: timedelta) -> MaintenanceReport:
    """Expire the catalog's snapshots older than `keep` and delete the Parquet files only they referenced.

    Every replace is a snapshot and keeps the replaced day's files for time travel: polling today rewrites its
    all-node LMP rows every 5 minutes, so without this the data path grows by every old copy. Time travel stays
    possible within `keep`; a reader on a snapshot older than that loses its files, so `keep` must outlast the
    longest query. Retried like a write on catalog conflicts.
    """
    if keep < timedelta(0):
        raise ValueError(f"keep must not be negative, got {keep}")
    cutoff = f"now() - INTERVAL '{int(keep.total_seconds())} seconds'"

    def maintain() -> MaintenanceReport:
        with _session(config, read_only=False) as con:
            expired = con.execute(f"CALL ducklake_expire_snapshots('{CATALOG_ALIAS}', older_than => {cutoff})").fetchall()
            # Files of the snapshots just expired: no snapshot within `keep` references them.
            deleted = con.execute(f"CALL ducklake_cleanup_old_files('{CATALOG_ALIAS}', older_than => now())").fetchall()
            left = con.execute(f"SELECT count(*) FROM {CATALOG_ALIAS}.snapshots()").fetchone()[0]
            return MaintenanceReport(len(expired), len(deleted), left)

    return _with_write_retries(maintain)


ORPHAN_MIN_AGE = timedelta(hours=48)
"""How old an unreferenced data file must be before `delete_orphaned_files` removes it. A writer's Parquet files
exist before its COMMIT makes the catalog reference them (a 30-day backfill transaction runs for minutes), so
a young unreferenced file may be a write in progress; 48 hours outlasts any transaction by far."""


def delete_orphaned_files(config: WarehouseConfig, min_age: timedelta = ORPHAN_MIN_AGE) -> int:
    """Delete the data files under the data path that no snapshot of the catalog references and that are older
    than `min_age` (DuckLake's `ducklake_delete_orphaned_files`, by file modification time); return how many.

    Orphans come from writes that died between writing their Parquet files and committing (audit cases 16, 18,
    22: an S3 outage, kill -9, a full disk); `expire_and_clean` only removes files the catalog once knew.
    Only DuckLake's own `.parquet` files are considered; files a snapshot within the retention still
    references are kept.
    """
    if min_age < timedelta(0):
        raise ValueError(f"min_age must not be negative, got {min_age}")
    cutoff = f"now() - INTERVAL '{int(min_age.total_seconds())} seconds'"

    def delete() -> int:
        with _session(config, read_only=False) as con:
            return len(con.execute(
                f"CALL ducklake_delete_orphaned_files('{CATALOG_ALIAS}', older_than => {cutoff})"
            ).fetchall())

    return _with_write_retries(delete)


CATALOG_BACKUP_PREFIX = "backups/catalog"
"""Where in the lake (`ISONE_LAKE_URL`) the daily copies of the SQLite catalog go."""

CATALOG_BACKUPS_KEPT = 7
"""How many daily catalog copies `backup_sqlite_catalog` keeps (the newest)."""

_BACKUP_NAME = re.compile(r"^catalog-(\d{8}T\d{6}Z)\.sqlite$")


def backup_sqlite_catalog(config: WarehouseConfig, lake: Lake, *, now: datetime | None = None) -> str | None:
    """Copy the SQLite catalog into the lake as `backups/catalog/catalog-<UTC time>.sqlite`, keep the newest
    `CATALOG_BACKUPS_KEPT`, and return the new key (None for a PostgreSQL catalog: its database's own backups
    cover it).

    A consistent copy through SQLite's online backup API, never a file copy: the catalog runs in WAL mode, so
    the main file alone can miss committed transactions, and a writer may commit during the copy. The copy is
    switched out of WAL mode (one self-contained file) and integrity-checked before it is stored.
    """
    if config.sqlite_path is None:
        return None
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    key = f"{CATALOG_BACKUP_PREFIX}/catalog-{stamp}.sqlite"
    with tempfile.TemporaryDirectory(prefix="isone-catalog-backup-") as scratch:
        copy = Path(scratch) / "catalog.sqlite"
        _consistent_sqlite_copy(config.sqlite_path, copy)
        lake.put(key, copy.read_bytes())
    for old in catalog_backups(lake)[:-CATALOG_BACKUPS_KEPT]:
        lake.delete([old])
    return key


def _consistent_sqlite_copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise WarehouseError(f"cannot back up the warehouse catalog: {source} does not exist")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        result = dst.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if result != "ok":
        raise WarehouseError(f"the copy of the warehouse catalog {source} fails SQLite's quick_check: {result}")


def catalog_backups(lake: Lake) -> list[str]:
    """The catalog copies in the lake, oldest first (their names sort by time)."""
    keys = [k for k in lake.list(CATALOG_BACKUP_PREFIX) if _BACKUP_NAME.match(k.rsplit("/", 1)[-1])]
    return sorted(keys, key=lambda k: k.rsplit("/", 1)[-1])


def restore_sqlite_catalog(config: WarehouseConfig, lake: Lake, key: str | None = None) -> str:
    """Put a catalog copy from the lake (`key`, default the newest) back as the SQLite catalog; return its key.

    Refuses to overwrite a catalog that still holds a DuckLake (move it away first: it may be the newer one).
    The data files the copy references come back into view; files written after the copy stay orphans, and
    their days must be materialized again (docs/restore.md).
    """
    path = config.sqlite_path
    if path is None:
        raise WarehouseError("a PostgreSQL catalog is restored from the database's own backups (docs/restore.md)")
    if _holds_ducklake(path):
        raise WarehouseError(f"{path} already holds a warehouse catalog: move it away before restoring a backup")
    backups = catalog_backups(lake)
    if key is None and not backups:
        raise WarehouseError(f"no catalog backup under {lake.url}/{CATALOG_BACKUP_PREFIX}/ to restore from")
    key = key or backups[-1]
    _replace_sqlite_file(path, lake.get(key))
    return key


def _holds_ducklake(path: Path) -> bool:
    """Whether `path` is a DuckLake catalog (an unreadable file is an error: it is set aside by hand, not
    overwritten)."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ducklake_snapshot'").fetchone()[0] > 0
    except sqlite3.DatabaseError as exc:
        raise WarehouseError(
            f"{path} is not a readable SQLite catalog ({exc}): move it and its -wal/-shm files aside (keep them "
            "for inspection) before restoring a backup"
        ) from None
    finally:
        con.close()


def _replace_sqlite_file(path: Path, data: bytes) -> None:
    """Write `data` as the SQLite file at `path` atomically, dropping the old file's WAL and shared-memory files
    (a stale WAL beside a different database file would be replayed into it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".restore-", suffix=".sqlite")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, path)
    _wal_checked.discard(path)


def std_table(name: str) -> TableSchema:
    """The std table called `name` (`isone__…`), with an error listing the known ones."""
    try:
        return STD_TABLES[name]
    except KeyError:
        raise WarehouseError(f"unknown warehouse table {name!r}; known std tables: {sorted(STD_TABLES)}") from None
