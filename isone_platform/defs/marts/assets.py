"""The dbt marts (`mart/isone__*`) as one `@dbt_assets` on the operating-day partitions.

A run covering operating days [first, last] runs `dbt build` with ISONE_DBT_MIN_DATE / ISONE_DBT_MAX_DATE set to
them (`lib/dbt.day_range_env`; not `--vars`, which would make dbt re-parse the project every run): every
incremental mart replaces exactly those days (strategy `replace_days`, dbt_project/macros/replace_days.sql) and
the dbt tests run as asset checks. A backfill runs a range in batches, one run each (`backfill_policy()` in
lib/partitions.py: `dg.BackfillPolicy.multi_run` of `ISONE_BACKFILL_DAYS_PER_RUN` days, 15 unless set); run config
`full_refresh: true` rebuilds every day from std instead.
"""

import warnings
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from isone_platform.lib import dbt as dbt_lib
from isone_platform.lib.asset_meta import asset_owners, asset_tags
from isone_platform.lib.ingest_assets import WAREHOUSE_POOL
from isone_platform.lib.mart_days import build_days
from isone_platform.lib.partitions import backfill_policy, operating_day_partitions
from isone_platform.lib.warehouse import DuckLakeResource

dbt_lib.ensure_manifest()
DBT_PROJECT = DbtProject(project_dir=dbt_lib.DBT_PROJECT_DIR, profiles_dir=dbt_lib.DBT_PROJECT_DIR)


class IsoneDbtTranslator(DagsterDbtTranslator):
    """Models: key `mart/<model>` (from `+schema: mart`), group `mart` (the layer), owner the data team, tags
    `layer`/`domain`/`iso` with the domain from the model's `meta: {domain: ...}` in dbt_project's schema.yml.
    Metadata: dagster-dbt's defaults, i.e. `dagster/column_schema` (every column's declared `data_type` and
    description from the manifest) and `dagster/table_name` (`<database>.mart.<model>`). Code references (the
    model's .sql file) through `enable_code_references`. Sources: their `meta.dagster.asset_key`
    (`std/isone__<dataset>`, the std assets), so the lineage std -> mart is one graph."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            return dbt_lib.MART_GROUP
        return super().get_group_name(dbt_resource_props)

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):  # noqa: ANN001, ANN201 (dagster-dbt's)
        """dbt tests are partitioned like the marts: the step reports each test once per day it built."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        with warnings.catch_warnings():  # partitioned check specs are a preview in Dagster 1.13: used deliberately
            warnings.simplefilter("ignore", dg.PreviewWarning)
            return spec._replace(partitions_def=operating_day_partitions)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        if dbt_resource_props["resource_type"] == "model":
            return asset_owners()
        return super().get_owners(dbt_resource_props)

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        tags = super().get_tags(dbt_resource_props)
        if dbt_resource_props["resource_type"] == "model":
            return {**tags, **asset_tags("mart", model_domain(dbt_resource_props))}
        return tags


def model_domain(dbt_resource_props: Mapping[str, Any]) -> str:
    """The model's domain (`load`, `lmp`, `fuel_mix`, `forecast`): `config.meta.domain` in dbt_project's
    schema.yml. A model without one is an error when the definitions load, not an untagged asset."""
    meta = {**dbt_resource_props.get("meta", {}), **dbt_resource_props.get("config", {}).get("meta", {})}
    domain = meta.get("domain")
    if not domain:
        raise ValueError(
            f"dbt model {dbt_resource_props['name']} has no `meta: {{domain: ...}}` in dbt_project/models/"
            "marts/schema.yml (load, lmp, fuel_mix or forecast): the Dagster `domain` tag is read from it"
        )
    return str(domain)


TRANSLATOR = IsoneDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=True)
)


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
            args, days_env = ["build", "--full-refresh"], None
        else:
            context.log.info(f"rebuilding operating days {start} .. {end}")
            args, days_env = ["build"], (start, end)
        with dbt_lib.dbt_environment(warehouse.config, days=days_env):
            yield from dbt.cli(args, context=context).stream()

    try:
        yield from build_days(context, warehouse, days, run_dbt)
    finally:
        dbt_lib.prune_run_targets()
