"""Which lake a URL names: `ISONE_LAKE_URL` is a local directory or `s3://bucket/prefix`."""

from __future__ import annotations

from pathlib import Path

from dagster_aws.s3 import S3Resource

from isone_platform.lib.lake.s3 import S3Lake
from isone_platform.lib.lake.storage import Lake, LocalLake


def lake_from_url(url: str, root: Path | None = None, *, s3: S3Resource | None = None) -> Lake:
    """The lake at `url`: `s3://bucket/prefix` (through `s3`, default: an S3Resource from the environment) or a
    local directory (relative paths resolve against `root`, default the current directory)."""
    if url.startswith("s3://"):
        return S3Lake.from_url(url, s3)
    if "://" in url and not url.startswith("file://"):
        raise ValueError(f"ISONE_LAKE_URL={url!r}: unsupported lake; use a local directory or s3://bucket/prefix")
    path = Path(url.removeprefix("file://")).expanduser()
    if not path.is_absolute():
        path = (root or Path.cwd()) / path
    return LocalLake(path)
