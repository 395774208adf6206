"""Parsers are pure functions from bytes to frames in the canonical schema: tested without Dagster or HTTP."""

import json
from datetime import UTC, date, datetime

import polars as pl
import pytest

from isone_platform.lib.datasets import DATASETS, dataset, has_records, standardize
from isone_platform.lib.parse.common import ParseContext, ParseError
from isone_platform.lib.raw import LandedBody, RawDay
from isone_platform.lib.schemas import STD_TABLES

FETCHED = datetime(2024, 11, 4, 12, 0, tzinfo=UTC)


def parse(name: str, doc, day=date(2024, 11, 3), path="/test"):
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return standardize(dataset(name), RawDay(name, day, [LandedBody(path, FETCHED, body)]))


def sysload(begin: str, load: object = 12000, **extra):
    return {
        "BeginDate": begin,
        "LoadMw": load,
        "NativeLoad": 11900.5,
        "ArdDemand": 99.5,
        "SystemLoadBtmPv": 12100,
        "NativeLoadBtmPv": 12000.25,
        **extra,
    }


def lmp(
    begin: str,
    loc_id="4001",
    total: object = 30.5,
    energy: object = 30.0,
    cong: object = 0,
    loss: object = 0.5,
    loc_type="LOAD ZONE",
):
    return {
        "BeginDate": begin,
        "Location": {"@LocId": loc_id, "@LocType": loc_type, "$": f"NODE{loc_id}"},
        "LmpTotal": total,
        "EnergyComponent": energy,
        "CongestionComponent": cong,
        "LossComponent": loss,
    }


class TestWrappers:
    def test_list_object_and_top_level_singular_are_the_same_rows(self):
        rec = sysload("2024-11-03T00:00:00.000-04:00")
        as_list = parse("system_load_5min", {"FiveMinSystemLoads": {"FiveMinSystemLoad": [rec]}}).frame
        as_object = parse("system_load_5min", {"FiveMinSystemLoads": {"FiveMinSystemLoad": rec}}).frame
        top_level = parse("system_load_5min", {"FiveMinSystemLoad": [rec]}).frame
        assert len(as_list) == 1
        rows = [f.drop("body_sha256") for f in (as_list, as_object, top_level)]
        assert rows[0].equals(rows[1]) and rows[0].equals(rows[2])

    @pytest.mark.parametrize("empty", ["", {}, {"FiveMinLmp": []}, {"FiveMinLmp": ""}])
    def test_empty_wrappers_mean_no_rows(self, empty):
        result = parse("lmp_rt_5min", {"FiveMinLmps": empty})
        assert result.frame.is_empty()
        assert result.frame.schema == STD_TABLES["isone__lmp_rt_5min"].polars_schema

    def test_unexpected_top_level_key_is_named(self):
        with pytest.raises(ParseError, match=r"system_load_5min day 2024-11-03 .*'FiveMinSystemLoads'"):
            parse("system_load_5min", {"Oops": []})


class TestNumbersAndFields:
    def test_ints_floats_and_numeric_strings_become_float64(self):
        recs = [
            sysload("2024-11-03T00:00:00.000-04:00", load=12000),
            sysload("2024-11-03T00:05:00.000-04:00", load="12001.5"),
        ]
        result = parse("system_load_5min", {"FiveMinSystemLoads": {"FiveMinSystemLoad": recs}})
        assert result.frame["load_mw"].dtype == pl.Float64
        assert result.frame["load_mw"].to_list() == [12000.0, 12001.5]
        assert any("numeric string" in w for w in result.warnings)

    @pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), "NaN", "Infinity", "-inf", "n/a"])
    def test_nan_infinity_and_non_numeric_text_become_null_with_a_warning_naming_field_and_interval(self, value):
        """Case 13: such a value is no measurement. Stored as NaN it passed the range checks and poisoned sums;
        as NULL the completeness/null checks see it, and the warning says where it was."""
        recs = [sysload("2024-11-03T00:00:00.000-04:00"), sysload("2024-11-03T00:05:00.000-04:00", load=value)]
        result = parse("system_load_5min", {"FiveMinSystemLoads": {"FiveMinSystemLoad": recs}})
        assert result.frame["load_mw"].to_list() == [12000.0, None]
        [warning] = [w for w in result.warnings if "stored as NULL" in w]
        assert "system_load_5min day 2024-11-03" in warning and "'LoadMw'" in warning
        assert "2024-11-03T04:05:00Z" in warning and "1 value(s)" in warning
        assert not any("numeric string" in w for w in result.warnings)  # "NaN" is not a number read from text

    def test_nan_in_a_body_as_json_writes_it(self):
        """Python's JSON reader accepts the bare NaN / Infinity / -Infinity tokens that ISO-NE's serializer could
        emit (and 1e999, which overflows to infinity): all NULL, one warning per field, naming each series."""
        body = (
            b'{"FiveMinLmps":{"FiveMinLmp":['
            + b",".join(
                b'{"BeginDate":"2024-11-03T00:%02d:00.000-04:00","Location":{"@LocId":"%d","$":"N"},"LmpTotal":%s,'
                b'"EnergyComponent":%s}' % (5 * i, 4001 + i, v, v)
                for i, v in enumerate([b"NaN", b"Infinity", b"-Infinity", b"1e999", b"2"])
            )
            + b"]}}"
        )
        result = parse("lmp_rt_5min", body)
        assert result.frame["lmp"].to_list() == [None, None, None, None, 2.0]
        assert result.frame["energy_component"].null_count() == 4
        total = next(w for w in result.warnings if "'LmpTotal'" in w)
        assert "4 value(s)" in total and "04:00:00Z location 4001" in total and "and 1 more" in total

    def test_booleans_and_objects_in_a_number_stay_errors(self):
        """Not a value but a different shape: the body is not what this parser knows."""
        rec = sysload("2024-11-03T00:00:00.000-04:00", load={"v": 1})
        with pytest.raises(ParseError, match="'load_mw'.*not a number"):
            parse("system_load_5min", {"FiveMinSystemLoads": {"FiveMinSystemLoad": [rec]}})

    def test_missing_required_field_names_feed_day_and_field(self):
        rec = lmp("2024-11-03T00:00:00.000-04:00")
        del rec["LmpTotal"]
        with pytest.raises(ParseError) as err:
            parse("lmp_rt_5min", {"FiveMinLmps": {"FiveMinLmp": [rec]}})
        assert "lmp_rt_5min" in str(err.value) and "2024-11-03" in str(err.value) and "'LmpTotal'" in str(err.value)

    def test_unknown_field_is_ignored_with_a_warning(self):
        rec = lmp("2024-11-03T00:00:00.000-04:00")
        rec["SurpriseField"] = 1
        result = parse("lmp_rt_5min", {"FiveMinLmps": {"FiveMinLmp": [rec]}})
        assert len(result.frame) == 1 and "SurpriseField" not in result.frame.columns
        assert any("SurpriseField" in w for w in result.warnings)

    def test_null_measurement_is_kept_as_null(self):
        rec = lmp("2024-11-03T00:00:00.000-04:00", total=None)
        frame = parse("lmp_rt_5min", {"FiveMinLmps": {"FiveMinLmp": [rec]}}).frame
        assert frame["lmp"].to_list() == [None]

    def test_truncated_json_fails_loudly(self):
        body = json.dumps({"FiveMinLmps": {"FiveMinLmp": [lmp("2024-11-03T00:00:00.000-04:00")] * 3}}).encode()
        with pytest.raises(ParseError, match="truncated JSON"):
            parse("lmp_rt_5min", body[: len(body) // 2])

    def test_html_instead_of_json_fails_loudly(self):
        with pytest.raises(ParseError, match="invalid JSON"):
            parse("fuel_mix", b"<html><body>Maintenance</body></html>")


class TestTime:
    def test_fall_back_hour_maps_to_two_utc_hours(self):
        recs = [sysload("2024-11-03T01:00:00.000-04:00"), sysload("2024-11-03T01:00:00.000-05:00")]
        frame = parse("system_load_5min", {"FiveMinSystemLoads": {"FiveMinSystemLoad": recs}}).frame
        assert frame["interval_begin_utc"].to_list() == [
            datetime(2024, 11, 3, 5, 0, tzinfo=UTC),
            datetime(2024, 11, 3, 6, 0, tzinfo=UTC),
        ]
        assert (frame["interval_end_utc"] - frame["interval_begin_utc"]).dt.total_minutes().to_list() == [5, 5]
        assert frame["operating_day"].to_list() == [date(2024, 11, 3)] * 2

    def test_spring_forward_gap(self):
        recs = [lmp("2024-03-10T01:55:00.000-05:00"), lmp("2024-03-10T03:00:00.000-04:00")]
        frame = parse("lmp_rt_5min", {"FiveMinLmps": {"FiveMinLmp": recs}}, day=date(2024, 3, 10)).frame
        begins = frame["interval_begin_utc"].to_list()
        assert [b.isoformat() for b in begins] == ["2024-03-10T06:55:00+00:00", "2024-03-10T07:00:00+00:00"]

    def test_malformed_timestamp_is_named(self):
        with pytest.raises(ParseError, match="BeginDate|interval_begin_utc"):
            parse("system_load_5min", {"FiveMinSystemLoads": {"FiveMinSystemLoad": [sysload("2024-11-03 00:00")]}})


class TestFeeds:
    def test_zonal_snake_case_dialect_with_ids_as_strings_or_ints(self):
        recs = [
            {
                "interval_begin_date": "2024-11-03T00:00:00.000-04:00",
                "load_zone_id": 4001,
                "load_zone_name": ".Z.MAINE",
                "estimated_load_mw": 1200.5,
                "estimated_btm_pv_mw": 0,
            },
            {
                "interval_begin_date": "2024-11-03T00:00:00.000-04:00",
                "load_zone_id": "4002",
                "load_zone_name": ".Z.NEWHAMPSHIRE",
                "estimated_load_mw": "1500",
                "estimated_btm_pv_mw": None,
            },
        ]
        doc = {"isone_web_services": {"five_min_estimated_zonal_loads": {"five_min_estimated_zonal_load": recs}}}
        frame = parse("zonal_load_5min", doc).frame
        assert frame["zone_id"].to_list() == [4001, 4002]
        assert frame["load_mw"].to_list() == [1200.5, 1500.0]

    def test_lmp_price_status_follows_the_path(self):
        doc = {"FiveMinLmps": {"FiveMinLmp": [lmp("2024-11-03T00:00:00.000-04:00")]}}
        final = parse("lmp_rt_5min", doc, path="/fiveminutelmp/final/day/20241103/starthour/00").frame
        prelim = parse("lmp_rt_5min", doc, path="/fiveminutelmp/prelim/day/20241103/starthour/00").frame
        da = parse(
            "lmp_da_hourly",
            {"HourlyLmps": {"HourlyLmp": [lmp("2024-11-03T00:00:00.000-04:00")]}},
            path="/hourlylmp/da/final/day/20241103",
        ).frame
        assert (final["price_status"][0], prelim["price_status"][0], da["price_status"][0]) == (
            "final",
            "prelim",
            "final",
        )
        assert (da["interval_end_utc"] - da["interval_begin_utc"]).dt.total_minutes()[0] == 60

    def test_later_body_replaces_rows_with_the_same_key(self):
        ds = DATASETS["system_load_5min"]
        first = json.dumps(
            {
                "FiveMinSystemLoads": {
                    "FiveMinSystemLoad": [
                        sysload("2024-11-03T00:00:00.000-04:00", 100),
                        sysload("2024-11-03T00:05:00.000-04:00", 200),
                    ]
                }
            }
        ).encode()
        correction = json.dumps({"FiveMinSystemLoad": [sysload("2024-11-03T00:05:00.000-04:00", 250)]}).encode()
        raw = RawDay(
            ds.name,
            date(2024, 11, 3),
            [
                LandedBody("/fiveminutesystemload/current", datetime(2024, 11, 4, tzinfo=UTC), correction),
                LandedBody("/fiveminutesystemload/day/20241103", datetime(2024, 11, 3, tzinfo=UTC), first),
            ],
        )
        frame = standardize(ds, raw).frame
        assert frame["load_mw"].to_list() == [100.0, 250.0]
        assert frame["source_path"].to_list() == ["/fiveminutesystemload/day/20241103", "/fiveminutesystemload/current"]

    def test_disjoint_bodies_keep_in_body_duplicates_and_overlapping_ones_merge(self):
        ds = DATASETS["system_load_5min"]
        hour0 = json.dumps(
            {
                "FiveMinSystemLoads": {
                    "FiveMinSystemLoad": [
                        sysload("2024-11-03T00:00:00.000-04:00", 100),
                        sysload("2024-11-03T00:00:00.000-04:00", 101),
                    ]
                }
            }
        ).encode()
        hour1 = json.dumps(
            {"FiveMinSystemLoads": {"FiveMinSystemLoad": [sysload("2024-11-03T01:00:00.000-04:00", 300)]}}
        ).encode()
        again = json.dumps({"FiveMinSystemLoad": [sysload("2024-11-03T01:00:00.000-04:00", 333)]}).encode()
        t0, t1, t2 = (datetime(2024, 11, 4, h, tzinfo=UTC) for h in (1, 2, 3))
        disjoint = standardize(
            ds, RawDay(ds.name, date(2024, 11, 3), [LandedBody("/a", t0, hour0), LandedBody("/b", t1, hour1)])
        )
        assert disjoint.frame["load_mw"].to_list() == [100.0, 101.0, 300.0]  # the duplicate stays for the check
        overlapping = standardize(
            ds,
            RawDay(
                ds.name,
                date(2024, 11, 3),
                [LandedBody("/a", t0, hour0), LandedBody("/b", t1, hour1), LandedBody("/c", t2, again)],
            ),
        )
        assert overlapping.frame["load_mw"].to_list() == [100.0, 101.0, 333.0]

    def test_parallel_parse_gives_the_serial_frame(self, monkeypatch):
        from isone_platform.lib import datasets

        ds = DATASETS["lmp_rt_5min"]
        bodies = [
            LandedBody(
                f"/fiveminutelmp/final/day/20241103/starthour/{h:02d}",
                datetime(2024, 11, 4, 0, h, tzinfo=UTC),
                json.dumps(
                    {
                        "FiveMinLmps": {
                            "FiveMinLmp": [lmp(f"2024-11-03T{h:02d}:{m:02d}:00.000-04:00") for m in range(0, 60, 5)]
                        }
                    }
                ).encode(),
            )
            for h in range(6)
        ]
        raw = RawDay(ds.name, date(2024, 11, 3), bodies)
        serial = standardize(ds, raw)
        monkeypatch.setattr(datasets, "PARALLEL_PARSE_BYTES", 0)
        parallel = standardize(ds, raw)
        assert parallel.frame.equals(serial.frame) and parallel.frame.height == 72
        assert parallel.frame["source_path"].unique(maintain_order=True).to_list() == [b.path for b in bodies]

    def test_duplicates_within_one_body_are_kept_for_the_uniqueness_check(self):
        rec = sysload("2024-11-03T00:00:00.000-04:00")
        frame = parse("system_load_5min", {"FiveMinSystemLoads": {"FiveMinSystemLoad": [rec, rec]}}).frame
        assert len(frame) == 2

    def test_fuel_mix_snapshot_holds_until_the_next(self):
        def fm(begin, fuel, mw, flag="N"):
            return {
                "BeginDate": begin,
                "GenMw": mw,
                "FuelCategoryRollup": fuel,
                "FuelCategory": fuel,
                "MarginalFlag": flag,
            }

        doc = {
            "GenFuelMixes": {
                "GenFuelMix": [
                    fm("2024-11-03T23:50:10.000-05:00", "Hydro", 300),
                    fm("2024-11-03T23:50:10.000-05:00", "Natural Gas", 7000, "Y"),
                    fm("2024-11-03T23:57:00.000-05:00", "Hydro", 310),
                ]
            }
        }
        frame = parse("fuel_mix", doc).frame
        ends = dict(
            zip(
                frame["interval_begin_utc"].dt.strftime("%H:%M:%S"),
                frame["interval_end_utc"].dt.strftime("%H:%M:%S"),
                strict=True,
            )
        )
        assert ends == {"04:50:10": "04:57:00", "04:57:00": "05:00:00"}  # the last one is cut at the day's end
        assert frame["is_marginal"].to_list().count(True) == 1

    def test_has_records_tells_empty_wrappers_from_data(self):
        assert not has_records(b'{"FiveMinLmps":""}') and not has_records(b'{"HourlyLmps":{}}')
        assert has_records(json.dumps({"FiveMinLmps": {"FiveMinLmp": [lmp("2024-11-03T00:00:00.000-04:00")]}}).encode())


def test_parse_context_describes_itself():
    ctx = ParseContext("fuel_mix", date(2024, 1, 1), "/p", FETCHED, "abc")
    assert str(ParseError(ctx, "boom")) == "fuel_mix day 2024-01-01 (/p): boom"
