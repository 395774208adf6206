"""Every endpoint's JSON shape compared with real recorded ISO-NE bodies in ../shared/isone_real."""

import json

import pytest

from .conftest import TS_RE, records


def shape(v):
    """Structural type of a JSON value: wrapper keys, field names, JSON types, timestamp format."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        shapes = [json.dumps(shape(x), sort_keys=True) for x in v]
        return ["list", json.loads(shapes[0]) if shapes else None]
    if isinstance(v, bool) or v is None:
        return type(v).__name__
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "timestamp" if TS_RE.match(v) else "string"
    raise TypeError(v)


def record_shape(rec):
    return shape(rec)


def load(real_dir, rel):
    return json.loads((real_dir / rel).read_text())


def wrapper_keys(doc):
    out = []
    while isinstance(doc, dict) and len(doc) == 1:
        ((k, doc),) = doc.items()
        out.append(k)
        if isinstance(doc, list):
            break
    return out, type(doc).__name__


REAL_VS_SIM = [
    # (recorded file, simulator path, same-wrapper?)
    ("wsclient_examples/fiveminutesystemload_current_20260727.json", "/fiveminutesystemload/current"),
    ("wsclient_examples/fiveminutelmp_current_20260727.json", "/fiveminutelmp/current"),
    ("wsclient_examples/fiveminutelmp_info_20260727.json", "/fiveminutelmp/info"),
    ("wsclient_examples/genfuelmix_info_20260727.json", "/genfuelmix/info"),
    ("wsclient_examples/genfuelmix_current_20260727.json", "/genfuelmix/current"),
    ("bodies/genfuelmix_day_20241103.json", "/genfuelmix/day/20241103"),
    ("bodies/genfuelmix_day_20240310.json", "/genfuelmix/day/20240310"),
    ("bodies/hourlysysload_day_20241103.json", "/hourlysysload/day/20241103"),
    ("bodies/hourlysysload_day_20240310.json", "/hourlysysload/day/20240310"),
    ("bodies/hourlysysload_current_recorded20241125T210947Z.json", "/hourlysysload/current"),
    ("bodies/locations.json", "/locations"),
    ("wsclient_examples/locations_all_20260727.json", "/locations/all"),
]


@pytest.mark.parametrize("rel,path", REAL_VS_SIM)
def test_shape_matches_recording(real_dir, client, rel, path):
    real = load(real_dir, rel)
    sim = client.get(path).json()
    assert wrapper_keys(sim) == wrapper_keys(real)
    real_recs, sim_recs = records(real), records(sim)
    assert sim_recs, path
    if path == "/locations/all":
        # network nodes carry NetworkNodeType; compare per LocationType
        def by_type(recs):
            out = {}
            for r in recs:
                out.setdefault((r["LocationType"], "NetworkNodeType" in r), json.dumps(shape(r), sort_keys=True))
            return out

        assert by_type(sim_recs) == by_type(real_recs)
        return
    real_shapes = {json.dumps(shape(r), sort_keys=True) for r in real_recs}
    sim_shapes = {json.dumps(shape(r), sort_keys=True) for r in sim_recs}
    assert sim_shapes == real_shapes


def test_day_endpoints_without_recordings_match_documented_shapes(real_dir, client):
    # 5-min system load day: same record as the recorded /current, wrapped in FiveMinSystemLoads
    cur = records(load(real_dir, "wsclient_examples/fiveminutesystemload_current_20260727.json"))[0]
    doc = client.get("/fiveminutesystemload/day/20241103").json()
    assert wrapper_keys(doc) == (["FiveMinSystemLoads", "FiveMinSystemLoad"], "list")
    assert {json.dumps(shape(r), sort_keys=True) for r in records(doc)} == {json.dumps(shape(cur), sort_keys=True)}
    # every LMP path: record shape of the recorded 5-min LMP (Location with @LocType)
    lmp = json.dumps(
        shape(records(load(real_dir, "wsclient_examples/fiveminutelmp_current_20260727.json"))[0]), sort_keys=True
    )
    for path, wrapper in [
        ("/fiveminutelmp/prelim/day/20241103/starthour/01", ["FiveMinLmps", "FiveMinLmp"]),
        ("/fiveminutelmp/final/day/20241103/starthour/05", ["FiveMinLmps", "FiveMinLmp"]),
        ("/fiveminutelmp/day/20241103/location/4001", ["FiveMinLmps", "FiveMinLmp"]),
        ("/fiveminutelmp/current/all", ["FiveMinLmps", "FiveMinLmp"]),
        ("/fiveminutelmp/prelim/current/all", ["FiveMinLmps", "FiveMinLmp"]),
        ("/fiveminutelmp/final/current/all", ["FiveMinLmps", "FiveMinLmp"]),
        ("/fiveminutelmp/current/location/4001", ["FiveMinLmp"]),
        ("/hourlylmp/da/final/day/20241103", ["HourlyLmps", "HourlyLmp"]),
        ("/hourlylmp/da/final/day/20241103/hour/01", ["HourlyLmps", "HourlyLmp"]),
        ("/hourlylmp/rt/prelim/day/20241103/location/4008", ["HourlyLmps", "HourlyLmp"]),
        ("/hourlylmp/rt/final/day/20241103", ["HourlyLmps", "HourlyLmp"]),
    ]:
        doc = client.get(path).json()
        assert wrapper_keys(doc) == (wrapper, "list"), path
        assert {json.dumps(shape(r), sort_keys=True) for r in records(doc)} == {lmp}, path
    # hourly system load: NEPOOL AREA location, no @LocType
    hs = records(client.get("/hourlysysload/day/20241103").json())
    assert hs[0]["Location"] == {"@LocId": "32", "$": "NEPOOL AREA"}


def test_zonal_snake_case_dialect(client):
    doc = client.get("/fiveminuteestimatedzonalload/day/20241103").json()
    recs = doc["isone_web_services"]["five_min_estimated_zonal_loads"]["five_min_estimated_zonal_load"]
    assert len(recs) == 300 * 8
    r = recs[0]
    assert set(r) == {
        "interval_begin_date",
        "load_zone_id",
        "load_zone_name",
        "estimated_load_mw",
        "estimated_btm_pv_mw",
    }
    assert TS_RE.match(r["interval_begin_date"]) and isinstance(r["load_zone_id"], int)
    assert {x["load_zone_id"] for x in recs} == set(range(4001, 4009))
    one = records(client.get("/fiveminuteestimatedzonalload/day/20241103/loadzone/4004").json())
    assert len(one) == 300 and {x["load_zone_name"] for x in one} == {".Z.CONNECTICUT"}
    assert len(records(client.get("/fiveminuteestimatedzonalload/current").json())) == 8
    info = client.get("/fiveminuteestimatedzonalload/info").json()
    assert TS_RE.match(info["ServiceInfo"]["LatestBeginDate"])


def test_locations_consistency(client, real_dir):
    allr = records(client.get("/locations/all").json())
    real = records(load(real_dir, "wsclient_examples/locations_all_20260727.json"))

    def count(rs):
        return {t: sum(1 for r in rs if r["LocationType"] == t) for t in {r["LocationType"] for r in rs}}

    assert count(allr) == count(real)
    by_id = {r["LocationID"]: r for r in allr}
    core = records(client.get("/locations").json())
    assert [r["LocationID"] for r in core] == [
        r["LocationID"] for r in records(load(real_dir, "bodies/locations.json"))
    ]
    assert [r["LocationName"] for r in core] == [
        r["LocationName"] for r in records(load(real_dir, "bodies/locations.json"))
    ]
    lmp = records(client.get("/fiveminutelmp/current/all").json())
    assert 1150 < len(lmp) < 1300
    for r in lmp:
        loc = by_id[int(r["Location"]["@LocId"])]
        assert loc["LocationName"] == r["Location"]["$"]
        assert loc["LocationType"] == r["Location"]["@LocType"]
    assert len(records(client.get("/fiveminutelmp/current").json())) == 16
