"""Parsers of the load forecasts (hourly, zonal, seven-day) and the hourly actuals (system load, DA/RT demand).

Real recorded bodies come from ../shared/isone_real (the tests that need them skip when it is absent); every quirk
and error of the contract is also a small synthetic body.
"""

import json
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from isone_platform.lib.parse.common import ParseContext, ParseError, ParseResult, fast_path
from isone_platform.lib.parse.forecast import (
    parse_load_forecast_hourly,
    parse_load_forecast_zonal,
    parse_seven_day_forecast,
)
from isone_platform.lib.parse.hourly import parse_demand_hourly, parse_load_hourly
from isone_platform.lib.partitions import ISONE_TZ
from isone_platform.lib.schemas import (
    DEMAND_HOURLY,
    LOAD_FORECAST_HOURLY,
    LOAD_FORECAST_ZONAL_HOURLY,
    LOAD_HOURLY,
    LOAD_ZONES,
    SEVEN_DAY_FORECAST,
    TableSchema,
)

FETCHED = datetime(2024, 11, 4, 12, 0, tzinfo=UTC)
DAY = date(2024, 11, 3)
HLF = ("HourlyLoadForecasts", "HourlyLoadForecast")
RR = ("ReliabilityRegionLoadForecasts", "ReliabilityRegionLoadForecast")


def ctx(day: date | None = DAY, path: str = "/test") -> ParseContext:
    return ParseContext("test_feed", day, path, FETCHED, "sha")


def encode(doc) -> bytes:
    return doc if isinstance(doc, bytes) else json.dumps(doc).encode()


def wrap(path: tuple[str, str], records) -> dict:
    return {path[0]: {path[1]: records}}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_table(result: ParseResult, table: TableSchema) -> pl.DataFrame:
    """The frame is exactly the table: its schema, conform is a no-op, no duplicate or null key."""
    frame = result.frame
    assert frame.schema == table.polars_schema
    assert table.conform(frame).equals(frame)
    key = list(table.primary_key)
    assert not frame.select(key).is_duplicated().any(), f"duplicate {key}"
    assert all(frame.get_column(c).null_count() == 0 for c in table.not_null_columns)
    return frame


def local_days(frame: pl.DataFrame) -> set[date]:
    return {ts.astimezone(ISONE_TZ).date() for ts in frame["interval_begin_utc"].to_list()}


def hlf(begin="2024-11-03T01:00:00.000-05:00", created="2024-11-02T09:12:11.000-04:00", load: object = 9800, **extra):
    return {"BeginDate": begin, "CreationDate": created, "LoadMw": load, "NetLoadMw": load, **extra}


def rr(
    zone: object = ".Z.MAINE",
    load: object = 1018.5,
    pct: object = 10.789,
    begin="2023-05-01T00:00:00.000-04:00",
    **extra,
):
    base = {"BeginDate": begin, "CreationDate": "2023-04-30T09:25:30.000-04:00"}
    return {**base, "ReliabilityRegion": zone, "LoadMw": load, "ReliabilityRegionLoadPercentage": pct, **extra}


def sysload(begin="2024-11-03T00:00:00.000-04:00", load: object = 10376.719, **extra):
    loc = {"@LocId": "32", "$": "NEPOOL AREA"}
    return {"BeginDate": begin, "Location": loc, "Load": load, "NativeLoad": 10152.845, "ArdDemand": 223.874, **extra}


def demand(loc_id="4001", name=".Z.MAINE", load: object = 948.1, begin="2024-11-03T00:00:00.000-04:00", **extra):
    return {"BeginDate": begin, "Location": {"@LocId": loc_id, "$": name}, "Load": load, **extra}


# ---------------------------------------------------------------------------------------------------------------
# Real bodies: counts, keys, values, DST

HLF_DAYS = [  # (day, records, distinct issues) per isone_api_more_feeds.md §1.1
    (date(2024, 11, 2), 216, 9),
    (date(2024, 3, 10), 138, 6),
    (date(2024, 11, 3), 175, 7),
    (date(2023, 5, 1), 216, 9),
    (date(2023, 5, 2), 192, 8),
    (date(2024, 3, 9), 144, 6),
]
RR_DAYS = [
    (date(2024, 3, 10), 1000),
    (date(2024, 11, 3), 1264),
    (date(2024, 11, 2), 1512),
    (date(2023, 5, 1), 1200),
    (date(2023, 5, 2), 1224),
    (date(2024, 3, 9), 1040),
]
HOURS = {date(2024, 3, 9): 24, date(2024, 3, 10): 23, date(2024, 11, 2): 24, date(2024, 11, 3): 25}
DEMAND_HOURS = {**HOURS, date(2024, 10, 6): 24, date(2024, 10, 7): 24}


def hlf_real(real_dir, day: date) -> ParseResult:
    name = f"bodies/hourlyloadforecast_all_day_{day:%Y%m%d}.json"
    return parse_load_forecast_hourly(
        (real_dir / name).read_bytes(), ctx(day, f"/hourlyloadforecast/all/day/{day:%Y%m%d}")
    )


def rr_real(real_dir, day: date) -> ParseResult:
    name = f"bodies/reliabilityregionloadforecast_day_{day:%Y%m%d}_all.json"
    path = f"/reliabilityregionloadforecast/day/{day:%Y%m%d}/all"
    return parse_load_forecast_zonal((real_dir / name).read_bytes(), ctx(day, path))


def demand_real(real_dir, market: str, day: date, loc: int) -> ParseResult:
    feed = {"DA": "dayaheadhourlydemand", "RT": "realtimehourlydemand"}[market]
    name = f"bodies/{feed}_day_{day:%Y%m%d}_location_{loc}.json"
    return parse_demand_hourly((real_dir / name).read_bytes(), ctx(day, f"/{feed}/day/{day:%Y%m%d}/location/{loc}"))


class TestRealHourlyLoadForecast:
    @pytest.mark.parametrize(("day", "records", "issues"), HLF_DAYS, ids=str)
    def test_counts_issues_and_keys(self, real_dir, day, records, issues):
        result = hlf_real(real_dir, day)
        frame = assert_table(result, LOAD_FORECAST_HOURLY)
        assert len(frame) == records
        assert frame["issued_at_utc"].n_unique() == issues
        assert frame["interval_begin_utc"].n_unique() == records // issues  # every issue covers every hour
        assert local_days(frame) == {day} and frame["operating_day"].unique().to_list() == [day]
        assert result.warnings == []

    def test_documented_record(self, real_dir):
        frame = hlf_real(real_dir, date(2024, 11, 3)).frame
        row = frame.filter(
            (pl.col("interval_begin_utc") == utc("2024-11-03T06:00:00Z"))
            & (pl.col("issued_at_utc") == utc("2024-11-02T13:12:11Z"))
        ).to_dicts()
        assert len(row) == 1
        assert row[0]["load_mw"] == 9800.0 and row[0]["net_load_mw"] == 9800.0
        assert row[0]["interval_end_utc"] == utc("2024-11-03T07:00:00Z")
        assert row[0]["horizon_hours"] == pytest.approx(16 + 47 / 60 + 49 / 3600)  # 16.8 h

    def test_fall_back_repeated_hour_is_two_utc_hours(self, real_dir):
        begins = hlf_real(real_dir, date(2024, 11, 3)).frame["interval_begin_utc"].unique().sort()
        assert len(begins) == 25
        assert utc("2024-11-03T05:00:00Z") in begins.to_list()  # 01:00-04:00
        assert utc("2024-11-03T06:00:00Z") in begins.to_list()  # 01:00-05:00
        assert (begins.diff().drop_nulls() == timedelta(hours=1)).all()

    def test_spring_forward_day_has_23_contiguous_hours(self, real_dir):
        begins = hlf_real(real_dir, date(2024, 3, 10)).frame["interval_begin_utc"].unique().sort()
        assert begins.to_list() == [utc("2024-03-10T05:00:00Z") + timedelta(hours=h) for h in range(23)]

    def test_horizon_is_begin_minus_issue(self, real_dir):
        frame = hlf_real(real_dir, date(2023, 5, 1)).frame
        expected = (frame["interval_begin_utc"] - frame["issued_at_utc"]).dt.total_seconds() / 3600
        assert ((frame["horizon_hours"] - expected).abs() < 1e-9).all()
        assert (frame["horizon_hours"] < 0).any() and (
            frame["horizon_hours"] > 0
        ).any()  # same-day issues: past hours too

    def test_current_list_of_one(self, real_dir):
        body = (real_dir / "wsclient_examples/hourlyloadforecast_current_20260727.json").read_bytes()
        frame = assert_table(parse_load_forecast_hourly(body, ctx(date(2026, 7, 27))), LOAD_FORECAST_HOURLY)
        assert frame.select("interval_begin_utc", "issued_at_utc", "load_mw").rows() == [
            (utc("2026-07-30T03:00:00Z"), utc("2026-07-27T20:21:15Z"), 13320.0)
        ]

    @pytest.mark.parametrize("day", [d for d, _, _ in HLF_DAYS], ids=str)
    def test_fast_and_python_paths_agree(self, real_dir, day):
        fast = hlf_real(real_dir, day)
        with fast_path(False):
            slow = hlf_real(real_dir, day)
        assert fast.frame.equals(slow.frame) and fast.warnings == slow.warnings


class TestRealZonalForecast:
    @pytest.mark.parametrize(("day", "records"), RR_DAYS, ids=str)
    def test_counts_keys_and_zone_names(self, real_dir, day, records):
        result = rr_real(real_dir, day)
        frame = assert_table(result, LOAD_FORECAST_ZONAL_HOURLY)
        assert len(frame) == records
        assert result.warnings == []
        assert local_days(frame) == {day}
        assert sorted(frame["zone_id"].unique().to_list()) == sorted(LOAD_ZONES)
        pairs = frame.select("zone_id", "zone_name").unique().rows()
        assert all(LOAD_ZONES[zone_id] == name for zone_id, name in pairs)
        assert (frame.group_by("interval_begin_utc", "issued_at_utc").len()["len"] == 8).all()

    @pytest.mark.parametrize("day", [d for d, _ in RR_DAYS], ids=str)
    def test_zones_sum_to_the_matching_system_issue(self, real_dir, day):
        zonal = (
            rr_real(real_dir, day)
            .frame.group_by("interval_begin_utc", "issued_at_utc")
            .agg(pl.col("load_mw").sum().alias("zonal_sum"), pl.col("share_pct").sum().alias("pct_sum"))
            .sort("issued_at_utc")
        )
        system = (
            hlf_real(real_dir, day)
            .frame.select("interval_begin_utc", pl.col("issued_at_utc").alias("system_issue"), "load_mw")
            .sort("system_issue")
        )
        joined = zonal.join_asof(
            system,
            left_on="issued_at_utc",
            right_on="system_issue",
            by="interval_begin_utc",
            strategy="backward",
            tolerance=timedelta(minutes=15),
            check_sortedness=False,  # sorted by the "on" column overall, hence within every interval
        )
        assert joined["load_mw"].null_count() == 0, "a zonal issue without a system issue ≤ 15 min before it"
        assert ((joined["zonal_sum"] - joined["load_mw"]).abs() <= 0.002 + 1e-9).all()
        assert ((joined["pct_sum"] - 100).abs() <= 0.0031).all()

    def test_documented_record(self, real_dir):
        frame = rr_real(real_dir, date(2023, 5, 1)).frame
        row = frame.filter(
            (pl.col("interval_begin_utc") == utc("2023-05-01T04:00:00Z"))
            & (pl.col("issued_at_utc") == utc("2023-04-30T13:25:30Z"))
            & (pl.col("zone_id") == 4001)
        ).to_dicts()
        assert len(row) == 1
        assert row[0]["zone_name"] == ".Z.MAINE" and row[0]["load_mw"] == 1018.5 and row[0]["share_pct"] == 10.789
        assert row[0]["horizon_hours"] == pytest.approx(14.575)

    def test_same_day_issues_cover_only_later_hours(self, real_dir):
        frame = rr_real(real_dir, date(2024, 3, 10)).frame
        assert (frame["horizon_hours"] > 0).all()

    @pytest.mark.parametrize("day", [d for d, _ in RR_DAYS], ids=str)
    def test_fast_and_python_paths_agree(self, real_dir, day):
        fast = rr_real(real_dir, day)
        with fast_path(False):
            slow = rr_real(real_dir, day)
        assert fast.frame.equals(slow.frame) and fast.warnings == slow.warnings


class TestRealHourlyActuals:
    @pytest.mark.parametrize(("day", "hours"), HOURS.items(), ids=str)
    def test_system_load_counts(self, real_dir, day, hours):
        body = (real_dir / f"bodies/hourlysysload_day_{day:%Y%m%d}.json").read_bytes()
        result = parse_load_hourly(body, ctx(day, f"/hourlysysload/day/{day:%Y%m%d}"))
        frame = assert_table(result, LOAD_HOURLY)
        assert len(frame) == hours and local_days(frame) == {day} and result.warnings == []
        # §2.1: Load == NativeLoad + ArdDemand in every record
        assert ((frame["load_mw"] - frame["native_load_mw"] - frame["ard_demand_mw"]).abs() < 1e-6).all()

    def test_system_load_values_across_fall_back(self, real_dir):
        body = (real_dir / "bodies/hourlysysload_day_20241103.json").read_bytes()
        frame = parse_load_hourly(body, ctx()).frame
        first = frame.row(0, named=True)
        assert first["interval_begin_utc"] == utc("2024-11-03T04:00:00Z")
        assert first["interval_end_utc"] == utc("2024-11-03T05:00:00Z")
        assert (first["load_mw"], first["native_load_mw"], first["ard_demand_mw"]) == (10376.719, 10152.845, 223.874)
        assert frame["interval_begin_utc"].to_list()[1:3] == [utc("2024-11-03T05:00:00Z"), utc("2024-11-03T06:00:00Z")]

    def test_system_load_current_is_an_object(self, real_dir):
        body = (real_dir / "bodies/hourlysysload_current_recorded20241125T210947Z.json").read_bytes()
        frame = assert_table(parse_load_hourly(body, ctx(date(2024, 11, 25))), LOAD_HOURLY)
        assert frame.select("interval_begin_utc", "load_mw").rows() == [(utc("2024-11-25T20:00:00Z"), 13657.274)]

    @pytest.mark.parametrize("market", ["DA", "RT"])
    @pytest.mark.parametrize("loc", [4001, 4002])
    @pytest.mark.parametrize(("day", "hours"), DEMAND_HOURS.items(), ids=str)
    def test_demand_counts(self, real_dir, market, loc, day, hours):
        result = demand_real(real_dir, market, day, loc)
        frame = assert_table(result, DEMAND_HOURLY)
        assert len(frame) == hours and local_days(frame) == {day} and result.warnings == []
        assert frame.select("market", "location_id", "location_name").unique().rows() == [
            (market, loc, LOAD_ZONES[loc])
        ]

    def test_demand_values(self, real_dir):
        da = demand_real(real_dir, "DA", date(2024, 3, 10), 4002).frame.row(0, named=True)
        assert (da["interval_begin_utc"], da["load_mw"], da["location_name"]) == (
            utc("2024-03-10T05:00:00Z"),
            996.3,
            ".Z.NEWHAMPSHIRE",
        )
        rt = demand_real(real_dir, "RT", date(2024, 11, 3), 4002).frame
        assert rt["load_mw"].to_list()[:3] == [975.788, 955.564, 936.002]
        assert rt["interval_begin_utc"].to_list()[1:3] == [utc("2024-11-03T05:00:00Z"), utc("2024-11-03T06:00:00Z")]

    def test_rt_current_location_is_a_top_level_object(self, real_dir):
        body = (
            real_dir / "bodies/realtimehourlydemand_current_location_4001_recorded20241125T210932Z.json"
        ).read_bytes()
        frame = assert_table(parse_demand_hourly(body, ctx(date(2024, 11, 25))), DEMAND_HOURLY)
        assert frame.select("interval_begin_utc", "market", "location_id", "load_mw").rows() == [
            (utc("2024-11-21T04:00:00Z"), "RT", 4001, 1049.032)
        ]

    def test_da_current_keeps_load_zones_and_names_the_dropped(self, real_dir):
        body = (real_dir / "wsclient_examples/dayaheadhourlydemand_current_20260727.json").read_bytes()
        result = parse_demand_hourly(body, ctx(date(2026, 7, 27)))
        frame = assert_table(result, DEMAND_HOURLY)
        assert sorted(frame["location_id"].to_list()) == sorted(LOAD_ZONES)
        assert set(frame["market"]) == {"DA"}
        assert len(result.warnings) == 1 and "[32, 4000]" in result.warnings[0]

    def test_da_current_of_nepool_area_is_empty_with_a_warning(self, real_dir):
        body = (real_dir / "bodies/dayaheadhourlydemand_current_location_32_recorded20241125T210933Z.json").read_bytes()
        result = parse_demand_hourly(body, ctx(date(2024, 11, 25)))
        assert result.frame.is_empty() and "[32]" in result.warnings[0]


SEVEN_DAY_REAL = [
    ("pyiso_fixtures/sevendayforecast_day_20160101.json", date(2016, 1, 1), "2016-01-01T14:45:12.343Z"),
    ("pyiso_fixtures/sevendayforecast_current_20170130.json", date(2017, 1, 30), "2017-01-30T14:33:49.344Z"),
    ("wsclient_examples/sevendayforecast_current_20260727.json", date(2026, 7, 27), "2026-07-27T13:14:58Z"),
]


def seven_day_real(real_dir, name: str, day: date | None) -> ParseResult:
    return parse_seven_day_forecast((real_dir / name).read_bytes(), ctx(day, "/sevendayforecast/current"))


class TestRealSevenDayForecast:
    @pytest.mark.parametrize(("name", "day", "issued"), SEVEN_DAY_REAL, ids=lambda v: str(v)[-30:])
    def test_six_market_days_and_identities(self, real_dir, name, day, issued):
        result = seven_day_real(real_dir, name, day)
        frame = assert_table(result, SEVEN_DAY_FORECAST)
        assert result.warnings == []
        assert frame["day_number"].to_list() == [2, 3, 4, 5, 6, 7]
        assert frame["horizon_days"].to_list() == [1, 2, 3, 4, 5, 6]
        assert frame["market_day"].to_list() == [day + timedelta(days=n) for n in range(1, 7)]
        assert set(frame["issued_at_utc"]) == {utc(issued)} and set(frame["operating_day"]) == {day}
        assert (frame["interval_end_utc"] - frame["interval_begin_utc"] == timedelta(hours=24)).all()
        begins = [b.astimezone(ISONE_TZ) for b in frame["interval_begin_utc"]]
        assert all((b.hour, b.minute, b.date()) == (0, 0, d) for b, d in zip(begins, frame["market_day"], strict=True))
        c = {name: frame[name] for name in frame.columns}
        assert (c["total_available_gen_import_mw"] == c["total_available_gen_mw"] + c["peak_import_mw"]).all()
        assert (c["required_reserve_incl_repl_mw"] == c["required_reserve_mw"] + c["replacement_reserve_mw"]).all()
        assert (c["load_plus_required_reserve_mw"] == c["peak_load_mw"] + c["required_reserve_incl_repl_mw"]).all()
        surplus = c["total_available_gen_import_mw"] - c["load_plus_required_reserve_mw"]
        assert (c["surplus_deficiency_mw"] == surplus).all()
        for col in ("demand_response_mw", "boston_high_temp_f", "hartford_dew_point_f", "power_watch", "power_warn"):
            assert frame[col].null_count() == 0, col

    def test_old_issue_values_rtdr_and_rteg(self, real_dir):
        row = seven_day_real(real_dir, SEVEN_DAY_REAL[0][0], date(2016, 1, 1)).frame.row(2, named=True)
        assert row["market_day"] == date(2016, 1, 4) and row["day_number"] == 4
        assert (row["demand_response_mw"], row["rt_emergency_gen_mw"], row["cold_weather_outages_mw"]) == (
            269,
            132,
            1540,
        )
        assert (row["boston_high_temp_f"], row["boston_dew_point_f"]) == (32, 22)
        assert (row["hartford_high_temp_f"], row["hartford_dew_point_f"]) == (31, 19)
        assert row["power_watch"] is False and row["cold_weather_event"] is False

    def test_2026_issue_values_drr_and_dash_flags(self, real_dir):
        frame = seven_day_real(real_dir, SEVEN_DAY_REAL[2][0], date(2026, 7, 27)).frame
        first = frame.row(0, named=True)
        assert first["interval_begin_utc"] == utc("2026-07-28T04:00:00Z")
        assert (first["cso_mw"], first["peak_load_mw"], first["demand_response_mw"]) == (26707, 17630, 245)
        assert first["rt_emergency_gen_mw"] is None  # RtegMw is gone in 2024+ issues
        assert (first["boston_high_temp_f"], first["hartford_dew_point_f"]) == (78, 69)
        assert frame["cold_weather_watch"].to_list() == [False, False, None, None, None, None]  # "-" from day 4

    def test_issue_day_from_creation_date_without_a_partition(self, real_dir):
        frame = seven_day_real(real_dir, SEVEN_DAY_REAL[2][0], None).frame
        assert set(frame["operating_day"]) == {date(2026, 7, 27)}
        assert frame["horizon_days"].to_list() == [1, 2, 3, 4, 5, 6]


# ---------------------------------------------------------------------------------------------------------------
# Seven-day forecast: synthetic bodies


def market_day(market_date: str, day_field: tuple[str, object] = ("@Day", "2"), **extra) -> dict:
    weather = [{"CityName": "Boston", "HighTempF": 40, "DewPointF": -3}, {"CityName": "Hartford", "HighTempF": 38}]
    return {
        day_field[0]: day_field[1],
        "MarketDate": market_date,
        "CsoMw": 30000,
        "PeakLoadMw": 16000,
        "DrrMw": 200,
        "PowerWatch": "N",
        "PowerWarn": "Y",
        "Weather": {"CityWeather": weather},
        **extra,
    }


def seven_day(*days: dict, created="2024-11-01T09:45:12.343-04:00") -> dict:
    return {"SevenDayForecasts": {"SevenDayForecast": [{"CreationDate": created, "MarketDay": list(days)}]}}


class TestSevenDaySynthetic:
    def test_dst_market_days_are_23_and_25_hours(self):
        fall = seven_day(market_day("2024-11-03T00:00:00.000-04:00"), market_day("2024-11-04T00:00:00.000-05:00"))
        frame = parse_seven_day_forecast(encode(fall), ctx(date(2024, 11, 1))).frame
        assert (frame["interval_end_utc"] - frame["interval_begin_utc"]).to_list() == [
            timedelta(hours=25),
            timedelta(hours=24),
        ]
        assert frame["interval_begin_utc"].to_list() == [utc("2024-11-03T04:00:00Z"), utc("2024-11-04T05:00:00Z")]
        assert frame["horizon_days"].to_list() == [2, 3]
        spring = seven_day(market_day("2024-03-10T00:00:00.000-05:00"), created="2024-03-09T09:14:58.000-05:00")
        frame = parse_seven_day_forecast(encode(spring), ctx(date(2024, 3, 9))).frame
        assert frame["interval_end_utc"].to_list() == [utc("2024-03-11T04:00:00Z")]  # 23 hours after 05:00Z

    def test_operating_day_is_the_partition_day_not_the_creation_date(self):
        body = seven_day(market_day("2024-11-03T00:00:00.000-04:00"), created="2024-11-01T23:59:59.000-04:00")
        frame = parse_seven_day_forecast(encode(body), ctx(date(2024, 11, 2))).frame
        assert frame.select("operating_day", "horizon_days").row(0) == (date(2024, 11, 2), 1)
        frame = parse_seven_day_forecast(encode(body), ctx(None)).frame
        assert frame.select("operating_day", "horizon_days").row(0) == (date(2024, 11, 1), 2)

    def test_day_number_as_string_attribute_or_number(self):
        body = seven_day(
            market_day("2024-11-02T00:00:00.000-04:00", ("@Day", "2")),
            market_day("2024-11-03T00:00:00.000-04:00", ("Day", 3)),
        )
        assert parse_seven_day_forecast(encode(body), ctx(date(2024, 11, 1))).frame["day_number"].to_list() == [2, 3]

    def test_single_objects_and_milliseconds(self):
        one = market_day(
            "2024-11-02T00:00:00.000-04:00", Weather={"CityWeather": {"CityName": "Boston", "HighTempF": 50}}
        )
        body = {
            "SevenDayForecasts": {
                "SevenDayForecast": {"CreationDate": "2024-11-01T09:45:12.097-04:00", "MarketDay": one}
            }
        }
        frame = parse_seven_day_forecast(encode(body), ctx(date(2024, 11, 1))).frame
        assert frame["issued_at_utc"].to_list() == [utc("2024-11-01T13:45:12.097Z")]
        assert frame["boston_high_temp_f"].to_list() == [50.0] and frame["hartford_high_temp_f"].to_list() == [None]

    def test_numbers_as_strings_and_ints(self):
        body = seven_day(market_day("2024-11-02T00:00:00.000-04:00", CsoMw="30000.5", PeakLoadMw=16000))
        result = parse_seven_day_forecast(encode(body), ctx(date(2024, 11, 1)))
        assert result.frame.select("cso_mw", "peak_load_mw").row(0) == (30000.5, 16000.0)
        assert any("numeric string" in w and "CsoMw" in w for w in result.warnings)

    def test_rtdr_is_demand_response_when_drr_is_absent(self):
        day = market_day("2024-11-02T00:00:00.000-04:00", RtdrMw=150, RtegMw=3, EnergyEmergency="N")
        del day["DrrMw"]
        result = parse_seven_day_forecast(encode(seven_day(day)), ctx(date(2024, 11, 1)))
        assert result.frame.select("demand_response_mw", "rt_emergency_gen_mw").row(0) == (150.0, 3.0)
        assert result.warnings == []  # EnergyEmergency is known

    def test_other_cities_and_unknown_fields_warn(self):
        weather = {"CityWeather": [{"CityName": "Boston", "HighTempF": 40}, {"CityName": "Portland", "HighTempF": 30}]}
        body = seven_day(market_day("2024-11-02T00:00:00.000-04:00", Weather=weather, NewFieldMw=1))
        warnings = parse_seven_day_forecast(encode(body), ctx(date(2024, 11, 1))).warnings
        assert any("Portland" in w for w in warnings) and any("NewFieldMw" in w for w in warnings)

    def test_nan_is_null_with_a_warning(self):
        body = b'{"SevenDayForecasts":{"SevenDayForecast":[{"CreationDate":"2024-11-01T09:45:12.343-04:00",'
        body += b'"MarketDay":[{"MarketDate":"2024-11-02T00:00:00.000-04:00","PeakLoadMw":NaN,"CsoMw":"NaN"}]}]}}'
        result = parse_seven_day_forecast(body, ctx(date(2024, 11, 1)))
        assert result.frame.select("peak_load_mw", "cso_mw").row(0) == (None, None)
        assert any("'PeakLoadMw'" in w and "NULL" in w for w in result.warnings)
        assert any("'CsoMw'" in w and "NULL" in w for w in result.warnings)

    @pytest.mark.parametrize("empty", ["", {}, {"SevenDayForecast": []}, {"Other": 1}])
    def test_empty_results(self, empty):
        result = parse_seven_day_forecast(encode({"SevenDayForecasts": empty}), ctx())
        assert result.frame.is_empty() and result.frame.schema == SEVEN_DAY_FORECAST.polars_schema

    @pytest.mark.parametrize(
        ("change", "named"),
        [
            ({"PowerWatch": "X"}, "'PowerWatch' is not Y, N or -: 'X'"),
            ({"ColdWeatherWarn": True}, "'ColdWeatherWarn'"),
            ({"@Day": "two"}, "'@Day'/'Day' is not a day number: 'two'"),
            ({"MarketDate": "2024-11-02T06:00:00.000-04:00"}, "'MarketDate' is not a local midnight"),
            ({"MarketDate": "2024-11-02"}, "'MarketDate' has timestamps not in ISO-NE's format"),
            ({"CsoMw": [1]}, "'CsoMw' of record 0 is not a number: [1]"),
            ({"Weather": "sunny"}, "'Weather' must be an object"),
            ({"Weather": {"CityWeather": ["Boston"]}}, "'Weather.CityWeather'"),
            (
                {"Weather": {"CityWeather": {"CityName": None}}},
                "'Weather.CityWeather.CityName' is not a city name: None",
            ),
            ({"Weather": {"CityWeather": {"HighTempF": 3}}}, "required field 'CityName' missing"),
        ],
    )
    def test_errors_name_the_field(self, change, named):
        body = seven_day(market_day("2024-11-02T00:00:00.000-04:00", **change))
        with pytest.raises(ParseError, match="/sevendayforecast") as err:
            parse_seven_day_forecast(encode(body), ctx(date(2024, 11, 1), "/sevendayforecast/day/20241101/all"))
        assert named in str(err.value)

    def test_missing_or_malformed_issue_fields(self):
        with pytest.raises(ParseError, match="'MarketDate' missing"):
            parse_seven_day_forecast(encode(seven_day({"@Day": "2", "CsoMw": 1})), ctx())
        body = {"SevenDayForecasts": {"SevenDayForecast": [{"MarketDay": []}]}}
        with pytest.raises(ParseError, match="'CreationDate' missing"):
            parse_seven_day_forecast(encode(body), ctx())
        body = {
            "SevenDayForecasts": {
                "SevenDayForecast": [{"CreationDate": "2024-11-01T09:45:12.343-04:00", "MarketDay": 5}]
            }
        }
        with pytest.raises(ParseError, match="'MarketDay' must be a record or a list of records"):
            parse_seven_day_forecast(encode(body), ctx())


# ---------------------------------------------------------------------------------------------------------------
# Hourly and zonal forecasts, hourly actuals: synthetic quirks and errors

PARSERS = {
    "hlf": (parse_load_forecast_hourly, HLF, hlf, LOAD_FORECAST_HOURLY),
    "rr": (parse_load_forecast_zonal, RR, rr, LOAD_FORECAST_ZONAL_HOURLY),
    "sysload": (parse_load_hourly, ("HourlySystemLoads", "HourlySystemLoad"), sysload, LOAD_HOURLY),
    "da": (parse_demand_hourly, ("HourlyDaDemands", "HourlyDaDemand"), demand, DEMAND_HOURLY),
    "rt": (parse_demand_hourly, ("HourlyRtDemands", "HourlyRtDemand"), demand, DEMAND_HOURLY),
}
MEASURE = {"hlf": "LoadMw", "rr": "LoadMw", "sysload": "Load", "da": "Load", "rt": "Load"}


@pytest.mark.parametrize("feed", PARSERS)
class TestQuirks:
    def test_object_list_and_top_level_singular_are_the_same_rows(self, feed):
        parse, path, record, table = PARSERS[feed]
        frames = [
            parse(encode(doc), ctx()).frame
            for doc in (wrap(path, [record()]), wrap(path, record()), {path[1]: record()}, {path[1]: [record()]})
        ]
        assert len(frames[0]) == 1 and all(f.equals(frames[0]) for f in frames)
        assert_table(ParseResult(frames[0]), table)

    @pytest.mark.parametrize("empty", ["empty string", "empty object", "empty list", "no inner key"])
    def test_empty_results(self, feed, empty):
        parse, path, _, table = PARSERS[feed]
        inner = {"empty string": "", "empty object": {}, "empty list": {path[1]: []}, "no inner key": {"Other": 1}}
        result = parse(encode({path[0]: inner[empty]}), ctx())
        assert result.frame.is_empty() and result.frame.schema == table.polars_schema

    def test_numeric_strings_and_integers(self, feed):
        parse, path, record, _ = PARSERS[feed]
        result = parse(encode(wrap(path, [record(load="1234.5")])), ctx())
        assert result.frame["load_mw"].to_list() == [1234.5]
        assert any("numeric string" in w for w in result.warnings)
        assert parse(encode(wrap(path, [record(load=0)])), ctx()).frame["load_mw"].to_list() == [0.0]

    @pytest.mark.parametrize("nan", ["NaN", "not-a-number", "Infinity"])
    def test_not_a_number_is_null_with_a_warning(self, feed, nan):
        parse, path, record, _ = PARSERS[feed]
        text = json.dumps(wrap(path, [record(load="@@")])).replace('"@@"', nan if nan != "not-a-number" else '"n/a"')
        result = parse(text.encode(), ctx())
        assert result.frame["load_mw"].to_list() == [None]
        assert any(f"'{MEASURE[feed]}'" in w and "NULL" in w for w in result.warnings)

    def test_unknown_field_warns(self, feed):
        parse, path, record, _ = PARSERS[feed]
        result = parse(encode(wrap(path, [record(SurpriseMw=1)])), ctx())
        assert len(result.frame) == 1 and any("SurpriseMw" in w for w in result.warnings)

    def test_missing_required_field(self, feed):
        parse, path, record, _ = PARSERS[feed]
        for field in ("BeginDate", MEASURE[feed]):
            rec = record()
            del rec[field]
            with pytest.raises(ParseError, match=f"/test.*required field '{field}' missing"):
                parse(encode(wrap(path, [rec])), ctx())

    def test_bad_timestamp_and_wrong_type(self, feed):
        parse, path, record, _ = PARSERS[feed]
        with pytest.raises(ParseError, match="'BeginDate' has timestamps not in ISO-NE's format"):
            parse(encode(wrap(path, [record(begin="2024-11-03 01:00")])), ctx())
        with pytest.raises(ParseError, match=f"'{MEASURE[feed]}' of record 0 is not a number"):
            parse(encode(wrap(path, [record(load={"mw": 1})])), ctx())


class TestForecastSpecifics:
    def test_issue_with_milliseconds_and_horizon(self):
        rec = hlf(created="2024-11-02T09:12:11.097-04:00")
        row = parse_load_forecast_hourly(encode(wrap(HLF, [rec])), ctx()).frame.row(0, named=True)
        assert row["issued_at_utc"] == utc("2024-11-02T13:12:11.097Z")
        assert row["horizon_hours"] == pytest.approx(
            (utc("2024-11-03T06:00:00Z") - row["issued_at_utc"]) / timedelta(hours=1)
        )

    def test_load_adjustment_is_known_and_net_load_optional(self):
        rec = hlf(LoadAdjustmentMw=5)
        del rec["NetLoadMw"]
        result = parse_load_forecast_hourly(encode(wrap(HLF, [rec])), ctx())
        assert result.warnings == [] and result.frame["net_load_mw"].to_list() == [None]

    def test_dst_hours_of_two_issues_are_distinct_keys(self):
        recs = [
            hlf(begin="2024-11-03T01:00:00.000-04:00"),
            hlf(begin="2024-11-03T01:00:00.000-05:00"),
            hlf(begin="2024-11-03T01:00:00.000-04:00", created="2024-11-03T04:15:22.000-05:00"),
        ]
        frame = assert_table(parse_load_forecast_hourly(encode(wrap(HLF, recs)), ctx()), LOAD_FORECAST_HOURLY)
        assert frame["interval_begin_utc"].to_list() == [utc(f"2024-11-03T0{h}:00:00Z") for h in (5, 6, 5)]
        assert frame["horizon_hours"][2] < 0  # issued after the first 01:00 had begun

    def test_missing_creation_date(self):
        rec = hlf()
        del rec["CreationDate"]
        with pytest.raises(ParseError, match="required field 'CreationDate' missing"):
            parse_load_forecast_hourly(encode(wrap(HLF, [rec])), ctx())

    def test_unknown_zone_names_the_zone_field_and_path(self):
        path = "/reliabilityregionloadforecast/day/20230501/all"
        with pytest.raises(ParseError, match=rf"\({path}\).*'ReliabilityRegion'.*\.R\.ATLANTIS"):
            parse_load_forecast_zonal(encode(wrap(RR, [rr(), rr(zone=".R.ATLANTIS")])), ctx(path=path))

    @pytest.mark.parametrize("zone", [None, 4001])
    def test_null_or_non_text_zone(self, zone):
        with pytest.raises(ParseError, match="'ReliabilityRegion'"):
            parse_load_forecast_zonal(encode(wrap(RR, [rr(zone=zone)])), ctx())

    def test_zone_share_as_integer_and_string(self):
        frame = parse_load_forecast_zonal(encode(wrap(RR, [rr(pct=11), rr(zone=".Z.VERMONT", pct="5.5")])), ctx()).frame
        assert frame.select("zone_id", "share_pct").rows() == [(4001, 11.0), (4003, 5.5)]


class TestDemandSpecifics:
    def test_market_from_the_wrapper_over_the_path(self):
        body = encode({"HourlyRtDemand": demand()})
        frame = parse_demand_hourly(body, ctx(path="/dayaheadhourlydemand/current/location/4001")).frame
        assert frame["market"].to_list() == ["RT"]

    def test_market_from_the_path_names_the_missing_wrapper(self):
        with pytest.raises(ParseError, match="'HourlyDaDemands'"):
            parse_demand_hourly(b'{"Surprise": []}', ctx(path="/dayaheadhourlydemand/day/20241103/location/4001"))
        with pytest.raises(ParseError, match="DA or RT"):
            parse_demand_hourly(b'{"Surprise": []}', ctx(path="/somethingelse"))

    def test_empty_body_market_from_the_path(self):
        frame = parse_demand_hourly(b'{"HourlyRtDemands": ""}', ctx(path="/realtimehourlydemand/day/1")).frame
        assert frame.is_empty() and frame.schema == DEMAND_HOURLY.polars_schema

    def test_non_zone_locations_dropped_with_a_warning(self):
        recs = [demand(), demand("4000", ".H.INTERNAL_HUB", -107.8), demand("32", "NEPOOL AREA", 14160)]
        result = parse_demand_hourly(encode(wrap(("HourlyDaDemands", "HourlyDaDemand"), recs)), ctx())
        assert result.frame["location_id"].to_list() == [4001]
        assert result.warnings == [
            "test_feed day 2024-11-03: dropped 2 row(s) of location(s) [32, 4000], which are no load zone"
        ]

    @pytest.mark.parametrize(
        ("location", "named"),
        [
            ("4001", "'Location' must be an object"),
            ({"$": ".Z.MAINE"}, "'Location' must be an object with '@LocId'"),
            ({"@LocId": "4001"}, "'Location' lacks its name"),
            ({"@LocId": "x", "$": ".Z.MAINE"}, "'Location.@LocId' is not an integer id: 'x'"),
        ],
    )
    def test_bad_location_is_named(self, location, named):
        rec = {**demand(), "Location": location}
        with pytest.raises(ParseError, match="/test") as err:
            parse_demand_hourly(encode(wrap(("HourlyDaDemands", "HourlyDaDemand"), [rec])), ctx())
        assert named in str(err.value)

    def test_partition_day_is_required(self):
        with pytest.raises(ParseError, match="operating day"):
            parse_load_hourly(encode(wrap(("HourlySystemLoads", "HourlySystemLoad"), [sysload()])), ctx(day=None))
