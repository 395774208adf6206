"""The registry of feeds (`DATASETS`, assembled from the `defs/<domain>/feeds.py` declarations) and
`standardize`, which turns a day's landed bodies into its std rows with the feed's own parser.

A feed is declared once, in its domain (`lib/feed.py` has the `Dataset` type); nothing here knows one feed from
another. The declarations hold no Dagster assets, so `lib/` code can import this registry without cycles.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from isone_platform.defs.forecast import feeds as forecast_feeds
from isone_platform.defs.fuel_mix import feeds as fuel_mix_feeds
from isone_platform.defs.lmp import feeds as lmp_feeds
from isone_platform.defs.load import feeds as load_feeds
from isone_platform.defs.morning_report import feeds as morning_report_feeds
from isone_platform.defs.reference import feeds as reference_feeds
from isone_platform.defs.reserves import feeds as reserves_feeds
from isone_platform.lib.feed import Dataset, PriceStatus, Request
from isone_platform.lib.parse.common import ParseContext, ParseResult
from isone_platform.lib.raw import LandedBody, RawDay

__all__ = ["DATASETS", "POLLED", "Dataset", "PriceStatus", "Request", "dataset", "has_records", "standardize"]

DOMAIN_FEEDS = (
    load_feeds,
    lmp_feeds,
    fuel_mix_feeds,
    forecast_feeds,
    reserves_feeds,
    morning_report_feeds,
    reference_feeds,
)
"""The `defs/<domain>/feeds.py` modules, in the order the datasets are listed everywhere."""

DATASETS: dict[str, Dataset] = {ds.name: ds for module in DOMAIN_FEEDS for ds in module.FEEDS}


def dataset(name: str) -> Dataset:
    try:
        return DATASETS[name.removeprefix("isone__")]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {sorted(DATASETS)}") from None


POLLED = [d for d in DATASETS.values() if d.polling]


RECORD_MARKERS = (b"BeginDate", b"interval_begin_date", b"LocationID", b"market_hour")
"""Every record of our feeds carries one of these: the time of a classic-feed record, of a snake_case one (zonal
load, DASI) or a location's id."""


def has_records(body: bytes) -> bool:
    """Whether a classic-feed body holds any record: every record of our feeds carries a BeginDate."""
    return any(marker in body for marker in RECORD_MARKERS)


# Bodies of one day parse in parallel above this size: polars' JSON reader and the parsers' polars steps release
# the GIL. The LMP feeds' msgspec decode (parse/typed.py) holds it, yet the pool still overlaps the rest: an
# all-node LMP day (24 chunks, 73 MB) parsed in 0.73 s on 2 threads vs 1.14 s on one (median of 5, load ~30).
# Small days stay on one thread.
PARALLEL_PARSE_BYTES = 4_000_000
_parse_pool: ThreadPoolExecutor | None = None


def _parse_all(ds: Dataset, raw: RawDay, bodies: list[LandedBody]) -> list[ParseResult]:
    def parse(landed: LandedBody) -> ParseResult:
        return ds.parse(landed.body, ParseContext(ds.name, raw.day, landed.path, landed.fetched_at, landed.sha256))

    if len(bodies) < 2 or sum(len(b.body) for b in bodies) < PARALLEL_PARSE_BYTES:
        return [parse(b) for b in bodies]
    global _parse_pool
    if _parse_pool is None:
        _parse_pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="isone-parse")
    return list(_parse_pool.map(parse, bodies))


def standardize(ds: Dataset, raw: RawDay) -> ParseResult:
    """Parse every landed body of one day and merge them into the std rows of that day.

    Bodies are applied in fetch order: for each primary key the rows of the latest body that has it win, so a
    re-fetched or corrected interval replaces the old one. Duplicates *within* one body are kept, for the
    uniqueness check to see.
    """
    bodies = sorted(raw.bodies, key=lambda b: b.fetched_at)
    results = _parse_all(ds, raw, bodies)
    warnings = [w for result in results for w in result.warnings]
    if not results:
        return ParseResult(ds.table.empty_frame(), warnings)
    key = list(ds.table.primary_key)
    if len(results) > 1 and not _intervals_disjoint([r.frame for r in results], key):
        parts = [r.frame.with_columns(pl.lit(i, dtype=pl.Int32).alias("_body_order")) for i, r in enumerate(results)]
        frame = pl.concat(parts, how="vertical")
        frame = frame.filter(pl.col("_body_order") == pl.col("_body_order").max().over(key)).drop("_body_order")
    else:
        frame = pl.concat([r.frame for r in results], how="vertical")
    frame = frame.sort(key, maintain_order=True)
    if ds.post_parse is not None:
        frame = ds.post_parse(frame, raw.day)
    return ParseResult(ds.table.conform(frame), warnings)


def _intervals_disjoint(frames: list[pl.DataFrame], key: list[str]) -> bool:
    """Do the bodies cover disjoint intervals (the usual day: 24 hour chunks)? Then no key can be in two
    bodies and the newest-body-wins merge has nothing to do (it costs a window over every row)."""
    if "interval_begin_utc" not in key:
        return False
    per_body = sum(f.get_column("interval_begin_utc").n_unique() for f in frames)
    overall = pl.concat([f.select("interval_begin_utc") for f in frames]).get_column("interval_begin_utc").n_unique()
    return per_body == overall
