"""Dagster resources shared by the ingestion assets."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
from dagster_aws.s3 import S3Resource
from pydantic import Field

from isone_platform.lib import aws
from isone_platform.lib.isone_client import DEFAULT_BASE_URL, DEFAULT_READ_TIMEOUT_SECONDS, IsoneClient, RetryPolicy
from isone_platform.lib.settings import env_seconds, project_root


class IsoneApiResource(dg.ConfigurableResource):
    """The ISO-NE Web Services API (or the bundled simulator). Credentials only ever come from EnvVar."""

    base_url: str = Field(
        default=DEFAULT_BASE_URL, description="API root, e.g. https://webservices.iso-ne.com/api/v1.1"
    )
    username: str | None = Field(default=None, description="ISO Express user (set through ISONE_USERNAME)")
    password: str | None = Field(default=None, description="ISO Express password (set through ISONE_PASSWORD)")
    max_attempts: int = Field(default=5, description="attempts per request on 429 / 5xx / transport errors")
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = Field(
        default=DEFAULT_READ_TIMEOUT_SECONDS,
        description="seconds without a byte "
        "from the server before a request fails (retried); ISONE_READ_TIMEOUT_SECONDS",
    )
    max_concurrent_requests: int = Field(default=4, description="parallel requests within one run")

    @contextmanager
    def client(self) -> Iterator[IsoneClient]:
        """One connection pool for the duration of a step."""
        with IsoneClient(
            self.base_url,
            self.username,
            self.password,
            retry=RetryPolicy(self.max_attempts, self.backoff_base_seconds, self.backoff_max_seconds),
            connect_timeout=self.connect_timeout_seconds,
            read_timeout=self.read_timeout_seconds,
            max_connections=max(self.max_concurrent_requests, 1),
        ) as client:
            yield client


def _secret(name: str) -> dg.EnvVar | None:
    """Secrets reach resources only as EnvVar: the UI and run config show the variable's name, never its value."""
    return dg.EnvVar(name) if os.environ.get(name) else None


def lake_url_from_env() -> str:
    url = os.environ.get("ISONE_LAKE_URL", "data/lake")
    if "://" not in url and not os.path.isabs(url):
        url = str(project_root() / url)
    return url


ENVIRONMENTS = ("local", "prod")


class ConfigError(ValueError):
    """The environment's configuration is inconsistent; the message says which variable to fix."""


def isone_env() -> str:
    """`ISONE_ENV`: `local` (default; a local lake and SQLite catalog unless told otherwise) or `prod`."""
    env = (os.environ.get("ISONE_ENV") or "local").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"ISONE_ENV={env!r}: use one of {', '.join(ENVIRONMENTS)}")
    return env


def check_prod_config() -> list[str]:
    """What is wrong with the environment for `ISONE_ENV=prod` (empty when nothing is)."""
    from urllib.parse import urlsplit

    problems = []
    lake = os.environ.get("ISONE_LAKE_URL", "")
    if not lake.startswith("s3://") or not lake[len("s3://") :].split("/", 1)[0]:
        problems.append(f"ISONE_LAKE_URL must be s3://bucket/prefix in prod (got {lake or 'nothing'!r})")
    catalog = os.environ.get("ISONE_CATALOG_URL", "")
    bare = catalog.removeprefix("ducklake:")
    if not bare.startswith(("postgresql://", "postgres://", "postgres:")):
        problems.append(
            "ISONE_CATALOG_URL must be a PostgreSQL catalog in prod "
            "(postgresql://user@host:port/db; got " + ("a non-PostgreSQL value" if catalog else "nothing") + ")"
        )
    elif bare.startswith(("postgresql://", "postgres://")) and urlsplit(bare).password is not None:
        problems.append(
            "ISONE_CATALOG_URL contains a password: put it in PGPASSWORD instead (URLs end up in logs and the UI)"
        )
    elif re.search(r"(^|\s)password\s*=", bare, re.IGNORECASE):
        problems.append(
            "ISONE_CATALOG_URL contains a password: put it in PGPASSWORD instead (URLs end up in logs and the UI)"
        )
    if os.environ.get("ISONE_WAREHOUSE_DATA_PATH", "").strip() and not os.environ[
        "ISONE_WAREHOUSE_DATA_PATH"
    ].startswith("s3://"):
        problems.append(
            "ISONE_WAREHOUSE_DATA_PATH must be an s3:// location in prod (or unset: <ISONE_LAKE_URL>/tables/)"
        )
    return problems


def s3_resource_from_env() -> S3Resource:
    """dagster-aws's S3 resource: endpoint `AWS_ENDPOINT_URL` (any S3-compatible store), region `AWS_REGION` /
    `AWS_DEFAULT_REGION`. No keys in its config: boto's credential chain reads AWS_ACCESS_KEY_ID /
    AWS_SECRET_ACCESS_KEY from the environment, or uses a profile or the instance/IRSA role, so no secret ever
    appears in resource config, the UI or run records."""
    return S3Resource(
        endpoint_url=aws.s3_endpoint_url(),
        region_name=aws.region(),
    )


def build_resources() -> dict[str, Any]:
    """Every resource, configured from the environment in this one place.

    `ISONE_ENV=local` (default): the lake and warehouse wherever `ISONE_LAKE_URL` / `ISONE_CATALOG_URL` say
    (`./data/` by default). `ISONE_ENV=prod`: the raw lake and the warehouse's Parquet files in S3, the warehouse
    catalog in PostgreSQL; anything else is a `ConfigError` naming the variable. Secrets only as `dg.EnvVar`.
    """
    from isone_platform.lib.dbt import dbt_resource
    from isone_platform.lib.io_managers import DuckLakeIOManager
    from isone_platform.lib.lake import RawLakeIOManager

    env = isone_env()
    if env == "prod":
        problems = check_prod_config()
        if problems:
            raise ConfigError("ISONE_ENV=prod: " + "; ".join(problems))
    lake_url = lake_url_from_env()
    resources: dict[str, Any] = {
        "isone_api": IsoneApiResource(
            base_url=os.environ.get("ISONE_BASE_URL", DEFAULT_BASE_URL),
            username=_secret("ISONE_USERNAME"),
            password=_secret("ISONE_PASSWORD"),
            max_attempts=int(os.environ.get("ISONE_MAX_ATTEMPTS", "5")),
            read_timeout_seconds=env_seconds("ISONE_READ_TIMEOUT_SECONDS", DEFAULT_READ_TIMEOUT_SECONDS),
        ),
        "warehouse_io_manager": DuckLakeIOManager.from_env(),
        "dbt": dbt_resource(),
    }
    if lake_url.startswith("s3://"):
        s3 = s3_resource_from_env()
        resources["s3"] = s3
        resources["raw_lake_io_manager"] = RawLakeIOManager(lake_url=lake_url, s3=s3)
    else:
        resources["raw_lake_io_manager"] = RawLakeIOManager(lake_url=lake_url)
    return resources
