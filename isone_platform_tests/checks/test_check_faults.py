"""Every rule fails on the simulator fault that should trip it (and only those rules fail), through Dagster: the
std assets are materialized with their checks, as the isone_ingest job does. Clean data: test_clean_data_and_dq."""

from isone_platform_tests.checks.conftest import (
    Fault,
    count,
    description,
    evaluations,
    failed,
    materialize,
    offending_rows,
)
from isone_platform_tests.helpers import step_error

DAY = "2024-11-03"  # the fall-back day: 25 hours, 300 five-minute intervals
DATASETS = ("system_load_5min", "zonal_load_5min", "lmp_da_hourly", "lmp_rt_hourly", "fuel_mix")


def test_faults_on_each_feed_trip_their_rules(platform_env, defs, sim):
    materialize(defs, "locations", partition=None, raise_on_error=True)
    sim.add_fault(Fault("/fiveminutesystemload/day/*", "duplicate_records"))
    sim.add_fault(Fault("/fiveminuteestimatedzonalload/day/*", "missing_zone", params={"zone_id": "4004"}))
    sim.add_fault(Fault("/hourlylmp/da/*", "broken_sum"))
    sim.add_fault(Fault("/hourlylmp/rt/*", "out_of_range"))
    sim.add_fault(Fault("/genfuelmix/day/*", "out_of_range"))
    result = materialize(defs, *DATASETS)
    # duplicates are refused before COMMIT (never stored): the std step fails naming the blocking rule
    failures = {e.step_key: step_error(e).message for e in result.all_events if e.is_step_failure}
    assert f"{DAY}: primary_key_unique: " in failures.pop("std__isone__system_load_5min")
    # every other ERROR finding fails its check step (nothing downstream ran to gate the day), naming the asset,
    # rule, day and count; WARN findings (lmp_in_typical_range) fail nothing
    assert sorted(str(k) for k in failures) == [
        f"isone__{n}_dq" for n in ("fuel_mix", "lmp_da_hourly", "lmp_rt_hourly", "zonal_load_5min")
    ]
    assert (
        f"std/isone__zonal_load_5min all_zones_present failed on {DAY} (300 offending)"
        in failures["isone__zonal_load_5min_dq"]
    )
    assert "lmp_in_typical_range" not in failures["isone__lmp_rt_hourly_dq"]
    assert failed(result) == {
        ("isone__zonal_load_5min", "all_zones_present"): "ERROR",
        ("isone__lmp_da_hourly", "lmp_components_sum"): "ERROR",
        ("isone__lmp_rt_hourly", "lmp_in_hard_range"): "ERROR",
        ("isone__lmp_rt_hourly", "lmp_in_typical_range"): "WARN",
        ("isone__fuel_mix", "fuel_mw_non_negative"): "ERROR",
    }
    evals = evaluations(result)
    # the refused system load skips its checks and the one check that reads it; zonal's own checks still ran
    assert ("isone__zonal_load_5min", "zones_sum_to_system") not in evals
    assert ("isone__system_load_5min", "primary_key_unique") not in evals
    assert ("isone__zonal_load_5min", "load_in_range") in evals
    zones = evals[("isone__zonal_load_5min", "all_zones_present")]
    assert count(zones) == 300 and "| 4004 | missing | 300 |" in offending_rows(zones)
    hard = offending_rows(evals[("isone__lmp_rt_hourly", "lmp_in_hard_range")])
    assert "| lmp | 6000.0 | above |" in hard
    assert "| gen_mw | -5.0 | below |" in offending_rows(evals[("isone__fuel_mix", "fuel_mw_non_negative")])
    sums = evals[("isone__lmp_da_hourly", "lmp_components_sum")]
    assert count(sums) > 0 and sums.blocking  # ERROR means stop


def test_missing_intervals_location_zone_and_nulls(platform_env, defs, sim):
    materialize(defs, "locations", partition=None, raise_on_error=True)
    sim.add_fault(Fault("/fiveminutesystemload/day/*", "missing_intervals"))
    sim.add_fault(Fault("/fiveminuteestimatedzonalload/day/*", "missing_zone", params={"zone_id": "4004"}))
    sim.add_fault(Fault("/hourlylmp/da/*", "missing_location"))
    sim.add_fault(Fault("/hourlylmp/rt/*", "null_values"))
    result = materialize(defs, "system_load_5min", "zonal_load_5min", "lmp_da_hourly", "lmp_rt_hourly")
    assert failed(result) == {
        ("isone__system_load_5min", "intervals_complete"): "ERROR",
        ("isone__zonal_load_5min", "all_zones_present"): "ERROR",
        ("isone__lmp_da_hourly", "all_locations_present"): "ERROR",
        ("isone__lmp_rt_hourly", "lmp_in_hard_range"): "ERROR",
        ("isone__lmp_rt_hourly", "lmp_components_sum"): "ERROR",
    }
    assert not result.success  # ERROR findings stop the run; the WARN (zones_sum_to_system) alone would not
    failed_steps = {e.step_key for e in result.all_events if e.is_step_failure}
    assert failed_steps == {f"isone__{n}_dq" for n in ("system_load_5min", "zonal_load_5min", "lmp_rt_hourly")} | {
        "isone__lmp_da_hourly_dq_vs_locations"
    }
    evals = evaluations(result)
    gaps = evals[("isone__system_load_5min", "intervals_complete")]
    assert 0 < count(gaps) < 300 and "| 2024-11-03 |" in offending_rows(gaps)
    assert "| 321 |" in offending_rows(evals[("isone__lmp_da_hourly", "all_locations_present")])
    assert "| lmp |  | null |" in offending_rows(evals[("isone__lmp_rt_hourly", "lmp_in_hard_range")])
    # the zones are not compared with a system load that failed an ERROR rule: that check's step waits for the
    # system load's blocking checks and does not run
    assert ("isone__zonal_load_5min", "zones_sum_to_system") not in evals


def test_unknown_location_and_null_loads(platform_env, defs, sim):
    sim.add_fault(Fault("/locations/all", "missing_location"))
    materialize(defs, "locations", partition=None, raise_on_error=True)
    sim.clear_faults()
    sim.add_fault(Fault("/fiveminutesystemload/day/*", "null_values"))
    sim.add_fault(Fault("/genfuelmix/day/*", "null_values"))
    result = materialize(defs, "system_load_5min", "lmp_da_hourly", "fuel_mix")
    assert failed(result) == {
        ("isone__system_load_5min", "load_in_range"): "ERROR",
        ("isone__lmp_da_hourly", "lmp_locations_known"): "ERROR",
        ("isone__fuel_mix", "fuel_mw_non_negative"): "ERROR",
    }
    known = evaluations(result)[("isone__lmp_da_hourly", "lmp_locations_known")]
    assert count(known) == 1 and "| 321 |" in offending_rows(known)
    assert "1205/1206" in description(known)
