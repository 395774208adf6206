"""The small warehouse the export tests read (two days of load, one LMP day of 12 locations, the two synthetic
marts; fixtures `export_warehouse_root` and `export_warehouse` in conftest.py), the command, and checksums that
compare an export with SQL on the warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from isone_platform_tests.dashboard import synthetic
from isone_platform_tests.helpers import query

LOAD_DAYS = [date(2024, 11, 7), date(2024, 11, 8)]
LMP_DAY = date(2024, 11, 8)
EXTRA_NODES = 3  # the hub, 8 zones and 3 network nodes: 12 locations


def build(root: Path) -> Path:
    """Write the warehouse under `root` (the environment is set only meanwhile)."""
    return synthetic.build_at(root, lambda c: synthetic.build(c, LOAD_DAYS, [LMP_DAY], extra_nodes=EXTRA_NODES))


def export(*argv: str) -> int:
    """`isone-platform export …` in this process: its exit status (messages go to stdout/stderr)."""
    from isone_platform import cli

    return cli.main(["export", *argv])


LMP_CHECKSUM = (
    "count(*), round(sum(lmp), 6), sum(location_id), count(DISTINCT location_name), "
    "min(interval_begin_utc::TIMESTAMPTZ), max(interval_begin_utc::TIMESTAMPTZ)"
)
"""Count, value sums and the time span of LMP rows: equal on the warehouse and on a faithful export."""


def warehouse_checksum(select: str, where: str) -> tuple:
    return query(f"SELECT {select} FROM {where}")[0]


def file_rows(sql: str) -> list[tuple]:
    """Rows of `sql` on a plain DuckDB (UTC), for reading exported files back."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def file_checksum(select: str, reader: str) -> tuple:
    """The checksum of an exported file or directory (`reader`: `read_csv('…')`, …)."""
    return file_rows(f"SELECT {select} FROM {reader}")[0]


READERS = {
    "parquet": "read_parquet('{}')",
    "csv": "read_csv('{}')",
    "json": "read_json('{}')",
}
"""How a plain DuckDB reads each export format back."""
