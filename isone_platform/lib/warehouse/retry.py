"""Retrying a warehouse transaction (or an attach) when concurrent writers collide.

Why: two writers on one catalog can see "database is locked" (SQLite) or a commit conflict (DuckLake); that is
contention, not a fault, and running the whole transaction again with jittered backoff resolves it. Every retry
is counted per kind in this process (`retries_so_far`) and logged, so contention is measured (benchmark B6) and
visible in a run's log instead of only showing up as a slower step.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

import duckdb

from isone_platform.lib.warehouse.config import WarehouseError

WRITE_ATTEMPTS = 10
"""How many times a replace (or an attach) is tried when the catalog is locked or a commit conflicts."""

T = TypeVar("T")

# DuckLake on PostgreSQL retries a commit that lost the race for the next snapshot id itself (a duplicate key on a
# `ducklake_*` catalog table, `ducklake_max_retry_count` times) and then gives up with both phrases in its error:
# still contention, so the whole transaction is tried again later.
_RETRYABLE = re.compile(
    r"database is locked|database is busy|SQLITE_BUSY|conflict|could not serialize|maximum retry count"
    r'|duplicate key value violates unique constraint "ducklake_',
    re.IGNORECASE,
)


def is_retryable(exc: BaseException) -> bool:
    """A lock or commit conflict between writers (worth retrying the whole transaction), not a real error."""
    return isinstance(exc, (duckdb.Error, WarehouseError)) and bool(_RETRYABLE.search(str(exc)))


_log = logging.getLogger(__name__)
_retries: Counter[str] = Counter()


def retries_so_far() -> dict[str, int]:
    """{kind of contention ("conflict", "database is locked", ...): retries} this process has made so far."""
    return dict(_retries)


def _retry_kind(exc: BaseException) -> str:
    """The words of the error that made it retryable, lower-cased: the kind of contention, without the rest of the
    message (which may name the catalog)."""
    found = _RETRYABLE.search(str(exc))
    return found.group(0).lower() if found else type(exc).__name__


def _retry_after(attempt: int, exc: BaseException, what: str) -> None:
    """Count and log one retry of `what` after `exc`, then back off before the next attempt."""
    kind = _retry_kind(exc)
    _retries[kind] += 1
    _log.info("warehouse %s: %s, retrying (attempt %d of %d)", what, kind, attempt + 2, WRITE_ATTEMPTS)
    _backoff(attempt)


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
                _retry_after(attempt, exc, "write")
                continue
            raise
    raise AssertionError("unreachable")
