"""Where S3 is and in which region, from the standard AWS environment variables, read in this one place.

Why one place: the lake's S3 resource, the warehouse's DuckDB secret and the dbt profile all talk to the same
store; the same fallbacks were written out in four places, where one could drift from the others.
No credentials here: boto's chain and the DuckDB secret read the keys themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_REGION = "us-east-1"


def s3_endpoint_url() -> str | None:
    """`AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (an S3-compatible store); None means AWS itself."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def region() -> str:
    """`AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1 (S3-compatible stores accept any region)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


@dataclass(frozen=True)
class S3Endpoint:
    """An S3-compatible endpoint as DuckDB wants it: `host[:port][/path]` without scheme, and whether to use TLS."""

    host: str
    use_ssl: bool


def s3_endpoint() -> S3Endpoint | None:
    """The endpoint of `s3_endpoint_url()` split for DuckDB (a bare host means https), or None for AWS itself."""
    url = s3_endpoint_url()
    if not url:
        return None
    parts = urlsplit(url if "://" in url else f"https://{url}")
    return S3Endpoint(host=parts.netloc + parts.path.rstrip("/"), use_ssl=parts.scheme == "https")
