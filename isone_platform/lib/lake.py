"""The raw lake: exact response bodies, gzip-compressed, under Hive-style keys, and the IO manager that lands them.

Layout under the lake root:
    raw/isone__<dataset>/operating_day=YYYY-MM-DD/<path-slug>.<sha12>.json.gz   one file per response body
    raw/isone__<dataset>/operating_day=YYYY-MM-DD/_manifest.json                 what the day consists of
(unpartitioned datasets have no `operating_day=` level).

The lake root is a local directory (`ISONE_LAKE_URL=./data/lake`) or an S3 prefix (`ISONE_LAKE_URL=s3://bucket/prefix`,
through dagster-aws's `S3Resource`; `AWS_ENDPOINT_URL` points it at any S3-compatible store).

A day is replaced by writing the new bodies first and the manifest last, in one atomic put: a reader (or a
failed run) sees the old day or the new one. Nothing landed is deleted on the way:
    _accepted_manifest.json                                   the bodies the stored std day was built from
    archive/<day prefix>/superseded=<UTC time>/...            bodies (and the manifest) a later landing superseded,
                                                              kept ISONE_RAW_ARCHIVE_DAYS (`prune_archive`)
    quarantine/<day prefix>/rejected=<UTC time>/...           bodies the std step refused (less complete than the
                                                              stored day, unparseable, structurally broken)
Bodies the accepted manifest names stay in the day's prefix until the std step accepts another day, so a
rejected landing is undone by putting the accepted manifest back (`reject_day`).
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

import dagster as dg
from dagster_aws.s3 import S3Resource

from isone_platform.lib import aws
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
    def move(self, key: str, to: str) -> None: ...


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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(path, data)
        except OSError as exc:
            raise LakeError(f"cannot write {key} in the lake {self.url}: {exc.strerror or exc}") from exc

    def move(self, key: str, to: str) -> None:
        target = self._path(to)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._path(key), target)

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


class LakeError(RuntimeError):
    """A lake problem with a message meant for the person reading it (never containing credentials)."""


def _atomic_write(path: Path, data: bytes) -> None:
    """Write through a temporary name and rename. Created with mode 0666 minus the process umask (not
    `mkstemp`'s 0600), so other users of a shared lake can read what we land."""
    tmp = path.with_name(f".tmp-{secrets.token_hex(8)}{path.suffix}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def default_s3_resource() -> S3Resource:
    """dagster-aws's S3 resource from the environment: endpoint `AWS_ENDPOINT_URL` (S3-compatible stores), region
    `AWS_REGION`/`AWS_DEFAULT_REGION`; credentials from boto's usual chain (env, profile, instance/IRSA role)."""
    return S3Resource(endpoint_url=aws.s3_endpoint_url(), region_name=aws.region())


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix/` -> ("bucket", "some/prefix")."""
    if not url.startswith("s3://"):
        raise ValueError(f"{url!r} is not an s3:// URL")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"{url!r}: no bucket (expected s3://bucket/prefix)")
    return bucket, prefix.strip("/")


# Test-only hook: when set, called as `_before_put(lake, key)` before every S3 PutObject. Tests use it to stop
# the S3 server in the middle of a run.
_before_put = None


class S3Lake:
    """A lake under `s3://bucket/prefix/`. `put` is one PutObject (atomic per object: readers see the old object
    or the new one). Errors name the bucket, key and endpoint, never the credentials."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client=None,
        endpoint_url: str | None = None,
        region_name: str | None = None,
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        if client is None:
            resource = S3Resource(
                endpoint_url=endpoint_url or aws.s3_endpoint_url(), region_name=region_name or aws.region()
            )
            client = resource.get_client()
        self.client = client
        self.endpoint = endpoint_url or getattr(getattr(client, "meta", None), "endpoint_url", None) or "AWS S3"

    @classmethod
    def from_url(cls, url: str, s3: S3Resource | None = None) -> S3Lake:
        bucket, prefix = parse_s3_url(url)
        resource = s3 if s3 is not None else default_s3_resource()
        return cls(bucket, prefix, client=resource.get_client(), endpoint_url=resource.endpoint_url)

    def _key(self, key: str) -> str:
        key = key.strip("/")
        if not key or any(part in ("", ".", "..") for part in key.split("/")):
            raise ValueError(f"lake key {key!r} is not a plain relative key")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _relative(self, full_key: str) -> str:
        return full_key[len(self.prefix) + 1 :] if self.prefix else full_key

    def _error(self, exc: Exception, doing: str, key: str | None = None) -> Exception:
        """Translate a boto error into FileNotFoundError (missing object) or a LakeError that says what to fix."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = f"s3://{self.bucket}/{key}" if key else f"s3://{self.bucket}"
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "NoSuchBucket":
                return LakeError(
                    f"S3 bucket {self.bucket!r} does not exist at endpoint {self.endpoint} (while {doing} {where}): "
                    "create the bucket, or fix ISONE_LAKE_URL / AWS_ENDPOINT_URL"
                )
            if code in ("NoSuchKey", "404") or status == 404:
                return FileNotFoundError(f"{where} does not exist (endpoint {self.endpoint})")
            if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403") or status == 403:
                return LakeError(
                    f"S3 refused {doing} {where} at endpoint {self.endpoint} ({code or status}): check the AWS "
                    "credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the instance role) and the bucket policy"
                )
            return LakeError(
                f"S3 error while {doing} {where} at endpoint {self.endpoint}: {code} {error.get('Message', '')}".strip()
            )
        if isinstance(exc, NoCredentialsError):
            return LakeError(
                f"no AWS credentials found for {where} (endpoint {self.endpoint}): set AWS_ACCESS_KEY_ID "
                "and AWS_SECRET_ACCESS_KEY, or run with an instance/IRSA role"
            )
        if isinstance(exc, BotoCoreError):
            return LakeError(f"S3 endpoint {self.endpoint} failed while {doing} {where}: {exc}")
        return exc

    def _call(self, doing: str, key: str | None, fn, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, doing, key) from None

    def put(self, key: str, data: bytes) -> None:
        full = self._key(key)
        if _before_put is not None:
            _before_put(self, key)
        content_type = "application/json" if key.endswith(".json") else "application/octet-stream"
        self._call(
            "writing", full, self.client.put_object, Bucket=self.bucket, Key=full, Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        full = self._key(key)
        response = self._call("reading", full, self.client.get_object, Bucket=self.bucket, Key=full)
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        full = self._key(key)
        try:
            self._call("checking", full, self.client.head_object, Bucket=self.bucket, Key=full)
        except FileNotFoundError:
            return False
        return True

    def list(self, prefix: str) -> list[str]:
        base = self._key(prefix) + "/"
        keys: list[str] = []
        token = None
        while True:
            kwargs = {"Bucket": self.bucket, "Prefix": base}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call("listing", base, self.client.list_objects_v2, **kwargs)
            keys.extend(self._relative(o["Key"]) for o in page.get("Contents", []))
            if not page.get("IsTruncated"):
                break
            token = page.get("NextContinuationToken")
        return sorted(keys)

    def delete(self, keys: Iterable[str]) -> None:
        full = [self._key(k) for k in keys]
        for i in range(0, len(full), 1000):
            batch = full[i : i + 1000]
            response = self._call(
                "deleting from",
                batch[0],
                self.client.delete_objects,
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise LakeError(
                    f"S3 could not delete {len(errors)} object(s) in s3://{self.bucket}, e.g. "
                    f"{first.get('Key')}: {first.get('Code')} (endpoint {self.endpoint})"
                )

    def move(self, key: str, to: str) -> None:
        source, target = self._key(key), self._key(to)
        self._call(
            "copying",
            source,
            self.client.copy_object,
            Bucket=self.bucket,
            Key=target,
            CopySource={"Bucket": self.bucket, "Key": source},
        )
        self.delete([key])

    def check_bucket(self) -> None:
        """Raise a LakeError naming bucket and endpoint when the bucket is missing or unreachable."""
        try:
            self._call("opening", None, self.client.head_bucket, Bucket=self.bucket)
        except FileNotFoundError:
            raise LakeError(
                f"S3 bucket {self.bucket!r} does not exist at endpoint {self.endpoint}: create the bucket, or fix "
                "ISONE_LAKE_URL / AWS_ENDPOINT_URL"
            ) from None


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


def day_prefix(dataset: str, day: date | None) -> str:
    base = f"raw/isone__{dataset.removeprefix('isone__')}"
    return f"{base}/operating_day={day.isoformat()}" if day else base


def _slug(path: str) -> str:
    return path.strip("/").replace("/", "_") or "root"


ACCEPTED = "_accepted_manifest.json"
ARCHIVE_ROOT = "archive"
QUARANTINE_ROOT = "quarantine"
DEFAULT_RAW_ARCHIVE_DAYS = 30
"""`ISONE_RAW_ARCHIVE_DAYS`: how long superseded bodies stay in the archive before maintenance prunes them."""


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
    """What a raw run landed: its days, bodies and bytes (for the materialization's metadata)."""

    days: list[str] = field(default_factory=list)
    bodies: int = 0
    body_bytes: int = 0

    def add(self, raw: RawDay) -> None:
        if raw.day:
            self.days.append(raw.day.isoformat())
        self.bodies += len(raw.bodies)
        self.body_bytes += raw.total_bytes

    def metadata(self) -> dict[str, object]:
        return {"days": self.days or "unpartitioned", "bodies": self.bodies, "body_bytes": self.body_bytes}


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

    What the std assets get as input. A 30-day single-run std backfill of the all-node RT 5-minute LMPs is
    ~2.2 GB of bodies; a list would hold them all. Re-iterable: every pass reads the days again, which is what
    a retried warehouse transaction needs (it standardizes the days again rather than keeping them).
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


class RawLakeIOManager(dg.ConfigurableIOManager):
    """Stores days an asset returns (any iterable of `RawDay`) in the lake, one
    at a time as they are iterated; gives std assets their landed days back lazily (`LandedDays`).

    `lake_url` is a local directory or `s3://bucket/prefix`; for S3 the client comes from `s3` (dagster-aws's
    S3Resource; when unset, one is built from the environment, see `default_s3_resource`).
    """

    lake_url: str
    s3: S3Resource | None = None

    def lake(self) -> Lake:
        """The lake this IO manager stores in: what the raw assets land their days in."""
        return lake_from_url(self.lake_url, s3=self.s3)

    @staticmethod
    def _dataset(context: dg.OutputContext | dg.InputContext) -> str:
        return context.asset_key.path[-1].removeprefix("isone__")

    def handle_output(self, context: dg.OutputContext, obj: Iterable[RawDay]) -> None:
        """Store days an asset returns (raw assets land their own days in their body and return none)."""
        if isinstance(obj, (str, bytes, RawDay)) or not isinstance(obj, Iterable):
            raise TypeError(
                f"{context.asset_key.to_user_string()}: expected an iterable of RawDay, got {type(obj).__name__}"
            )
        landed = land_days(self.lake(), obj)
        context.add_output_metadata({"lake": self.lake_url, **landed.metadata()})

    def load_input(self, context: dg.InputContext) -> LandedDays:
        dataset = self._dataset(context)
        if not context.has_asset_partitions:
            return LandedDays(self.lake(), dataset, [None])
        return LandedDays(self.lake(), dataset, [partition_day(k) for k in context.asset_partition_keys])
