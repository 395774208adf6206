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

The package, by concern:
- `storage`    the `Lake` interface, `LakeError` and the local-directory store (`LocalLake`);
- `s3`         the S3 store (`S3Lake`) and its error messages;
- `url`        `lake_from_url`: which store `ISONE_LAKE_URL` names;
- `layout`     what keys mean: day prefixes, manifest names, the archive and quarantine roots;
- `days`       landing days (`write_day`, `land_days`) and reading them back (`read_day`, `LandedDays`);
- `archive`    accepting, rejecting (quarantine) and superseding (archive) landings, and pruning the archive;
- `io_manager` `RawLakeIOManager`, the raw assets' Dagster IO manager.

This `__init__` re-exports the public names, so `from isone_platform.lib.lake import X` works as before the split.
"""

from isone_platform.lib.lake.archive import accept_day, prune_archive, reject_day
from isone_platform.lib.lake.days import LandedDays, LandingReport, land_days, read_day, write_day
from isone_platform.lib.lake.io_manager import RawLakeIOManager
from isone_platform.lib.lake.layout import (
    ACCEPTED,
    ARCHIVE_ROOT,
    DEFAULT_RAW_ARCHIVE_DAYS,
    MANIFEST,
    QUARANTINE_ROOT,
    day_prefix,
)
from isone_platform.lib.lake.s3 import S3Lake, default_s3_resource, parse_s3_url
from isone_platform.lib.lake.storage import Lake, LakeError, LocalLake
from isone_platform.lib.lake.url import lake_from_url

__all__ = [
    "ACCEPTED",
    "ARCHIVE_ROOT",
    "DEFAULT_RAW_ARCHIVE_DAYS",
    "MANIFEST",
    "QUARANTINE_ROOT",
    "Lake",
    "LakeError",
    "LandedDays",
    "LandingReport",
    "LocalLake",
    "RawLakeIOManager",
    "S3Lake",
    "accept_day",
    "day_prefix",
    "default_s3_resource",
    "land_days",
    "lake_from_url",
    "parse_s3_url",
    "prune_archive",
    "read_day",
    "reject_day",
    "write_day",
]
