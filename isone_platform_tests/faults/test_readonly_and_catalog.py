"""Fault matrix cases 26 (the "read-only" SQL wrote) and 29 (a deleted catalog was silently re-created), and the
orphan data files that crashed writes leave (cases 16, 18, 22): refused or loud, and nothing stored is lost."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from isone_platform import warehouse as analyst
from isone_platform.cli import main
from isone_platform.defs.maintenance.definitions import build_maintenance_job
from isone_platform.lib import warehouse
from isone_platform.lib.resources import build_resources
from isone_platform.lib.settings import Settings
from isone_platform_tests.helpers import query

from .conftest import failure_messages

DAY = date(2024, 7, 15)


def data_files(env: dict[str, str]) -> dict[str, str]:
    """Every Parquet file under the warehouse data path, with a digest of its bytes."""
    root = Path(env["ISONE_LAKE_URL"]) / "tables"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*.parquet")}


def snapshot_count() -> int:
    [(count,)] = query("select count(*) from isone.snapshots()")
    return count


def maintain() -> None:
    result = build_maintenance_job(Settings.from_env()).execute_in_process(resources=build_resources())
    assert result.success


def audit_write_forms(env: dict[str, str], scratch: Path) -> dict[str, str]:
    """The statements of audit case 26 (and the other ways out the brief lists), by name."""
    catalog, data_path = env["ISONE_CATALOG_URL"], f"{env['ISONE_LAKE_URL']}/tables/"
    return {
        "attach ducklake read-write + delete": (
            f"ATTACH 'ducklake:sqlite:{catalog}' AS rw (DATA_PATH '{data_path}'); "
            f"DELETE FROM rw.std.isone__system_load_5min WHERE operating_day = DATE '{DAY}'; SELECT 'deleted' AS r"
        ),
        "attach the catalog as sqlite": f"ATTACH '{catalog}' AS meta (TYPE sqlite); SELECT 1",
        "copy to a file": f"COPY (SELECT * FROM system_load) TO '{scratch / 'copy.parquet'}'",
        "export database": f"EXPORT DATABASE '{scratch / 'export'}'",
        "install": "INSTALL httpfs",
        "load": "LOAD httpfs",
        "create secret": "CREATE SECRET leak (TYPE s3, KEY_ID 'k', SECRET 's')",
        "set external access": "SET enable_external_access = true",
        "detach": "DETACH isone",
        "sqlite function": f"SELECT * FROM sqlite_scan('{catalog}', 'ducklake_snapshot')",
    }


def test_case_26_read_only_sql_refuses_every_write_form(platform, tmp_path, capsys):
    assert platform.materialize("system_load_5min", day=DAY).success
    before, files, snapshots = platform.fingerprint("system_load_5min", DAY), data_files(platform.env), snapshot_count()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for name, sql in audit_write_forms(platform.env, scratch).items():
        con = analyst.connect()
        try:
            with pytest.raises(duckdb.Error, match="refused on the read-only warehouse connection"):
                con.sql(sql)
        finally:
            con.close()
        capsys.readouterr()
        assert main(["sql", sql]) == 1, name
        err = capsys.readouterr().err
        assert err.startswith("error: refused on the read-only warehouse connection") and "NoneType" not in err, name
    assert list(scratch.iterdir()) == []  # neither the COPY target nor the export directory was written
    assert platform.fingerprint("system_load_5min", DAY) == before
    assert data_files(platform.env) == files and snapshot_count() == snapshots


def test_case_26_reads_and_scratch_tables_still_work(platform, capsys):
    assert platform.materialize("system_load_5min", day=DAY).success
    with analyst.connect() as con:
        assert con.sql("select count(*), max(load_mw) > 0 from system_load").fetchone() == (288, True)
        assert con.sql("summarize std.isone__system_load_5min").pl().height > 0  # reads the Parquet files
        con.execute("create table memory.main.peaks as select max(load_mw) as mw from system_load")
        assert con.sql("select count(*) from memory.main.peaks").fetchone() == (1,)
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("delete from std.isone__system_load_5min")
    assert main(["sql", "create table memory.main.t as select 1 as x"]) == 0
    assert "returns no rows" in capsys.readouterr().out


def test_case_29_a_lost_catalog_is_never_recreated_and_restores_from_the_backup(platform, capsys):
    assert platform.materialize("system_load_5min", "zonal_load_5min", day=DAY).success
    before = {d: platform.fingerprint(d, DAY) for d in ("system_load_5min", "zonal_load_5min")}
    maintain()  # the daily job's catalog copy
    files = data_files(platform.env)
    catalog = Path(platform.env["ISONE_CATALOG_URL"])
    for path in catalog.parent.glob(f"{catalog.name}*"):
        path.unlink()

    result = platform.materialize("system_load_5min", day=DAY)
    assert not result.success
    message = failure_messages(result)
    assert f"ducklake:sqlite:{catalog}" in message and f"holds {len(files)} data file(s)" in message
    assert "restore-catalog" in message
    assert not catalog.exists() and data_files(platform.env) == files  # no new catalog, every data file kept
    assert main(["sql", "select 1"]) == 1 and "is missing or empty" in capsys.readouterr().err

    assert main(["restore-catalog"]) == 0
    assert {d: platform.fingerprint(d, DAY) for d in before} == before
    assert platform.materialize("system_load_5min", day=DAY).success  # writes work again


def test_orphaned_data_files_older_than_the_safety_age_are_removed(platform):
    assert platform.materialize("system_load_5min", day=DAY).success
    before, referenced = platform.fingerprint("system_load_5min", DAY), data_files(platform.env)
    day_dir = next((Path(platform.env["ISONE_LAKE_URL"]) / "tables").rglob(f"operating_day={DAY}"))
    old, fresh = day_dir / "ducklake-killed-write.parquet", day_dir / "ducklake-write-in-progress.parquet"
    for path, age in ((old, warehouse.ORPHAN_MIN_AGE + timedelta(hours=1)), (fresh, timedelta(minutes=5))):
        path.write_bytes(b"")  # what a kill -9 or a full disk leaves: 0-4 KB, never committed
        stamp = time.time() - age.total_seconds()
        os.utime(path, (stamp, stamp))
    maintain()
    assert not old.exists() and fresh.exists()
    after = data_files(platform.env)
    assert set(referenced) <= set(after) and set(after) - set(referenced) == {
        str(fresh.relative_to(day_dir.parents[2]))
    }
    assert platform.fingerprint("system_load_5min", DAY) == before
