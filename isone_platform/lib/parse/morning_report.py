"""The morning report (`/morningreport/day/{d}/all`): every report issued for an operating day, as three tables:
the report's capacity figures, its interchange per tie, and its city weather forecasts.

Quirks these parsers accept (isone_api_more_feeds.md §4 and §5, isone_api.md §3–4):
- `{"MorningReports": {"MorningReport": [...]}}`, a list even of one; `/current` drops the plural; one report
  (or one tie, one city) may be an object instead of a list; `""`, `{}` or a missing inner key is no report;
- 2 reports a day (`Preliminary`, `Final`) up to 2024-12-19, 3 from 2024-12-20; `ReportType` is kept as sent
  (`Morning Report`, `Operational Capacity Update Report`, …): the vintage is (`ReportType`, `CreationDate`);
- `CreationDate` milliseconds are not always `.000` (`08:14:51.097`); `BeginDate` is the operating day's local
  midnight, so the interval is 23 or 25 hours across DST; the peak hours are hour-begin timestamps;
- fields come and go by year: `DRRCapacityMw`, `UncommitedAvailDRRMw` (sic, one "t"), the planned/forced outage
  split (2025-07), `NyIsoSarAvail` (`Y`/`N`), `NonCommUnitsCapMw`, `GeoMagDist*`: absent is NULL;
- `ExpActOp4Mw` arrived as the string `"0"` (2026): MW are numbers as ints, floats or numeric strings; NaN → NULL;
- `GeoMagDistObsActivity` can be an int: the `GeoMagDist*` fields are stored as text;
- `InterchangeDetail` (limits, schedule) and `TieDelivery` (flow) list the ties separately: merged by tie name,
  a tie in only one list keeps NULL for the other's fields; `Phase II` is the alias of `Phase 2`; `NECEC` only
  in recent reports; negative MW = import;
- `WindDirSpeed` is direction and speed in one string (`SE-11`): split, NULL with a warning when it does not parse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time

import polars as pl

from isone_platform.lib.parse.common import (
    ParseContext,
    ParseError,
    ParseResult,
    as_list,
    check_fields,
    extract_records,
    finite_or_null,
    load_json,
    local_midnight_utc,
    measures,
    require_unique,
    strings,
    timestamps,
    timestamps_or_null,
    with_provenance,
)
from isone_platform.lib.schemas import (
    MORNING_REPORT,
    MORNING_REPORT_INTERCHANGE,
    MORNING_REPORT_WEATHER,
    TableSchema,
)

ISONE_TZ_NAME = "America/New_York"
REPORT_PATH = ("MorningReports", "MorningReport")
REPORT_REQUIRED = ("ReportType", "BeginDate", "CreationDate")
REPORT_HOURS = {
    "PeakLoadYesterdayHour": "peak_load_yesterday_hour_begin_utc",
    "PeakLoadTodayHour": "peak_load_today_hour_begin_utc",
}
REPORT_MEASURES = {
    "PeakLoadYesterdayMw": "peak_load_yesterday_mw",
    "CsoMw": "cso_mw",
    "CapAdditionsMw": "cap_additions_mw",
    "GenOutagesReductionMW": "gen_outages_reduction_mw",
    "GenPlannedOutagesReductionMW": "gen_planned_outages_reduction_mw",
    "GenForcedOutagesReductionMW": "gen_forced_outages_reduction_mw",
    "UncommittedGenBeforePeakMw": "uncommitted_gen_before_peak_mw",
    "UncommittedAvailGenMw": "uncommitted_available_gen_mw",
    "DRRCapacityMw": "drr_capacity_mw",
    "UncommitedAvailDRRMw": "uncommitted_available_drr_mw",
    "NetCapDeliveryMw": "net_capacity_delivery_mw",
    "TotAvailCapMw": "total_available_capacity_mw",
    "PeakLoadTodayMw": "peak_load_today_mw",
    "TotalOperReserveReqMw": "total_operating_reserve_requirement_mw",
    "CapRequiredMw": "capacity_required_mw",
    "SurplusDeficiencyMw": "surplus_deficiency_mw",
    "ReplReserveRequiredMw": "replacement_reserve_required_mw",
    "ExcessCommitMw": "excess_commit_mw",
    "LargestFirstContMw": "largest_first_contingency_mw",
    "AmsPeakLoadExpMw": "ams_peak_load_exp_mw",
    "TenMinReserveReqMw": "ten_min_reserve_requirement_mw",
    "TenMinReserveEstMw": "ten_min_reserve_estimate_mw",
    "ThirtyMinReserveReqMw": "thirty_min_reserve_requirement_mw",
    "ThirtyMinReserveEstMw": "thirty_min_reserve_estimate_mw",
    "ExpActOp4Mw": "expected_op4_actions_mw",
    "AddlCapAvailOp4ActMw": "additional_cap_available_op4_mw",
    "NonCommUnitsCapMw": "non_committed_units_cap_mw",
    "UnitCommMinOrrMw": "units_committed_min_orr_mw",
}
REPORT_TEXTS = {
    "NonMrktSensComnts": "non_market_sensitive_comments",
    "GeoMagDistForecast": "geomag_dist_forecast",
    "GeoMagDistAlert": "geomag_dist_alert",
    "GeoMagDistIntensity": "geomag_dist_intensity",
    "GeoMagDistObsActivity": "geomag_dist_observed_activity",
    "GeoMagDistIsoAction": "geomag_dist_iso_action",
    "GeoMagDistOthCntrAction": "geomag_dist_other_control_area_action",
}
FLAG_VALUES = {"Y": True, "N": False}
NESTED = ("TieDelivery", "InterchangeDetail", "CityForecastDetail")
REPORT_KNOWN = (*REPORT_HOURS, *REPORT_MEASURES, *REPORT_TEXTS, *NESTED, "NyIsoSarAvail", "UnitCommMinOrrCount")

INTERCHANGE_FIELDS = {
    "ScheduledMw": "scheduled_mw",
    "ImportLimitInMw": "import_limit_mw",
    "ExportLimitOutMw": "export_limit_mw",
}
DELIVERY_FIELDS = {"TieFlowMw": "tie_flow_mw"}
TIE_MEASURES = {**INTERCHANGE_FIELDS, **DELIVERY_FIELDS}
TIE_ALIASES = {"Phase II": "Phase 2"}

CITY_FIELDS = ("HighTemperature", "WeatherConditions", "WindDirSpeed")
WEATHER_MEASURES = {"HighTemperature": "high_temperature_f"}
WIND = re.compile(r"^\s*(?P<direction>[A-Za-z]+)\s*-\s*(?P<speed>\d+(?:\.\d+)?)\s*$")


def parse_morning_report(body: bytes, ctx: ParseContext) -> ParseResult:
    """One row per report: the operating day's capacity, load, reserve and OP-4 figures."""
    warnings: list[str] = []
    records, header = _reports(body, ctx, warnings)
    frame = pl.concat([header, pl.DataFrame(_report_columns(records, ctx, warnings))], how="horizontal")
    return _result(MORNING_REPORT, frame, REPORT_MEASURES, ctx, warnings)


def parse_morning_report_interchange(body: bytes, ctx: ParseContext) -> ParseResult:
    """One row per report × tie: limits and schedule beside the flow that makes up the net capacity delivery."""
    warnings: list[str] = []
    records, header = _reports(body, ctx, warnings)
    ties = [tie for i, report in enumerate(records) for tie in _ties(i, report, ctx, warnings)]
    columns = [_report_index(ties), strings("TieName", [t["TieName"] for t in ties], ctx).alias("tie_name")]
    columns += [measures(f, [t.get(f) for t in ties], ctx, warnings).alias(c) for f, c in TIE_MEASURES.items()]
    return _result(MORNING_REPORT_INTERCHANGE, _with_header(header, columns), TIE_MEASURES, ctx, warnings)


def parse_morning_report_weather(body: bytes, ctx: ParseContext) -> ParseResult:
    """One row per report × city: the high temperature, conditions and wind of the forecast."""
    warnings: list[str] = []
    records, header = _reports(body, ctx, warnings)
    cities = [{**c, "report": i} for i, r in enumerate(records) for c in _nested(r, "CityForecastDetail", ctx)]
    warnings.extend(check_fields(cities, ("CityName",), (*CITY_FIELDS, "report"), ctx))
    frame = _with_header(header, _city_columns(cities, ctx, warnings))
    return _result(MORNING_REPORT_WEATHER, _with_wind(frame, ctx, warnings), WEATHER_MEASURES, ctx, warnings)


def _reports(body: bytes, ctx: ParseContext, warnings: list[str]) -> tuple[list[dict], pl.DataFrame]:
    """The report records and what all three tables share: type, issue time and the operating-day interval."""
    records = extract_records(load_json(body, ctx), REPORT_PATH, ctx)
    warnings.extend(check_fields(records, REPORT_REQUIRED, REPORT_KNOWN, ctx))
    day = _report_days(records, ctx)
    header = pl.DataFrame(
        [
            _required_text("ReportType", [r["ReportType"] for r in records], ctx).alias("report_type"),
            timestamps("CreationDate", [r["CreationDate"] for r in records], ctx).alias("issued_at_utc"),
            day.alias("operating_day"),
        ]
    )
    return records, header.with_columns(
        local_midnight_utc(pl.col("operating_day")).alias("interval_begin_utc"),
        local_midnight_utc(pl.col("operating_day").dt.offset_by("1d")).alias("interval_end_utc"),
    )


def _report_days(records: list[dict], ctx: ParseContext) -> pl.Series:
    """The operating day of each report: `BeginDate`, a local midnight, and the day the body was fetched for."""
    local = timestamps("BeginDate", [r["BeginDate"] for r in records], ctx).dt.convert_time_zone(ISONE_TZ_NAME)
    if (local.dt.time() != time(0)).any():
        bad = [r["BeginDate"] for r, t in zip(records, local.dt.time(), strict=True) if t != time(0)][:3]
        raise ParseError(ctx, f"field 'BeginDate' is not a local midnight: {bad}")
    days = local.dt.date()
    other = sorted({d for d in days.to_list() if ctx.day is not None and d != ctx.day})
    if other:
        raise ParseError(ctx, f"field 'BeginDate' names operating day(s) {other}, not the requested day")
    return days


def _required_text(field: str, values: list, ctx: ParseContext) -> pl.Series:
    """A text field that is part of the key: null or empty is as wrong as missing."""
    if any(v is None or v == "" for v in values):
        raise ParseError(ctx, f"field {field!r} is null or empty in some record(s)")
    return strings(field, values, ctx)


def _report_columns(records: list[dict], ctx: ParseContext, warnings: list[str]) -> list[pl.Series]:
    def values(field: str) -> list:
        return [r.get(field) for r in records]

    return [
        *(timestamps_or_null(f, values(f), ctx).alias(col) for f, col in REPORT_HOURS.items()),
        *(measures(f, values(f), ctx, warnings).alias(col) for f, col in REPORT_MEASURES.items()),
        _flags("NyIsoSarAvail", values("NyIsoSarAvail"), ctx).alias("nyiso_sar_available"),
        _counts("UnitCommMinOrrCount", values("UnitCommMinOrrCount"), ctx).alias("units_committed_min_orr_count"),
        *(_texts(f, values(f), ctx).alias(col) for f, col in REPORT_TEXTS.items()),
    ]


def _flags(field: str, values: list, ctx: ParseContext) -> pl.Series:
    """`Y`/`N` as a boolean, absent as NULL; anything else is an error naming the field."""
    bad = next((v for v in values if v is not None and not (isinstance(v, str) and v in FLAG_VALUES)), None)
    if bad is not None:
        raise ParseError(ctx, f"field {field!r} is not Y or N: {bad!r}")
    return pl.Series(field, [None if v is None else FLAG_VALUES[v] for v in values], dtype=pl.Boolean)


def _counts(field: str, values: list, ctx: ParseContext) -> pl.Series:
    """A count (a JSON long): ints, whole floats or digit strings; a fraction or text is an error."""
    out = []
    for v in values:
        number = None if v is None else _whole(v)
        if v is not None and number is None:
            raise ParseError(ctx, f"field {field!r} is not a whole number: {v!r}")
        out.append(number)
    return pl.Series(field, out, dtype=pl.Int64)


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return int(value) if isinstance(value, str) and value.strip().lstrip("-").isdigit() else None


def _texts(field: str, values: list, ctx: ParseContext) -> pl.Series:
    """Text as sent; an integer (`GeoMagDistObsActivity`) as its digits; anything else is an error."""
    bad = next((v for v in values if v is not None and (isinstance(v, bool) or not isinstance(v, str | int))), None)
    if bad is not None:
        raise ParseError(ctx, f"field {field!r} is not text: {bad!r}")
    return pl.Series(field, [None if v is None else str(v) for v in values], dtype=pl.Utf8)


def _nested(report: Mapping, field: str, ctx: ParseContext) -> list[dict]:
    return as_list(report.get(field), field, ctx)


def _ties(index: int, report: Mapping, ctx: ParseContext, warnings: list[str]) -> list[dict]:
    """`InterchangeDetail` and `TieDelivery` merged by tie name, in order of first appearance."""
    detail = _ties_by_name(report, "InterchangeDetail", INTERCHANGE_FIELDS, ctx, warnings)
    delivery = _ties_by_name(report, "TieDelivery", DELIVERY_FIELDS, ctx, warnings)
    names = dict.fromkeys([*detail, *delivery])
    return [{**detail.get(n, {}), **delivery.get(n, {}), "TieName": n, "report": index} for n in names]


def _ties_by_name(
    report: Mapping, field: str, known: Mapping[str, str], ctx: ParseContext, warnings: list[str]
) -> dict[str, dict]:
    """One list's ties by normalised name; a tie listed twice cannot be merged, so it is an error."""
    records = _nested(report, field, ctx)
    warnings.extend(check_fields(records, ("TieName",), known, ctx))
    by_name: dict[str, dict] = {}
    for record in records:
        name = record["TieName"]
        if not isinstance(name, str) or not name.strip():
            raise ParseError(ctx, f"field '{field}.TieName' is not a tie name: {name!r}")
        name = TIE_ALIASES.get(name.strip(), name.strip())
        if name in by_name:
            raise ParseError(ctx, f"field '{field}' lists tie {name!r} twice in one report")
        by_name[name] = record
    return by_name


def _report_index(rows: list[dict]) -> pl.Series:
    return pl.Series("report", [r["report"] for r in rows], dtype=pl.UInt32)


def _city_columns(cities: list[dict], ctx: ParseContext, warnings: list[str]) -> list[pl.Series]:
    def values(field: str) -> list:
        return [c.get(field) for c in cities]

    return [
        _report_index(cities),
        _required_text("CityName", values("CityName"), ctx).alias("city_name"),
        measures("HighTemperature", values("HighTemperature"), ctx, warnings).alias("high_temperature_f"),
        strings("WeatherConditions", values("WeatherConditions"), ctx).alias("weather_conditions"),
        strings("WindDirSpeed", values("WindDirSpeed"), ctx).alias("wind_dir_speed"),
    ]


def _with_wind(frame: pl.DataFrame, ctx: ParseContext, warnings: list[str]) -> pl.DataFrame:
    """Direction and speed from `SE-11`; a value in another form keeps its text and NULLs, with a warning."""
    parts = pl.col("wind_dir_speed").str.extract_groups(WIND.pattern)
    frame = frame.with_columns(
        parts.struct.field("direction").alias("wind_direction"),
        parts.struct.field("speed").cast(pl.Float64).alias("wind_speed_mph"),
    )
    unparsed = frame.filter(pl.col("wind_dir_speed").is_not_null() & pl.col("wind_speed_mph").is_null())
    if unparsed.height:
        sample = unparsed.get_column("wind_dir_speed").unique(maintain_order=True).head(3).to_list()
        what = f"{unparsed.height} 'WindDirSpeed' value(s) not direction-speed, e.g. {sample}: wind left NULL"
        warnings.append(f"{ctx.feed} {ctx.describe_day()}: {what}")
    return frame


def _with_header(header: pl.DataFrame, columns: list[pl.Series]) -> pl.DataFrame:
    """A nested table's rows beside their report's type, issue time and interval."""
    rows = pl.DataFrame(columns)
    return rows.join(header.with_row_index("report"), on="report", how="left", maintain_order="left")


def _result(
    table: TableSchema, frame: pl.DataFrame, fields: Mapping[str, str], ctx: ParseContext, warnings: list[str]
) -> ParseResult:
    """Unique key, NULL for not-a-number values, provenance and the table's exact schema."""
    require_unique(frame, table.primary_key, f"key {table.primary_key}", ctx)
    frame = finite_or_null(frame, fields, ctx, warnings)
    return ParseResult(table.conform(with_provenance(frame, ctx)), warnings)
