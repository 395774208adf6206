"""What the keys of the raw lake mean: a dataset's day prefix, the body and manifest names, the archive and
quarantine roots, and reading a manifest. One place, so landing (`days`) and the archive (`archive`) agree.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from isone_platform.lib.lake.storage import Lake

MANIFEST = "_manifest.json"
ACCEPTED = "_accepted_manifest.json"
ARCHIVE_ROOT = "archive"
QUARANTINE_ROOT = "quarantine"
DEFAULT_RAW_ARCHIVE_DAYS = 30
"""`ISONE_RAW_ARCHIVE_DAYS`: how long superseded bodies stay in the archive before maintenance prunes them."""


def day_prefix(dataset: str, day: date | None) -> str:
    base = f"raw/isone__{dataset.removeprefix('isone__')}"
    return f"{base}/operating_day={day.isoformat()}" if day else base


def _slug(path: str) -> str:
    return path.strip("/").replace("/", "_") or "root"


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%S.%fZ")


def _manifest(lake: Lake, key: str) -> dict | None:
    try:
        return json.loads(lake.get(key))
    except FileNotFoundError:
        return None


def _keys(manifest: dict | None) -> set[str]:
    return {entry["key"] for entry in manifest["bodies"]} if manifest else set()


def _describe(dataset: str, day: date | None) -> str:
    return f"raw/isone__{dataset.removeprefix('isone__')} " + (f"operating day {day.isoformat()}" if day else "")
