"""The raw → std asset pair every ISO-NE dataset gets. The defs/<domain>/ modules call `build_ingest_assets`."""


import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

import dagster as dg
import duckdb
import polars as pl
from pydantic import Field

from isone_platform.lib.datasets import Dataset, standardize
from isone_platform.lib.fetch import default_price_status, fetch_day
from isone_platform.lib.io_managers import DuckLakeIOManager, dagster_table_schema
from isone_platform.lib.isone_client import IsoneAuthError, IsoneNotFoundError
from isone_platform.lib.partitions import (
    expected_intervals,
    operating_day_backfill_policy,
    operating_day_partitions,
    partition_day,
)
from isone_platform.lib.lake import LandedDays, RawLakeIOManager, read_day
from isone_platform.lib.poll import poll_day
from isone_platform.lib.raw import FetchedDays, RawDay
from isone_platform.lib.schemas import TableSchema
from isone_platform.lib.warehouse import WarehouseConfig, WarehouseError, open_connection
from isone_platform.lib.resources import IsoneApiResource

ISONE_API_POOL = "isone_api"
WAREHOUSE_POOL = "warehouse"
# A step retry outlasts outages longer than the client's own retries (seconds apart) can ride out.
ISONE_RETRY_POLICY = dg.RetryPolicy(
    max_retries=int(os.environ.get("ISONE_STEP_MAX_RETRIES", "3")),
    delay=float(os.environ.get("ISONE_STEP_RETRY_DELAY_SECONDS", "10")),
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


def _landed(io_manager: RawLakeIOManager, ds: Dataset, day: date) -> RawDay | None:
    try:
        return read_day(io_manager._lake(), ds.name, day)
    except FileNotFoundError:
        return None


def _landed_intervals(config: WarehouseConfig, table: TableSchema, day: date) -> list[datetime]:
    """The interval begins of `day` already in the std table: what a poll need not fetch again."""
    try:
        con = open_connection(config, read_only=True)
    except WarehouseError:
        return []  # no warehouse yet: the first poll fills the day
    try:
        rows = con.execute(
            f"select distinct interval_begin_utc from {table.qualified_name} where operating_day = ?", [day]
        ).fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        con.close()
    return [r[0] for r in rows]


def _days(context: dg.AssetExecutionContext) -> list[date | None]:
    if context.assets_def.partitions_def is None:
        return [None]
    return [partition_day(k) for k in context.partition_keys]


def _fetch_days(
    context: dg.AssetExecutionContext,
    ds: Dataset,
    config: RawFetchConfig,
    isone_api: IsoneApiResource,
    raw_lake: RawLakeIOManager,
    warehouse_io: DuckLakeIOManager,
    days: list[date | None],
    report: dict[str, object],
) -> Iterator[RawDay]:
    """Fetch (or poll) the days one at a time, as the consumer asks for them; fills `report` for the metadata.

    Runs while the raw lake IO manager iterates, still inside the step: its exceptions fail the step (and a
    `dg.Failure(allow_retries=False)` skips the retry policy) exactly as if raised by the asset function.
    """
    with isone_api.client() as client:
        try:
            for day in days:
                if config.mode == "poll" and day is not None:
                    # Reads the lake and warehouse state the previous days' landing left: days are independent.
                    existing = _landed(raw_lake, ds, day)
                    have = _landed_intervals(warehouse_io.config, ds.table, day)
                    raw, poll = poll_day(client, ds, day, existing, have)
                    del existing  # only the merged day is needed from here on
                    context.log.info(
                        f"poll {ds.asset_name} {day}: {poll.requests} requests, {poll.bytes:,} bytes; "
                        f"latest published {poll.latest_published_utc}; {poll.note or 'new data'}"
                    )
                    report.update(
                        poll_requests=poll.requests, poll_bytes=poll.bytes, poll_note=poll.note or "new data"
                    )
                else:
                    status = default_price_status(day) if config.price_status == "auto" else config.price_status
                    raw = fetch_day(client, ds, day, status, max_workers=isone_api.max_concurrent_requests)
                    context.log.info(
                        f"{ds.asset_name} {day or ''}: {len(raw.bodies)} bodies, {raw.total_bytes:,} bytes"
                    )
                yield raw
                del raw  # a suspended generator keeps its locals: drop the landed day before fetching the next
        except (IsoneAuthError, IsoneNotFoundError) as exc:
            # Retrying the step cannot fix credentials or a missing path: fail once, clearly.
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        finally:
            report.update(requests=client.requests_sent, bytes_received=client.bytes_received)


@dataclass
class StdSummary:
    """The std output metadata, accumulated one day at a time (no day's rows are kept for it)."""

    grain: timedelta | None
    parse_warnings: int = 0
    rows: int = 0
    latest: datetime | None = None
    intervals_per_day: dict[str, str] = field(default_factory=dict)

    def add(self, day: date | None, frame: pl.DataFrame, warnings: int) -> None:
        self.parse_warnings += warnings
        self.rows += frame.height
        if self.grain is None:
            return
        if frame.height:
            latest = frame["interval_begin_utc"].max()
            if latest is not None and (self.latest is None or latest > self.latest):
                self.latest = latest  # type: ignore[assignment]
        if day is not None:
            n = frame.filter(pl.col("operating_day") == day)["interval_begin_utc"].n_unique()
            self.intervals_per_day[str(day)] = f"{n}/{expected_intervals(day, self.grain)}"

    def metadata(self) -> dict[str, object]:
        metadata: dict[str, object] = {"parse_warnings": self.parse_warnings}
        if self.grain is not None and self.rows:
            metadata["latest_interval_utc"] = self.latest.isoformat() if self.latest else None
            metadata["intervals_per_day"] = self.intervals_per_day
        return metadata


class StandardizedDays:
    """A std asset's output: its landed days standardized one day at a time, as the warehouse IO manager writes
    them (a `DayFrames`), so a 30-day std step holds one day's bodies and rows instead of ~10 M rows.

    Re-iterable: each pass reads and standardizes the days again, which a transaction retried after a conflict
    needs. The summary of the last complete pass is the output metadata; each parse warning is logged once.
    """

    def __init__(self, ds: Dataset, raw: Iterable[RawDay], log: logging.Logger):
        """`raw`: re-iterable, reading each day only when asked (`LandedDays`)."""
        self.ds = ds
        self.raw = raw
        self.log = log
        self.summary = StdSummary(ds.grain)
        self._logged: set[str] = set()

    def __iter__(self) -> Iterator[tuple[date | None, pl.DataFrame]]:
        summary = StdSummary(self.ds.grain)
        for raw_day in self.raw:
            day = raw_day.day
            result = standardize(self.ds, raw_day)
            del raw_day  # the bodies are parsed: free them before the day's rows are written
            for message in dict.fromkeys(result.warnings):
                if message not in self._logged:
                    self._logged.add(message)
                    self.log.warning(message)
            summary.add(day, result.frame, len(result.warnings))
            yield day, result.frame
            del result  # written: free the rows before the next day is read (a suspended generator keeps locals)
        self.summary = summary

    def output_metadata(self) -> dict[str, object]:
        return self.summary.metadata()


def build_ingest_assets(ds: Dataset) -> tuple[dg.AssetsDefinition, dg.AssetsDefinition]:
    partitions = operating_day_partitions if ds.partitioned else None
    raw_key = dg.AssetKey(["raw", ds.asset_name])

    @dg.asset(
        key=raw_key,
        description=f"Response bodies exactly as ISO-NE returned them, gzip in the lake. {ds.table.description}",
        group_name=ds.group,
        partitions_def=partitions,
        io_manager_key="raw_lake_io_manager",
        kinds={"json", "isone"},
        pool=ISONE_API_POOL,
        retry_policy=ISONE_RETRY_POLICY,
        backfill_policy=operating_day_backfill_policy if partitions else None,
        metadata={"feed_paths": [r.path for r in ds.plan(date(2024, 11, 3) if partitions else None, "final")][:3]},
    )
    def raw_asset(
        context: dg.AssetExecutionContext,
        config: RawFetchConfig,
        isone_api: IsoneApiResource,
        raw_lake_io_manager: dg.ResourceParam[RawLakeIOManager],
        warehouse_io_manager: dg.ResourceParam[DuckLakeIOManager],
    ) -> FetchedDays:
        if config.mode == "poll" and not ds.current_path:
            raise dg.Failure(f"{ds.asset_name} cannot poll: ISO-NE has no `current` endpoint for it", allow_retries=False)
        days = _days(context)
        report: dict[str, object] = {}
        # Nothing is fetched yet: the raw lake IO manager iterates the days and lands each one before the next
        # is fetched (see FetchedDays), so this step holds one operating day's bodies at a time.
        source = _fetch_days(context, ds, config, isone_api, raw_lake_io_manager, warehouse_io_manager, days, report)
        return FetchedDays(days, source, report)

    @dg.asset(
        key=dg.AssetKey(["std", ds.asset_name]),
        description=ds.table.description,
        group_name=ds.group,
        partitions_def=partitions,
        ins={"raw": dg.AssetIn(key=raw_key)},
        io_manager_key="warehouse_io_manager",
        kinds={"polars", "duckdb", "parquet"},
        pool=WAREHOUSE_POOL,
        backfill_policy=operating_day_backfill_policy if partitions else None,
        metadata={
            "dagster/column_schema": dagster_table_schema(ds.table),
            "dagster/table_name": f"isone.{ds.table.qualified_name}",
            "primary_key": list(ds.table.primary_key),
        },
    )
    def std_asset(context: dg.AssetExecutionContext, raw: LandedDays) -> StandardizedDays:
        # Nothing is parsed yet: the warehouse IO manager writes the days one at a time into one transaction.
        return StandardizedDays(ds, raw, context.log)

    return raw_asset, std_asset
