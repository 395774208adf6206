"""Write retries are counted per kind of contention and logged: B6 reports the count, operators see the log."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import duckdb
import pytest

from isone_platform.lib.warehouse import WRITE_ATTEMPTS, retries_so_far, retry


def _failing_then(result: str, errors: Sequence[Exception]):
    """A write that raises each of `errors` once, then returns `result`."""
    pending = list(errors)

    def work() -> str:
        if pending:
            raise pending.pop(0)
        return result

    return work


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retry, "_backoff", lambda attempt: None)


def test_each_retry_is_counted_by_kind_and_logged(caplog):
    before = retries_so_far()
    errors = [
        duckdb.TransactionException("Transaction conflict: cannot commit snapshot, another writer committed"),
        duckdb.IOException("database is locked"),
        duckdb.TransactionException("Transaction CONFLICT on table std.x"),
    ]
    with caplog.at_level(logging.INFO, logger=retry.__name__):
        assert retry._with_write_retries(_failing_then("done", errors)) == "done"
    after = retries_so_far()
    assert after.get("conflict", 0) - before.get("conflict", 0) == 2
    assert after.get("database is locked", 0) - before.get("database is locked", 0) == 1
    assert [r.getMessage() for r in caplog.records] == [
        f"warehouse write: conflict, retrying (attempt 2 of {WRITE_ATTEMPTS})",
        f"warehouse write: database is locked, retrying (attempt 3 of {WRITE_ATTEMPTS})",
        f"warehouse write: conflict, retrying (attempt 4 of {WRITE_ATTEMPTS})",
    ]


def test_ducklake_giving_up_on_its_own_commit_retries_is_contention():
    exc = duckdb.TransactionException(
        "Failed to commit DuckLake transaction. Exceeded the maximum retry count of 10 set by the "
        "ducklake_max_retry_count setting. ERROR: duplicate key value violates unique constraint "
        '"ducklake_snapshot_pkey"'
    )
    assert retry.is_retryable(exc) and retry._retry_kind(exc) == "maximum retry count"
    assert not retry.is_retryable(duckdb.ConstraintException('duplicate key value violates unique constraint "pk"'))


def test_an_error_that_is_not_contention_is_neither_retried_nor_counted():
    before = retries_so_far()
    with pytest.raises(duckdb.CatalogException):
        retry._with_write_retries(_failing_then("never", [duckdb.CatalogException("Table x does not exist")]))
    assert retries_so_far() == before


def test_the_last_attempt_is_not_counted_as_a_retry():
    before = sum(retries_so_far().values())
    errors = [duckdb.TransactionException("conflict")] * WRITE_ATTEMPTS
    with pytest.raises(duckdb.TransactionException):
        retry._with_write_retries(_failing_then("never", errors))
    assert sum(retries_so_far().values()) - before == WRITE_ATTEMPTS - 1


class _LostCreateRace:
    """A connection on which another writer created the table first: COMMIT fails with DuckLake's conflict, and the
    failed COMMIT has ended the transaction, so ROLLBACK fails too (as DuckDB 1.5.5 does)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def execute(self, sql: str) -> None:
        self.statements.append(sql.split()[0])
        if sql == "COMMIT":
            raise duckdb.TransactionException(
                'Failed to commit DuckLake transaction. Transaction conflict - attempting to create table "t" in '
                'schema "std" - but this table has been created by another transaction already'
            )
        if sql == "ROLLBACK":
            raise duckdb.TransactionException("TransactionContext Error: cannot rollback - no transaction is active")


def test_losing_a_create_table_race_raises_the_conflict_which_is_retried():
    from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN
    from isone_platform.lib.warehouse import ddl

    con = _LostCreateRace()
    with pytest.raises(duckdb.TransactionException, match="created by another transaction") as err:
        ddl._create_table(con, SYSTEM_LOAD_5MIN)  # type: ignore[arg-type]  # a stand-in for the connection
    assert con.statements == ["BEGIN", "CREATE", "ALTER", "COMMIT", "ROLLBACK"]
    assert retry.is_retryable(err.value)
