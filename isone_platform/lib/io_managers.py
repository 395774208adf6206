"""IO managers: the DuckLake warehouse IO manager for std tables.

Not the stock dagster-duckdb IO managers: they delete and insert outside a transaction, by column position and
by a timestamp window. This one replaces whole `operating_day` partitions in one transaction, selects columns by
name into the schema registry's canonical schema, and never blocks readers (see `lib/warehouse/`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, Protocol, runtime_checkable

import dagster as dg
import polars as pl

from isone_platform.lib import warehouse
from isone_platform.lib.schemas import TableSchema
from isone_platform.lib.settings import Settings
from isone_platform.lib.warehouse import DEFAULT_MEMORY_LIMIT, WarehouseConfig, WarehouseError


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


@runtime_checkable
class DayFrames(Protocol):
    """What a std asset may return instead of one frame: its run's rows one operating day at a time.

    Iterating yields `(day, frame)` (one `(None, frame)` for an unpartitioned table) and must be repeatable (a
    retried transaction iterates again, see `warehouse.replace_partitions_streaming`); `output_metadata()`,
    asked after the write, describes the last complete pass.
    """

    def __iter__(self) -> Iterator[tuple[date | None, pl.DataFrame]]: ...

    def output_metadata(self) -> dict[str, object]: ...


class DuckLakeIOManager(dg.ConfigurableIOManager):
    """Stores std assets (a polars frame, or `DayFrames`) in the DuckLake warehouse, one atomic replace per run.

    The asset key is `[layer, table]`, e.g. `["std", "isone__system_load_5min"]`; the table must be in the
    schema registry. A partitioned asset (daily partitions, keys `YYYY-MM-DD`) replaces exactly its partitions'
    `operating_day`s, all of a multi-partition run in one transaction; an unpartitioned one the whole table.
    `DayFrames` go into that transaction one day at a time, so a long backfill never holds all its rows.
    """

    catalog: str
    data_path: str
    memory_limit: str = DEFAULT_MEMORY_LIMIT

    @classmethod
    def from_settings(cls, settings: Settings) -> DuckLakeIOManager:
        """The IO manager on the warehouse of `settings` (`build_resources` builds it from the `warehouse`
        resource's values, so both always name the same catalog)."""
        config = WarehouseConfig.from_settings(settings)
        return cls(catalog=config.catalog, data_path=config.data_path, memory_limit=config.memory_limit)

    @property
    def config(self) -> WarehouseConfig:
        return WarehouseConfig(catalog=self.catalog, data_path=self.data_path, memory_limit=self.memory_limit)

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
                raise WarehouseError(
                    f"{schema.qualified_name} is not partitioned, but asset {context.asset_key.to_user_string()} is"
                )
            return _partition_days(list(context.asset_partition_keys), context.asset_key)
        return None

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame | DayFrames) -> None:
        schema = self._schema_for(context.asset_key)
        if not isinstance(obj, (pl.DataFrame, DayFrames)):
            raise WarehouseError(
                f"{context.asset_key.to_user_string()}: expected a polars DataFrame or DayFrames to store, got "
                f"{type(obj).__name__}"
            )
        days = self._days(context, schema)
        if days is None and schema.partition_column is not None:
            raise WarehouseError(
                f"{schema.qualified_name} is partitioned on {schema.partition_column}, but asset "
                f"{context.asset_key.to_user_string()} is not partitioned"
            )
        if isinstance(obj, pl.DataFrame):
            rows = warehouse.replace_partitions(self.config, schema, obj, days)
            metadata: dict[str, Any] = {}
        else:
            rows = warehouse.replace_partitions_streaming(self.config, schema, obj, days)
            metadata = dict(obj.output_metadata())
        metadata |= {
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
