"""`DuckLakeResource`: the one warehouse every part of the platform uses (resource key `warehouse`).

Why one resource: std assets, the asset checks, the dbt marts, the mart checks, maintenance, polling and the
`dq`/`doctor` commands used to find the warehouse each their own way (`WarehouseConfig.from_env()`, the IO
manager's config, private loaders), so a test or a deployment could point them at different warehouses. Built
once from the settings (`DuckLakeResource.from_settings`) in `build_resources`; the warehouse IO manager stays
the storage/loading layer on the same catalog and data path.

Its config holds no credentials: S3 keys come from the settings of the process that uses it (`lib/aws.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import TYPE_CHECKING

import dagster as dg
import duckdb
import polars as pl
from pydantic import Field

from isone_platform.lib.schemas import TableSchema
from isone_platform.lib.settings import Settings
from isone_platform.lib.warehouse.config import DEFAULT_MEMORY_LIMIT, WarehouseConfig

if TYPE_CHECKING:
    from isone_platform.lib.read_only import GuardedConnection


class DuckLakeResource(dg.ConfigurableResource):
    """The DuckLake warehouse: read-only connections, atomic day replaces (retried on writer conflicts),
    maintenance and the catalog backup, all on one catalog and data path."""

    catalog: str = Field(description="the DuckLake catalog after `ducklake:` (sqlite:/abs/path or postgres:…)")
    data_path: str = Field(description="where the Parquet files go: an absolute directory or s3://…/, ending in /")
    memory_limit: str = Field(default=DEFAULT_MEMORY_LIMIT, description="DuckDB memory limit per connection")

    @classmethod
    def from_settings(cls, settings: Settings) -> DuckLakeResource:
        return cls.from_config(WarehouseConfig.from_settings(settings))

    @classmethod
    def from_config(cls, config: WarehouseConfig) -> DuckLakeResource:
        return cls(catalog=config.catalog, data_path=config.data_path, memory_limit=config.memory_limit)

    @property
    def config(self) -> WarehouseConfig:
        """The `WarehouseConfig` the warehouse functions take (no credentials: see the module docstring)."""
        return WarehouseConfig(catalog=self.catalog, data_path=self.data_path, memory_limit=self.memory_limit)

    @contextmanager
    def connect(self, *, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection with the warehouse attached as `isone` and selected, closed on exit. Readers never
        block writers; a writer should keep it to one transaction."""
        from isone_platform.lib.warehouse.connect import open_connection

        con = open_connection(self.config, read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def analyst_connection(self) -> GuardedConnection:
        """The analysts' guarded read-only connection (`lib/read_only.py`): reads std/mart tables and views and
        nothing else. The caller closes it."""
        from isone_platform.lib.warehouse.connect import open_read_only_connection

        return open_read_only_connection(self.config)

    def replace_days(
        self,
        schema: TableSchema,
        frames: Iterable[tuple[date | None, pl.DataFrame]],
        days: Sequence[date] | None,
        *,
        guard=None,
    ) -> int:
        """Replace `days` of `schema`'s table with `frames` (one `(day, frame)` per day) in one transaction,
        retried on lock/conflict errors between writers (`retry.py`); `guard` may refuse days before commit.
        Returns the rows written."""
        from isone_platform.lib import warehouse

        return warehouse.replace_partitions_streaming(self.config, schema, frames, days, guard=guard)

    def expire_snapshots(self, keep: timedelta):
        """Expire snapshots older than `keep` and delete the files only they referenced (`MaintenanceReport`)."""
        from isone_platform.lib.warehouse.maintenance import expire_and_clean

        return expire_and_clean(self.config, keep)

    def delete_orphaned_files(self, min_age: timedelta) -> int:
        """Delete data files no snapshot references, older than `min_age`."""
        from isone_platform.lib.warehouse.maintenance import delete_orphaned_files

        return delete_orphaned_files(self.config, min_age)

    def backup_catalog(self, lake) -> str | None:
        """Copy a SQLite catalog into `lake` (None for a PostgreSQL catalog)."""
        from isone_platform.lib.warehouse.catalog import backup_sqlite_catalog

        return backup_sqlite_catalog(self.config, lake)

    def load_extensions(self, con: duckdb.DuckDBPyConnection) -> None:
        """Load (installing offline the first time) the extensions this warehouse needs into `con`."""
        from isone_platform.lib.warehouse.extensions import load_extensions

        load_extensions(con, self.config)
