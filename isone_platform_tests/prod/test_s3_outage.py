"""The S3 server stops in the middle of a run: the run fails loudly, what was stored before stays intact, and a
rerun after the outage succeeds.

How the outage is made: moto's server runs in this process; `S3Lake.put`, monkeypatched to a wrapper, stops it
just before the run's first PutObject of the second day, so the run has already written one day and has
three more to go. Stopping closes the listening socket (connections are refused), exactly what a client sees
when the S3 endpoint goes away. moto keeps its objects in process memory, so `restart()` on the same port brings
back the same store, like an outage that ends; the objects are inspected only after that.
"""

from __future__ import annotations

import re

import dagster as dg
import pytest

from isone_platform import warehouse
from isone_platform.lib.lake import S3Lake, lake_from_url, read_day
from isone_platform.lib.partitions import partition_day
from isone_platform.lib.resources import build_resources
from isone_platform.lib.warehouse import write
from isone_platform_tests.helpers import assets_definitions, event_asset_key

from .conftest import list_keys


@pytest.fixture(scope="module")
def ingest_assets():
    from isone_platform.definitions import defs

    return [a for a in assets_definitions(defs()) if all(k.path[0] in ("raw", "std") for k in a.keys)]


def run_range(assets, first: str, last: str):
    selection = [dg.AssetKey([layer, "isone__system_load_5min"]) for layer in ("raw", "std")]
    return dg.materialize(
        assets,
        selection=selection,
        resources=build_resources(),
        raise_on_error=False,
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
    )


def error_chain(error) -> str:
    """The messages of a Dagster SerializableErrorInfo and its causes/contexts."""
    parts = []
    while error is not None:
        parts.append(error.message)
        error = error.cause or error.context
    return "\n".join(parts)


def rows_per_day() -> dict[str, int]:
    con = warehouse.connect()
    try:
        return dict(
            con.sql("select operating_day::varchar, count(*) from std.isone__system_load_5min group by 1").fetchall()
        )
    finally:
        con.close()


def snapshot(s3) -> dict[str, bytes]:
    return {
        k: s3.client.get_object(Bucket=s3.bucket, Key=k)["Body"].read()
        for k in list_keys(s3.client, s3.bucket, "lake/raw/")
    }


def test_server_stopped_mid_run_fails_loudly_keeps_earlier_objects_and_rerun_succeeds(
    prod_env, ingest_assets, monkeypatch
):
    s3 = prod_env.s3
    first = run_range(ingest_assets, "2024-11-01", "2024-11-03")
    assert first.success
    before = snapshot(s3)
    rows_before = rows_per_day()
    assert rows_before == {"2024-11-01": 288, "2024-11-02": 288, "2024-11-03": 300}

    stopped = []
    real_put = S3Lake.put

    def stop_server_on_second_day(lake, key, data):
        if not stopped and "operating_day=2024-11-04" in key:
            stopped.append(key)
            s3.server.stop()
        real_put(lake, key, data)

    with monkeypatch.context() as patch:
        patch.setattr(S3Lake, "put", stop_server_on_second_day)
        failed = run_range(ingest_assets, "2024-11-03", "2024-11-06")  # 11-03 is rewritten, then S3 goes away
    assert stopped and not failed.success
    failures = [e for e in failed.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failures, "the run must fail, not skip"
    message = error_chain(failures[-1].step_failure_data.error)
    assert "Exceeded max_retries" in message  # the step retries (ISO-NE assets retry) also met the outage
    # (the first attempt failed on 11-04's body; the step retries, with S3 still down, failed on 11-03's)
    # landing lists the day's objects first (bodies already there are not written again), then writes
    assert re.search(
        rf"S3 endpoint {re.escape(s3.endpoint)} failed while (listing|writing) "
        rf"s3://{s3.bucket}/lake/raw/isone__system_load_5min/operating_day=",
        message,
    ), message
    assert "testing-secret" not in message
    # the std step never ran on a half-landed raw asset
    assert not [e for e in failed.get_asset_materialization_events() if event_asset_key(e).path[0] == "std"]

    s3.server.restart()  # the outage ends; same store
    after = snapshot(s3)
    # every earlier object intact, byte for byte (11-03's manifest was legitimately rewritten before the outage:
    # same bodies, a new fetched_at; its bodies are identical)
    assert {k: v for k, v in after.items() if k in before and not k.endswith("2024-11-03/_manifest.json")} == {
        k: v for k, v in before.items() if not k.endswith("2024-11-03/_manifest.json")
    }
    assert not [k for k in after if "operating_day=2024-11-04" in k or "operating_day=2024-11-05" in k]
    lake = lake_from_url(prod_env.ISONE_LAKE_URL)
    for day in ("2024-11-01", "2024-11-02", "2024-11-03"):
        assert read_day(lake, "system_load_5min", partition_day(day)).bodies
    with pytest.raises(FileNotFoundError):
        read_day(lake, "system_load_5min", partition_day("2024-11-04"))
    assert rows_per_day() == rows_before  # the warehouse is untouched

    rerun = run_range(ingest_assets, "2024-11-03", "2024-11-06")
    assert rerun.success
    assert rows_per_day() == {**rows_before, "2024-11-04": 288, "2024-11-05": 288, "2024-11-06": 288}
    for day in ("2024-11-04", "2024-11-05", "2024-11-06"):
        assert read_day(lake, "system_load_5min", partition_day(day)).bodies


def test_case_16_server_stopped_during_the_warehouse_write_keeps_every_stored_day(prod_env, ingest_assets, monkeypatch):
    """Fault-matrix case 16: S3 goes away between two days' Parquet writes of one std transaction."""
    s3 = prod_env.s3
    assert run_range(ingest_assets, "2024-11-01", "2024-11-02").success
    rows_before = rows_per_day()
    std_only = [a for a in ingest_assets if all(k.path[0] == "std" for k in a.keys)]
    real_insert = write._insert
    calls = []

    def stop_before_the_second_day(con, insert, frame):
        calls.append(frame.height)
        if len(calls) == 2:
            s3.server.stop()
        return real_insert(con, insert, frame)

    selection = [dg.AssetKey(["std", "isone__system_load_5min"])]
    with monkeypatch.context() as patch:
        patch.setattr(write, "_insert", stop_before_the_second_day)
        failed = dg.materialize(
            std_only + [a for a in ingest_assets if a not in std_only],
            selection=selection,
            resources=build_resources(),
            raise_on_error=False,
            tags={
                "dagster/asset_partition_range_start": "2024-11-01",
                "dagster/asset_partition_range_end": "2024-11-02",
            },
        )
    s3.server.restart()
    assert len(calls) == 2 and not failed.success
    message = "\n".join(
        error_chain(e.step_failure_data.error)
        for e in failed.all_events
        if e.event_type == dg.DagsterEventType.STEP_FAILURE
    )
    assert f"HTTP PUT to '{s3.endpoint}/{s3.bucket}/lake/tables/std/isone__system_load_5min/" in message, message
    assert "testing-secret" not in message
    assert rows_per_day() == rows_before
    assert run_range(ingest_assets, "2024-11-01", "2024-11-02").success and rows_per_day() == rows_before
