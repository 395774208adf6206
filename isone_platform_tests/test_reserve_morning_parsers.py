"""Parsers of the reserve feeds (RT reserve prices 5-minute and hourly, DASI reserves and strike prices) and of the
morning report (report, interchange, weather).

The three real morning reports come from ../shared/isone_real (those tests skip when it is absent). No reserve body
was ever recorded: the synthetic ones are built from the real record quoted in isone_api_more_feeds.md §3.2.
"""

import copy
import json
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from isone_platform.lib.parse.common import ParseContext, ParseError, ParseResult
from isone_platform.lib.parse.morning_report import (
    parse_morning_report,
    parse_morning_report_interchange,
    parse_morning_report_weather,
)
from isone_platform.lib.parse.reserves import (
    parse_da_reserves,
    parse_da_strike_prices,
    parse_reserve_prices_5min,
    parse_reserve_prices_hourly,
    price_status_of,
)
from isone_platform.lib.partitions import ISONE_TZ
from isone_platform.lib.schemas import (
    DA_RESERVES_HOURLY,
    DA_STRIKE_PRICES_HOURLY,
    MORNING_REPORT,
    MORNING_REPORT_INTERCHANGE,
    MORNING_REPORT_WEATHER,
    RESERVE_PRICES_5MIN,
    RESERVE_PRICES_HOURLY,
    RESERVE_ZONES,
    STD_TABLES,
    TableSchema,
)

FETCHED = datetime(2024, 11, 4, 12, 0, tzinfo=UTC)
DAY = date(2021, 1, 1)
FIVE_PATH = "/fiveminutereserveprice/final/day/20210101"
FIVE = ("FiveMinReservePrices", "FiveMinReservePrice")
PRELIM_HOURLY = ("PrelimHourlyReservePrices", "PrelimHourlyReservePrice")
FINAL_HOURLY = ("FinalHourlyReservePrices", "FinalHourlyReservePrice")
DAAS = ("isone_web_services", "day_ahead_reserves", "day_ahead_reserve")
STRIKE = ("isone_web_services", "day_ahead_strike_prices", "day_ahead_strike_price")
MR = ("MorningReports", "MorningReport")

# The real record of 2021-01-01 quoted by TE (isone_api_more_feeds.md §3.2)
TE_RECORD = {
    "BeginDate": "2021-01-01T00:00:00.000-05:00",
    "ReserveZoneId": 7000,
    "ReserveZoneName": "ROS",
    "TenMinSpinRequirement": 483,
    "Total10MinRequirement": 1555,
    "Total30MinRequirement": 2360,
    "TmsrDesignatedMw": 187.5,
    "TmnsrDesignatedMw": 2461.8,
    "TmorDesignatedMw": 659.2,
    "TmsrClearingPrice": 6.8,
    "TmnsrClearingPrice": 0,
    "TmorClearingPrice": 0,
}
LOCAL_ONLY = ("TenMinSpinRequirement", "Total10MinRequirement")


def ctx(day: date | None = DAY, path: str = FIVE_PATH) -> ParseContext:
    return ParseContext("test_feed", day, path, FETCHED, "sha")


def encode(doc) -> bytes:
    return doc if isinstance(doc, bytes) else json.dumps(doc).encode()


def wrap(path: tuple[str, ...], records) -> dict:
    doc = records
    for key in reversed(path):
        doc = {key: doc}
    return doc


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso_local(ts: datetime) -> str:
    """ISO-NE's stamp of an instant: local wall time, milliseconds and the offset in force."""
    return ts.astimezone(ISONE_TZ).isoformat(timespec="milliseconds")


def day_stamps(day: date, step: timedelta) -> list[str]:
    begin = datetime(day.year, day.month, day.day, tzinfo=ISONE_TZ).astimezone(UTC)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=ISONE_TZ).astimezone(UTC)
    return [iso_local(begin + i * step) for i in range(int((end - begin) / step))]


def assert_table(result: ParseResult, table: TableSchema) -> pl.DataFrame:
    """The frame is exactly the table: its schema, conform is a no-op, no duplicate or null key."""
    frame = result.frame
    assert frame.schema == table.polars_schema
    assert table.conform(frame).equals(frame)
    key = list(table.primary_key)
    assert not frame.select(key).is_duplicated().any(), f"duplicate {key}"
    assert all(frame.get_column(c).null_count() == 0 for c in table.not_null_columns)
    return frame


def reserve(begin: str = TE_RECORD["BeginDate"], zone: int = 7000, **changes) -> dict:
    """The TE record for any interval and zone; local zones lack the ten-minute fields, as in the feed."""
    record = {**TE_RECORD, "BeginDate": begin, "ReserveZoneId": zone, "ReserveZoneName": RESERVE_ZONES.get(zone)}
    if zone != 7000:
        record = {k: v for k, v in record.items() if k not in LOCAL_ONLY}
    return {k: v for k, v in {**record, **changes}.items() if v is not ...}


def reserve_day(day: date, step: timedelta) -> list[dict]:
    return [reserve(stamp, zone) for stamp in day_stamps(day, step) for zone in RESERVE_ZONES]


def five(records, path: str = FIVE_PATH, day: date | None = DAY) -> ParseResult:
    return parse_reserve_prices_5min(encode(wrap(FIVE, records)), ctx(day, path))


# ---------------------------------------------------------------------------------------------------------------
# Schemas


def test_new_tables_are_registered_with_their_keys():
    keys = {
        "isone__reserve_prices_5min": ("interval_begin_utc", "reserve_zone_id"),
        "isone__reserve_prices_hourly": ("interval_begin_utc", "reserve_zone_id"),
        "isone__da_reserves_hourly": ("interval_begin_utc",),
        "isone__da_strike_prices_hourly": ("interval_begin_utc", "published_at_utc"),
        "isone__morning_report": ("issued_at_utc", "report_type"),
        "isone__morning_report_interchange": ("issued_at_utc", "report_type", "tie_name"),
        "isone__morning_report_weather": ("issued_at_utc", "report_type", "city_name"),
    }
    for name, key in keys.items():
        table = STD_TABLES[name]
        assert table.primary_key == key
        assert {"interval_begin_utc", "interval_end_utc", "operating_day", "source_path"} <= set(table.column_names)


# ---------------------------------------------------------------------------------------------------------------
# RT reserve prices, 5-minute


class TestReservePrices5Min:
    def test_te_record_values(self):
        result = five([TE_RECORD])
        frame = assert_table(result, RESERVE_PRICES_5MIN)
        assert result.warnings == []
        row = frame.to_dicts()[0]
        assert row["interval_begin_utc"] == utc("2021-01-01T05:00:00Z")
        assert row["interval_end_utc"] == utc("2021-01-01T05:05:00Z")
        assert row["operating_day"] == DAY and row["price_status"] == "final"
        assert (row["reserve_zone_id"], row["reserve_zone_name"]) == (7000, "ROS")
        assert (row["ten_min_spin_requirement_mw"], row["total_ten_min_requirement_mw"]) == (483.0, 1555.0)
        assert row["total_thirty_min_requirement_mw"] == 2360.0
        assert (row["tmsr_designated_mw"], row["tmnsr_designated_mw"], row["tmor_designated_mw"]) == (
            187.5,
            2461.8,
            659.2,
        )
        assert (row["tmsr_clearing_price"], row["tmnsr_clearing_price"], row["tmor_clearing_price"]) == (6.8, 0, 0)
        assert row["source_path"] == FIVE_PATH and row["fetched_at_utc"] == FETCHED and row["body_sha256"] == "sha"

    @pytest.mark.parametrize(
        ("day", "intervals"), [(date(2024, 1, 10), 288), (date(2024, 3, 10), 276), (date(2024, 11, 3), 300)], ids=str
    )
    def test_a_day_is_4_zones_by_every_interval_across_dst(self, day, intervals):
        result = five(reserve_day(day, timedelta(minutes=5)), day=day)
        frame = assert_table(result, RESERVE_PRICES_5MIN)
        assert result.warnings == []
        assert len(frame) == 4 * intervals
        begins = frame["interval_begin_utc"].unique().sort()
        assert len(begins) == intervals
        assert (begins.diff().drop_nulls() == timedelta(minutes=5)).all()
        assert frame.group_by("reserve_zone_id").len().sort("reserve_zone_id").rows() == [
            (zone, intervals) for zone in RESERVE_ZONES
        ]

    def test_local_zones_lack_the_ten_minute_fields(self):
        frame = five([reserve(zone=zone) for zone in RESERVE_ZONES]).frame.sort("reserve_zone_id")
        assert frame["reserve_zone_name"].to_list() == ["ROS", "SWCT", "CT", "NEMABSTN"]
        assert frame["ten_min_spin_requirement_mw"].to_list() == [483.0, None, None, None]
        assert frame["total_ten_min_requirement_mw"].to_list() == [1555.0, None, None, None]
        assert frame["total_thirty_min_requirement_mw"].null_count() == 0

    def test_stamps_at_01_and_02_are_floored_to_the_grid_with_a_count(self):
        records = [
            reserve("2021-01-01T00:00:00.000-05:00"),
            reserve("2021-01-01T00:06:00.000-05:00"),
            reserve("2021-01-01T00:12:00.000-05:00"),
        ]
        result = five(records)
        assert result.frame["interval_begin_utc"].to_list() == [
            utc("2021-01-01T05:00:00Z"),
            utc("2021-01-01T05:05:00Z"),
            utc("2021-01-01T05:10:00Z"),
        ]
        assert result.frame["interval_end_utc"].to_list()[1] == utc("2021-01-01T05:10:00Z")
        assert len(result.warnings) == 1 and "2 'BeginDate'(s) off the 5-minute grid" in result.warnings[0]

    def test_a_floored_stamp_repeating_an_interval_is_an_error(self):
        records = [reserve("2021-01-01T00:00:00.000-05:00"), reserve("2021-01-01T00:01:00.000-05:00")]
        with pytest.raises(ParseError, match=r"repeat their \(BeginDate, ReserveZoneId\)"):
            five(records)

    @pytest.mark.parametrize(
        ("path", "status"),
        [
            ("/fiveminutereserveprice/final/day/20210101", "final"),
            ("/fiveminutereserveprice/prelim/day/20210101", "prelim"),
            ("/fiveminutereserveprice/day/20210101", "prelim"),  # deprecated untyped path
            ("/fiveminutereserveprice/final/current", "final"),
        ],
    )
    def test_price_status_from_the_path(self, path, status):
        assert five([TE_RECORD], path=path).frame["price_status"].to_list() == [status]
        assert price_status_of(path) == status

    @pytest.mark.parametrize(
        ("path", "status"),
        [
            ("/hourlyfinalreserveprice/day/20210101", "final"),
            ("/hourlyprelimreserveprice/day/20210101", "prelim"),
            ("/hourlyfinalreserveprice/current/reserveZone/7000", "final"),
        ],
    )
    def test_price_status_of_the_hourly_paths(self, path, status):
        assert price_status_of(path) == status

    def test_quirks_single_object_strings_integers_and_missing_name(self):
        record = reserve(ReserveZoneId="7002", ReserveZoneName=..., TmsrClearingPrice="6.8", Total30MinRequirement=300)
        result = five(record)  # one record as an object, not a list
        frame = assert_table(result, RESERVE_PRICES_5MIN)
        assert frame.select("reserve_zone_id", "reserve_zone_name", "tmsr_clearing_price").rows() == [(7002, "CT", 6.8)]
        assert frame["total_thirty_min_requirement_mw"].to_list() == [300.0]
        assert any("numeric string" in w and "TmsrClearingPrice" in w for w in result.warnings)

    def test_current_drops_the_plural_wrapper(self):
        body = encode({"FiveMinReservePrice": [TE_RECORD]})
        frame = parse_reserve_prices_5min(body, ctx(path="/fiveminutereserveprice/final/current")).frame
        assert frame.select("reserve_zone_id", "price_status").rows() == [(7000, "final")]

    @pytest.mark.parametrize(
        "doc",
        [{"FiveMinReservePrices": ""}, {"FiveMinReservePrices": {}}, wrap(FIVE, []), {"FiveMinReservePrices": None}],
        ids=["empty-string", "empty-object", "empty-list", "null"],
    )
    def test_empty_results(self, doc):
        result = parse_reserve_prices_5min(encode(doc), ctx())
        assert result.frame.is_empty() and result.frame.schema == RESERVE_PRICES_5MIN.polars_schema
        assert result.warnings == []

    def test_not_a_number_is_null_with_a_warning(self):
        result = parse_reserve_prices_5min(
            b'{"FiveMinReservePrices": {"FiveMinReservePrice": ['
            + json.dumps(TE_RECORD).replace('"TmorClearingPrice": 0', '"TmorClearingPrice": NaN').encode()
            + b"]}}",
            ctx(),
        )
        assert result.frame["tmor_clearing_price"].to_list() == [None]
        assert any("'TmorClearingPrice'" in w and "NULL" in w and "reserve 7000" in w for w in result.warnings)

    def test_unknown_fields_warn_and_interval_begin_is_known(self):
        result = five([reserve(IntervalBeginDate="2021-01-01T00:00:00.000-05:00", NewField=1)])
        assert len(result.frame) == 1
        assert result.warnings == ["test_feed day 2021-01-01: ignoring unknown field(s) ['NewField']"]

    def test_an_unknown_zone_is_kept_with_a_warning_but_needs_its_name(self):
        result = five([reserve(zone=7009, ReserveZoneName="NEWZONE")])
        assert result.frame.select("reserve_zone_id", "reserve_zone_name").rows() == [(7009, "NEWZONE")]
        assert any("[7009]" in w for w in result.warnings)
        with pytest.raises(ParseError, match="'ReserveZoneName' missing for the unknown reserve zone 7009"):
            five([reserve(zone=7009, ReserveZoneName=...)])

    @pytest.mark.parametrize(
        ("change", "named"),
        [
            ({"BeginDate": ...}, "'BeginDate'"),
            ({"ReserveZoneId": ...}, "'ReserveZoneId'"),
            ({"BeginDate": "2021-01-01 00:00"}, "'BeginDate'"),
            ({"BeginDate": None}, "'BeginDate'"),
            ({"ReserveZoneId": "ROS"}, "'ReserveZoneId'"),
            ({"ReserveZoneId": None}, "'ReserveZoneId'"),
            ({"ReserveZoneName": 7000}, "'ReserveZoneName'"),
            ({"TmsrClearingPrice": [6.8]}, "'TmsrClearingPrice'"),
            ({"Total30MinRequirement": {"v": 1}}, "'Total30MinRequirement'"),
            ({"TmorDesignatedMw": True}, "'TmorDesignatedMw'"),
        ],
    )
    def test_errors_name_the_field_and_the_path(self, change, named):
        with pytest.raises(ParseError, match=named) as info:
            five([reserve(**change)])
        assert FIVE_PATH in str(info.value)

    @pytest.mark.parametrize(
        ("body", "named"),
        [
            (b"", "empty body"),
            (b'{"FiveMinReservePrices": {"FiveMinReservePrice": [', "truncated JSON"),
            (b"[]", "top level"),
            (b'{"Other": {}}', "'FiveMinReservePrices'"),
            (b'{"FiveMinReservePrices": {"FiveMinReservePrice": [1, 2]}}', "objects"),
            (b'{"FiveMinReservePrices": {"FiveMinReservePrice": 5}}', "list of records"),
        ],
    )
    def test_malformed_bodies(self, body, named):
        with pytest.raises(ParseError, match=named):
            parse_reserve_prices_5min(body, ctx())

    def test_partition_day_is_required(self):
        with pytest.raises(ParseError, match="operating day"):
            five([TE_RECORD], day=None)


# ---------------------------------------------------------------------------------------------------------------
# RT reserve prices, hourly


def hourly(path: tuple[str, str], records, source: str, day: date = DAY) -> ParseResult:
    return parse_reserve_prices_hourly(encode(wrap(path, records)), ctx(day, source))


class TestReservePricesHourly:
    @pytest.mark.parametrize(
        ("day", "hours"), [(date(2024, 3, 9), 24), (date(2024, 3, 10), 23), (date(2024, 11, 3), 25)], ids=str
    )
    @pytest.mark.parametrize(
        ("wrapper", "source", "status"),
        [
            (PRELIM_HOURLY, "/hourlyprelimreserveprice/day/{d}", "prelim"),
            (FINAL_HOURLY, "/hourlyfinalreserveprice/day/{d}", "final"),
        ],
        ids=["prelim", "final"],
    )
    def test_hours_by_zones_and_status(self, day, hours, wrapper, source, status):
        records = reserve_day(day, timedelta(hours=1))
        result = hourly(wrapper, records, source.format(d=f"{day:%Y%m%d}"), day)
        frame = assert_table(result, RESERVE_PRICES_HOURLY)
        assert result.warnings == []
        assert len(frame) == 4 * hours and frame["interval_begin_utc"].n_unique() == hours
        assert (frame["interval_end_utc"] - frame["interval_begin_utc"] == timedelta(hours=1)).all()
        assert frame["price_status"].unique().to_list() == [status]
        assert frame["operating_day"].unique().to_list() == [day]

    def test_status_from_the_wrapper_when_the_path_does_not_say(self):
        assert hourly(FINAL_HOURLY, [TE_RECORD], "/test").frame["price_status"].to_list() == ["final"]
        current = encode({"PrelimHourlyReservePrice": TE_RECORD})
        frame = parse_reserve_prices_hourly(current, ctx(path="/hourlyprelimreserveprice/current")).frame
        assert frame["price_status"].to_list() == ["prelim"]

    def test_hours_are_not_floored(self):
        frame = hourly(FINAL_HOURLY, [reserve("2021-01-01T01:00:00.000-05:00")], "/hourlyfinalreserveprice").frame
        assert frame["interval_begin_utc"].to_list() == [utc("2021-01-01T06:00:00Z")]

    def test_wrapper_contradicting_the_path_is_an_error(self):
        with pytest.raises(ParseError, match=r"wrapper key says \['prelim'\] but the path says \['final'\]"):
            hourly(PRELIM_HOURLY, [TE_RECORD], "/hourlyfinalreserveprice/day/20210101")

    def test_missing_wrapper_is_named(self):
        with pytest.raises(ParseError, match="'FinalHourlyReservePrices'"):
            parse_reserve_prices_hourly(b'{"Other": 1}', ctx(path="/hourlyfinalreserveprice/day/20210101"))

    @pytest.mark.parametrize("empty", ["", {}, None])
    def test_empty_results(self, empty):
        body = encode({"FinalHourlyReservePrices": empty})
        result = parse_reserve_prices_hourly(body, ctx(path="/hourlyfinalreserveprice/day/20210101"))
        assert result.frame.is_empty() and result.frame.schema == RESERVE_PRICES_HOURLY.polars_schema

    def test_errors_name_the_field(self):
        with pytest.raises(ParseError, match="'ReserveZoneId'"):
            hourly(FINAL_HOURLY, [reserve(ReserveZoneId=...)], "/hourlyfinalreserveprice/day/20210101")


# ---------------------------------------------------------------------------------------------------------------
# Day-ahead reserves (DASI) and strike prices


def daas(begin: str, **changes) -> dict:
    record = {
        "market_hour": {"local_day": begin},
        "ten_min_spin_req_mw": 600.0,
        "total_ten_min_req_mw": 1600.0,
        "total_thirty_min_req_mw": 2400.0,
        "forecasted_energy_req_mw": 16560.0,
        "tmsr_clearing_price": 5.25,
        "tmnsr_clearing_price": 1.5,
        "tmor_clearing_price": 0.75,
        "fer_clearing_price": 93.02,
        "tmsr_designation_mw": 700.0,
        "tmnsr_designation_mw": 1000.0,
        "tmor_designation_mw": 900.0,
        "eir_designation_mw": 1083.3,
    }
    return {k: v for k, v in {**record, **changes}.items() if v is not ...}


def strike(begin: str, published: str = "2025-06-24T10:00:00.000-04:00", **changes) -> dict:
    record = {
        "market_hour": {"local_day": begin},
        "strike_price_timestamp": published,
        "strike_price": 45.5,
        "spc_load_forecast_mw": 17250,
        "percentile_10_rt_hub_lmp": 20.1,
        "percentile_25_rt_hub_lmp": 30.2,
        "percentile_75_rt_hub_lmp": 50.3,
        "percentile_90_rt_hub_lmp": 70.4,
        "expected_rt_hub_lmp": 42.0,
        "expected_rt_hub_lmp_override": None,
        "expected_closeout_charge": 3.1,
        "expected_closeout_charge_override": None,
    }
    return {k: v for k, v in {**record, **changes}.items() if v is not ...}


DA_DAY = date(2025, 6, 25)


def parse_daas(doc, day: date = DA_DAY) -> ParseResult:
    return parse_da_reserves(encode(doc), ctx(day, f"/daasreservedata/day/{day:%Y%m%d}"))


def parse_strike(doc, day: date = DA_DAY) -> ParseResult:
    return parse_da_strike_prices(encode(doc), ctx(day, f"/daasstrikeprices/day/{day:%Y%m%d}"))


SNAKE_EMPTIES = [
    {},
    {"isone_web_services": ""},
    {"isone_web_services": {}},
    {"isone_web_services": None},
    {"isone_web_services": {"day_ahead_reserves": ""}},
    {"isone_web_services": {"day_ahead_reserves": {}}},
    {"isone_web_services": {"day_ahead_reserves": {"day_ahead_reserve": []}}},
    {"isone_web_services": {"day_ahead_reserves": {"day_ahead_reserve": ""}}},
]


class TestDayAheadReserves:
    @pytest.mark.parametrize(("day", "hours"), [(DA_DAY, 24), (date(2026, 3, 8), 23), (date(2025, 11, 2), 25)])
    def test_hours_and_values(self, day, hours):
        result = parse_daas(wrap(DAAS, [daas(stamp) for stamp in day_stamps(day, timedelta(hours=1))]), day)
        frame = assert_table(result, DA_RESERVES_HOURLY)
        assert result.warnings == [] and len(frame) == hours
        assert (frame["interval_begin_utc"].diff().drop_nulls() == timedelta(hours=1)).all()
        row = frame.row(0, named=True)
        assert row["forecasted_energy_req_mw"] == 16560.0 and row["fer_clearing_price"] == 93.02
        assert row["eir_designation_mw"] == 1083.3 and row["tmsr_clearing_price"] == 5.25

    def test_single_object_numeric_strings_and_market_hour_fields(self):
        hour = {"local_day": "2025-06-25T05:00:00.000-04:00", "gmt_begin_date": "x", "local_hour_end": 6}
        result = parse_daas(wrap(DAAS, daas("", market_hour=hour, fer_clearing_price="12.5", tmor_clearing_price=0)))
        frame = assert_table(result, DA_RESERVES_HOURLY)
        assert frame.select("interval_begin_utc", "fer_clearing_price", "tmor_clearing_price").rows() == [
            (utc("2025-06-25T09:00:00Z"), 12.5, 0.0)
        ]
        assert any("'fer_clearing_price'" in w for w in result.warnings)

    @pytest.mark.parametrize("doc", SNAKE_EMPTIES, ids=range(len(SNAKE_EMPTIES)))
    def test_empty_forms(self, doc):
        result = parse_daas(doc)
        assert result.frame.is_empty() and result.frame.schema == DA_RESERVES_HOURLY.polars_schema
        assert result.warnings == []

    @pytest.mark.parametrize(
        "doc",
        [
            {"isone_web_services": {"day_ahead_reserves": "No data"}},
            {"isone_web_services": {"something_else": {}}},
            {"error": "not found"},
        ],
    )
    def test_undocumented_no_data_forms_are_empty_with_a_warning(self, doc):
        result = parse_daas(doc)
        assert result.frame.is_empty()
        assert len(result.warnings) == 1 and "read as no data" in result.warnings[0]

    def test_nan_and_unknown_fields(self):
        body = json.dumps(wrap(DAAS, [daas("2025-06-25T00:00:00.000-04:00", extra_field=1)]))
        result = parse_daas(body.replace('"tmsr_clearing_price": 5.25', '"tmsr_clearing_price": NaN').encode())
        assert result.frame["tmsr_clearing_price"].to_list() == [None]
        assert any("'tmsr_clearing_price'" in w and "NULL" in w for w in result.warnings)
        assert any("['extra_field']" in w for w in result.warnings)

    @pytest.mark.parametrize(
        ("record", "named"),
        [
            (daas("x", market_hour=...), "'market_hour'"),
            (daas("x", market_hour="2025-06-25T00:00:00.000-04:00"), "'market_hour'"),
            (daas("x", market_hour={"gmt_begin_date": "x"}), "'local_day'"),
            (daas("2025-06-25"), "'market_hour.local_day'"),
            (daas("2025-06-25T00:00:00.000-04:00", fer_clearing_price=[1]), "'fer_clearing_price'"),
            (daas("2025-06-25T00:00:00.000-04:00", tmsr_designation_mw={}), "'tmsr_designation_mw'"),
        ],
    )
    def test_errors_name_the_field_and_the_path(self, record, named):
        with pytest.raises(ParseError, match=named) as info:
            parse_daas(wrap(DAAS, [record]))
        assert "/daasreservedata/day/20250625" in str(info.value)

    def test_repeated_hour_and_bad_shapes(self):
        stamp = "2025-06-25T00:00:00.000-04:00"
        with pytest.raises(ParseError, match="market_hour.local_day"):
            parse_daas(wrap(DAAS, [daas(stamp), daas(stamp)]))
        with pytest.raises(ParseError, match="top level"):
            parse_daas([daas(stamp)])
        with pytest.raises(ParseError, match="day_ahead_reserve"):
            parse_daas(wrap(DAAS, [daas(stamp), "x"]))


class TestStrikePrices:
    def test_two_vintages_of_every_hour(self):
        stamps = day_stamps(DA_DAY, timedelta(hours=1))
        first, second = "2025-06-24T10:00:00.000-04:00", "2025-06-24T13:30:15.250-04:00"
        records = [strike(s, first) for s in stamps] + [strike(s, second, strike_price=47.0) for s in stamps]
        result = parse_strike(wrap(STRIKE, records))
        frame = assert_table(result, DA_STRIKE_PRICES_HOURLY)
        assert result.warnings == [] and len(frame) == 48
        assert frame["published_at_utc"].unique().sort().to_list() == [
            utc("2025-06-24T14:00:00Z"),
            utc("2025-06-24T17:30:15.250Z"),
        ]
        latest = frame.filter(pl.col("published_at_utc") == utc("2025-06-24T17:30:15.250Z"))
        assert latest["strike_price"].unique().to_list() == [47.0]
        assert frame["expected_rt_hub_lmp_override"].null_count() == 48
        assert frame["spc_load_forecast_mw"].unique().to_list() == [17250.0]

    def test_overrides_when_present_and_single_object(self):
        record = strike("2025-06-25T07:00:00.000-04:00", expected_rt_hub_lmp_override="55", expected_closeout_charge=0)
        frame = parse_strike(wrap(STRIKE, record)).frame
        assert frame.select("expected_rt_hub_lmp_override", "expected_closeout_charge").rows() == [(55.0, 0.0)]

    @pytest.mark.parametrize(
        "doc",
        [{}, {"isone_web_services": ""}, {"isone_web_services": {"day_ahead_strike_prices": {}}}],
    )
    def test_empty_forms(self, doc):
        result = parse_strike(doc)
        assert result.frame.is_empty() and result.frame.schema == DA_STRIKE_PRICES_HOURLY.polars_schema

    @pytest.mark.parametrize(
        ("change", "named"),
        [
            ({"strike_price_timestamp": ...}, "'strike_price_timestamp'"),
            ({"strike_price_timestamp": "yesterday"}, "'strike_price_timestamp'"),
            ({"market_hour": ...}, "'market_hour'"),
            ({"strike_price": "abc", "percentile_10_rt_hub_lmp": [1]}, "'percentile_10_rt_hub_lmp'"),
        ],
    )
    def test_errors_name_the_field(self, change, named):
        with pytest.raises(ParseError, match=named):
            parse_strike(wrap(STRIKE, [strike("2025-06-25T00:00:00.000-04:00", **change)]))

    def test_a_repeated_hour_and_vintage_is_an_error(self):
        stamp = "2025-06-25T00:00:00.000-04:00"
        with pytest.raises(ParseError, match="strike_price_timestamp"):
            parse_strike(wrap(STRIKE, [strike(stamp), strike(stamp)]))


# ---------------------------------------------------------------------------------------------------------------
# Morning report: the three real reports

REAL_REPORTS = [  # (file, operating day, ReportType, CreationDate in UTC, ties)
    ("pyiso_fixtures/morningreport_day_20160101.json", date(2016, 1, 1), "Final", "2016-01-01T13:14:51.097Z", 6),
    ("pyiso_fixtures/morningreport_current_20170130.json", date(2017, 1, 30), "Final", "2017-01-30T13:14:51.392Z", 6),
    (
        "wsclient_examples/morningreport_current_20260727.json",
        date(2026, 7, 27),
        "Operational Capacity Update Report",
        "2026-07-27T16:02:35Z",
        7,
    ),
]


def real_report(real_dir, name: str, day: date, parser=parse_morning_report) -> ParseResult:
    return parser((real_dir / name).read_bytes(), ctx(day, f"/morningreport/day/{day:%Y%m%d}/all"))


class TestRealMorningReports:
    @pytest.mark.parametrize(("name", "day", "report_type", "issued", "ties"), REAL_REPORTS, ids=lambda v: str(v)[:24])
    def test_one_row_type_issue_and_identities(self, real_dir, name, day, report_type, issued, ties):
        result = real_report(real_dir, name, day)
        frame = assert_table(result, MORNING_REPORT)
        assert len(frame) == 1
        row = frame.row(0, named=True)
        assert (row["report_type"], row["issued_at_utc"], row["operating_day"]) == (report_type, utc(issued), day)
        assert row["interval_end_utc"] - row["interval_begin_utc"] == timedelta(hours=24)
        r = {k: (v or 0.0) for k, v in row.items() if k.endswith("_mw")}  # DRR fields are absent before 2024
        available = (
            r["cso_mw"]
            + r["cap_additions_mw"]
            - r["gen_outages_reduction_mw"]
            - r["uncommitted_available_gen_mw"]
            + r["drr_capacity_mw"]
            - r["uncommitted_available_drr_mw"]
            - r["net_capacity_delivery_mw"]
        )
        assert abs(available - r["total_available_capacity_mw"]) <= 1
        required = r["peak_load_today_mw"] + r["total_operating_reserve_requirement_mw"]
        assert abs(required - r["capacity_required_mw"]) <= 1
        reserves = r["ten_min_reserve_requirement_mw"] + r["thirty_min_reserve_requirement_mw"]
        assert abs(reserves - r["total_operating_reserve_requirement_mw"]) <= 1
        surplus = r["total_available_capacity_mw"] - r["capacity_required_mw"]
        assert abs(surplus - r["surplus_deficiency_mw"]) <= 1
        assert abs(r["surplus_deficiency_mw"] - r["replacement_reserve_required_mw"] - r["excess_commit_mw"]) <= 1
        assert r["total_available_capacity_mw"] > 15000  # the identities hold on real values, not on zeros

    @pytest.mark.parametrize(("name", "day", "report_type", "issued", "ties"), REAL_REPORTS, ids=lambda v: str(v)[:24])
    def test_interchange_per_tie_nets_to_the_delivery(self, real_dir, name, day, report_type, issued, ties):
        result = real_report(real_dir, name, day, parse_morning_report_interchange)
        frame = assert_table(result, MORNING_REPORT_INTERCHANGE)
        assert result.warnings == []
        assert len(frame) == ties and frame["tie_flow_mw"].null_count() == 0
        assert {"NB", "NYISO AC", "Phase 2"} <= set(frame["tie_name"].to_list())
        assert (frame["report_type"] == report_type).all() and (frame["issued_at_utc"] == utc(issued)).all()
        net = real_report(real_dir, name, day).frame["net_capacity_delivery_mw"].item()
        assert frame["tie_flow_mw"].sum() == net
        assert (frame["import_limit_mw"] <= 0).all()
        assert (frame["tie_flow_mw"] == frame["scheduled_mw"]).all()

    @pytest.mark.parametrize(("name", "day", "report_type", "issued", "ties"), REAL_REPORTS, ids=lambda v: str(v)[:24])
    def test_weather_of_boston_and_hartford(self, real_dir, name, day, report_type, issued, ties):
        result = real_report(real_dir, name, day, parse_morning_report_weather)
        frame = assert_table(result, MORNING_REPORT_WEATHER)
        assert result.warnings == []
        assert frame["city_name"].to_list() == ["Boston", "Hartford"]
        assert frame["wind_speed_mph"].null_count() == 0 and frame["wind_direction"].null_count() == 0
        assert (frame["report_type"] == report_type).all()

    def test_2016_values(self, real_dir):
        name, day = REAL_REPORTS[0][:2]
        row = real_report(real_dir, name, day).frame.row(0, named=True)
        assert row["peak_load_yesterday_hour_begin_utc"] == utc("2015-12-31T23:00:00Z")
        assert row["peak_load_today_hour_begin_utc"] == utc("2016-01-01T23:00:00Z")
        assert row["nyiso_sar_available"] is True and row["drr_capacity_mw"] is None
        assert row["gen_planned_outages_reduction_mw"] is None and row["geomag_dist_iso_action"] == "None"
        assert row["units_committed_min_orr_count"] == 0 and row["largest_first_contingency_mw"] == 1337.0
        weather = real_report(real_dir, name, day, parse_morning_report_weather).frame
        assert weather.select("city_name", "high_temperature_f", "wind_direction", "wind_speed_mph").rows() == [
            ("Boston", 36.0, "W", 10.0),
            ("Hartford", 35.0, "W", 8.0),
        ]

    def test_2026_string_zero_and_new_fields(self, real_dir):
        name, day = REAL_REPORTS[2][:2]
        result = real_report(real_dir, name, day)
        row = result.frame.row(0, named=True)
        assert row["expected_op4_actions_mw"] == 0.0
        assert result.warnings == ["test_feed day 2026-07-27: 1 numeric string(s) in 'ExpActOp4Mw' read as numbers"]
        assert (row["drr_capacity_mw"], row["uncommitted_available_drr_mw"]) == (199.0, 14.0)
        assert (row["gen_planned_outages_reduction_mw"], row["gen_forced_outages_reduction_mw"]) == (37.0, 1530.0)
        assert row["nyiso_sar_available"] is None and row["uncommitted_gen_before_peak_mw"] == 1580.0
        ties = real_report(real_dir, name, day, parse_morning_report_interchange).frame
        assert ties.filter(pl.col("tie_name") == "NECEC").select("import_limit_mw", "tie_flow_mw").rows() == [
            (-1250.0, -1089.0)
        ]
        weather = real_report(real_dir, name, day, parse_morning_report_weather).frame
        assert weather.select("city_name", "wind_dir_speed", "wind_direction", "wind_speed_mph").rows() == [
            ("Boston", "SE-11", "SE", 11.0),
            ("Hartford", "S-7", "S", 7.0),
        ]


# ---------------------------------------------------------------------------------------------------------------
# Morning report: synthetic bodies (every quirk and error)

BASE_REPORT = {
    "ReportType": "Final",
    "BeginDate": "2024-11-03T00:00:00.000-04:00",
    "CreationDate": "2024-11-03T08:14:51.097-05:00",
    "PeakLoadYesterdayHour": "2024-11-02T18:00:00.000-04:00",
    "PeakLoadYesterdayMw": 13000,
    "CsoMw": 26707,
    "NetCapDeliveryMw": -300,
    "TotAvailCapMw": 20000,
    "PeakLoadTodayHour": "2024-11-03T18:00:00.000-05:00",
    "PeakLoadTodayMw": 14000,
    "UnitCommMinOrrCount": 0,
    "NyIsoSarAvail": "N",
    "TieDelivery": [{"TieName": "NB", "TieFlowMw": -100}, {"TieName": "Phase 2", "TieFlowMw": -200}],
    "InterchangeDetail": [
        {"TieName": "NB", "ImportLimitInMw": -270, "ExportLimitOutMw": 100, "ScheduledMw": -100},
        {"TieName": "Phase 2", "ImportLimitInMw": -2000, "ExportLimitOutMw": 1200, "ScheduledMw": -200},
    ],
    "CityForecastDetail": [
        {"CityName": "Boston", "HighTemperature": 55, "WeatherConditions": "Sunny", "WindDirSpeed": "NW-12"},
        {"CityName": "Hartford", "HighTemperature": 57, "WeatherConditions": "Sunny", "WindDirSpeed": "N-5"},
    ],
}
MR_DAY = date(2024, 11, 3)
MR_PATH = "/morningreport/day/20241103/all"
MR_PARSERS = [parse_morning_report, parse_morning_report_interchange, parse_morning_report_weather]
MR_TABLES = [MORNING_REPORT, MORNING_REPORT_INTERCHANGE, MORNING_REPORT_WEATHER]


def report(**changes) -> dict:
    record = {**copy.deepcopy(BASE_REPORT), **changes}
    return {k: v for k, v in record.items() if v is not ...}


def parse_mr(doc, parser=parse_morning_report, day: date | None = MR_DAY) -> ParseResult:
    return parser(encode(doc), ctx(day, MR_PATH))


class TestMorningReportQuirks:
    @pytest.mark.parametrize(
        ("begin", "day", "hours"),
        [
            ("2024-11-03T00:00:00.000-04:00", date(2024, 11, 3), 25),
            ("2024-03-10T00:00:00.000-05:00", date(2024, 3, 10), 23),
            ("2024-07-01T00:00:00.000-04:00", date(2024, 7, 1), 24),
        ],
    )
    @pytest.mark.parametrize("parser", MR_PARSERS)
    def test_interval_is_the_operating_day_across_dst(self, begin, day, hours, parser):
        frame = parse_mr(wrap(MR, [report(BeginDate=begin)]), parser, day).frame
        assert (frame["interval_end_utc"] - frame["interval_begin_utc"] == timedelta(hours=hours)).all()
        assert (frame["operating_day"] == day).all() and len(frame) >= 1

    def test_preliminary_and_final_are_two_rows_of_each_table(self):
        doc = wrap(MR, [report(ReportType="Preliminary", CreationDate="2024-11-02T16:00:00.000-04:00"), report()])
        for parser, table, rows in zip(MR_PARSERS, MR_TABLES, [2, 4, 4], strict=True):
            frame = assert_table(parse_mr(doc, parser), table)
            assert len(frame) == rows
            assert frame["report_type"].unique().sort().to_list() == ["Final", "Preliminary"]
        issued = parse_mr(doc).frame.sort("issued_at_utc")["issued_at_utc"].to_list()
        assert issued == [utc("2024-11-02T20:00:00Z"), utc("2024-11-03T13:14:51.097Z")]

    @pytest.mark.parametrize("parser", MR_PARSERS)
    def test_single_objects_instead_of_lists(self, parser):
        one = report(
            TieDelivery={"TieName": "NB", "TieFlowMw": -100},
            InterchangeDetail={"TieName": "NB", "ImportLimitInMw": -270, "ExportLimitOutMw": 100, "ScheduledMw": -100},
            CityForecastDetail={"CityName": "Boston", "HighTemperature": 55, "WindDirSpeed": "NW-12"},
        )
        result = parse_mr({"MorningReports": {"MorningReport": one}}, parser)
        assert len(result.frame) == 1 and result.warnings == []

    @pytest.mark.parametrize("parser", MR_PARSERS)
    def test_current_drops_the_plural_wrapper(self, parser):
        frame = parse_mr({"MorningReport": [report()]}, parser).frame
        assert frame["report_type"].unique().to_list() == ["Final"]

    @pytest.mark.parametrize(
        "doc", [{"MorningReports": ""}, {"MorningReports": {}}, wrap(MR, []), {"MorningReports": None}]
    )
    @pytest.mark.parametrize(("parser", "table"), list(zip(MR_PARSERS, MR_TABLES, strict=True)))
    def test_empty_results(self, doc, parser, table):
        result = parse_mr(doc, parser)
        assert result.frame.is_empty() and result.frame.schema == table.polars_schema and result.warnings == []

    @pytest.mark.parametrize("parser", [parse_morning_report_interchange, parse_morning_report_weather])
    @pytest.mark.parametrize("empty", ["", {}, None, [], ...])
    def test_no_ties_or_cities(self, parser, empty):
        doc = wrap(MR, [report(TieDelivery=empty, InterchangeDetail=empty, CityForecastDetail=empty)])
        result = parse_mr(doc, parser)
        assert result.frame.is_empty() and result.warnings == []

    def test_numbers_as_strings_integers_and_milliseconds(self):
        result = parse_mr(wrap(MR, [report(ExpActOp4Mw="0", CsoMw="26707.5", UnitCommMinOrrCount="2")]))
        row = result.frame.row(0, named=True)
        assert (row["expected_op4_actions_mw"], row["cso_mw"]) == (0.0, 26707.5)
        assert row["units_committed_min_orr_count"] == 2
        assert row["issued_at_utc"] == utc("2024-11-03T13:14:51.097Z")
        assert row["peak_load_today_hour_begin_utc"] == utc("2024-11-03T23:00:00Z")
        assert sum("numeric string" in w for w in result.warnings) == 2

    def test_geomag_as_text_even_when_an_integer(self):
        doc = wrap(MR, [report(GeoMagDistObsActivity=3, GeoMagDistAlert="None", GeoMagDistForecast="G1")])
        row = parse_mr(doc).frame.row(0, named=True)
        assert (row["geomag_dist_observed_activity"], row["geomag_dist_alert"], row["geomag_dist_forecast"]) == (
            "3",
            "None",
            "G1",
        )

    def test_optional_fields_absent_are_null(self):
        doc = wrap(MR, [report(PeakLoadYesterdayHour=..., NyIsoSarAvail=..., UnitCommMinOrrCount=..., CsoMw=None)])
        row = parse_mr(doc).frame.row(0, named=True)
        assert row["peak_load_yesterday_hour_begin_utc"] is None and row["nyiso_sar_available"] is None
        assert row["units_committed_min_orr_count"] is None and row["cso_mw"] is None
        assert row["nyiso_sar_available"] is None

    def test_nan_is_null_with_a_warning_and_unknown_fields_warn(self):
        body = json.dumps(wrap(MR, [report(NewMw=1)])).replace('"CsoMw": 26707', '"CsoMw": NaN').encode()
        result = parse_mr(body)
        assert result.frame["cso_mw"].to_list() == [None]
        assert any("'CsoMw'" in w and "NULL" in w for w in result.warnings)
        assert any("['NewMw']" in w for w in result.warnings)

    def test_phase_ii_alias_merges_with_phase_2(self):
        delivery = [{"TieName": "NB", "TieFlowMw": -100}, {"TieName": "Phase II", "TieFlowMw": -200}]
        frame = parse_mr(wrap(MR, [report(TieDelivery=delivery)]), parse_morning_report_interchange).frame
        assert frame.select("tie_name", "scheduled_mw", "tie_flow_mw").rows() == [
            ("NB", -100.0, -100.0),
            ("Phase 2", -200.0, -200.0),
        ]

    def test_a_tie_in_only_one_list_still_gets_a_row(self):
        delivery = [{"TieName": "NB", "TieFlowMw": -100}, {"TieName": "NECEC", "TieFlowMw": -1089}]
        frame = parse_mr(wrap(MR, [report(TieDelivery=delivery)]), parse_morning_report_interchange).frame
        rows = {r["tie_name"]: r for r in frame.to_dicts()}
        assert set(rows) == {"NB", "Phase 2", "NECEC"}
        assert rows["NECEC"]["tie_flow_mw"] == -1089.0 and rows["NECEC"]["scheduled_mw"] is None
        assert rows["Phase 2"]["tie_flow_mw"] is None and rows["Phase 2"]["import_limit_mw"] == -2000.0

    def test_wind_that_does_not_parse_is_null_with_a_warning(self):
        cities = [
            {"CityName": "Boston", "HighTemperature": 55, "WindDirSpeed": "Calm"},
            {"CityName": "Hartford", "HighTemperature": "57", "WindDirSpeed": "SSW - 7.5"},
            {"CityName": "Worcester", "HighTemperature": 50},
        ]
        result = parse_mr(wrap(MR, [report(CityForecastDetail=cities)]), parse_morning_report_weather)
        frame = assert_table(result, MORNING_REPORT_WEATHER)
        assert frame.select("city_name", "wind_dir_speed", "wind_direction", "wind_speed_mph").rows() == [
            ("Boston", "Calm", None, None),
            ("Hartford", "SSW - 7.5", "SSW", 7.5),
            ("Worcester", None, None, None),
        ]
        assert frame["high_temperature_f"].to_list() == [55.0, 57.0, 50.0]
        assert any("1 'WindDirSpeed' value(s)" in w and "Calm" in w for w in result.warnings)

    def test_operating_day_from_begin_date_without_a_partition(self):
        frame = parse_mr(wrap(MR, [report()]), day=None).frame
        assert frame["operating_day"].to_list() == [MR_DAY]


ERRORS = [  # (changes to the report, parser, what the message names)
    ({"ReportType": ...}, parse_morning_report, "'ReportType'"),
    ({"ReportType": ""}, parse_morning_report_weather, "'ReportType'"),
    ({"ReportType": 5}, parse_morning_report, "'ReportType'"),
    ({"CreationDate": ...}, parse_morning_report_interchange, "'CreationDate'"),
    ({"CreationDate": "2024-11-03 08:14"}, parse_morning_report, "'CreationDate'"),
    ({"BeginDate": ...}, parse_morning_report_weather, "'BeginDate'"),
    ({"BeginDate": "2024-11-03T06:00:00.000-05:00"}, parse_morning_report, "'BeginDate' is not a local midnight"),
    ({"BeginDate": "2024-11-04T00:00:00.000-05:00"}, parse_morning_report, "'BeginDate' names operating day"),
    ({"PeakLoadTodayHour": "18:00"}, parse_morning_report, "'PeakLoadTodayHour'"),
    ({"CsoMw": [1]}, parse_morning_report, "'CsoMw'"),
    ({"ExpActOp4Mw": True}, parse_morning_report, "'ExpActOp4Mw'"),
    ({"NyIsoSarAvail": "Yes"}, parse_morning_report, "'NyIsoSarAvail'"),
    ({"UnitCommMinOrrCount": 1.5}, parse_morning_report, "'UnitCommMinOrrCount'"),
    ({"UnitCommMinOrrCount": "two"}, parse_morning_report, "'UnitCommMinOrrCount'"),
    ({"GeoMagDistObsActivity": [1]}, parse_morning_report, "'GeoMagDistObsActivity'"),
    ({"NonMrktSensComnts": {"a": 1}}, parse_morning_report, "'NonMrktSensComnts'"),
    ({"TieDelivery": "NB"}, parse_morning_report_interchange, "'TieDelivery'"),
    ({"InterchangeDetail": [{"ScheduledMw": 1}]}, parse_morning_report_interchange, "'TieName'"),
    ({"TieDelivery": [{"TieName": 7, "TieFlowMw": 1}]}, parse_morning_report_interchange, "'TieDelivery.TieName'"),
    (
        {"TieDelivery": [{"TieName": "NB", "TieFlowMw": 1}, {"TieName": "NB", "TieFlowMw": 2}]},
        parse_morning_report_interchange,
        "'TieDelivery' lists tie 'NB' twice",
    ),
    ({"TieDelivery": [{"TieName": "NB", "TieFlowMw": "x1"}]}, parse_morning_report, None),  # not read by this parser
    ({"InterchangeDetail": [{"TieName": "NB", "ScheduledMw": {}}]}, parse_morning_report_interchange, "'ScheduledMw'"),
    ({"CityForecastDetail": 5}, parse_morning_report_weather, "'CityForecastDetail'"),
    ({"CityForecastDetail": [{"HighTemperature": 50}]}, parse_morning_report_weather, "'CityName'"),
    ({"CityForecastDetail": [{"CityName": None}]}, parse_morning_report_weather, "'CityName'"),
    ({"CityForecastDetail": [{"CityName": "Boston", "WindDirSpeed": 11}]}, parse_morning_report_weather, "'WindDir"),
    ({"CityForecastDetail": [{"CityName": "Boston", "HighTemperature": []}]}, parse_morning_report_weather, "'High"),
    (
        {"CityForecastDetail": [{"CityName": "Boston"}, {"CityName": "Boston"}]},
        parse_morning_report_weather,
        "repeat their key",
    ),
]


@pytest.mark.parametrize(("changes", "parser", "named"), ERRORS, ids=lambda v: getattr(v, "__name__", str(v))[:40])
def test_morning_report_errors_name_the_field_and_the_path(changes, parser, named):
    doc = wrap(MR, [report(**changes)])
    if named is None:
        assert len(parse_mr(doc, parser).frame) == 1
        return
    with pytest.raises(ParseError, match=named) as info:
        parse_mr(doc, parser)
    assert MR_PATH in str(info.value)


@pytest.mark.parametrize("parser", MR_PARSERS)
def test_morning_report_repeated_report_and_malformed_bodies(parser):
    with pytest.raises(ParseError, match="repeat their key"):
        parse_mr(wrap(MR, [report(), report()]), parser)
    with pytest.raises(ParseError, match="'MorningReports'"):
        parse_mr({"SevenDayForecasts": {}}, parser)
    with pytest.raises(ParseError, match="truncated JSON"):
        parse_mr(b'{"MorningReports": {"MorningReport": [{', parser)
    with pytest.raises(ParseError, match="objects"):
        parse_mr(wrap(MR, ["Final"]), parser)
