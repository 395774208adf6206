"""Warehouse upkeep: old snapshots expire and the files only they referenced are deleted; orphaned data files
older than the safety age go; the SQLite catalog is copied into the lake (newest copies kept) and restores from
there; current rows stay."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from isone_platform.defs.maintenance.definitions import build_maintenance_job
from isone_platform.lib import warehouse
from isone_platform.lib.lake import RawLakeIOManager, lake_from_url
from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN
from isone_platform.lib.settings import Settings
from isone_platform.lib.warehouse import DuckLakeResource

from . import helpers as h

DAY = date(2024, 7, 15)


def parquet_files(config: warehouse.WarehouseConfig) -> list[Path]:
    return sorted(Path(config.data_path).rglob("*.parquet"))


def make_orphan(config: warehouse.WarehouseConfig, age: timedelta, name: str = "orphan") -> Path:
    """A Parquet file in a day's directory that no catalog references (what a write killed before its commit
    leaves), last modified `age` ago."""
    day_dir = Path(config.data_path) / "std" / SYSTEM_LOAD_5MIN.name / f"operating_day={DAY.isoformat()}"
    day_dir.mkdir(parents=True, exist_ok=True)
    path = day_dir / f"ducklake-{name}.parquet"
    path.write_bytes(b"PAR1 half-written")
    stamp = time.time() - age.total_seconds()
    os.utime(path, (stamp, stamp))
    return path


def run_maintenance(config: warehouse.WarehouseConfig, lake_dir: Path, **op_config) -> dg.ExecuteInProcessResult:
    ops = {"expire_old_snapshots": {"config": op_config}} if op_config else {}
    return build_maintenance_job(Settings.from_env()).execute_in_process(
        run_config={"ops": ops},
        resources={
            "warehouse": DuckLakeResource.from_config(config),
            "raw_lake_io_manager": RawLakeIOManager(lake_url=str(lake_dir)),
        },
    )


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


def _archived_raw_body(lake_dir: Path, superseded_days_ago: int) -> str:
    from datetime import UTC, datetime

    from isone_platform.lib.lake import ARCHIVE_ROOT, LocalLake
    from isone_platform.lib.lake.layout import _stamp

    stamp = _stamp(datetime.now(UTC) - timedelta(days=superseded_days_ago))
    key = f"{ARCHIVE_ROOT}/raw/isone__system_load_5min/operating_day=2024-07-15/superseded={stamp}/a.json.gz"
    LocalLake(lake_dir).put(key, b"old body")
    return key


def test_the_maintenance_job_reports_what_it_did(config, tmp_path):
    from isone_platform.lib.lake import DEFAULT_RAW_ARCHIVE_DAYS, LocalLake

    replace_five_times(config)
    orphan = make_orphan(config, age=timedelta(days=3))
    expired = _archived_raw_body(tmp_path / "lake", DEFAULT_RAW_ARCHIVE_DAYS + 1)
    kept = _archived_raw_body(tmp_path / "lake", DEFAULT_RAW_ARCHIVE_DAYS - 1)
    result = run_maintenance(config, tmp_path / "lake", retention_hours=0)
    assert result.success
    metadata = {
        k: v.value
        for e in result.all_events
        if e.event_type_value == "STEP_OUTPUT"
        for k, v in e.step_output_data.metadata.items()
    }
    assert metadata["files_deleted"] == 4 and metadata["snapshots_left"] == 1 and metadata["orphans_deleted"] == 1
    assert metadata["min_age_hours"] == warehouse.ORPHAN_MIN_AGE.total_seconds() // 3600
    assert not orphan.exists() and len(parquet_files(config)) == 1
    assert metadata["archived_objects_deleted"] == 1 and metadata["keep_days"] == DEFAULT_RAW_ARCHIVE_DAYS
    lake = LocalLake(tmp_path / "lake")
    assert lake.exists(kept) and not lake.exists(expired)
    [backup] = warehouse.catalog_backups(lake_from_url(str(tmp_path / "lake")))
    backup_key = metadata["backup"]
    assert isinstance(backup_key, str) and backup_key.endswith(backup)


def test_the_maintenance_schedule_runs_daily_by_default():
    from isone_platform.definitions import defs

    schedule = defs().resolve_schedule_def("isone_warehouse_maintenance_daily")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 4 * * *", "America/New_York")
    assert schedule.job_name == "isone_warehouse_maintenance"


def test_orphans_older_than_the_safety_age_go_fresh_ones_and_referenced_files_stay(config):
    replace_five_times(config)  # four files only old snapshots reference, one current
    before = warehouse.read_partitions(config, SYSTEM_LOAD_5MIN, [DAY])
    referenced = parquet_files(config)
    old = make_orphan(config, warehouse.ORPHAN_MIN_AGE + timedelta(hours=1), "old")
    fresh = make_orphan(config, warehouse.ORPHAN_MIN_AGE - timedelta(hours=1), "fresh")
    assert warehouse.delete_orphaned_files(config) == 1
    assert not old.exists() and fresh.exists()
    assert parquet_files(config) == sorted([*referenced, fresh])
    assert warehouse.read_partitions(config, SYSTEM_LOAD_5MIN, [DAY]).equals(before)


def test_negative_orphan_age_is_refused(config):
    with pytest.raises(ValueError, match="min_age must not be negative"):
        warehouse.delete_orphaned_files(config, min_age=timedelta(hours=-1))


def test_catalog_backups_are_consistent_copies_and_only_the_newest_are_kept(config, tmp_path):
    warehouse.replace_partitions(config, SYSTEM_LOAD_5MIN, h.system_load(DAY, 7), [DAY])
    lake = lake_from_url(str(tmp_path / "lake"))
    start = datetime(2024, 7, 1, 8, 30, tzinfo=UTC)
    keys = [
        warehouse.backup_sqlite_catalog(config, lake, now=start + timedelta(days=n))
        for n in range(warehouse.CATALOG_BACKUPS_KEPT + 2)
    ]
    assert warehouse.catalog_backups(lake) == keys[2:]
    assert keys[0] == "backups/catalog/catalog-20240701T083000Z.sqlite"
    copy = tmp_path / "copy.sqlite"
    newest = keys[-1]
    assert newest is not None  # a SQLite catalog is backed up
    copy.write_bytes(lake.get(newest))
    con = sqlite3.connect(copy)  # one self-contained file, not a WAL-mode main file missing its log
    try:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert con.execute("SELECT count(*) FROM ducklake_data_file").fetchone()[0] >= 1
    finally:
        con.close()


def test_a_postgres_catalog_is_not_copied(tmp_path):
    config = warehouse.WarehouseConfig(catalog="postgres:dbname=isone", data_path=f"{tmp_path}/tables/")
    assert warehouse.backup_sqlite_catalog(config, lake_from_url(str(tmp_path / "lake"))) is None


def test_restore_brings_the_catalog_back_and_never_overwrites_one(config, tmp_path):
    warehouse.replace_partitions(config, SYSTEM_LOAD_5MIN, h.system_load(DAY, 7), [DAY])
    before = warehouse.read_partitions(config, SYSTEM_LOAD_5MIN, [DAY])
    lake = lake_from_url(str(tmp_path / "lake"))
    key = warehouse.backup_sqlite_catalog(config, lake)
    with pytest.raises(warehouse.WarehouseError, match="already holds a warehouse catalog: move it away"):
        warehouse.restore_sqlite_catalog(config, lake)
    for path in config.sqlite_path.parent.glob("catalog.sqlite*"):
        path.unlink()
    with pytest.raises(warehouse.CatalogLostError, match=r"holds 1 data file"):
        warehouse.read_partitions(config, SYSTEM_LOAD_5MIN, [DAY])
    assert warehouse.restore_sqlite_catalog(config, lake) == key
    assert warehouse.read_partitions(config, SYSTEM_LOAD_5MIN, [DAY]).equals(before)


def test_restore_without_a_backup_says_where_it_looked(config, tmp_path):
    with pytest.raises(warehouse.WarehouseError, match=r"no catalog backup under .*lake/backups/catalog/"):
        warehouse.restore_sqlite_catalog(config, lake_from_url(str(tmp_path / "lake")))


def test_restore_never_overwrites_a_damaged_catalog(config, tmp_path):
    warehouse.replace_partitions(config, SYSTEM_LOAD_5MIN, h.system_load(DAY, 7), [DAY])
    lake = lake_from_url(str(tmp_path / "lake"))
    warehouse.backup_sqlite_catalog(config, lake)
    for path in config.sqlite_path.parent.glob("catalog.sqlite-*"):
        path.unlink()
    config.sqlite_path.write_bytes(b"garbage, not a database" * 100)
    with pytest.raises(warehouse.WarehouseError, match="is not a readable SQLite catalog .* move it"):
        warehouse.restore_sqlite_catalog(config, lake)
    assert config.sqlite_path.read_bytes().startswith(b"garbage")
