"""IO managers: the DuckLake warehouse IO manager for std tables.

Not the stock dagster-duckdb IO managers: they delete and insert outside a transaction, by column position and
by a timestamp window. This one replaces whole `operating_day` partitions in one transaction, selects columns by
name into the schema registry's canonical schema, and never blocks readers (see `lib/warehouse.py`).
"""

from __future__ import annotations

from datetime import date

import dagster as dg
import polars as pl

from isone_platform.lib import warehouse
from isone_platform.lib.schemas import TableSchema
from isone_platform.lib.warehouse import WarehouseConfig, WarehouseError


def dagster_table_schema(schema: TableSchema) -> dg.TableSchema:
    """The registry schema as Dagster's `TableSchema` (column names, DuckDB types, descriptions, NOT NULL)."""
    not_null = set(schema.not_null_columns)
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.duckdb_type,
                description=c.description,
                constraints=dg.TableColumnConstraints(nullable=c.name not in not_null),
            )
            for c in schema.columns
        ]
    )


def _partition_days(keys: list[str], asset_key: dg.AssetKey) -> list[date]:
    days = []
    for key in keys:
        try:
            days.append(date.fromisoformat(key))
        except ValueError:
            raise WarehouseError(
                f"{asset_key.to_user_string()}: partition key {key!r} is not a day (YYYY-MM-DD); the warehouse "
                "IO manager supports daily partitions only"
            ) from None
    return sorted(set(days))


class DuckLakeIOManager(dg.ConfigurableIOManager):
    """Stores std assets (polars frames) in the DuckLake warehouse, one atomic replace per run.

    The asset key is `[layer, table]`, e.g. `["std", "isone__system_load_5min"]`; the table must be in the
    schema registry. A partitioned asset (daily partitions, keys `YYYY-MM-DD`) replaces exactly its partitions'
    `operating_day`s, all of a multi-partition run in one transaction; an unpartitioned one the whole table.
    """

    catalog: str
    data_path: str

    @classmethod
    def from_env(cls) -> DuckLakeIOManager:
        config = WarehouseConfig.from_env()
        return cls(catalog=config.catalog, data_path=config.data_path)

    @property
    def config(self) -> WarehouseConfig:
        return WarehouseConfig(catalog=self.catalog, data_path=self.data_path)

    @staticmethod
    def _schema_for(asset_key: dg.AssetKey) -> TableSchema:
        path = asset_key.path
        schema = warehouse.std_table(path[-1])
        if list(path[:-1]) != [schema.layer]:
            raise WarehouseError(
                f"asset key {asset_key.to_user_string()}: table {schema.name} lives in schema {schema.layer!r}, "
                f"so its asset key must be [{schema.layer!r}, {schema.name!r}]"
            )
        return schema

    def _days(self, context: dg.InputContext | dg.OutputContext, schema: TableSchema) -> list[date] | None:
        if context.has_asset_partitions:
            if schema.partition_column is None:
                raise WarehouseError(f"{schema.qualified_name} is not partitioned, but asset {context.asset_key.to_user_string()} is")
            return _partition_days(list(context.asset_partition_keys), context.asset_key)
        return None

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        schema = self._schema_for(context.asset_key)
        if obj is None or not isinstance(obj, pl.DataFrame):
            raise WarehouseError(
                f"{context.asset_key.to_user_string()}: expected a polars DataFrame to store, got {type(obj).__name__}"
            )
        days = self._days(context, schema)
        if days is None and schema.partition_column is not None:
            raise WarehouseError(
                f"{schema.qualified_name} is partitioned on {schema.partition_column}, but asset "
                f"{context.asset_key.to_user_string()} is not partitioned"
            )
        rows = warehouse.replace_partitions(self.config, schema, obj, days)
        metadata: dict[str, object] = {
            "dagster/row_count": dg.MetadataValue.int(rows),
            "dagster/column_schema": dg.MetadataValue.table_schema(dagster_table_schema(schema)),
            "dagster/table_name": dg.MetadataValue.text(f"{warehouse.CATALOG_ALIAS}.{schema.qualified_name}"),
        }
        if days is not None:
            metadata["partition_days"] = dg.MetadataValue.text(", ".join(d.isoformat() for d in days))
        else:
            metadata["partition_days"] = dg.MetadataValue.text("(whole table)")
        context.add_output_metadata(metadata)

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        schema = self._schema_for(context.asset_key)
        days = self._days(context, schema)
        return warehouse.read_partitions(self.config, schema, days)
