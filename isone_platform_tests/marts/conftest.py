"""Fixtures of the mart tests: a tmp warehouse filled with the hand-made std fixture, marts built through Dagster."""

from datetime import date

import dagster as dg
import pytest

from isone_platform.lib.resources import build_resources
from isone_platform.lib.warehouse import WarehouseConfig

from . import fixture

MART_TABLES = ("isone__load_daily", "isone__lmp_daily", "isone__fuel_mix_daily", "isone__system_vs_zonal_daily")
"""The marts the hand-made fixture fills (test_forecast_marts.py has its own std rows for the forecast marts)."""
FORECAST_MART_TABLES = ("isone__load_forecast_accuracy_daily", "isone__seven_day_outlook")
REVISION_MART_TABLES = ("isone__price_revisions_daily",)
"""The marts of the prelim -> final revisions (test_price_revisions_mart.py has its own std rows)."""
ALL_MART_TABLES = (*MART_TABLES, *FORECAST_MART_TABLES, *REVISION_MART_TABLES)
RANGE = (fixture.DAYS[0], fixture.DAYS[-1])


def mart_defs():
    from isone_platform.defs.marts import assets, checks

    return [assets.isone_marts, *(getattr(checks, n) for n in dir(checks) if n.endswith("_reconciles_with_std"))]


def materialize_marts(first: date, last: date, *, instance=None, run_config=None, raise_on_error=True):
    tags = {
        "dagster/asset_partition_range_start": first.isoformat(),
        "dagster/asset_partition_range_end": last.isoformat(),
    }
    return dg.materialize(
        mart_defs(),
        resources=build_resources(),
        tags=tags,
        instance=instance,
        run_config=run_config,
        raise_on_error=raise_on_error,
    )


def read_mart(table: str) -> list[dict]:
    from isone_platform import warehouse

    con = warehouse.connect()
    try:
        rel = con.sql(f"select * from mart.{table} order by all")
        return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def mart_env(tmp_path_factory):
    """Env of a fresh warehouse (module-wide), set for the module's tests."""
    root = tmp_path_factory.mktemp("marts")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ISONE_PROJECT_ROOT", str(root))
        mp.setenv("ISONE_CATALOG_URL", str(root / "catalog.sqlite"))
        mp.setenv("ISONE_LAKE_URL", str(root / "lake"))
        yield root


@pytest.fixture(scope="module")
def built(mart_env):
    """The std fixture written, the marts built over its whole range in one run; marts snapshotted right after."""
    config = WarehouseConfig.from_env()
    frames = fixture.build_std()
    fixture.write_std(config, frames)
    result = materialize_marts(*RANGE)
    snapshot = {t: read_mart(t) for t in MART_TABLES}
    return {"config": config, "frames": frames, "result": result, "marts": snapshot}
