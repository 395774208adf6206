"""Reserves: real-time reserve prices per reserve zone, every 5 minutes (`/fiveminutereserveprice`) and hourly
(`/hourlyprelimreserveprice`, `/hourlyfinalreserveprice`), and the day-ahead ancillary services (DASI) data
(`/daasreservedata`) and strike prices (`/daasstrikeprices`).

Quirks these parsers accept (isone_api_more_feeds.md §3.2–3.5 and §5, isone_api.md §3–4):
- RT reserve prices: 4 reserve zones (7000 ROS, 7001 SWCT, 7002 CT, 7003 NEMABSTN), `ReserveZoneId` a JSON int
  (a digit string is read too); only ROS carries `TenMinSpinRequirement` and `Total10MinRequirement`, the local
  zones lack them (NULL); `BeginDate` sometimes arrives at `:01`/`:02` minutes: floored to the 5-minute grid in
  UTC, with a warning counting them (a stamp that then repeats a zone's interval is an error);
- prelim or final comes from the path (`/final/`, `hourlyfinalreserveprice`), as for LMPs; the hourly wrapper
  key (`PrelimHourlyReservePrices` / `FinalHourlyReservePrices`) says it too, and must agree with the path;
- `/current` drops the plural wrapper; one record may be an object; `""`, `{}` or a missing inner key is empty;
- DASI feeds are snake_case under `isone_web_services`; the hour begin is `market_hour.local_day` despite its
  name; an empty result follows gridstatus's `_safe_get` (a missing key or a non-object means no data);
- strike prices may be re-published: `strike_price_timestamp` is the vintage, part of the key; the overrides
  (`expected_rt_hub_lmp_override`, `expected_closeout_charge_override`) are usually null;
- numbers as JSON floats, ints for whole values or numeric strings (DASI values' type is unverified); NaN → NULL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import polars as pl

from isone_platform.lib.parse.common import (
    FIVE_MINUTES,
    ONE_HOUR,
    ParseContext,
    ParseError,
    ParseResult,
    check_fields,
    extract_records,
    finite_or_null,
    hourly_result,
    integers,
    load_json,
    measures,
    require_unique,
    snake_records,
    strings,
    timestamps,
    with_operating_day,
    with_provenance,
)
from isone_platform.lib.schemas import (
    DA_RESERVES_HOURLY,
    DA_STRIKE_PRICES_HOURLY,
    RESERVE_PRICES_5MIN,
    RESERVE_PRICES_HOURLY,
    RESERVE_ZONES,
    TableSchema,
)

FIVE_MINUTE_PATH = ("FiveMinReservePrices", "FiveMinReservePrice")
HOURLY_PATHS = {
    "prelim": ("PrelimHourlyReservePrices", "PrelimHourlyReservePrice"),
    "final": ("FinalHourlyReservePrices", "FinalHourlyReservePrice"),
}
RESERVE_PRICE_FIELDS = {
    "TenMinSpinRequirement": "ten_min_spin_requirement_mw",
    "Total10MinRequirement": "total_ten_min_requirement_mw",
    "Total30MinRequirement": "total_thirty_min_requirement_mw",
    "TmsrDesignatedMw": "tmsr_designated_mw",
    "TmnsrDesignatedMw": "tmnsr_designated_mw",
    "TmorDesignatedMw": "tmor_designated_mw",
    "TmsrClearingPrice": "tmsr_clearing_price",
    "TmnsrClearingPrice": "tmnsr_clearing_price",
    "TmorClearingPrice": "tmor_clearing_price",
}
RESERVE_PRICE_REQUIRED = ("BeginDate", "ReserveZoneId")
RESERVE_PRICE_KNOWN = (*RESERVE_PRICE_FIELDS, "ReserveZoneName", "IntervalBeginDate")
RESERVE_PRICE_KEY = ["interval_begin_utc", "reserve_zone_id"]

DA_RESERVE_PATH = ("isone_web_services", "day_ahead_reserves", "day_ahead_reserve")
DA_RESERVE_FIELDS = {
    f: f
    for f in (
        "ten_min_spin_req_mw",
        "total_ten_min_req_mw",
        "total_thirty_min_req_mw",
        "forecasted_energy_req_mw",
        "tmsr_clearing_price",
        "tmnsr_clearing_price",
        "tmor_clearing_price",
        "fer_clearing_price",
        "tmsr_designation_mw",
        "tmnsr_designation_mw",
        "tmor_designation_mw",
        "eir_designation_mw",
    )
}
STRIKE_PATH = ("isone_web_services", "day_ahead_strike_prices", "day_ahead_strike_price")
STRIKE_FIELDS = {
    f: f
    for f in (
        "strike_price",
        "spc_load_forecast_mw",
        "percentile_10_rt_hub_lmp",
        "percentile_25_rt_hub_lmp",
        "percentile_75_rt_hub_lmp",
        "percentile_90_rt_hub_lmp",
        "expected_rt_hub_lmp",
        "expected_rt_hub_lmp_override",
        "expected_closeout_charge",
        "expected_closeout_charge_override",
    )
}
MARKET_HOUR_FIELDS = ("gmt_begin_date", "local_day", "local_hour_end")  # XSD type_market_hour


def price_status_of(path: str) -> str:
    """`final` for the final paths (`/fiveminutereserveprice/final/…`, `/hourlyfinalreserveprice/…`), else
    `prelim`: the rule of defs/lmp/feeds.py, kept here so the parsers need nothing from defs/."""
    return "final" if "/final/" in path or "hourlyfinalreserveprice" in path else "prelim"


def parse_reserve_prices_5min(body: bytes, ctx: ParseContext) -> ParseResult:
    """One row per 5-minute interval × reserve zone, stamps floored to the grid (`:01`/`:02` stamps occur)."""
    warnings: list[str] = []
    records = extract_records(load_json(body, ctx), FIVE_MINUTE_PATH, ctx)
    frame = _floor_to_grid(_reserve_frame(records, ctx, warnings), ctx, warnings)
    status = price_status_of(ctx.source_path)
    return _reserve_result(RESERVE_PRICES_5MIN, frame, FIVE_MINUTES, status, ctx, warnings)


def parse_reserve_prices_hourly(body: bytes, ctx: ParseContext) -> ParseResult:
    """One row per hour × reserve zone; prelim and final come under different wrappers and paths."""
    warnings: list[str] = []
    doc = load_json(body, ctx)
    status = _hourly_status(doc, ctx)
    frame = _reserve_frame(extract_records(doc, HOURLY_PATHS[status], ctx), ctx, warnings)
    return _reserve_result(RESERVE_PRICES_HOURLY, frame, ONE_HOUR, status, ctx, warnings)


def _hourly_status(doc: Any, ctx: ParseContext) -> str:
    """Prelim or final from the wrapper key (plural or singular) and the path, which must not contradict each
    other; with neither (an error body), prelim, so that extract_records names the key the body lacks."""
    in_body = [s for s, keys in HOURLY_PATHS.items() if isinstance(doc, Mapping) and any(k in doc for k in keys)]
    in_path = [s for s in HOURLY_PATHS if f"hourly{s}reserveprice" in ctx.source_path]
    if len(in_body) > 1 or (in_body and in_path and in_body != in_path):
        raise ParseError(ctx, f"the wrapper key says {in_body} but the path says {in_path or ['nothing']}")
    return (in_body or in_path or ["prelim"])[0]


def _reserve_frame(records: list[dict], ctx: ParseContext, warnings: list[str]) -> pl.DataFrame:
    warnings.extend(check_fields(records, RESERVE_PRICE_REQUIRED, RESERVE_PRICE_KNOWN, ctx))
    zone_ids = integers("ReserveZoneId", [r["ReserveZoneId"] for r in records], ctx).alias("reserve_zone_id")
    return pl.DataFrame(
        [
            timestamps("BeginDate", [r["BeginDate"] for r in records], ctx).alias("interval_begin_utc"),
            zone_ids,
            _zone_names(records, zone_ids.to_list(), ctx, warnings),
            *_number_columns(records, RESERVE_PRICE_FIELDS, ctx, warnings),
        ]
    )


def _zone_names(records: list[dict], zone_ids: list[int], ctx: ParseContext, warnings: list[str]) -> pl.Series:
    """`ReserveZoneName`, or the known name of the id when absent; an id outside 7000–7003 is kept with a
    warning (a new zone is data, not an error) but must then bring its name."""
    unknown = sorted(set(zone_ids) - RESERVE_ZONES.keys())
    if unknown:
        warnings.append(f"{ctx.feed} {ctx.describe_day()}: reserve zone id(s) {unknown} are not 7000–7003")
    names = [r.get("ReserveZoneName") or RESERVE_ZONES.get(i) for r, i in zip(records, zone_ids, strict=True)]
    nameless = next((i for i, n in zip(zone_ids, names, strict=True) if n is None), None)
    if nameless is not None:
        raise ParseError(ctx, f"field 'ReserveZoneName' missing for the unknown reserve zone {nameless}")
    return strings("ReserveZoneName", names, ctx).alias("reserve_zone_name")


def _floor_to_grid(frame: pl.DataFrame, ctx: ParseContext, warnings: list[str]) -> pl.DataFrame:
    """The 5-minute interval each stamp falls in: ISO-NE sometimes stamps an interval `:01`/`:02` late."""
    begin = pl.col("interval_begin_utc")
    off_grid = frame.filter(begin != begin.dt.truncate("5m")).height
    if off_grid:
        what = f"{off_grid} 'BeginDate'(s) off the 5-minute grid (e.g. :01/:02) floored to it"
        warnings.append(f"{ctx.feed} {ctx.describe_day()}: {what}")
    return frame.with_columns(begin.dt.truncate("5m"))


def _reserve_result(
    table: TableSchema, frame: pl.DataFrame, grain: timedelta, status: str, ctx: ParseContext, warnings: list[str]
) -> ParseResult:
    """Unique (interval, zone), the interval's end, the price status, NULL for NaN, day and provenance."""
    require_unique(frame, RESERVE_PRICE_KEY, "(BeginDate, ReserveZoneId)", ctx)
    frame = frame.with_columns(
        (pl.col("interval_begin_utc") + grain).alias("interval_end_utc"),
        pl.lit(status, dtype=pl.Utf8).alias("price_status"),
    )
    frame = finite_or_null(frame, RESERVE_PRICE_FIELDS, ctx, warnings)
    return ParseResult(table.conform(with_provenance(with_operating_day(frame, ctx), ctx)), warnings)


def parse_da_reserves(body: bytes, ctx: ParseContext) -> ParseResult:
    """One row per hour of the day-ahead ancillary services market: requirements, prices, designations."""
    warnings: list[str] = []
    records = snake_records(load_json(body, ctx), DA_RESERVE_PATH, ctx, warnings)
    warnings.extend(check_fields(records, ("market_hour",), DA_RESERVE_FIELDS, ctx))
    hours = _market_hours(records, ctx, warnings)
    frame = pl.DataFrame([hours, *_number_columns(records, DA_RESERVE_FIELDS, ctx, warnings)])
    require_unique(frame, ["interval_begin_utc"], "market_hour.local_day", ctx)
    return hourly_result(DA_RESERVES_HOURLY, frame, DA_RESERVE_FIELDS, ctx, warnings)


def parse_da_strike_prices(body: bytes, ctx: ParseContext) -> ParseResult:
    """One row per hour and publication of the strike prices: every vintage is kept."""
    warnings: list[str] = []
    records = snake_records(load_json(body, ctx), STRIKE_PATH, ctx, warnings)
    warnings.extend(check_fields(records, ("market_hour", "strike_price_timestamp"), STRIKE_FIELDS, ctx))
    published = timestamps("strike_price_timestamp", [r["strike_price_timestamp"] for r in records], ctx)
    hours = _market_hours(records, ctx, warnings)
    frame = pl.DataFrame(
        [hours, published.alias("published_at_utc"), *_number_columns(records, STRIKE_FIELDS, ctx, warnings)]
    )
    require_unique(frame, ["interval_begin_utc", "published_at_utc"], "(market_hour, strike_price_timestamp)", ctx)
    return hourly_result(DA_STRIKE_PRICES_HOURLY, frame, STRIKE_FIELDS, ctx, warnings)


def _market_hours(records: list[dict], ctx: ParseContext, warnings: list[str]) -> pl.Series:
    """The hour begin: `market_hour.local_day`, an offset timestamp despite its name."""
    hours = [r["market_hour"] for r in records]
    bad = next((h for h in hours if not isinstance(h, Mapping) or h.get("local_day") is None), None)
    if bad is not None:
        raise ParseError(ctx, f"field 'market_hour' must be an object with 'local_day', got {bad!r}")
    warnings.extend(check_fields(hours, ("local_day",), MARKET_HOUR_FIELDS, ctx))
    return timestamps("market_hour.local_day", [h["local_day"] for h in hours], ctx).alias("interval_begin_utc")


def _number_columns(
    records: list[dict], fields: Mapping[str, str], ctx: ParseContext, warnings: list[str]
) -> list[pl.Series]:
    return [measures(f, [r.get(f) for r in records], ctx, warnings).alias(col) for f, col in fields.items()]
