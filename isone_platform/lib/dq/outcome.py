"""What a rule returns (`RuleOutcome`) and the preamble every rule shares (missing table, no days).

Why one shape: `isone-platform dq`, the write guard (`lib/std_write.py`) and the Dagster asset checks all read
the same outcome: pass/fail, severity, how many offending items, the first `MAX_ROWS` of them, a summary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import duckdb

from isone_platform.lib.dq.sql import table_exists
from isone_platform.lib.schemas import TableSchema

Severity = Literal["ERROR", "WARN"]


@dataclass(frozen=True)
class RuleOutcome:
    """The result of one rule on one table for some operating days."""

    rule: str
    passed: bool
    severity: Severity
    count: int
    rows: list[dict[str, Any]]
    summary: str
    table: str = ""
    checked_days: tuple[date, ...] | None = None  # None: the whole (unpartitioned) table

    @property
    def finding(self) -> str:
        """PASS, WARN or ERROR: what the outcome means for a reader (a failed WARN rule is a WARN)."""
        return "PASS" if self.passed else self.severity


def days_text(days: Sequence[date] | None) -> str:
    """The checked days for a reader: up to 4 listed, more as a range with a count."""
    if days is None:
        return "whole table"
    days = sorted(set(days))
    if not days:
        return "no days"
    if len(days) <= 4:
        return ", ".join(d.isoformat() for d in days)
    return f"{days[0].isoformat()} .. {days[-1].isoformat()} ({len(days)} days)"


def outcome(
    rule: str,
    schema: TableSchema,
    days: Sequence[date] | None,
    severity: Severity,
    count: int,
    rows: list[dict[str, Any]],
    ok: str,
    bad: str,
    *,
    passed: bool | None = None,
) -> RuleOutcome:
    """A `RuleOutcome`, passed when `count` is 0 unless `passed` says otherwise, summarized by `ok` or `bad`."""
    passed = count == 0 if passed is None else passed
    return RuleOutcome(
        rule=rule,
        passed=passed,
        severity=severity,
        count=count,
        rows=rows,
        summary=ok if passed else bad,
        table=schema.qualified_name,
        checked_days=None if days is None else tuple(sorted(set(days))),
    )


def missing_table(rule: str, schema: TableSchema, days: Sequence[date] | None, severity: Severity) -> RuleOutcome:
    """A failed outcome for a table that is not in the warehouse: a check must not pass on nothing."""
    return outcome(
        rule,
        schema,
        days,
        severity,
        1,
        [{"table": schema.qualified_name, "issue": "table does not exist"}],
        "",
        f"{schema.qualified_name} does not exist in the warehouse (materialize the asset first)",
    )


def no_days(rule: str, schema: TableSchema, severity: Severity) -> RuleOutcome:
    """A passing outcome when there is no day to check (an empty table checked for its latest day)."""
    return outcome(rule, schema, [], severity, 0, [], "no operating days to check (the table holds no rows)", "")


def precheck(
    rule: str, con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None, severity: Severity
) -> RuleOutcome | None:
    """The outcome a rule returns without running its SQL (missing table, no days), or None to run it."""
    if not table_exists(con, schema):
        return missing_table(rule, schema, days, severity)
    if days is not None and not days:
        return no_days(rule, schema, severity)
    return None


def guarded(rule: str, severity: Severity) -> Callable:
    """Decorator: the `precheck` preamble before the rule body; the rule's name is kept as `fn.rule`."""

    def wrap(fn: Callable[..., RuleOutcome]) -> Callable[..., RuleOutcome]:
        def run(
            con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None, **kw: Any
        ) -> RuleOutcome:
            early = precheck(rule, con, schema, days, severity)
            return early if early is not None else fn(con, schema, days, **kw)

        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        run.rule = rule  # type: ignore[attr-defined]
        return run

    return wrap
