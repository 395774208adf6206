"""Fault modes, recorded mode, admin endpoints and the CLI."""

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from isone_platform.simulator import Fault, SimulatorServer

from .conftest import FIXED_NOW, REPO, make_client, records

SYS = "/fiveminutesystemload/day/20241103"
LMP = "/fiveminutelmp/prelim/day/20240715/starthour/14"
ZON = "/fiveminuteestimatedzonalload/day/20241103"


def test_fault_parse():
    f = Fault.parse("/fiveminutesystemload/*=429:first=2:retry_after=1")
    assert (f.pattern, f.kind, f.first_n, f.retry_after) == ("/fiveminutesystemload/*", "429", 2, 1.0)
    f = Fault.parse("*=503:p=0.2:seed=7")
    assert (f.pattern, f.kind, f.probability, f.seed) == ("*", "503", 0.2, 7)
    f = Fault.parse("/fiveminutelmp/*=missing_location:location_id=4003")
    assert f.params == {"location_id": 4003}
    assert Fault.parse("slow:delay=2").pattern == "*"
    with pytest.raises(ValueError):
        Fault.parse("*=teapot")


@pytest.mark.parametrize("kind,status", [("429", 429), ("500", 500), ("502", 502), ("503", 503)])
def test_http_error_first_n(simulator, client, kind, status):
    simulator.add_fault(Fault("/fiveminutesystemload/*", kind, first_n=2, retry_after=3))
    r1, r2, r3 = (client.get(SYS) for _ in range(3))
    assert (r1.status_code, r2.status_code, r3.status_code) == (status, status, 200)
    if kind == "429":
        assert r1.headers["Retry-After"] == "3"
    assert client.get("/hourlysysload/day/20241103").status_code == 200  # other paths untouched


def test_probability_is_deterministic():
    def run():
        with SimulatorServer(port=0, clock=FIXED_NOW, faults=[Fault("*", "503", probability=0.3, seed=7)]) as sim:
            with make_client(sim) as c:
                return [c.get("/hourlysysload/day/20241103").status_code for _ in range(30)]

    a, b = run(), run()
    assert a == b and 503 in a and 200 in a


def test_reset_and_slow(simulator, client):
    simulator.add_fault(Fault(SYS, "reset", first_n=1))
    with pytest.raises(httpx.TransportError):
        client.get(SYS)
    assert client.get(SYS).status_code == 200
    simulator.add_fault(Fault("/hourlysysload/*", "slow", first_n=1, delay=1.5))
    with pytest.raises(httpx.ReadTimeout):
        client.get("/hourlysysload/day/20241103", timeout=0.5)
    t = time.time()
    assert client.get("/hourlysysload/day/20241103").status_code == 200
    assert time.time() - t < 1.0


def test_truncated_and_html(simulator, client):
    simulator.add_fault(Fault(SYS, "truncated_json", first_n=1))
    r = client.get(SYS)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)
    simulator.add_fault(Fault(SYS, "html_200", first_n=1))
    r = client.get(SYS)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html") and "<html" in r.text
    assert len(records(client.get(SYS).json())) == 300


def _with_fault(simulator, client, path, **kw):
    simulator.clear_faults()
    clean = client.get(path).json()
    simulator.add_fault(Fault(path, **kw))
    bad = client.get(path)
    assert bad.status_code == 200
    again = client.get(path)
    assert again.content == bad.content  # deterministic
    simulator.clear_faults()
    return clean, bad.json()


def test_data_faults_structure(simulator, client):
    clean, bad = _with_fault(simulator, client, SYS, kind="empty_wrapper")
    assert bad == {"FiveMinSystemLoads": ""}
    _, bad = _with_fault(simulator, client, ZON, kind="empty_wrapper")
    assert bad == {"isone_web_services": {"five_min_estimated_zonal_loads": ""}}
    clean, bad = _with_fault(simulator, client, SYS, kind="duplicate_records")
    c, b = records(clean), records(bad)
    assert len(b) > len(c) and len({r["BeginDate"] for r in b}) == len(c)
    clean, bad = _with_fault(simulator, client, SYS, kind="out_of_order")
    c, b = records(clean), records(bad)
    assert sorted(json.dumps(r, sort_keys=True) for r in c) == sorted(json.dumps(r, sort_keys=True) for r in b)
    assert [r["BeginDate"] for r in b] != [r["BeginDate"] for r in c]
    clean, bad = _with_fault(simulator, client, SYS, kind="missing_intervals")
    assert 0 < len(records(clean)) - len(records(bad)) <= 12


def test_missing_zone_and_location(simulator, client):
    _, bad = _with_fault(simulator, client, ZON, kind="missing_zone")
    assert {r["load_zone_id"] for r in records(bad)} == set(range(4001, 4009)) - {4003}
    _, bad = _with_fault(simulator, client, LMP, kind="missing_zone", params={"zone_id": 4005})
    assert "4005" not in {r["Location"]["@LocId"] for r in records(bad)}
    _, bad = _with_fault(simulator, client, LMP, kind="missing_location")
    ids = {r["Location"]["@LocId"] for r in records(bad)}
    assert "321" not in ids and "4001" in ids
    _, bad = _with_fault(simulator, client, LMP, kind="missing_location", params={"location_id": 4000})
    assert "4000" not in {r["Location"]["@LocId"] for r in records(bad)}


def test_value_faults(simulator, client):
    _, bad = _with_fault(simulator, client, SYS, kind="null_values")
    assert any(v is None for r in records(bad) for v in r.values())
    _, bad = _with_fault(simulator, client, SYS, kind="numeric_strings")
    recs = records(bad)
    assert all(isinstance(r["LoadMw"], str) and float(r["LoadMw"]) > 0 for r in recs)
    _, bad = _with_fault(simulator, client, "/genfuelmix/day/20241103", kind="extra_field")
    assert all(r["UnexpectedField"] == "sim" for r in records(bad))
    _, bad = _with_fault(simulator, client, ZON, kind="extra_field")
    assert all("unexpected_field" in r for r in records(bad))
    _, bad = _with_fault(simulator, client, SYS, kind="missing_field")
    recs = records(bad)
    assert any("LoadMw" not in r for r in recs) and any("LoadMw" in r for r in recs)
    _, bad = _with_fault(simulator, client, ZON, kind="missing_field", params={"field": "estimated_load_mw"})
    assert any("estimated_load_mw" not in r for r in records(bad))
    _, bad = _with_fault(simulator, client, LMP, kind="broken_sum")
    broken = [
        r
        for r in records(bad)
        if round(r["LmpTotal"] * 100)
        != round((r["EnergyComponent"] + r["CongestionComponent"] + r["LossComponent"]) * 100)
    ]
    assert 0 < len(broken) < 0.1 * len(records(bad))
    _, bad = _with_fault(simulator, client, LMP, kind="out_of_range")
    assert any(r["LmpTotal"] == 6000 for r in records(bad))
    _, bad = _with_fault(simulator, client, SYS, kind="out_of_range")
    assert {-5, 45000} & {r["LoadMw"] for r in records(bad)}


def test_faults_via_admin_and_request_log(simulator):
    with httpx.Client(base_url=simulator.root_url, auth=("demo", "demo")) as admin, make_client(simulator) as c:
        assert admin.post("/_sim/faults", json={"spec": "/hourlysysload/*=500:first=1"}).status_code == 200
        assert admin.get("/_sim/state").json()["faults"][0]["kind"] == "500"
        assert c.get("/hourlysysload/day/20241103").status_code == 500
        assert c.get("/hourlysysload/day/20241103").status_code == 200
        assert admin.delete("/_sim/faults").status_code == 200
        assert admin.post("/_sim/faults", json={"spec": "*=bogus"}).status_code == 400
        reqs = admin.get("/_sim/requests").json()["requests"]
        assert [r["status"] for r in reqs if r["path"].endswith("hourlysysload/day/20241103")] == [500, 200]
        assert all(r["bytes"] >= 0 for r in reqs)
        admin.delete("/_sim/requests")
        assert simulator.requests == [] or all(r.path.startswith("/_sim") for r in simulator.requests)
    assert len(simulator.requests) >= 1


def test_recorded_mode_byte_exact(real_dir):
    bodies = real_dir / "bodies"
    with SimulatorServer(port=0, clock=FIXED_NOW, recorded_dir=bodies) as sim:
        with make_client(sim) as c:
            for name, path in [
                ("genfuelmix_day_20241103.json", "/genfuelmix/day/20241103"),
                ("hourlysysload_day_20240310.json", "/hourlysysload/day/20240310"),
                ("locations.json", "/locations"),
            ]:
                assert c.get(path).content == (bodies / name).read_bytes()
            gz = c.get("/genfuelmix/day/20240101", headers={"Accept-Encoding": "gzip"})
            assert gz.headers["Content-Encoding"] == "gzip"
            assert gz.content == (bodies / "genfuelmix_day_20240101.json").read_bytes()
            # no recording for this path → generated data
            assert len(records(c.get("/fiveminutesystemload/day/20241103").json())) == 300
    # the product never contains recorded files
    for f in (REPO / "isone_platform").rglob("*.json"):
        assert not (bodies / f.name).exists(), f


def test_cli_subprocess():
    env = dict(os.environ, ISONE_SIM_PASSWORD="s3cret")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "isone_platform.simulator.cli",
            "--port",
            "0",
            "--seed",
            "3",
            "--clock",
            FIXED_NOW,
            "--fault",
            "/hourlysysload/*=503:first=1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("isone-sim listening on http://127.0.0.1:") and line.endswith("/api/v1.1")
        assert "s3cret" not in line
        base = line.split(" on ", 1)[1]
        with httpx.Client(base_url=base, auth=("demo", "s3cret"), headers={"Accept": "application/json"}) as c:
            assert len(records(c.get("/fiveminutesystemload/day/20240310").json())) == 276
            assert c.get("/hourlysysload/day/20240310").status_code == 503
            assert c.get("/hourlysysload/day/20240310").status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
