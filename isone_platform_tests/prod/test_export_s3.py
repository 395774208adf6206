"""`isone-platform export` to S3 (the moto server): the object is listed and its content round-trips, directory
targets become `operating_day=` keys with no staging keys left, an existing output needs `--overwrite`, and an
unreachable endpoint fails naming the endpoint and the bucket, never the credentials."""

from __future__ import annotations

import socket

from isone_platform_tests import export_warehouse as wh

from .conftest import list_keys
from .servers import DUMMY_AWS

DAY = wh.LMP_DAY.isoformat()
LMP_WHERE = f"std.isone__lmp_rt_5min WHERE operating_day = DATE '{DAY}'"


def test_a_file_is_uploaded_listed_and_round_trips(export_warehouse, s3, tmp_path):
    url = f"s3://{s3.bucket}/exports/lmp.csv"
    assert wh.export("lmp_rt_5min", "--start", DAY, "--end", DAY, "--out", url) == 0
    assert list_keys(s3.client, s3.bucket) == ["exports/lmp.csv"]
    local = tmp_path / "lmp.csv"
    s3.client.download_file(s3.bucket, "exports/lmp.csv", str(local))
    got = wh.file_checksum(wh.LMP_CHECKSUM, f"read_csv('{local}')")
    assert got == wh.warehouse_checksum(wh.LMP_CHECKSUM, LMP_WHERE) and got[0] > 0


def test_a_prefix_gets_one_key_per_day_and_overwrite_drops_stale_days(export_warehouse, s3, tmp_path):
    url = f"s3://{s3.bucket}/exports/load/"
    assert wh.export("system_load_5min", "--start", "2024-11-07", "--end", DAY, "--out", url) == 0
    days = ["exports/load/operating_day=2024-11-07/data_0.parquet", f"exports/load/operating_day={DAY}/data_0.parquet"]
    assert list_keys(s3.client, s3.bucket) == days
    local = tmp_path / "day.parquet"
    s3.client.download_file(s3.bucket, days[1], str(local))
    checksum = "count(*), round(sum(load_mw), 6)"
    assert wh.file_checksum(checksum, f"read_parquet('{local}')") == wh.warehouse_checksum(
        checksum, f"std.isone__system_load_5min WHERE operating_day = DATE '{DAY}'"
    )

    assert wh.export("system_load_5min", "--start", DAY, "--end", DAY, "--out", url, "--overwrite") == 0
    assert list_keys(s3.client, s3.bucket) == days[1:]  # no staging keys, the other day gone


def test_an_existing_object_needs_overwrite(export_warehouse, s3, capsys):
    s3.client.put_object(Bucket=s3.bucket, Key="lmp.parquet", Body=b"earlier")
    assert wh.export("lmp_rt_5min", "--start", DAY, "--end", DAY, "--out", f"s3://{s3.bucket}/lmp.parquet") == 1
    assert f"s3://{s3.bucket}/lmp.parquet exists: pass --overwrite" in capsys.readouterr().err
    assert s3.client.get_object(Bucket=s3.bucket, Key="lmp.parquet")["Body"].read() == b"earlier"


def test_an_unreachable_endpoint_names_endpoint_and_bucket_not_the_credentials(
    export_warehouse, s3, tmp_path, monkeypatch, capsys
):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # no retries: the test waits for one refused connection
    monkeypatch.chdir(tmp_path)
    assert wh.export("lmp_rt_5min", "--start", DAY, "--end", DAY, "--out", f"s3://{s3.bucket}/lmp.csv") == 1
    err = capsys.readouterr().err
    assert closed in err and s3.bucket in err, err
    assert DUMMY_AWS["AWS_SECRET_ACCESS_KEY"] not in err and DUMMY_AWS["AWS_ACCESS_KEY_ID"] not in err
    assert list(tmp_path.iterdir()) == []
