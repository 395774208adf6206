"""Warehouse upkeep, daily: expire old DuckLake snapshots and delete the Parquet files only they referenced,
delete orphaned data files, and copy the SQLite catalog into the lake.

Every std replace and mart build is a snapshot that keeps the replaced rows' files for time travel. Polling alone
rewrites today's all-node LMP day every 5 minutes, so the data path would keep every old copy of it. The
`isone_warehouse_maintenance` schedule (daily, 04:30 America/New_York, on by default) keeps
`ISONE_SNAPSHOT_RETENTION_HOURS` (24) of history.

Writes that die between writing their files and committing (an S3 outage, kill -9, a full disk) leave files no
catalog knows; those older than `ISONE_ORPHAN_MIN_AGE_HOURS` (default `ORPHAN_MIN_AGE`, 48 h) are deleted.

Losing the SQLite catalog loses the meaning of every data file (audit case 29), so the job also stores a
consistent copy of it in the lake under `backups/catalog/`, keeping the newest `CATALOG_BACKUPS_KEPT` (7);
`docs/restore.md` says how to restore one. A PostgreSQL catalog is left to the database's own backups.

Raw bodies a later landing superseded are kept in the lake's `archive/` (so a stored std day can be rebuilt
from the bodies it came from) for `ISONE_RAW_ARCHIVE_DAYS` (default `DEFAULT_RAW_ARCHIVE_DAYS`, 30), then pruned.
"""

from datetime import timedelta

import dagster as dg

from isone_platform.lib.ingest_assets import WAREHOUSE_POOL
from isone_platform.lib.io_managers import DuckLakeIOManager
from isone_platform.lib.lake import DEFAULT_RAW_ARCHIVE_DAYS, RawLakeIOManager, prune_archive
from isone_platform.lib.settings import env_count
from isone_platform.lib.warehouse import (
    CATALOG_BACKUPS_KEPT,
    ORPHAN_MIN_AGE,
    backup_sqlite_catalog,
    delete_orphaned_files,
    expire_and_clean,
)


class MaintenanceConfig(dg.Config):
    retention_hours: int = env_count("ISONE_SNAPSHOT_RETENTION_HOURS", 24)


class OrphanConfig(dg.Config):
    min_age_hours: int = env_count("ISONE_ORPHAN_MIN_AGE_HOURS", int(ORPHAN_MIN_AGE.total_seconds() // 3600))


@dg.op(pool=WAREHOUSE_POOL, description="Expire snapshots older than the retention and delete their files.")
def expire_old_snapshots(
    context: dg.OpExecutionContext, config: MaintenanceConfig, warehouse_io_manager: dg.ResourceParam[DuckLakeIOManager]
) -> None:
    report = expire_and_clean(warehouse_io_manager.config, timedelta(hours=config.retention_hours))
    context.log.info(
        f"expired {report.snapshots_expired} snapshot(s) older than {config.retention_hours} h, deleted "
        f"{report.files_deleted} file(s); {report.snapshots_left} snapshot(s) left"
    )
    context.add_output_metadata(
        {
            "snapshots_expired": report.snapshots_expired,
            "files_deleted": report.files_deleted,
            "snapshots_left": report.snapshots_left,
            "retention_hours": config.retention_hours,
        }
    )


@dg.op(
    pool=WAREHOUSE_POOL,
    ins={"after": dg.In(dg.Nothing)},
    description="Delete data files no snapshot references, older than the safety age.",
)
def delete_orphaned_data_files(
    context: dg.OpExecutionContext, config: OrphanConfig, warehouse_io_manager: dg.ResourceParam[DuckLakeIOManager]
) -> None:
    deleted = delete_orphaned_files(warehouse_io_manager.config, timedelta(hours=config.min_age_hours))
    context.log.info(f"deleted {deleted} orphaned data file(s) older than {config.min_age_hours} h")
    context.add_output_metadata({"orphans_deleted": deleted, "min_age_hours": config.min_age_hours})


@dg.op(ins={"after": dg.In(dg.Nothing)}, description="Copy the SQLite catalog into the lake; keep the newest copies.")
def back_up_catalog(
    context: dg.OpExecutionContext,
    warehouse_io_manager: dg.ResourceParam[DuckLakeIOManager],
    raw_lake_io_manager: dg.ResourceParam[RawLakeIOManager],
) -> None:
    lake = raw_lake_io_manager.lake()
    key = backup_sqlite_catalog(warehouse_io_manager.config, lake)
    if key is None:
        context.log.info("PostgreSQL catalog: backed up by the database's own backups, not by this job")
        return
    context.log.info(f"catalog copied to {lake.url}/{key}; the newest {CATALOG_BACKUPS_KEPT} copies are kept")
    context.add_output_metadata({"backup": dg.MetadataValue.path(f"{lake.url}/{key}")})


class ArchiveConfig(dg.Config):
    keep_days: int = env_count("ISONE_RAW_ARCHIVE_DAYS", DEFAULT_RAW_ARCHIVE_DAYS)


@dg.op(description="Delete raw bodies superseded longer ago than the archive keeps them.")
def prune_raw_archive(
    context: dg.OpExecutionContext, config: ArchiveConfig, raw_lake_io_manager: dg.ResourceParam[RawLakeIOManager]
) -> None:
    lake = raw_lake_io_manager.lake()
    deleted = prune_archive(lake, config.keep_days)
    context.log.info(f"deleted {deleted} archived raw object(s) superseded more than {config.keep_days} day(s) ago")
    context.add_output_metadata({"archived_objects_deleted": deleted, "keep_days": config.keep_days})


@dg.job(
    description="Expire old warehouse snapshots, delete files no snapshot needs, back up the SQLite catalog, "
    "prune the raw archive."
)
def isone_warehouse_maintenance():
    back_up_catalog(after=delete_orphaned_data_files(after=expire_old_snapshots()))
    prune_raw_archive()


isone_warehouse_maintenance_schedule = dg.ScheduleDefinition(
    name="isone_warehouse_maintenance_daily",
    job=isone_warehouse_maintenance,
    cron_schedule="30 4 * * *",  # a quiet hour: before the 07:00 finalize, between polls
    execution_timezone="America/New_York",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
