"""The DuckLake warehouse that holds the std (and later mart) tables.

Why DuckLake and not one DuckDB file: a DuckDB file has one writer process and refuses readers while it is
written, so an analyst's open session would stall polling and backfills. DuckLake keeps a catalog (SQLite
locally, PostgreSQL in production) plus Parquet data files; readers hold a read-only attach and see committed
snapshots while writers replace partitions in transactions.

The package, by concern:
- `config`      where the warehouse lives (`WarehouseConfig`, `ISONE_CATALOG_URL`) and the errors;
- `connect`     connections (in-memory DuckDB + the catalog attached as `isone`), the read-only analyst one;
- `extensions`  the DuckDB extensions, loaded offline, and the S3 secret for an s3:// data path;
- `catalog`     attaching without ever re-creating a lost catalog, and the catalog's backup and restore;
- `ddl`         tables from the schema registry (checked, never migrated) and the analyst views;
- `write`       atomic partition replaces (`replace_partitions`, `replace_partitions_streaming`, `WriteGuard`);
- `read`        `read_partitions`, `std_table`;
- `maintenance` snapshot expiry and orphaned-file cleanup;
- `retry`       retrying lock/conflict errors between concurrent writers;
- `resource`    `DuckLakeResource`, the one warehouse resource (key `warehouse`) everyone uses.

This `__init__` re-exports every name callers use, so `from isone_platform.lib.warehouse import X` and
`warehouse.X` work as before the split. Dagster only in `resource`: the IO manager (`lib/io_managers.py`) and the
analyst entry point (`isone_platform.warehouse`) build on these functions.
"""

from __future__ import annotations

from isone_platform.lib.warehouse.catalog import (
    CATALOG_BACKUP_PREFIX,
    CATALOG_BACKUPS_KEPT,
    backup_sqlite_catalog,
    catalog_backups,
    count_data_files,
    restore_sqlite_catalog,
)
from isone_platform.lib.warehouse.config import (
    CATALOG_ALIAS,
    DEFAULT_CATALOG_FILE,
    DEFAULT_LAKE_DIR,
    DEFAULT_MEMORY_LIMIT,
    CatalogLostError,
    SchemaMismatchError,
    WarehouseConfig,
    WarehouseError,
    WarehouseNotFoundError,
    parse_catalog_url,
    redact,
)
from isone_platform.lib.warehouse.connect import (
    open_connection,
    open_export_connection,
    open_read_only_connection,
    prepare_local_paths,
)
from isone_platform.lib.warehouse.ddl import analyst_view_sql, ensure_tables, ensure_views
from isone_platform.lib.warehouse.extensions import (
    load_extension,
    load_extensions,
    s3_secret_options,
)
from isone_platform.lib.warehouse.maintenance import (
    ORPHAN_MIN_AGE,
    MaintenanceReport,
    delete_orphaned_files,
    expire_and_clean,
)
from isone_platform.lib.warehouse.read import read_partitions, std_table
from isone_platform.lib.warehouse.resource import DuckLakeResource
from isone_platform.lib.warehouse.retry import WRITE_ATTEMPTS, is_retryable, retries_so_far
from isone_platform.lib.warehouse.write import (
    WriteGuard,
    replace_partitions,
    replace_partitions_streaming,
)

__all__ = [
    "CATALOG_ALIAS",
    "CATALOG_BACKUPS_KEPT",
    "CATALOG_BACKUP_PREFIX",
    "DEFAULT_CATALOG_FILE",
    "DEFAULT_LAKE_DIR",
    "DEFAULT_MEMORY_LIMIT",
    "DuckLakeResource",
    "ORPHAN_MIN_AGE",
    "WRITE_ATTEMPTS",
    "CatalogLostError",
    "MaintenanceReport",
    "SchemaMismatchError",
    "WarehouseConfig",
    "WarehouseError",
    "WarehouseNotFoundError",
    "WriteGuard",
    "analyst_view_sql",
    "backup_sqlite_catalog",
    "catalog_backups",
    "count_data_files",
    "delete_orphaned_files",
    "ensure_tables",
    "ensure_views",
    "expire_and_clean",
    "is_retryable",
    "load_extension",
    "load_extensions",
    "open_connection",
    "open_export_connection",
    "open_read_only_connection",
    "parse_catalog_url",
    "prepare_local_paths",
    "read_partitions",
    "redact",
    "replace_partitions",
    "replace_partitions_streaming",
    "restore_sqlite_catalog",
    "retries_so_far",
    "s3_secret_options",
    "std_table",
]
