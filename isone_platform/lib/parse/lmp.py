"""LMPs: real-time 5-minute (`/fiveminutelmp`), day-ahead and real-time hourly (`/hourlylmp`). One record shape."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from isone_platform.lib.parse.common import (
    NotFast,
    ParseContext,
    ParseError,
    ParseResult,
    check_fields,
    extract_records,
    fast_integers,
    fast_numbers,
    fast_records,
    fast_strings,
    fast_timestamps,
    field_or_none,
    finite_or_null,
    integers,
    load_json,
    numbers,
    strings,
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
    warnings: list[str] = []
    try:
        columns = _fast_columns(body, ctx, path)
    except NotFast:
        columns = _python_columns(body, ctx, path, warnings)
    frame = pl.DataFrame(columns).with_columns(
        (pl.col("interval_begin_utc") + grain).alias("interval_end_utc"),
        pl.lit(price_status, dtype=pl.Utf8).alias("price_status"),
    )
    frame = finite_or_null(frame, LMP_COMPONENTS, ctx, warnings)
    frame = with_provenance(with_operating_day(frame, ctx), ctx)
    return ParseResult(table.conform(frame), warnings)


REQUIRED = ("BeginDate", "Location", "LmpTotal")
# The usual record layout, read without inference when it fits (common.fast_records)
LAYOUT = {
    "BeginDate": pl.String,
    "Location": pl.Struct({"@LocId": pl.String, "@LocType": pl.String, "$": pl.String}),
    **{field: pl.Float64 for field in LMP_COMPONENTS},
}


def _fast_columns(body: bytes, ctx: ParseContext, path: tuple[str, str]) -> list[pl.Series]:
    """polars' JSON reader, for a body in exactly the usual shape (see common.fast_records); else NotFast."""
    records = fast_records(body, path, (*REQUIRED, *LMP_COMPONENTS), LAYOUT)
    location = field_or_none(records, "Location")
    if location is None or not isinstance(location.dtype, pl.Struct) or location.null_count():
        raise NotFast("Location")
    loc = location.struct
    loc_fields = {f.name for f in location.dtype.fields}
    n = records.height
    return [
        fast_timestamps(field_or_none(records, "BeginDate"), "interval_begin_utc", ctx),
        fast_integers(loc.field("@LocId") if "@LocId" in loc_fields else None, "location_id"),
        fast_strings(loc.field("$") if "$" in loc_fields else None, "location_name", n, required=True),
        fast_strings(loc.field("@LocType") if "@LocType" in loc_fields else None, "location_type", n),
        *(fast_numbers(records, field, col, required=field in REQUIRED) for field, col in LMP_COMPONENTS.items()),
    ]


def _python_columns(body: bytes, ctx: ParseContext, path: tuple[str, str], warnings: list[str]) -> list[pl.Series]:
    """json.loads and Python lists: every quirk, error and warning of the contract."""
    records = extract_records(load_json(body, ctx), path, ctx)
    warnings.extend(check_fields(records, REQUIRED, LMP_COMPONENTS, ctx))
    locations = [r["Location"] for r in records]
    bad = next((loc for loc in locations if not isinstance(loc, dict) or "@LocId" not in loc), None)
    if bad is not None:
        raise ParseError(ctx, f"field 'Location' must be an object with '@LocId', got {bad!r}")
    names = [loc.get("$") for loc in locations]
    if any(n is None for n in names):
        raise ParseError(ctx, "field 'Location' lacks its name ('$') in some record(s)")
    return [
        timestamps("interval_begin_utc", [r["BeginDate"] for r in records], ctx),
        integers("location_id", [loc["@LocId"] for loc in locations], ctx),
        strings("location_name", names, ctx),
        strings("location_type", [loc.get("@LocType") for loc in locations], ctx),
        *(numbers(col, [r.get(field) for r in records], ctx, warnings) for field, col in LMP_COMPONENTS.items()),
    ]
