"""Hourly actuals: system load (`/hourlysysload`) and DA/RT demand per load zone (`/dayaheadhourlydemand`,
`/realtimehourlydemand`, both `/day/{d}/location/{id}`). A day body holds 24 records (23/25 across DST).

Quirks these parsers accept (isone_api_more_feeds.md §2.1–2.3 and §5, isone_api.md §3–4):
- `/hourlysysload/current` holds one OBJECT under `HourlySystemLoads.HourlySystemLoad`, not a list of one;
- demand `/current/location/{id}` drops the plural: a top-level object `HourlyDaDemand` / `HourlyRtDemand`;
- the wrapper key tells DA from RT (the path does when the key cannot: `dayahead…` / `realtime…`);
- `Location` is `{"@LocId": "4001", "$": ".Z.MAINE"}`: the id a string, no `@LocType`;
- DA `/current` holds 10 locations (32 NEPOOL AREA, 4000 the hub, 4001–4008): the demand table is per load zone,
  so the others are dropped with a warning naming them;
- MW as JSON floats, ints for whole values (`"Load": 14160`) or numeric strings; negative loads (the hub) occur;
- empty results as `""`, `{}` or a missing inner key; NaN → NULL with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from isone_platform.lib.parse.common import (
    ParseContext,
    ParseError,
    ParseResult,
    check_fields,
    extract_records,
    hourly_result,
    integers,
    load_json,
    numbers,
    strings,
    timestamps,
)
from isone_platform.lib.schemas import DEMAND_HOURLY, LOAD_HOURLY, LOAD_ZONES

LOAD_PATH = ("HourlySystemLoads", "HourlySystemLoad")
LOAD_REQUIRED = ("BeginDate", "Load")
LOAD_FIELDS = {"Load": "load_mw", "NativeLoad": "native_load_mw", "ArdDemand": "ard_demand_mw"}

DEMAND_PATHS = {"DA": ("HourlyDaDemands", "HourlyDaDemand"), "RT": ("HourlyRtDemands", "HourlyRtDemand")}
DEMAND_PATH_WORDS = {"DA": "dayahead", "RT": "realtime"}
DEMAND_REQUIRED = ("BeginDate", "Location", "Load")
DEMAND_FIELDS = {"Load": "load_mw"}


def parse_load_hourly(body: bytes, ctx: ParseContext) -> ParseResult:
    """System load per hour (NEPOOL AREA): total, native and asset-related demand."""
    warnings: list[str] = []
    records = extract_records(load_json(body, ctx), LOAD_PATH, ctx)
    warnings.extend(check_fields(records, LOAD_REQUIRED, (*LOAD_FIELDS, "Location"), ctx))
    columns = [
        timestamps("BeginDate", [r["BeginDate"] for r in records], ctx).alias("interval_begin_utc"),
        *(numbers(f, [r.get(f) for r in records], ctx, warnings).alias(col) for f, col in LOAD_FIELDS.items()),
    ]
    return hourly_result(LOAD_HOURLY, pl.DataFrame(columns), LOAD_FIELDS, ctx, warnings)


def parse_demand_hourly(body: bytes, ctx: ParseContext) -> ParseResult:
    """DA cleared or RT demand per load zone and hour; one parser, the market read from the body."""
    warnings: list[str] = []
    doc = load_json(body, ctx)
    market = demand_market(doc, ctx)
    records = extract_records(doc, DEMAND_PATHS[market], ctx)
    warnings.extend(check_fields(records, DEMAND_REQUIRED, (), ctx))
    location_id, location_name = _locations(records, ctx)
    frame = pl.DataFrame(
        [
            timestamps("BeginDate", [r["BeginDate"] for r in records], ctx).alias("interval_begin_utc"),
            location_id,
            location_name,
            numbers("Load", [r.get("Load") for r in records], ctx, warnings).alias("load_mw"),
        ]
    ).with_columns(pl.lit(market, dtype=pl.Utf8).alias("market"))
    frame = _load_zones_only(frame, ctx, warnings)
    return hourly_result(DEMAND_HOURLY, frame, DEMAND_FIELDS, ctx, warnings)


def demand_market(doc: Any, ctx: ParseContext) -> str:
    """`DA` or `RT` from the wrapper key (plural or, for `/current/location`, singular); else from the API path,
    so that extract_records can then name the key the body lacks."""
    if isinstance(doc, Mapping):
        for market, keys in DEMAND_PATHS.items():
            if any(key in doc for key in keys):
                return market
    path = ctx.source_path.lower()
    for market, word in DEMAND_PATH_WORDS.items():
        if word in path:
            return market
    expected = [keys[0] for keys in DEMAND_PATHS.values()]
    raise ParseError(ctx, f"neither the top-level key (expected one of {expected}) nor the path says DA or RT")


def _locations(records: list[dict], ctx: ParseContext) -> tuple[pl.Series, pl.Series]:
    """`Location.@LocId` (a string on the wire) and `Location.$`, both required: they name the series."""
    locations = [r["Location"] for r in records]
    bad = next((loc for loc in locations if not isinstance(loc, Mapping) or "@LocId" not in loc), None)
    if bad is not None:
        raise ParseError(ctx, f"field 'Location' must be an object with '@LocId', got {bad!r}")
    names = [loc.get("$") for loc in locations]
    if any(n is None for n in names):
        raise ParseError(ctx, "field 'Location' lacks its name ('$') in some record(s)")
    ids = integers("Location.@LocId", [loc["@LocId"] for loc in locations], ctx).alias("location_id")
    return ids, strings("Location.$", names, ctx).alias("location_name")


def _load_zones_only(frame: pl.DataFrame, ctx: ParseContext, warnings: list[str]) -> pl.DataFrame:
    """Keep the 8 load zones: the table is keyed per zone, and NEPOOL AREA (32) and the hub (4000) are not zones."""
    is_zone = pl.col("location_id").is_in(list(LOAD_ZONES))
    dropped = frame.filter(~is_zone).get_column("location_id")
    if dropped.len():
        ids = sorted(dropped.unique().to_list())
        what = f"dropped {dropped.len()} row(s) of location(s) {ids}, which are no load zone"
        warnings.append(f"{ctx.feed} {ctx.describe_day()}: {what}")
    return frame.filter(is_zone)
