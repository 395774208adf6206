"""DuckLakeIOManager through dg.materialize: single and multi-partition runs, unpartitioned tables, inputs."""

from datetime import date

import dagster as dg
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from isone_platform.lib import warehouse
from isone_platform.lib.io_managers import DuckLakeIOManager, dagster_table_schema
from isone_platform.lib.schemas import LOCATIONS, SYSTEM_LOAD_5MIN
from isone_platform.lib.settings import Settings

from . import helpers as h

S = SYSTEM_LOAD_5MIN
DAILY = dg.DailyPartitionsDefinition(start_date="2024-03-01", timezone="America/New_York", end_offset=1)


def _io(config) -> DuckLakeIOManager:
    return DuckLakeIOManager(catalog=config.catalog, data_path=config.data_path)


def _days_of(context: dg.AssetExecutionContext) -> list[date]:
    return [date.fromisoformat(k) for k in context.partition_keys]


@dg.asset(key=["std", "isone__system_load_5min"], partitions_def=DAILY, backfill_policy=dg.BackfillPolicy.single_run())
def system_load_asset(context: dg.AssetExecutionContext) -> pl.DataFrame:
    version = int(context.run.tags.get("version", "1"))
    return h.system_load_days(_days_of(context), version)


collected: dict[str, pl.DataFrame] = {}


@dg.asset(partitions_def=DAILY, io_manager_key="mem")
def downstream(isone__system_load_5min: pl.DataFrame) -> int:
    collected["input"] = isone__system_load_5min
    return isone__system_load_5min.height


def _materialize(config, assets, **kwargs) -> dg.ExecuteInProcessResult:
    return dg.materialize(assets, resources={"io_manager": _io(config), "mem": dg.InMemoryIOManager()}, **kwargs)


def test_materialize_same_partition_three_times_identical(config):
    tables = []
    for _ in range(3):
        result = _materialize(config, [system_load_asset], partition_key="2024-11-03")
        assert result.success
        tables.append(warehouse.read_partitions(config, S, None))
    assert tables[0].height == 300
    assert_frame_equal(tables[0], tables[1])
    assert_frame_equal(tables[1], tables[2])
    # and the direct path writes the very same table
    warehouse.replace_partitions(config, S, h.system_load(h.FALL_BACK), [h.FALL_BACK])
    assert_frame_equal(warehouse.read_partitions(config, S, None), tables[0])


def test_output_metadata(config):
    result = _materialize(config, [system_load_asset], partition_key="2024-03-10")
    mat = result.asset_materializations_for_node("std__isone__system_load_5min")[0]
    md = mat.metadata
    assert md["dagster/row_count"].value == 276
    assert md["dagster/table_name"].value == "isone.std.isone__system_load_5min"
    assert md["partition_days"].value == "2024-03-10"
    column_schema = md["dagster/column_schema"]
    assert isinstance(column_schema, dg.TableSchemaMetadataValue)
    schema = column_schema.schema
    assert schema == dagster_table_schema(S)
    cols = {c.name: c for c in schema.columns}
    assert list(cols) == S.column_names
    assert cols["interval_begin_utc"].type == "TIMESTAMP WITH TIME ZONE"
    assert cols["interval_begin_utc"].constraints.nullable is False
    assert cols["load_mw"].constraints.nullable is True


def test_multi_partition_run_replaces_exactly_those_days(config):
    days = [date(2024, 3, d) for d in range(8, 13)]  # includes the spring-forward day
    warehouse.replace_partitions(config, S, h.system_load_days(days, version=1), days)
    result = _materialize(
        config,
        [system_load_asset],
        tags={
            "version": "2",
            "dagster/asset_partition_range_start": "2024-03-09",
            "dagster/asset_partition_range_end": "2024-03-11",
        },
    )
    assert result.success
    md = result.asset_materializations_for_node("std__isone__system_load_5min")
    assert {m.partition for m in md} == {"2024-03-09", "2024-03-10", "2024-03-11"}
    got = warehouse.read_partitions(config, S, None)
    per_day = got.group_by("operating_day").agg(pl.len(), pl.col("native_load_mw").unique()).sort("operating_day")
    assert per_day["operating_day"].to_list() == days
    assert per_day["native_load_mw"].to_list() == [[1.0], [2.0], [2.0], [2.0], [1.0]]
    assert per_day["len"].to_list() == [288, 288, 276, 288, 288]


def test_load_input_reads_upstream_partition(config):
    days = [date(2024, 7, 1), date(2024, 7, 2)]
    warehouse.replace_partitions(config, S, h.system_load_days(days), days)
    result = _materialize(config, [system_load_asset, downstream], partition_key="2024-07-02", selection=[downstream])
    assert result.success
    got = collected["input"]
    assert got.schema == S.polars_schema
    assert got["operating_day"].unique().to_list() == [date(2024, 7, 2)] and got.height == 288


@dg.asset(key=["std", "isone__locations"])
def locations_asset() -> pl.DataFrame:
    return h.locations()


def test_unpartitioned_asset_replaces_whole_table(config):
    for _ in range(2):
        assert _materialize(config, [locations_asset]).success
    got = warehouse.read_partitions(config, LOCATIONS, None)
    assert got.height == 3


@dg.asset(key=["std", "isone__nope"])
def unknown_asset() -> pl.DataFrame:
    return h.locations()


@dg.asset(key=["mart", "isone__locations"])
def wrong_layer_asset() -> pl.DataFrame:
    return h.locations()


@dg.asset(key=["std", "isone__system_load_5min"], partitions_def=DAILY)
def wrong_day_asset() -> pl.DataFrame:
    return h.system_load(date(2024, 7, 3))


@pytest.mark.parametrize(
    ("asset", "kwargs", "message"),
    [
        (unknown_asset, {}, "unknown warehouse table 'isone__nope'"),
        (wrong_layer_asset, {}, r"asset key must be \['std', 'isone__locations'\]"),
        (wrong_day_asset, {"partition_key": "2024-07-02"}, r"\['2024-07-03'\] are outside the partition"),
    ],
)
def test_clear_errors(config, asset, kwargs, message):
    with pytest.raises(Exception, match=message):
        _materialize(config, [asset], **kwargs)


def test_from_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("ISONE_CATALOG_URL", str(tmp_path / "c.sqlite"))
    monkeypatch.setenv("ISONE_LAKE_URL", str(tmp_path / "lake"))
    monkeypatch.delenv("ISONE_WAREHOUSE_DATA_PATH", raising=False)
    io = DuckLakeIOManager.from_settings(Settings.from_env())
    assert io.catalog == f"sqlite:{tmp_path.resolve()}/c.sqlite"
    assert io.data_path == f"{tmp_path.resolve()}/lake/tables/"
