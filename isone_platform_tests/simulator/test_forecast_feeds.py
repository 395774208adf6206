"""The forecast and hourly-demand feeds: hourly and zonal load forecasts, seven-day forecast, DA/RT hourly demand.

Shapes are compared with the real recorded bodies in ../shared/isone_real; the rest checks the publication rules,
counts (hours × published issues, DST days included), sort orders, identities and the realism of forecast errors.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from isone_platform.simulator import SimulatorServer, api, data
from isone_platform.simulator.calendar import TZ

from .conftest import FIXED_NOW, make_client, records

STAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-0[45]:00$")
ZONES = {
    4001: ".Z.MAINE",
    4002: ".Z.NEWHAMPSHIRE",
    4003: ".Z.VERMONT",
    4004: ".Z.CONNECTICUT",
    4005: ".Z.RHODEISLAND",
    4006: ".Z.SEMASS",
    4007: ".Z.WCMASS",
    4008: ".Z.NEMASSBOST",
}


def ts(s: str) -> float:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def local_date(s: str) -> date:
    return date.fromisoformat(s[:10])


def get_json(client, path: str):
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text[:200])
    return r.json()


def at(sim: SimulatorServer, *args) -> None:
    sim.clock.set(datetime(*args, tzinfo=TZ))


# ---------------------------------------------------------------------------------------------
# shapes vs the real bodies


def shape(v):
    """Structural type of a JSON value: keys, JSON types (int/float both 'number'), timestamps with any millis."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return ["list", shape(v[0]) if v else None]
    if isinstance(v, bool) or v is None:
        return type(v).__name__
    if isinstance(v, (int, float)):
        return "number"
    return "timestamp" if STAMP_RE.match(v) else "string"


def wrapper(doc) -> list[str]:
    out = []
    while isinstance(doc, dict) and len(doc) == 1:
        ((k, doc),) = doc.items()
        out.append(k)
    return out + [type(doc).__name__]


SHAPES = [
    ("bodies/hourlyloadforecast_all_day_20241103.json", "/hourlyloadforecast/all/day/20241103"),
    ("bodies/hourlyloadforecast_all_day_20240310.json", "/hourlyloadforecast/all/day/20240310"),
    ("wsclient_examples/hourlyloadforecast_current_20260727.json", "/hourlyloadforecast/current"),
    ("bodies/reliabilityregionloadforecast_day_20240310_all.json", "/reliabilityregionloadforecast/day/20240310/all"),
    ("bodies/reliabilityregionloadforecast_day_20241103_all.json", "/reliabilityregionloadforecast/day/20241103/all"),
    ("bodies/dayaheadhourlydemand_day_20241103_location_4001.json", "/dayaheadhourlydemand/day/20241103/location/4001"),
    (
        "bodies/dayaheadhourlydemand_current_location_32_recorded20241125T210933Z.json",
        "/dayaheadhourlydemand/current/location/32",
    ),
    ("wsclient_examples/dayaheadhourlydemand_current_20260727.json", "/dayaheadhourlydemand/current"),
    ("bodies/realtimehourlydemand_day_20240310_location_4001.json", "/realtimehourlydemand/day/20240310/location/4001"),
    (
        "bodies/realtimehourlydemand_current_location_4001_recorded20241125T210932Z.json",
        "/realtimehourlydemand/current/location/4001",
    ),
    ("wsclient_examples/realtimehourlydemand_current_20260727.json", "/realtimehourlydemand/current"),
    ("bodies/hourlysysload_day_20241103.json", "/hourlysysload/day/20241103"),
    ("bodies/hourlysysload_current_recorded20241125T210947Z.json", "/hourlysysload/current"),
]


@pytest.mark.parametrize(("real", "path"), SHAPES)
def test_shape_matches_real_body(real_dir, client, real, path):
    want = json.loads((real_dir / real).read_text())
    got = get_json(client, path)
    assert wrapper(got) == wrapper(want)
    want_shapes = {json.dumps(shape(r), sort_keys=True) for r in records(want)}
    got_shapes = {json.dumps(shape(r), sort_keys=True) for r in records(got)}
    assert got_shapes <= want_shapes, (got_shapes, want_shapes)


def test_wire_key_order_matches_real_bodies(real_dir, client):
    for real, path in SHAPES[:5]:
        want = list(records(json.loads((real_dir / real).read_text()))[0])
        if "wsclient" in real:  # the wsclient proxy reorders keys
            continue
        assert list(records(get_json(client, path))[0]) == want


@pytest.mark.parametrize(
    ("real", "issue_day", "clock"),
    [
        ("pyiso_fixtures/sevendayforecast_day_20160101.json", "20160101", "fixed:2016-01-02T12:00:00-05:00"),
        ("pyiso_fixtures/sevendayforecast_current_20170130.json", "20170130", "fixed:2017-01-31T12:00:00-05:00"),
        ("wsclient_examples/sevendayforecast_current_20260727.json", "20260727", "fixed:2026-07-28T12:00:00-04:00"),
    ],
)
def test_sevenday_shape_per_vintage(real_dir, real, issue_day, clock):
    want = json.loads((real_dir / real).read_text())
    with SimulatorServer(port=0, seed=1, clock=clock) as sim, make_client(sim) as c:
        got = get_json(c, f"/sevendayforecast/day/{issue_day}")
    assert wrapper(got) == wrapper(want) == ["SevenDayForecasts", "SevenDayForecast", "list"]
    (w,) = records(want)
    (g,) = records(got)[-1:]
    assert set(g) == set(w)
    assert shape(g["MarketDay"][0]) == shape(w["MarketDay"][0])
    day_key = "Day" if "Day" in w["MarketDay"][0] else "@Day"
    assert [m[day_key] for m in g["MarketDay"]] == [m[day_key] for m in w["MarketDay"]]


# ---------------------------------------------------------------------------------------------
# hourly load forecast


def n_issues(day: date, seed: int = 1) -> int:
    return sum(len(data.hlf_issue_day(seed, day - timedelta(days=k)).created_ms) for k in range(3))


@pytest.mark.parametrize(("day", "hours"), [("20241102", 24), ("20241103", 25), ("20240310", 23), ("20240309", 24)])
def test_hlf_counts_are_hours_times_issues(client, day, hours):
    recs = records(get_json(client, f"/hourlyloadforecast/all/day/{day}"))
    begins = Counter(r["BeginDate"] for r in recs)
    issues = Counter(r["CreationDate"] for r in recs)
    d = datetime.strptime(day, "%Y%m%d").date()
    assert len(begins) == hours and len(issues) == n_issues(d)
    assert len(recs) == hours * len(issues)
    assert set(begins.values()) == {len(issues)} and set(issues.values()) == {hours}
    assert {local_date(c) for c in issues} == {d - timedelta(days=k) for k in range(3)}
    stamps = list(begins)
    if day == "20241103":
        assert "2024-11-03T01:00:00.000-04:00" in stamps and "2024-11-03T01:00:00.000-05:00" in stamps
    if day == "20240310":
        assert not any("T02:" in s for s in stamps) and "2024-03-10T03:00:00.000-04:00" in stamps


def test_hlf_sort_values_and_issue_schedule(client):
    recs = records(get_json(client, "/hourlyloadforecast/all/day/20241103"))
    keys = [(ts(r["BeginDate"]), ts(r["CreationDate"])) for r in recs]
    assert keys == sorted(keys)
    for r in recs:
        assert isinstance(r["LoadMw"], int) and r["LoadMw"] % 10 == 0 and r["NetLoadMw"] == r["LoadMw"]
        assert STAMP_RE.match(r["CreationDate"])
    # the schedule over two months: 2 regular runs + 0-3 ad-hoc, local windows, some non-zero milliseconds
    millis = 0
    per_day = []
    for i in range(60):
        iss = data.hlf_issue_day(1, date(2024, 9, 1) + timedelta(days=i))
        t = [datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z") for s in iss.stamps]
        mins = [x.hour * 60 + x.minute for x in t]
        assert 3 * 60 + 36 <= mins[0] <= 4 * 60 + 23 and 9 * 60 + 10 <= mins[1] <= 9 * 60 + 25
        assert all(11 * 60 <= m < 19 * 60 for m in mins[2:]) and mins == sorted(mins)
        per_day.append(len(t))
        millis += sum(x.microsecond != 0 for x in t)
    assert set(per_day) <= {2, 3, 4, 5} and len(set(per_day)) >= 3 and millis > 0


def test_hlf_latest_and_current(client):
    all_recs = records(get_json(client, "/hourlyloadforecast/all/day/20241120"))
    latest = max(all_recs, key=lambda r: ts(r["CreationDate"]))["CreationDate"]
    day = records(get_json(client, "/hourlyloadforecast/day/20241120"))
    assert len(day) == 24 and {r["CreationDate"] for r in day} == {latest}
    assert day == [r for r in all_recs if r["CreationDate"] == latest]
    doc = get_json(client, "/hourlyloadforecast/current")
    assert list(doc) == ["HourlyLoadForecast"] and len(doc["HourlyLoadForecast"]) == 1
    (cur,) = doc["HourlyLoadForecast"]
    created = datetime.strptime(cur["CreationDate"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert created <= datetime(2024, 11, 21, 12, tzinfo=TZ)
    assert cur["BeginDate"] == "2024-11-23T23:00:00.000-05:00" and local_date(cur["CreationDate"]) == date(2024, 11, 21)
    today = records(get_json(client, "/hourlyloadforecast/all/day/20241121"))
    assert cur["CreationDate"] == max(today, key=lambda r: ts(r["CreationDate"]))["CreationDate"]
    info = get_json(client, "/hourlyloadforecast/info")["ServiceInfo"]
    assert info == {"CreationDate": cur["CreationDate"], "LatestBeginDate": cur["BeginDate"]}


def test_issue_invisible_before_its_creation():
    iss = data.hlf_issue_day(1, date(2024, 11, 21))
    rr = data.rr_issue_day(1, date(2024, 11, 21))
    with SimulatorServer(port=0, seed=1, clock=FIXED_NOW) as sim, make_client(sim) as c:
        for stamps, path, j in (
            (iss.stamps, "/hourlyloadforecast/all/day/20241122", 1),
            (rr.stamps, "/reliabilityregionloadforecast/day/20241122/all", rr.published.index(True)),
        ):
            t = ts(stamps[j])
            sim.clock.set(datetime.fromtimestamp(t - 0.5, TZ))
            assert stamps[j] not in {r["CreationDate"] for r in records(get_json(c, path))}
            sim.clock.set(datetime.fromtimestamp(t, TZ))
            assert stamps[j] in {r["CreationDate"] for r in records(get_json(c, path))}
        at(sim, 2024, 11, 10, 3, 0)  # before any issue of the day: runs of 11-08 and 11-09 only
        assert {
            local_date(r["CreationDate"]) for r in records(get_json(c, "/hourlyloadforecast/all/day/20241110"))
        } == {
            date(2024, 11, 8),
            date(2024, 11, 9),
        }
        assert get_json(c, "/hourlyloadforecast/all/day/20241125") == {"HourlyLoadForecasts": ""}


def test_forecast_error_realistic_by_horizon(client):
    errs = defaultdict(list)
    for i in range(10):
        d = date(2024, 11, 5) + timedelta(days=i)
        actual = {r["BeginDate"]: r["Load"] for r in records(get_json(client, f"/hourlysysload/day/{d:%Y%m%d}"))}
        for r in records(get_json(client, f"/hourlyloadforecast/all/day/{d:%Y%m%d}")):
            h = (local_date(r["BeginDate"]) - local_date(r["CreationDate"])).days
            errs[h].append(abs(r["LoadMw"] - actual[r["BeginDate"]]) / actual[r["BeginDate"]] * 100)
    mape = {h: float(np.mean(v)) for h, v in errs.items()}
    assert 1.5 <= mape[0] <= 2.5 and 2.5 <= mape[1] <= 3.5 and 3.5 <= mape[2] <= 5.0, mape


# ---------------------------------------------------------------------------------------------
# reliability-region (zonal) forecast


@pytest.mark.parametrize(("day", "hours"), [("20241103", 25), ("20240310", 23), ("20241115", 24)])
def test_rr_all_rules(client, day, hours):
    d = datetime.strptime(day, "%Y%m%d").date()
    recs = records(get_json(client, f"/reliabilityregionloadforecast/day/{day}/all"))
    sys_recs = records(get_json(client, f"/hourlyloadforecast/all/day/{day}"))
    sys_runs = sorted({r["CreationDate"] for r in sys_recs}, key=ts)
    sys_val = {(r["BeginDate"], r["CreationDate"]): r["LoadMw"] for r in sys_recs}
    begins = list(dict.fromkeys(r["BeginDate"] for r in recs))
    assert len(begins) == hours
    # sort: BeginDate asc, region alphabetical, CreationDate desc
    keys = [(ts(r["BeginDate"]), r["ReliabilityRegion"], -ts(r["CreationDate"])) for r in recs]
    assert keys == sorted(keys)
    assert {r["ReliabilityRegion"] for r in recs} == set(ZONES.values())
    groups: dict = defaultdict(list)
    for r in recs:
        groups[(r["BeginDate"], r["CreationDate"])].append(r)
    covered = Counter(c for _, c in groups)
    for run, n in covered.items():
        # each RR run trails a system run by 4 s - 9 min
        lag = min(ts(run) - ts(s) for s in sys_runs if ts(s) <= ts(run))
        assert 4 <= lag <= 9 * 60
        if local_date(run) == d:  # same-day runs: only the hours beginning after the run
            assert n == sum(ts(b) > ts(run) for b in begins)
        else:
            assert n == hours
    assert len(recs) == 8 * sum(covered.values())
    assert len(covered) <= len(sys_runs)
    for (b, run), rs in groups.items():
        assert len(rs) == 8
        sys_run = max((s for s in sys_runs if ts(s) <= ts(run)), key=ts)
        assert abs(sum(r["LoadMw"] for r in rs) - sys_val[(b, sys_run)]) <= 0.002
        assert abs(sum(r["ReliabilityRegionLoadPercentage"] for r in rs) - 100) <= 0.003
        assert all(round(r["LoadMw"], 3) == r["LoadMw"] for r in rs)


def test_rr_latest_current_info_and_missing_runs(client):
    all_recs = records(get_json(client, "/reliabilityregionloadforecast/day/20241121/all"))
    day = records(get_json(client, "/reliabilityregionloadforecast/day/20241121"))
    firsts = {}
    for r in all_recs:
        firsts.setdefault((r["BeginDate"], r["ReliabilityRegion"]), r)  # CreationDate desc: first = latest
    assert day == list(firsts.values())
    doc = get_json(client, "/reliabilityregionloadforecast/current")
    cur = doc["ReliabilityRegionLoadForecast"]
    assert len(cur) == 8 and {r["BeginDate"] for r in cur} == {"2024-11-23T23:00:00.000-05:00"}
    info = get_json(client, "/reliabilityregionloadforecast/info")["ServiceInfo"]
    assert info == {"CreationDate": cur[0]["CreationDate"], "LatestBeginDate": cur[0]["BeginDate"]}
    flags = [p for i in range(90) for p in data.rr_issue_day(1, date(2024, 1, 1) + timedelta(days=i)).published]
    assert 0 < flags.count(False) < 0.12 * len(flags)


# ---------------------------------------------------------------------------------------------
# hourly system load, DA / RT demand


@pytest.mark.parametrize("day", ["20241103", "20240310", "20241115"])
def test_hourlysysload_load_is_native_plus_ard(client, day):
    for r in records(get_json(client, f"/hourlysysload/day/{day}")):
        assert round(r["Load"] * 1000) == round(r["NativeLoad"] * 1000) + round(r["ArdDemand"] * 1000)
    doc = get_json(client, "/hourlysysload/current")
    assert isinstance(doc["HourlySystemLoads"]["HourlySystemLoad"], dict)


@pytest.mark.parametrize(("day", "hours"), [("20241103", 25), ("20240310", 23), ("20241115", 24)])
def test_da_demand_day(client, day, hours):
    by_id = {}
    for lid in (32, 4000, *ZONES):
        recs = records(get_json(client, f"/dayaheadhourlydemand/day/{day}/location/{lid}"))
        assert len(recs) == hours and {r["Location"]["@LocId"] for r in recs} == {str(lid)}
        by_id[lid] = [r["Load"] for r in recs]
    assert all(isinstance(v, int) for v in by_id[32])
    zone_vals = [v for z in ZONES for v in by_id[z]]
    assert all(round(v, 1) == v for v in zone_vals) and any(isinstance(v, int) for v in zone_vals)
    for h in range(hours):
        assert abs(by_id[32][h] - sum(by_id[z][h] for z in ZONES) - by_id[4000][h]) <= 0.5 + 1e-6
    assert get_json(client, f"/dayaheadhourlydemand/day/{day}/location/4009") == {"HourlyDaDemands": ""}
    assert client.get(f"/dayaheadhourlydemand/day/{day}/location/abc").status_code == 400


def test_da_demand_close_to_forecast_and_rt(client):
    fc = records(get_json(client, "/reliabilityregionloadforecast/day/20241115/all"))
    rt = records(get_json(client, "/realtimehourlydemand/day/20241115/location/4004"))
    da = records(get_json(client, "/dayaheadhourlydemand/day/20241115/location/4004"))
    ct_fc = [r for r in fc if r["ReliabilityRegion"] == ".Z.CONNECTICUT" and local_date(r["CreationDate"]).day == 14]
    by_hour = defaultdict(list)
    for r in ct_fc:
        by_hour[r["BeginDate"]].append(r["LoadMw"])
    for d, r in zip(da, rt, strict=True):
        assert min(abs(d["Load"] - f) for f in by_hour[d["BeginDate"]]) / d["Load"] < 0.05
        assert abs(d["Load"] - r["Load"]) / r["Load"] < 0.2


def test_da_demand_publication_and_current():
    with SimulatorServer(port=0, seed=1, clock="fixed:2024-11-21T13:29:59-05:00") as sim, make_client(sim) as c:
        path = "/dayaheadhourlydemand/day/20241122/location/4001"
        assert get_json(c, path) == {"HourlyDaDemands": ""}
        assert (
            get_json(c, "/dayaheadhourlydemand/info")["ServiceInfo"]["LatestBeginDate"]
            == "2024-11-21T23:00:00.000-05:00"
        )
        at(sim, 2024, 11, 21, 13, 30)
        assert len(records(get_json(c, path))) == 24
        info = get_json(c, "/dayaheadhourlydemand/info")["ServiceInfo"]
        assert info == {
            "CreationDate": "2024-11-21T13:30:00.000-05:00",
            "LatestBeginDate": "2024-11-22T23:00:00.000-05:00",
        }
        at(sim, 2024, 11, 21, 16, 9)
        cur = get_json(c, "/dayaheadhourlydemand/current")["HourlyDaDemands"]["HourlyDaDemand"]
        assert [r["Location"]["@LocId"] for r in cur] == ["32", "4000", *map(str, ZONES)]
        assert {r["BeginDate"] for r in cur} == {"2024-11-21T16:00:00.000-05:00"}
        one = get_json(c, "/dayaheadhourlydemand/current/location/4002")
        assert one == {"HourlyDaDemand": cur[3]}
        day = records(get_json(c, "/dayaheadhourlydemand/day/20241121/location/4002"))
        assert cur[3] == day[16]


@pytest.mark.parametrize(("day", "hours"), [("20241103", 25), ("20240310", 23)])
def test_rt_demand_day_sums_to_system_load(client, day, hours):
    zones = {}
    for z in ZONES:
        recs = records(get_json(client, f"/realtimehourlydemand/day/{day}/location/{z}"))
        assert len(recs) == hours and recs[0]["Location"] == {"@LocId": str(z), "$": ZONES[z]}
        assert all(round(r["Load"], 3) == r["Load"] for r in recs)
        zones[z] = [r["Load"] for r in recs]
    system = [r["Load"] for r in records(get_json(client, f"/hourlysysload/day/{day}"))]
    for h in range(hours):
        assert abs(sum(zones[z][h] for z in ZONES) - system[h]) < 1e-6
    for lid in (32, 4000):
        assert get_json(client, f"/realtimehourlydemand/day/{day}/location/{lid}") == {"HourlyRtDemands": ""}


def test_rt_demand_publication_and_current():
    # Tue 2024-11-19 is out on the 3rd business day after it, Fri 2024-11-22, at 10:00
    with SimulatorServer(port=0, seed=1, clock="fixed:2024-11-22T09:59:59-05:00") as sim, make_client(sim) as c:
        path = "/realtimehourlydemand/day/20241119/location/4001"
        assert get_json(c, path) == {"HourlyRtDemands": ""}
        cur = get_json(c, "/realtimehourlydemand/current")["HourlyRtDemands"]["HourlyRtDemand"]
        assert {r["BeginDate"] for r in cur} == {"2024-11-18T23:00:00.000-05:00"} and len(cur) == 8
        at(sim, 2024, 11, 22, 10, 0)
        assert len(records(get_json(c, path))) == 24
        one = get_json(c, "/realtimehourlydemand/current/location/4001")
        assert one["HourlyRtDemand"]["BeginDate"] == "2024-11-19T23:00:00.000-05:00"
        info = get_json(c, "/realtimehourlydemand/info")["ServiceInfo"]
        assert info == {
            "CreationDate": "2024-11-22T10:00:00.000-05:00",
            "LatestBeginDate": "2024-11-19T23:00:00.000-05:00",
        }
        # Wed 11-20 → Mon 11-25 10:00 (weekend skipped)
        at(sim, 2024, 11, 25, 9, 0)
        assert get_json(c, "/realtimehourlydemand/day/20241120/location/4001") == {"HourlyRtDemands": ""}
        at(sim, 2024, 11, 25, 16, 9)
        one = get_json(c, "/realtimehourlydemand/current/location/4001")
        assert one["HourlyRtDemand"]["BeginDate"] == "2024-11-20T23:00:00.000-05:00"


# ---------------------------------------------------------------------------------------------
# seven-day forecast

MW_FIELDS = (
    "CsoMw",
    "ColdWeatherOutagesMw",
    "OtherGenOutagesMw",
    "DelistMw",
    "TotAvailGenMw",
    "PeakImportMw",
    "TotAvailGenImportMw",
    "PeakLoadMw",
    "ReplReserveReqMw",
    "ReqdReserveMw",
    "ReqdReserveInclReplMw",
    "TotLoadPlusReqdReserveMw",
    "SurplusDeficiencyMw",
)


def test_sevenday_identities_dates_and_peaks(client):
    (f,) = records(get_json(client, "/sevendayforecast/day/20241101"))
    created = datetime.strptime(f["CreationDate"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert (created.hour, created.minute) >= (9, 14) and (created.hour, created.minute) <= (9, 45)
    assert f["BeginDate"] == "2024-11-02T00:00:00.000-04:00"
    mds = f["MarketDay"]
    assert [m["@Day"] for m in mds] == ["2", "3", "4", "5", "6", "7"]
    assert [m["MarketDate"][:10] for m in mds] == [f"2024-11-{d:02d}" for d in range(2, 8)]
    assert mds[0]["MarketDate"].endswith("-04:00") and mds[1]["MarketDate"] == "2024-11-03T00:00:00.000-04:00"
    assert mds[2]["MarketDate"].endswith("-05:00")  # offsets mix across the fall-back day
    for m in mds:
        assert all(isinstance(m[k], int) for k in MW_FIELDS + ("DrrMw",))
        assert m["TotAvailGenImportMw"] == m["TotAvailGenMw"] + m["PeakImportMw"]
        assert m["ReqdReserveInclReplMw"] == m["ReqdReserveMw"] + m["ReplReserveReqMw"]
        assert m["TotLoadPlusReqdReserveMw"] == m["PeakLoadMw"] + m["ReqdReserveInclReplMw"]
        assert m["SurplusDeficiencyMw"] == m["TotAvailGenImportMw"] - m["TotLoadPlusReqdReserveMw"]
        assert {m[k] for k in ("PowerWatch", "PowerWarn", "ColdWeatherWatch", "ColdWeatherWarn")} <= {"Y", "N"}
        assert [c["CityName"] for c in m["Weather"]["CityWeather"]] == ["Boston", "Hartford"]
        peak = max(
            r["Load"] for r in records(get_json(client, f"/hourlysysload/day/{m['MarketDate'][:10].replace('-', '')}"))
        )
        assert abs(m["PeakLoadMw"] - peak) / peak < 0.2


def test_sevenday_day_index_vintages_and_reissues():
    with SimulatorServer(port=0, seed=1, clock="fixed:2026-03-01T12:00:00-05:00") as sim, make_client(sim) as c:
        old = records(get_json(c, "/sevendayforecast/day/20230601"))[-1]["MarketDay"][0]
        assert old["@Day"] == "2" and {"RtdrMw", "RtegMw", "EnergyEmergency"} <= set(old) and "DrrMw" not in old
        mid = records(get_json(c, "/sevendayforecast/day/20250601"))[-1]["MarketDay"][0]
        assert mid["@Day"] == "2" and "DrrMw" in mid and not {"RtdrMw", "RtegMw", "EnergyEmergency"} & set(mid)
        new = records(get_json(c, "/sevendayforecast/day/20260201"))[-1]["MarketDay"][0]
        assert new["Day"] == 2 and "@Day" not in new and "DrrMw" in new
        two = next(
            date(2025, 1, 1) + timedelta(days=i)
            for i in range(365)
            if len(data.sevenday_issues(1, date(2025, 1, 1) + timedelta(days=i))) == 2
        )
        d = f"{two:%Y%m%d}"
        issues = records(get_json(c, f"/sevendayforecast/day/{d}/all"))
        assert len(issues) == 2 and 0 < ts(issues[1]["CreationDate"]) - ts(issues[0]["CreationDate"]) < 60
        assert records(get_json(c, f"/sevendayforecast/day/{d}")) == issues[1:]
        assert get_json(c, "/sevendayforecast/day/20260302/all") == {"SevenDayForecasts": ""}
        cur = get_json(c, "/sevendayforecast/current")["SevenDayForecasts"]["SevenDayForecast"]
        assert len(cur) == 1 and local_date(cur[0]["CreationDate"]) == date(2026, 3, 1)
        at(sim, 2026, 3, 1, 9, 0)  # before today's issue: yesterday's is current
        cur = get_json(c, "/sevendayforecast/current")["SevenDayForecasts"]["SevenDayForecast"]
        assert local_date(cur[-1]["CreationDate"]) == date(2026, 2, 28)
        info = get_json(c, "/sevendayforecast/info")["ServiceInfo"]
        assert info == {"CreationDate": cur[-1]["CreationDate"], "LatestBeginDate": cur[-1]["BeginDate"]}


# ---------------------------------------------------------------------------------------------
# faults, recorded mode, performance


def test_faults_on_forecast_paths():
    faults = [
        "/hourlyloadforecast/all/day/*=429:first=1:retry_after=2",
        "/reliabilityregionloadforecast/*=truncated_json:first=1",
        "/dayaheadhourlydemand/*=missing_zone:zone_id=4003",
    ]
    with SimulatorServer(port=0, seed=1, clock=FIXED_NOW, faults=faults) as sim, make_client(sim) as c:
        r = c.get("/hourlyloadforecast/all/day/20241110")
        assert r.status_code == 429 and r.headers["Retry-After"] == "2"
        assert len(records(get_json(c, "/hourlyloadforecast/all/day/20241110"))) > 0
        r = c.get("/reliabilityregionloadforecast/day/20241110/all")
        assert r.status_code == 200
        with pytest.raises(ValueError):
            json.loads(r.content)
        assert len(records(get_json(c, "/reliabilityregionloadforecast/day/20241110/all"))) > 0
        cur = records(get_json(c, "/dayaheadhourlydemand/current"))
        assert len(cur) == 9 and "4003" not in {r["Location"]["@LocId"] for r in cur}


RECORDED = [
    "/hourlyloadforecast/all/day/20240310",
    "/hourlyloadforecast/all/day/20241103",
    "/reliabilityregionloadforecast/day/20240310/all",
    "/reliabilityregionloadforecast/day/20241103/all",
    "/hourlysysload/day/20240310",
    "/hourlysysload/day/20241103",
    "/dayaheadhourlydemand/day/20240310/location/4001",
    "/dayaheadhourlydemand/day/20241103/location/4001",
    "/realtimehourlydemand/day/20240310/location/4001",
    "/realtimehourlydemand/day/20241103/location/4001",
]


def test_recorded_mode_serves_real_bodies(real_dir):
    with SimulatorServer(port=0, seed=1, clock=FIXED_NOW, recorded_dir=real_dir / "bodies") as sim:
        with make_client(sim) as c, make_client(sim, headers={"Accept-Encoding": "gzip"}) as gz:
            for path in RECORDED:
                want = (real_dir / "bodies" / (path.strip("/").replace("/", "_") + ".json")).read_bytes()
                assert c.get(path).content == want, path
                assert gz.get(path + ".json").content == want, path


@pytest.mark.parametrize(
    "path", ["/hourlyloadforecast/all/day/20241105", "/reliabilityregionloadforecast/day/20241105/all"]
)
def test_a_whole_day_renders_and_is_cacheable(path):
    """A day's answer depends on the clock only through its issues' publication: the server may cache it (speed is
    measured in `make bench`, not here)."""
    now = datetime(2024, 11, 21, 12, tzinfo=TZ).timestamp()
    ctx = api.Ctx(seed=1, now=now, lag=60, final_delay=6 * 3600)
    out = api.resolve(path, ctx)
    assert not isinstance(out, bytes) and len(out.render()) > 1000 and ctx.cacheable
