"""LMPs: real-time 5-minute (`/fiveminutelmp`), day-ahead and real-time hourly (`/hourlylmp`). One record shape."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from isone_platform.lib.parse.common import (
    ParseContext,
    ParseError,
    ParseResult,
    check_fields,
    extract_records,
    integers,
    load_json,
    numbers,
    timestamps,
    with_operating_day,
    with_provenance,
)
from isone_platform.lib.schemas import TableSchema

LMP_COMPONENTS = {
    "LmpTotal": "lmp",
    "EnergyComponent": "energy_component",
    "CongestionComponent": "congestion_component",
    "LossComponent": "loss_component",
}
FIVE_MINUTE_PATH = ("FiveMinLmps", "FiveMinLmp")
HOURLY_PATH = ("HourlyLmps", "HourlyLmp")


def parse_lmp(
    body: bytes,
    ctx: ParseContext,
    *,
    table: TableSchema,
    grain: timedelta,
    price_status: str,
) -> ParseResult:
    path = FIVE_MINUTE_PATH if grain < timedelta(hours=1) else HOURLY_PATH
    records = extract_records(load_json(body, ctx), path, ctx)
    warnings = check_fields(records, ("BeginDate", "Location", "LmpTotal"), LMP_COMPONENTS, ctx)
    locations = [r["Location"] for r in records]
    bad = next((loc for loc in locations if not isinstance(loc, dict) or "@LocId" not in loc), None)
    if bad is not None:
        raise ParseError(ctx, f"field 'Location' must be an object with '@LocId', got {bad!r}")
    names = [loc.get("$") for loc in locations]
    if any(n is None for n in names):
        raise ParseError(ctx, "field 'Location' lacks its name ('$') in some record(s)")
    frame = pl.DataFrame(
        [
            timestamps("interval_begin_utc", [r["BeginDate"] for r in records], ctx),
            integers("location_id", [loc["@LocId"] for loc in locations], ctx),
            pl.Series("location_name", names, dtype=pl.Utf8),
            pl.Series("location_type", [loc.get("@LocType") for loc in locations], dtype=pl.Utf8),
            *(numbers(col, [r.get(field) for r in records], ctx, warnings) for field, col in LMP_COMPONENTS.items()),
        ]
    ).with_columns(
        (pl.col("interval_begin_utc") + grain).alias("interval_end_utc"),
        pl.lit(price_status, dtype=pl.Utf8).alias("price_status"),
    )
    frame = with_provenance(with_operating_day(frame, ctx), ctx)
    return ParseResult(table.conform(frame), warnings)
