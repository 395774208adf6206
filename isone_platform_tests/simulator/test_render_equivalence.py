"""Byte-for-byte equivalence of the fast renderer and the response cache with the original implementation.

``EXPECTED`` holds sha256 digests of response bodies computed with the simulator as it was before the fast
render path and the response cache were added (commit 17edb5b: dict per record, ``Payload.body_records``), except
the 18 cases of final RT LMPs, recomputed when final prices gained cent-level revisions (simulator commit 8af728d):
the data changed on purpose, the renderer and the cache must still give the same bytes for it.
Each case is (clock, seed, path, data-fault spec or None).
"""

from __future__ import annotations

import gzip
import hashlib
from datetime import datetime

import pytest

from isone_platform.simulator import Fault, SimulatorServer, api
from isone_platform.simulator.faults import apply_data_fault
from isone_platform.simulator.render import Payload

from .conftest import make_client

PAST = "2024-11-21T12:00:00-05:00"  # every sampled day is over and final
FALLBACK = "2024-11-03T14:07:30-05:00"  # DST fall-back day partly published; DA of 11-04 out since 13:30
SPRING = "2024-03-10T04:31:00-04:00"  # spring-forward day partly published
BOUNDARY = "2024-11-04T06:00:00-05:00"  # the instant FINAL of 2024-11-03 is published

_PATHS = [
    "/fiveminutesystemload/current",
    "/fiveminutesystemload/day/20241103",
    "/fiveminutesystemload/day/20240310",
    "/fiveminutesystemload/info",
    "/hourlysysload/current",
    "/hourlysysload/day/20241103",
    "/hourlysysload/day/20240310",
    "/hourlysysload/info",
    "/fiveminuteestimatedzonalload/current",
    "/fiveminuteestimatedzonalload/current/loadzone/4003",
    "/fiveminuteestimatedzonalload/day/20241103",
    "/fiveminuteestimatedzonalload/day/20240310/loadzone/4001",
    "/fiveminuteestimatedzonalload/day/20241103/loadzone/9999",
    "/fiveminuteestimatedzonalload/info",
    "/fiveminutelmp/current",
    "/fiveminutelmp/current/all",
    "/fiveminutelmp/prelim/current/all",
    "/fiveminutelmp/final/current/all",
    "/fiveminutelmp/current/location/4000",
    "/fiveminutelmp/current/location/1",
    "/fiveminutelmp/info",
    "/fiveminutelmp/prelim/info",
    "/fiveminutelmp/final/info",
    "/fiveminutelmp/final/day/20241103/starthour/01",
    "/fiveminutelmp/final/day/20240310/starthour/02",
    "/fiveminutelmp/final/day/20240310/starthour/03",
    "/fiveminutelmp/prelim/day/20241103/starthour/14",
    "/fiveminutelmp/prelim/day/20240310/starthour/04",
    "/fiveminutelmp/final/day/20241015/starthour/00",
    "/fiveminutelmp/day/20241103/location/4001",
    "/fiveminutelmp/final/day/20241103/location/321",
    "/fiveminutelmp/prelim/day/20240310/location/4000",
    "/hourlylmp/da/final/day/20241104",
    "/hourlylmp/da/final/day/20241103/hour/01",
    "/hourlylmp/rt/prelim/day/20241103",
    "/hourlylmp/rt/final/day/20240310/location/4002",
    "/hourlylmp/rt/final/day/20241103/hour/05",
    "/hourlylmp/rt/prelim/day/20240310/hour/02",
    "/genfuelmix/current",
    "/genfuelmix/day/20241103",
    "/genfuelmix/day/20240310",
    "/genfuelmix/info",
    "/locations",
    "/locations/all",
    "/locations/4001",
    "/locations/99999",
]
_FAULTED = [
    ("/fiveminutelmp/final/day/20241103/starthour/01", kind)
    for kind in (
        "empty_wrapper",
        "duplicate_records",
        "out_of_order",
        "missing_zone",
        "missing_location",
        "null_values",
        "numeric_strings",
        "extra_field",
        "missing_field",
        "broken_sum",
        "out_of_range",
        "missing_intervals",
        "missing_location:location_id=4000",
    )
] + [
    ("/fiveminutesystemload/day/20241103", "out_of_range"),
    ("/fiveminutesystemload/day/20240310", "extra_field"),
    ("/fiveminuteestimatedzonalload/day/20241103", "missing_zone:zone_id=4005"),
    ("/fiveminuteestimatedzonalload/day/20241103", "extra_field"),
    ("/genfuelmix/day/20241103", "missing_field"),
    ("/genfuelmix/day/20241103", "missing_intervals"),
    ("/hourlylmp/da/final/day/20241104", "broken_sum:seed=3"),
    ("/hourlysysload/day/20241103", "null_values"),
    ("/locations/all", "missing_location"),
    ("/fiveminutelmp/current/all", "out_of_range"),
    ("/hourlysysload/current", "numeric_strings"),
]

CASES = (
    [(PAST, 1, p, None) for p in _PATHS]
    + [(FALLBACK, 1, p, None) for p in _PATHS]
    + [(SPRING, 0, p, None) for p in _PATHS]
    + [(BOUNDARY, 0, p, None) for p in _PATHS if "20241103" in p or "current" in p or "info" in p]
    + [(PAST, 1, p, f) for p, f in _FAULTED]
    + [(FALLBACK, 0, p, f) for p, f in _FAULTED[:6]]
)


def _ctx(api_mod, now: str, seed: int):
    return api_mod.Ctx(seed=seed, now=datetime.fromisoformat(now).timestamp(), lag=60.0, final_delay=6 * 3600.0)


def render_case(api_mod, fault_cls, apply_fn, payload_cls, case) -> bytes:
    """Body of one case rendered in process (also used, with the old modules, to make EXPECTED)."""
    now, seed, path, spec = case
    out = api_mod.resolve(path, _ctx(api_mod, now, seed))
    if isinstance(out, payload_cls):
        if spec:
            apply_fn(out, fault_cls.parse(f"{path}={spec}"), path)
        return out.render()
    return out


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:24]


def test_cases_cover_expected():
    assert len(CASES) == len(EXPECTED)
    assert set(map(repr, CASES)) == set(EXPECTED)


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c[0][:10]}{c[0][11:16]}-s{c[1]}{c[2]}{'+' + c[3] if c[3] else ''}"
)
def test_in_process_bytes_identical(case):
    body = render_case(api, Fault, apply_data_fault, Payload, case)
    assert _digest(body) == EXPECTED[repr(case)]


def test_http_bytes_identical_with_and_without_cache():
    """The cases over HTTP — identity and gzip, twice each (the second from the response cache where it
    applies) — have the original body; gzip bytes are exactly ``gzip.compress(body, 3, mtime=0)``, as before.
    (All data-fault cases are checked in process above; a few go over HTTP here, where they bypass the cache.)"""
    cases = [c for c in CASES if not c[3]] + [c for c in CASES if c[3]][::6]
    with (
        SimulatorServer(port=0, clock=f"fixed:{PAST}", seed=1) as sim,
        make_client(sim, headers={"Accept-Encoding": "identity"}) as plain,
        make_client(sim, headers={"Accept-Encoding": "gzip"}) as gz,
    ):
        for case in cases:
            now, seed, path, spec = case
            sim.clock.set(datetime.fromisoformat(now))
            sim.seed = seed
            sim.clear_faults()
            if spec:
                sim.add_fault(f"{path}={spec}")
            for _ in range(2):
                r = plain.get(path)
                assert r.status_code == 200 and "Content-Encoding" not in r.headers, (case, r.text[:200])
                assert _digest(r.content) == EXPECTED[repr(case)], case
                with gz.stream("GET", path) as rs:
                    wire = b"".join(rs.iter_raw())
                assert rs.headers["Content-Encoding"] == "gzip" and int(rs.headers["Content-Length"]) == len(wire)
                assert wire == gzip.compress(r.content, compresslevel=3, mtime=0), case
        assert sim.cache is not None and sim.cache.stats()["hits"] > len(cases)


# sha256[:24] of each case's body, computed with the original implementation (before the fast path / cache)
EXPECTED = {
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutesystemload/current', None)": "e66e72f62f93a7a30d29fe55",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutesystemload/day/20241103', None)": "7f63edc5e36db6e609991b5f",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutesystemload/day/20240310', None)": "aee7d3a1bf7e77945006571f",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutesystemload/info', None)": "7821108ad2eefc8076b8ea59",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlysysload/current', None)": "94ddf45f9a377b65366640e3",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlysysload/day/20241103', None)": "ae1bc347aeb7babb5f56c921",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlysysload/day/20240310', None)": "57590df3bde8938203b88302",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlysysload/info', None)": "d143d6f41902d1e7df48c203",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminuteestimatedzonalload/current', None)": "7ae0ac2771643697036fa04e",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminuteestimatedzonalload/current/loadzone/4003', None)": "3a720dc7d2b0b414d5e04b55",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminuteestimatedzonalload/day/20241103', None)": "64b3874430b73dfc992dda85",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminuteestimatedzonalload/day/20240310/loadzone/4001', None)": "ba724bf6076b5316d408ea50",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminuteestimatedzonalload/day/20241103/loadzone/9999', None)": "9b3e513dbf8ae6eb9edc6a26",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminuteestimatedzonalload/info', None)": "7821108ad2eefc8076b8ea59",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/current', None)": "091a2fba8817991445209fc0",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/current/all', None)": "628f20b7c0139ff1a3562082",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/prelim/current/all', None)": "628f20b7c0139ff1a3562082",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/current/all', None)": "67666553a4395564eb45d9fb",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/current/location/4000', None)": "aef379dab74edbc11e132ef7",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/current/location/1', None)": "8830b3fafc85daa34c4004ff",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/info', None)": "7821108ad2eefc8076b8ea59",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/prelim/info', None)": "7821108ad2eefc8076b8ea59",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/info', None)": "bcb8cf856e09288fc40410a6",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', None)": "a4fa007bdc2bddbc92c74f21",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20240310/starthour/02', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20240310/starthour/03', None)": "86db3a3920f0bb60a4b62d76",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/prelim/day/20241103/starthour/14', None)": "a9060852f17132a213c78d6b",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/prelim/day/20240310/starthour/04', None)": "01633433609566f089ac5a32",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241015/starthour/00', None)": "42713142028ba5c9a7c3b4c0",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/day/20241103/location/4001', None)": "69610e451a699068b47b28ff",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/location/321', None)": "4dd138040226fc6698cc86ae",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/prelim/day/20240310/location/4000', None)": "3406b3b9fe1152ee27bff9d8",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlylmp/da/final/day/20241104', None)": "6581f154344d1b9af09cc5bd",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlylmp/da/final/day/20241103/hour/01', None)": "4f8109ec1b6e0bf819dd5605",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlylmp/rt/prelim/day/20241103', None)": "b91c68c60a5a62085775740d",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlylmp/rt/final/day/20240310/location/4002', None)": "cbd6d98fd3c2e264d311ce1d",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlylmp/rt/final/day/20241103/hour/05', None)": "07b8c0bf1e4421ce45c52b15",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlylmp/rt/prelim/day/20240310/hour/02', None)": "d89b9557791590613927d95f",
    "('2024-11-21T12:00:00-05:00', 1, '/genfuelmix/current', None)": "f67719af098d10aa7a4e5483",
    "('2024-11-21T12:00:00-05:00', 1, '/genfuelmix/day/20241103', None)": "502187318eca7066ecc46b68",
    "('2024-11-21T12:00:00-05:00', 1, '/genfuelmix/day/20240310', None)": "1d6706a574e3b04046c052cf",
    "('2024-11-21T12:00:00-05:00', 1, '/genfuelmix/info', None)": "57ca0efbc762a70bb24d3e82",
    "('2024-11-21T12:00:00-05:00', 1, '/locations', None)": "c91a1646c6b53f60a7cc21d8",
    "('2024-11-21T12:00:00-05:00', 1, '/locations/all', None)": "0f1313887ef9659e2485c470",
    "('2024-11-21T12:00:00-05:00', 1, '/locations/4001', None)": "85bdc9d9d7a2cf4e227cae52",
    "('2024-11-21T12:00:00-05:00', 1, '/locations/99999', None)": "e7042335ddb85a3d09e2c4e8",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutesystemload/current', None)": "adc9ce93347ae5a06698dd95",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutesystemload/day/20241103', None)": "87d3a6ecda38a8642be08319",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutesystemload/day/20240310', None)": "aee7d3a1bf7e77945006571f",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutesystemload/info', None)": "5a119e681b2f5662b3ad660b",
    "('2024-11-03T14:07:30-05:00', 1, '/hourlysysload/current', None)": "a62f75eb5fb2876c21d6cf29",
    "('2024-11-03T14:07:30-05:00', 1, '/hourlysysload/day/20241103', None)": "cccec32529447f8392996c73",
    "('2024-11-03T14:07:30-05:00', 1, '/hourlysysload/day/20240310', None)": "57590df3bde8938203b88302",
    "('2024-11-03T14:07:30-05:00', 1, '/hourlysysload/info', None)": "fb3253ae82d342a170c2fcea",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminuteestimatedzonalload/current', None)": "6227f7a85817f0d2b434c16a",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminuteestimatedzonalload/current/loadzone/4003', None)": "2b0e917b1b15123a5bd7cd91",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminuteestimatedzonalload/day/20241103', None)": "9f682ecc4a13fb4dd48c6897",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminuteestimatedzonalload/day/20240310/loadzone/4001', None)": "ba724bf6076b5316d408ea50",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminuteestimatedzonalload/day/20241103/loadzone/9999', None)": "9b3e513dbf8ae6eb9edc6a26",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminuteestimatedzonalload/info', None)": "5a119e681b2f5662b3ad660b",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/current', None)": "778d61daf0d4d8e23847bb34",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/current/all', None)": "d0072bfbedd13104963bc761",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/prelim/current/all', None)": "d0072bfbedd13104963bc761",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/final/current/all', None)": "cd9c882dfa3b64c78cfd1b4d",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/current/location/4000', None)": "561ae14e7711c65cb19b384a",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/current/location/1', None)": "8830b3fafc85daa34c4004ff",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/info', None)": "5a119e681b2f5662b3ad660b",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/prelim/info', None)": "5a119e681b2f5662b3ad660b",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/final/info', None)": "bfd15faaa9895b16b79d3646",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/final/day/20240310/starthour/02', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/final/day/20240310/starthour/03', None)": "86db3a3920f0bb60a4b62d76",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/prelim/day/20241103/starthour/14', None)": "d0072bfbedd13104963bc761",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/prelim/day/20240310/starthour/04', None)": "01633433609566f089ac5a32",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/final/day/20241015/starthour/00', None)": "42713142028ba5c9a7c3b4c0",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/day/20241103/location/4001', None)": "56a2f81ae66e52e1317309ae",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/final/day/20241103/location/321', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-11-03T14:07:30-05:00', 1, '/fiveminutelmp/prelim/day/20240310/location/4000', None)": "3406b3b9fe1152ee27bff9d8",
    "('2024-11-03T14:07:30-05:00', 1, '/hourlylmp/da/final/day/20241104', None)": "6581f154344d1b9af09cc5bd",
    "('2024-11-03T14:07:30-05:00', 1, '/hourlylmp/da/final/day/20241103/hour/01', None)": "4f8109ec1b6e0bf819dd5605",
    "('2024-11-03T14:07:30-05:00', 1, '/hourlylmp/rt/prelim/day/20241103', None)": "a0ef0b0aaf6003d49bc14c2d",
    "('2024-11-03T14:07:30-05:00', 1, '/hourlylmp/rt/final/day/20240310/location/4002', None)": "cbd6d98fd3c2e264d311ce1d",
    "('2024-11-03T14:07:30-05:00', 1, '/hourlylmp/rt/final/day/20241103/hour/05', None)": "d89b9557791590613927d95f",
    "('2024-11-03T14:07:30-05:00', 1, '/hourlylmp/rt/prelim/day/20240310/hour/02', None)": "d89b9557791590613927d95f",
    "('2024-11-03T14:07:30-05:00', 1, '/genfuelmix/current', None)": "cbbcdcf344cce29b21ee126a",
    "('2024-11-03T14:07:30-05:00', 1, '/genfuelmix/day/20241103', None)": "b0b667ba8d3ffb90616f1729",
    "('2024-11-03T14:07:30-05:00', 1, '/genfuelmix/day/20240310', None)": "1d6706a574e3b04046c052cf",
    "('2024-11-03T14:07:30-05:00', 1, '/genfuelmix/info', None)": "d09f29154f8ba1da5264072d",
    "('2024-11-03T14:07:30-05:00', 1, '/locations', None)": "c91a1646c6b53f60a7cc21d8",
    "('2024-11-03T14:07:30-05:00', 1, '/locations/all', None)": "0f1313887ef9659e2485c470",
    "('2024-11-03T14:07:30-05:00', 1, '/locations/4001', None)": "85bdc9d9d7a2cf4e227cae52",
    "('2024-11-03T14:07:30-05:00', 1, '/locations/99999', None)": "e7042335ddb85a3d09e2c4e8",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutesystemload/current', None)": "e93912223aaba2ec3c75d24f",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutesystemload/day/20241103', None)": "d6b286c05c4a4c4e5072674d",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutesystemload/day/20240310', None)": "9df3bb58a78d3312d717f745",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutesystemload/info', None)": "9cd0685935594d378e01ad03",
    "('2024-03-10T04:31:00-04:00', 0, '/hourlysysload/current', None)": "a362b5678f568d24a7fa0c8b",
    "('2024-03-10T04:31:00-04:00', 0, '/hourlysysload/day/20241103', None)": "818346aa7d8fac7242e1af54",
    "('2024-03-10T04:31:00-04:00', 0, '/hourlysysload/day/20240310', None)": "0e2398f9920956fb0d4a4ff9",
    "('2024-03-10T04:31:00-04:00', 0, '/hourlysysload/info', None)": "111b0f1947940b673c42ae31",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminuteestimatedzonalload/current', None)": "d36b67bfa60f4dd692a02965",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminuteestimatedzonalload/current/loadzone/4003', None)": "ff34087e6707548804554466",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminuteestimatedzonalload/day/20241103', None)": "9b3e513dbf8ae6eb9edc6a26",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminuteestimatedzonalload/day/20240310/loadzone/4001', None)": "bf0d8c7c949df5d1807f7ed6",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminuteestimatedzonalload/day/20241103/loadzone/9999', None)": "9b3e513dbf8ae6eb9edc6a26",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminuteestimatedzonalload/info', None)": "9cd0685935594d378e01ad03",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/current', None)": "995ffbc3c32438ba22398856",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/current/all', None)": "324100bcc79bbb66db3ff35c",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/prelim/current/all', None)": "324100bcc79bbb66db3ff35c",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/final/current/all', None)": "5d5a45ef85fcbe8781f6cd83",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/current/location/4000', None)": "199e14cbb190741b727b1f5c",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/current/location/1', None)": "8830b3fafc85daa34c4004ff",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/info', None)": "9cd0685935594d378e01ad03",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/prelim/info', None)": "9cd0685935594d378e01ad03",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/final/info', None)": "7637c08367523c1f310a098c",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/final/day/20241103/starthour/01', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/final/day/20240310/starthour/02', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/final/day/20240310/starthour/03', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/prelim/day/20241103/starthour/14', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/prelim/day/20240310/starthour/04', None)": "a5c42a95d8f08583da672f74",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/final/day/20241015/starthour/00', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/day/20241103/location/4001', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/final/day/20241103/location/321', None)": "7fec97f3dba5c60eb3af4867",
    "('2024-03-10T04:31:00-04:00', 0, '/fiveminutelmp/prelim/day/20240310/location/4000', None)": "cd54b8540f1a5d19f3108b9c",
    "('2024-03-10T04:31:00-04:00', 0, '/hourlylmp/da/final/day/20241104', None)": "d89b9557791590613927d95f",
    "('2024-03-10T04:31:00-04:00', 0, '/hourlylmp/da/final/day/20241103/hour/01', None)": "d89b9557791590613927d95f",
    "('2024-03-10T04:31:00-04:00', 0, '/hourlylmp/rt/prelim/day/20241103', None)": "d89b9557791590613927d95f",
    "('2024-03-10T04:31:00-04:00', 0, '/hourlylmp/rt/final/day/20240310/location/4002', None)": "d89b9557791590613927d95f",
    "('2024-03-10T04:31:00-04:00', 0, '/hourlylmp/rt/final/day/20241103/hour/05', None)": "d89b9557791590613927d95f",
    "('2024-03-10T04:31:00-04:00', 0, '/hourlylmp/rt/prelim/day/20240310/hour/02', None)": "d89b9557791590613927d95f",
    "('2024-03-10T04:31:00-04:00', 0, '/genfuelmix/current', None)": "4a896dadc051aa9943655237",
    "('2024-03-10T04:31:00-04:00', 0, '/genfuelmix/day/20241103', None)": "eb931d649302bb681d1247e9",
    "('2024-03-10T04:31:00-04:00', 0, '/genfuelmix/day/20240310', None)": "0fa3058e1e8bd5cf3f97c25a",
    "('2024-03-10T04:31:00-04:00', 0, '/genfuelmix/info', None)": "bec2571bf05f612a1ae5d0e8",
    "('2024-03-10T04:31:00-04:00', 0, '/locations', None)": "c91a1646c6b53f60a7cc21d8",
    "('2024-03-10T04:31:00-04:00', 0, '/locations/all', None)": "557c6523059567141a7d6e9b",
    "('2024-03-10T04:31:00-04:00', 0, '/locations/4001', None)": "85bdc9d9d7a2cf4e227cae52",
    "('2024-03-10T04:31:00-04:00', 0, '/locations/99999', None)": "e7042335ddb85a3d09e2c4e8",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutesystemload/current', None)": "3c03f5e089649dc562a27c23",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutesystemload/day/20241103', None)": "a35a2f36dd227c1e93c692ca",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutesystemload/info', None)": "1218bfd054246988b6276cd2",
    "('2024-11-04T06:00:00-05:00', 0, '/hourlysysload/current', None)": "964ec648496a84ad8fef2603",
    "('2024-11-04T06:00:00-05:00', 0, '/hourlysysload/day/20241103', None)": "1137f8e40603aa475ea4d775",
    "('2024-11-04T06:00:00-05:00', 0, '/hourlysysload/info', None)": "2383266f239c1d8edd6e0855",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminuteestimatedzonalload/current', None)": "6fe1edd1e2d97c64b58cbd5e",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminuteestimatedzonalload/current/loadzone/4003', None)": "e40dbd3ed73e34688752566e",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminuteestimatedzonalload/day/20241103', None)": "292d935cb17a5ad64f229a68",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminuteestimatedzonalload/day/20241103/loadzone/9999', None)": "9b3e513dbf8ae6eb9edc6a26",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminuteestimatedzonalload/info', None)": "1218bfd054246988b6276cd2",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/current', None)": "5ad05e5449ab64d63f3680cb",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/current/all', None)": "ee92ca86e81d010e547eddde",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/prelim/current/all', None)": "ee92ca86e81d010e547eddde",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/final/current/all', None)": "8f6cec595d0ecbdfd4985230",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/current/location/4000', None)": "68c134fc2dbe27e373cd6283",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/current/location/1', None)": "8830b3fafc85daa34c4004ff",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/info', None)": "1218bfd054246988b6276cd2",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/prelim/info', None)": "1218bfd054246988b6276cd2",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/final/info', None)": "ee3a579c391488b2d4f30ae7",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/final/day/20241103/starthour/01', None)": "3217061d4b779fa9b1aff2ff",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/prelim/day/20241103/starthour/14', None)": "1d15543e65eb173c3c3c55e5",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/day/20241103/location/4001', None)": "7e2782525a8a2a02dc57c0ec",
    "('2024-11-04T06:00:00-05:00', 0, '/fiveminutelmp/final/day/20241103/location/321', None)": "1ba6fe59e42c77191467f884",
    "('2024-11-04T06:00:00-05:00', 0, '/hourlylmp/da/final/day/20241103/hour/01', None)": "e5bdaaaef07f75c2a829c37e",
    "('2024-11-04T06:00:00-05:00', 0, '/hourlylmp/rt/prelim/day/20241103', None)": "ec88d0fbf2a872c38a181633",
    "('2024-11-04T06:00:00-05:00', 0, '/hourlylmp/rt/final/day/20241103/hour/05', None)": "0e88fd3f417ea410d400b843",
    "('2024-11-04T06:00:00-05:00', 0, '/genfuelmix/current', None)": "87744ecb1ee1ef0f890446a9",
    "('2024-11-04T06:00:00-05:00', 0, '/genfuelmix/day/20241103', None)": "ffc4334a80558d3ef5838491",
    "('2024-11-04T06:00:00-05:00', 0, '/genfuelmix/info', None)": "bbfc01d16b276b23067b1038",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'empty_wrapper')": "7fec97f3dba5c60eb3af4867",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'duplicate_records')": "39fcc9a71c2fd31505cfa631",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'out_of_order')": "39215c6f5281886ade770a92",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'missing_zone')": "1468835ceda4f07828f0d172",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'missing_location')": "04270d84d779964cbd05911f",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'null_values')": "847e0441b25b796290161b4b",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'numeric_strings')": "b157abb729e3bc30f0e92c71",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'extra_field')": "18842855743ca46bf3a63770",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'missing_field')": "381326a371ae8f8eeb1f47cb",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'broken_sum')": "94c53fa3ca01553608643b65",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'out_of_range')": "12ce42f4ca0d1614fbdd227c",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'missing_intervals')": "a01e3ab4feba6cd8987561fc",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/final/day/20241103/starthour/01', 'missing_location:location_id=4000')": "edbf3d12eab76ee81d96f2f0",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutesystemload/day/20241103', 'out_of_range')": "2f4388e0e0549c9e0aa91c02",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutesystemload/day/20240310', 'extra_field')": "a790147f9dfd8aa9e7c07a44",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminuteestimatedzonalload/day/20241103', 'missing_zone:zone_id=4005')": "49537d47e2ff5d3481d01986",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminuteestimatedzonalload/day/20241103', 'extra_field')": "fe77d0c8f17dce27b3af0a9c",
    "('2024-11-21T12:00:00-05:00', 1, '/genfuelmix/day/20241103', 'missing_field')": "ef34f9616cb59313c6c0b0d7",
    "('2024-11-21T12:00:00-05:00', 1, '/genfuelmix/day/20241103', 'missing_intervals')": "a7229c53ce2689bbc7467e19",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlylmp/da/final/day/20241104', 'broken_sum:seed=3')": "6501dcc0bbf93be624bd7ba9",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlysysload/day/20241103', 'null_values')": "c64fd35943264e58e4b6c8bf",
    "('2024-11-21T12:00:00-05:00', 1, '/locations/all', 'missing_location')": "34c449facf1960c9e3d76715",
    "('2024-11-21T12:00:00-05:00', 1, '/fiveminutelmp/current/all', 'out_of_range')": "25b6170578843410cd69c0ad",
    "('2024-11-21T12:00:00-05:00', 1, '/hourlysysload/current', 'numeric_strings')": "02ef9a3305ba9b067fee3fc3",
    "('2024-11-03T14:07:30-05:00', 0, '/fiveminutelmp/final/day/20241103/starthour/01', 'empty_wrapper')": "7fec97f3dba5c60eb3af4867",
    "('2024-11-03T14:07:30-05:00', 0, '/fiveminutelmp/final/day/20241103/starthour/01', 'duplicate_records')": "7fec97f3dba5c60eb3af4867",
    "('2024-11-03T14:07:30-05:00', 0, '/fiveminutelmp/final/day/20241103/starthour/01', 'out_of_order')": "7fec97f3dba5c60eb3af4867",
    "('2024-11-03T14:07:30-05:00', 0, '/fiveminutelmp/final/day/20241103/starthour/01', 'missing_zone')": "7fec97f3dba5c60eb3af4867",
    "('2024-11-03T14:07:30-05:00', 0, '/fiveminutelmp/final/day/20241103/starthour/01', 'missing_location')": "7fec97f3dba5c60eb3af4867",
    "('2024-11-03T14:07:30-05:00', 0, '/fiveminutelmp/final/day/20241103/starthour/01', 'null_values')": "7fec97f3dba5c60eb3af4867",
}
