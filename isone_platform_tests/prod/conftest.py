"""Fixtures of the production-profile tests: moto's S3 server and a real PostgreSQL, both on 127.0.0.1."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from .servers import APP_PASSWORD, DUMMY_AWS, MotoS3, PostgresServer, postgres_bin_dir


@pytest.fixture(scope="session")
def moto_server():
    server = MotoS3()
    yield server
    server.stop()


@pytest.fixture
def s3(moto_server, monkeypatch):
    """A fresh bucket on the moto server, and the standard AWS variables pointing at it (dummy credentials)."""
    moto_server.restart()  # a test may have stopped it
    for name, value in DUMMY_AWS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    bucket = f"isone-{uuid.uuid4().hex[:12]}"
    client = moto_server.client()
    client.create_bucket(Bucket=bucket)
    return SimpleNamespace(server=moto_server, endpoint=moto_server.endpoint, bucket=bucket, client=client)


def list_keys(client, bucket: str, prefix: str = "") -> list[str]:
    keys, token = [], None
    while True:
        kwargs = {"Bucket": bucket, "Prefix": prefix, **({"ContinuationToken": token} if token else {})}
        page = client.list_objects_v2(**kwargs)
        keys += [o["Key"] for o in page.get("Contents", [])]
        if not page.get("IsTruncated"):
            return sorted(keys)
        token = page["NextContinuationToken"]


@pytest.fixture(scope="session")
def postgres():
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: `make test` installs Debian's postgresql")
    server = PostgresServer(bin_dir).start()
    yield server
    server.stop()


@pytest.fixture
def pg_catalog(postgres, monkeypatch) -> str:
    """A fresh, empty PostgreSQL database for a DuckLake catalog; PGPASSWORD set; returns its URL (no password)."""
    name = postgres.create_database(f"catalog_{uuid.uuid4().hex[:10]}")
    monkeypatch.setenv("PGPASSWORD", APP_PASSWORD)
    return postgres.url(name)


@pytest.fixture
def prod_env(platform_env, s3, pg_catalog, monkeypatch):
    """ISONE_ENV=prod: raw lake and warehouse data in a fresh moto bucket, the catalog in a fresh PostgreSQL db."""
    env = {
        "ISONE_ENV": "prod",
        "ISONE_LAKE_URL": f"s3://{s3.bucket}/lake",
        "ISONE_CATALOG_URL": pg_catalog,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ISONE_WAREHOUSE_DATA_PATH", raising=False)
    return SimpleNamespace(**{**platform_env, **env}, s3=s3, bucket=s3.bucket, catalog_url=pg_catalog)
