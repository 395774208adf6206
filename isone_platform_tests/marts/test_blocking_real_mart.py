"""A blocking structural rule failing on a std day (refused before COMMIT) holds back the real dbt mart of that
partition only."""

import dagster as dg

from isone_platform import warehouse
from isone_platform.lib.resources import build_resources
from isone_platform.simulator import Fault
from isone_platform_tests.helpers import materializable_assets

LOAD_DAILY = dg.AssetKey(["mart", "isone__load_daily"])
SELECTION = [
    dg.AssetKey([layer, f"isone__{name}"])
    for name in ("system_load_5min", "zonal_load_5min")
    for layer in ("raw", "std")
] + [LOAD_DAILY]


def _failures(result) -> str:
    return "\n".join(e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure)


def test_duplicate_intervals_hold_back_load_daily_for_that_day_only(platform_env, sim):
    from isone_platform.definitions import defs as build

    definitions = build()
    assets = [*materializable_assets(definitions), *(definitions.asset_checks or [])]
    sim.add_fault(Fault("/fiveminutesystemload/day/20241102", "duplicate_records"))
    with dg.instance_for_test() as instance:
        bad = dg.materialize(
            assets,
            selection=SELECTION,
            partition_key="2024-11-02",
            resources=build_resources(),
            instance=instance,
            raise_on_error=False,
        )
        good = dg.materialize(
            assets,
            selection=SELECTION,
            partition_key="2024-11-03",
            resources=build_resources(),
            instance=instance,
            raise_on_error=False,
        )
        assert "2024-11-02: primary_key_unique" in _failures(bad) and not bad.success
        assert LOAD_DAILY not in {e.asset_key for e in bad.get_asset_materialization_events()}
        assert good.success and LOAD_DAILY in {e.asset_key for e in good.get_asset_materialization_events()}
        marts = {r.partition_key for r in instance.fetch_materializations(LOAD_DAILY, limit=10).records}
        assert marts == {"2024-11-03"}
    con = warehouse.connect()
    try:
        days = con.sql("select distinct operating_day::varchar from mart.isone__load_daily order by 1").fetchall()
    finally:
        con.close()
    assert days == [("2024-11-03",)]
