"""Reads: the rows of some operating days of a std table, in the registry's schema.

Why through the registry: a caller gets the canonical column order and dtypes whatever Parquet files hold them,
sorted by primary key so two reads of the same data compare equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import polars as pl

from isone_platform.lib.schemas import STD_TABLES, TableSchema
from isone_platform.lib.sql_literals import days_sql
from isone_platform.lib.warehouse.config import WarehouseConfig, WarehouseError
from isone_platform.lib.warehouse.connect import _session


def read_partitions(
    config: WarehouseConfig,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pl.DataFrame:
    """The rows of `days` (all rows if None), in the schema's column order and dtypes, sorted by primary key."""
    cols = ", ".join(f'"{c}"' for c in schema.column_names)
    where = ""
    if days is not None:
        if schema.partition_column is None:
            raise ValueError(f"{schema.qualified_name} is not partitioned: read it with days=None")
        if not days:
            return schema.empty_frame()
        where = f" WHERE {schema.partition_column} IN ({days_sql(days)})"
    order = ", ".join(f'"{c}"' for c in schema.primary_key)
    query = f"SELECT {cols} FROM {schema.qualified_name}{where} ORDER BY {order}"
    if con is not None:
        arrow = con.execute(query).to_arrow_table()
    else:
        with _session(config, read_only=True) as session:
            arrow = session.execute(query).to_arrow_table()
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    return schema.conform(frame)


def std_table(name: str) -> TableSchema:
    """The std table called `name` (`isone__…`), with an error listing the known ones."""
    try:
        return STD_TABLES[name]
    except KeyError:
        raise WarehouseError(f"unknown warehouse table {name!r}; known std tables: {sorted(STD_TABLES)}") from None
