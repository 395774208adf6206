"""The cross-ISO views `common.lmp`, `common.load`, `common.fuel_mix` and `common.load_forecast`.

One operating day materialized through Dagster from the simulator (the load, fuel-mix and forecast feeds, the
day-ahead and real-time hourly LMPs), plus a small hand-made real-time 5-minute LMP day (all nodes would be
~350k rows): each view holds exactly its std tables' rows, renamed as this file spells out independently of the
view SQL; the analysts' read-only connection reads them; views exist only over the tables present; an up-to-date
`ensure_views` writes nothing to the catalog.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from isone_platform import warehouse as analyst
from isone_platform.lib import warehouse
from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.resources import build_resources
from isone_platform.lib.schemas import FUEL_MIX, LMP_RT_5MIN, LOCATIONS, ZONAL_LOAD_5MIN
from isone_platform.lib.warehouse import WarehouseConfig
from isone_platform.lib.warehouse.common_views import (
    COMMON_FUEL_MIX,
    COMMON_LOAD,
    COMMON_VIEWS,
    RESOLUTIONS,
    SOURCES,
    CommonSource,
)

from ..helpers import instance_env, materializable_assets, one_row, query
from . import helpers as h

DAY = date(2024, 7, 15)
MATERIALIZED = (
    "system_load_5min",
    "zonal_load_5min",
    "load_hourly",
    "fuel_mix",
    "load_forecast_hourly",
    "load_forecast_zonal_hourly",
    "lmp_da_hourly",
    "lmp_rt_hourly",
)

_LMP_VIEW = (
    "location_id, location_name, location_type, interval_start_utc, interval_end_utc, lmp, energy, congestion, "
    "loss, price_status"
)
_LMP_STD = (
    "location_id::varchar, location_name, location_type, interval_begin_utc, interval_end_utc, lmp, "
    "energy_component, congestion_component, loss_component, price_status"
)
_LOAD_VIEW = "area, interval_start_utc, interval_end_utc, load_mw"
_FORECAST_VIEW = "area, issued_at_utc, interval_start_utc, interval_end_utc, load_forecast_mw, horizon_hours"
_FORECAST_STD = "issued_at_utc, interval_begin_utc, interval_end_utc, load_mw, horizon_hours"

# (view, the view's rows of one source, its columns, the std table, the same values from it)
EXPECTED_SOURCES = (
    ("lmp", "market = 'DA' AND resolution = 'hourly'", _LMP_VIEW, "isone__lmp_da_hourly", _LMP_STD),
    ("lmp", "market = 'RT' AND resolution = 'hourly'", _LMP_VIEW, "isone__lmp_rt_hourly", _LMP_STD),
    ("lmp", "market = 'RT' AND resolution = '5min'", _LMP_VIEW, "isone__lmp_rt_5min", _LMP_STD),
    (
        "load",
        "area_type = 'system' AND resolution = '5min'",
        _LOAD_VIEW,
        "isone__system_load_5min",
        "'SYSTEM', interval_begin_utc, interval_end_utc, load_mw",
    ),
    (
        "load",
        "area_type = 'zone' AND resolution = '5min'",
        _LOAD_VIEW,
        "isone__zonal_load_5min",
        "zone_name, interval_begin_utc, interval_end_utc, load_mw",
    ),
    (
        "load",
        "area_type = 'system' AND resolution = 'hourly'",
        _LOAD_VIEW,
        "isone__load_hourly",
        "'SYSTEM', interval_begin_utc, interval_end_utc, load_mw",
    ),
    (
        "fuel_mix",
        "true",
        "interval_start_utc, interval_end_utc, fuel_category, fuel_category_rollup, gen_mw, is_marginal",
        "isone__fuel_mix",
        "interval_begin_utc, interval_end_utc, fuel_category, fuel_category_rollup, gen_mw, is_marginal",
    ),
    (
        "load_forecast",
        "area_type = 'system' AND resolution = 'hourly'",
        _FORECAST_VIEW,
        "isone__load_forecast_hourly",
        f"'SYSTEM', {_FORECAST_STD}",
    ),
    (
        "load_forecast",
        "area_type = 'zone' AND resolution = 'hourly'",
        _FORECAST_VIEW,
        "isone__load_forecast_zonal_hourly",
        f"zone_name, {_FORECAST_STD}",
    ),
)


@pytest.fixture(scope="module")
def filled(sim, tmp_path_factory):
    """One day of the small feeds and the hourly LMPs through Dagster, a hand-made RT 5-minute LMP day (prelim)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in instance_env(sim.base_url, tmp_path_factory.mktemp("common")).items():
            mp.setenv(name, value)
        from isone_platform.definitions import defs

        selection = [dg.AssetKey([layer, f"isone__{n}"]) for n in MATERIALIZED for layer in ("raw", "std")]
        dg.materialize(
            materializable_assets(defs()),
            selection=selection,
            partition_key=DAY.isoformat(),
            resources=build_resources(),
        )
        config = WarehouseConfig.from_env()
        rt_5min = h.lmp(DAY, LMP_RT_5MIN).with_columns(price_status=pl.lit("prelim"))
        warehouse.replace_partitions(config, LMP_RT_5MIN, rt_5min, [DAY])
        yield config


def _snapshots(con) -> int:
    return one_row(con, "SELECT count(*) FROM ducklake_snapshots('isone')")[0]


@pytest.mark.parametrize(
    ("view", "where", "view_columns", "table", "std_columns"), EXPECTED_SOURCES, ids=[s[3] for s in EXPECTED_SOURCES]
)
def test_each_source_is_in_its_view_row_for_row(filled, view, where, view_columns, table, std_columns):
    [(view_rows, view_sum)] = query(f"SELECT count(*), sum(hash({view_columns})) FROM common.{view} WHERE {where}")
    [(std_rows, std_sum)] = query(f"SELECT count(*), sum(hash({std_columns})) FROM std.{table}")
    assert std_rows > 0, table
    assert (view_rows, view_sum) == (std_rows, std_sum)


def test_views_hold_nothing_but_their_sources(filled):
    for view in COMMON_VIEWS:
        std_total = sum(query(f"SELECT count(*) FROM std.{s[3]}")[0][0] for s in EXPECTED_SOURCES if s[0] == view.name)
        assert query(f"SELECT count(*) FROM common.{view.name}") == [(std_total,)], view.name
    assert {s.table.name for s in SOURCES} == {s[3] for s in EXPECTED_SOURCES}  # every source is tested above


def test_iso_keys_and_columns_follow_the_contract(filled):
    with analyst.connect() as con:
        for view in COMMON_VIEWS:
            described = [(r[0], r[1]) for r in con.sql(f"DESCRIBE common.{view.name}").fetchall()]
            assert described == view.duckdb_columns(), view.name
            assert con.sql(f"SELECT DISTINCT iso FROM common.{view.name}").fetchall() == [("ISONE",)]
            key = ", ".join(view.primary_key)
            rows, distinct = one_row(con, f"SELECT count(*), count(DISTINCT ({key})) FROM common.{view.name}")
            assert rows == distinct, f"{view.name}: key {view.primary_key} repeats"
        # the analysts' read-only connection reads the common schema like any other
        lmp_rows = sum(one_row(con, f"SELECT count(*) FROM std.{s[3]}")[0] for s in EXPECTED_SOURCES if s[0] == "lmp")
        assert con.sql("select iso, count(*) from common.lmp group by 1").fetchall() == [("ISONE", lmp_rows)]


def test_interval_end_is_start_plus_the_resolution(filled):
    for source in SOURCES:
        grain = DATASETS[source.table.name.removeprefix("isone__")].grain
        assert (RESOLUTIONS[source.resolution] if source.resolution else None) == grain, source.table.name
    for view in ("lmp", "load", "load_forecast"):
        per_resolution = query(
            f"SELECT resolution, count(*) FILTER (WHERE interval_end_utc - interval_start_utc <> CASE resolution "
            f"WHEN '5min' THEN INTERVAL 5 MINUTE WHEN 'hourly' THEN INTERVAL 1 HOUR END) FROM common.{view} GROUP BY 1"
        )
        assert per_resolution and all(bad == 0 for _, bad in per_resolution), (view, per_resolution)
        assert {r for r, _ in per_resolution} <= set(RESOLUTIONS)
    assert query("SELECT count(*) FROM common.fuel_mix WHERE interval_end_utc <= interval_start_utc") == [(0,)]
    # a forecast keeps every issue: several issues of the day's hours
    assert query("SELECT count(DISTINCT issued_at_utc) > 1 FROM common.load_forecast") == [(True,)]


def test_ensure_views_writes_nothing_when_up_to_date_and_mends_a_changed_view(filled):
    con = warehouse.open_connection(filled, read_only=False)
    try:
        before = _snapshots(con)
        warehouse.ensure_views(con)
        warehouse.ensure_tables(con, [FUEL_MIX, LMP_RT_5MIN])
        assert _snapshots(con) == before
        con.execute("CREATE OR REPLACE VIEW common.fuel_mix AS SELECT 1 AS stale")
        warehouse.ensure_views(con)
        assert _snapshots(con) == before + 2  # the stale view, then its repair: nothing else rewritten
        assert [c[0] for c in con.sql("DESCRIBE common.fuel_mix").fetchall()][:2] == ["iso", "interval_start_utc"]
    finally:
        con.close()


def test_a_source_that_does_not_fit_its_view_is_refused():
    with pytest.raises(ValueError, match=r"isone__fuel_mix -> common.fuel_mix: no such view column\(s\) \['mw'\]"):
        CommonSource(COMMON_FUEL_MIX, FUEL_MIX, None, {"mw": "gen_mw"})
    with pytest.raises(ValueError, match="a resolution .* exactly when the view has a `resolution` column"):
        CommonSource(COMMON_LOAD, ZONAL_LOAD_5MIN, None)
    with pytest.raises(ValueError, match="unknown resolution '15min'"):
        CommonSource(COMMON_LOAD, ZONAL_LOAD_5MIN, "15min")
    second_iso = CommonSource(COMMON_FUEL_MIX, FUEL_MIX, None, iso="OTHERISO")
    assert second_iso.select_sql().startswith("SELECT 'OTHERISO' AS iso, interval_begin_utc AS interval_start_utc, ")


def _common_views(config: WarehouseConfig) -> tuple[set[str], bool]:
    """(the views in `common`, whether the schema exists) as a reader sees them."""
    where = "WHERE database_name = 'isone' AND schema_name = 'common'"
    con = warehouse.open_connection(config, read_only=True)
    try:
        views = {r[0] for r in con.sql(f"SELECT view_name FROM duckdb_views() {where}").fetchall()}
        return views, one_row(con, f"SELECT count(*) FROM duckdb_schemas() {where}")[0] == 1
    finally:
        con.close()


def test_views_exist_only_over_the_tables_present(tmp_path):
    config = WarehouseConfig.local(tmp_path / "wh")
    warehouse.replace_partitions(config, LOCATIONS, h.locations(), None)
    assert _common_views(config) == (set(), False)  # no source table: not even the schema
    warehouse.replace_partitions(config, ZONAL_LOAD_5MIN, h.zonal_load(DAY), [DAY])
    assert _common_views(config) == ({"load"}, True)
    warehouse.replace_partitions(config, FUEL_MIX, h.fuel_mix(DAY), [DAY])
    assert _common_views(config) == ({"load", "fuel_mix"}, True)
    con = warehouse.open_connection(config, read_only=True)
    try:
        assert con.sql("SELECT DISTINCT area_type, resolution FROM common.load").fetchall() == [("zone", "5min")]
    finally:
        con.close()


def test_the_docs_state_the_contract():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text()
    section = " ".join(docs.split("## Adding another ISO", 1)[1].split("\n## ", 1)[0].split())
    for view in COMMON_VIEWS:
        assert f"`{view.qualified_name}`" in section, view.qualified_name
        for name, duckdb_type in view.duckdb_columns():
            assert f"`{name}` {duckdb_type}" in section, (view.qualified_name, name)
