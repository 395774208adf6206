"""The marts' step, one operating day at a time: which days a run may build, and dbt's events per day.

Why: Dagster runs a multi-day backfill batch as one dbt step whose output covers every day of the batch, and
a blocking check that fails stops that whole step. Our rule is per day: a day whose std data failed an ERROR
rule gets no marts (they would be built from the bad rows), the batch's other days do. So the std checks
report per day and leave the gating to this step when it is in the run (`lib/dq/dagster.py`), and this step

- reads this run's failed ERROR evaluations of its upstream std assets (`blocked_days`);
- with no blocked day, builds the range and yields dbt's outputs (every day materialized), each day with its
  own row count (`add_asset_metadata(..., partition_key=day)`);
- with blocked days, builds each run of consecutive good days and records a materialization for each good day
  only, then fails, naming each blocked day's asset, rule and count;
- in both cases reports each dbt test once per day built (`AssetCheckEvaluation(partition=day)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import dagster as dg
from dagster._core.events import DagsterEventType

from isone_platform.lib.dq.dagster import Finding, findings_failure, target_materialization
from isone_platform.lib.dq.outcome import days_text
from isone_platform.lib.warehouse import DuckLakeResource

DbtRun = Callable[[date, date], Iterable[Any]]
"""Runs dbt on [first, last] and returns its event stream (dagster-dbt's `.stream()`)."""


def blocked_days(context: dg.AssetExecutionContext, days: Sequence[date]) -> dict[date, list[Finding]]:
    """The days of this run with a failed ERROR check on an asset upstream of this step, and those findings."""
    upstream = set(context.assets_def.keys_by_input_name.values())
    wanted = {d.isoformat(): d for d in days}
    records = context.instance.get_records_for_run(
        run_id=context.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    blocked: dict[date, list[Finding]] = {}
    for record in records:
        event = record.event_log_entry.dagster_event
        evaluation = event.event_specific_data if event else None
        if not isinstance(evaluation, dg.AssetCheckEvaluation) or evaluation.partition not in wanted:
            continue
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        if evaluation.asset_key not in upstream:
            continue
        day = wanted[evaluation.partition]
        count = evaluation.metadata.get("count")
        n = count.value if count is not None and isinstance(count.value, int) else 1
        blocked.setdefault(day, []).append(
            Finding(evaluation.asset_key, evaluation.check_name, day, n, evaluation.description or "")
        )
    return blocked


def consecutive_runs(days: Sequence[date]) -> list[list[date]]:
    """`days` (sorted) as runs of consecutive days: each becomes one dbt invocation over [first, last]."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] + timedelta(days=1) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def build_days(
    context: dg.AssetExecutionContext, warehouse: DuckLakeResource, days: Sequence[date], run_dbt: DbtRun
) -> Iterator[Any]:
    """Build the marts of `days` except the blocked ones; yield the events; fail naming the blocked days."""
    blocked = blocked_days(context, days)
    if not blocked:
        yield from _build(context, warehouse, list(days), run_dbt, materialize_per_day=False)
        return
    good = [d for d in days if d not in blocked]
    context.log.warning(f"not building the marts of {days_text(list(blocked))}: ERROR findings upstream")
    for segment in consecutive_runs(good):
        yield from _build(context, warehouse, segment, run_dbt, materialize_per_day=True)
    findings = [f for day in sorted(blocked) for f in blocked[day]]
    raise findings_failure(
        f"marts not built for {days_text(list(blocked))} (built: {days_text(good)}): "
        f"{len(findings)} ERROR finding(s) upstream",
        findings,
    )


def _build(
    context: dg.AssetExecutionContext,
    warehouse: DuckLakeResource,
    days: list[date],
    run_dbt: DbtRun,
    *,
    materialize_per_day: bool,
) -> Iterator[Any]:
    """Run dbt on [days[0], days[-1]] and yield its events with each day's own figures. The events are held
    until dbt ends, so each day's row count is known before its materialization is recorded; on a dbt failure
    the events so far are still yielded, then the error is raised."""
    events, error = _drain(run_dbt(days[0], days[-1]))
    counts = _row_counts(warehouse, _mart_keys(context, events), days)
    for event in events:
        yield from _per_day(context, event, days, counts, materialize_per_day)
    if error is not None:
        raise error


def _drain(stream: Iterable[Any]) -> tuple[list[Any], BaseException | None]:
    events: list[Any] = []
    try:
        for event in stream:
            events.append(event)
    except Exception as exc:  # dbt failed: keep what it reported before raising its error
        return events, exc
    return events, None


def _mart_keys(context: dg.AssetExecutionContext, events: list[Any]) -> list[dg.AssetKey]:
    return [_output_key(context, e) for e in events if isinstance(e, (dg.Output, dg.MaterializeResult))]


def _output_key(context: dg.AssetExecutionContext, event: dg.Output | dg.MaterializeResult) -> dg.AssetKey:
    if isinstance(event, dg.MaterializeResult):
        return event.asset_key or context.assets_def.key
    return context.assets_def.keys_by_output_name[event.output_name]


def _row_counts(
    warehouse: DuckLakeResource, keys: list[dg.AssetKey], days: list[date]
) -> dict[tuple[dg.AssetKey, date], int]:
    """Rows per (mart, day) as built: each day's partition shows its own count (0 when the day has none)."""
    counts: dict[tuple[dg.AssetKey, date], int] = {}
    if not keys:
        return counts
    with warehouse.connect(read_only=True) as con:
        for key in keys:
            table = f"{key.path[0]}.{key.path[-1]}"  # mart/<model> is the table mart.<model>
            sql = f"select operating_day, count(*) from {table} where operating_day between ? and ? group by 1"
            found = dict(con.execute(sql, [days[0], days[-1]]).fetchall())
            counts |= {(key, day): int(found.get(day, 0)) for day in days}
    return counts


def _per_day(
    context: dg.AssetExecutionContext,
    event: Any,
    days: list[date],
    counts: dict[tuple[dg.AssetKey, date], int],
    materialize_per_day: bool,
) -> Iterator[Any]:
    """One dbt event as what Dagster should record per day."""
    if isinstance(event, dg.AssetCheckResult):
        yield from _test_per_day(context, event, days)
    elif isinstance(event, (dg.Output, dg.MaterializeResult)):
        key = _output_key(context, event)
        day_metadata = {day: {"dagster/row_count": counts.get((key, day), 0)} for day in days}
        if materialize_per_day:
            for day in days:
                metadata = {**(event.metadata or {}), **day_metadata[day]}
                yield dg.AssetMaterialization(asset_key=key, partition=day.isoformat(), metadata=metadata)
        else:
            for day, metadata in day_metadata.items():
                context.add_asset_metadata(metadata, asset_key=key, partition_key=day.isoformat())
            yield event
    else:
        yield event


def _test_per_day(context: dg.AssetExecutionContext, result: dg.AssetCheckResult, days: list[date]) -> Iterator[Any]:
    """A dbt test's result once per day it covered: dbt tests the whole build, so each day shares its outcome
    (the metadata says over which days)."""
    key = result.asset_key or context.assets_def.key
    metadata = {**result.metadata, "evaluated_over": dg.MetadataValue.text(days_text(days))}
    for day in days:
        yield dg.AssetCheckEvaluation(
            asset_key=key,
            check_name=result.check_name or "",
            passed=result.passed,
            severity=result.severity,
            description=result.description,
            metadata=metadata,
            partition=day.isoformat(),
            target_materialization_data=target_materialization(context.instance, key, day),
        )
