"""The one place that knows, per dataset, which ISO-NE paths make a day, how to parse them and where rows go."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl

from isone_platform.lib.parse.common import FIVE_MINUTES, ParseContext, ParseResult
from isone_platform.lib.parse.fuel_mix import parse_fuel_mix
from isone_platform.lib.parse.lmp import parse_lmp
from isone_platform.lib.parse.load import parse_system_load, parse_zonal_load
from isone_platform.lib.parse.locations import parse_locations
from isone_platform.lib.partitions import day_bounds_utc
from isone_platform.lib.raw import LandedBody, RawDay
from isone_platform.lib.schemas import (
    FUEL_MIX,
    LMP_DA_HOURLY,
    LMP_RT_5MIN,
    LMP_RT_HOURLY,
    LOCATIONS,
    SYSTEM_LOAD_5MIN,
    ZONAL_LOAD_5MIN,
    TableSchema,
)

PriceStatus = Literal["prelim", "final"]


@dataclass(frozen=True)
class Request:
    """One API path of a day's fetch plan. `fallback` is fetched instead when `path` returns no records."""

    path: str
    fallback: str | None = None


@dataclass(frozen=True)
class Dataset:
    name: str  # e.g. "lmp_rt_5min"; tables and asset keys are isone__<name>
    group: str  # the Dagster group / defs/ domain
    table: TableSchema
    parse: Callable[[bytes, ParseContext], ParseResult]
    plan: Callable[[date | None, PriceStatus], list[Request]]
    grain: timedelta | None = None
    has_price_status: bool = False
    # Polling today: the endpoint with the latest published interval, and how far apart two landed intervals
    # may be before a poll also fetches the gap (defaults to the grain).
    current_path: str | None = None
    poll_gap: timedelta | None = None

    @property
    def asset_name(self) -> str:
        return f"isone__{self.name}"

    @property
    def partitioned(self) -> bool:
        return self.table.partition_column is not None


def _ymd(day: date | None) -> str:
    if day is None:
        raise ValueError("this dataset is partitioned by operating day: a day is required")
    return day.strftime("%Y%m%d")


def _single(template: str) -> Callable[[date | None, PriceStatus], list[Request]]:
    return lambda day, status: [Request(template.format(d=_ymd(day)) if "{d}" in template else template)]


def _rt_5min_plan(day: date | None, status: PriceStatus) -> list[Request]:
    # All nodes exist only per local start hour. On DST days the simulator (and, we assume, ISO-NE) answers
    # HH as local wall-clock hours: 01 holds both 01:00 hours on the fall-back day, 02 is empty in spring.
    d = _ymd(day)
    hours = [f"{h:02d}" for h in range(24)]
    if status == "final":
        return [
            Request(f"/fiveminutelmp/final/day/{d}/starthour/{hh}", f"/fiveminutelmp/prelim/day/{d}/starthour/{hh}")
            for hh in hours
        ]
    return [Request(f"/fiveminutelmp/prelim/day/{d}/starthour/{hh}") for hh in hours]


def _rt_hourly_plan(day: date | None, status: PriceStatus) -> list[Request]:
    d = _ymd(day)
    if status == "final":
        return [Request(f"/hourlylmp/rt/final/day/{d}", f"/hourlylmp/rt/prelim/day/{d}")]
    return [Request(f"/hourlylmp/rt/prelim/day/{d}")]


def price_status_of(path: str) -> PriceStatus:
    """Day-ahead prices are final when published; real-time ones say so in the path."""
    return "final" if "/final/" in path or path.startswith("/hourlylmp/da/") else "prelim"


def _parse_lmp(table: TableSchema, grain: timedelta) -> Callable[[bytes, ParseContext], ParseResult]:
    def parse(body: bytes, ctx: ParseContext) -> ParseResult:
        return parse_lmp(body, ctx, table=table, grain=grain, price_status=price_status_of(ctx.source_path))

    return parse


ONE_HOUR = timedelta(hours=1)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "system_load_5min",
            "load",
            SYSTEM_LOAD_5MIN,
            parse_system_load,
            _single("/fiveminutesystemload/day/{d}"),
            FIVE_MINUTES,
            current_path="/fiveminutesystemload/current",
        ),
        Dataset(
            "zonal_load_5min",
            "load",
            ZONAL_LOAD_5MIN,
            parse_zonal_load,
            _single("/fiveminuteestimatedzonalload/day/{d}"),
            FIVE_MINUTES,
            current_path="/fiveminuteestimatedzonalload/current",
        ),
        Dataset(
            "lmp_rt_5min",
            "lmp",
            LMP_RT_5MIN,
            _parse_lmp(LMP_RT_5MIN, FIVE_MINUTES),
            _rt_5min_plan,
            FIVE_MINUTES,
            has_price_status=True,
            current_path="/fiveminutelmp/prelim/current/all",
        ),
        Dataset(
            "lmp_da_hourly",
            "lmp",
            LMP_DA_HOURLY,
            _parse_lmp(LMP_DA_HOURLY, ONE_HOUR),
            _single("/hourlylmp/da/final/day/{d}"),
            ONE_HOUR,
        ),
        Dataset(
            "lmp_rt_hourly",
            "lmp",
            LMP_RT_HOURLY,
            _parse_lmp(LMP_RT_HOURLY, ONE_HOUR),
            _rt_hourly_plan,
            ONE_HOUR,
            has_price_status=True,
        ),
        # Fuel-mix snapshots come every few minutes at irregular times: a gap is more than 15 minutes.
        Dataset(
            "fuel_mix",
            "fuel_mix",
            FUEL_MIX,
            parse_fuel_mix,
            _single("/genfuelmix/day/{d}"),
            current_path="/genfuelmix/current",
            poll_gap=timedelta(minutes=15),
        ),
        Dataset("locations", "reference", LOCATIONS, parse_locations, _single("/locations/all")),
    )
}


def dataset(name: str) -> Dataset:
    try:
        return DATASETS[name.removeprefix("isone__")]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {sorted(DATASETS)}") from None


POLLED = [d for d in DATASETS.values() if d.current_path]


def has_records(body: bytes) -> bool:
    """Whether a classic-feed body holds any record: every record of our feeds carries a BeginDate."""
    return b"BeginDate" in body or b"interval_begin_date" in body or b"LocationID" in body


# Bodies of one day parse in parallel above this size: polars' JSON reader releases the GIL, so the 24 chunks
# of an all-node LMP day (73 MB) parse in 0.45 s on 2 cores instead of 0.8 s. Small days stay on one thread.
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
    if ds.table is FUEL_MIX:
        frame = snapshot_ends(frame, raw.day)
    return ParseResult(ds.table.conform(frame), warnings)


def _intervals_disjoint(frames: list[pl.DataFrame], key: list[str]) -> bool:
    """Do the bodies cover disjoint intervals (the usual day: 24 hour chunks)? Then no key can be in two
    bodies and the newest-body-wins merge has nothing to do (it costs a window over every row)."""
    if "interval_begin_utc" not in key:
        return False
    per_body = sum(f.get_column("interval_begin_utc").n_unique() for f in frames)
    overall = pl.concat([f.select("interval_begin_utc") for f in frames]).get_column("interval_begin_utc").n_unique()
    return per_body == overall


def snapshot_ends(frame: pl.DataFrame, day: date | None) -> pl.DataFrame:
    """A fuel-mix snapshot holds until the next snapshot of the day; the last one for 5 minutes, within the day."""
    snapshots = frame.select("interval_begin_utc").unique().sort("interval_begin_utc")
    next_begin = snapshots["interval_begin_utc"].shift(-1)
    fallback = snapshots["interval_begin_utc"] + FIVE_MINUTES
    if day is not None:
        day_end = day_bounds_utc(day)[1]
        fallback = fallback.clip(upper_bound=day_end)
    ends = snapshots.with_columns(next_begin.fill_null(fallback).alias("_end"))
    return (
        frame.join(ends, on="interval_begin_utc", how="left", maintain_order="left")
        .with_columns(pl.col("_end").alias("interval_end_utc"))
        .drop("_end")
    )
