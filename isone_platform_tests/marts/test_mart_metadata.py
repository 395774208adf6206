"""What the UI shows about each mart before it is ever built: layer group, owner, tags, column types, table name and
a link to the model's SQL, all from dbt's manifest through `IsoneDbtTranslator`."""

from pathlib import Path

import dagster as dg
import pytest

from isone_platform.lib import dbt as dbt_lib
from isone_platform.lib.asset_meta import OWNER

from .conftest import ALL_MART_TABLES

DOMAINS = {
    "isone__load_daily": "load",
    "isone__lmp_daily": "lmp",
    "isone__fuel_mix_daily": "fuel_mix",
    "isone__system_vs_zonal_daily": "load",
    "isone__load_forecast_accuracy_daily": "forecast",
    "isone__seven_day_outlook": "forecast",
    "isone__price_revisions_daily": "lmp",
}


@pytest.fixture(scope="module")
def specs() -> dict[str, dg.AssetSpec]:
    from isone_platform.defs.marts.assets import isone_marts

    return {spec.key.path[-1]: spec for spec in isone_marts.specs}


def test_every_mart_is_in_the_mart_group_owned_and_tagged_with_its_domain(specs):
    assert set(specs) == set(ALL_MART_TABLES) == set(dbt_lib.MART_TABLES) == set(DOMAINS)
    for name, spec in specs.items():
        assert spec.key == dg.AssetKey(["mart", name])
        assert spec.group_name == "mart"
        assert list(spec.owners) == [OWNER]
        assert {k: v for k, v in spec.tags.items() if not k.startswith("dagster/")} == {
            "layer": "mart",
            "domain": DOMAINS[name],
            "iso": "isone",
        }, name


def test_every_mart_column_has_a_type_and_a_description_at_definition_time(specs):
    for name, spec in specs.items():
        schema = spec.metadata["dagster/column_schema"]
        assert schema is not None, name
        assert schema.columns, name
        for column in schema.columns:
            assert column.type not in ("", "?"), f"{name}.{column.name} has no data_type in schema.yml"
            assert column.description, f"{name}.{column.name} has no description"
        assert schema.columns[0].name == "operating_day" and schema.columns[0].type == "DATE"
        assert spec.metadata["dagster/table_name"] == f"isone.{dbt_lib.MART_SCHEMA}.{name}"


def test_every_mart_links_to_its_model_sql(specs):
    for name, spec in specs.items():
        refs = spec.metadata["dagster/code_references"].code_references
        paths = [Path(ref.file_path) for ref in refs if isinstance(ref, dg.LocalFileCodeReference)]
        assert dbt_lib.DBT_PROJECT_DIR / "models" / "marts" / f"{name}.sql" in paths, name


def test_a_model_without_a_domain_is_an_error_naming_it():
    from isone_platform.defs.marts.assets import model_domain

    assert model_domain({"name": "m", "config": {"meta": {"domain": "lmp"}}}) == "lmp"
    with pytest.raises(ValueError, match="dbt model m has no `meta: {domain"):
        model_domain({"name": "m", "config": {"meta": {}}})
