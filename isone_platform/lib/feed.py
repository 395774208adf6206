"""What the platform knows about one ISO-NE feed, as one value: a `Dataset`, declared in `defs/<domain>/feeds.py`.

Everything that differs from feed to feed lives in the declaration (request plan, parser, schema, grain, polling,
the post-parse step, the rule set with its value ranges, the series columns), so the shared code in `lib/` reads
fields instead of asking which feed it has. This module holds only the types and the plan helpers the
declarations share: no Dagster, no feed instances, so `lib/` can import it without cycles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

import polars as pl

from isone_platform.lib.parse.common import ParseContext, ParseResult
from isone_platform.lib.schemas import TableSchema

PriceStatus = Literal["prelim", "final"]
Severity = Literal["ERROR", "WARN"]  # lib.dq.outcome.Severity; not imported from there: lib.dq imports the registry


@dataclass(frozen=True)
class Request:
    """One API path of a day's fetch plan. `fallback` is fetched instead when `path` returns no records."""

    path: str
    fallback: str | None = None


Plan = Callable[[date | None, PriceStatus], list[Request]]
Parser = Callable[[bytes, ParseContext], ParseResult]
PostParse = Callable[[pl.DataFrame, date | None], pl.DataFrame]


@dataclass(frozen=True)
class Polling:
    """How today's data of a feed is polled (`lib/poll.py`): its `current` endpoint and how a gap is filled.

    `gap_request(day, first_missing)` is the one path that fills missed intervals from `first_missing` on.
    `gap` is how far apart two landed intervals may be before a poll also fetches the gap (None: the grain).
    `chunked` says the gap request returns one chunk of the day, not all of it: a chunk then covers (and
    replaces) only the `current` bodies whose interval it spans, instead of every older `current` body.
    """

    current_path: str
    gap_request: Callable[[date, datetime], str]
    gap: timedelta | None = None
    chunked: bool = False
    fresh_within: timedelta | None = None  # freshness limit of today's latest interval (None: the 5-minute one)


@dataclass(frozen=True)
class Issues:
    """A forecast feed that keeps every issue (vintage): rows are told apart by `column` (`issued_at_utc`).

    - `covers`: what one issue must cover in its partition: `day` (every hour of the operating day), `rest_of_day`
      (issues made on the day itself only the hours that begin after them, earlier issues every hour), or
      `next_days` (the partition is the issue day; each issue covers the `horizon_days` market days after it);
    - `due_by`: a new issue is due every day before this local time (the freshness rule);
    - `span_days`: how many days after its issue day an issue still reaches (an issue made on day i is in the
      partitions i … i + span_days), so which partitions today's issues feed;
    - `polled_from`: the `current` endpoint a poll asks for the newest issue (at most one more request fetches
      the partition's day path when that issue is new).
    """

    covers: Literal["day", "rest_of_day", "next_days"]
    due_by: time
    span_days: int
    horizon_days: int = 0
    column: str = "issued_at_utc"
    polled_from: str | None = None


@dataclass(frozen=True)
class Revisions:
    """How a feed keeps the values that a later answer replaces (`lib/revisions.py`, inside the std write).

    - `prelim_to_final`: when final rows replace preliminary ones, the intervals whose `values` changed go to
      `table` (both values, both fetch times) and every compared interval is counted per location in
      `isone__price_revision_coverage`;
    - `corrections`: any re-fetched interval whose `values` differ from the stored ones is appended to `table`
      (`isone__load_revisions`), its series named by `area_column` (`SYSTEM` when None) and `zone_column`.
    """

    kind: Literal["prelim_to_final", "corrections"]
    table: TableSchema
    values: tuple[str, ...]
    area_column: str | None = None
    zone_column: str | None = None


@dataclass(frozen=True)
class ValueRange:
    """A range rule (`lib/dq/rules/ranges.value_in_range`): `columns` within `bounds` (None: open on that side).

    `label` names the values in the rule description (default: the columns); `note` ends it, e.g. " (typical range)".
    """

    rule: str
    columns: tuple[str, ...]
    bounds: tuple[float | None, float | None]
    unit: str
    inclusive: bool = True
    severity: Severity = "ERROR"
    nulls_offend: bool = True
    label: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Identity:
    """A balance that must hold on every row (`lib/dq/rules/consistency.identity_holds`): `column` equals the SQL
    expression `equals` (over the same row's columns) within `tolerance`; rows with a NULL term are skipped."""

    rule: str
    column: str
    equals: str
    tolerance: float
    unit: str = "MW"


@dataclass(frozen=True)
class Reports:
    """A feed of reports issued for each operating day (the morning report): every day that is over has
    `expected(day)` distinct reports (`lib/dq/rules/issues.reports_complete`), told apart by `columns`."""

    expected: Callable[[date], int]
    columns: tuple[str, ...] = ("issued_at_utc", "report_type")
    description: str = ""


@dataclass(frozen=True)
class RuleSet:
    """The data-quality rules particular to a feed (`lib/dq/registry.py` adds the ones every table has).

    - `ranges`: value ranges, in evaluation order;
    - `zones_in`: the column that must hold all 8 load zones in every interval (`all_zones_present`), and
      `zones_only`: nothing but them (a zonal table; LMPs price other locations too);
    - `priced_locations`: prices every location of `isone__locations` (completeness per location, join
      coverage) and its LMP is the sum of its components;
    - `sums_to`: the dataset whose value the feed's series must add up to (`zones_sum_to_system`; per matching
      issue for forecasts, `forecast_zones_sum_to_system`);
    - `issues`: the feed keeps every issue of a forecast: completeness and freshness are per issue;
    - `reports`: the feed holds the reports issued for each day: completeness counts them;
    - `identities`: balances that hold on every row (the morning report's capacity arithmetic).
    """

    ranges: tuple[ValueRange, ...] = ()
    zones_in: str | None = None
    zones_only: bool = False
    priced_locations: bool = False
    sums_to: str | None = None
    issues: Issues | None = None
    reports: Reports | None = None
    identities: tuple[Identity, ...] = ()


@dataclass(frozen=True)
class Dataset:
    """One ISO-NE feed. `name` (e.g. "lmp_rt_5min") gives the table and asset keys, `isone__<name>`."""

    name: str
    group: str  # the Dagster group, and the defs/ domain the feed is declared in
    table: TableSchema
    parse: Parser
    plan: Plan
    grain: timedelta | None = None  # None: irregular snapshots (the fuel mix)
    series_columns: tuple[str, ...] = ()  # the key columns that tell one series from another (zone, location)
    has_price_status: bool = False
    polling: Polling | None = None
    post_parse: PostParse | None = None  # applied to a day's merged rows, e.g. fuel-mix snapshot ends
    rules: RuleSet = field(default_factory=RuleSet)
    revisions: Revisions | None = None  # replaced values are kept (prelim -> final prices, load corrections)
    available_from: date | None = None  # the first operating day ISO-NE has this feed (earlier days: empty)

    def exists_on(self, day: date | None) -> bool:
        """Whether ISO-NE has this feed for `day` (a market that started later has no earlier days)."""
        return day is None or self.available_from is None or day >= self.available_from

    @property
    def rows_inside_day(self) -> bool:
        """Whether every row's interval lies inside its operating day: not for a partition by issue day whose rows
        are the market days after it (the seven-day forecast)."""
        return self.rules.issues is None or self.rules.issues.covers != "next_days"

    @property
    def asset_name(self) -> str:
        return f"isone__{self.name}"

    @property
    def partitioned(self) -> bool:
        return self.table.partition_column is not None

    @property
    def current_path(self) -> str | None:
        """The endpoint with the latest published interval, if the feed is polled."""
        return self.polling.current_path if self.polling else None


def ymd(day: date | None) -> str:
    """The `{d}` of a day path (YYYYMMDD); unpartitioned feeds have no day."""
    if day is None:
        raise ValueError("this dataset is partitioned by operating day: a day is required")
    return day.strftime("%Y%m%d")


def single(template: str) -> Plan:
    """A plan of one request: `template` with `{d}` replaced by the day, if it has one."""
    return lambda day, status: [Request(template.format(d=ymd(day)) if "{d}" in template else template)]


def whole_day(template: str) -> Callable[[date, datetime], str]:
    """A gap request for feeds whose day path returns the whole published day."""
    return lambda day, first_missing: template.format(d=ymd(day))
