"""The raw → std asset pair every ISO-NE dataset gets. The defs/<domain>/ modules call `build_ingest_assets`.

The retry and backfill policies come from the settings (`ISONE_STEP_*`, `ISONE_BACKFILL_DAYS_PER_RUN`) read
when the definitions load, never at import; the warehouse is the `warehouse` resource (`DuckLakeResource`).
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import dagster as dg
import duckdb
from pydantic import Field

from isone_platform.lib import revisions
from isone_platform.lib.api_failure import api_failure
from isone_platform.lib.asset_meta import LAYER_DESCRIPTIONS, asset_owners, asset_tags
from isone_platform.lib.datasets import Dataset
from isone_platform.lib.dq.render import markdown_table
from isone_platform.lib.dq.rules.freshness import FRESHNESS_MAX_AGE
from isone_platform.lib.fetch import default_price_status, fetch_day
from isone_platform.lib.io_managers import dagster_table_schema
from isone_platform.lib.isone_client import IsoneApiError, IsoneClient
from isone_platform.lib.lake import Lake, LandedDays, RawLakeIOManager, land_days, read_day
from isone_platform.lib.partitions import backfill_policy, operating_day_partitions, partition_day
from isone_platform.lib.poll import issue_column, poll_day
from isone_platform.lib.poll_schedule import INTERVAL
from isone_platform.lib.raw import RawDay
from isone_platform.lib.resources import IsoneApiResource
from isone_platform.lib.schemas import TableSchema
from isone_platform.lib.settings import Settings, current_settings
from isone_platform.lib.std_write import (
    DayFigures,
    DaysRefused,
    GuardedDays,
    StdSummary,
    accept_all,
    quarantine,
    refusal_message,
)
from isone_platform.lib.warehouse import DuckLakeResource, WarehouseError, is_retryable

ISONE_API_POOL = "isone_api"
WAREHOUSE_POOL = "warehouse"
# A catalog locked past the write's own retries (another writer's long transaction): the std step tries again.
STD_CONFLICT_RETRIES = 3
STD_CONFLICT_WAIT_SECONDS = 15


def isone_retry_policy(settings: Settings) -> dg.RetryPolicy:
    """The raw steps' retries (`ISONE_STEP_MAX_RETRIES`, first delay `ISONE_STEP_RETRY_DELAY_SECONDS`): a step
    retry outlasts outages longer than the client's own retries (seconds apart) can ride out."""
    return dg.RetryPolicy(
        max_retries=settings.isone_step_max_retries,
        delay=settings.isone_step_retry_delay_seconds,
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


class RawFetchConfig(dg.Config):
    mode: Literal["day", "poll"] = Field(
        default="day",
        description="day: fetch every operating day of the run in full. poll: fetch only what is new since the "
        "latest landed interval (the `current` endpoint, plus at most one gap-filling request) and merge it "
        "into the day's landed bodies. Only the 5-minute feeds and the fuel mix can poll.",
    )
    price_status: Literal["auto", "prelim", "final"] = Field(
        default="auto",
        description="auto: final prices for days that are over (prelim where final is not yet published), "
        "prelim for today. Only LMP datasets use it.",
    )


def _landed(lake: Lake, ds: Dataset, day: date) -> RawDay | None:
    try:
        return read_day(lake, ds.name, day)
    except FileNotFoundError:
        return None


def _landed_intervals(warehouse: DuckLakeResource, ds: Dataset, day: date) -> list[datetime]:
    """The interval begins (for a forecast: the issue times) of `day` already in the std table: what a poll need
    not fetch again."""
    column = issue_column(ds) or "interval_begin_utc"
    sql = f"select distinct {column} from {ds.table.qualified_name} where operating_day = ?"
    try:
        with warehouse.connect(read_only=True) as con:
            rows = con.execute(sql, [day]).fetchall()
    except WarehouseError:
        return []  # no warehouse yet: the first poll fills the day
    except duckdb.CatalogException:
        return []  # no table yet
    return [r[0] for r in rows]


def _days(context: dg.AssetExecutionContext) -> list[date | None]:
    if context.assets_def.partitions_def is None:
        return [None]
    return [partition_day(k) for k in context.partition_keys]


@dataclass(frozen=True)
class FetchPlan:
    """What a raw run fetches: its days, how (whole days or polls), and where it reads what is already there."""

    ds: Dataset
    config: RawFetchConfig
    days: list[date | None]
    lake: Lake
    warehouse: DuckLakeResource
    max_workers: int
    report: dict[str, object] = field(default_factory=dict)  # what polling learned, for the metadata


def fetch_days(context: dg.AssetExecutionContext, plan: FetchPlan, client: IsoneClient) -> Iterator[RawDay]:
    """Fetch (or poll) the plan's days one at a time, as the caller asks for them: the caller lands each day
    before the next is fetched, so one operating day's bodies are in memory and a failure on day 3 leaves
    days 1-2 landed."""
    for day in plan.days:
        raw = (
            _poll(context, plan, client, day)
            if plan.config.mode == "poll" and day is not None
            else _fetch(context, plan, client, day)
        )
        yield raw
        del raw  # a suspended generator keeps its locals: drop the landed day before fetching the next


def _fetch(context: dg.AssetExecutionContext, plan: FetchPlan, client: IsoneClient, day: date | None) -> RawDay:
    status = default_price_status(day) if plan.config.price_status == "auto" else plan.config.price_status
    raw = fetch_day(client, plan.ds, day, status, max_workers=plan.max_workers)
    context.log.info(f"{plan.ds.asset_name} {day or ''}: {len(raw.bodies)} bodies, {raw.total_bytes:,} bytes")
    return raw


def _poll(context: dg.AssetExecutionContext, plan: FetchPlan, client: IsoneClient, day: date) -> RawDay:
    # Reads the lake and warehouse state the previous days' landing left: days are independent.
    existing = _landed(plan.lake, plan.ds, day)
    raw, poll = poll_day(client, plan.ds, day, existing, _landed_intervals(plan.warehouse, plan.ds, day))
    note = poll.note or "new data"
    context.log.info(
        f"poll {plan.ds.asset_name} {day}: {poll.requests} requests, {poll.bytes:,} bytes; "
        f"latest published {poll.latest_published_utc}; {note}"
    )
    plan.report.update(poll_requests=poll.requests, poll_bytes=poll.bytes, poll_note=note)
    return raw


def _fetch_and_land(context: dg.AssetExecutionContext, plan: FetchPlan, isone_api: IsoneApiResource) -> dict[str, Any]:
    """The raw step's work: fetch each day and land it before the next; the metadata of what was landed."""
    with isone_api.client() as client:
        try:
            landed = land_days(plan.lake, fetch_days(context, plan, client))
        except IsoneApiError as exc:
            # The client's error as the step's (and the run's) failure message; step-retried only when transient.
            raise api_failure(context, exc) from exc
        traffic = {"run_requests": client.requests_sent, "run_bytes_received": client.bytes_received}
    attach_day_metadata(
        context,
        {
            key: {**figures, **not_yet_metadata(plan.ds, partition_day(key) if key else None)}
            for key, figures in landed.per_day.items()
        },
    )
    return {"lake": plan.lake.url, **landed.metadata(), **plan.report, **traffic}


def attach_day_metadata(context: dg.AssetExecutionContext, per_day: Mapping[str, Mapping[str, Any]]) -> None:
    """Each operating day's own figures on that day's materialization. A multi-day run records one event per
    partition, each with the whole run's output metadata (dagster-io/dagster#18123): only what is attached per
    partition key is that day's."""
    if context.assets_def.partitions_def is None:
        return
    for key, figures in per_day.items():
        context.add_asset_metadata(dict(figures), partition_key=key)


def build_ingest_assets(
    ds: Dataset, settings: Settings | None = None
) -> tuple[dg.AssetsDefinition, dg.AssetsDefinition]:
    """The raw and std assets of `ds`, with the policies of `settings` (default: this process's settings, read
    when the definitions load)."""
    settings = settings or current_settings()
    return _raw_asset(ds, settings), _std_asset(ds, settings)


FIRST_IN_RUN = {"dagster/priority": "1"}
"""Step priority of the raw and std steps of the 5-minute polled feeds: a run executes them before its other steps
(other feeds' fetches, checks, marts), so a poll run commits the new interval to std first."""


def first_in_run(ds: Dataset) -> dict[str, str] | None:
    """FIRST_IN_RUN for a feed polled at the probed 5-minute grain; None (default priority) for the others."""
    return FIRST_IN_RUN if ds.polling and ds.grain == INTERVAL else None


def _raw_asset(ds: Dataset, settings: Settings) -> dg.AssetsDefinition:
    """raw/<dataset>: fetch the run's days from ISO-NE (or poll today) and land the bodies in the lake."""
    partitions = operating_day_partitions if ds.partitioned else None

    @dg.asset(
        key=dg.AssetKey(["raw", ds.asset_name]),
        description=f"raw layer: {LAYER_DESCRIPTIONS['raw']}, gzip in the lake, one manifest per operating day. "
        f"{ds.table.description}",
        group_name="raw",
        owners=asset_owners(),
        tags=asset_tags("raw", ds.group),
        partitions_def=partitions,
        io_manager_key="raw_lake_io_manager",
        kinds={"json", "isone"},
        pool=ISONE_API_POOL,
        op_tags=first_in_run(ds),
        retry_policy=isone_retry_policy(settings),
        backfill_policy=backfill_policy(settings) if partitions else None,
        metadata={"feed_paths": feed_path_templates(ds)},
    )
    def raw_asset(
        context: dg.AssetExecutionContext,
        config: RawFetchConfig,
        isone_api: IsoneApiResource,
        raw_lake_io_manager: dg.ResourceParam[RawLakeIOManager],
        warehouse: DuckLakeResource,
    ) -> dg.MaterializeResult:
        if config.mode == "poll" and not ds.current_path:
            raise dg.Failure(
                f"{ds.asset_name} cannot poll: ISO-NE has no `current` endpoint for it", allow_retries=False
            )
        lake = raw_lake_io_manager.lake()
        plan = FetchPlan(ds, config, _days(context), lake, warehouse, isone_api.max_concurrent_requests)
        return dg.MaterializeResult(metadata=_fetch_and_land(context, plan, isone_api))

    return raw_asset


def _std_asset(ds: Dataset, settings: Settings) -> dg.AssetsDefinition:
    """std/<dataset>: standardize the landed days and replace them in the warehouse in one transaction."""
    partitions = operating_day_partitions if ds.partitioned else None

    @dg.asset(
        key=dg.AssetKey(["std", ds.asset_name]),
        description=f"std layer: {LAYER_DESCRIPTIONS['std']}. {ds.table.description}",
        group_name="std",
        owners=asset_owners(),
        tags=asset_tags("std", ds.group),
        # today's polled data: materialized at least every FRESHNESS_MAX_AGE, as the freshness rule asks of its data
        freshness_policy=dg.FreshnessPolicy.time_window(fail_window=FRESHNESS_MAX_AGE) if ds.polling else None,
        partitions_def=partitions,
        ins={"raw": dg.AssetIn(key=dg.AssetKey(["raw", ds.asset_name]))},
        io_manager_key="warehouse_io_manager",
        kinds={"polars", "duckdb", "parquet"},
        pool=WAREHOUSE_POOL,
        op_tags=first_in_run(ds),
        backfill_policy=backfill_policy(settings) if partitions else None,
        metadata={
            "dagster/column_schema": dagster_table_schema(ds.table),
            "dagster/table_name": f"isone.{ds.table.qualified_name}",
            "primary_key": list(ds.table.primary_key),
        },
    )
    def std_asset(
        context: dg.AssetExecutionContext, config: StdWriteConfig, raw: LandedDays, warehouse: DuckLakeResource
    ) -> dg.MaterializeResult:
        days = GuardedDays(ds, raw, context.log, accept_less_complete=config.accept_less_complete)
        rows = _replace_days(ds, warehouse, raw, days)
        attach_day_metadata(context, {str(d): _day_metadata(days, d, f) for d, f in days.summary.days.items() if d})
        record_revision_events(context, ds, days)
        return dg.MaterializeResult(metadata=_std_metadata(ds, rows, days))

    return std_asset


class StdWriteConfig(dg.Config):
    accept_less_complete: bool = Field(
        default=False,
        description="Replace stored operating days even where ISO-NE's new answer is less complete (fewer "
        "intervals or series, or prelim where final prices are stored). Off: such a day keeps its stored rows, "
        "its new bodies are quarantined and the step fails. Every use is logged as a warning.",
    )


def _replace_days(ds: Dataset, warehouse: DuckLakeResource, raw: LandedDays, days: GuardedDays) -> int:
    """Write the run's days in one transaction, then record the raw bodies they came from; or, when any day is
    refused, write none, quarantine the refused days' bodies and fail naming them."""
    partition_days = None if raw.days == [None] else [d for d in raw.days if d is not None]
    try:
        rows = warehouse.replace_days(ds.table, days, partition_days, guard=days)
    except DaysRefused as refused:
        quarantined = quarantine(raw.lake, days, refused.refusals)
        raise dg.Failure(refusal_message(ds.asset_name, refused.refusals, quarantined), allow_retries=False) from None
    except Exception as exc:
        if is_retryable(exc):  # the catalog stayed locked past the write's own retries
            raise dg.RetryRequested(
                max_retries=STD_CONFLICT_RETRIES, seconds_to_wait=STD_CONFLICT_WAIT_SECONDS
            ) from exc
        raise
    accept_all(raw.lake, days)
    return rows


def revisions_asset_spec(table: TableSchema, feeds: Sequence[Dataset], domain: str) -> dg.AssetSpec:
    """std/<table> for a revisions table: written by the std steps of `feeds` (in their write transactions), so
    it has no step of its own; those steps record its materializations (`record_revision_events`)."""
    writers = ", ".join(f"std/{ds.asset_name}" for ds in feeds)
    return dg.AssetSpec(
        key=dg.AssetKey(["std", table.name]),
        deps=[dg.AssetKey(["std", ds.asset_name]) for ds in feeds],
        description=f"{table.description} Written by the std step of {writers}, not materialized on its own.",
        group_name="std",
        owners=asset_owners(),
        tags=asset_tags("std", domain),
        partitions_def=operating_day_partitions,
        kinds={"duckdb", "parquet"},
        metadata={
            "dagster/column_schema": dagster_table_schema(table),
            "dagster/table_name": f"isone.{table.qualified_name}",
            "primary_key": list(table.primary_key),
        },
    )


def record_revision_events(context: dg.AssetExecutionContext, ds: Dataset, days: GuardedDays) -> None:
    """A materialization of the feed's revisions tables for each day whose write kept revisions."""
    for day, revised in days.revised.items():
        if day is None:
            continue
        for table in revisions.tables_of(ds):
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=dg.AssetKey(["std", table.name]),
                    partition=day.isoformat(),
                    description=f"kept by the std step of {ds.asset_name}",
                    metadata={"revised_intervals": revised, "dataset": ds.table.name},
                )
            )


def _day_metadata(days: GuardedDays, day: date, figures: DayFigures) -> dict[str, Any]:
    """A day's figures, and how many of its stored values the write replaced and kept as revisions."""
    revised = {"revised_intervals": days.revised[day]} if day in days.revised else {}
    return {**std_day_metadata(figures), **revised, **not_yet_metadata(days.ds, day)}


def not_yet_metadata(ds: Dataset, day: date | None) -> dict[str, str]:
    """For a day before ISO-NE had the feed (`Dataset.available_from`): why the day is empty, not a failure."""
    if ds.exists_on(day) or ds.available_from is None:
        return {}
    return {"market": f"did not exist yet: ISO-NE publishes {ds.asset_name} from {ds.available_from.isoformat()}"}


def std_day_metadata(figures: DayFigures) -> dict[str, Any]:
    """One day's figures as that partition's metadata: its own row count drives the UI's row-count plot."""
    return {"dagster/row_count": dg.MetadataValue.int(figures.rows), **figures.metadata()}


def _std_metadata(ds: Dataset, rows: int, days: GuardedDays) -> dict[str, Any]:
    """The run's metadata, on every partition of the run: the table, and the run's totals named as such (each
    day's own figures are attached per partition). An unpartitioned table's row count is the table's."""
    summary = days.summary
    metadata: dict[str, Any] = {
        "dagster/column_schema": dg.MetadataValue.table_schema(dagster_table_schema(ds.table)),
        "dagster/table_name": dg.MetadataValue.text(f"isone.{ds.table.qualified_name}"),
        "run_rows": dg.MetadataValue.int(rows),
        "run_parse_warnings": dg.MetadataValue.int(summary.parse_warnings),
    }
    if None in summary.days:
        metadata["dagster/row_count"] = dg.MetadataValue.int(rows)
    else:
        metadata["run_days"] = dg.MetadataValue.md(run_days_markdown(summary))
    return metadata


def run_days_markdown(summary: StdSummary) -> str:
    """The run's days side by side (one materialization per day shows only its own)."""
    rows = (
        [
            day.isoformat() if day else "",
            f.rows,
            f.metadata().get("intervals", ""),
            f.metadata().get("latest_interval_utc", ""),
        ]
        for day, f in sorted(summary.days.items(), key=lambda item: str(item[0]))
    )
    return markdown_table(["operating_day", "rows", "intervals", "latest_interval_utc"], rows)


def feed_path_templates(ds: Dataset) -> list[str]:
    """The feed's API paths with the day as `{YYYYMMDD}` (an example date would read like real state)."""
    sample = date(2000, 1, 2)
    paths = [r.path for r in ds.plan(sample if ds.partitioned else None, "final")]
    return list(dict.fromkeys(p.replace(sample.strftime("%Y%m%d"), "{YYYYMMDD}") for p in paths))[:3]
