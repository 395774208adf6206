"""replace_partitions / read_partitions: atomicity, column names, DST days, idempotence, clear errors."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from isone_platform.lib import warehouse
from isone_platform.lib.schemas import LMP_RT_5MIN, LOCATIONS, SYSTEM_LOAD_5MIN, ZONAL_LOAD_5MIN
from isone_platform.lib.warehouse import SchemaMismatchError, WarehouseConfig, WarehouseError, write

from . import helpers as h

S = SYSTEM_LOAD_5MIN
DAYS = [date(2024, 7, 1), date(2024, 7, 2)]


def test_round_trip_canonical_schema(config):
    df = h.system_load_days(DAYS)
    assert warehouse.replace_partitions(config, S, df, DAYS) == 576
    got = warehouse.read_partitions(config, S, DAYS)
    assert got.schema == S.polars_schema
    assert got["interval_begin_utc"].dtype == pl.Datetime("us", "UTC")
    assert_frame_equal(got, h.sort_by_key(S.conform(df), S))
    assert warehouse.read_partitions(config, S, [DAYS[0]]).height == 288
    assert warehouse.read_partitions(config, S, None).height == 576


def test_failure_mid_replace_leaves_previous_rows(config, monkeypatch):
    before = h.system_load_days(DAYS, version=1)
    warehouse.replace_partitions(config, S, before, DAYS)
    snapshot = warehouse.read_partitions(config, S, None)

    seen = {}

    def fail(con: duckdb.DuckDBPyConnection) -> None:
        # inside the transaction: the old rows are deleted and the new ones inserted, not yet committed
        seen["in_tx"] = con.execute(
            f"SELECT count(*), min(native_load_mw), max(native_load_mw) FROM {S.qualified_name}"
        ).fetchone()
        raise RuntimeError("injected failure at commit")

    with monkeypatch.context() as patch, pytest.raises(RuntimeError, match="injected failure"):
        patch.setattr(write, "_commit", fail)
        warehouse.replace_partitions(config, S, h.system_load(DAYS[0], version=2), [DAYS[0]])

    assert seen["in_tx"] == (576, 1.0, 2.0)  # the failure really came between DELETE+INSERT and COMMIT
    assert_frame_equal(warehouse.read_partitions(config, S, None), snapshot)


def test_column_order_and_extra_columns_cannot_swap_values(config):
    df = h.system_load(DAYS[0])
    # reversed column order, plus an extra column; the two same-typed value columns land by NAME
    shuffled = df.select(list(reversed(df.columns))).with_columns(pl.lit("junk").alias("unexpected_extra"))
    warehouse.replace_partitions(config, S, shuffled, [DAYS[0]])
    got = warehouse.read_partitions(config, S, [DAYS[0]])
    assert_frame_equal(got, S.conform(df))
    assert got["load_mw"][0] == 1000.0 and got["native_load_mw"][0] == 1.0


def test_same_partition_three_times_is_identical(config):
    tables = []
    for _ in range(3):
        warehouse.replace_partitions(config, S, h.system_load_days(DAYS), DAYS)
        tables.append(warehouse.read_partitions(config, S, None))
    assert_frame_equal(tables[0], tables[1])
    assert_frame_equal(tables[1], tables[2])
    assert tables[0].height == 576


@pytest.mark.parametrize(("dst_day", "n"), [(h.SPRING_FORWARD, 276), (h.FALL_BACK, 300)])
def test_dst_day_replace_keeps_neighbours(config, dst_day, n):
    days = [dst_day - timedelta(days=1), dst_day, dst_day + timedelta(days=1)]
    warehouse.replace_partitions(config, S, h.system_load_days(days, version=1), days)
    neighbours_before = warehouse.read_partitions(config, S, [days[0], days[2]])
    assert warehouse.read_partitions(config, S, [dst_day]).height == n

    new = h.system_load(dst_day, version=2)
    assert new.height == n
    warehouse.replace_partitions(config, S, new, [dst_day])

    assert_frame_equal(warehouse.read_partitions(config, S, [dst_day]), S.conform(new))
    # the neighbours' rows around midnight UTC (04:00/05:00Z) survive: deletes go by operating_day, not by a
    # timestamp window
    assert_frame_equal(warehouse.read_partitions(config, S, [days[0], days[2]]), neighbours_before)
    start, end = h.day_bounds_utc(dst_day)
    neighbours = warehouse.read_partitions(config, S, [days[0], days[2]])
    assert neighbours.filter(pl.col("interval_begin_utc") == start - timedelta(minutes=5)).height == 1
    assert neighbours.filter(pl.col("interval_begin_utc") == end).height == 1


def test_replace_only_touches_given_days(config):
    days = [date(2024, 7, d) for d in range(1, 6)]
    warehouse.replace_partitions(config, S, h.system_load_days(days, 1), days)
    warehouse.replace_partitions(config, S, h.system_load_days(days[1:3], 2), days[1:3])
    got = warehouse.read_partitions(config, S, None)
    versions = got.group_by("operating_day").agg(pl.col("native_load_mw").unique()).sort("operating_day")
    assert versions["native_load_mw"].to_list() == [[1.0], [2.0], [2.0], [1.0], [1.0]]


def test_empty_frame_clears_the_day(config):
    warehouse.replace_partitions(config, S, h.system_load_days(DAYS), DAYS)
    assert warehouse.replace_partitions(config, S, S.empty_frame(), [DAYS[0]]) == 0
    assert warehouse.read_partitions(config, S, None)["operating_day"].unique().to_list() == [DAYS[1]]


def test_unpartitioned_table_replaced_whole(config):
    warehouse.replace_partitions(config, LOCATIONS, h.locations(1), None)
    warehouse.replace_partitions(config, LOCATIONS, h.locations(2).head(2), None)
    got = warehouse.read_partitions(config, LOCATIONS, None)
    assert got.height == 2 and got["source_path"].unique().to_list() == ["/locations/all?v=2"]


def test_rows_outside_partition_days_rejected(config):
    df = h.system_load_days(DAYS)
    with pytest.raises(ValueError, match="2024-07-02"):
        warehouse.replace_partitions(config, S, df, [DAYS[0]])
    with pytest.raises(ValueError, match="partitioned"):
        warehouse.replace_partitions(config, S, df, None)
    with pytest.raises(ValueError, match="not partitioned"):
        warehouse.replace_partitions(config, LOCATIONS, h.locations(), [DAYS[0]])


def test_missing_column_and_bad_types_rejected(config):
    with pytest.raises(ValueError, match="load_mw"):
        warehouse.replace_partitions(config, S, h.system_load(DAYS[0]).drop("load_mw"), [DAYS[0]])
    with pytest.raises(pl.exceptions.InvalidOperationError):
        bad = h.system_load(DAYS[0]).with_columns(pl.lit("x").alias("load_mw"))
        warehouse.replace_partitions(config, S, bad, [DAYS[0]])


def test_null_key_rejected_by_not_null_constraint_and_old_rows_kept(config):
    warehouse.replace_partitions(config, ZONAL_LOAD_5MIN, h.zonal_load(DAYS[0]), [DAYS[0]])
    before = warehouse.read_partitions(config, ZONAL_LOAD_5MIN, None)
    bad = h.zonal_load(DAYS[0], 2).with_columns(pl.lit(None, dtype=pl.Utf8).alias("zone_name"))
    with pytest.raises(duckdb.Error, match="NOT NULL"):
        warehouse.replace_partitions(config, ZONAL_LOAD_5MIN, bad, [DAYS[0]])
    assert_frame_equal(warehouse.read_partitions(config, ZONAL_LOAD_5MIN, None), before)


def test_schema_mismatch_of_existing_table_is_a_clear_error(config):
    con = warehouse.open_connection(config, read_only=False)
    con.execute("CREATE SCHEMA std")
    con.execute(
        "CREATE TABLE std.isone__system_load_5min (interval_begin_utc TIMESTAMPTZ, operating_day DATE, load_mw VARCHAR)"
    )
    con.close()
    with pytest.raises(SchemaMismatchError) as err:
        warehouse.replace_partitions(config, S, h.system_load(DAYS[0]), [DAYS[0]])
    msg = str(err.value)
    assert "std.isone__system_load_5min" in msg
    assert "missing column(s)" in msg and "native_load_mw" in msg
    assert "load_mw: type VARCHAR in the table, DOUBLE in the schema" in msg


def test_column_order_mismatch_is_reported(config):
    cols = list(reversed(LMP_RT_5MIN.duckdb_columns()))
    con = warehouse.open_connection(config, read_only=False)
    con.execute("CREATE SCHEMA std")
    con.execute(f"CREATE TABLE {LMP_RT_5MIN.qualified_name} ({', '.join(f'{n} {t}' for n, t in cols)})")
    con.close()
    with pytest.raises(SchemaMismatchError, match="column order"):
        warehouse.replace_partitions(config, LMP_RT_5MIN, h.lmp(DAYS[0], LMP_RT_5MIN), [DAYS[0]])


def test_unknown_table_is_a_clear_error():
    with pytest.raises(WarehouseError, match="unknown warehouse table 'isone__nope'.*isone__system_load_5min"):
        warehouse.std_table("isone__nope")


def test_ducklake_partitioning_on_operating_day(config):
    warehouse.replace_partitions(config, S, h.system_load_days(DAYS), DAYS)
    data_dir = config.data_path + "std/isone__system_load_5min/"
    import pathlib

    dirs = sorted(p.name for p in pathlib.Path(data_dir).iterdir())
    # (writes of fewer than 10 rows are inlined into the catalog; these are 288 rows a day)
    assert dirs == ["operating_day=2024-07-01", "operating_day=2024-07-02"]


def test_config_is_absolute(tmp_path):
    cfg = WarehouseConfig.local(tmp_path)
    assert cfg.catalog == f"sqlite:{tmp_path.resolve()}/catalog.sqlite"
    assert cfg.data_path.endswith("/lake/tables/") and cfg.data_path.startswith("/")


def test_text_goes_over_as_dictionaries_and_comes_back_as_written(config):
    """The insert hands DuckDB text as Arrow dictionaries (`write._as_dictionaries`): nulls, empty strings,
    non-ASCII, repeated and all-null text must be stored exactly as written, in the table's VARCHAR columns."""
    df = h.locations(1).with_columns(
        pl.Series("location_name", ["", "Montréal — Québec 北", ".Z.MAINE"]),
        pl.Series("location_type", [None, "LOAD ZONE", "LOAD ZONE"], dtype=pl.Utf8),
    )
    assert write._as_dictionaries(df).schema["location_name"] == pl.Categorical
    warehouse.replace_partitions(config, LOCATIONS, df, None)
    got = warehouse.read_partitions(config, LOCATIONS, None)
    assert got.schema == LOCATIONS.polars_schema
    assert_frame_equal(got.sort("location_id"), LOCATIONS.conform(df).sort("location_id"))
