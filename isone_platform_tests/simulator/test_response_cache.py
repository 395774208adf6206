"""The response cache never serves a body that the uncached simulator would not serve at that moment."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from isone_platform.simulator import SimulatorServer, api
from isone_platform.simulator.faults import DATA_KINDS

from .conftest import make_client, records


def _render(path: str, ctx: api.Ctx) -> bytes:
    """The body the API renders for `path` (the probed feeds answer with a payload, never raw bytes)."""
    payload = api.resolve(path, ctx)
    assert not isinstance(payload, bytes), path
    return payload.render()


ET = ZoneInfo("America/New_York")
CHUNK = "/fiveminutelmp/final/day/20241120/starthour/10"
FINAL_AT = datetime(2024, 11, 21, 6, 0, tzinfo=ET)  # D+1 06:00 = end of 2024-11-20 + final_delay 6 h


def _uncached(sim: SimulatorServer, path: str) -> bytes:
    ctx = api.Ctx(
        seed=sim.seed,
        now=sim.clock.timestamp(),
        lag=sim.publication_lag.total_seconds(),
        final_delay=sim.final_delay.total_seconds(),
    )
    out = api.resolve(path, ctx)
    return out if isinstance(out, bytes) else out.render()


@pytest.fixture
def sim():
    with SimulatorServer(port=0, clock="fixed:2024-11-21T05:59:00-05:00", seed=1) as s:
        yield s


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_clock_moves_change_cached_answers(sim, encoding):
    with make_client(sim, headers={"Accept-Encoding": encoding}) as c:
        empty = c.get(CHUNK).content
        assert empty == b'{"FiveMinLmps":""}' and c.get(CHUNK).content == empty  # cached while not final
        sim.clock.set(FINAL_AT - timedelta(microseconds=1))
        assert c.get(CHUNK).content == empty
        sim.clock.set(FINAL_AT)  # the publication instant: final now
        full = c.get(CHUNK).content
        assert len(records(c.get(CHUNK).json())) == 12 * 1206 and full == _uncached(sim, CHUNK)
        sim.clock.set(FINAL_AT - timedelta(microseconds=1))  # backwards again
        assert c.get(CHUNK).content == empty
        sim.clock.set(FINAL_AT + timedelta(days=30))
        assert c.get(CHUNK).content == full
        # a partly published day: each clock step that publishes an interval changes the answer
        sim.clock.set(datetime(2024, 11, 21, 10, 3, tzinfo=ET))
        day = "/fiveminutesystemload/day/20241121"
        seen = []
        for minutes in (0, 1, 2, 3, 2, 1, 0, 60, 0):  # 10:06 + lag 60 s publishes 10:00
            sim.clock.set(datetime(2024, 11, 21, 10, 3, tzinfo=ET) + timedelta(minutes=minutes))
            body = c.get(day).content
            assert body == _uncached(sim, day), minutes
            seen.append(len(records(c.get(day).json())))
        assert seen == [120, 120, 120, 121, 120, 120, 120, 132, 120]
        assert sim.cache.stats()["hits"] > 0


def test_da_and_fuel_and_hourly_publication_edges(sim):
    sim.clock.set(datetime(2024, 11, 21, 13, 29, 59, 999999, tzinfo=ET))
    with make_client(sim) as c:
        paths = [
            "/hourlylmp/da/final/day/20241122/location/4001",
            "/genfuelmix/day/20241121",
            "/hourlylmp/rt/prelim/day/20241121/location/4001",
            "/hourlysysload/day/20241121",
            "/fiveminuteestimatedzonalload/day/20241121/loadzone/4004",
        ]
        before = {p: c.get(p).content for p in paths}
        assert before[paths[0]] == b'{"HourlyLmps":""}'
        sim.clock.set(datetime(2024, 11, 21, 13, 30, tzinfo=ET))
        for p in paths:
            assert c.get(p).content == _uncached(sim, p)
        assert len(records(c.get(paths[0]).json())) == 24
        sim.clock.set(datetime(2024, 11, 21, 13, 29, 59, 999999, tzinfo=ET))
        assert {p: c.get(p).content for p in paths} == before


_SPEC = {"missing_zone": "missing_zone:zone_id=4001", "missing_location": "missing_location:location_id=4001"}


@pytest.mark.parametrize("kind", [k for k in DATA_KINDS] + ["truncated_json"])
def test_cached_body_never_served_when_a_fault_fires(sim, kind):
    kind = _SPEC.get(kind, kind)
    sim.clock.set(FINAL_AT)
    path = "/fiveminutelmp/final/day/20241120/location/4001"
    with make_client(sim, headers={"Accept-Encoding": "gzip"}) as c:
        clean = c.get(path).content
        assert c.get(path).content == clean
        hits = sim.cache.stats()["hits"]
        sim.add_fault(f"{path}={kind}:first=1")
        faulted = c.get(path).content
        assert faulted != clean, kind
        assert sim.cache.stats()["hits"] == hits  # the faulted request did not even look at the cache
        assert c.get(path).content == clean  # fault spent (first=1): the cached clean body again
        assert sim.cache.stats()["hits"] == hits + 1
        sim.clear_faults()
        sim.add_fault(f"/fiveminutelmp/*={kind}")
        assert c.get(path).content == faulted  # deterministic damage, not the cached body
        sim.clear_faults()
        assert c.get(path).content == clean


def test_seed_lag_and_delay_are_part_of_the_key(sim):
    sim.clock.set(FINAL_AT)
    with make_client(sim) as c:
        a = c.get(CHUNK).content
        sim.seed = 2
        b = c.get(CHUNK).content
        assert b != a and b == _uncached(sim, CHUNK)
        sim.seed = 1
        assert c.get(CHUNK).content == a
        sim.final_delay = timedelta(hours=7)
        assert c.get(CHUNK).content == b'{"FiveMinLmps":""}'
        sim.final_delay = timedelta(hours=6)
        sim.clock.set(datetime(2024, 11, 21, 10, 6, tzinfo=ET))
        day = "/fiveminutesystemload/day/20241121"
        n = len(records(c.get(day).json()))
        sim.publication_lag = timedelta(minutes=30)
        assert len(records(c.get(day).json())) == n - 6
        assert c.get(day).content == _uncached(sim, day)


def test_cache_bounded_and_disabled():
    with (
        SimulatorServer(port=0, clock="fixed:2024-11-21T12:00:00-05:00", seed=1, cache_bytes=1_200_000) as s,
        make_client(s, headers={"Accept-Encoding": "gzip"}) as c,
    ):
        for h in range(6):
            c.get(f"/fiveminutelmp/final/day/20241115/starthour/{h:02d}")
        assert s.cache is not None
        st = s.cache.stats()
        assert 0 < st["bytes"] <= 1_200_000 and 0 < st["entries"] < 6
    with (
        SimulatorServer(port=0, clock="fixed:2024-11-21T12:00:00-05:00", seed=1, cache_bytes=0) as s,
        make_client(s) as c,
    ):
        assert s.cache is None
        assert c.get(CHUNK).content == c.get(CHUNK).content == _uncached(s, CHUNK)


# ---------------------------------------------------------------------------------------------
# the validity interval computed by api.resolve is exact: same answer anywhere inside it

_PROBE_PATHS = [
    "/fiveminutesystemload/day/{d}",
    "/hourlysysload/day/{d}",
    "/fiveminuteestimatedzonalload/day/{d}/loadzone/4002",
    "/fiveminutelmp/prelim/day/{d}/location/4000",
    "/fiveminutelmp/final/day/{d}/location/4001",
    "/fiveminutelmp/prelim/day/{d}/starthour/01",
    "/hourlylmp/da/final/day/{d}/location/4003",
    "/hourlylmp/rt/prelim/day/{d}/location/4004",
    "/hourlylmp/rt/final/day/{d}/hour/01",
    "/genfuelmix/day/{d}",
    "/locations/4001",
]


def test_validity_interval_is_exact():
    rng = random.Random(5)
    base = datetime(2024, 11, 2, 0, 0, tzinfo=UTC).timestamp()
    checked = 0
    for _ in range(60):
        path = rng.choice(_PROBE_PATHS).format(d=rng.choice(["20241103", "20241104", "20240310"]))
        if "20240310" in path:
            now = datetime(2024, 3, 9, 12, tzinfo=UTC).timestamp() + rng.uniform(0, 3 * 86400)
        else:
            now = base + rng.uniform(0, 3 * 86400)
        ctx = api.Ctx(seed=1, now=now, lag=60.0, final_delay=6 * 3600.0)
        body = _render(path, ctx)
        assert ctx.cacheable and ctx.valid_from <= now < ctx.valid_to, path
        probes = [ctx.valid_from, now + (ctx.valid_to - now) * 0.999, ctx.valid_to - 1e-3]
        for t in probes:
            if abs(t) == float("inf") or not (ctx.valid_from <= t < ctx.valid_to):
                continue
            assert _render(path, api.Ctx(seed=1, now=t, lag=60.0, final_delay=6 * 3600.0)) == body
            checked += 1
        for t in (ctx.valid_from - 1e-3, ctx.valid_to):  # just outside, a whole-day answer changes
            if abs(t) != float("inf") and "hour/" not in path:
                other = _render(path, api.Ctx(seed=1, now=t, lag=60.0, final_delay=6 * 3600.0))
                assert other != body, (path, t)
    assert checked > 60


def test_current_and_info_paths_are_not_cached(sim):
    sim.clock.set(datetime(2024, 11, 21, 12, 0, tzinfo=ET))
    for path in (
        "/fiveminutelmp/current/all",
        "/fiveminutesystemload/current",
        "/genfuelmix/info",
        "/fiveminutelmp/final/info",
        "/fiveminutelmp/final/current/all",
    ):
        ctx = api.Ctx(seed=1, now=sim.clock.timestamp(), lag=60.0, final_delay=6 * 3600.0)
        api.resolve(path, ctx)
        assert not ctx.cacheable, path
