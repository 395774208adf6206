"""Blocking rules: a structural failure stops the std write and the downstream asset of that partition only (the
rows never reach readers); any other ERROR fails its check for that day and the run, naming asset, rule, day and
count; a WARN does not stop anything.

The downstream asset is a stand-in mart defined here (a partitioned asset reading std), not the dbt marts: those
are one dbt step over all std tables and are tested by their own suite.
"""

from datetime import date

import dagster as dg

from isone_platform import warehouse
from isone_platform.lib.resources import build_resources
from isone_platform_tests.checks.conftest import (
    Fault,
    description,
    evaluations,
    failed,
    platform_definitions,
    std_key,
)
from isone_platform_tests.helpers import event_asset_key, step_error

DAYS = ("2024-11-02", "2024-11-03")
MART = dg.AssetKey(["mart", "dq_standin_daily_peak"])


@dg.asset(
    key=MART,
    deps=[std_key("system_load_5min")],
    partitions_def=dg.DailyPartitionsDefinition(start_date="2023-01-01", timezone="America/New_York", end_offset=1),
)
def standin_mart(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """A stand-in downstream mart: the daily peak from std (the dbt marts are tested by their own suite)."""
    con = warehouse.connect()
    try:
        [(peak,)] = con.execute(
            "SELECT max(load_mw) FROM std.isone__system_load_5min WHERE operating_day = ?",
            [date.fromisoformat(context.partition_key)],
        ).fetchall()
    finally:
        con.close()
    return dg.MaterializeResult(metadata={"peak_mw": peak})


def _mart_partitions(instance: dg.DagsterInstance) -> set[str | None]:
    records = instance.fetch_materializations(MART, limit=10).records
    return {r.partition_key for r in records}


def test_blocking_failure_stops_the_downstream_mart_of_that_partition_only(platform_env, sim):
    sim.add_fault(Fault("/fiveminutesystemload/day/20241102", "duplicate_records"))
    defs = platform_definitions([standin_mart])
    selection = [dg.AssetKey(["raw", "isone__system_load_5min"]), std_key("system_load_5min"), MART]
    with dg.instance_for_test() as instance:
        results = {
            day: dg.materialize(
                defs,
                selection=selection,
                partition_key=day,
                resources=build_resources(),
                instance=instance,
                raise_on_error=False,
            )
            for day in DAYS
        }
        bad, good = results["2024-11-02"], results["2024-11-03"]
        assert not bad.success
        [failure] = [e for e in bad.all_events if e.is_step_failure]
        assert failure.step_key == "std__isone__system_load_5min"
        assert "2024-11-02: primary_key_unique: 14 primary key value(s)" in step_error(failure).message
        assert "mart__dq_standin_daily_peak" not in {
            e.step_key for e in bad.all_events if e.event_type_value == "STEP_START"
        }
        assert {event_asset_key(e).to_user_string() for e in bad.get_asset_materialization_events()} == {
            "raw/isone__system_load_5min"
        }
        assert good.success and failed(good) == {}
        assert _mart_partitions(instance) == {"2024-11-03"}
        # the faulty day's rows were refused before COMMIT: readers never see them
        std = instance.fetch_materializations(std_key("system_load_5min"), limit=10).records
        assert {r.partition_key for r in std} == {"2024-11-03"}
        con = warehouse.connect()
        try:
            assert con.execute("SELECT DISTINCT operating_day FROM std.isone__system_load_5min").fetchall() == [
                (date(2024, 11, 3),)
            ]
        finally:
            con.close()

        # an ERROR finding on a table nothing downstream of it in the run reads (a missing zone): the run fails,
        # naming it; WARN findings (zones far from the system load, LMP locations that cannot be verified because
        # isone__locations was never loaded) do not; the stand-in mart reads only the system load and builds
        sim.clear_faults()
        sim.add_fault(Fault("/fiveminuteestimatedzonalload/day/*", "missing_zone", params={"zone_id": "4004"}))
        extra = [dg.AssetKey(["raw", f"isone__{n}"]) for n in ("zonal_load_5min", "lmp_da_hourly")]
        result = dg.materialize(
            defs,
            selection=[*selection, *extra, std_key("zonal_load_5min"), std_key("lmp_da_hourly")],
            partition_key="2024-11-02",
            resources=build_resources(),
            instance=instance,
            raise_on_error=False,
        )
        assert failed(result) == {
            ("isone__zonal_load_5min", "all_zones_present"): "ERROR",
            ("isone__zonal_load_5min", "zones_sum_to_system"): "WARN",
            ("isone__lmp_da_hourly", "all_locations_present"): "WARN",
            ("isone__lmp_da_hourly", "lmp_locations_known"): "WARN",
        }
        assert "isone__locations is empty" in description(
            evaluations(result)[("isone__lmp_da_hourly", "lmp_locations_known")]
        )
        assert not result.success
        [failure] = [e for e in result.all_events if e.is_step_failure]
        assert failure.step_key == "isone__zonal_load_5min_dq"
        message = step_error(failure).message
        assert "std/isone__zonal_load_5min all_zones_present failed on 2024-11-02 (288 offending)" in message
        assert "zones_sum_to_system" not in message and "lmp" not in message  # WARN findings do not fail a run
        assert _mart_partitions(instance) == {"2024-11-02", "2024-11-03"}
