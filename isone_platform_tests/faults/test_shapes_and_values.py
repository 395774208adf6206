"""Fault matrix, shape and value cases (8, 9, 11, 13, 14, 30): bodies that are valid HTTP but unusual inside.

A quirk the parsers know must end in the same rows a plain body gives (compared without provenance, since the body
differs); a body that cannot be taken must fail loudly, naming the path, with the stored day unchanged.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import zlib
from datetime import date, datetime, timedelta

import dagster as dg
import httpx
import pytest

from isone_platform.simulator import Fault
from isone_platform_tests.faults.conftest import stored_rows, warnings_logged
from isone_platform_tests.faults.proxy import RewritingProxy
from isone_platform_tests.helpers import query

DAY = date(2024, 11, 19)
SYSTEM_LOAD_PATH = "/fiveminutesystemload/day/20241119"
FIVE_MINUTES = timedelta(minutes=5)


def test_case_08_a_single_record_written_as_an_object_is_one_row(platform, sim):
    """Case 8: just after 00:05 a day holds one interval, and ISO-NE writes a collection of one as an object, not a
    list. That row is the very row the full day later has first."""
    today = date(2024, 11, 21)
    sim.clock.set(datetime.fromisoformat("2024-11-21T00:06:30-05:00"))
    body = httpx.get(
        f"{sim.base_url}/fiveminutesystemload/day/20241121",
        auth=("demo", "demo"),
        headers={"Accept": "application/json"},
    ).json()
    assert isinstance(body["FiveMinSystemLoads"]["FiveMinSystemLoad"], dict)
    platform.materialize("system_load_5min", day=today, raise_on_error=True)
    [single] = stored_rows("system_load_5min", today)
    sim.clock.set(datetime.fromisoformat("2024-11-21T12:00:00-05:00"))
    platform.materialize("system_load_5min", day=today, raise_on_error=True)
    full = stored_rows("system_load_5min", today)
    assert len(full) > 100 and full[0] == single


def contiguous(dataset: str, day: date) -> tuple[int, int]:
    """(rows, distinct 5-minute intervals) of a day, after checking the intervals follow each other without a gap."""
    [(rows, intervals, first, last)] = query(
        f"select count(*), count(distinct interval_begin_utc), min(interval_begin_utc), max(interval_begin_utc) "
        f"from std.isone__{dataset} where operating_day = DATE '{day}'"
    )
    assert last - first == (intervals - 1) * FIVE_MINUTES
    return rows, intervals


@pytest.mark.parametrize(("day", "hours"), [(date(2024, 11, 3), 25), (date(2024, 3, 10), 23)])
def test_case_09_dst_days_have_25_and_23_hours_and_leave_their_neighbours(platform, day, hours):
    """Case 9: the fall-back day has 300 five-minute intervals, the spring-forward day 276, every one once; storing
    the day again changes nothing, and the day before is untouched."""
    datasets = ("system_load_5min", "zonal_load_5min")
    before = day - timedelta(days=1)
    platform.materialize(*datasets, day=before, raise_on_error=True)
    neighbour = platform.fingerprint("system_load_5min", before)
    platform.materialize(*datasets, day=day, raise_on_error=True)
    stored = platform.fingerprint("zonal_load_5min", day)
    intervals = hours * 12
    assert contiguous("system_load_5min", day) == (intervals, intervals)
    assert contiguous("zonal_load_5min", day) == (8 * intervals, intervals) == (stored.distinct_keys, intervals)
    platform.materialize(*datasets, day=day, raise_on_error=True)
    assert platform.fingerprint("zonal_load_5min", day) == stored
    assert platform.fingerprint("system_load_5min", before) == neighbour


def test_case_11_records_out_of_order_give_the_same_rows(platform, sim):
    """Case 11: the fuel mix's records shuffled: the same rows, none lost or doubled."""
    platform.baseline("fuel_mix", DAY)
    clean = stored_rows("fuel_mix", DAY)
    sim.add_fault(Fault("/genfuelmix/day/*", "out_of_order"))
    platform.materialize("fuel_mix", day=DAY, raise_on_error=True)
    assert stored_rows("fuel_mix", DAY) == clean


# Case 13: the cells the proxy damages (record index, field, what it writes) and the std column each lands in.
NOT_NUMBERS = [
    (10, "LoadMw", math.nan),
    (20, "LoadMw", math.inf),
    (30, "NativeLoad", "NaN"),
    (40, "ArdDemand", -math.inf),
    (50, "SystemLoadBtmPv", "Infinity"),
]
COLUMNS = {
    "LoadMw": "load_mw",
    "NativeLoad": "native_load_mw",
    "ArdDemand": "ard_demand_mw",
    "SystemLoadBtmPv": "system_load_btm_pv_mw",
}


def with_not_numbers(path: str, body: bytes):
    """The simulator's system load day with NaN / ±Infinity tokens and "NaN" / "Infinity" strings written in."""
    if not path.startswith(SYSTEM_LOAD_PATH):
        return None
    doc = json.loads(body)
    records = doc["FiveMinSystemLoads"]["FiveMinSystemLoad"]
    for index, field, value in NOT_NUMBERS:
        records[index][field] = value
    return json.dumps(doc).encode(), {}  # json.dumps writes NaN / Infinity / -Infinity tokens


def test_case_13_nan_infinity_and_nan_strings_are_stored_as_null_with_a_warning(platform, sim, monkeypatch):
    """Case 13: no NaN or infinity reaches std; each such cell is NULL, every other value and row is as in the
    clean day, and the run's log names the field and the interval of each."""
    platform.baseline("system_load_5min", DAY)
    clean = stored_rows("system_load_5min", DAY)
    with RewritingProxy(sim.root_url, with_not_numbers) as proxy, dg.DagsterInstance.ephemeral() as instance:
        monkeypatch.setenv("ISONE_BASE_URL", proxy.base_url)
        result = platform.materialize("system_load_5min", day=DAY, instance=instance, raise_on_error=True)
        logged = "\n".join(warnings_logged(instance, result))
    expected = [dict(row) for row in clean]
    for index, field, _ in NOT_NUMBERS:
        expected[index][COLUMNS[field]] = None
    assert stored_rows("system_load_5min", DAY) == expected
    for index, field, _ in NOT_NUMBERS:
        assert f"{field}" in logged and f"{clean[index]['interval_begin_utc']:%Y-%m-%dT%H:%M:%SZ}" in logged, logged
    assert "numeric string" not in logged  # a "NaN" string is not a number read from text


def test_case_14_numeric_strings_give_the_same_rows_with_a_warning(platform, sim):
    """Case 14: every day-ahead LMP value written as a string: the same rows, and a warning per column."""
    platform.baseline("lmp_da_hourly", DAY)
    clean = stored_rows("lmp_da_hourly", DAY)
    sim.add_fault(Fault("/hourlylmp/da/*", "numeric_strings"))
    with dg.DagsterInstance.ephemeral() as instance:
        result = platform.materialize("lmp_da_hourly", day=DAY, instance=instance, raise_on_error=True)
        logged = [w for w in warnings_logged(instance, result) if "numeric string(s)" in w]
    assert stored_rows("lmp_da_hourly", DAY) == clean
    assert sorted(w.split("'")[1] for w in logged) == sorted(
        ["lmp", "energy_component", "congestion_component", "loss_component"]
    )


# Case 30: the cap for the test (ISONE_MAX_BODY_MB), and how far past it each body goes once decoded.
CAP_MB = 1
LARGE_MB, BOMB_MB = 3, 64


def oversized(kind: str):
    """A valid but `LARGE_MB` day (padded with spaces, as sent without compression), or a gzip bomb: `BOMB_MB` of
    spaces in ~1/1000 of that on the wire."""

    def answer(path: str, body: bytes):
        if not path.startswith(SYSTEM_LOAD_PATH):
            return None
        if kind == "large":
            return body + b" " * (LARGE_MB * 2**20), {}
        return gzip_bomb(), {"Content-Encoding": "gzip"}

    return answer


@functools.cache
def gzip_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join(packer.compress(b" " * 2**20) for _ in range(BOMB_MB)) + packer.flush()


@pytest.mark.parametrize("kind", ["large", "bomb"])
def test_case_30_a_body_past_the_cap_fails_loudly_keeping_the_day(platform, sim, monkeypatch, kind):
    """Case 30: a body larger than ISONE_MAX_BODY_MB once decoded — a very large answer, or a gzip bomb that would
    grow without bound — is an error naming the path and the cap, not an out-of-memory; the stored day stays."""
    monkeypatch.setenv("ISONE_MAX_BODY_MB", str(CAP_MB))
    clean = platform.baseline("system_load_5min", DAY)
    sim.reset_requests()
    with RewritingProxy(sim.root_url, oversized(kind)) as proxy:
        monkeypatch.setenv("ISONE_BASE_URL", proxy.base_url)
        platform.fails_loudly(
            "system_load_5min", DAY, f"GET {SYSTEM_LOAD_PATH} -> HTTP 200", f"ISONE_MAX_BODY_MB cap of {CAP_MB} MB"
        )
    assert platform.fingerprint("system_load_5min", DAY) == clean
    assert len([r for r in sim.requests if r.path.endswith(SYSTEM_LOAD_PATH)]) == 1  # neither client nor step retried


def test_case_30_the_bomb_is_a_bomb():
    """The test's bomb decodes to BOMB_MB: what the cap stopped would really have filled memory."""
    answer = oversized("bomb")(SYSTEM_LOAD_PATH, b"")
    assert answer is not None
    bomb, headers = answer
    assert headers == {"Content-Encoding": "gzip"} and len(bomb) < BOMB_MB * 2**20 / 500
    assert len(gzip.decompress(bomb)) == BOMB_MB * 2**20
