"""The dbt CLI resource for the marts (the venv's dbt; the profile in dbt_project/ reads the warehouse env)."""

import dagster as dg

from isone_platform.lib.dbt import dbt_resource


@dg.definitions
def marts_resources() -> dg.Definitions:
    return dg.Definitions(resources={"dbt": dbt_resource()})
