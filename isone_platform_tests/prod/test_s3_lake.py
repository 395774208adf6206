"""The S3 lake against moto's S3 server: Hive-style keys, overwrite without leftovers, clear errors."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime

import pytest
from dagster_aws.s3 import S3Resource

from isone_platform.lib.lake import LakeError, S3Lake, lake_from_url, read_day, write_day
from isone_platform.lib.raw import LandedBody, RawDay

from .conftest import list_keys

DAY = date(2024, 11, 3)
FETCHED = datetime(2024, 11, 4, 6, tzinfo=UTC)


def raw_day(*paths: str, dataset: str = "system_load_5min", day: date | None = DAY, version: int = 1) -> RawDay:
    return RawDay(dataset, day, [LandedBody(p, FETCHED, json.dumps({"p": p, "v": version}).encode()) for p in paths])


def test_lake_from_url_builds_an_s3_lake_from_dagster_aws_resource(s3):
    lake = lake_from_url(
        f"s3://{s3.bucket}/some/prefix/", s3=S3Resource(endpoint_url=s3.endpoint, region_name="us-east-1")
    )
    assert isinstance(lake, S3Lake)
    assert (lake.bucket, lake.prefix, lake.url, lake.endpoint) == (
        s3.bucket,
        "some/prefix",
        f"s3://{s3.bucket}/some/prefix",
        s3.endpoint,
    )
    # without a resource: the endpoint comes from AWS_ENDPOINT_URL
    from_env = lake_from_url(f"s3://{s3.bucket}/p")
    assert isinstance(from_env, S3Lake) and from_env.endpoint == s3.endpoint
    with pytest.raises(ValueError, match="unsupported lake"):
        lake_from_url("gs://bucket/prefix")


def test_put_get_list_delete_and_hive_style_keys(s3):
    lake = lake_from_url(f"s3://{s3.bucket}/lake")
    manifest = write_day(lake, raw_day("/fiveminutesystemload/day/20241103"))
    prefix = "lake/raw/isone__system_load_5min/operating_day=2024-11-03/"
    keys = list_keys(s3.client, s3.bucket)
    assert keys == sorted([prefix + "_manifest.json", prefix + manifest["bodies"][0]["key"].rsplit("/", 1)[1]])
    [body_key] = [k for k in keys if not k.endswith("_manifest.json")]
    assert body_key.endswith(".json.gz") and "fiveminutesystemload_day_20241103" in body_key
    # the body object is the exact response, gzip-compressed
    obj = s3.client.get_object(Bucket=s3.bucket, Key=body_key)["Body"].read()
    assert json.loads(gzip.decompress(obj)) == {"p": "/fiveminutesystemload/day/20241103", "v": 1}
    back = read_day(lake, "system_load_5min", DAY)
    assert [(b.path, b.body) for b in back.bodies] == [
        (b.path, b.body) for b in raw_day("/fiveminutesystemload/day/20241103").bodies
    ]
    assert lake.exists(manifest["bodies"][0]["key"]) and not lake.exists("raw/nothing/here.json")
    with pytest.raises(FileNotFoundError, match="materialize the raw asset first"):
        read_day(lake, "system_load_5min", date(2024, 11, 4))


def test_list_pages_through_more_than_1000_objects(s3):
    lake = lake_from_url(f"s3://{s3.bucket}/many")
    for i in range(1005):
        s3.client.put_object(Bucket=s3.bucket, Key=f"many/raw/x/{i:05d}", Body=b"")
    assert len(lake.list("raw/x")) == 1005
    lake.delete(lake.list("raw/x"))
    assert lake.list("raw/x") == []


def test_overwrite_replaces_the_day_without_leftovers(s3):
    lake = lake_from_url(f"s3://{s3.bucket}/lake")
    write_day(lake, raw_day("/hourlylmp/rt/prelim/day/20241103", "/extra/a", dataset="lmp_rt_hourly"))
    write_day(lake, raw_day("/x", dataset="lmp_rt_hourly", day=date(2024, 11, 4)))  # a neighbour day, untouched
    write_day(lake, raw_day("/hourlylmp/rt/final/day/20241103", dataset="lmp_rt_hourly", version=2))
    day_prefix = "lake/raw/isone__lmp_rt_hourly/operating_day=2024-11-03/"
    keys = list_keys(s3.client, s3.bucket, day_prefix)
    assert len(keys) == 2 and keys[0] == day_prefix + "_manifest.json"
    assert "hourlylmp_rt_final_day_20241103" in keys[1]
    assert [b.path for b in read_day(lake, "lmp_rt_hourly", DAY).bodies] == ["/hourlylmp/rt/final/day/20241103"]
    assert len(list_keys(s3.client, s3.bucket, "lake/raw/isone__lmp_rt_hourly/operating_day=2024-11-04/")) == 2
    # an unpartitioned dataset: its objects are replaced too, nothing else under it
    write_day(lake, raw_day("/locations/all", "/locations", dataset="locations", day=None))
    write_day(lake, raw_day("/locations/all", dataset="locations", day=None, version=2))
    assert [
        k.rsplit("/", 1)[1].split(".")[0] for k in list_keys(s3.client, s3.bucket, "lake/raw/isone__locations/")
    ] == ["_manifest", "locations_all"]


def test_a_failed_rewrite_leaves_the_previous_day_readable(s3, monkeypatch):
    lake = lake_from_url(f"s3://{s3.bucket}/lake")
    write_day(lake, raw_day("/a", "/b"))
    before = list_keys(s3.client, s3.bucket)
    calls = []
    real_put = S3Lake.put

    def fail_second_put(the_lake, key, data):
        calls.append(key)
        if len(calls) == 2:
            raise ConnectionError("injected: S3 went away")
        real_put(the_lake, key, data)

    with monkeypatch.context() as patch, pytest.raises(ConnectionError):
        patch.setattr(S3Lake, "put", fail_second_put)
        write_day(lake, raw_day("/c", "/d", version=2))
    # the new body /c landed, but the manifest still names the old day and its objects are all there
    assert [b.path for b in read_day(lake, "system_load_5min", DAY).bodies] == ["/a", "/b"]
    assert set(before) <= set(list_keys(s3.client, s3.bucket))


def test_missing_bucket_names_bucket_and_endpoint(s3):
    lake = lake_from_url("s3://no-such-bucket-here/lake")
    with pytest.raises(LakeError) as err:
        write_day(lake, raw_day("/a"))
    message = str(err.value)
    assert "'no-such-bucket-here'" in message and s3.endpoint in message and "does not exist" in message
    assert "testing-secret" not in message and "testing" not in message.replace("isone", "")
    with pytest.raises(LakeError, match="no-such-bucket-here.*does not exist at endpoint"):
        read_day(lake, "system_load_5min", DAY)
    assert isinstance(lake, S3Lake)
    with pytest.raises(LakeError, match=f"no-such-bucket-here.*{s3.endpoint}"):
        lake.check_bucket()
    existing = lake_from_url(f"s3://{s3.bucket}/lake")
    assert isinstance(existing, S3Lake)
    existing.check_bucket()


def test_unreachable_endpoint_is_a_clear_error(s3, monkeypatch):
    from .servers import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    lake = lake_from_url(
        f"s3://{s3.bucket}/lake", s3=S3Resource(endpoint_url=dead, region_name="us-east-1", max_attempts=2)
    )
    with pytest.raises(
        LakeError, match=f"S3 endpoint {dead} failed while (listing|writing) s3://{s3.bucket}/lake/raw/"
    ):
        write_day(lake, raw_day("/a"))


def test_wrong_credentials_are_reported_without_echoing_them(s3, monkeypatch):
    # moto accepts any keys by default; a bucket policy denying everything stands in for a refused request
    s3.client.put_bucket_policy(
        Bucket=s3.bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{s3.bucket}/*"]}
                ],
            }
        ),
    )
    lake = lake_from_url(f"s3://{s3.bucket}/lake")
    try:
        lake.put("probe", b"x")
    except LakeError as exc:
        assert "testing-secret" not in str(exc)
    else:
        pytest.skip("moto does not enforce bucket policies in this configuration")
