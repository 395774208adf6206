"""Analyst entry point to the ISO-NE warehouse.

    >>> from isone_platform.warehouse import connect
    >>> con = connect()                       # read-only; never blocks the pipeline, never blocked by it
    >>> con.sql("select count(*) from std.isone__system_load_5min").fetchone()
    >>> con.sql("select ts_utc, load_mw from system_load where operating_day = date '2024-07-01'").pl()
    >>> con.sql("select market, resolution, avg(lmp) from lmp group by all").show()

Tables are `std.isone__<dataset>` (later `mart.isone__<name>`); the views `system_load`, `zonal_load`, `lmp` and
`fuel_mix` give plain column names (`ts_utc`, `zone_name`, `load_mw`, …). Timestamps are shown in UTC.
The warehouse location comes from `ISONE_CATALOG_URL` / `ISONE_LAKE_URL` (default `./data/`).
"""

from __future__ import annotations

import duckdb

from isone_platform.lib.read_only import GuardedConnection, ReadOnlyViolation
from isone_platform.lib.warehouse import (
    WarehouseConfig,
    WarehouseNotFoundError,
    open_connection,
    open_read_only_connection,
)

__all__ = ["GuardedConnection", "ReadOnlyViolation", "WarehouseConfig", "WarehouseNotFoundError", "connect"]


def connect(
    read_only: bool = True, *, config: WarehouseConfig | None = None
) -> GuardedConnection | duckdb.DuckDBPyConnection:
    """A DuckDB connection to the warehouse (attached as `isone` and selected, so `std.isone__x` resolves).

    Read-only by default: it sees each committed snapshot, can stay open for as long as you like, and neither
    blocks nor is blocked by the pipeline's writes. Read-only means the whole session, not only the catalog:
    statements that write or reach outside the warehouse (ATTACH, DETACH, COPY, EXPORT, INSTALL/LOAD, CREATE
    SECRET, SET of settings) raise `ReadOnlyViolation` (a `duckdb.Error`); tables and views in the in-memory
    `memory` database are yours to create. `read_only=False` is for maintenance only and has full access; keep
    such a connection short, it competes with the pipeline's writers.

    Example::

        con = connect()
        con.sql("select operating_day, max(load_mw) from system_load group by 1 order by 1").show()

    Raises `WarehouseNotFoundError` when no catalog exists yet (materialize the std assets first).
    """
    config = config or WarehouseConfig.from_env()
    return open_read_only_connection(config) if read_only else open_connection(config, read_only=False)
