"""The raw → std asset pair every ISO-NE dataset gets. The defs/<domain>/ modules call `build_ingest_assets`."""


import os
from datetime import date, datetime
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
from isone_platform.lib.lake import RawLakeIOManager, read_day
from isone_platform.lib.poll import poll_day
from isone_platform.lib.raw import RawDay
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
    ) -> list[RawDay]:
        if config.mode == "poll" and not ds.current_path:
            raise dg.Failure(f"{ds.asset_name} cannot poll: ISO-NE has no `current` endpoint for it", allow_retries=False)
        landed: list[RawDay] = []
        with isone_api.client() as client:
            try:
                for day in _days(context):
                    if config.mode == "poll" and day is not None:
                        existing = _landed(raw_lake_io_manager, ds, day)
                        have = _landed_intervals(warehouse_io_manager.config, ds.table, day)
                        raw, report = poll_day(client, ds, day, existing, have)
                        context.log.info(
                            f"poll {ds.asset_name} {day}: {report.requests} requests, {report.bytes:,} bytes; "
                            f"latest published {report.latest_published_utc}; {report.note or 'new data'}"
                        )
                        context.add_output_metadata({"poll_requests": report.requests, "poll_bytes": report.bytes,
                                                     "poll_note": report.note or "new data"})
                    else:
                        status = default_price_status(day) if config.price_status == "auto" else config.price_status
                        raw = fetch_day(client, ds, day, status, max_workers=isone_api.max_concurrent_requests)
                        context.log.info(f"{ds.asset_name} {day or ''}: {len(raw.bodies)} bodies, {raw.total_bytes:,} bytes")
                    landed.append(raw)
            except (IsoneAuthError, IsoneNotFoundError) as exc:
                # Retrying the step cannot fix credentials or a missing path: fail once, clearly.
                raise dg.Failure(description=str(exc), allow_retries=False) from exc
            context.add_output_metadata({"requests": client.requests_sent, "bytes_received": client.bytes_received})
        return landed

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
    def std_asset(context: dg.AssetExecutionContext, raw: list[RawDay]) -> pl.DataFrame:
        frames = []
        warnings: list[str] = []
        for day in raw:
            result = standardize(ds, day)
            warnings.extend(result.warnings)
            frames.append(result.frame)
        for message in dict.fromkeys(warnings):
            context.log.warning(message)
        frame = pl.concat(frames) if frames else ds.table.empty_frame()
        metadata: dict = {"parse_warnings": len(warnings)}
        if ds.grain is not None and len(frame):
            latest = frame["interval_begin_utc"].max()
            metadata["latest_interval_utc"] = latest.isoformat() if latest else None
            metadata["intervals_per_day"] = {
                str(d.day): f"{frame.filter(pl.col('operating_day') == d.day)['interval_begin_utc'].n_unique()}"
                f"/{expected_intervals(d.day, ds.grain)}"
                for d in raw
                if d.day
            }
        context.add_output_metadata(metadata)
        return frame

    return raw_asset, std_asset
