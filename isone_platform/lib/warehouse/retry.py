"""Retrying a warehouse transaction (or an attach) when concurrent writers collide.

Why: two writers on one catalog can see "database is locked" (SQLite) or a commit conflict (DuckLake); that is
contention, not a fault, and running the whole transaction again with jittered backoff resolves it.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import TypeVar

import duckdb

from isone_platform.lib.warehouse.config import WarehouseError

WRITE_ATTEMPTS = 10
"""How many times a replace (or an attach) is tried when the catalog is locked or a commit conflicts."""

T = TypeVar("T")

_RETRYABLE = re.compile(r"database is locked|database is busy|SQLITE_BUSY|conflict|could not serialize", re.IGNORECASE)


def is_retryable(exc: BaseException) -> bool:
    """A lock or commit conflict between writers (worth retrying the whole transaction), not a real error."""
    return isinstance(exc, (duckdb.Error, WarehouseError)) and bool(_RETRYABLE.search(str(exc)))


def _backoff(attempt: int) -> None:
    """Sleep longer after each failed attempt (capped at 2 s), jittered so colliding writers drift apart."""
    time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))


def _with_write_retries(work: Callable[[], T]) -> T:
    """`work()`, run again with jittered backoff while it fails on a lock or commit conflict between writers."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return work()
        except duckdb.Error as exc:
            if attempt + 1 < WRITE_ATTEMPTS and is_retryable(exc):
                _backoff(attempt)
                continue
            raise
    raise AssertionError("unreachable")
