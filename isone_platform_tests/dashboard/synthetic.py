"""A hand-made warehouse for the dashboard tests and the B5 benchmark: deterministic std rows and mart rows.

The zones are fixed shares of the system load times `ZONES_OVER_SYSTEM`, so the parity check has a known
answer; the system load is a function of the UTC instant, so a test can compute any bucket with zoneinfo
independently of the SQL. The mart tables are written with the columns the dashboard reads (the real marts are
built by dbt from std, which is far slower than these tests and B5 can afford).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from isone_platform.lib.partitions import day_bounds_utc
from isone_platform.lib.schemas import (
    FUEL_MIX,
    LMP_DA_HOURLY,
    LMP_RT_5MIN,
    LMP_RT_HOURLY,
    SYSTEM_LOAD_5MIN,
    UTC_DATETIME,
    ZONAL_LOAD_5MIN,
    Column,
    TableSchema,
)
from isone_platform.lib.warehouse import WarehouseConfig, replace_partitions

if TYPE_CHECKING:
    import pytest

FIVE = timedelta(minutes=5)
HOUR = timedelta(hours=1)
ZONE_SHARES = {
    4001: (".Z.MAINE", 0.09),
    4002: (".Z.NEWHAMPSHIRE", 0.09),
    4003: (".Z.VERMONT", 0.04),
    4004: (".Z.CONNECTICUT", 0.24),
    4005: (".Z.RHODEISLAND", 0.06),
    4006: (".Z.SEMASS", 0.11),
    4007: (".Z.WCMASS", 0.12),
    4008: (".Z.NEMASSBOST", 0.25),
}
ZONES_OVER_SYSTEM = 1.01  # the zones sum to 1 % more than the system: parity +1.00 %
HUB = (4000, ".H.INTERNAL_HUB", "HUB")
FUELS = {"Natural Gas": 6000.0, "Nuclear": 3300.0, "Hydro": 900.0, "Solar": 500.0, "Wind": 300.0}
MARGINAL_FUEL = "Natural Gas"
PROVENANCE = {"source_path": "/synthetic", "fetched_at_utc": datetime(2024, 12, 1, tzinfo=UTC), "body_sha256": "0" * 64}


def intervals(day: date, step: timedelta) -> list[datetime]:
    start, end = day_bounds_utc(day)
    return [start + i * step for i in range(int((end - start) / step))]


def system_mw(ts: datetime) -> float:
    """A daily sine on the UTC clock plus a slow trend: distinct values for the two 01:00 hours of a fall-back day."""
    hours = ts.timestamp() / 3600
    return round(13_000 + 3_000 * math.sin(2 * math.pi * (hours % 24) / 24) + (hours % 1000), 3)


def _interval_frame(day: date, step: timedelta, rows: list[dict]) -> pl.DataFrame:
    return _with_interval(pl.DataFrame(rows), day, step)


def system_load(day: date) -> pl.DataFrame:
    rows = [{"interval_begin_utc": t, "load_mw": system_mw(t)} for t in intervals(day, FIVE)]
    same = ("native_load_mw", "system_load_btm_pv_mw", "native_load_btm_pv_mw")
    return (
        _interval_frame(day, FIVE, rows)
        .with_columns(pl.col("load_mw").alias(c) for c in same)
        .with_columns(pl.lit(0.0).alias("ard_demand_mw"))
    )


def zonal_load(day: date) -> pl.DataFrame:
    rows = [
        {
            "interval_begin_utc": t,
            "zone_id": z,
            "zone_name": name,
            "load_mw": round(system_mw(t) * share * ZONES_OVER_SYSTEM, 6),
            "btm_pv_mw": 0.0,
        }
        for t in intervals(day, FIVE)
        for z, (name, share) in ZONE_SHARES.items()
    ]
    return _interval_frame(day, FIVE, rows)


def nodes(extra: int) -> list[tuple[int, str, str]]:
    """The Hub, the 8 load zones and `extra` network nodes."""
    zones = [(z, name, "LOAD ZONE") for z, (name, _) in ZONE_SHARES.items()]
    return [HUB, *zones, *((10_000 + i, f"NODE_{i:04d}", "NETWORK NODE") for i in range(extra))]


def lmp(day: date, step: timedelta, node_list: Sequence[tuple[int, str, str]], da: bool) -> pl.DataFrame:
    """Prices whose congestion grows with the node id (node i: i/100 $/MWh) and DA 2 $/MWh above RT."""
    times = intervals(day, step)
    ts = pl.Series("interval_begin_utc", times, dtype=UTC_DATETIME)
    base = pl.Series([30 + 10 * math.sin(t.timestamp() / 7200) for t in times])
    frames = [
        pl.DataFrame({"interval_begin_utc": ts, "energy_component": base.round(2)}).with_columns(
            pl.lit(loc).cast(pl.Int32).alias("location_id"),
            pl.lit(name).alias("location_name"),
            pl.lit(kind).alias("location_type"),
            pl.lit(round((loc % 1000) / 100, 2)).alias("congestion_component"),
            pl.lit(0.25).alias("loss_component"),
        )
        for loc, name, kind in node_list
    ]
    df = pl.concat(frames).with_columns((pl.col("energy_component") + (2.0 if da else 0.0)).alias("energy_component"))
    df = df.with_columns(
        (pl.col("energy_component") + pl.col("congestion_component") + pl.col("loss_component")).round(2).alias("lmp"),
        pl.lit("final").alias("price_status"),
    )
    return _with_interval(df, day, step)


def _with_interval(df: pl.DataFrame, day: date, step: timedelta) -> pl.DataFrame:
    return df.with_columns(
        (pl.col("interval_begin_utc") + pl.duration(seconds=int(step.total_seconds()))).alias("interval_end_utc"),
        pl.lit(day).alias("operating_day"),
        *(pl.lit(v).alias(k) for k, v in PROVENANCE.items()),
    )


def fuel_mix(day: date) -> pl.DataFrame:
    rows = [
        {
            "interval_begin_utc": t,
            "fuel_category": fuel,
            "fuel_category_rollup": None,
            "gen_mw": mw,
            "is_marginal": fuel == MARGINAL_FUEL,
        }
        for t in intervals(day, HOUR)
        for fuel, mw in FUELS.items()
    ]
    return _interval_frame(day, HOUR, rows)


# ---------------------------------------------------------------------------------------------------------------
# marts (the columns the dashboard reads)


def _mart(name: str, columns: tuple[Column, ...], key: tuple[str, ...]) -> TableSchema:
    day = Column("operating_day", pl.Date(), "ISO-NE operating day.", nullable=False)
    return TableSchema(
        name, f"synthetic {name}", (day, *columns), ("operating_day", *key), layer="mart", partition_column=None
    )  # like dbt's tables: one table written whole, not per day


LMP_DAILY = _mart(
    "isone__lmp_daily",
    (
        Column("location_id", pl.Int32(), "id", nullable=False),
        Column("location_name", pl.Utf8(), "name"),
        Column("location_type", pl.Utf8(), "type"),
        Column("da_avg", pl.Float64(), "DA"),
        Column("rt_avg", pl.Float64(), "RT"),
        Column("da_rt_spread", pl.Float64(), "DA - RT"),
    ),
    ("location_id",),
)
FUEL_MIX_DAILY = _mart(
    "isone__fuel_mix_daily",
    (
        Column("fuel_category", pl.Utf8(), "fuel", nullable=False),
        Column("avg_mw", pl.Float64(), "avg"),
        Column("energy_mwh", pl.Float64(), "energy"),
        Column("energy_share_pct", pl.Float64(), "share"),
        Column("marginal_hours", pl.Float64(), "marginal"),
    ),
    ("fuel_category",),
)


def lmp_daily(day: date, node_list: Sequence[tuple[int, str, str]]) -> pl.DataFrame:
    """Spread grows with the node id: node i has DA − RT = 2 + i/1000 $/MWh."""
    rows = [
        {
            "operating_day": day,
            "location_id": loc,
            "location_name": name,
            "location_type": kind,
            "da_avg": 42.0 + loc % 1000 / 1000,
            "rt_avg": 40.0,
            "da_rt_spread": round(2 + loc % 1000 / 1000, 6),
        }
        for loc, name, kind in node_list
    ]
    return pl.DataFrame(rows)


def fuel_mix_daily(day: date) -> pl.DataFrame:
    total = sum(FUELS.values())
    hours = len(intervals(day, HOUR))
    rows = [
        {
            "operating_day": day,
            "fuel_category": fuel,
            "avg_mw": mw,
            "energy_mwh": mw * hours,
            "energy_share_pct": 100 * mw / total,
            "marginal_hours": float(hours if fuel == MARGINAL_FUEL else 0),
        }
        for fuel, mw in FUELS.items()
    ]
    return pl.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------------
# writing


def write(
    config: WarehouseConfig, schema: TableSchema, frames: list[pl.DataFrame], days: Sequence[date] | None
) -> None:
    """Replace `days` of the table with `frames` (the whole table when `days` is None)."""
    replace_partitions(
        config, schema, pl.concat([schema.conform(f) for f in frames]), None if days is None else list(days)
    )


def build(
    config: WarehouseConfig,
    load_days: Sequence[date],
    price_days: Sequence[date],
    *,
    extra_nodes: int = 3,
    mart_days: Sequence[date] | None = None,
) -> None:
    """Load for `load_days`; LMPs and fuel mix for `price_days`; marts for `mart_days` (default `price_days`)."""
    node_list = nodes(extra_nodes)
    write(config, SYSTEM_LOAD_5MIN, [system_load(d) for d in load_days], load_days)
    write(config, ZONAL_LOAD_5MIN, [zonal_load(d) for d in load_days], load_days)
    for schema, step, da in ((LMP_RT_5MIN, FIVE, False), (LMP_DA_HOURLY, HOUR, True), (LMP_RT_HOURLY, HOUR, False)):
        write(config, schema, [lmp(d, step, node_list, da) for d in price_days], price_days)
    write(config, FUEL_MIX, [fuel_mix(d) for d in price_days], price_days)
    marts = list(mart_days if mart_days is not None else price_days)
    write(config, LMP_DAILY, [lmp_daily(d, node_list) for d in marts], None)
    write(config, FUEL_MIX_DAILY, [fuel_mix_daily(d) for d in marts], None)


def day_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def warehouse_env(mp: pytest.MonkeyPatch, root: Path) -> WarehouseConfig:
    """Point the platform's environment (what `warehouse.connect()` reads) at a warehouse under `root`."""
    mp.setenv("ISONE_PROJECT_ROOT", str(root))
    mp.setenv("ISONE_CATALOG_URL", str(root / "catalog.sqlite"))
    mp.setenv("ISONE_LAKE_URL", str(root / "lake"))
    mp.delenv("ISONE_WAREHOUSE_DATA_PATH", raising=False)
    return WarehouseConfig.from_env()


def build_at(root: Path, build: Callable[[WarehouseConfig], object]) -> Path:
    """Run `build(config)` against a warehouse under `root` (env set only meanwhile); returns `root`."""
    import pytest

    with pytest.MonkeyPatch.context() as mp:
        build(warehouse_env(mp, root))
    return root
