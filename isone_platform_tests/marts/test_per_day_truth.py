"""What the Dagster UI shows per operating day after a multi-day run, read back through the instance API: each
day's materialization carries that day's own figures, every check (our rules, the reconciliation checks, the
dbt tests) has one result per day, and an ERROR finding on one day holds back that day's marts only."""

from datetime import date

import dagster as dg
import pytest
from dagster._core.events import DagsterEventType

from isone_platform import warehouse
from isone_platform.lib.resources import build_resources
from isone_platform.simulator import Fault
from isone_platform_tests.helpers import materializable_assets, step_error

DAYS = ("2024-11-01", "2024-11-02", "2024-11-03")  # the 3rd is the fall-back day: 300 five-minute intervals
INTERVALS = {"2024-11-01": 288, "2024-11-02": 288, "2024-11-03": 300}
SYSTEM = dg.AssetKey(["std", "isone__system_load_5min"])
LOAD_DAILY = dg.AssetKey(["mart", "isone__load_daily"])
SYSTEM_VS_ZONAL = dg.AssetKey(["mart", "isone__system_vs_zonal_daily"])
SELECTION = [
    dg.AssetKey([layer, f"isone__{name}"])
    for name in ("system_load_5min", "zonal_load_5min")
    for layer in ("raw", "std")
] + [LOAD_DAILY, SYSTEM_VS_ZONAL]


@pytest.fixture
def assets():
    from isone_platform.definitions import defs as build

    definitions = build()
    return [*materializable_assets(definitions), *(definitions.asset_checks or [])]


def _run_three_days(assets, instance) -> dg.ExecuteInProcessResult:
    """One run over the three days, as a UI backfill batch launches it (a partition range)."""
    return dg.materialize(
        assets,
        selection=SELECTION,
        tags={"dagster/asset_partition_range_start": DAYS[0], "dagster/asset_partition_range_end": DAYS[-1]},
        resources=build_resources(),
        instance=instance,
        raise_on_error=False,
    )


def _partition_metadata(instance: dg.DagsterInstance, key: dg.AssetKey) -> dict[str, dict]:
    records = instance.fetch_materializations(key, limit=100).records
    latest: dict[str, dict] = {}
    for record in sorted(records, key=lambda r: r.storage_id):
        materialization = record.asset_materialization
        assert materialization is not None and record.partition_key is not None
        latest[record.partition_key] = {k: v.value for k, v in materialization.metadata.items()}
    return latest


def _evaluations(
    instance: dg.DagsterInstance, run_id: str
) -> dict[tuple[str, str], dict[str, dg.AssetCheckEvaluation]]:
    """(asset, check) -> {partition: evaluation} of one run, from the event log."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000)
    found: dict[tuple[str, str], dict[str, dg.AssetCheckEvaluation]] = {}
    for record in records.records:
        event = record.event_log_entry.dagster_event
        assert event is not None
        evaluation = event.event_specific_data
        assert isinstance(evaluation, dg.AssetCheckEvaluation) and evaluation.partition is not None, evaluation
        per_day = found.setdefault((evaluation.asset_key.to_user_string(), evaluation.check_name), {})
        assert evaluation.partition not in per_day, f"two results for one day: {evaluation}"
        per_day[evaluation.partition] = evaluation
    return found


def _mart_days(table: str) -> list[str]:
    con = warehouse.connect()
    try:
        return [
            r[0] for r in con.sql(f"select distinct operating_day::varchar from mart.{table} order by 1").fetchall()
        ]
    finally:
        con.close()


def test_a_three_day_run_reports_each_day_on_its_own(platform_env, assets):
    with dg.instance_for_test() as instance:
        result = _run_three_days(assets, instance)
        assert result.success

        std = _partition_metadata(instance, SYSTEM)
        assert sorted(std) == list(DAYS)
        for day, n in INTERVALS.items():
            assert std[day]["dagster/row_count"] == n and std[day]["intervals"] == f"{n}/{n}", std[day]
            assert date.fromisoformat(std[day]["latest_interval_utc"][:10]) >= date.fromisoformat(day)
            assert std[day]["run_rows"] == sum(INTERVALS.values())  # the run's total, named as one
        raw = _partition_metadata(instance, dg.AssetKey(["raw", "isone__system_load_5min"]))
        assert {day: md["bodies"] for day, md in raw.items()} == dict.fromkeys(DAYS, 1)
        # one system row and 8 zones per day in the daily load mart, per day
        mart = _partition_metadata(instance, LOAD_DAILY)
        assert {day: md["dagster/row_count"] for day, md in mart.items()} == dict.fromkeys(DAYS, 9)

        evaluations = _evaluations(instance, result.run_id)
        expected_checks = {
            ("std/isone__system_load_5min", "load_in_range"),
            ("std/isone__system_load_5min", "intervals_complete"),
            ("std/isone__zonal_load_5min", "all_zones_present"),
            ("std/isone__zonal_load_5min", "zones_sum_to_system"),
            ("mart/isone__load_daily", "load_daily_reconciles_with_std"),
            ("mart/isone__system_vs_zonal_daily", "system_vs_zonal_daily_reconciles_with_std"),
        }
        assert expected_checks <= set(evaluations)
        assert any(asset.startswith("mart/") and "not_null" in name for asset, name in evaluations)  # dbt tests
        planned = instance.get_records_for_run(
            result.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED, limit=10_000
        ).records
        planned_keys = set()
        for record in planned:
            event = record.event_log_entry.dagster_event
            assert event is not None
            check_key = event.event_specific_data.asset_check_key  # type: ignore[union-attr]
            planned_keys.add((check_key.asset_key.to_user_string(), check_key.name))
        assert len(planned_keys) > 20 and planned_keys == set(evaluations)  # every planned check reported
        for check, per_day in evaluations.items():
            assert sorted(per_day) == list(DAYS), check  # one result per day: nothing reads "Skipped"
            assert all(e.passed for e in per_day.values()), (check, per_day)
            assert all(e.target_materialization_data is not None for e in per_day.values()), check


def test_an_error_on_one_day_holds_back_that_days_marts_only(platform_env, sim, assets):
    sim.add_fault(Fault("/fiveminutesystemload/day/20241102", "out_of_range"))  # -5 MW and 45,000 MW loads
    with dg.instance_for_test() as instance:
        result = _run_three_days(assets, instance)
        assert not result.success

        in_range = _evaluations(instance, result.run_id)[("std/isone__system_load_5min", "load_in_range")]
        assert {day: e.passed for day, e in in_range.items()} == {DAYS[0]: True, DAYS[1]: False, DAYS[2]: True}
        bad = in_range[DAYS[1]]
        assert bad.severity == dg.AssetCheckSeverity.ERROR
        count = bad.metadata["count"].value
        assert isinstance(count, int) and count > 0
        assert "45000" in str(bad.metadata["offending_rows"].value)  # the offending rows stay listed

        for mart in (LOAD_DAILY, SYSTEM_VS_ZONAL):
            built = {r.partition_key for r in instance.fetch_materializations(mart, limit=100).records}
            assert built == {DAYS[0], DAYS[2]}, mart
        assert _mart_days("isone__load_daily") == [DAYS[0], DAYS[2]]

        [failure] = [e for e in result.all_events if e.is_step_failure]
        assert failure.step_key == "isone_marts"
        message = step_error(failure).message
        assert f"marts not built for {DAYS[1]}" in message
        assert f"std/isone__system_load_5min load_in_range failed on {DAYS[1]} ({count:,} offending)" in message
        run = instance.get_run_by_id(result.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.FAILURE
