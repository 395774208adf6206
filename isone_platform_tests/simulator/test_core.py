"""Core behaviour: auth, errors, DST counts, determinism, content negotiation, gzip."""

import json
import re

import httpx
import pytest

from isone_platform.simulator import SimulatorServer

from .conftest import TS_RE, make_client, records


def test_auth_required(simulator):
    url = simulator.base_url + "/fiveminutesystemload/day/20241103"
    for auth in (None, ("demo", "wrong"), ("nobody", "demo")):
        r = httpx.get(url, auth=auth, headers={"Accept": "application/json"})
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Basic")
        assert r.headers["Content-Type"].startswith("text/html")
        assert "<html" in r.text.lower()
    r = httpx.get(simulator.root_url + "/_sim/state")
    assert r.status_code == 401 and "WWW-Authenticate" in r.headers


def test_custom_credentials():
    with SimulatorServer(port=0, user="u1", password="p1", clock="fixed:2024-11-21T12:00:00-05:00") as sim:
        url = sim.base_url + "/hourlysysload/current"
        assert httpx.get(url, auth=("demo", "demo"), headers={"Accept": "application/json"}).status_code == 401
        assert httpx.get(url, auth=("u1", "p1"), headers={"Accept": "application/json"}).status_code == 200


def test_errors(client):
    r = client.get("/nosuchfeed/current")
    assert r.status_code == 404 and "nosuchfeed" in r.text
    r = client.get("/fiveminutesystemload/sometimes")
    assert r.status_code == 404
    for bad in ("20241399", "2024111", "yesterday", "20240230"):
        r = client.get(f"/fiveminutesystemload/day/{bad}")
        assert r.status_code == 400, bad
        assert bad in r.text and "YYYYMMDD" in r.text
    r = client.get("/fiveminutelmp/prelim/day/20240715/starthour/24")
    assert r.status_code == 400
    r = client.get("/fiveminutelmp/day/20240715/location/abc")
    assert r.status_code == 400


def test_content_negotiation(simulator, client):
    a = client.get("/fiveminutesystemload/day/20241103")
    with httpx.Client(auth=("demo", "demo")) as plain:
        b = plain.get(simulator.base_url + "/fiveminutesystemload/day/20241103.json")
        assert b.status_code == 200 and b.headers["Content-Type"] == "application/json"
        assert a.content == b.content
        c = plain.get(simulator.base_url + "/fiveminutesystemload/day/20241103", headers={"Accept": "text/xml"})
        assert c.status_code == 406 and "application/json" in c.text
    assert a.headers["Server"] == "ISO New England"
    assert a.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("day,n5,nh", [("20240715", 288, 24), ("20240310", 276, 23), ("20241103", 300, 25)])
def test_dst_counts(client, day, n5, nh):
    recs = records(client.get(f"/fiveminutesystemload/day/{day}").json())
    assert len(recs) == n5
    stamps = [r["BeginDate"] for r in recs]
    assert all(TS_RE.match(s) for s in stamps)
    assert stamps[0].startswith(f"{day[:4]}-{day[4:6]}-{day[6:]}T00:00:00.000")
    assert stamps[-1][11:19] == "23:55:00"
    assert len(set(stamps)) == n5
    assert len(records(client.get(f"/hourlysysload/day/{day}").json())) == nh
    zonal = records(client.get(f"/fiveminuteestimatedzonalload/day/{day}").json())
    assert len(zonal) == 8 * n5
    for path in (
        f"/hourlylmp/da/final/day/{day}/location/4001",
        f"/hourlylmp/rt/prelim/day/{day}/location/4001",
        f"/hourlylmp/rt/final/day/{day}/location/4000",
    ):
        assert len(records(client.get(path).json())) == nh, path
    assert len(records(client.get(f"/fiveminutelmp/day/{day}/location/4002").json())) == n5


def test_dst_first_timestamps(client):
    s = [r["BeginDate"] for r in records(client.get("/fiveminutesystemload/day/20241103").json())]
    assert s[0] == "2024-11-03T00:00:00.000-04:00"
    assert "2024-11-03T01:55:00.000-04:00" in s and "2024-11-03T01:00:00.000-05:00" in s
    s = [r["BeginDate"] for r in records(client.get("/fiveminutesystemload/day/20240310").json())]
    i = s.index("2024-03-10T01:55:00.000-05:00")
    assert s[i + 1] == "2024-03-10T03:00:00.000-04:00"


_BEGIN = re.compile(rb'"BeginDate":"([^"]+)"')


@pytest.mark.parametrize("day,n5", [("20241103", 300), ("20240310", 276)])
def test_starthour_covers_day(client, day, n5):
    seen: list[bytes] = []
    per_hour = {}
    for hh in range(24):
        body = client.get(f"/fiveminutelmp/prelim/day/{day}/starthour/{hh:02d}").content
        stamps = sorted(set(_BEGIN.findall(body)))
        per_hour[hh] = len(stamps)
        seen.extend(stamps)
    assert len(seen) == len(set(seen)) == n5
    if day == "20241103":
        assert per_hour[1] == 24
    else:
        assert per_hour[2] == 0
    day_stamps = {
        r["BeginDate"].encode() for r in records(client.get(f"/fiveminutelmp/day/{day}/location/4001").json())
    }
    assert day_stamps == set(seen)
    hours = set()
    for hh in range(24):
        recs = records(client.get(f"/hourlylmp/rt/final/day/{day}/hour/{hh:02d}").json())
        hours |= {r["BeginDate"] for r in recs}
    assert len(hours) == n5 // 12


def test_starthour_chunk_size(client):
    recs = records(client.get("/fiveminutelmp/prelim/day/20240715/starthour/14").json())
    stamps = {r["BeginDate"] for r in recs}
    locs = {r["Location"]["@LocId"] for r in recs}
    assert len(stamps) == 12
    assert 1150 <= len(locs) <= 1300
    assert len(recs) == len(stamps) * len(locs)


def test_determinism(simulator):
    paths = [
        "/fiveminutesystemload/day/20240715",
        "/fiveminutelmp/prelim/day/20240715/starthour/03",
        "/genfuelmix/day/20240715",
        "/hourlylmp/da/final/day/20240716",
        "/fiveminuteestimatedzonalload/day/20240715",
    ]
    with make_client(simulator) as c:
        first = {p: c.get(p).content for p in paths}
        again = {p: c.get(p).content for p in reversed(paths)}
    assert first == again
    # a fresh server with the same seed, other request order → same bytes; other seed → different
    with SimulatorServer(port=0, clock="fixed:2024-11-21T12:00:00-05:00", seed=1) as s2, make_client(s2) as c2:
        assert {p: c2.get(p).content for p in reversed(paths)} == first
    with SimulatorServer(port=0, clock="fixed:2024-11-21T12:00:00-05:00", seed=2) as s3, make_client(s3) as c3:
        for p in paths:
            assert c3.get(p).content != first[p]


def test_gzip(simulator):
    with make_client(simulator, headers={"Accept-Encoding": "gzip"}) as c:
        r = c.get("/fiveminutelmp/prelim/day/20240715/starthour/14")
        assert r.headers["Content-Encoding"] == "gzip"
        assert int(r.headers["Content-Length"]) < len(r.content) / 4
        assert len(records(r.json())) > 10000
    with httpx.Client(
        auth=("demo", "demo"), headers={"Accept": "application/json", "Accept-Encoding": "identity"}
    ) as c:
        r = c.get(simulator.base_url + "/fiveminutesystemload/day/20240715")
        assert "Content-Encoding" not in r.headers
        assert int(r.headers["Content-Length"]) == len(r.content)


def test_keepalive_and_concurrency(simulator):
    import concurrent.futures as cf

    def fetch(hh):
        with make_client(simulator, headers={"Accept-Encoding": "gzip"}) as c:
            out = []
            for day in ("20240801", "20240802"):
                r = c.get(f"/fiveminutelmp/prelim/day/{day}/starthour/{hh:02d}")
                assert r.status_code == 200
                out.append(len(r.content))
            return out

    with cf.ThreadPoolExecutor(8) as ex:
        sizes = list(ex.map(fetch, range(8)))
    assert all(s > 2_000_000 for pair in sizes for s in pair)


def test_numbers_and_quirks(client):
    body = client.get("/fiveminutelmp/prelim/day/20240715/starthour/14").text
    assert ".0," not in body and ".0}" not in body  # whole numbers as integers
    assert re.search(r'"CongestionComponent":0[,}]', body)
    recs = records(json.loads(body))
    for r in recs:
        cents = [round(r[k] * 100) for k in ("LmpTotal", "EnergyComponent", "CongestionComponent", "LossComponent")]
        assert cents[0] == sum(cents[1:])
        assert isinstance(r["Location"]["@LocId"], str)
    cur = client.get("/hourlysysload/current").json()
    assert isinstance(cur["HourlySystemLoads"]["HourlySystemLoad"], dict)
    assert isinstance(client.get("/fiveminutesystemload/current").json()["FiveMinSystemLoad"], list)
    fuel = records(client.get("/genfuelmix/day/20241103").json())
    assert all(isinstance(r["GenMw"], int) for r in fuel)


def test_key_order_varies_between_days(client):
    orders = set()
    for d in range(1, 11):
        rec = records(client.get(f"/fiveminutesystemload/day/202407{d:02d}").json())[0]
        orders.add(tuple(rec))
    assert len(orders) > 1
