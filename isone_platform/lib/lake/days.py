"""Landing days in the raw lake and reading them back, one day's bodies in memory at a time.

A day is replaced by writing the new bodies first and the manifest last, in one atomic put: a reader (or a
failed run) sees the old day or the new one. Bodies the new manifest no longer names go to the archive
(`archive`), unless the accepted manifest still names them.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from isone_platform.lib.lake.archive import _archive
from isone_platform.lib.lake.layout import ACCEPTED, MANIFEST, _describe, _keys, _manifest, _slug, day_prefix
from isone_platform.lib.lake.storage import Lake, LakeError
from isone_platform.lib.raw import LandedBody, RawDay


def write_day(lake: Lake, raw: RawDay, *, now: datetime | None = None) -> dict:
    """Land one day's bodies; returns the manifest written. Bodies the new manifest no longer names move to
    the archive with the manifest they belonged to (unless the accepted manifest still names them)."""
    prefix = day_prefix(raw.dataset, raw.day)
    # A key names the body's hash: a key already in the lake holds this very body (a poll re-lands the day's
    # earlier bodies every tick), so it is not written again.
    present = set(lake.list(prefix))
    entries = [_land(lake, prefix, landed, present) for landed in raw.bodies]
    manifest = {"dataset": raw.dataset, "operating_day": raw.day.isoformat() if raw.day else None, "bodies": entries}
    previous = _manifest(lake, f"{prefix}/{MANIFEST}") if f"{prefix}/{MANIFEST}" in present else None
    lake.put(f"{prefix}/{MANIFEST}", json.dumps(manifest, indent=1).encode())
    accepted = _manifest(lake, f"{prefix}/{ACCEPTED}") if f"{prefix}/{ACCEPTED}" in present else None
    keep = _keys(manifest) | _keys(accepted) | {f"{prefix}/{MANIFEST}", f"{prefix}/{ACCEPTED}"}
    stale = [k for k in present if k not in keep and (raw.day is not None or "/operating_day=" not in k)]
    if stale:
        _archive(lake, prefix, stale, previous, now or datetime.now(UTC))
    return manifest


def _land(lake: Lake, prefix: str, landed: LandedBody, present: set[str]) -> dict:
    key = f"{prefix}/{_slug(landed.path)}.{landed.sha256[:12]}.json.gz"
    if key not in present:
        # The server's own gzip when we have it; else mtime=0, so the same body compresses to the same bytes.
        lake.put(key, landed.gzipped or gzip.compress(landed.body, compresslevel=6, mtime=0))
    return {
        "path": landed.path,
        "fetched_at": landed.fetched_at.isoformat(),
        "sha256": landed.sha256,
        "bytes": len(landed.body),
        "key": key,
    }


def read_day(lake: Lake, dataset: str, day: date | None) -> RawDay:
    prefix = day_prefix(dataset, day)
    try:
        manifest = json.loads(lake.get(f"{prefix}/{MANIFEST}"))
    except FileNotFoundError:
        what = f"operating day {day.isoformat()}" if day else "it"
        raise FileNotFoundError(
            f"raw/isone__{dataset} has no landed bodies for {what} in {lake.url}: materialize the raw asset first"
        ) from None
    except ValueError as exc:
        raise LakeError(f"{prefix}/{MANIFEST} ({_describe(dataset, day)}) is not a valid manifest: {exc}") from None
    bodies = [_read_body(lake, entry, dataset, day) for entry in manifest["bodies"]]
    return RawDay(dataset, day, bodies, manifest=manifest)


def _read_body(lake: Lake, entry: dict, dataset: str, day: date | None) -> LandedBody:
    """One landed body, checked against its manifest entry; a broken object is named with its dataset and day."""
    where = f"{entry['key']} ({_describe(dataset, day)})"
    try:
        body = gzip.decompress(lake.get(entry["key"]))
    except FileNotFoundError:
        raise FileNotFoundError(f"{where}: the manifest names a body missing from {lake.url}") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise LakeError(f"{where}: corrupt gzip object in {lake.url} ({type(exc).__name__}: {exc})") from None
    landed = LandedBody(entry["path"], datetime.fromisoformat(entry["fetched_at"]), body)
    if landed.sha256 != entry["sha256"]:
        raise ValueError(f"{where}: body does not match its manifest checksum (corrupt lake object)")
    return landed


@dataclass
class LandingReport:
    """What a raw run landed, per operating day (bodies, bytes): each day's figures go on that day's partition."""

    per_day: dict[str, dict[str, int]] = field(default_factory=dict)  # "YYYY-MM-DD" (or "") -> bodies, body_bytes

    def add(self, raw: RawDay) -> None:
        self.per_day[raw.day.isoformat() if raw.day else ""] = {
            "bodies": len(raw.bodies),
            "body_bytes": raw.total_bytes,
        }

    @property
    def days(self) -> list[str]:
        return [d for d in self.per_day if d]

    @property
    def bodies(self) -> int:
        return sum(f["bodies"] for f in self.per_day.values())

    @property
    def body_bytes(self) -> int:
        return sum(f["body_bytes"] for f in self.per_day.values())

    def metadata(self) -> dict[str, Any]:
        """The run's totals, named as run totals (they go on every partition of the run)."""
        return {"run_days": self.days or "unpartitioned", "run_bodies": self.bodies, "run_body_bytes": self.body_bytes}


def land_days(lake: Lake, days: Iterable[RawDay]) -> LandingReport:
    """Land each day as it comes, before the next is asked for (a lazy `days` fetches then): one day's bodies
    alive at a time, and a failure leaves the earlier days landed. The producer is closed on the way out, so a
    failed landing stops it (and its HTTP client) now rather than at garbage collection."""
    report = LandingReport()
    items = iter(days)
    try:
        for raw in items:
            if not isinstance(raw, RawDay):
                raise TypeError(f"expected RawDay items to land, got {type(raw).__name__}")
            write_day(lake, raw)
            report.add(raw)
            del raw  # drop this day's bodies before the next one is fetched
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()
    return report


class LandedDays:
    """Landed days of one dataset, read from the lake lazily: one day's bodies in memory at a time.

    What the std assets get as input. A std backfill run carries `ISONE_BACKFILL_DAYS_PER_RUN` days
    (`backfill_policy()` in lib/partitions.py, 15 by default): 15 days of the all-node RT 5-minute LMPs are
    ~1.1 GB of bodies, which a list would hold all at once.
    Re-iterable: every pass reads the days again, which is what a retried warehouse transaction needs (it
    standardizes the days again rather than keeping them).
    """

    def __init__(self, lake: Lake, dataset: str, days: list[date | None]):
        self.lake = lake
        self.dataset = dataset
        self.days = days

    def __len__(self) -> int:
        return len(self.days)

    def __iter__(self) -> Iterator[RawDay]:
        for day in self.days:
            yield read_day(self.lake, self.dataset, day)

    def __repr__(self) -> str:
        return f"LandedDays({self.dataset!r}, {len(self.days)} day(s), lake={self.lake.url!r})"
