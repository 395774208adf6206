"""System load (`/fiveminutesystemload`) and estimated zonal load (`/fiveminuteestimatedzonalload`)."""

from __future__ import annotations

import polars as pl

from isone_platform.lib.parse.common import (
    FIVE_MINUTES,
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
from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN, ZONAL_LOAD_5MIN

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


SYSTEM_LOAD_PATH = ("FiveMinSystemLoads", "FiveMinSystemLoad")
SYSTEM_LOAD_REQUIRED = ("BeginDate", "LoadMw")
ZONAL_LOAD_REQUIRED = ("interval_begin_date", "load_zone_id", "estimated_load_mw")
# The usual record layouts, read without inference when they fit (common.fast_records)
SYSTEM_LOAD_LAYOUT = {"BeginDate": pl.String, **{field: pl.Float64 for field in SYSTEM_LOAD_FIELDS}}
ZONAL_LOAD_LAYOUT = {
    "interval_begin_date": pl.String,
    "load_zone_id": pl.Int64,
    "load_zone_name": pl.String,
    **{field: pl.Float64 for field in ZONAL_LOAD_FIELDS},
}


def parse_system_load(body: bytes, ctx: ParseContext) -> ParseResult:
    warnings: list[str] = []
    try:  # polars' JSON reader for a body in the usual shape (common.fast_records), else the Python path
        records = fast_records(body, SYSTEM_LOAD_PATH, (*SYSTEM_LOAD_REQUIRED, *SYSTEM_LOAD_FIELDS), SYSTEM_LOAD_LAYOUT)
        begin = fast_timestamps(field_or_none(records, "BeginDate"), "interval_begin_utc", ctx)
        columns = [
            fast_numbers(records, field, col, required=field in SYSTEM_LOAD_REQUIRED)
            for field, col in SYSTEM_LOAD_FIELDS.items()
        ]
    except NotFast:
        records_py = extract_records(load_json(body, ctx), SYSTEM_LOAD_PATH, ctx)
        warnings.extend(check_fields(records_py, SYSTEM_LOAD_REQUIRED, SYSTEM_LOAD_FIELDS, ctx))
        begin = timestamps("interval_begin_utc", [r["BeginDate"] for r in records_py], ctx)
        columns = [
            numbers(col, [r.get(field) for r in records_py], ctx, warnings) for field, col in SYSTEM_LOAD_FIELDS.items()
        ]
    frame = pl.DataFrame([begin, *columns]).with_columns(
        (pl.col("interval_begin_utc") + FIVE_MINUTES).alias("interval_end_utc")
    )
    frame = finite_or_null(frame, SYSTEM_LOAD_FIELDS, ctx, warnings)
    frame = with_provenance(with_operating_day(frame, ctx), ctx)
    return ParseResult(SYSTEM_LOAD_5MIN.conform(frame), warnings)


def parse_zonal_load(body: bytes, ctx: ParseContext) -> ParseResult:
    """The snake_case dialect: `isone_web_services.five_min_estimated_zonal_loads.five_min_estimated_zonal_load[]`."""
    warnings: list[str] = []
    known = ("load_zone_name", *ZONAL_LOAD_FIELDS)
    try:  # polars' JSON reader for a body in the usual shape (common.fast_records), else the Python path
        records = fast_records(body, ZONAL_LOAD_PATH, (*ZONAL_LOAD_REQUIRED, *known), ZONAL_LOAD_LAYOUT)
        columns = [
            fast_timestamps(field_or_none(records, "interval_begin_date"), "interval_begin_utc", ctx),
            fast_integers(field_or_none(records, "load_zone_id"), "zone_id"),
            fast_strings(field_or_none(records, "load_zone_name"), "zone_name", records.height, required=True),
            *(
                fast_numbers(records, field, col, required=field in ZONAL_LOAD_REQUIRED)
                for field, col in ZONAL_LOAD_FIELDS.items()
            ),
        ]
    except NotFast:
        records_py = extract_records(load_json(body, ctx), ZONAL_LOAD_PATH, ctx)
        warnings.extend(check_fields(records_py, ZONAL_LOAD_REQUIRED, known, ctx))
        names = [r.get("load_zone_name") for r in records_py]
        if any(n is None for n in names):
            raise ParseError(ctx, "field 'load_zone_name' is null or missing in some record(s)") from None
        columns = [
            timestamps("interval_begin_utc", [r["interval_begin_date"] for r in records_py], ctx),
            integers("zone_id", [r["load_zone_id"] for r in records_py], ctx),
            strings("zone_name", names, ctx),
            *(
                numbers(col, [r.get(field) for r in records_py], ctx, warnings)
                for field, col in ZONAL_LOAD_FIELDS.items()
            ),
        ]
    frame = pl.DataFrame(columns).with_columns((pl.col("interval_begin_utc") + FIVE_MINUTES).alias("interval_end_utc"))
    frame = finite_or_null(frame, ZONAL_LOAD_FIELDS, ctx, warnings)
    frame = with_provenance(with_operating_day(frame, ctx), ctx)
    return ParseResult(ZONAL_LOAD_5MIN.conform(frame), warnings)
