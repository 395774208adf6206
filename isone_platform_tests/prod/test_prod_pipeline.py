"""ISONE_ENV=prod through Dagster: raw bodies in S3 (moto), std tables in a DuckLake with a PostgreSQL catalog and
its Parquet files in the same bucket; every dataset round-trips; other engines read the files."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import duckdb_extensions
import polars as pl
import pytest

from isone_platform import warehouse
from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.lake import S3Lake, lake_from_url, read_day
from isone_platform.lib.partitions import partition_day
from isone_platform.lib.resources import ConfigError, build_resources
from isone_platform.lib.schemas import REVISION_TABLES
from isone_platform.lib.settings import SettingsError
from isone_platform.lib.warehouse import WarehouseConfig

from ..helpers import assets_definitions, event_asset_key, one_row, query
from .conftest import list_keys

DAY = "2024-11-03"  # the fall-back day: 25 hours


@pytest.fixture(scope="module")
def all_assets():
    from isone_platform.definitions import defs

    # the ingestion assets only (raw/std): other layers need resources this suite does not configure
    return [a for a in assets_definitions(defs()) if all(k.path[0] in ("raw", "std") for k in a.keys)]


def materialize(all_assets, names, partition=DAY, layers=("raw", "std"), **kwargs):
    selection = [dg.AssetKey([layer, f"isone__{n}"]) for n in names for layer in layers]
    return dg.materialize(
        all_assets, selection=selection, partition_key=partition, resources=build_resources(), **kwargs
    )


def test_prod_resources_use_s3_and_postgres(prod_env):
    resources = build_resources()
    io = resources["raw_lake_io_manager"]
    assert io.lake_url == f"s3://{prod_env.bucket}/lake" and io.s3 is resources["s3"]
    assert isinstance(lake_from_url(io.lake_url, s3=io.s3), S3Lake)
    config = WarehouseConfig.from_env()
    assert config.catalog == f"postgres:{prod_env.catalog_url}"
    assert config.data_path == f"s3://{prod_env.bucket}/lake/tables/"


def test_prod_refuses_local_storage(platform_env, monkeypatch):
    monkeypatch.setenv("ISONE_ENV", "prod")
    with pytest.raises(
        ConfigError, match="ISONE_LAKE_URL must be s3://bucket/prefix.*ISONE_CATALOG_URL must be a PostgreSQL"
    ):
        build_resources()
    monkeypatch.setenv("ISONE_LAKE_URL", "s3://bucket/lake")
    monkeypatch.setenv("ISONE_CATALOG_URL", "postgresql://isone:hunter2@db:5432/isone")
    with pytest.raises(ConfigError, match="contains a password: put it in PGPASSWORD") as err:
        build_resources()
    assert "hunter2" not in str(err.value)
    monkeypatch.setenv("ISONE_ENV", "staging")
    with pytest.raises(SettingsError, match="ISONE_ENV='staging': Input should be 'local' or 'prod'"):
        build_resources()


def test_every_dataset_round_trips_through_s3_and_the_postgres_catalog(prod_env, all_assets):
    partitioned = [ds.name for ds in DATASETS.values() if ds.partitioned]
    unpartitioned = [ds.name for ds in DATASETS.values() if not ds.partitioned]
    assert len(partitioned) == 18 and unpartitioned == ["locations"]
    dg.materialize(
        all_assets,
        selection=[dg.AssetKey([layer, "isone__locations"]) for layer in ("raw", "std")],
        resources=build_resources(),
    )
    result = materialize(all_assets, partitioned)
    assert result.success

    lake = lake_from_url(prod_env.ISONE_LAKE_URL)
    keys = list_keys(prod_env.s3.client, prod_env.bucket, "lake/raw/")
    for name in partitioned:
        prefix = f"lake/raw/isone__{name}/operating_day={DAY}/"
        assert f"{prefix}_manifest.json" in keys and f"{prefix}_accepted_manifest.json" in keys, name
        raw = read_day(lake, name, partition_day(DAY))  # checks every body against its manifest checksum
        # the bodies, the manifest, and the accepted manifest the std day was built from (the same bodies)
        exists = DATASETS[name].exists_on(partition_day(DAY))  # DASI began 2025-03-01: an empty day before
        assert (bool(raw.bodies) == exists) and len([k for k in keys if k.startswith(prefix)]) == len(raw.bodies) + 2
    assert "lake/raw/isone__locations/_manifest.json" in keys

    counts = dict(
        query(
            "select table_name, estimated_size from duckdb_tables() "
            "where database_name = 'isone' and schema_name = 'std'"
        )
    )
    rows = {name: query(f"select count(*) from std.isone__{name}")[0][0] for name in partitioned + unpartitioned}
    assert set(counts) - set(REVISION_TABLES) == {f"isone__{n}" for n in rows}  # + the revisions the writes keep
    assert rows["system_load_5min"] == 300 and rows["zonal_load_5min"] == 8 * 300
    assert rows["lmp_da_hourly"] > 25 * 1150 and rows["lmp_rt_5min"] > 300 * 1150 and rows["locations"] > 1150
    assert query("select count(distinct operating_day) from system_load") == [(1,)]

    # the Parquet files are in the same bucket, Hive-partitioned by operating_day, and nowhere else
    table_keys = list_keys(prod_env.s3.client, prod_env.bucket, "lake/tables/")
    assert any(
        k.startswith(f"lake/tables/std/isone__system_load_5min/operating_day={DAY}/") and k.endswith(".parquet")
        for k in table_keys
    )
    assert not list(Path(prod_env.ISONE_PROJECT_ROOT).rglob("*.parquet"))

    # re-materializing replaces the partition: same rows, no duplicates; the raw day has no leftovers
    assert materialize(all_assets, ["system_load_5min", "fuel_mix"]).success
    assert query("select count(*), count(distinct interval_begin_utc) from std.isone__system_load_5min") == [(300, 300)]
    again = list_keys(prod_env.s3.client, prod_env.bucket, f"lake/raw/isone__system_load_5min/operating_day={DAY}/")
    assert again == [k for k in keys if k.startswith(f"lake/raw/isone__system_load_5min/operating_day={DAY}/")]


def _duckdb_s3(endpoint: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    try:
        con.execute("LOAD httpfs")
    except duckdb.Error:
        duckdb_extensions.import_extension("httpfs", con=con)
        con.execute("LOAD httpfs")
    host = endpoint.removeprefix("http://")
    con.execute(
        f"CREATE SECRET moto (TYPE s3, KEY_ID 'testing', SECRET 'testing-secret', REGION 'us-east-1', "
        f"ENDPOINT '{host}', URL_STYLE 'path', USE_SSL false)"
    )
    return con


def test_objects_are_readable_by_polars_and_duckdb_httpfs(prod_env, all_assets):
    assert materialize(all_assets, ["system_load_5min", "zonal_load_5min"]).success
    assert materialize(all_assets, ["system_load_5min"], partition="2024-11-04").success
    bucket, endpoint = prod_env.bucket, prod_env.s3.endpoint

    # the current data files of a table, as the catalog lists them (DuckLake keeps replaced files for time travel
    # until its maintenance removes them, so engines without a DuckLake reader take the list from the catalog)
    con = warehouse.connect()
    try:
        files = [
            r[0]
            for r in con.sql(
                "select data_file from ducklake_list_files('isone', 'isone__system_load_5min', schema => 'std')"
            ).fetchall()
        ]
        expected = con.sql("select count(*), sum(load_mw) from std.isone__system_load_5min").fetchone()
    finally:
        con.close()
    assert files and all(
        f.startswith(f"s3://{bucket}/lake/tables/std/isone__system_load_5min/operating_day=") for f in files
    )

    storage = {
        "aws_endpoint_url": endpoint,
        "aws_allow_http": "true",
        "aws_region": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing-secret",
    }
    frame = pl.read_parquet(files, storage_options=storage)
    assert (frame.height, frame["load_mw"].sum()) == pytest.approx(expected)
    assert frame.schema["interval_begin_utc"] == pl.Datetime("us", "UTC")
    # Hive-style directories: a glob with hive partitioning recovers operating_day (tables never replaced here)
    zonal = pl.scan_parquet(
        f"s3://{bucket}/lake/tables/std/isone__zonal_load_5min/**/*.parquet",
        storage_options=storage,
        hive_partitioning=True,
    ).collect()
    assert zonal.height == 8 * 300

    duck = _duckdb_s3(endpoint)
    n, total = one_row(duck, "select count(*), sum(load_mw) from read_parquet(?)", [files])
    assert (n, total) == pytest.approx(expected)
    [(zn,)] = duck.execute(
        f"select count(*) from read_parquet('s3://{bucket}/lake/tables/std/isone__zonal_load_5min/*/*.parquet', "
        f"hive_partitioning=true) where operating_day = DATE '{DAY}'"
    ).fetchall()
    assert zn == 8 * 300
    # the raw bodies too: gzip JSON that DuckDB reads straight from the bucket
    [(records,)] = duck.execute(
        f"select count(*) from (select unnest(FiveMinSystemLoads.FiveMinSystemLoad) from read_json_auto("
        f"'s3://{bucket}/lake/raw/isone__system_load_5min/operating_day={DAY}/*.json.gz'))"
    ).fetchall()
    assert records == 300


def test_pipeline_warehouse_in_prod_reads_back_through_the_io_manager(prod_env, all_assets):
    assert materialize(all_assets, ["fuel_mix"]).success
    # std-only re-materialization reads the raw day back from S3 (the raw asset is not run)
    result = materialize(all_assets, ["fuel_mix"], layers=("std",))
    assert result.success
    assert [event_asset_key(e).path[0] for e in result.get_asset_materialization_events()] == ["std"]
    assert query("select count(distinct operating_day) from fuel_mix") == [(1,)]
