"""Maintenance of the data path: expiring old snapshots and deleting files no snapshot references.

Why it is needed: every replace is a snapshot that keeps the replaced day's files for time travel, and writes
that die before COMMIT leave unreferenced files; without these the data path only grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from isone_platform.lib.warehouse.config import CATALOG_ALIAS, WarehouseConfig
from isone_platform.lib.warehouse.connect import _session
from isone_platform.lib.warehouse.retry import _with_write_retries


@dataclass(frozen=True)
class MaintenanceReport:
    """What `expire_and_clean` did: snapshots expired, data files deleted, snapshots still kept."""

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
            expired = con.execute(
                f"CALL ducklake_expire_snapshots('{CATALOG_ALIAS}', older_than => {cutoff})"
            ).fetchall()
            # Files of the snapshots just expired: no snapshot within `keep` references them.
            deleted = con.execute(f"CALL ducklake_cleanup_old_files('{CATALOG_ALIAS}', older_than => now())").fetchall()
            [(left,)] = con.execute(f"SELECT count(*) FROM {CATALOG_ALIAS}.snapshots()").fetchall()
            return MaintenanceReport(len(expired), len(deleted), left)

    return _with_write_retries(maintain)


ORPHAN_MIN_AGE = timedelta(hours=48)
"""How old an unreferenced data file must be before `delete_orphaned_files` removes it. A writer's Parquet files
exist before its COMMIT makes the catalog reference them (one backfill run's transaction, 15 days by default,
runs for minutes), so a young unreferenced file may be a write in progress; 48 hours outlasts any by far."""


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
            return len(
                con.execute(
                    f"CALL ducklake_delete_orphaned_files('{CATALOG_ALIAS}', older_than => {cutoff})"
                ).fetchall()
            )

    return _with_write_retries(delete)
