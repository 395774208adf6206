"""deploy/prod/dagster.yaml against a real PostgreSQL: the instance keeps runs, the event log and schedule state
there; a partition materialized through it is read back from PostgreSQL by SQL and through the instance."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest
import yaml

from isone_platform.lib.resources import build_resources
from isone_platform.lib.settings import PACKAGE_ROOT
from isone_platform_tests.helpers import assets_definitions

from .servers import APP_PASSWORD, APP_USER

PROD_YAML = PACKAGE_ROOT / "deploy" / "prod" / "dagster.yaml"
PARTITION = "2024-11-03"


@pytest.fixture
def prod_instance(postgres, prod_env, tmp_path, monkeypatch):
    db = postgres.create_database("dagster_" + tmp_path.name.replace("-", "_")[-20:].lower())
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROD_YAML, home / "dagster.yaml")
    for name, value in {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": postgres.host,
        "DAGSTER_PG_PORT": str(postgres.port),
        "DAGSTER_PG_DB": db,
        "DAGSTER_PG_USER": APP_USER,
        "DAGSTER_PG_PASSWORD": APP_PASSWORD,
    }.items():
        monkeypatch.setenv(name, value)
    instance = dg.DagsterInstance.get()
    yield instance, db
    instance.dispose()


def test_prod_yaml_configures_postgres_queue_pools_and_retries():
    config = yaml.safe_load(PROD_YAML.read_text())
    assert set(config["storage"]) == {"postgres"}
    assert all(
        isinstance(v, dict) and set(v) == {"env"}
        for k, v in config["storage"]["postgres"]["postgres_db"].items()
        if k in ("hostname", "port", "db_name", "username", "password")
    )
    assert config["run_retries"]["enabled"] and config["run_retries"]["max_retries"] >= 1
    assert (
        config["concurrency"]["runs"]["max_concurrent_runs"] >= 1
        and config["concurrency"]["pools"]["default_limit"] == 1
    )


def test_a_partition_materialized_through_the_prod_instance_is_stored_in_postgres(prod_instance, postgres):
    instance, db = prod_instance
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
    assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    assert instance.get_concurrency_config().pool_config.default_pool_limit == 1

    from isone_platform.definitions import defs

    assets = [a for a in assets_definitions(defs()) if all(k.path[0] in ("raw", "std") for k in a.keys)]
    keys = [dg.AssetKey([layer, "isone__system_load_5min"]) for layer in ("raw", "std")]
    result = dg.materialize(
        assets, selection=keys, partition_key=PARTITION, resources=build_resources(), instance=instance
    )
    assert result.success

    # straight from PostgreSQL, with SQL
    con = postgres.connect(db)
    try:
        with con.cursor() as cur:
            cur.execute("select run_id, status from runs")
            assert cur.fetchall() == [(result.run_id, "SUCCESS")]
            cur.execute(
                "select key, value from run_tags where run_id = %s and key = 'dagster/partition'", [result.run_id]
            )
            assert cur.fetchall() == [("dagster/partition", PARTITION)]
            cur.execute(
                "select asset_key, partition from event_logs where run_id = %s and dagster_event_type = "
                "'ASSET_MATERIALIZATION' order by asset_key",
                [result.run_id],
            )
            assert cur.fetchall() == [
                ('["raw", "isone__system_load_5min"]', PARTITION),
                ('["std", "isone__system_load_5min"]', PARTITION),
            ]
    finally:
        con.close()

    # and through a fresh instance on the same configuration (what the webserver and the daemon do)
    again = dg.DagsterInstance.get()
    try:
        run = again.get_run_by_id(result.run_id)
        assert (
            run is not None and run.status == dg.DagsterRunStatus.SUCCESS and run.tags["dagster/partition"] == PARTITION
        )
        event = again.get_latest_materialization_event(keys[1])
        assert event is not None and event.dagster_event is not None and event.dagster_event.partition == PARTITION
        materialization = event.asset_materialization
        assert materialization is not None and materialization.metadata["dagster/row_count"].value == 300
    finally:
        again.dispose()
