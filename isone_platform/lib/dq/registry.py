"""Which rules apply to which dataset (`rules_for`), and evaluating them (`evaluate_rules`).

`isone-platform dq`, the write guard (`lib/std_write.py`) and the Dagster asset checks all take their rules from
here, so a rule added once runs everywhere. Descriptions quote the rules' constants, never copies of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from isone_platform.lib.datasets import DATASETS, POLLED, Dataset
from isone_platform.lib.datasets import dataset as get_dataset
from isone_platform.lib.dq.outcome import RuleOutcome, Severity, days_text, outcome
from isone_platform.lib.dq.rules.completeness import (
    LOAD_ZONE_IDS,
    PRICED_LOCATION_TYPES,
    all_locations_present,
    all_zones_present,
    intervals_complete,
)
from isone_platform.lib.dq.rules.consistency import (
    LMP_SUM_TOLERANCE,
    ZONES_VS_SYSTEM_TOLERANCE,
    identity_holds,
    lmp_components_sum,
    lmp_locations_known,
    percent_text,
    revisions_match,
    zones_sum_to_system,
)
from isone_platform.lib.dq.rules.freshness import FRESHNESS_MAX_AGE, latest_interval_fresh, minutes
from isone_platform.lib.dq.rules.issues import (
    FORECAST_ZONES_TOLERANCE,
    ISSUE_MATCH_WINDOW,
    forecast_zones_sum_to_system,
    issues_complete,
    newest_issue_fresh,
    reports_complete,
)
from isone_platform.lib.dq.rules.ranges import declared_range, range_description
from isone_platform.lib.dq.rules.structural import (
    intervals_inside_operating_day,
    key_columns_not_null,
    primary_key_unique,
    schema_matches_registry,
)
from isone_platform.lib.feed import Identity, ValueRange
from isone_platform.lib.schemas import STD_TABLES

Evaluate = Callable[[duckdb.DuckDBPyConnection, Sequence[date] | None, datetime], RuleOutcome]

FIVE_MINUTE_FEEDS = tuple(ds.name for ds in POLLED)
"""The feeds polled every 5 minutes while their day is today (those with a `current` path): they get freshness."""
LMP_DATASETS = tuple(ds.name for ds in DATASETS.values() if ds.rules.priced_locations)
"""The datasets that price every location of isone__locations (join coverage in `isone-platform dq`)."""


@dataclass(frozen=True)
class Rule:
    """One rule bound to one dataset's table: what the checks, the guard and the CLI evaluate."""

    name: str
    kind: str  # structural | completeness | range | consistency | freshness
    severity: Severity  # severity of a failure (a few rules report WARN when they cannot verify)
    blocking: bool
    description: str
    evaluate: Evaluate = field(repr=False)
    reads: tuple[str, ...] = ()  # other std tables the rule reads (upstream deps of the check)


def _bind(
    ds: Dataset,
    fn: Callable[..., RuleOutcome],
    kind: str,
    severity: Severity,
    description: str,
    *,
    blocking: bool = False,
    reads: tuple[str, ...] = (),
    with_now: bool = False,
    name: str | None = None,
    **kw: Any,
) -> Rule:
    """A `Rule` that runs `fn` on the dataset's table with `kw` (and `now`, for rules that depend on time).

    Its name is `name`, else the rule name `fn` carries, else the function's name."""

    def evaluate(con: duckdb.DuckDBPyConnection, days: Sequence[date] | None, now: datetime) -> RuleOutcome:
        existing = None if days is None else [d for d in days if ds.exists_on(d)]
        if days and not existing:
            return _before_the_feed(ds, rule_name, severity, days)
        return fn(con, ds.table, existing, **({"now": now} if with_now else {}), **kw)

    rule_name = name or getattr(fn, "rule", fn.__name__)
    return Rule(rule_name, kind, severity, blocking, description, evaluate, reads)


def _before_the_feed(ds: Dataset, rule: str, severity: Severity, days: Sequence[date]) -> RuleOutcome:
    """A pass: the checked days are before ISO-NE had the feed (`Dataset.available_from`), so they are empty."""
    when = ds.available_from.isoformat() if ds.available_from else "?"
    return outcome(
        rule, ds.table, days, severity, 0, [], f"{days_text(days)}: before {when}, when the market began: empty", ""
    )


def _structural_rules(ds: Dataset) -> list[Rule]:
    """The blocking rules every table has (and the day-bounds rule for partitioned ones)."""
    schema = ds.table
    rules = [
        _bind(
            ds,
            schema_matches_registry,
            "structural",
            "ERROR",
            "The stored table's columns (names, DuckDB types, NOT NULL, order) are exactly those of lib/schemas.py.",
            blocking=True,
        ),
        _bind(
            ds,
            primary_key_unique,
            "structural",
            "ERROR",
            f"No two rows share the primary key ({', '.join(schema.primary_key)}).",
            blocking=True,
        ),
        _bind(
            ds,
            key_columns_not_null,
            "structural",
            "ERROR",
            f"No NULL in the key/NOT NULL columns ({', '.join(schema.not_null_columns)}).",
            blocking=True,
        ),
    ]
    if ds.partitioned and ds.rows_inside_day:
        rules.append(
            _bind(
                ds,
                intervals_inside_operating_day,
                "structural",
                "ERROR",
                "Every interval lies inside its operating day (America/New_York, DST aware).",
                blocking=True,
            )
        )
    return rules


def _completeness_rules(ds: Dataset) -> list[Rule]:
    """Every interval of the day; the load zones and the priced locations where the feed declares them."""
    rules = []
    if ds.rules.issues:
        rules.append(_issues_rule(ds))
    elif ds.rules.reports:
        rules.append(
            _bind(
                ds,
                reports_complete,
                "completeness",
                "ERROR",
                f"Every operating day that is over has its reports: {ds.rules.reports.description}.",
                with_now=True,
                reports=ds.rules.reports,
            )
        )
    elif ds.partitioned:
        rules.append(
            _bind(
                ds,
                intervals_complete,
                "completeness",
                "ERROR",
                "Every series has every interval of the day (276/288/300 five-minute or 23/24/25 hourly; DST aware)."
                if ds.grain
                else "At least one fuel-mix snapshot in every hour of the day (23/24/25 hours; DST aware).",
                with_now=True,
                grain=ds.grain,
                series=ds.series_columns,
            )
        )
    if ds.rules.zones_in:
        rules.append(_zones_rule(ds, ds.rules.zones_in))
    if ds.rules.priced_locations:
        rules.append(
            _bind(
                ds,
                all_locations_present,
                "completeness",
                "ERROR",
                "Every location priced on the day has all intervals; every priced location of "
                f"isone__locations ({', '.join(PRICED_LOCATION_TYPES)}) is priced.",
                reads=("isone__locations",),
            )
        )
    return rules


def _issues_rule(ds: Dataset) -> Rule:
    """Completeness of a feed that keeps every issue: each issue covers its hours (or market days)."""
    issues = ds.rules.issues
    assert issues is not None
    if issues.covers == "next_days":
        covers = f"its {issues.horizon_days} market days (the days after its issue day)"
    elif issues.covers == "rest_of_day":
        covers = "every hour of the day (23/24/25; an issue made on the day itself: the hours that begin after it)"
    else:
        covers = "every hour of the day (23/24/25, DST aware)"
    return _bind(
        ds,
        issues_complete,
        "completeness",
        "ERROR",
        f"Every issue covers {covers}; every day that is over has at least one issue.",
        with_now=True,
        issues=issues,
        series=tuple(c for c in ds.series_columns if c != issues.column),
    )


def _zones_rule(ds: Dataset, zone_column: str) -> Rule:
    """All 8 load zones in every interval: the zones (and no other) of zonal rows, or priced among locations."""
    zones = f"{len(LOAD_ZONE_IDS)} load zones {LOAD_ZONE_IDS[0]}–{LOAD_ZONE_IDS[-1]}"
    only = ds.rules.zones_only
    where = "(and no other) in every interval" if only else "priced in every interval"
    description = f"All {zones} {where}."
    return _bind(ds, all_zones_present, "completeness", "ERROR", description, zone_column=zone_column, only_zones=only)


def _range_rule(ds: Dataset, value_range: ValueRange) -> Rule:
    """One declared value range, described with its own bounds."""
    return _bind(
        ds,
        declared_range,
        "range",
        value_range.severity,
        range_description(value_range),
        name=value_range.rule,
        value_range=value_range,
    )


def _priced_location_rules(ds: Dataset) -> list[Rule]:
    """The component sum and join coverage of a feed that prices the locations of isone__locations."""
    return [
        _bind(
            ds,
            lmp_components_sum,
            "consistency",
            "ERROR",
            f"lmp = energy + congestion + loss within {LMP_SUM_TOLERANCE} $/MWh.",
        ),
        _bind(
            ds,
            lmp_locations_known,
            "consistency",
            "ERROR",
            "Every LMP location exists in isone__locations (join coverage).",
            reads=("isone__locations",),
        ),
    ]


def _identity_rule(ds: Dataset, identity: Identity) -> Rule:
    """A balance of the feed's own columns, described with its tolerance."""
    return _bind(
        ds,
        identity_holds,
        "consistency",
        "ERROR",
        f"{identity.column} = {identity.equals} within {identity.tolerance:g} {identity.unit} on every row.",
        name=identity.rule,
        identity=identity,
    )


def _value_rules(ds: Dataset) -> list[Rule]:
    """The declared ranges, then the consistency rules the feed declares."""
    rules = [_range_rule(ds, value_range) for value_range in ds.rules.ranges]
    rules += [_identity_rule(ds, identity) for identity in ds.rules.identities]
    if ds.revisions is not None and ds.revisions.kind == "prelim_to_final":
        rules.append(
            _bind(
                ds,
                revisions_match,
                "consistency",
                "ERROR",
                "Where final prices replaced prelim ones, every final row matched exactly one prelim row (the "
                "compared intervals per location equal the day's final rows) and every revision is one of them.",
                reads=(ds.revisions.table.name,),
                revisions=ds.revisions.table,
            )
        )
    if ds.rules.priced_locations:
        rules += _priced_location_rules(ds)
    if ds.rules.sums_to and ds.rules.issues:
        total = get_dataset(ds.rules.sums_to)
        rules.append(
            _bind(
                ds,
                forecast_zones_sum_to_system,
                "consistency",
                "WARN",
                f"Per hour of each issue, Σ zonal forecasts within {percent_text(FORECAST_ZONES_TOLERANCE)} of the "
                f"system forecast of the matching issue (the latest made at most {minutes(ISSUE_MATCH_WINDOW)} "
                "minutes before it).",
                reads=(total.asset_name,),
                system=total.table,
            )
        )
    elif ds.rules.sums_to:
        total = get_dataset(ds.rules.sums_to)
        rules.append(
            _bind(
                ds,
                zones_sum_to_system,
                "consistency",
                "WARN",
                f"Per interval, Σ zonal load within {percent_text(ZONES_VS_SYSTEM_TOLERANCE)} of the system load.",
                reads=(total.asset_name,),
                system=total.table,
            )
        )
    return rules


def _freshness_rules(ds: Dataset) -> list[Rule]:
    """Freshness of today's data, for the feeds that are polled; of the newest issue, for forecasts."""
    issues = ds.rules.issues
    if issues is not None:
        return [
            _bind(
                ds,
                newest_issue_fresh,
                "freshness",
                "WARN",
                f"An issue is due every day by {issues.due_by:%H:%M} America/New_York: the days that the latest "
                "due issue covers hold it.",
                with_now=True,
                issues=issues,
            )
        ]
    if ds.polling is None or ds.rules.reports is not None:  # a report's interval is its whole day
        return []
    max_age = ds.polling.fresh_within or FRESHNESS_MAX_AGE
    return [
        _bind(
            ds,
            latest_interval_fresh,
            "freshness",
            "WARN",
            f"While polling, today's latest interval is at most {minutes(max_age)} minutes old.",
            with_now=True,
            max_age=max_age,
        )
    ]


def rules_for(dataset_name: str) -> list[Rule]:
    """The rules of one dataset (`system_load_5min` or `isone__system_load_5min`), in evaluation order."""
    ds = get_dataset(dataset_name)
    return [*_structural_rules(ds), *_completeness_rules(ds), *_value_rules(ds), *_freshness_rules(ds)]


def evaluate_rules(
    con: duckdb.DuckDBPyConnection,
    dataset_name: str,
    days: Sequence[date] | None,
    *,
    now: datetime | None = None,
    only: set[str] | None = None,
) -> Iterator[RuleOutcome]:
    """Evaluate the dataset's rules (or `only` those named) on `days`; a rule that raises yields a failed ERROR."""
    now = now or datetime.now(UTC)
    schema = STD_TABLES[f"isone__{dataset_name.removeprefix('isone__')}"]
    for rule in rules_for(dataset_name):
        if only is not None and rule.name not in only:
            continue
        try:
            yield rule.evaluate(con, days, now)
        except Exception as exc:  # a broken rule must show up as a failed check, not as a missing one
            yield RuleOutcome(
                rule.name,
                False,
                "ERROR",
                1,
                [{"error": f"{type(exc).__name__}: {exc}"[:500]}],
                f"rule could not be evaluated: {type(exc).__name__}: {exc}"[:300],
                schema.qualified_name,
                None if days is None else tuple(sorted(set(days))),
            )
