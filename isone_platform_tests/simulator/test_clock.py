"""The clock decides what is published."""

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from isone_platform.simulator import SimClock, SimulatorServer

from .conftest import make_client, records

ET = timezone(timedelta(hours=-5))


def test_clock_parse_and_modes():
    c = SimClock.parse("fixed:2024-11-05T12:00:00-05:00")
    assert c.now() == datetime(2024, 11, 5, 17, tzinfo=UTC)
    time.sleep(0.05)
    assert c.now() == datetime(2024, 11, 5, 17, tzinfo=UTC)
    c.advance(timedelta(minutes=5))
    assert c.now() == datetime(2024, 11, 5, 17, 5, tzinfo=UTC)
    c.set(datetime(2024, 3, 10, 6, tzinfo=UTC))
    assert c.now().tzinfo is not None and c.now() == datetime(2024, 3, 10, 6, tzinfo=UTC)
    a = SimClock.parse("accelerated:3600@2024-11-05T12:00:00-05:00")
    time.sleep(0.2)
    gained = (a.now() - datetime(2024, 11, 5, 17, tzinfo=UTC)).total_seconds()
    assert 500 < gained < 3600
    r = SimClock.parse("real")
    assert abs((r.now() - datetime.now(UTC)).total_seconds()) < 2
    for bad in ("fixed:", "fixed:2024-11-05T12:00:00", "warp:9", "accelerated:-1"):
        with pytest.raises(ValueError):
            SimClock.parse(bad)


def test_today_partial_future_empty_and_current(simulator, client):
    # clock: 2024-11-21 12:00 EST, lag 60 s → 11:50 is the latest published 5-minute interval
    today = records(client.get("/fiveminutesystemload/day/20241121").json())
    assert len(today) == 143
    assert today[-1]["BeginDate"] == "2024-11-21T11:50:00.000-05:00"
    cur = client.get("/fiveminutesystemload/current").json()["FiveMinSystemLoad"]
    assert cur[0]["BeginDate"] == today[-1]["BeginDate"] and cur[0]["LoadMw"] == today[-1]["LoadMw"]
    info = client.get("/fiveminutesystemload/info").json()["ServiceInfo"]
    assert info["LatestBeginDate"] == today[-1]["BeginDate"]
    assert client.get("/fiveminutesystemload/day/20241122").json() == {"FiveMinSystemLoads": ""}
    assert client.get("/fiveminutelmp/prelim/day/20241122/starthour/00").json() == {"FiveMinLmps": ""}
    assert client.get("/genfuelmix/day/20241122").json() == {"GenFuelMixes": ""}
    assert client.get("/fiveminuteestimatedzonalload/day/20241122").json() == {
        "isone_web_services": {"five_min_estimated_zonal_loads": {}}
    }
    # starthour 11 of today: only the published intervals (11:00..11:50)
    chunk = records(client.get("/fiveminutelmp/prelim/day/20241121/starthour/11").json())
    assert len({r["BeginDate"] for r in chunk}) == 11
    assert client.get("/fiveminutelmp/prelim/day/20241121/starthour/12").json() == {"FiveMinLmps": ""}
    hourly = records(client.get("/hourlylmp/rt/prelim/day/20241121/location/4000").json())
    assert len(hourly) == 11  # hours 00..10 are over (+lag)
    assert records(client.get("/hourlysysload/current").json())[0]["BeginDate"] == "2024-11-21T10:00:00.000-05:00"
    fuel = records(client.get("/genfuelmix/day/20241121").json())
    last = max(r["BeginDate"] for r in fuel)
    assert "2024-11-21T11:5" in last or "2024-11-21T11:4" in last
    assert {r["BeginDate"] for r in records(client.get("/genfuelmix/current").json())} == {last}


def test_advancing_publishes_next_interval(simulator, client):
    before = records(client.get("/fiveminutelmp/current/location/4001").json())[0]["BeginDate"]
    simulator.clock.advance(timedelta(minutes=1))
    after = records(client.get("/fiveminutelmp/current/location/4001").json())[0]["BeginDate"]
    assert (before, after) == ("2024-11-21T11:50:00.000-05:00", "2024-11-21T11:55:00.000-05:00")
    assert len(records(client.get("/fiveminutesystemload/day/20241121").json())) == 144
    all_now = records(client.get("/fiveminutelmp/current/all").json())
    assert {r["BeginDate"] for r in all_now} == {after} and len(all_now) > 1150


def test_final_only_after_day_over(simulator, client):
    simulator.clock.set(datetime(2024, 11, 21, 5, 59, tzinfo=ET))
    assert client.get("/fiveminutelmp/final/day/20241120/starthour/10").json() == {"FiveMinLmps": ""}
    assert client.get("/hourlylmp/rt/final/day/20241120").json() == {"HourlyLmps": ""}
    assert records(client.get("/fiveminutelmp/prelim/day/20241120/starthour/10").json())
    simulator.clock.set(datetime(2024, 11, 21, 6, 0, tzinfo=ET))
    final = records(client.get("/fiveminutelmp/final/day/20241120/starthour/10").json())
    assert len({r["BeginDate"] for r in final}) == 12
    assert len(records(client.get("/hourlysysload/day/20241120").json())) == 24
    assert len(records(client.get("/hourlylmp/rt/final/day/20241120/location/4001").json())) == 24
    cur_final = records(client.get("/fiveminutelmp/final/current/all").json())
    assert {r["BeginDate"] for r in cur_final} == {"2024-11-20T23:55:00.000-05:00"}


def test_final_differs_from_prelim_on_few_intervals(client):
    diff_intervals = set()
    n = 0
    for day in ("20241101", "20241102", "20241104", "20241105"):
        p = records(client.get(f"/fiveminutelmp/prelim/day/{day}/location/4000").json())
        f = records(client.get(f"/fiveminutelmp/final/day/{day}/location/4000").json())
        assert [r["BeginDate"] for r in p] == [r["BeginDate"] for r in f]
        n += len(p)
        diff_intervals |= {a["BeginDate"] for a, b in zip(p, f, strict=True) if a["LmpTotal"] != b["LmpTotal"]}
    assert 1 <= len(diff_intervals) <= 0.02 * n


def test_da_published_day_before_at_1330(simulator, client):
    assert client.get("/hourlylmp/da/final/day/20241122").json() == {"HourlyLmps": ""}
    simulator.clock.set(datetime(2024, 11, 21, 13, 30, tzinfo=ET))
    da = records(client.get("/hourlylmp/da/final/day/20241122").json())
    assert len({r["BeginDate"] for r in da}) == 24 and len(da) > 24 * 1150
    rt = records(client.get("/hourlylmp/rt/final/day/20241120/location/4000").json())
    da0 = records(client.get("/hourlylmp/da/final/day/20241120/location/4000").json())
    assert [r["LmpTotal"] for r in rt] != [r["LmpTotal"] for r in da0]


def test_publication_lag_parameter():
    with SimulatorServer(port=0, clock="fixed:2024-11-21T12:00:00-05:00", publication_lag=timedelta(minutes=20)) as sim:
        with make_client(sim) as c:
            recs = records(c.get("/fiveminutesystemload/day/20241121").json())
            assert recs[-1]["BeginDate"] == "2024-11-21T11:35:00.000-05:00"


def test_admin_clock_endpoint(simulator):
    import httpx

    with httpx.Client(base_url=simulator.root_url, auth=("demo", "demo")) as c:
        r = c.post("/_sim/clock", json={"set": "2024-07-15T14:00:00-04:00"})
        assert r.status_code == 200
        assert simulator.clock.now() == datetime(2024, 7, 15, 18, tzinfo=UTC)
        c.post("/_sim/clock", json={"advance_seconds": 600})
        st = c.get("/_sim/state").json()
        assert st["now"].startswith("2024-07-15T18:10") and st["seed"] == 1
        assert c.post("/_sim/clock", json={"set": "not a date"}).status_code == 400
