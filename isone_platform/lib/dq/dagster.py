"""The Dagster wiring of the DQ rules: `build_dataset_checks(dataset)`, asset checks on a std asset.

One `@multi_asset_check` per std asset (and per other table its rules read) holding one check per rule, named
after the rule, structural ones blocking, evaluated on the partition(s) of the run they execute in. The rules
themselves know nothing of Dagster (`lib/dq/rules/`), so `isone-platform dq` and the tests call them directly.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
import duckdb
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,  # not re-exported by dagster; the evaluation's target
)

from isone_platform.lib.datasets import Dataset
from isone_platform.lib.dq.outcome import RuleOutcome, days_text
from isone_platform.lib.dq.registry import Rule, evaluate_rules, rules_for
from isone_platform.lib.dq.render import markdown_table, rows_markdown
from isone_platform.lib.dq.sql import latest_day
from isone_platform.lib.partitions import operating_day_partitions, partition_day
from isone_platform.lib.poll import check_time
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
    """AssetCheckResult / AssetCheckEvaluation arguments (without the keys) for an outcome."""
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


def build_dataset_checks(ds: Dataset, now: Clock | None = None) -> list[dg.AssetChecksDefinition]:
    """The asset checks of the std asset of `ds` (a `lib.datasets.Dataset`): one check per rule, named after it.

    Rules on the table alone share one `@multi_asset_check` (`<asset>_dq`: one step, one read-only warehouse
    connection). Rules that also read another std table get their own step (`<asset>_dq_vs_<table>`) depending on
    that table, so they run after it in the same run, and a blocking failure upstream of that other table skips
    only them, not the table's own checks. The warehouse is the `warehouse` resource (the one the std assets
    write), so tests and production read what was written. `now` is the clock freshness and completeness rules
    compare against (default: `utc_now`, looked up when the checks run), except in a poll run: there the checks
    evaluate at the time ISO-NE reported (`lib/poll.check_time`), so a day ISO-NE is still publishing is in
    progress whatever the worker's clock says (and a simulator on its own clock is judged by that clock).

    A partitioned dataset's checks are partitioned like it and report one result per operating day of the run
    (`per_day_evaluations`); every ERROR rule is blocking (`ERROR_IS_BLOCKING`).
    """
    groups: dict[tuple[str, ...], list[Rule]] = {}
    for rule in rules_for(ds.name):
        groups.setdefault(rule.reads, []).append(rule)
    return [_multi_check(ds, reads, rules, now) for reads, rules in groups.items()]


def is_blocking(rule: Rule) -> bool:
    """ERROR means stop: a rule whose failure is an ERROR blocks the day's downstream marts; WARN never does."""
    return rule.blocking or rule.severity == "ERROR"


def partitioned_check_spec(*args: Any, **kwargs: Any) -> dg.AssetCheckSpec:
    """`dg.AssetCheckSpec`, without the PreviewWarning Dagster 1.13 emits for every partitioned check spec: per-day
    check results are why we use them (one warning per check would drown the logs of every definitions load)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(*args, **kwargs)


def _check_specs(ds: Dataset, reads: tuple[str, ...], rules: list[Rule]) -> list[dg.AssetCheckSpec]:
    """One spec per rule, partitioned like the dataset, depending on the other std tables the rules read."""
    return [
        partitioned_check_spec(
            rule.name,
            asset=std_asset_key(ds),
            description=rule.description,
            blocking=is_blocking(rule),
            additional_deps=[dg.AssetKey(["std", t]) for t in reads],
            partitions_def=operating_day_partitions if ds.partitioned else None,
            metadata={"rule_kind": rule.kind, "severity_on_failure": rule.severity},
        )
        for rule in rules
    ]


def std_asset_key(ds: Dataset) -> dg.AssetKey:
    return dg.AssetKey(["std", ds.asset_name])


def _multi_check(ds: Dataset, reads: tuple[str, ...], rules: list[Rule], now: Clock | None) -> dg.AssetChecksDefinition:
    """One step evaluating `rules` on a read-only connection to the warehouse that wrote the table."""
    key = std_asset_key(ds)
    suffix = "".join(f"_vs_{t.removeprefix('isone__')}" for t in reads)

    @dg.multi_asset_check(
        specs=_check_specs(ds, reads, rules),
        name=f"{ds.asset_name}_dq{suffix}",
        description=f"Data-quality rules of std/{ds.asset_name} (lib/dq/) on each operating day of the run"
        + (f", reading {', '.join(reads)}" if reads else "")
        + ".",
        can_subset=True,
        required_resource_keys={"warehouse"},
    )
    def _checks(context):  # no annotations: postponed (string) annotations confuse the decorator
        selected = {k.name for k in context.selected_asset_check_keys if k.asset_key == key}
        names = {r.name for r in rules} & selected
        blocking = {r.name for r in rules if is_blocking(r)}
        at = check_time(context.run.tags) or (now or utc_now)()
        with context.resources.warehouse.connect(read_only=True) as con:
            days = days_to_check(context, ds.table, con)
            context.log.info(f"std/{ds.asset_name}: checking {days_text(days)}")
            if days is None:
                for outcome in evaluate_rules(con, ds.name, None, now=at, only=names):
                    yield dg.AssetCheckResult(asset_key=key, check_name=outcome.rule, **check_result_kwargs(outcome))
                return
            findings = yield from per_day_evaluations(context, key, con, ds.name, days, at, names, blocking)
        stop_on_errors(context, key, findings)

    return _checks


def per_day_evaluations(
    context: dg.AssetCheckExecutionContext,
    key: dg.AssetKey,
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    days: list[date],
    now: datetime,
    names: set[str],
    blocking: set[str],
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    """Evaluate the rules on each day alone and yield one evaluation per (rule, day), on that day's partition;
    return the blocking ERROR findings.

    Why per day: a partitioned check's Partitions tab shows each day's own result, and a bad day blocks only its
    own marts. When an asset downstream of `key` runs in this run (the marts), the per-day gating is theirs
    (`blocked_days`), so the evaluations do not fail this step; otherwise `stop_on_errors` fails it."""
    defer = downstream_in_run(context, key)
    findings: list[Finding] = []
    for day in days:
        target = target_materialization(context.instance, key, day)
        for outcome in evaluate_rules(con, dataset, [day], now=now, only=names):
            is_error = not outcome.passed and outcome.severity == "ERROR" and outcome.rule in blocking
            if is_error:
                findings.append(Finding(key, outcome.rule, day, outcome.count, outcome.summary))
            yield dg.AssetCheckEvaluation(
                asset_key=key,
                check_name=outcome.rule,
                partition=day.isoformat(),
                target_materialization_data=target,
                blocking=outcome.rule in blocking and not defer,
                **check_result_kwargs(outcome),
            )
    yield from check_outputs(context, [dg.AssetCheckKey(key, name) for name in sorted(names)])
    return findings


def check_outputs(context: dg.AssetCheckExecutionContext, keys: Sequence[dg.AssetCheckKey]) -> Iterator[dg.Output]:
    """The checks' step outputs: an evaluation yielded as such (not as an AssetCheckResult) produces none, and
    a downstream step gated on a blocking check waits for its output."""
    assets_def = context.op_execution_context.assets_def
    for key in keys:
        yield dg.Output(None, output_name=assets_def.get_output_name_for_asset_check_key(key))


@dataclass(frozen=True)
class Finding:
    """A failed blocking ERROR rule on one operating day: what a run's failure message names."""

    asset_key: dg.AssetKey
    rule: str
    day: date
    count: int
    summary: str = ""

    def text(self) -> str:
        return f"{self.asset_key.to_user_string()} {self.rule} failed on {self.day} ({self.count:,} offending)"


def findings_message(findings: Sequence[Finding]) -> str:
    """One line per finding: asset, rule, day, count (and the rule's own summary)."""
    return "\n".join(f"- {f.text()}: {f.summary}" if f.summary else f"- {f.text()}" for f in findings)


def downstream_in_run(context: dg.AssetCheckExecutionContext, key: dg.AssetKey) -> bool:
    """Whether an asset downstream of `key` (a mart) executes in this run: it then gates each day itself."""
    layer = context.op_execution_context.job_def.asset_layer
    return bool(layer.asset_graph.get(key).child_keys & set(layer.executable_asset_keys))


def stop_on_errors(context: dg.AssetCheckExecutionContext, key: dg.AssetKey, findings: Sequence[Finding]) -> None:
    """Fail the step on blocking ERROR findings, naming each (asset, rule, day, count), unless a downstream
    asset in this run gates the days itself (it then fails the run, naming the same findings)."""
    if not findings:
        return
    if downstream_in_run(context, key):
        days = ", ".join(sorted({f.day.isoformat() for f in findings}))
        context.log.warning(f"ERROR findings on {days}: the marts of those days will not be built")
        return
    raise findings_failure(f"{len(findings)} blocking ERROR finding(s)", findings)


def findings_failure(headline: str, findings: Sequence[Finding]) -> dg.Failure:
    """The step failure for ERROR findings: `headline`, then one line per finding; a table of them as metadata.
    Not retried: the same rows give the same findings."""
    return dg.Failure(
        description=f"{headline}:\n{findings_message(findings)}",
        metadata={"findings": dg.MetadataValue.md(findings_markdown(findings))},
        allow_retries=False,
    )


def findings_markdown(findings: Sequence[Finding]) -> str:
    rows = ([f.asset_key.to_user_string(), f.rule, f.day.isoformat(), f.count] for f in findings)
    return markdown_table(["asset", "rule", "operating_day", "count"], rows)


def target_materialization(
    instance: dg.DagsterInstance, key: dg.AssetKey, day: date
) -> AssetCheckEvaluationTargetMaterializationData | None:
    """The latest materialization of `key` on `day`: what the day's evaluation checked (the UI ties the check's
    status to it)."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[day.isoformat()]), limit=1
    ).records
    if not records:
        return None
    record = records[0]
    return AssetCheckEvaluationTargetMaterializationData(
        storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
    )
