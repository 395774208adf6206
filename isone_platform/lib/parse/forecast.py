"""Load forecasts: hourly system (`/hourlyloadforecast`), zonal (`/reliabilityregionloadforecast`) and the
seven-day capacity forecast (`/sevendayforecast`). Every issue is kept: the issue time is part of the key.

Quirks these parsers accept (isone_api_more_feeds.md §1.1–1.3 and §5, isone_api.md §3–4):
- a day body holds the issues of d-2, d-1 and d (`CreationDate` per record); the zonal issues of d itself cover
  only the hours that begin after them, and come a few seconds to minutes after the matching system issue;
- `CreationDate` milliseconds are not always `.000` (`.097`, `.343`); its offset is the one in force at the issue;
- `/current` drops the plural wrapper (`{"HourlyLoadForecast": [one record]}`); one record may be an object;
- empty results as `""`, `{}` or a missing inner key; MW as JSON ints, floats or numeric strings; NaN → NULL;
- the zonal feed names the zones without ids (`ReliabilityRegion` = `.Z.MAINE`, …): ids come from `LOAD_ZONES`;
- `LoadAdjustmentMw` (hourly) and `EnergyEmergency` (seven-day) are known and not stored;
- seven-day: the day index is the string attribute `"@Day":"2"` or the number `"Day":2`; `DrrMw` replaced
  `RtdrMw`; `RtegMw` only in older issues; `MarketDate` offsets change across a DST change; flags are `Y`/`N`,
  and `-` for the cold-weather flags out of season (the 2026 body), read as NULL; `Weather.CityWeather` may be
  one object instead of a list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time

import polars as pl

from isone_platform.lib.parse.common import (
    NotFast,
    ParseContext,
    ParseError,
    ParseResult,
    as_list,
    check_fields,
    extract_records,
    fast_numbers,
    fast_records,
    fast_strings,
    fast_timestamps,
    field_or_none,
    finite_or_null,
    hourly_result,
    load_json,
    numbers,
    strings,
    timestamps,
    with_provenance,
)
from isone_platform.lib.schemas import LOAD_FORECAST_HOURLY, LOAD_FORECAST_ZONAL_HOURLY, LOAD_ZONES, SEVEN_DAY_FORECAST

ISONE_TZ_NAME = "America/New_York"
MICROSECONDS_PER_HOUR = 3_600_000_000


@dataclass(frozen=True)
class HourlyForecastFeed:
    """What differs between the system and the zonal hourly forecast: wrapper, fields, and the usual layout."""

    path: tuple[str, str]
    measures: Mapping[str, str]  # API field -> std column (Float64)
    texts: Mapping[str, str]  # API field -> std column (Utf8), all required
    required: tuple[str, ...]
    ignored: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return (*self.required, *self.measures, *self.texts, *self.ignored)

    @property
    def layout(self) -> dict[str, pl.DataType]:
        """The usual record layout, read without inference when it fits (common.fast_records)."""
        dates = {"BeginDate": pl.String(), "CreationDate": pl.String()}
        return {**dates, **{f: pl.String() for f in self.texts}, **{f: pl.Float64() for f in self.measures}}


HOURLY = HourlyForecastFeed(
    path=("HourlyLoadForecasts", "HourlyLoadForecast"),
    measures={"LoadMw": "load_mw", "NetLoadMw": "net_load_mw"},
    texts={},
    required=("BeginDate", "CreationDate", "LoadMw"),
    ignored=("LoadAdjustmentMw",),
)
ZONAL = HourlyForecastFeed(
    path=("ReliabilityRegionLoadForecasts", "ReliabilityRegionLoadForecast"),
    measures={"LoadMw": "load_mw", "ReliabilityRegionLoadPercentage": "share_pct"},
    texts={"ReliabilityRegion": "zone_name"},
    required=("BeginDate", "CreationDate", "ReliabilityRegion", "LoadMw"),
)
ZONE_IDS: dict[str, int] = {name: zone_id for zone_id, name in LOAD_ZONES.items()}


def parse_load_forecast_hourly(body: bytes, ctx: ParseContext) -> ParseResult:
    """Every issue of the system forecast for the day's hours: one row per (hour, issue)."""
    warnings: list[str] = []
    frame = _with_horizon(pl.DataFrame(_forecast_columns(body, ctx, HOURLY, warnings)))
    return hourly_result(LOAD_FORECAST_HOURLY, frame, HOURLY.measures, ctx, warnings)


def parse_load_forecast_zonal(body: bytes, ctx: ParseContext) -> ParseResult:
    """Every issue of the zonal split: one row per (hour, issue, zone), the zone id looked up from its name."""
    warnings: list[str] = []
    frame = _with_horizon(pl.DataFrame(_forecast_columns(body, ctx, ZONAL, warnings)))
    frame = frame.with_columns(_zone_ids(frame.get_column("zone_name"), ctx))
    return hourly_result(LOAD_FORECAST_ZONAL_HOURLY, frame, ZONAL.measures, ctx, warnings)


def _forecast_columns(body: bytes, ctx: ParseContext, feed: HourlyForecastFeed, warnings: list[str]) -> list[pl.Series]:
    """polars' JSON reader for a body in the usual shape, else the Python path (which owns errors and warnings)."""
    try:
        return _fast_columns(body, ctx, feed)
    except NotFast:
        return _python_columns(body, ctx, feed, warnings)


def _fast_columns(body: bytes, ctx: ParseContext, feed: HourlyForecastFeed) -> list[pl.Series]:
    records = fast_records(body, feed.path, feed.fields, feed.layout)
    n = records.height
    return [
        fast_timestamps(field_or_none(records, "BeginDate"), "interval_begin_utc", ctx),
        fast_timestamps(field_or_none(records, "CreationDate"), "issued_at_utc", ctx),
        *(fast_strings(field_or_none(records, f), col, n, required=True) for f, col in feed.texts.items()),
        *(fast_numbers(records, f, col, required=f in feed.required) for f, col in feed.measures.items()),
    ]


def _python_columns(body: bytes, ctx: ParseContext, feed: HourlyForecastFeed, warnings: list[str]) -> list[pl.Series]:
    records = extract_records(load_json(body, ctx), feed.path, ctx)
    warnings.extend(check_fields(records, feed.required, feed.fields, ctx))
    return [
        timestamps("BeginDate", [r["BeginDate"] for r in records], ctx).alias("interval_begin_utc"),
        timestamps("CreationDate", [r["CreationDate"] for r in records], ctx).alias("issued_at_utc"),
        *(_required_strings(f, [r[f] for r in records], ctx).alias(col) for f, col in feed.texts.items()),
        *(numbers(f, [r.get(f) for r in records], ctx, warnings).alias(col) for f, col in feed.measures.items()),
    ]


def _required_strings(field: str, values: list, ctx: ParseContext) -> pl.Series:
    """A text field that names the series (the zone): null is as wrong as missing."""
    if any(v is None for v in values):
        raise ParseError(ctx, f"field {field!r} is null in some record(s)")
    return strings(field, values, ctx)


def _with_horizon(frame: pl.DataFrame) -> pl.DataFrame:
    """Hours from the issue to the hour's begin: negative when the hour had begun; exact across DST (UTC)."""
    lead = (pl.col("interval_begin_utc") - pl.col("issued_at_utc")).dt.total_microseconds()
    return frame.with_columns((lead / MICROSECONDS_PER_HOUR).alias("horizon_hours"))


def _zone_ids(names: pl.Series, ctx: ParseContext) -> pl.Series:
    """The zone id for each `ReliabilityRegion` name; a name that is no load zone cannot be keyed, so it fails."""
    unknown = sorted(set(names.unique().to_list()) - ZONE_IDS.keys(), key=str)
    if unknown:
        raise ParseError(ctx, f"field 'ReliabilityRegion' names no known load zone: {unknown}")
    return names.replace_strict(ZONE_IDS, return_dtype=pl.Int32).alias("zone_id")


# ---------------------------------------------------------------------------------------------------------------
# Seven-day forecast: issues × market days, a handful of rows per body (the Python path only).

SEVEN_DAY_PATH = ("SevenDayForecasts", "SevenDayForecast")
SEVEN_DAY_MEASURES = {
    "PeakLoadMw": "peak_load_mw",
    "CsoMw": "cso_mw",
    "ColdWeatherOutagesMw": "cold_weather_outages_mw",
    "OtherGenOutagesMw": "other_gen_outages_mw",
    "DelistMw": "delist_mw",
    "TotAvailGenMw": "total_available_gen_mw",
    "PeakImportMw": "peak_import_mw",
    "TotAvailGenImportMw": "total_available_gen_import_mw",
    "ReqdReserveMw": "required_reserve_mw",
    "ReplReserveReqMw": "replacement_reserve_mw",
    "ReqdReserveInclReplMw": "required_reserve_incl_repl_mw",
    "TotLoadPlusReqdReserveMw": "load_plus_required_reserve_mw",
    "SurplusDeficiencyMw": "surplus_deficiency_mw",
    "RtegMw": "rt_emergency_gen_mw",
}
DEMAND_RESPONSE_FIELDS = ("DrrMw", "RtdrMw")  # the newer name first: it wins when both are present
SEVEN_DAY_FLAGS = {
    "PowerWatch": "power_watch",
    "PowerWarn": "power_warn",
    "ColdWeatherWatch": "cold_weather_watch",
    "ColdWeatherWarn": "cold_weather_warn",
    "ColdWeatherEvent": "cold_weather_event",
}
FLAG_VALUES: dict[str, bool | None] = {"Y": True, "N": False, "-": None}
DAY_NUMBER_FIELDS = ("@Day", "Day")
MARKET_DAY_KNOWN = (
    *SEVEN_DAY_MEASURES,
    *DEMAND_RESPONSE_FIELDS,
    *SEVEN_DAY_FLAGS,
    *DAY_NUMBER_FIELDS,
    "Weather",
    "EnergyEmergency",
)
# (CityName, API field) -> std column
CITY_WEATHER = {
    ("Boston", "HighTempF"): "boston_high_temp_f",
    ("Boston", "DewPointF"): "boston_dew_point_f",
    ("Hartford", "HighTempF"): "hartford_high_temp_f",
    ("Hartford", "DewPointF"): "hartford_dew_point_f",
}
# every measurement, named for finite_or_null's warnings
SEVEN_DAY_NUMBERS = {
    **SEVEN_DAY_MEASURES,
    "DrrMw/RtdrMw": "demand_response_mw",
    **{f"{city} {field}": col for (city, field), col in CITY_WEATHER.items()},
}


def parse_seven_day_forecast(body: bytes, ctx: ParseContext) -> ParseResult:
    """One row per issue × market day. The operating day is the issue's day (ctx.day, the `{d}` fetched)."""
    warnings: list[str] = []
    issues = extract_records(load_json(body, ctx), SEVEN_DAY_PATH, ctx)
    warnings.extend(check_fields(issues, ("CreationDate", "MarketDay"), ("BeginDate",), ctx))
    pairs = [(issue["CreationDate"], day) for issue in issues for day in as_list(issue["MarketDay"], "MarketDay", ctx)]
    days = [day for _, day in pairs]
    warnings.extend(check_fields(days, ("MarketDate",), MARKET_DAY_KNOWN, ctx))
    frame = pl.DataFrame(
        [
            timestamps("CreationDate", [created for created, _ in pairs], ctx).alias("issued_at_utc"),
            _market_days(days, ctx),
            _day_numbers(days, ctx),
            *_measures(days, ctx, warnings),
            *_flags(days, ctx),
            *_weather(days, ctx, warnings),
        ]
    )
    frame = finite_or_null(_with_market_interval(frame, ctx), SEVEN_DAY_NUMBERS, ctx, warnings)
    return ParseResult(SEVEN_DAY_FORECAST.conform(with_provenance(frame, ctx)), warnings)


def _market_days(days: Sequence[Mapping], ctx: ParseContext) -> pl.Series:
    """The local date of each `MarketDate`, which must be a local midnight: anything else names no market day."""
    local = timestamps("MarketDate", [d["MarketDate"] for d in days], ctx).dt.convert_time_zone(ISONE_TZ_NAME)
    if (local.dt.time() != time(0)).any():
        bad = [d["MarketDate"] for d, t in zip(days, local.dt.time(), strict=True) if t != time(0)][:3]
        raise ParseError(ctx, f"field 'MarketDate' is not a local midnight: {bad}")
    return local.dt.date().alias("market_day")


def _with_market_interval(frame: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    """The market day as a UTC interval (23 or 25 hours across DST), the issue day, and the horizon in days."""
    issue_day = pl.lit(ctx.day, dtype=pl.Date) if ctx.day else _local_date(pl.col("issued_at_utc"))
    return frame.with_columns(
        _local_midnight_utc(pl.col("market_day")).alias("interval_begin_utc"),
        _local_midnight_utc(pl.col("market_day").dt.offset_by("1d")).alias("interval_end_utc"),
        issue_day.alias("operating_day"),
    ).with_columns((pl.col("market_day") - pl.col("operating_day")).dt.total_days().alias("horizon_days"))


def _local_midnight_utc(day: pl.Expr) -> pl.Expr:
    return day.cast(pl.Datetime("us")).dt.replace_time_zone(ISONE_TZ_NAME).dt.convert_time_zone("UTC")


def _local_date(ts: pl.Expr) -> pl.Expr:
    return ts.dt.convert_time_zone(ISONE_TZ_NAME).dt.date()


def _day_numbers(days: Sequence[Mapping], ctx: ParseContext) -> pl.Series:
    """ISO-NE's day index: the XML attribute as a string (`"@Day":"2"`) or, via the wsclient proxy, a number."""
    values = [d.get("@Day", d.get("Day")) for d in days]
    bad = next((v for v in values if v is not None and not _is_day_number(v)), None)
    if bad is not None:
        raise ParseError(ctx, f"field '@Day'/'Day' is not a day number: {bad!r}")
    return pl.Series("day_number", [None if v is None else int(v) for v in values], dtype=pl.Int32)


def _is_day_number(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().isdigit()
    return isinstance(value, int) and not isinstance(value, bool)


def _measures(days: Sequence[Mapping], ctx: ParseContext, warnings: list[str]) -> list[pl.Series]:
    """Every MW field; demand response under either of its names (`DrrMw`, older `RtdrMw`)."""
    drr = [next((d[f] for f in DEMAND_RESPONSE_FIELDS if d.get(f) is not None), None) for d in days]
    return [
        *(numbers(f, [d.get(f) for d in days], ctx, warnings).alias(col) for f, col in SEVEN_DAY_MEASURES.items()),
        numbers("DrrMw/RtdrMw", drr, ctx, warnings).alias("demand_response_mw"),
    ]


def _flags(days: Sequence[Mapping], ctx: ParseContext) -> list[pl.Series]:
    """`Y`/`N` as booleans, `-` (not assessed) and absent as NULL; any other value is an error naming it."""
    columns = []
    for field, col in SEVEN_DAY_FLAGS.items():
        values = [d.get(field) for d in days]
        bad = next((v for v in values if v is not None and not (isinstance(v, str) and v in FLAG_VALUES)), None)
        if bad is not None:
            raise ParseError(ctx, f"field {field!r} is not Y, N or -: {bad!r}")
        columns.append(pl.Series(col, [None if v is None else FLAG_VALUES[v] for v in values], dtype=pl.Boolean))
    return columns


def _weather(days: Sequence[Mapping], ctx: ParseContext, warnings: list[str]) -> list[pl.Series]:
    """Boston's and Hartford's high temperature and dew point; other cities have no column (a warning says so)."""
    cities = [_cities(d.get("Weather"), ctx) for d in days]
    flat = [rec for day in cities for rec in day]
    warnings.extend(check_fields(flat, ("CityName",), ("HighTempF", "DewPointF"), ctx))
    bad = next((rec["CityName"] for rec in flat if not isinstance(rec["CityName"], str)), "")
    if bad != "":
        raise ParseError(ctx, f"field 'Weather.CityWeather.CityName' is not a city name: {bad!r}")
    by_name = [{rec["CityName"]: rec for rec in day} for day in cities]
    others = sorted({str(name) for day in by_name for name in day} - {city for city, _ in CITY_WEATHER})
    if others:
        warnings.append(f"{ctx.feed} {ctx.describe_day()}: ignoring the weather of city(ies) {others}")
    return [
        numbers(f"{city} {field}", [day.get(city, {}).get(field) for day in by_name], ctx, warnings).alias(col)
        for (city, field), col in CITY_WEATHER.items()
    ]


def _cities(weather: object, ctx: ParseContext) -> list[dict]:
    if weather is None or weather == "" or weather == {}:
        return []
    if not isinstance(weather, Mapping):
        raise ParseError(ctx, f"field 'Weather' must be an object, got {type(weather).__name__}")
    return as_list(weather.get("CityWeather"), "Weather.CityWeather", ctx)
