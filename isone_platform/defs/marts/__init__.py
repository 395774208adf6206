"""The marts: dbt models (dbt_project/) on the DuckLake warehouse, wired as partitioned Dagster assets, and the
checks that reconcile them with the std tables."""
