"""System load (`/fiveminutesystemload`) and estimated zonal load (`/fiveminuteestimatedzonalload`)."""

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
from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN, ZONAL_LOAD_5MIN

FIVE_MINUTES = timedelta(minutes=5)

# API field -> std column
SYSTEM_LOAD_FIELDS = {
    "LoadMw": "load_mw",
    "NativeLoad": "native_load_mw",
    "ArdDemand": "ard_demand_mw",
    "SystemLoadBtmPv": "system_load_btm_pv_mw",
    "NativeLoadBtmPv": "native_load_btm_pv_mw",
}

ZONAL_LOAD_PATH = ("isone_web_services", "five_min_estimated_zonal_loads", "five_min_estimated_zonal_load")
ZONAL_LOAD_FIELDS = {"estimated_load_mw": "load_mw", "estimated_btm_pv_mw": "btm_pv_mw"}


def parse_system_load(body: bytes, ctx: ParseContext) -> ParseResult:
    records = extract_records(load_json(body, ctx), ("FiveMinSystemLoads", "FiveMinSystemLoad"), ctx)
    warnings = check_fields(records, ("BeginDate", "LoadMw"), SYSTEM_LOAD_FIELDS, ctx)
    begin = timestamps("interval_begin_utc", [r["BeginDate"] for r in records], ctx)
    columns = [numbers(col, [r.get(field) for r in records], ctx, warnings) for field, col in SYSTEM_LOAD_FIELDS.items()]
    frame = pl.DataFrame([begin, *columns]).with_columns(
        (pl.col("interval_begin_utc") + FIVE_MINUTES).alias("interval_end_utc")
    )
    frame = with_provenance(with_operating_day(frame, ctx), ctx)
    return ParseResult(SYSTEM_LOAD_5MIN.conform(frame), warnings)


def parse_zonal_load(body: bytes, ctx: ParseContext) -> ParseResult:
    """The snake_case dialect: `isone_web_services.five_min_estimated_zonal_loads.five_min_estimated_zonal_load[]`."""
    records = extract_records(load_json(body, ctx), ZONAL_LOAD_PATH, ctx)
    required = ("interval_begin_date", "load_zone_id", "estimated_load_mw")
    warnings = check_fields(records, required, ("load_zone_name", *ZONAL_LOAD_FIELDS), ctx)
    names = [r.get("load_zone_name") for r in records]
    if any(n is None for n in names):
        raise ParseError(ctx, "field 'load_zone_name' is null or missing in some record(s)")
    frame = pl.DataFrame(
        [
            timestamps("interval_begin_utc", [r["interval_begin_date"] for r in records], ctx),
            integers("zone_id", [r["load_zone_id"] for r in records], ctx),
            pl.Series("zone_name", names, dtype=pl.Utf8),
            *(numbers(col, [r.get(field) for r in records], ctx, warnings) for field, col in ZONAL_LOAD_FIELDS.items()),
        ]
    ).with_columns((pl.col("interval_begin_utc") + FIVE_MINUTES).alias("interval_end_utc"))
    frame = with_provenance(with_operating_day(frame, ctx), ctx)
    return ParseResult(ZONAL_LOAD_5MIN.conform(frame), warnings)
