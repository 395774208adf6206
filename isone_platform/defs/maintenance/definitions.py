"""Warehouse upkeep, daily: expire old DuckLake snapshots and delete the Parquet files only they referenced,
delete orphaned data files, and copy the SQLite catalog into the lake.

Every std replace and mart build is a snapshot that keeps the replaced rows' files for time travel. Polling alone
rewrites today's all-node LMP day every 5 minutes, so the data path would keep every old copy of it. The
`isone_warehouse_maintenance` schedule (daily, 04:30 America/New_York, on by default) keeps
`ISONE_SNAPSHOT_RETENTION_HOURS` (24) of history. The settings give the job's default run config
(`build_maintenance_job(settings)`, built when the definitions load); the launchpad can override it per run.

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
from isone_platform.lib.lake import DEFAULT_RAW_ARCHIVE_DAYS, RawLakeIOManager, prune_archive
from isone_platform.lib.settings import Settings, current_settings
from isone_platform.lib.warehouse import CATALOG_BACKUPS_KEPT, ORPHAN_MIN_AGE, DuckLakeResource


class MaintenanceConfig(dg.Config):
    retention_hours: int = 24


class OrphanConfig(dg.Config):
    min_age_hours: int = int(ORPHAN_MIN_AGE.total_seconds() // 3600)


@dg.op(pool=WAREHOUSE_POOL, description="Expire snapshots older than the retention and delete their files.")
def expire_old_snapshots(
    context: dg.OpExecutionContext, config: MaintenanceConfig, warehouse: DuckLakeResource
) -> None:
    report = warehouse.expire_snapshots(timedelta(hours=config.retention_hours))
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
    context: dg.OpExecutionContext, config: OrphanConfig, warehouse: DuckLakeResource
) -> None:
    deleted = warehouse.delete_orphaned_files(timedelta(hours=config.min_age_hours))
    context.log.info(f"deleted {deleted} orphaned data file(s) older than {config.min_age_hours} h")
    context.add_output_metadata({"orphans_deleted": deleted, "min_age_hours": config.min_age_hours})


@dg.op(ins={"after": dg.In(dg.Nothing)}, description="Copy the SQLite catalog into the lake; keep the newest copies.")
def back_up_catalog(
    context: dg.OpExecutionContext,
    warehouse: DuckLakeResource,
    raw_lake_io_manager: dg.ResourceParam[RawLakeIOManager],
) -> None:
    lake = raw_lake_io_manager.lake()
    key = warehouse.backup_catalog(lake)
    if key is None:
        context.log.info("PostgreSQL catalog: backed up by the database's own backups, not by this job")
        return
    context.log.info(f"catalog copied to {lake.url}/{key}; the newest {CATALOG_BACKUPS_KEPT} copies are kept")
    context.add_output_metadata({"backup": dg.MetadataValue.path(f"{lake.url}/{key}")})


class ArchiveConfig(dg.Config):
    keep_days: int = DEFAULT_RAW_ARCHIVE_DAYS


@dg.op(description="Delete raw bodies superseded longer ago than the archive keeps them.")
def prune_raw_archive(
    context: dg.OpExecutionContext, config: ArchiveConfig, raw_lake_io_manager: dg.ResourceParam[RawLakeIOManager]
) -> None:
    lake = raw_lake_io_manager.lake()
    deleted = prune_archive(lake, config.keep_days)
    context.log.info(f"deleted {deleted} archived raw object(s) superseded more than {config.keep_days} day(s) ago")
    context.add_output_metadata({"archived_objects_deleted": deleted, "keep_days": config.keep_days})


@dg.graph
def warehouse_maintenance():
    back_up_catalog(after=delete_orphaned_data_files(after=expire_old_snapshots()))
    prune_raw_archive()


def maintenance_run_config(settings: Settings) -> dict:
    """The job's default run config: retention, orphan age and archive days of `settings`."""
    return {
        "ops": {
            "expire_old_snapshots": {"config": {"retention_hours": settings.isone_snapshot_retention_hours}},
            "delete_orphaned_data_files": {"config": {"min_age_hours": settings.isone_orphan_min_age_hours}},
            "prune_raw_archive": {"config": {"keep_days": settings.isone_raw_archive_days}},
        }
    }


def build_maintenance_job(settings: Settings) -> dg.JobDefinition:
    """`isone_warehouse_maintenance` with the defaults of `settings`."""
    return warehouse_maintenance.to_job(
        name="isone_warehouse_maintenance",
        description="Expire old warehouse snapshots, delete files no snapshot needs, back up the SQLite catalog, "
        "prune the raw archive.",
        config=maintenance_run_config(settings),
    )


@dg.definitions
def maintenance() -> dg.Definitions:
    """The job and its daily schedule, built from this process's settings when the definitions load."""
    job = build_maintenance_job(current_settings())
    schedule = dg.ScheduleDefinition(
        name="isone_warehouse_maintenance_daily",
        job=job,
        cron_schedule="30 4 * * *",  # a quiet hour: before the 07:00 finalize, between polls
        execution_timezone="America/New_York",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    return dg.Definitions(jobs=[job], schedules=[schedule])
