"""`isone-platform status`: what a temporary instance holds — a backfill in flight, the poll sensor's state and
last tick, a schedule's last run — shown next to the freshest polled data of the warehouse; without an instance
it says so and still shows the warehouse part."""

import io
import time
from datetime import UTC, date, datetime

import dagster as dg
import pytest
from dagster._core.definitions.asset_key import AssetKey
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteInstigatorOrigin, RemoteRepositoryOrigin
from dagster._core.scheduler.instigation import (
    InstigatorState,
    InstigatorStatus,
    InstigatorType,
    ScheduleInstigatorData,
    SensorInstigatorData,
    TickData,
    TickStatus,
)
from dagster._core.storage.tags import BACKFILL_ID_TAG, SCHEDULE_NAME_TAG
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN
from isone_platform.status import show_status

DAY = date(2024, 11, 20)
NOW = datetime(2024, 11, 21, 12, 0, tzinfo=UTC)
REPOSITORY = RemoteRepositoryOrigin(
    InProcessCodeLocationOrigin(LoadableTargetOrigin(python_file=__file__), location_name="isone"), "__repository__"
)


@pytest.fixture
def load_warehouse(tmp_path, monkeypatch):
    """One day of system load (a polled dataset) in a warehouse under tmp_path, no DAGSTER_HOME."""
    from isone_platform.lib import warehouse
    from isone_platform_tests.warehouse import helpers as h

    monkeypatch.setenv("ISONE_PROJECT_ROOT", str(tmp_path))
    monkeypatch.setenv("ISONE_CATALOG_URL", str(tmp_path / "data" / "catalog.sqlite"))
    monkeypatch.setenv("ISONE_LAKE_URL", str(tmp_path / "data" / "lake"))
    monkeypatch.delenv("ISONE_WAREHOUSE_DATA_PATH", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    warehouse.replace_partitions(warehouse.WarehouseConfig.from_env(), SYSTEM_LOAD_5MIN, h.system_load(DAY), [DAY])
    return tmp_path


def _status() -> str:
    out = io.StringIO()
    assert show_status(out, now=NOW) == 0
    return out.getvalue()


def _freshness_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith("isone__system_load_5min"))


def test_without_an_instance_it_says_so_and_shows_the_warehouse(load_warehouse):
    text = _status()
    assert "no instance in " in text and "(DAGSTER_HOME, else the project's .dagster_home)" in text
    # 2024-11-20 ends at 05:00 UTC on the 21st; its last 5-minute interval begins at 04:55, 7 h 5 min before NOW
    assert _freshness_line(text).split()[2:] == ["2024-11-21", "04:55:00", "UTC", "7h", "5m", "ago"]


def _add_instigator(instance, name: str, kind: InstigatorType, data) -> InstigatorState:  # noqa: ANN001
    state = InstigatorState(RemoteInstigatorOrigin(REPOSITORY, name), kind, InstigatorStatus.RUNNING, data)
    return instance.add_instigator_state(state)


def _tick(instance, state: InstigatorState, status: TickStatus, **kwargs) -> None:  # noqa: ANN001, ANN003
    instance.create_tick(
        TickData(
            instigator_origin_id=state.instigator_origin_id,
            instigator_name=state.instigator_name,
            instigator_type=state.instigator_type,
            status=status,
            timestamp=NOW.timestamp() - 60,
            selector_id=state.selector_id,
            **kwargs,
        )
    )


def _asset_backfill(instance) -> None:  # noqa: ANN001
    partitions = dg.DailyPartitionsDefinition(start_date="2024-11-01", timezone="America/New_York")

    @dg.asset(key=AssetKey(["std", "isone__system_load_5min"]), partitions_def=partitions)
    def system_load() -> None: ...

    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id="bf1",
        asset_graph=dg.Definitions(assets=[system_load]).resolve_asset_graph(),
        partition_names=["2024-11-01", "2024-11-02", "2024-11-03"],
        asset_selection=[system_load.key],
        backfill_timestamp=time.time(),
        tags={},
        dynamic_partitions_store=instance,
        all_partitions=False,
        title="three days of system load",
        description=None,
        run_config=None,
    )
    instance.add_backfill(backfill)


def _job_backfill(instance) -> None:  # noqa: ANN001
    """A job backfill of three days (the `backfill` command's kind) whose first day's run succeeded."""
    days = ["2024-11-04", "2024-11-05", "2024-11-06"]
    backfill = PartitionBackfill(
        "bf2", BulkActionStatus.REQUESTED, False, {}, time.time(), title="isone_ingest", partition_names=days
    )
    instance.add_backfill(backfill)
    tags = {BACKFILL_ID_TAG: "bf2", "dagster/partition": days[0]}
    instance.add_run(
        dg.DagsterRun(job_name="isone_ingest", run_id="1" * 36, status=dg.DagsterRunStatus.SUCCESS, tags=tags)
    )


def test_with_an_instance_it_shows_backfills_sensors_and_schedule_runs(load_warehouse, monkeypatch):
    home = load_warehouse / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        _asset_backfill(instance)
        _job_backfill(instance)
        sensor = _add_instigator(instance, "isone_poll_sensor", InstigatorType.SENSOR, SensorInstigatorData())
        _tick(instance, sensor, TickStatus.SKIPPED, skip_reason="nothing new since 2024-11-21T06:55:00-05:00")
        schedule_data = ScheduleInstigatorData("0 7 * * *", NOW.timestamp() - 86400)
        schedule = _add_instigator(instance, "isone_finalize_yesterday", InstigatorType.SCHEDULE, schedule_data)
        _tick(instance, schedule, TickStatus.SUCCESS, run_ids=["0" * 36])
        tags = {SCHEDULE_NAME_TAG: "isone_finalize_yesterday", "dagster/partition": DAY.isoformat()}
        instance.add_run(
            dg.DagsterRun(job_name="isone_ingest", run_id="0" * 36, status=dg.DagsterRunStatus.SUCCESS, tags=tags)
        )
    lines = _status().splitlines()
    backfill = next(line for line in lines if line.strip().startswith("bf1"))
    assert backfill.split()[1:3] == ["REQUESTED", "0/3"] and backfill.endswith("three days of system load")
    job_backfill = next(line for line in lines if line.strip().startswith("bf2"))
    assert job_backfill.split()[1:3] == ["REQUESTED", "1/3"] and job_backfill.endswith("isone_ingest")
    sensor_line = next(line for line in lines if line.strip().startswith("isone_poll_sensor"))
    assert sensor_line.split()[1:5] == ["RUNNING", "2024-11-21", "11:59:00", "UTC"]
    assert "SKIPPED" in sensor_line and "nothing new since 2024-11-21T06:55:00-05:00" in sensor_line
    schedule_line = next(line for line in lines if line.strip().startswith("isone_finalize_yesterday"))
    assert schedule_line.split()[1] == "RUNNING"
    assert "00000000  SUCCESS" in schedule_line and schedule_line.rstrip().endswith(DAY.isoformat())
    assert _freshness_line("\n".join(lines)).split()[2] == "2024-11-21"
