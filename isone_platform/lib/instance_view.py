"""Read-only queries of the Dagster instance for the `catalog` and `status` commands.

Why a module of its own: both commands show instance facts next to warehouse facts, and both must work without
an instance (a laptop with only a warehouse, an analyst's machine). Everything here reads; nothing launches,
updates or deletes. The instance is the one `DAGSTER_HOME` names (`Settings.dagster_home`), opened only when
that directory exists and holds an instance (its `dagster.yaml` or the storage Dagster writes there), so a
command never creates an empty instance as a side effect of looking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.scheduler.instigation import InstigatorState, InstigatorType
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.tags import BACKFILL_ID_TAG, SCHEDULE_NAME_TAG

INSTANCE_MARKERS = ("dagster.yaml", "history", "storage", "schedules")
"""What a DAGSTER_HOME holds once an instance has been used (its config, or the SQLite storages Dagster makes)."""

IN_FLIGHT = (BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING, BulkActionStatus.FAILING)
"""Backfill statuses that mean the daemon is still working on it."""

PASS, WARN, ERROR, NONE = "PASS", "WARN", "ERROR", "NONE"
UNKNOWN = "unknown"


def holds_instance(home: Path | None) -> bool:
    """Whether `home` (DAGSTER_HOME) is a directory an instance has been set up in."""
    return home is not None and home.is_dir() and any((home / marker).exists() for marker in INSTANCE_MARKERS)


def open_instance(home: Path | None) -> dg.DagsterInstance | None:
    """The instance of `home`, or None when there is none there (the commands then say "unknown")."""
    if not holds_instance(home):
        return None
    return dg.DagsterInstance.from_config(str(home))


def utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def last_materializations(instance: dg.DagsterInstance, keys: Sequence[dg.AssetKey]) -> dict[dg.AssetKey, datetime]:
    """When each asset of `keys` was last materialized (any partition); assets never materialized are absent."""
    found: dict[dg.AssetKey, datetime] = {}
    for record in instance.get_asset_records(list(keys)):
        entry = record.asset_entry.last_materialization_record
        if entry is not None:
            found[record.asset_entry.asset_key] = utc(entry.timestamp)
    return found


def check_status(instance: dg.DagsterInstance, check_keys: Iterable[dg.AssetCheckKey]) -> str:
    """The worst outcome among the latest evaluation of each check: ERROR (a failed ERROR check), WARN (a failed
    WARN check), PASS (all evaluated ones passed), or NONE (no check of these ever evaluated)."""
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(check_keys))
    outcomes = [_outcome(record) for record in latest.values()]
    for worst in (ERROR, WARN, PASS):
        if worst in outcomes:
            return worst
    return NONE


def _outcome(record) -> str | None:  # noqa: ANN001 (AssetCheckExecutionRecord, a Dagster internal)
    """PASS, WARN or ERROR for one execution record; None while only planned (the run has not evaluated it)."""
    if record.status == AssetCheckExecutionRecordStatus.SUCCEEDED:
        return PASS
    if record.status != AssetCheckExecutionRecordStatus.FAILED:
        return None
    event = record.event.dagster_event if record.event else None
    evaluation = event.event_specific_data if event else None
    severity = getattr(evaluation, "severity", dg.AssetCheckSeverity.ERROR)
    return WARN if severity == dg.AssetCheckSeverity.WARN else ERROR


@dataclass(frozen=True)
class BackfillProgress:
    backfill_id: str
    status: str
    started: datetime
    done: int
    total: int
    title: str


def backfills_in_flight(instance: dg.DagsterInstance) -> list[BackfillProgress]:
    """The backfills the daemon is still working on, oldest first, each with its partitions done / total."""
    backfills = [b for status in IN_FLIGHT for b in instance.get_backfills(status=status)]
    return [_progress(instance, b) for b in sorted(backfills, key=lambda b: b.backfill_timestamp)]


def _progress(instance: dg.DagsterInstance, backfill: PartitionBackfill) -> BackfillProgress:
    """An asset backfill counts (asset, partition) pairs materialized out of those targeted; a job backfill
    counts the partitions whose run succeeded out of those requested."""
    data = backfill.asset_backfill_data
    if data is not None:
        done = data.materialized_subset.num_partitions_and_non_partitioned_assets
        total = data.target_subset.num_partitions_and_non_partitioned_assets
    else:
        done = len(_succeeded_partitions(instance, backfill.backfill_id))
        total = len(backfill.partition_names or [])
    title = backfill.title or ", ".join(k.to_user_string() for k in backfill.asset_selection or [])
    return BackfillProgress(
        backfill.backfill_id, backfill.status.value, utc(backfill.backfill_timestamp), done, total, title
    )


def _succeeded_partitions(instance: dg.DagsterInstance, backfill_id: str) -> set[str]:
    runs = instance.get_run_records(
        dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}, statuses=[dg.DagsterRunStatus.SUCCESS])
    )
    return {partition for r in runs if (partition := r.dagster_run.tags.get("dagster/partition"))}


@dataclass(frozen=True)
class Instigator:
    """A sensor or schedule as the instance knows it: its state and its latest tick (None: never ticked)."""

    name: str
    kind: str
    state: str
    last_tick: datetime | None
    last_tick_status: str  # "" when it never ticked
    last_tick_note: str


def instigators(instance: dg.DagsterInstance, kind: InstigatorType) -> list[Instigator]:
    """Every sensor (or schedule) the instance holds a state for, by name, with its latest tick."""
    states = instance.all_instigator_state(instigator_type=kind)
    return sorted((_instigator(instance, s) for s in states), key=lambda i: i.name)


def _instigator(instance: dg.DagsterInstance, state: InstigatorState) -> Instigator:
    ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
    tick = ticks[0] if ticks else None
    note = ""
    if tick is not None:
        note = tick.skip_reason or (tick.error.message.strip() if tick.error else "") or _runs_note(tick.run_ids)
    return Instigator(
        name=state.instigator_name,
        kind=state.instigator_type.value.lower(),
        state=state.status.value,
        last_tick=utc(tick.timestamp) if tick else None,
        last_tick_status=tick.status.value if tick else "",
        last_tick_note=" ".join(note.split()),
    )


def _runs_note(run_ids: Sequence[str]) -> str:
    return f"launched {len(run_ids)} run(s)" if run_ids else ""


@dataclass(frozen=True)
class LastRun:
    run_id: str
    status: str
    created: datetime
    partition: str | None


def last_schedule_runs(instance: dg.DagsterInstance, names: Iterable[str]) -> Mapping[str, LastRun | None]:
    """The newest run each schedule of `names` launched (None: none yet)."""
    runs: dict[str, LastRun | None] = {}
    for name in names:
        records = instance.get_run_records(dg.RunsFilter(tags={SCHEDULE_NAME_TAG: name}), limit=1)
        runs[name] = _last_run(records[0]) if records else None
    return runs


def _last_run(record: dg.RunRecord) -> LastRun:
    run = record.dagster_run
    return LastRun(run.run_id, run.status.value, record.create_timestamp, run.tags.get("dagster/partition"))
