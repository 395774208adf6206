"""The warehouse with its DuckLake catalog in PostgreSQL and its Parquet files in S3 (moto): readers in two
processes see only complete, single-version days while a third process replaces partitions; two writer
processes on different days both succeed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import date

import pytest

from isone_platform.lib import warehouse
from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN
from isone_platform.lib.warehouse import WarehouseConfig, WarehouseError, parse_catalog_url
from isone_platform_tests.warehouse import helpers as h
from isone_platform_tests.warehouse.test_concurrency import EXPECTED_ROWS, READER, _expected_sum

from .conftest import list_keys
from .servers import APP_PASSWORD

S = SYSTEM_LOAD_5MIN
DAYS = [date(2024, 3, 10), date(2024, 3, 11)]
REPLACES = 12

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from isone_platform.lib import warehouse
    from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN
    from isone_platform_tests.warehouse import helpers as h
    catalog, data_path, first, last, days = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    days = [date.fromisoformat(d) for d in days.split(",")]
    config = warehouse.WarehouseConfig(catalog=catalog, data_path=data_path)
    for version in range(first, last + 1):
        warehouse.replace_partitions(config, SYSTEM_LOAD_5MIN, h.system_load_days(days, version=version), days)
        print(version, flush=True)
    """
)


@pytest.fixture
def pg_config(s3, pg_catalog, tmp_path) -> WarehouseConfig:
    return WarehouseConfig(catalog=parse_catalog_url(pg_catalog, tmp_path), data_path=f"s3://{s3.bucket}/wh/tables/")


def _start(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


def _wait_for(path, proc, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        assert proc.poll() is None, f"reader exited early: {proc.communicate()}"
        assert time.monotonic() < deadline, "reader did not start"
        time.sleep(0.05)


def test_two_reader_processes_while_a_third_writes(pg_config, s3, tmp_path):
    warehouse.replace_partitions(pg_config, S, h.system_load_days(DAYS, version=1), DAYS)
    assert any(
        k.startswith("wh/tables/std/isone__system_load_5min/operating_day=2024-03-10/")
        for k in list_keys(s3.client, s3.bucket)
    )
    stop = tmp_path / "stop"
    readers = []
    for i in range(2):
        out, ready = tmp_path / f"obs{i}.jsonl", tmp_path / f"ready{i}"
        readers.append((out, _start(READER, pg_config.catalog, pg_config.data_path, str(out), str(ready), str(stop))))
        _wait_for(ready, readers[-1][1], 60)
    writer = _start(WRITER, pg_config.catalog, pg_config.data_path, "2", str(1 + REPLACES), ",".join(map(str, DAYS)))
    try:
        w_out, w_err = writer.communicate(timeout=300)
        assert writer.returncode == 0, w_err
        time.sleep(1.0)  # a last observation of the final version
        stop.touch()
        results = [(out, proc.communicate(timeout=60)) for out, proc in readers]
    finally:
        for proc in [writer] + [p for _, p in readers]:
            if proc.poll() is None:
                proc.kill()
    for (out, (_, stderr)), (_, proc) in zip(results, readers, strict=True):
        assert proc.returncode == 0, stderr
        observations = [json.loads(line) for line in out.read_text().splitlines()]
        assert [o["error"] for o in observations if "error" in o] == []
        versions_seen = set()
        for o in observations:
            versions = set()
            for day, count, distinct, vmin, vmax, total in o["rows"]:
                assert count == distinct == EXPECTED_ROWS[day], o  # never a partial day
                assert vmin == vmax and total == _expected_sum(day, int(vmin)), o  # never a mix of versions
                versions.add(vmin)
            assert len(versions) == 1, o  # both days in one transaction
            versions_seen |= versions
        assert len(observations) >= 3 and len(versions_seen) >= 2, (len(observations), versions_seen)
        assert max(versions_seen) == 1 + REPLACES
    assert warehouse.read_partitions(pg_config, S, DAYS)["native_load_mw"].unique().to_list() == [1.0 + REPLACES]


def test_two_writer_processes_on_different_days(pg_config):
    warehouse.replace_partitions(pg_config, S, h.system_load_days(DAYS, version=1), DAYS)  # create the table first
    writers = [_start(WRITER, pg_config.catalog, pg_config.data_path, "2", "6", d.isoformat()) for d in DAYS]
    for proc in writers:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    frame = warehouse.read_partitions(pg_config, S, DAYS)
    assert frame.group_by("operating_day").len().sort("operating_day")["len"].to_list() == [276, 288]
    assert frame["native_load_mw"].unique().to_list() == [6.0]


def test_postgres_catalog_errors_are_clear_and_redacted(s3, postgres, pg_catalog, tmp_path, monkeypatch):
    config = WarehouseConfig(catalog=parse_catalog_url(pg_catalog, tmp_path), data_path=f"s3://{s3.bucket}/wh/tables/")
    monkeypatch.setenv("PGPASSWORD", "wrong-password-123")
    with pytest.raises(WarehouseError, match="cannot attach the warehouse catalog") as err:
        warehouse.replace_partitions(config, S, h.system_load(DAYS[0]), [DAYS[0]])
    assert "wrong-password-123" not in str(err.value) and "password authentication failed" in str(err.value)
    monkeypatch.setenv("PGPASSWORD", APP_PASSWORD)
    # a password inside the catalog string is redacted in errors too
    leaky = WarehouseConfig(
        catalog=f"postgres:postgresql://isone:s3cr3t-pw@127.0.0.1:{postgres.port}/no_such_db",
        data_path=config.data_path,
    )
    with pytest.raises(WarehouseError) as err:
        warehouse.replace_partitions(leaky, S, h.system_load(DAYS[0]), [DAYS[0]])
    assert "s3cr3t-pw" not in str(err.value) and "no_such_db" in str(err.value)


def test_read_only_connection_reads_s3_data_and_refuses_writes(pg_config, s3):
    """With external access off and the configuration locked, DuckLake still reads its Parquet files from S3; the
    PostgreSQL catalog cannot be reached around the read-only attach."""
    from isone_platform import warehouse as analyst

    warehouse.replace_partitions(pg_config, S, h.system_load_days(DAYS, version=3), DAYS)
    keys = list_keys(s3.client, s3.bucket)
    refused = [
        f"ATTACH 'ducklake:{pg_config.catalog}' AS rw (DATA_PATH '{pg_config.data_path}'); "
        "DELETE FROM rw.std.isone__system_load_5min",
        f"ATTACH '{pg_config.catalog.removeprefix('postgres:')}' AS meta (TYPE postgres)",
        "CALL postgres_execute('__ducklake_metadata_isone', 'DELETE FROM ducklake_snapshot')",
        f"COPY (SELECT * FROM system_load) TO '{pg_config.data_path}stolen.parquet'",
        "CREATE SECRET s3_other (TYPE s3, KEY_ID 'k', SECRET 's')",
        "SET enable_external_access = true",
    ]
    with analyst.connect(config=pg_config) as con:
        assert con.sql("select count(*), sum(native_load_mw) from system_load").fetchone() == (564, 564 * 3.0)
        assert con.sql("summarize std.isone__system_load_5min").pl().height > 0  # reads the S3 objects
        for sql in refused:
            with pytest.raises(analyst.ReadOnlyViolation, match="refused on the read-only warehouse connection"):
                con.execute(sql)
        assert con.sql("select count(*) from system_load").fetchone() == (564,)
    assert list_keys(s3.client, s3.bucket) == keys
    assert warehouse.read_partitions(pg_config, S, DAYS).height == 564


def test_a_writer_never_creates_a_catalog_over_s3_data(pg_config, s3, postgres, tmp_path):
    """An empty PostgreSQL database in front of a data path that holds files: the catalog is lost, not new."""
    warehouse.replace_partitions(pg_config, S, h.system_load_days(DAYS), DAYS)
    files = [k for k in list_keys(s3.client, s3.bucket) if k.endswith(".parquet")]
    empty = postgres.create_database("catalog_lost_" + os.urandom(4).hex())
    lost = WarehouseConfig(catalog=parse_catalog_url(postgres.url(empty), tmp_path), data_path=pg_config.data_path)
    with pytest.raises(warehouse.CatalogLostError, match=rf"holds {len(files)} data file\(s\)") as err:
        warehouse.replace_partitions(lost, S, h.system_load(DAYS[0]), [DAYS[0]])
    assert "PostgreSQL database's own backup" in str(err.value) and APP_PASSWORD not in str(err.value)
    assert postgres.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'ducklake%'", dbname=empty) == [(0,)]
    assert [k for k in list_keys(s3.client, s3.bucket) if k.endswith(".parquet")] == files


def test_orphaned_files_are_deleted_from_s3_and_referenced_ones_kept(pg_config, s3):
    from datetime import timedelta

    warehouse.replace_partitions(pg_config, S, h.system_load_days(DAYS), DAYS)
    referenced = list_keys(s3.client, s3.bucket, "wh/tables/")
    orphan = "wh/tables/std/isone__system_load_5min/operating_day=2024-03-10/ducklake-killed-write.parquet"
    s3.client.put_object(Bucket=s3.bucket, Key=orphan, Body=b"")  # an S3 outage between PUT and COMMIT
    assert warehouse.delete_orphaned_files(pg_config, min_age=timedelta(hours=1)) == 0  # too young
    assert warehouse.delete_orphaned_files(pg_config, min_age=timedelta(0)) == 1
    assert list_keys(s3.client, s3.bucket, "wh/tables/") == referenced
    assert warehouse.read_partitions(pg_config, S, DAYS).height == 564


def test_a_sqlite_catalog_is_backed_up_to_an_s3_lake_and_restored(s3, tmp_path):
    from isone_platform.lib.lake import lake_from_url

    config = WarehouseConfig(catalog=f"sqlite:{tmp_path / 'catalog.sqlite'}", data_path=f"s3://{s3.bucket}/wh/tables/")
    warehouse.replace_partitions(config, S, h.system_load_days(DAYS), DAYS)
    lake = lake_from_url(f"s3://{s3.bucket}/lake")
    key = warehouse.backup_sqlite_catalog(config, lake)
    assert f"lake/{key}" in list_keys(s3.client, s3.bucket, "lake/backups/")
    for path in tmp_path.glob("catalog.sqlite*"):
        path.unlink()
    with pytest.raises(warehouse.CatalogLostError, match="holds 2 data file"):
        warehouse.replace_partitions(config, S, h.system_load(DAYS[0]), [DAYS[0]])
    assert warehouse.restore_sqlite_catalog(config, lake) == key
    assert warehouse.read_partitions(config, S, DAYS).height == 564
