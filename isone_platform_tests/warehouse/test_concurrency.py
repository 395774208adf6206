"""Readers and writers in separate processes: a reader never errors and only sees complete days of one version;
two writers on different days both succeed (retrying on "database is locked" / commit conflicts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import date

import polars as pl

from isone_platform.lib import warehouse
from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN

from . import helpers as h

S = SYSTEM_LOAD_5MIN
DAYS = [date(2024, 3, 10), date(2024, 3, 11)]  # a 276-interval DST day and a 288-interval day
EXPECTED_ROWS = {"2024-03-10": 276, "2024-03-11": 288}
REPLACES = 20

READER = textwrap.dedent(
    """
    import json, sys, time, traceback
    from isone_platform.lib.warehouse import WarehouseConfig, open_connection
    catalog, data_path, out, ready, stop = sys.argv[1:6]
    con = open_connection(WarehouseConfig(catalog=catalog, data_path=data_path), read_only=True)
    query = '''
        SELECT operating_day::VARCHAR, count(*), count(DISTINCT interval_begin_utc),
               min(native_load_mw), max(native_load_mw), sum(load_mw)
        FROM std.isone__system_load_5min GROUP BY 1 ORDER BY 1
    '''
    deadline = time.monotonic() + 90
    with open(out, "w") as f:
        first = True
        while time.monotonic() < deadline:
            try:
                rows = con.execute(query).fetchall()
                view = con.execute("SELECT count(*) FROM system_load").fetchone()[0]
                f.write(json.dumps({"rows": rows, "view_count": view}) + "\\n")
            except Exception:
                f.write(json.dumps({"error": traceback.format_exc()}) + "\\n")
            f.flush()
            if first:
                open(ready, "w").close()
                first = False
            try:
                open(stop).close()
                break
            except FileNotFoundError:
                pass
    con.close()
    """
)


def _expected_sum(day: str, version: int) -> float:
    n = EXPECTED_ROWS[day]
    return version * 1000.0 * n + n * (n - 1) / 2


def _wait_for(path, proc, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        assert proc.poll() is None, f"reader exited early: {proc.communicate()}"
        assert time.monotonic() < deadline, "reader did not start"
        time.sleep(0.05)


def _wait_for_new_observation(out, proc, seconds: float = 30) -> None:
    seen = len(out.read_text().splitlines())
    deadline = time.monotonic() + seconds
    while len(out.read_text().splitlines()) <= seen + 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)


def test_reader_sees_only_complete_days_during_replaces(config, tmp_path):
    warehouse.replace_partitions(config, S, h.system_load_days(DAYS, version=1), DAYS)
    out, ready, stop = tmp_path / "obs.jsonl", tmp_path / "ready", tmp_path / "stop"
    proc = subprocess.Popen(
        [sys.executable, "-c", READER, config.catalog, config.data_path, str(out), str(ready), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(ready, proc, 60)
        for version in range(2, 2 + REPLACES):
            warehouse.replace_partitions(config, S, h.system_load_days(DAYS, version=version), DAYS)
            if version % 5 == 0:  # make sure the reader observes several versions, however slow it runs
                _wait_for_new_observation(out, proc)
        _wait_for_new_observation(out, proc)
        stop.touch()
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr

    observations = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [o["error"] for o in observations if "error" in o]
    assert errors == [], errors[:3]
    versions_seen = set()
    for o in observations:
        rows = o["rows"]
        assert [r[0] for r in rows] == sorted(EXPECTED_ROWS), o
        versions = set()
        for day, count, distinct, vmin, vmax, total in rows:
            assert count == distinct == EXPECTED_ROWS[day], o  # never a partial day
            assert vmin == vmax, o  # never a mix of two versions within a day
            assert total == _expected_sum(day, int(vmin)), o
            versions.add(vmin)
        assert len(versions) == 1, o  # both days replaced in one transaction: never one old, one new
        assert o["view_count"] == sum(EXPECTED_ROWS.values()), o
        versions_seen |= versions
    assert len(versions_seen) >= 5  # the reader really ran while the table changed
    print(
        f"\nreader: {len(observations)} queries, {len(errors)} errors, {REPLACES} replaces, "
        f"versions seen {len(versions_seen)}"
    )
    final = warehouse.read_partitions(config, S, None)
    assert final["native_load_mw"].unique().to_list() == [float(1 + REPLACES)]


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from isone_platform.lib import warehouse
    from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN
    from isone_platform_tests.warehouse import helpers as h
    catalog, data_path, day = sys.argv[1:4]
    config = warehouse.WarehouseConfig(catalog=catalog, data_path=data_path)
    day = date.fromisoformat(day)
    for version in range(1, 9):
        warehouse.replace_partitions(config, SYSTEM_LOAD_5MIN, h.system_load(day, version), [day])
    """
)


def test_two_writer_processes_on_different_days(config):
    # the catalog and the table exist before (creating the same table concurrently is retried too, but is not the
    # point here)
    warehouse.replace_partitions(config, S, h.system_load(date(2024, 7, 1), 0), [date(2024, 7, 1)])
    days = ["2024-07-02", "2024-07-03"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, config.catalog, config.data_path, d],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d in days
    ]
    results = []
    try:
        for p in procs:
            results.append(p.communicate(timeout=120))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (_, stderr) in zip(procs, results, strict=True):
        assert p.returncode == 0, stderr
    got = warehouse.read_partitions(config, S, None)
    per_day = got.group_by("operating_day").agg(pl.len(), pl.col("native_load_mw").unique()).sort("operating_day")
    assert per_day["operating_day"].to_list() == [date(2024, 7, d) for d in (1, 2, 3)]
    assert per_day["len"].to_list() == [288, 288, 288]
    assert per_day["native_load_mw"].to_list() == [[0.0], [8.0], [8.0]]
