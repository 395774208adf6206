"""Fault-matrix cases where a re-fetch of a finished day used to replace better stored data (7, 10, 12, 15, 28)
and a broken raw object (23): now the stored day survives, the new bodies are quarantined, the run fails loudly.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import dagster as dg
import pytest

from isone_platform.lib.lake import ACCEPTED, MANIFEST, day_prefix, lake_from_url, read_day
from isone_platform.simulator import Fault
from isone_platform_tests.conftest import SIM_NOW
from isone_platform_tests.helpers import query

from .conftest import failure_messages

DAY = date(2024, 7, 15)


def _quarantined(platform, dataset: str, day: date) -> list[str]:
    lake = lake_from_url(platform.env["ISONE_LAKE_URL"])
    return lake.list(f"quarantine/{day_prefix(dataset, day)}")


def _refetch_refused(platform, dataset: str, fault: str, day: date = DAY) -> str:
    """Materialize a clean day, re-fetch it with `fault` injected; assert the day is intact; the message."""
    platform.materialize(dataset, day=day, raise_on_error=True)
    before = platform.fingerprint(dataset, day)
    platform.sim.add_fault(Fault.parse(fault))
    result = platform.materialize(dataset, day=day)
    assert not result.success
    assert platform.fingerprint(dataset, day) == before
    assert any(k.endswith(".json.gz") for k in _quarantined(platform, dataset, day))
    return failure_messages(result)


def test_case_07_empty_wrapper_keeps_the_complete_day(platform):
    message = _refetch_refused(platform, "system_load_5min", "/fiveminutesystemload/day/*=empty_wrapper")
    assert "ISO-NE returned 0 of 288 intervals" in message and "2024-07-15" in message
    assert "kept the stored day" in message and "quarantine/raw/isone__system_load_5min" in message


def test_case_12_missing_zone_keeps_the_complete_day(platform):
    message = _refetch_refused(platform, "zonal_load_5min", "/fiveminuteestimatedzonalload/day/*=missing_zone")
    assert "1 series missing: zone_id [4003]" in message and "2,016 of 2,304 intervals" in message


def test_case_10_duplicates_never_reach_readers(platform):
    message = _refetch_refused(platform, "system_load_5min", "/fiveminutesystemload/day/*=duplicate_records")
    assert "primary_key_unique" in message and "nothing of this run was written" in message
    assert query("select count(*), count(distinct interval_begin_utc) from std.isone__system_load_5min") == [(288, 288)]


def test_case_10_duplicates_on_a_new_day_are_not_written_either(platform):
    platform.sim.add_fault(Fault.parse("/fiveminutesystemload/day/*=duplicate_records"))
    result = platform.materialize("system_load_5min", day=DAY)
    assert not result.success and "primary_key_unique" in failure_messages(result)
    assert query("select count(*) from std.isone__system_load_5min") == [(0,)]


def test_case_15_missing_field_restores_the_parseable_raw_day(platform):
    lake = lake_from_url(platform.env["ISONE_LAKE_URL"])
    message = _refetch_refused(platform, "fuel_mix", "/genfuelmix/day/*=missing_field")
    assert "cannot be parsed" in message and "GenMw" in message
    [body] = read_day(lake, "fuel_mix", DAY).bodies
    assert b"GenMw" in body.body  # the parseable body is the day's again: raw and std agree
    platform.sim.clear_faults()
    assert platform.materialize("fuel_mix", day=DAY, layers=("std",)).success


def test_case_28_source_clock_set_back_keeps_final_prices(platform):
    day = date(2024, 11, 20)
    platform.materialize("system_load_5min", "lmp_rt_hourly", day=day, raise_on_error=True)
    before = {d: platform.fingerprint(d, day) for d in ("system_load_5min", "lmp_rt_hourly")}
    assert query("select price_status, count(*) from std.isone__lmp_rt_hourly group by 1") == [("final", 28_944)]
    platform.sim.clock.set(datetime.fromisoformat("2024-11-20T08:00:00-05:00"))
    try:
        result = platform.materialize("system_load_5min", "lmp_rt_hourly", day=day)
    finally:
        platform.sim.clock.set(datetime.fromisoformat(SIM_NOW))
    assert not result.success
    message = failure_messages(result)
    assert "final price row(s) would become prelim" in message and "of 288 intervals" in message
    assert {d: platform.fingerprint(d, day) for d in before} == before


def test_a_correction_as_complete_replaces_the_day(platform):
    """A genuine correction (same completeness, other values) is not refused."""
    platform.materialize("system_load_5min", day=DAY, raise_on_error=True)
    before = platform.fingerprint("system_load_5min", DAY)
    platform.sim.add_fault(Fault.parse("/fiveminutesystemload/day/*=out_of_range"))
    platform.materialize("system_load_5min", day=DAY, raise_on_error=False)  # the range check may fail; std is written
    after = platform.fingerprint("system_load_5min", DAY)
    assert after.rows == before.rows == 288 and after.digest != before.digest


def test_the_override_replaces_a_less_complete_day_and_says_so(platform):
    platform.materialize("system_load_5min", day=DAY, raise_on_error=True)
    platform.sim.add_fault(Fault.parse("/fiveminutesystemload/day/*=empty_wrapper"))
    config = {"ops": {"std__isone__system_load_5min": {"config": {"accept_less_complete": True}}}}
    instance = dg.DagsterInstance.ephemeral()
    result = platform.materialize("system_load_5min", day=DAY, run_config=config, instance=instance)
    assert result.success
    assert query("select count(*) from std.isone__system_load_5min") == [(0,)]
    logs = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert any("accept_less_complete is set: replacing although ISO-NE returned 0 of 288" in m for m in logs)


def test_accepted_manifest_names_the_bodies_of_the_stored_day(platform):
    platform.materialize("system_load_5min", day=DAY, raise_on_error=True)
    lake = lake_from_url(platform.env["ISONE_LAKE_URL"])
    prefix = day_prefix("system_load_5min", DAY)
    assert json.loads(lake.get(f"{prefix}/{ACCEPTED}")) == json.loads(lake.get(f"{prefix}/{MANIFEST}"))


@pytest.mark.parametrize("damage", ["bit_flip", "truncate"])
def test_case_23_a_corrupt_raw_object_is_named_and_std_kept(platform, damage):
    platform.materialize("system_load_5min", day=DAY, raise_on_error=True)
    before = platform.fingerprint("system_load_5min", DAY)
    lake = lake_from_url(platform.env["ISONE_LAKE_URL"])
    [key] = [k for k in lake.list(day_prefix("system_load_5min", DAY)) if k.endswith(".json.gz")]
    data = bytearray(lake.get(key))
    if damage == "bit_flip":
        data[len(data) // 2] ^= 0xFF
    else:
        del data[len(data) // 2 :]
    lake.put(key, bytes(data))
    result = platform.materialize("system_load_5min", day=DAY, layers=("std",))
    assert not result.success
    message = failure_messages(result)
    assert key in message and "operating day 2024-07-15" in message
    assert platform.fingerprint("system_load_5min", DAY) == before
