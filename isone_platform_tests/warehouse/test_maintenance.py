"""Warehouse upkeep: old snapshots expire and the files only they referenced are deleted; current rows stay."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

from isone_platform.defs.maintenance.definitions import isone_warehouse_maintenance
from isone_platform.lib import warehouse
from isone_platform.lib.io_managers import DuckLakeIOManager
from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN

from . import helpers as h

DAY = date(2024, 7, 15)


def parquet_files(config: warehouse.WarehouseConfig) -> list[Path]:
    return sorted(Path(config.data_path).rglob("*.parquet"))


def replace_five_times(config) -> None:
    for offset in range(5):  # a day rewritten like a poll does: every replace leaves the old file behind
        warehouse.replace_partitions(config, SYSTEM_LOAD_5MIN, h.system_load(DAY, 100 + offset), [DAY])


def test_expire_and_clean_deletes_only_files_no_kept_snapshot_needs(config):
    replace_five_times(config)
    before = warehouse.read_partitions(config, SYSTEM_LOAD_5MIN, [DAY])
    assert len(parquet_files(config)) == 5

    kept = warehouse.expire_and_clean(config, keep=timedelta(hours=24))
    assert (kept.snapshots_expired, kept.files_deleted) == (0, 0) and len(parquet_files(config)) == 5

    report = warehouse.expire_and_clean(config, keep=timedelta(0))
    assert report.snapshots_expired >= 5 and report.files_deleted == 4 and report.snapshots_left == 1
    assert len(parquet_files(config)) == 1
    assert warehouse.read_partitions(config, SYSTEM_LOAD_5MIN, [DAY]).equals(before)


def test_negative_retention_is_refused(config):
    with pytest.raises(ValueError, match="keep must not be negative"):
        warehouse.expire_and_clean(config, keep=timedelta(hours=-1))


def test_the_maintenance_job_reports_what_it_did(config):
    replace_five_times(config)
    io_manager = DuckLakeIOManager(catalog=config.catalog, data_path=config.data_path)
    result = isone_warehouse_maintenance.execute_in_process(
        run_config={"ops": {"expire_old_snapshots": {"config": {"retention_hours": 0}}}},
        resources={"warehouse_io_manager": io_manager},
    )
    assert result.success
    [materialization] = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = materialization.event_specific_data.metadata
    assert metadata["files_deleted"].value == 4 and metadata["snapshots_left"].value == 1
    assert len(parquet_files(config)) == 1


def test_the_maintenance_schedule_runs_daily_by_default():
    from isone_platform.definitions import defs

    schedule = defs().resolve_schedule_def("isone_warehouse_maintenance_daily")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 4 * * *", "America/New_York")
    assert schedule.job_name == "isone_warehouse_maintenance"
