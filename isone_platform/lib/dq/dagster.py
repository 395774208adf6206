"""The Dagster wiring of the DQ rules: `build_dataset_checks(dataset)`, asset checks on a std asset.

One `@multi_asset_check` per std asset (and per other table its rules read) holding one check per rule, named
after the rule, structural ones blocking, evaluated on the partition(s) of the run they execute in. The rules
themselves know nothing of Dagster (`lib/dq/rules/`), so `isone-platform dq` and the tests call them directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
import duckdb

from isone_platform.lib.datasets import Dataset
from isone_platform.lib.dq.outcome import RuleOutcome, days_text
from isone_platform.lib.dq.registry import Rule, evaluate_rules, rules_for
from isone_platform.lib.dq.render import rows_markdown
from isone_platform.lib.dq.sql import latest_day
from isone_platform.lib.partitions import partition_day
from isone_platform.lib.schemas import TableSchema

Clock = Callable[[], datetime]
"""What the checks ask for now (freshness rules): injected, so tests evaluate at a fixed time."""


def utc_now() -> datetime:
    """The production clock."""
    return datetime.now(UTC)


def days_to_check(
    context: dg.AssetCheckExecutionContext, schema: TableSchema, con: duckdb.DuckDBPyConnection
) -> list[date] | None:
    """The operating days a check evaluates: the run's partition(s) (one key or a backfill range); without
    partition information (a check launched on its own), the latest day in the table; None if unpartitioned."""
    if schema.partition_column is None:
        return None
    if context.has_partition_key or context.has_partition_key_range:
        return sorted({partition_day(k) for k in context.partition_keys})
    day = latest_day(con, schema)
    return [day] if day else []


def check_result_kwargs(outcome: RuleOutcome) -> dict[str, Any]:
    """AssetCheckResult arguments (without the keys) for an outcome."""
    return {
        "passed": outcome.passed,
        "severity": dg.AssetCheckSeverity.WARN if outcome.severity == "WARN" else dg.AssetCheckSeverity.ERROR,
        "description": outcome.summary,
        "metadata": {
            "count": dg.MetadataValue.int(outcome.count),
            "checked_days": dg.MetadataValue.text(days_text(outcome.checked_days)),
            "offending_rows": dg.MetadataValue.md(rows_markdown(outcome.rows)),
            "summary": dg.MetadataValue.text(outcome.summary),
        },
    }


def build_dataset_checks(ds: Dataset, now: Clock = utc_now) -> list[dg.AssetChecksDefinition]:
    """The asset checks of the std asset of `ds` (a `lib.datasets.Dataset`): one check per rule, named after it,
    structural ones blocking.

    Rules on the table alone share one `@multi_asset_check` (`<asset>_dq`: one step, one read-only warehouse
    connection). Rules that also read another std table get their own step (`<asset>_dq_vs_<table>`) depending on
    that table, so they run after it in the same run, and a blocking failure upstream of that other table skips
    only them, not the table's own checks. The warehouse is the `warehouse` resource (the one the std assets
    write), so tests and production read what was written. `now` is the clock freshness rules compare against.
    """
    groups: dict[tuple[str, ...], list[Rule]] = {}
    for rule in rules_for(ds.name):
        groups.setdefault(rule.reads, []).append(rule)
    return [_multi_check(ds, reads, rules, now) for reads, rules in groups.items()]


def _check_specs(key: dg.AssetKey, reads: tuple[str, ...], rules: list[Rule]) -> list[dg.AssetCheckSpec]:
    """One spec per rule, depending on the other std tables the rules read."""
    return [
        dg.AssetCheckSpec(
            rule.name,
            asset=key,
            description=rule.description,
            blocking=rule.blocking,
            additional_deps=[dg.AssetKey(["std", t]) for t in reads],
            metadata={"rule_kind": rule.kind, "severity_on_failure": rule.severity},
        )
        for rule in rules
    ]


def _multi_check(ds: Dataset, reads: tuple[str, ...], rules: list[Rule], now: Clock) -> dg.AssetChecksDefinition:
    """One step evaluating `rules` on a read-only connection to the warehouse that wrote the table."""
    key = dg.AssetKey(["std", ds.asset_name])
    suffix = "".join(f"_vs_{t.removeprefix('isone__')}" for t in reads)

    @dg.multi_asset_check(
        specs=_check_specs(key, reads, rules),
        name=f"{ds.asset_name}_dq{suffix}",
        description=f"Data-quality rules of std/{ds.asset_name} (lib/dq/) on the run's operating days"
        + (f", reading {', '.join(reads)}" if reads else "")
        + ".",
        can_subset=True,
        required_resource_keys={"warehouse"},
    )
    def _checks(context):  # no annotations: postponed (string) annotations confuse the decorator
        selected = {k.name for k in context.selected_asset_check_keys if k.asset_key == key}
        with context.resources.warehouse.connect(read_only=True) as con:
            days = days_to_check(context, ds.table, con)
            context.log.info(f"std/{ds.asset_name}: checking {days_text(days)}")
            names = {r.name for r in rules} & selected
            for outcome in evaluate_rules(con, ds.name, days, now=now(), only=names):
                yield dg.AssetCheckResult(asset_key=key, check_name=outcome.rule, **check_result_kwargs(outcome))

    return _checks
