"""Warehouse upkeep: expire old DuckLake snapshots and delete the Parquet files only they referenced.

Every std replace and mart build is a snapshot that keeps the replaced rows' files for time travel. Polling alone
rewrites today's all-node LMP day every 5 minutes, so the data path would keep every old copy of it. The
`isone_warehouse_maintenance` schedule (daily, 04:30 America/New_York, on by default) keeps
`ISONE_SNAPSHOT_RETENTION_HOURS` (24) of history.
"""

from datetime import timedelta

import dagster as dg

from isone_platform.lib.ingest_assets import WAREHOUSE_POOL
from isone_platform.lib.io_managers import DuckLakeIOManager
from isone_platform.lib.settings import env_count
from isone_platform.lib.warehouse import expire_and_clean


class MaintenanceConfig(dg.Config):
    retention_hours: int = env_count("ISONE_SNAPSHOT_RETENTION_HOURS", 24)


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
        {"snapshots_expired": report.snapshots_expired, "files_deleted": report.files_deleted,
         "snapshots_left": report.snapshots_left, "retention_hours": config.retention_hours}
    )


@dg.job(description="Expire old warehouse snapshots and delete the files no snapshot needs any more.")
def isone_warehouse_maintenance():
    expire_old_snapshots()


isone_warehouse_maintenance_schedule = dg.ScheduleDefinition(
    name="isone_warehouse_maintenance_daily",
    job=isone_warehouse_maintenance,
    cron_schedule="30 4 * * *",  # a quiet hour: before the 07:00 finalize, between polls
    execution_timezone="America/New_York",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
