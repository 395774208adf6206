"""The dashboard's one read-only warehouse connection, shared by every session of the Streamlit server.

Opening a DuckLake connection costs ~0.3 s (extension signatures), so the server keeps one and serializes the
panels' queries on it (each takes milliseconds). It is a read-only attach: it sees each committed snapshot, never
blocks polling or backfills and is never blocked by them. A query that fails while a writer commits (a SQLite
catalog lock, a file replaced under it) is retried on a fresh connection before the page reports it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import duckdb

from isone_platform import warehouse
from isone_platform.warehouse import GuardedConnection

T = TypeVar("T")
ATTEMPTS = 3
RETRY_PAUSE_SECONDS = 0.2


class Reader:
    """Runs `fn(connection, *args)` on the shared connection, one query at a time, reconnecting on failure."""

    def __init__(
        self, connect: Callable[[], duckdb.DuckDBPyConnection | GuardedConnection] = warehouse.connect
    ) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        # connecting now raises WarehouseNotFoundError early
        self._con: duckdb.DuckDBPyConnection | GuardedConnection | None = connect()

    def run(self, fn: Callable[..., T], *args: object) -> T:
        with self._lock:
            for attempt in range(1, ATTEMPTS):
                try:
                    return fn(self._connection(), *args)
                except duckdb.Error:
                    self._drop()
                    time.sleep(RETRY_PAUSE_SECONDS * attempt)
            try:
                return fn(self._connection(), *args)
            except duckdb.Error:
                self._drop()
                raise

    def _connection(self) -> duckdb.DuckDBPyConnection | GuardedConnection:
        if self._con is None:
            self._con = self._connect()
        return self._con

    def _drop(self) -> None:
        """Forget a connection a failed query may have left in a bad state; the next query opens a new one."""
        con, self._con = self._con, None
        if con is not None:
            try:
                con.close()
            except duckdb.Error:
                pass

    def close(self) -> None:
        with self._lock:
            self._drop()
