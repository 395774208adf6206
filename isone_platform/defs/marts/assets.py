"""The dbt marts (`mart/isone__*`) as one `@dbt_assets` on the operating-day partitions.

A run covering operating days [first, last] runs `dbt build --vars '{min_date: first, max_date: last}'`: every
incremental mart replaces exactly those days (strategy `replace_days`, dbt_project/macros/replace_days.sql) and
the dbt tests run as asset checks. A backfill runs a range in batches, one run each (`backfill_policy()` in
lib/partitions.py: `dg.BackfillPolicy.multi_run` of `ISONE_BACKFILL_DAYS_PER_RUN` days, 15 unless set); run config
`full_refresh: true` rebuilds every day from std instead.
"""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from isone_platform.lib import dbt as dbt_lib
from isone_platform.lib.ingest_assets import WAREHOUSE_POOL
from isone_platform.lib.mart_days import build_days
from isone_platform.lib.partitions import backfill_policy, operating_day_partitions
from isone_platform.lib.warehouse import DuckLakeResource

dbt_lib.ensure_manifest()
DBT_PROJECT = DbtProject(project_dir=dbt_lib.DBT_PROJECT_DIR, profiles_dir=dbt_lib.DBT_PROJECT_DIR)


class IsoneDbtTranslator(DagsterDbtTranslator):
    """Models: key `mart/<model>` (from `+schema: mart`), group `marts`. Sources: their `meta.dagster.asset_key`
    (`std/isone__<dataset>`, the std assets), so the lineage std -> mart is one graph."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            return dbt_lib.MART_GROUP
        return super().get_group_name(dbt_resource_props)

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):  # noqa: ANN001, ANN201 (dagster-dbt's)
        """dbt tests are partitioned like the marts: the step reports each test once per day it built."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        return spec._replace(partitions_def=operating_day_partitions) if spec is not None else None


TRANSLATOR = IsoneDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class MartsRunConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description="Rebuild the marts from every day in std (dbt --full-refresh, no day range) instead of only the "
        "run's operating days.",
    )


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    name="isone_marts",
    partitions_def=operating_day_partitions,
    backfill_policy=backfill_policy(),
    pool=WAREHOUSE_POOL,
    dagster_dbt_translator=TRANSLATOR,
)
def isone_marts(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckLakeResource, config: MartsRunConfig
):
    dbt_lib.prepare_warehouse(warehouse.config)
    key_range = context.partition_key_range
    first, last = date.fromisoformat(key_range.start), date.fromisoformat(key_range.end)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def run_dbt(start: date, end: date):
        if config.full_refresh:
            context.log.info("full refresh: rebuilding the marts from every day in std")
            args = ["build", "--full-refresh"]
        else:
            context.log.info(f"rebuilding operating days {start} .. {end}")
            args = ["build", "--vars", dbt_lib.vars_json(start, end)]
        with dbt_lib.dbt_environment(warehouse.config):
            yield from dbt.cli(args, context=context).stream()

    try:
        yield from build_days(context, warehouse, days, run_dbt)
    finally:
        dbt_lib.prune_run_targets()
