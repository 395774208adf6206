"""The warehouse's tables and views: tables created from the schema registry, checked against it, never migrated;
the analyst views and the cross-ISO `common` views (`common_views.py`) kept up to date with the std tables present.

Why check instead of migrate: the writes select rows by column name into one canonical schema, so a table
whose columns drifted from `lib/schemas.py` must stop the write with a message, not be altered silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb

from isone_platform.lib.schemas import TableSchema
from isone_platform.lib.warehouse.common_views import COMMON_SCHEMA, LMP_MARKETS, common_view_sql, union_sql
from isone_platform.lib.warehouse.config import CATALOG_ALIAS, SchemaMismatchError


def _existing_columns(con: duckdb.DuckDBPyConnection, schema: TableSchema) -> list[tuple[str, str, bool]] | None:
    """(name, DuckDB type, nullable) per column of the stored table, in order; None when it does not exist."""
    rows = con.execute(
        """
        SELECT column_name, data_type, is_nullable = 'YES'
        FROM information_schema.columns
        WHERE table_catalog = ? AND table_schema = ? AND table_name = ?
        ORDER BY ordinal_position
        """,
        [CATALOG_ALIAS, schema.layer, schema.name],
    ).fetchall()
    return [(r[0], r[1], bool(r[2])) for r in rows] or None


def _expected_columns(schema: TableSchema) -> list[tuple[str, str, bool]]:
    """(name, DuckDB type, nullable) per column as the schema registry wants them, in order."""
    not_null = set(schema.not_null_columns)
    return [(name, dtype, name not in not_null) for name, dtype in schema.duckdb_columns()]


def _describe_mismatch(actual: list[tuple[str, str, bool]], expected: list[tuple[str, str, bool]]) -> str:
    """Every difference between a stored table and the registry, in words, for `SchemaMismatchError`."""
    a_names, e_names = [c[0] for c in actual], [c[0] for c in expected]
    parts = []
    missing = [n for n in e_names if n not in a_names]
    extra = [n for n in a_names if n not in e_names]
    if missing:
        parts.append(f"missing column(s) {missing}")
    if extra:
        parts.append(f"unexpected column(s) {extra}")
    a_by, e_by = {c[0]: c for c in actual}, {c[0]: c for c in expected}
    for name in e_names:
        if name in a_by:
            if a_by[name][1] != e_by[name][1]:
                parts.append(f"{name}: type {a_by[name][1]} in the table, {e_by[name][1]} in the schema")
            if a_by[name][2] != e_by[name][2]:
                nullable = lambda c: "NULL" if c[2] else "NOT NULL"  # noqa: E731
                parts.append(f"{name}: {nullable(a_by[name])} in the table, {nullable(e_by[name])} in the schema")
    if not missing and not extra and a_names != e_names:
        parts.append(f"column order {a_names} in the table, {e_names} in the schema")
    return "; ".join(parts)


def _create_table_sql(schema: TableSchema) -> str:
    """CREATE TABLE with the registry's column names, DuckDB types and NOT NULLs, in the registry's order."""
    cols = ",\n  ".join(
        f'"{name}" {dtype}{"" if nullable else " NOT NULL"}' for name, dtype, nullable in _expected_columns(schema)
    )
    return f"CREATE TABLE IF NOT EXISTS {schema.qualified_name} (\n  {cols}\n)"


def _create_table(con: duckdb.DuckDBPyConnection, schema: TableSchema) -> None:
    """Create one table and its DuckLake partitioning in one transaction, so no writer sees it unpartitioned."""
    con.execute("BEGIN")
    try:
        con.execute(_create_table_sql(schema))
        if schema.partition_column is not None:
            con.execute(f"ALTER TABLE {schema.qualified_name} SET PARTITIONED BY ({schema.partition_column})")
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # a failed COMMIT (another writer created the table first) has already ended the transaction;
            # raising "no transaction is active" here would hide the conflict, which the writer retries
        raise


def ensure_tables(con: duckdb.DuckDBPyConnection, schemas: Iterable[TableSchema]) -> None:
    """Create the schemas and tables that do not exist yet, check the ones that do, (re)create the analyst views.

    Tables partitioned on `operating_day` get DuckLake partitioning on it (one set of Parquet files per day).
    An existing table whose columns (names, DuckDB types, nullability, order) differ from the schema registry
    raises `SchemaMismatchError`; there are no automatic migrations.
    """
    schemas = list(schemas)
    for layer in sorted({s.layer for s in schemas}):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    for schema in schemas:
        existing = _existing_columns(con, schema)
        expected = _expected_columns(schema)
        if existing is None:
            _create_table(con, schema)
        elif existing != expected:
            raise SchemaMismatchError(
                f"warehouse table {CATALOG_ALIAS}.{schema.qualified_name} does not match the schema registry: "
                f"{_describe_mismatch(existing, expected)}. Migrate or drop the table (no automatic migrations yet)."
            )
    ensure_views(con)


def analyst_view_sql(existing_tables: set[str]) -> dict[str, str]:
    """The analyst views (name -> SELECT) that can be built from the std tables present."""
    views: dict[str, str] = {}
    if "isone__system_load_5min" in existing_tables:
        views["system_load"] = (
            "SELECT interval_begin_utc AS ts_utc, operating_day, load_mw, native_load_mw, ard_demand_mw, "
            "system_load_btm_pv_mw, native_load_btm_pv_mw FROM std.isone__system_load_5min"
        )
    if "isone__zonal_load_5min" in existing_tables:
        views["zonal_load"] = (
            "SELECT interval_begin_utc AS ts_utc, operating_day, zone_id, zone_name, load_mw, btm_pv_mw "
            "FROM std.isone__zonal_load_5min"
        )
    lmp_parts = [
        f"SELECT interval_begin_utc AS ts_utc, operating_day, '{market}' AS market, '{resolution}' AS resolution, "
        "location_id, location_name, location_type, lmp, energy_component AS energy, "
        f"congestion_component AS congestion, loss_component AS loss, price_status FROM {table.qualified_name}"
        for table, market, resolution in LMP_MARKETS
        if table.name in existing_tables
    ]
    if lmp_parts:
        views["lmp"] = union_sql(lmp_parts)
    if "isone__fuel_mix" in existing_tables:
        views["fuel_mix"] = (
            "SELECT interval_begin_utc AS ts_utc, operating_day, fuel_category, fuel_category_rollup, gen_mw, "
            "is_marginal FROM std.isone__fuel_mix"
        )
    return views


def wanted_views(existing_tables: set[str]) -> dict[tuple[str, str], str]:
    """Every view (schema, name) -> SELECT that the std tables present allow: the analyst views in the catalog's
    default schema (`main`), the cross-ISO ones in `common`."""
    return {("main", name): body for name, body in analyst_view_sql(existing_tables).items()} | {
        (COMMON_SCHEMA, name): body for name, body in common_view_sql(existing_tables).items()
    }


def _normalize_sql(sql: str) -> str:
    """DuckDB re-renders a view's SQL (parentheses, spacing, quotes around keywords such as `"load"`): compare
    without whitespace, `;`, double quotes or case."""
    return re.sub(r'[\s;"]+', "", sql).lower()


def _std_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'std' "
        "AND table_type = 'BASE TABLE'",
        [CATALOG_ALIAS],
    ).fetchall()
    return {r[0] for r in rows}


def _stored_views(con: duckdb.DuckDBPyConnection, schemas: set[str]) -> dict[tuple[str, str], str]:
    """(schema, name) -> the SQL the catalog holds for each view of `schemas`."""
    rows = con.execute(
        "SELECT schema_name, view_name, sql FROM duckdb_views() "
        "WHERE database_name = ? AND list_contains(?, schema_name)",
        [CATALOG_ALIAS, sorted(schemas)],
    ).fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


def ensure_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the analyst views (`isone.main`) and the cross-ISO views (`isone.common`) where out of date.

    Only views whose definition changed are replaced (an existing schema is left as it is), so concurrent writers
    do not keep rewriting the catalog: with every view up to date, `ensure_views` writes no catalog snapshot.
    """
    wanted = wanted_views(_std_tables(con))
    stored = _stored_views(con, {schema for schema, _ in wanted})
    for (schema, name), body in wanted.items():
        if _normalize_sql(stored.get((schema, name), "")) == _normalize_sql(f"CREATE VIEW {name} AS {body}"):
            continue
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")  # the catalog's own: an analyst cannot create it
        con.execute(f"CREATE OR REPLACE VIEW {schema}.{name} AS {body}")
