"""What the raw lake keeps besides a day's current landing: the accepted manifest, the archive of superseded
bodies (pruned after ISONE_RAW_ARCHIVE_DAYS) and the quarantine of landings the std step refused.

Nothing landed is deleted on the way: a superseded or refused body is moved, so a bad landing can be undone and
looked at later.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from isone_platform.lib.lake.layout import (
    ACCEPTED,
    ARCHIVE_ROOT,
    MANIFEST,
    QUARANTINE_ROOT,
    _keys,
    _manifest,
    _stamp,
    day_prefix,
)
from isone_platform.lib.lake.storage import Lake
from isone_platform.lib.raw import RawDay


def _archive(lake: Lake, prefix: str, stale: list[str], previous: dict | None, now: datetime) -> None:
    """Move superseded bodies under `archive/`, next to the manifest that named them."""
    folder = f"{ARCHIVE_ROOT}/{prefix}/superseded={_stamp(now)}"
    if previous is not None:
        lake.put(f"{folder}/{MANIFEST}", json.dumps(previous, indent=1).encode())
    for key in stale:
        lake.move(key, f"{folder}/{key.rsplit('/', 1)[1]}")


def accept_day(lake: Lake, raw: RawDay) -> None:
    """Record the manifest the std step just built the stored day from: a later, worse landing goes back to it."""
    if raw.manifest is not None:
        lake.put(f"{day_prefix(raw.dataset, raw.day)}/{ACCEPTED}", json.dumps(raw.manifest, indent=1).encode())


def reject_day(lake: Lake, raw: RawDay, reason: str, *, now: datetime | None = None) -> str:
    """Undo a landing the std step refused: its bodies move to quarantine (with its manifest and the reason) and
    the accepted manifest becomes the day's manifest again. Returns where the bodies went. With no accepted
    manifest (nothing was ever stored for the day) the landing stays in place and quarantine gets a copy."""
    prefix = day_prefix(raw.dataset, raw.day)
    folder = f"{QUARANTINE_ROOT}/{prefix}/rejected={_stamp(now or datetime.now(UTC))}"
    accepted = _manifest(lake, f"{prefix}/{ACCEPTED}")
    lake.put(f"{folder}/reason.txt", reason.encode())
    if raw.manifest is not None:
        lake.put(f"{folder}/{MANIFEST}", json.dumps(raw.manifest, indent=1).encode())
    for key in sorted(_keys(raw.manifest)):
        target = f"{folder}/{key.rsplit('/', 1)[1]}"
        if accepted is None or key in _keys(accepted):
            lake.put(target, lake.get(key))
        else:
            lake.move(key, target)
    if accepted is not None:
        lake.put(f"{prefix}/{MANIFEST}", json.dumps(accepted, indent=1).encode())
    return f"{lake.url.rstrip('/')}/{folder}"


def prune_archive(lake: Lake, keep_days: int, now: datetime | None = None) -> int:
    """Delete archived bodies superseded more than `keep_days` ago; returns how many objects went."""
    cutoff = _stamp((now or datetime.now(UTC)) - timedelta(days=keep_days))
    old = [k for k in lake.list(ARCHIVE_ROOT) if (stamp := _superseded(k)) is not None and stamp < cutoff]
    lake.delete(old)
    return len(old)


def _superseded(key: str) -> str | None:
    for part in key.split("/"):
        if part.startswith("superseded="):
            return part[len("superseded=") :]
    return None
