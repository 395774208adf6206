"""Dagster resources shared by the ingestion assets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field

from isone_platform.lib.isone_client import DEFAULT_BASE_URL, IsoneClient, RetryPolicy


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
