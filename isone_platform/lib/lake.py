"""The raw lake: exact response bodies, gzip-compressed, under Hive-style keys, and the IO manager that lands them.

Layout under the lake root:
    raw/isone__<dataset>/operating_day=YYYY-MM-DD/<path-slug>.<sha12>.json.gz   one file per response body
    raw/isone__<dataset>/operating_day=YYYY-MM-DD/_manifest.json                 what the day consists of
(unpartitioned datasets have no `operating_day=` level).

A day is replaced by writing the new bodies first and the manifest last, in one atomic put: a reader (or a
failed run) sees the old day or the new one. Bodies no longer named by the manifest are removed afterwards.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import dagster as dg

from isone_platform.lib.partitions import partition_day
from isone_platform.lib.raw import LandedBody, RawDay

MANIFEST = "_manifest.json"


class Lake(Protocol):
    url: str

    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def delete(self, keys: Iterable[str]) -> None: ...


class LocalLake:
    """A lake in a local directory; `put` is atomic (temporary file + rename)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()
        self.url = str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"lake key {key!r} escapes the lake root")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        return sorted(
            str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")
        )

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)


def lake_from_url(url: str, root: Path | None = None) -> Lake:
    if url.startswith("s3://"):
        raise ValueError(f"ISONE_LAKE_URL={url!r}: S3 lakes are not supported yet; use a local directory")
    path = Path(url.removeprefix("file://")).expanduser()
    if not path.is_absolute():
        path = (root or Path.cwd()) / path
    return LocalLake(path)


def day_prefix(dataset: str, day: date | None) -> str:
    base = f"raw/isone__{dataset.removeprefix('isone__')}"
    return f"{base}/operating_day={day.isoformat()}" if day else base


def _slug(path: str) -> str:
    return path.strip("/").replace("/", "_") or "root"


def write_day(lake: Lake, raw: RawDay) -> dict:
    """Land one day's bodies; returns the manifest written."""
    prefix = day_prefix(raw.dataset, raw.day)
    entries = []
    for landed in raw.bodies:
        key = f"{prefix}/{_slug(landed.path)}.{landed.sha256[:12]}.json.gz"
        # mtime=0: the same body always compresses to the same bytes.
        lake.put(key, gzip.compress(landed.body, compresslevel=6, mtime=0))
        entries.append(
            {"path": landed.path, "fetched_at": landed.fetched_at.isoformat(), "sha256": landed.sha256,
             "bytes": len(landed.body), "key": key}
        )
    manifest = {"dataset": raw.dataset, "operating_day": raw.day.isoformat() if raw.day else None, "bodies": entries}
    lake.put(f"{prefix}/{MANIFEST}", json.dumps(manifest, indent=1).encode())
    keep = {e["key"] for e in entries} | {f"{prefix}/{MANIFEST}"}
    stale = [k for k in lake.list(prefix) if k not in keep and (raw.day is not None or "/operating_day=" not in k)]
    lake.delete(stale)
    return manifest


def read_day(lake: Lake, dataset: str, day: date | None) -> RawDay:
    prefix = day_prefix(dataset, day)
    try:
        manifest = json.loads(lake.get(f"{prefix}/{MANIFEST}"))
    except FileNotFoundError:
        what = f"operating day {day.isoformat()}" if day else "it"
        raise FileNotFoundError(
            f"raw/isone__{dataset} has no landed bodies for {what} in {lake.url}: materialize the raw asset first"
        ) from None
    bodies = []
    for entry in manifest["bodies"]:
        body = gzip.decompress(lake.get(entry["key"]))
        landed = LandedBody(entry["path"], datetime.fromisoformat(entry["fetched_at"]), body)
        if landed.sha256 != entry["sha256"]:
            raise ValueError(f"{entry['key']}: body does not match its manifest checksum (corrupt lake object)")
        bodies.append(landed)
    return RawDay(dataset, day, bodies)


class RawLakeIOManager(dg.ConfigurableIOManager):
    """Stores `list[RawDay]` outputs of raw/isone__* assets in the lake; loads them back for std assets."""

    lake_url: str

    def _lake(self) -> Lake:
        return lake_from_url(self.lake_url)

    @staticmethod
    def _dataset(context: dg.OutputContext | dg.InputContext) -> str:
        return context.asset_key.path[-1].removeprefix("isone__")

    def handle_output(self, context: dg.OutputContext, obj: list[RawDay]) -> None:
        if not isinstance(obj, list) or not all(isinstance(d, RawDay) for d in obj):
            raise TypeError(f"{context.asset_key.to_user_string()}: expected list[RawDay], got {type(obj).__name__}")
        lake = self._lake()
        for raw in obj:
            write_day(lake, raw)
        context.add_output_metadata(
            {
                "lake": self.lake_url,
                "days": [d.day.isoformat() for d in obj if d.day] or "unpartitioned",
                "bodies": sum(len(d.bodies) for d in obj),
                "body_bytes": sum(d.total_bytes for d in obj),
            }
        )

    def load_input(self, context: dg.InputContext) -> list[RawDay]:
        lake = self._lake()
        dataset = self._dataset(context)
        if not context.has_asset_partitions:
            return [read_day(lake, dataset, None)]
        return [read_day(lake, dataset, partition_day(k)) for k in context.asset_partition_keys]
