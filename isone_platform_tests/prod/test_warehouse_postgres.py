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
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})


def _wait_for(path, proc, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        assert proc.poll() is None, f"reader exited early: {proc.communicate()}"
        assert time.monotonic() < deadline, "reader did not start"
        time.sleep(0.05)


def test_two_reader_processes_while_a_third_writes(pg_config, s3, tmp_path):
    warehouse.replace_partitions(pg_config, S, h.system_load_days(DAYS, version=1), DAYS)
    assert any(k.startswith("wh/tables/std/isone__system_load_5min/operating_day=2024-03-10/")
               for k in list_keys(s3.client, s3.bucket))
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
    for (out, (stdout, stderr)), (_, proc) in zip(results, readers):
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
    leaky = WarehouseConfig(catalog=f"postgres:postgresql://isone:s3cr3t-pw@127.0.0.1:{postgres.port}/no_such_db",
                            data_path=config.data_path)
    with pytest.raises(WarehouseError) as err:
        warehouse.replace_partitions(leaky, S, h.system_load(DAYS[0]), [DAYS[0]])
    assert "s3cr3t-pw" not in str(err.value) and "no_such_db" in str(err.value)
