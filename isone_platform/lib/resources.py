"""Dagster resources shared by the ingestion assets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
from dagster_aws.s3 import S3Resource
from pydantic import Field

from isone_platform.lib.isone_client import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_BODY_MB,
    DEFAULT_READ_TIMEOUT_SECONDS,
    IsoneClient,
    RetryPolicy,
)
from isone_platform.lib.settings import Settings, SettingsError, current_settings, export_library_credentials
from isone_platform.lib.warehouse.resource import DuckLakeResource


class IsoneApiResource(dg.ConfigurableResource):
    """The ISO-NE Web Services API (or the bundled simulator). Credentials come from EnvVar, or, when unset in
    the config (a `.env`-only secret), from this process's settings when a client opens: never config values."""

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
    max_body_mb: int = Field(default=DEFAULT_MAX_BODY_MB, description="largest decoded body (ISONE_MAX_BODY_MB)")

    def _credentials(self) -> tuple[str | None, str | None]:
        if self.username is not None or self.password is not None:
            return self.username, self.password
        settings = current_settings()
        password = settings.isone_password.get_secret_value() if settings.isone_password else None
        return settings.isone_username, password

    @contextmanager
    def client(self) -> Iterator[IsoneClient]:
        """One connection pool for the duration of a step."""
        username, password = self._credentials()
        with IsoneClient(
            self.base_url,
            username,
            password,
            retry=RetryPolicy(self.max_attempts, self.backoff_base_seconds, self.backoff_max_seconds),
            connect_timeout=self.connect_timeout_seconds,
            read_timeout=self.read_timeout_seconds,
            max_connections=max(self.max_concurrent_requests, 1),
            max_body_mb=self.max_body_mb,
        ) as client:
            yield client


def _secret(settings: Settings, name: str) -> dg.EnvVar | None:
    """Secrets reach resources only as EnvVar (the UI and run config show the variable's name, never its value),
    when set in the process environment; one found only in `.env` stays out of the config and the resource takes
    it from the settings when it opens a client."""
    return dg.EnvVar(name) if settings.from_process_env(name) else None


ENVIRONMENTS = ("local", "prod")


class ConfigError(SettingsError):
    """The environment's configuration is inconsistent; the message says which variable to fix."""


def check_prod_config(settings: Settings) -> list[str]:
    """What is wrong with `settings` for `ISONE_ENV=prod` (empty when nothing is)."""
    problems = []
    lake = settings.isone_lake_url
    if not lake.startswith("s3://") or not lake[len("s3://") :].split("/", 1)[0]:
        problems.append(f"ISONE_LAKE_URL must be s3://bucket/prefix in prod (got {lake!r})")
    problems += _catalog_problems(settings.isone_catalog_url)
    data_path = (settings.isone_warehouse_data_path or "").strip()
    if data_path and not data_path.startswith("s3://"):
        problems.append(
            "ISONE_WAREHOUSE_DATA_PATH must be an s3:// location in prod (or unset: <ISONE_LAKE_URL>/tables/)"
        )
    return problems


def _catalog_problems(catalog: str) -> list[str]:
    """`ISONE_CATALOG_URL` must name a PostgreSQL catalog without a password in prod."""
    from urllib.parse import urlsplit

    bare = catalog.removeprefix("ducklake:")
    if not bare.startswith(("postgresql://", "postgres://", "postgres:")):
        return [
            "ISONE_CATALOG_URL must be a PostgreSQL catalog in prod "
            "(postgresql://user@host:port/db; got a non-PostgreSQL value)"
        ]
    uri_password = bare.startswith(("postgresql://", "postgres://")) and urlsplit(bare).password is not None
    if uri_password or re.search(r"(^|\s)password\s*=", bare, re.IGNORECASE):
        return ["ISONE_CATALOG_URL contains a password: put it in PGPASSWORD instead (URLs end up in logs and the UI)"]
    return []


def s3_resource(settings: Settings) -> S3Resource:
    """dagster-aws's S3 resource on the settings' endpoint and region (`Settings.aws`). No keys in its config:
    boto's credential chain reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment, or uses a
    profile or the instance/IRSA role, so no secret ever appears in resource config, the UI or run records."""
    aws = settings.aws
    return S3Resource(endpoint_url=aws.endpoint_url, region_name=aws.region_name)


def isone_api_resource(settings: Settings) -> IsoneApiResource:
    """The ISO-NE API resource of `settings` (credentials as EnvVar, see `_secret`)."""
    return IsoneApiResource(
        base_url=settings.isone_base_url,
        username=_secret(settings, "ISONE_USERNAME"),
        password=_secret(settings, "ISONE_PASSWORD"),
        max_attempts=settings.isone_max_attempts,
        read_timeout_seconds=settings.isone_read_timeout_seconds,
        max_body_mb=settings.isone_max_body_mb,
    )


def build_resources(settings: Settings | None = None) -> dict[str, Any]:
    """Every resource, configured from `settings` (default: `Settings.from_env()`, read now) in this one place.

    `ISONE_ENV=local` (default): the lake and warehouse wherever `ISONE_LAKE_URL` / `ISONE_CATALOG_URL` say
    (`./data/` by default). `ISONE_ENV=prod`: the raw lake and the warehouse's Parquet files in S3, the warehouse
    catalog in PostgreSQL; anything else is a `ConfigError` naming the variable. Secrets only as `dg.EnvVar`.
    The warehouse is one `DuckLakeResource` (key `warehouse`); the IO manager stores into the same catalog.
    """
    from isone_platform.lib.dbt import dbt_resource
    from isone_platform.lib.io_managers import DuckLakeIOManager
    from isone_platform.lib.lake import RawLakeIOManager

    settings = settings or Settings.from_env()
    export_library_credentials(settings)
    if settings.isone_env == "prod":
        problems = check_prod_config(settings)
        if problems:
            raise ConfigError("ISONE_ENV=prod: " + "; ".join(problems))
    warehouse = DuckLakeResource.from_settings(settings)
    resources: dict[str, Any] = {
        "isone_api": isone_api_resource(settings),
        "warehouse": warehouse,
        "warehouse_io_manager": DuckLakeIOManager(
            catalog=warehouse.catalog, data_path=warehouse.data_path, memory_limit=warehouse.memory_limit
        ),  # the storage layer of std assets returning frames, on the same warehouse
        "dbt": dbt_resource(),
    }
    lake_url = settings.lake_url
    if lake_url.startswith("s3://"):
        s3 = s3_resource(settings)
        resources["s3"] = s3
        resources["raw_lake_io_manager"] = RawLakeIOManager(lake_url=lake_url, s3=s3)
    else:
        resources["raw_lake_io_manager"] = RawLakeIOManager(lake_url=lake_url)
    return resources
