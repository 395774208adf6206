"""The reserve feeds (RT 5-minute and hourly reserve prices, DASI reserve data and strike prices), the morning report
and the final-vs-prelim LMP revisions.

Checks shapes (morning reports against the real recorded ones, per vintage), counts on DST days, publication rules,
the morning report's capacity identities, reserve price orderings, revision rates, faults, recorded mode and caching.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from isone_platform.simulator import SimulatorServer, api, data
from isone_platform.simulator.calendar import TZ, day_bounds_epoch, grid

from .conftest import FIXED_NOW, make_client, records

ZONES = {7000: "ROS", 7001: "SWCT", 7002: "CT", 7003: "NEMABSTN"}
PRICE_KEYS = ("TmsrClearingPrice", "TmnsrClearingPrice", "TmorClearingPrice")
ROS_KEYS = {
    "BeginDate",
    "ReserveZoneId",
    "ReserveZoneName",
    "TenMinSpinRequirement",
    "Total10MinRequirement",
    "Total30MinRequirement",
    "TmsrDesignatedMw",
    "TmnsrDesignatedMw",
    "TmorDesignatedMw",
    *PRICE_KEYS,
}
LOCAL_KEYS = ROS_KEYS - {"TenMinSpinRequirement", "Total10MinRequirement"}
DASI_NOW = "fixed:2025-11-10T12:00:00-05:00"


def get_json(client, path: str):
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text[:200])
    return r.json()


def snake(doc: dict) -> list:
    """Records of a snake_case body; ``{"isone_web_services":""}`` (no data) gives []."""
    inner = doc["isone_web_services"]
    if not isinstance(inner, dict):
        return []
    (val,) = inner.values()
    if not isinstance(val, dict):
        return []
    (recs,) = val.values()
    return recs


def at(sim: SimulatorServer, *args) -> None:
    sim.clock.set(datetime(*args, tzinfo=TZ))


@pytest.fixture
def dasi():
    with SimulatorServer(port=0, seed=1, clock=DASI_NOW) as sim, make_client(sim) as c:
        yield sim, c


# ---------------------------------------------------------------------------------------------
# RT reserve prices


@pytest.mark.parametrize(("day", "intervals"), [("20241102", 288), ("20241103", 300), ("20240310", 276)])
def test_reserve_counts_fields_and_dst(client, day, intervals):
    for path in (f"/fiveminutereserveprice/final/day/{day}", f"/fiveminutereserveprice/prelim/day/{day}"):
        recs = records(get_json(client, path))
        assert len(recs) == 4 * intervals
        assert len({r["BeginDate"] for r in recs}) == intervals
        for r in recs:
            assert isinstance(r["ReserveZoneId"], int) and ZONES[r["ReserveZoneId"]] == r["ReserveZoneName"]
            assert set(r) == (ROS_KEYS if r["ReserveZoneId"] == 7000 else LOCAL_KEYS)
    for feed, wrap in (("hourlyprelimreserveprice", "PrelimHourly"), ("hourlyfinalreserveprice", "FinalHourly")):
        doc = get_json(client, f"/{feed}/day/{day}")
        assert list(doc) == [f"{wrap}ReservePrices"] and list(doc[f"{wrap}ReservePrices"]) == [f"{wrap}ReservePrice"]
        recs = records(doc)
        assert len(recs) == 4 * intervals // 12 and len({r["BeginDate"] for r in recs}) == intervals // 12
    stamps = [r["BeginDate"] for r in records(get_json(client, f"/hourlyfinalreserveprice/day/{day}"))]
    if day == "20241103":
        assert "2024-11-03T01:00:00.000-04:00" in stamps and "2024-11-03T01:00:00.000-05:00" in stamps
    if day == "20240310":
        assert not any("T02:" in s for s in stamps)


def test_reserve_prices_ordered_nonnegative_mostly_zero_with_spikes():
    prices, quirks = [], 0
    for i in range(0, 120, 4):
        d = date(2025, 5, 1) + timedelta(days=i)
        for kind in ("prelim", "final"):
            r = data.reserve_5min_day(1, d, kind)
            tmsr, tmnsr, tmor = r.price
            assert (tmsr >= tmnsr).all() and (tmnsr >= tmor).all() and (tmor >= 0).all()
            prices.append(tmsr.ravel())
        stamps = data.reserve_5min_day(1, d).stamps
        minutes = [int(s[14:16]) % 5 for s in stamps]
        assert set(minutes) <= {0, 1, 2}
        quirks += sum(m != 0 for m in minutes)
    p = np.concatenate(prices) / 100
    assert 0.5 < (p == 0).mean() < 0.99  # mostly zero
    assert np.percentile(p[p > 0], 50) < 50 and 100 < p.max() < 1000  # typical tens of $, rare spikes of hundreds
    assert 0 < quirks < 0.02 * 30 * 288


def test_reserve_prices_follow_load():
    """Priced intervals come at higher load than unpriced ones."""
    hi, lo = [], []
    for i in range(30):
        d = date(2025, 7, 1) + timedelta(days=i)
        load = data.sysload_day(1, d).load
        priced = data.reserve_5min_day(1, d).price[0, :, 0] > 0
        hi += load[priced].tolist()
        lo += load[~priced].tolist()
    assert np.mean(hi) > np.mean(lo) * 1.05


def test_hourly_reserve_is_mean_of_five_minute(client):
    five = records(get_json(client, "/fiveminutereserveprice/final/day/20241103"))
    hourly = records(get_json(client, "/hourlyfinalreserveprice/day/20241103"))
    for z in ZONES:
        f = [r for r in five if r["ReserveZoneId"] == z]
        h = [r for r in hourly if r["ReserveZoneId"] == z]
        assert len(f) == 12 * len(h) == 300
        for k in PRICE_KEYS:
            means = np.array([x[k] for x in f]).reshape(-1, 12).mean(axis=1)
            assert np.allclose([x[k] for x in h], means, atol=0.006)


def test_reserve_publication_prelim_final_and_untyped(simulator, client):
    n5 = len(records(get_json(client, "/fiveminutesystemload/day/20241121")))
    prelim = records(get_json(client, "/fiveminutereserveprice/prelim/day/20241121"))
    assert len(prelim) == 4 * n5 and 0 < n5 < 288
    assert get_json(client, "/fiveminutereserveprice/day/20241121") == get_json(
        client, "/fiveminutereserveprice/prelim/day/20241121"
    )
    assert len(records(get_json(client, "/hourlyprelimreserveprice/day/20241121"))) == 4 * 11
    assert get_json(client, "/fiveminutereserveprice/final/day/20241121") == {"FiveMinReservePrices": ""}
    assert get_json(client, "/hourlyfinalreserveprice/day/20241121") == {"FinalHourlyReservePrices": ""}
    cur = records(get_json(client, "/fiveminutereserveprice/prelim/current"))
    assert [r["ReserveZoneId"] for r in cur] == list(ZONES)
    assert cur[0]["BeginDate"][:16] == prelim[-1]["BeginDate"][:16]
    untyped = get_json(client, "/fiveminutereserveprice/current")
    assert untyped == get_json(client, "/fiveminutereserveprice/prelim/current")
    assert get_json(client, "/fiveminutereserveprice/info")["ServiceInfo"]["LatestBeginDate"][:16] == "2024-11-21T11:50"
    (one,) = records(get_json(client, "/fiveminutereserveprice/prelim/current/reserveZone/7002"))
    assert one["ReserveZoneName"] == "CT"
    at(simulator, 2024, 11, 22, 5, 59)
    assert get_json(client, "/fiveminutereserveprice/final/day/20241121") == {"FiveMinReservePrices": ""}
    assert get_json(client, "/fiveminutereserveprice/final/info")["ServiceInfo"]["LatestBeginDate"].startswith(
        "2024-11-20T23:55"
    )
    at(simulator, 2024, 11, 22, 6, 0)
    assert len(records(get_json(client, "/fiveminutereserveprice/final/day/20241121"))) == 4 * 288
    assert len(records(get_json(client, "/hourlyfinalreserveprice/day/20241121/reserveZone/7000"))) == 24
    (last,) = records(get_json(client, "/hourlyfinalreserveprice/current/reserveZone/7003"))
    assert last["BeginDate"] == "2024-11-21T23:00:00.000-05:00"
    assert get_json(client, "/fiveminutereserveprice/final/day/20241121/reserveZone/7999") == {
        "FiveMinReservePrices": ""
    }


def test_final_reserve_prices_differ_from_prelim_in_few_intervals():
    changed, total = 0, 0
    for i in range(20):
        d = date(2025, 6, 1) + timedelta(days=i)
        p, f = data.reserve_5min_day(1, d, "prelim"), data.reserve_5min_day(1, d, "final")
        rows = (p.price != f.price).any(axis=(0, 2))
        assert rows.any()
        changed += int(rows.sum())
        total += len(rows)
        assert (p.desig == f.desig).all() and p.stamps == f.stamps
    assert 0.003 < changed / total < 0.03


# ---------------------------------------------------------------------------------------------
# final LMPs vs prelim


def test_final_lmp_revisions_most_unchanged_some_cents_few_dollars():
    cents_rows, dollar_rows, cells, n = 0, 0, 0.0, 0
    for i in range(30):
        d = date(2024, 9, 1) + timedelta(days=i)
        p, f = data.rt_lmp_day(1, d, "prelim"), data.rt_lmp_day(1, d, "final")
        diff = np.abs(f.total() - p.total())
        assert (f.total() == f.energy[:, None] + f.cong + f.loss).all()
        dollars = (diff > 25).any(axis=1)
        cents = (diff > 0).any(axis=1) & ~dollars
        assert dollars.any()
        dollar_rows += int(dollars.sum())
        cents_rows += int(cents.sum())
        cells += float((diff > 0).mean())
        n += len(diff)
        assert diff[cents].max() <= 25
        h = data.rt_hourly_lmp_day(1, d, "final")
        assert (h.energy == np.rint(f.energy.reshape(-1, 12).mean(axis=1))).all()
    assert 0.02 <= cents_rows / n <= 0.05
    assert 0.002 <= dollar_rows / n <= 0.008
    assert cells / 30 < 0.03  # most (interval, node) values unchanged


# ---------------------------------------------------------------------------------------------
# DASI reserve data and strike prices


def test_daas_nothing_before_2025_03_01(dasi):
    sim, c = dasi
    assert get_json(c, "/daasreservedata/day/20250228") == {"isone_web_services": ""}
    assert get_json(c, "/daasstrikeprices/day/20250228") == {"isone_web_services": ""}
    at(sim, 2025, 2, 27, 12, 0)
    assert get_json(c, "/daasreservedata/current") == {"isone_web_services": ""}
    assert get_json(c, "/daasreservedata/info") == {"ServiceInfo": {}}
    assert get_json(c, "/daasstrikeprices/info") == {"ServiceInfo": {}}
    at(sim, 2025, 2, 28, 13, 29, 59)
    assert get_json(c, "/daasreservedata/day/20250301") == {"isone_web_services": ""}
    at(sim, 2025, 2, 28, 13, 30)
    recs = snake(get_json(c, "/daasreservedata/day/20250301"))
    assert len(recs) == 24 and recs[0]["market_hour"]["local_day"] == "2025-03-01T00:00:00.000-05:00"
    info = get_json(c, "/daasreservedata/info")["ServiceInfo"]
    assert info == {"CreationDate": "2025-02-28T13:30:00.000-05:00", "LatestBeginDate": "2025-03-01T23:00:00.000-05:00"}


@pytest.mark.parametrize(("day", "hours"), [("20250309", 23), ("20251102", 25), ("20250715", 24)])
def test_daas_reserve_data_fields_and_dst(dasi, day, hours):
    _, c = dasi
    doc = get_json(c, f"/daasreservedata/day/{day}")
    assert list(doc["isone_web_services"]) == ["day_ahead_reserves"]
    recs = snake(doc)
    assert len(recs) == hours
    for r in recs:
        assert set(r) == set(api._DAAS_KEYS)
        assert set(r["market_hour"]) == {"gmt_begin_date", "local_day", "local_hour_end"}
        assert r["tmsr_clearing_price"] >= r["tmnsr_clearing_price"] >= r["tmor_clearing_price"] >= 0
        assert r["total_thirty_min_req_mw"] > r["total_ten_min_req_mw"] > r["ten_min_spin_req_mw"] > 0
        assert 5000 < r["forecasted_energy_req_mw"] < 30000 and 0 <= r["eir_designation_mw"] <= 1083.3
        gmt = datetime.strptime(r["market_hour"]["gmt_begin_date"], "%Y-%m-%dT%H:%M:%S.%f%z")
        assert gmt == datetime.strptime(r["market_hour"]["local_day"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert len({r["market_hour"]["local_day"] for r in recs}) == hours


def test_daas_strike_prices_vintages_and_values(dasi):
    sim, c = dasi
    reissued = None
    for i in range(120):
        d = date(2025, 4, 1) + timedelta(days=i)
        vs = data.strike_vintages(1, d)
        first = datetime.fromtimestamp(vs[0].epoch, TZ)
        assert first.date() == d - timedelta(days=1) and (9, 50) <= (first.hour, first.minute) < (10, 10)
        assert len(vs[0].hours) == len(grid(d, 3600))
        if len(vs) > 1:
            second = datetime.fromtimestamp(vs[1].epoch, TZ)
            assert 10 * 60 + 55 <= second.hour * 60 + second.minute <= 11 * 60 + 10 and len(vs[1].hours) < 10
            reissued = reissued or d
    assert reissued is not None
    vs = data.strike_vintages(1, reissued)
    path = f"/daasstrikeprices/day/{reissued:%Y%m%d}"
    sim.clock.set(datetime.fromtimestamp(vs[0].epoch - 1, TZ))
    assert get_json(c, path) == {"isone_web_services": ""}
    sim.clock.set(datetime.fromtimestamp(vs[0].epoch, TZ))
    assert len(snake(get_json(c, path))) == 24
    sim.clock.set(datetime.fromtimestamp(vs[1].epoch, TZ))
    recs = snake(get_json(c, path))
    assert len(recs) == 24 + len(vs[1].hours)
    keys = [(r["market_hour"]["local_day"], r["strike_price_timestamp"]) for r in recs]
    assert keys == sorted(keys)
    overrides = 0
    for r in recs:
        assert set(r) == set(api._STRIKE_KEYS)
        p = [r[f"percentile_{k}_rt_hub_lmp"] for k in (10, 25, 75, 90)]
        assert p == sorted(p) and p[1] <= r["expected_rt_hub_lmp"] <= p[2]
        assert r["strike_price"] > r["expected_rt_hub_lmp"] and r["expected_closeout_charge"] >= 0
        overrides += r["expected_rt_hub_lmp_override"] is not None
    assert overrides < len(recs) / 4


# ---------------------------------------------------------------------------------------------
# morning report

MR_VINTAGES = [
    ("pyiso_fixtures/morningreport_day_20160101.json", date(2016, 1, 1), "fixed:2016-01-02T12:00:00-05:00"),
    ("pyiso_fixtures/morningreport_current_20170130.json", date(2017, 1, 30), "fixed:2017-01-31T12:00:00-05:00"),
    ("wsclient_examples/morningreport_current_20260727.json", date(2026, 7, 27), "fixed:2026-07-28T00:00:00-04:00"),
]
OPTIONAL = {"NyIsoSarAvail", "NonMrktSensComnts"}


def types(v):
    if isinstance(v, dict):
        return {k: types(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return [types(v[0])]
    return type(v).__name__


@pytest.mark.parametrize(("real", "day", "clock"), MR_VINTAGES)
def test_morning_report_keys_and_types_match_real_vintage(real_dir, real, day, clock):
    want = json.loads((real_dir / real).read_text())
    (w,) = want["MorningReports"]["MorningReport"]
    with SimulatorServer(port=0, seed=1, clock=clock) as sim, make_client(sim) as c:
        doc = get_json(c, f"/morningreport/day/{day:%Y%m%d}/all")
        types_seen = [r["ReportType"] for r in doc["MorningReports"]["MorningReport"]]
        latest = get_json(c, f"/morningreport/day/{day:%Y%m%d}")
    assert isinstance(doc["MorningReports"]["MorningReport"], list)
    (g,) = latest["MorningReports"]["MorningReport"]
    assert g["ReportType"] == w["ReportType"] == types_seen[-1]
    assert set(g) - OPTIONAL == set(w) - OPTIONAL
    tw, tg = types(w), types(g)
    for k in set(g) & set(w):
        assert tg[k] == tw[k], k
    assert [t["TieName"] for t in g["TieDelivery"]] == [t["TieName"] for t in w["TieDelivery"]]
    assert [t["CityName"] for t in g["CityForecastDetail"]] == ["Boston", "Hartford"]


def test_morning_reports_by_type_over_the_day():
    with SimulatorServer(port=0, seed=1, clock="fixed:2025-07-14T12:00:00-04:00") as sim, make_client(sim) as c:
        path = "/morningreport/day/20250715/all"
        assert get_json(c, path) == {"MorningReports": ""}
        seen = []
        for hh, mm in ((16, 0), (23, 0)):
            at(sim, 2025, 7, 14, hh, mm)
            seen.append([r["ReportType"] for r in records(get_json(c, path))])
        for hh, mm in ((8, 0), (11, 0), (12, 5), (23, 0)):
            at(sim, 2025, 7, 15, hh, mm)
            seen.append([r["ReportType"] for r in records(get_json(c, path))])
        nd, mr, up = data.morning.NEXT_DAY_TYPE, "Morning Report", "Operational Capacity Update Report"
        assert seen == [[nd], [nd], [nd, mr], [nd, mr], [nd, mr, up], [nd, mr, up]]
        day = get_json(c, "/morningreport/day/20250715")
        assert [r["ReportType"] for r in day["MorningReports"]["MorningReport"]] == [up]
        cur = get_json(c, "/morningreport/current")["MorningReports"]["MorningReport"]
        assert len(cur) == 1 and cur[0]["BeginDate"] == "2025-07-16T00:00:00.000-04:00" and cur[0]["ReportType"] == nd
        info = get_json(c, "/morningreport/info")["ServiceInfo"]
        assert info == {"CreationDate": cur[0]["CreationDate"], "LatestBeginDate": cur[0]["BeginDate"]}
        only = records(get_json(c, "/morningreport/day/20250715/reportType/Morning%20Report"))
        assert [r["ReportType"] for r in only] == [mr]
    for d, want in ((date(2024, 12, 19), ["Preliminary", "Final"]), (date(2024, 12, 20), [nd, mr, up])):
        reps = data.morning_reports(1, d)
        assert [r.report_type for r in reps] == want
        created = [datetime.fromtimestamp(r.created_ms / 1000, TZ) for r in reps]
        assert created[0].date() == d - timedelta(days=1) and created[0].hour < 16
        assert all(x.date() == d for x in created[1:]) and created == sorted(created)
        if len(created) == 3:
            assert created[1].hour < 8 and created[2] <= datetime(d.year, d.month, d.day, 12, 5, tzinfo=TZ)
        else:
            assert (8, 5) <= (created[1].hour, created[1].minute) < (8, 25)


def test_morning_report_identities_and_year_dependent_keys():
    for i in range(0, 3800, 13):
        d = date(2016, 1, 1) + timedelta(days=i)
        for rep in data.morning_reports(1, d):
            r = rep.record
            assert list(r) == [k for k in data.morning.KEY_ORDER if k in r]  # XSD order
            drr = r.get("DRRCapacityMw", 0) - r.get("UncommitedAvailDRRMw", 0)
            assert r["TotAvailCapMw"] == (
                r["CsoMw"]
                + r["CapAdditionsMw"]
                - r["GenOutagesReductionMW"]
                - r["UncommittedAvailGenMw"]
                + drr
                - r["NetCapDeliveryMw"]
            )
            assert r["NetCapDeliveryMw"] == sum(t["TieFlowMw"] for t in r["TieDelivery"])
            assert r["TotalOperReserveReqMw"] == r["TenMinReserveReqMw"] + r["ThirtyMinReserveReqMw"]
            assert r["CapRequiredMw"] == r["PeakLoadTodayMw"] + r["TotalOperReserveReqMw"]
            assert r["SurplusDeficiencyMw"] == r["TotAvailCapMw"] - r["CapRequiredMw"]
            assert r["ExcessCommitMw"] == r["SurplusDeficiencyMw"] - r["ReplReserveRequiredMw"]
            for t in r["InterchangeDetail"]:
                assert t["ImportLimitInMw"] <= t["ScheduledMw"] <= t["ExportLimitOutMw"] and t["ImportLimitInMw"] <= 0
            assert [t["ScheduledMw"] for t in r["InterchangeDetail"]] == [t["TieFlowMw"] for t in r["TieDelivery"]]
            assert ("DRRCapacityMw" in r) == (d >= date(2018, 1, 1)) == ("UncommitedAvailDRRMw" in r)
            split = "GenPlannedOutagesReductionMW" in r
            assert split == (d >= date(2025, 7, 1)) == ("GenForcedOutagesReductionMW" in r)
            if split:
                planned, forced = r["GenPlannedOutagesReductionMW"], r["GenForcedOutagesReductionMW"]
                assert planned + forced == r["GenOutagesReductionMW"]
            assert ("NECEC" in {t["TieName"] for t in r["TieDelivery"]}) == (d.year >= 2026)
            assert r["ExpActOp4Mw"] == ("0" if d.year >= 2026 else 0)
            for city in r["CityForecastDetail"]:
                wind, speed = city["WindDirSpeed"].split("-")
                assert wind in data.morning.WINDS and speed.isdigit()


def test_morning_report_peaks_come_from_the_load():
    for i in range(40):
        d = date(2024, 6, 1) + timedelta(days=7 * i)
        prev = data.hourly_sysload_day(1, d - timedelta(days=1))
        today = data.hourly_sysload_day(1, d)
        for rep in data.morning_reports(1, d):
            r = rep.record
            k = int(np.argmax(prev.load))
            assert r["PeakLoadYesterdayHour"] == prev.grid.stamps[k]
            assert r["PeakLoadYesterdayMw"] == round(int(prev.load[k]) / 1000)
            assert abs(r["PeakLoadTodayMw"] / (today.load.max() / 1000) - 1) < 0.15
            assert r["PeakLoadTodayHour"] == today.grid.stamps[int(np.argmax(today.load))]
            assert r["BeginDate"] == grid(d, 3600).stamps[0]


# ---------------------------------------------------------------------------------------------
# faults, recorded mode, cache


def test_faults_on_new_paths():
    faults = [
        "/fiveminutereserveprice/*=429:first=1:retry_after=2",
        "/morningreport/*=truncated_json",
        "/daasreservedata/*=missing_field:field=tmsr_clearing_price",
        "/hourlyfinalreserveprice/*=missing_zone:zone_id=7002",
    ]
    with SimulatorServer(port=0, seed=1, clock=DASI_NOW, faults=faults) as sim, make_client(sim) as c:
        r = c.get("/fiveminutereserveprice/final/day/20251101")
        assert r.status_code == 429 and r.headers["Retry-After"] == "2"
        assert len(records(get_json(c, "/fiveminutereserveprice/final/day/20251101"))) == 4 * 288
        r = c.get("/morningreport/day/20251101/all")
        assert r.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(r.content)
        recs = snake(get_json(c, "/daasreservedata/day/20251101"))
        assert len(recs) == 24 and any("tmsr_clearing_price" not in x for x in recs)
        hourly = records(get_json(c, "/hourlyfinalreserveprice/day/20251101"))
        assert len(hourly) == 3 * 24 and 7002 not in {x["ReserveZoneId"] for x in hourly}


def test_recorded_mode_serves_files_and_falls_back(real_dir):
    folder = real_dir / "pyiso_fixtures"
    with SimulatorServer(port=0, seed=1, clock=FIXED_NOW, recorded_dir=folder) as sim, make_client(sim) as c:
        r = c.get("/morningreport/day/20160101")
        assert r.status_code == 200 and r.content == (folder / "morningreport_day_20160101.json").read_bytes()
        cur = get_json(c, "/morningreport/current")["MorningReports"]["MorningReport"]
        assert cur[0]["BeginDate"].startswith("2024-11-2")
        assert len(records(get_json(c, "/fiveminutereserveprice/final/day/20241120"))) == 4 * 288


def test_day_answers_are_cacheable_until_the_next_publication():
    now = datetime(2025, 7, 15, 10, 0, tzinfo=TZ).timestamp()  # before the update report

    def ctx():
        return api.Ctx(seed=1, now=now, lag=60, final_delay=6 * 3600)

    c = ctx()
    api.resolve("/fiveminutereserveprice/prelim/day/20250715", c)
    assert c.cacheable and c.valid_from <= now < c.valid_to == c.valid_from + 300
    c = ctx()
    api.resolve("/hourlyfinalreserveprice/day/20250714", c)
    assert c.cacheable and c.valid_from == day_bounds_epoch(date(2025, 7, 15))[0] + 6 * 3600 and c.valid_to == np.inf
    c = ctx()
    api.resolve("/daasreservedata/day/20250716", c)
    assert c.cacheable and c.valid_to == api.da_publish_time(date(2025, 7, 16))
    c = ctx()
    api.resolve("/morningreport/day/20250715/all", c)
    assert c.cacheable and c.valid_to == data.morning_reports(1, date(2025, 7, 15))[2].created_ms / 1000
    c = ctx()
    api.resolve("/daasstrikeprices/day/20250101", c)
    assert c.cacheable and (c.valid_from, c.valid_to) == (-np.inf, np.inf)
    for path in ("/morningreport/current", "/fiveminutereserveprice/prelim/current", "/daasstrikeprices/info"):
        c = ctx()
        api.resolve(path, c)
        assert not c.cacheable
