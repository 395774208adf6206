"""Fault-matrix storage cases: a catalog locked by another writer (17), a full disk during the warehouse write
(22), S3 gone during the std write (16, production profile in `prod/`). Each ends loud or recovered, with the
previous day intact and nothing duplicated."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import duckdb

from isone_platform.lib import ingest_assets
from isone_platform.lib.warehouse import write

from .conftest import failure_messages

DAY = date(2024, 7, 15)


HOLD_LOCK = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("ROLLBACK")
"""


def _hold_catalog_lock(catalog: str, seconds: float) -> subprocess.Popen:
    """Another writer's long transaction: an exclusive lock on the SQLite catalog for `seconds`, held by another
    process (SQLite's POSIX locks do not exclude connections of one process made by two SQLite libraries)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, catalog, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_case_17_a_catalog_locked_past_the_writes_retries_is_retried_by_the_step(platform, monkeypatch):
    platform.materialize("system_load_5min", day=DAY, raise_on_error=True)
    before = platform.fingerprint("system_load_5min", DAY)
    monkeypatch.setattr(ingest_assets, "STD_CONFLICT_WAIT_SECONDS", 1)
    holder = _hold_catalog_lock(platform.env["ISONE_CATALOG_URL"], seconds=20)
    result = platform.materialize("system_load_5min", day=DAY, layers=("std",))
    holder.wait(60)
    assert result.success
    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert len(retries) >= 1
    assert platform.fingerprint("system_load_5min", DAY) == before


def test_case_17_a_lock_that_outlasts_every_retry_fails_loudly_with_the_day_intact(platform, monkeypatch):
    platform.materialize("system_load_5min", day=DAY, raise_on_error=True)
    before = platform.fingerprint("system_load_5min", DAY)
    monkeypatch.setattr(ingest_assets, "STD_CONFLICT_RETRIES", 1)
    monkeypatch.setattr(ingest_assets, "STD_CONFLICT_WAIT_SECONDS", 0)
    holder = _hold_catalog_lock(platform.env["ISONE_CATALOG_URL"], seconds=40)
    result = platform.materialize("system_load_5min", day=DAY, layers=("std",))
    assert not result.success and "database is locked" in failure_messages(result)
    holder.wait(60)
    assert platform.fingerprint("system_load_5min", DAY) == before


def test_case_22_disk_full_during_the_warehouse_write_keeps_the_previous_day(platform, monkeypatch):
    """A full disk, simulated where DuckDB would raise it (writing the day's Parquet file inside the
    transaction): a real ENOSPC needs a tiny filesystem, which the audit mounted by hand."""
    platform.materialize("system_load_5min", day=DAY, raise_on_error=True)
    before = platform.fingerprint("system_load_5min", DAY)

    def disk_full(con, insert, frame):
        raise duckdb.IOException('Could not write file "ducklake-x.parquet": No space left on device')

    with monkeypatch.context() as patch:
        patch.setattr(write, "_insert", disk_full)
        result = platform.materialize("system_load_5min", day=DAY, layers=("std",))
    assert not result.success and "No space left on device" in failure_messages(result)
    assert platform.fingerprint("system_load_5min", DAY) == before
    assert platform.materialize("system_load_5min", day=DAY, layers=("std",)).success


def test_case_22_disk_full_on_the_raw_lake_names_the_object_and_keeps_the_day(platform, monkeypatch):
    import errno
    import os

    from isone_platform.lib.lake import storage

    platform.materialize("system_load_5min", day=DAY, raise_on_error=True)
    before = platform.fingerprint("system_load_5min", DAY)
    real_open = os.open

    def full(path, flags, mode=0o777, **kw):
        if ".tmp-" in str(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(path, flags, mode, **kw)

    platform.sim.add_fault("/fiveminutesystemload/day/*=out_of_range")  # a new body, so landing must write
    with monkeypatch.context() as patch:
        patch.setattr(storage.os, "open", full)
        result = platform.materialize("system_load_5min", day=DAY)
    message = failure_messages(result)
    assert not result.success and "No space left on device" in message
    assert "raw/isone__system_load_5min/operating_day=2024-07-15/" in message
    assert platform.fingerprint("system_load_5min", DAY) == before
