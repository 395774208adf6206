"""Dagster resources shared by the ingestion assets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
from pydantic import Field

from isone_platform.lib.isone_client import DEFAULT_BASE_URL, IsoneClient, RetryPolicy
from isone_platform.lib.settings import project_root


class IsoneApiResource(dg.ConfigurableResource):
    """The ISO-NE Web Services API (or the bundled simulator). Credentials only ever come from EnvVar."""

    base_url: str = Field(default=DEFAULT_BASE_URL, description="API root, e.g. https://webservices.iso-ne.com/api/v1.1")
    username: str | None = Field(default=None, description="ISO Express user (set through ISONE_USERNAME)")
    password: str | None = Field(default=None, description="ISO Express password (set through ISONE_PASSWORD)")
    max_attempts: int = Field(default=5, description="attempts per request on 429 / 5xx / transport errors")
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 60.0
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


def build_resources() -> dict[str, Any]:
    """Every resource, configured from the environment in this one place."""
    from isone_platform.lib.io_managers import DuckLakeIOManager
    from isone_platform.lib.lake import RawLakeIOManager

    return {
        "isone_api": IsoneApiResource(
            base_url=os.environ.get("ISONE_BASE_URL", DEFAULT_BASE_URL),
            username=_secret("ISONE_USERNAME"),
            password=_secret("ISONE_PASSWORD"),
            max_attempts=int(os.environ.get("ISONE_MAX_ATTEMPTS", "5")),
        ),
        "raw_lake_io_manager": RawLakeIOManager(lake_url=lake_url_from_env()),
        "warehouse_io_manager": DuckLakeIOManager.from_env(),
    }
