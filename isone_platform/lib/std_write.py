"""What a std asset does with its run's landed days: standardize them one at a time and replace them in the
warehouse in one transaction — but only with days at least as good as the stored ones, and only with rows the
structural rules accept.

A day is refused (its new bodies quarantined, the accepted raw manifest put back) when:
- its bodies cannot be parsed;
- it is less complete than the stored day (`day_guard.shortfalls`), unless the run config overrides;
- its rows break a blocking structural rule (checked inside the transaction, before COMMIT: readers never see
  them).
Any refusal rolls the whole transaction back, so a std step writes all its days or none — exactly what Dagster
records for it (a failed step materializes none of its partitions). The step fails once, naming every refused
day, why, and where its bodies went.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
import polars as pl

from isone_platform.lib import day_guard, revisions
from isone_platform.lib.datasets import Dataset, standardize
from isone_platform.lib.dq.registry import evaluate_rules, rules_for
from isone_platform.lib.lake import Lake, accept_day, reject_day
from isone_platform.lib.parse.common import ParseError
from isone_platform.lib.partitions import expected_intervals
from isone_platform.lib.raw import RawDay
from isone_platform.lib.schemas import TableSchema

STRUCTURAL = "structural"


@dataclass(frozen=True)
class DayFigures:
    """What one operating day of a std run holds: the figures attached to that day's partition."""

    rows: int
    parse_warnings: int
    intervals: int | None = None  # distinct interval begins (interval feeds only)
    expected_intervals: int | None = None
    first_interval_utc: datetime | None = None
    latest_interval_utc: datetime | None = None

    def metadata(self) -> dict[str, object]:
        metadata: dict[str, object] = {"rows": self.rows, "parse_warnings": self.parse_warnings}
        if self.intervals is not None:
            metadata["intervals"] = f"{self.intervals}/{self.expected_intervals}"
            metadata["first_interval_utc"] = _iso(self.first_interval_utc)
            metadata["latest_interval_utc"] = _iso(self.latest_interval_utc)
        return metadata


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts else None


@dataclass
class StdSummary:
    """The std run's figures, one `DayFigures` per operating day, accumulated as the days are standardized (no
    day's rows are kept for it). Dagster attaches each day's figures to that day's partition; the run's totals
    are named as such, because a multi-day run records one materialization per day."""

    grain: timedelta | None
    days: dict[date | None, DayFigures] = field(default_factory=dict)

    def add(self, day: date | None, frame: pl.DataFrame, warnings: int) -> None:
        if self.grain is None or day is None or not frame.height:
            self.days[day] = DayFigures(frame.height, warnings)
            return
        intervals = frame.filter(pl.col("operating_day") == day)["interval_begin_utc"]
        self.days[day] = DayFigures(
            rows=frame.height,
            parse_warnings=warnings,
            intervals=intervals.n_unique(),
            expected_intervals=expected_intervals(day, self.grain),
            first_interval_utc=_as_datetime(intervals.min()),
            latest_interval_utc=_as_datetime(intervals.max()),
        )

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.days.values())

    @property
    def parse_warnings(self) -> int:
        return sum(f.parse_warnings for f in self.days.values())


def _as_datetime(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


@dataclass(frozen=True)
class Refusal:
    """One operating day the std step would not write, and why."""

    day: date | None
    reason: str


class DaysRefused(Exception):
    """Some days of the run were refused: the transaction must roll back."""

    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        super().__init__("; ".join(f"{r.day}: {r.reason}" for r in refusals))


class GuardedDays:
    """A std run's days, standardized one at a time as the warehouse transaction asks for them, and the guard
    (`warehouse.WriteGuard`) that transaction consults before replacing each day and before COMMIT.

    Re-iterable: a transaction retried after a conflict reads and standardizes the days again, and every pass
    starts with no refusals. Only the current day's bodies and rows are in memory.
    """

    def __init__(self, ds: Dataset, raw: Iterable[RawDay], log: logging.Logger, *, accept_less_complete: bool = False):
        self.ds = ds
        self.raw = raw
        self.log = log
        self.accept_less_complete = accept_less_complete
        self.summary = StdSummary(ds.grain)
        self.landed: dict[date | None, RawDay] = {}  # each day's manifest, without its bodies
        self.refused: dict[date | None, Refusal] = {}
        self.revised: dict[date | None, int] = {}  # intervals whose values this write replaced, kept as revisions
        self._logged: set[str] = set()

    def __iter__(self) -> Iterator[tuple[date | None, pl.DataFrame]]:
        self.summary, self.refused, self.landed, self.revised = StdSummary(self.ds.grain), {}, {}, {}
        for raw_day in self.raw:
            day = raw_day.day
            self.landed[day] = RawDay(raw_day.dataset, day, [], manifest=raw_day.manifest)
            try:
                result = standardize(self.ds, raw_day)
            except ParseError as exc:
                self.refused[day] = Refusal(day, f"its bodies cannot be parsed: {exc}")
                continue
            finally:
                del raw_day  # the bodies are parsed: free them before the day's rows are written
            self._log_warnings(result.warnings)
            self.summary.add(day, result.frame, len(result.warnings))
            yield day, result.frame
            del result  # written: free the rows before the next day is read (a suspended generator keeps locals)

    def _log_warnings(self, warnings: list[str]) -> None:
        for message in dict.fromkeys(warnings):
            if message not in self._logged:
                self._logged.add(message)
                self.log.warning(message)

    # -- warehouse.WriteGuard --------------------------------------------------------------------------------
    @property
    def extra_tables(self) -> list[TableSchema]:
        return revisions.tables_of(self.ds)

    def before_replace(self, con: duckdb.DuckDBPyConnection, day: date | None, frame: pl.DataFrame) -> None:
        """Keep the values this day's new rows replace (`lib/revisions.py`), in the write transaction."""
        revised = revisions.record_revisions(con, self.ds, day, frame)
        if revised is not None:
            self.revised[day] = revised

    def admit(self, con: duckdb.DuckDBPyConnection, day: date | None, frame: pl.DataFrame) -> bool:
        """Replace `day` only when its new rows are at least as complete as the stored ones (or overridden)."""
        if day in self.refused:
            return False
        table = self.ds.table
        stored = day_guard.stored_profile(con, table, day)
        reasons = day_guard.shortfalls(table, stored, day_guard.profile_of_frame(table, frame))
        if not reasons:
            return True
        because = f"{'; '.join(reasons)} where {stored.rows:,} rows are stored"
        if self.accept_less_complete:
            self.log.warning(f"{self.ds.asset_name} {day}: accept_less_complete is set: replacing although {because}")
            return True
        self.refused[day] = Refusal(day, because)
        return False

    def validate(self, con: duckdb.DuckDBPyConnection, days: list[date | None]) -> None:
        """Before COMMIT: the blocking structural rules on the rows just written; any refused day (by them, or
        earlier by `admit` or the parser) rolls the transaction back."""
        refusals = list(self.refused.values()) + self._structural_refusals(con, days)
        if refusals:
            raise DaysRefused(refusals)

    def _structural_refusals(self, con: duckdb.DuckDBPyConnection, days: list[date | None]) -> list[Refusal]:
        """One query per rule for the whole run; only when one fails, again per day to name the days."""
        partitioned = [d for d in days if d is not None]
        if not days or not self._violations(con, partitioned or None):
            return []
        per_day = (
            [(d, self._violations(con, [d])) for d in partitioned]
            if partitioned
            else [(None, self._violations(con, None))]
        )
        return [Refusal(d, "; ".join(found)) for d, found in per_day if found]

    def _violations(self, con: duckdb.DuckDBPyConnection, days: list[date] | None) -> list[str]:
        names = {r.name for r in rules_for(self.ds.name) if r.kind == STRUCTURAL and r.blocking}
        outcomes = evaluate_rules(con, self.ds.name, days, only=names)
        return [f"{o.rule}: {o.summary}" for o in outcomes if not o.passed]


def accept_all(lake: Lake, days: GuardedDays) -> None:
    """After COMMIT: the manifests the stored days were just built from become the accepted ones."""
    for landed in days.landed.values():
        accept_day(lake, landed)


def quarantine(lake: Lake, days: GuardedDays, refused: list[Refusal]) -> dict[date | None, str]:
    """After a rollback: each refused day's new bodies go to quarantine and its accepted bodies come back.
    Returns where each day's bodies went."""
    return {r.day: reject_day(lake, days.landed[r.day], r.reason) for r in refused if r.day in days.landed}


def refusal_message(asset: str, refused: list[Refusal], quarantined: dict[date | None, str]) -> str:
    """One message for the run's failure: every refused day, why, what was kept and where the bodies went."""
    lines = [
        f"{asset} {r.day or '(whole table)'}: {r.reason}; kept the stored day; "
        + (f"new bodies quarantined at {quarantined[r.day]}" if r.day in quarantined else "nothing was landed")
        for r in refused
    ]
    return f"{len(refused)} operating day(s) refused; nothing of this run was written:\n" + "\n".join(lines)
