"""Connections to the warehouse: an in-memory DuckDB with the DuckLake catalog attached as `isone`.

Why connections are short-lived: a DuckLake reader holds a read-only attach and sees committed snapshots while
writers replace partitions; a writer attaches for one transaction and detaches, so no process stays attached as
a writer between replaces. Analysts get `open_read_only_connection`, locked down by `lib/read_only.py`.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from isone_platform.lib.read_only import GuardedConnection, lock_down
from isone_platform.lib.warehouse.catalog import _attach, _ensure_sqlite_wal, _refuse_missing_sqlite_catalog
from isone_platform.lib.warehouse.config import CATALOG_ALIAS, DEFAULT_MEMORY_LIMIT, WarehouseConfig
from isone_platform.lib.warehouse.extensions import load_extensions


def _prepare_local_paths(config: WarehouseConfig, *, read_only: bool) -> None:
    """Before attaching: refuse a missing SQLite catalog (see `_refuse_missing_sqlite_catalog`); for a writer,
    create the local directories DuckLake expects to exist and put the SQLite catalog in WAL mode."""
    sqlite_path = config.sqlite_path
    if sqlite_path is not None:
        if not sqlite_path.exists():
            _refuse_missing_sqlite_catalog(config, sqlite_path, read_only=read_only)
        if not read_only:
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            _ensure_sqlite_wal(sqlite_path)
    if not read_only and "://" not in config.data_path:
        Path(config.data_path).mkdir(parents=True, exist_ok=True)


def prepare_local_paths(config: WarehouseConfig) -> None:
    """What a writer needs before it attaches: the local catalog directory and data path, a SQLite catalog in WAL
    mode (dbt attaches as a writer without going through `open_connection`)."""
    _prepare_local_paths(config, read_only=False)


def _new_database(memory_limit: str = DEFAULT_MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a memory limit (the config's `ISONE_DUCKDB_MEMORY_LIMIT`, default 1GB) that
    spills to the system temp directory beyond it. DuckDB's default, 80 % of RAM, let one check over a month of
    all-node LMPs take 1.5 GB while other runs shared the machine."""
    spill = Path(tempfile.gettempdir()) / "isone-duckdb-spill"
    return duckdb.connect(
        ":memory:",
        config={
            "memory_limit": memory_limit,
            "temp_directory": str(spill),
        },
    )


def open_connection(config: WarehouseConfig, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection with the warehouse attached as `isone` and selected (`USE isone`).

    Readers (`read_only=True`) never block writers and are never blocked by them. Writers should keep the
    connection short (open, one transaction, close). The session time zone is UTC.
    Costs ~0.3-0.4 s (DuckDB verifies the extensions' signatures on every LOAD into a new database).
    """
    _prepare_local_paths(config, read_only=read_only)
    con = _new_database(config.memory_limit)
    try:
        con.execute("SET TimeZone = 'UTC'")
        load_extensions(con, config)
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


def open_export_connection(config: WarehouseConfig, staging_dir: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection for `isone-platform export`: the analysts' lock-down, except that COPY may write into
    `staging_dir` (and nowhere else). Without the statement guard, which refuses every COPY: the export runs only
    SQL it builds itself from the schema registry, never SQL a user typed."""
    con = open_connection(config, read_only=True)
    try:
        lock_down(con, config.data_path, also_allowed=(f"{str(staging_dir).rstrip('/')}/",))
    except BaseException:
        con.close()
        raise
    return con


# One in-memory DuckDB per process for this module's own reads and writes, so the extensions are loaded (and
# their signatures checked, ~0.2 s each) once per process rather than once per call. The catalog is still
# attached and detached around every call: no writer stays attached between replaces. Calls within one process
# are serialized (writers would contend for the catalog anyway).
_writer_db: duckdb.DuckDBPyConnection | None = None
_writer_pid: int | None = None
_writer_lock = threading.RLock()


@contextmanager
def _session(config: WarehouseConfig, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on this process's shared in-memory DuckDB with the catalog attached, detached again on exit."""
    global _writer_db, _writer_pid
    _prepare_local_paths(config, read_only=read_only)
    with _writer_lock:
        if _writer_db is None or _writer_pid != os.getpid():
            _writer_db, _writer_pid = _new_database(config.memory_limit), os.getpid()
        con = _writer_db.cursor()
        try:
            con.execute("SET TimeZone = 'UTC'")
            load_extensions(con, config)
            _attach(con, config, read_only=read_only)
            yield con
        finally:
            try:
                con.execute("USE memory")
                con.execute(f"DETACH DATABASE IF EXISTS {CATALOG_ALIAS}")
            finally:
                con.close()
