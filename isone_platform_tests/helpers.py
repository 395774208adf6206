"""Helpers the test modules share (fixtures live in conftest.py)."""

from isone_platform import warehouse


def query(sql: str) -> list[tuple]:
    """Rows of `sql` through the analysts' read-only connection to the warehouse of the current environment."""
    con = warehouse.connect()
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()
