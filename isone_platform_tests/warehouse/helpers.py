"""Synthetic std frames for the warehouse tests (built with polars directly in the registry schemas)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from isone_platform.lib import schemas

NY = ZoneInfo("America/New_York")
FETCHED = datetime(2024, 12, 1, tzinfo=UTC)
SPRING_FORWARD = date(2024, 3, 10)  # 23 hours: 276 five-minute intervals
FALL_BACK = date(2024, 11, 3)  # 25 hours: 300 five-minute intervals


def day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=NY).astimezone(UTC)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=NY).astimezone(UTC)
    return start, end


def intervals(day: date, minutes: int = 5) -> pl.Series:
    start, end = day_bounds_utc(day)
    return pl.datetime_range(start, end, f"{minutes}m", closed="left", eager=True, time_zone="UTC")


def _provenance(n: int, path: str) -> dict:
    return {"source_path": [path] * n, "fetched_at_utc": [FETCHED] * n, "body_sha256": ["0" * 64] * n}


def system_load(day: date, version: int = 1) -> pl.DataFrame:
    """One day of system load; `load_mw` = version * 1000 + interval index, `native_load_mw` = version."""
    ts = intervals(day)
    n = len(ts)
    return pl.DataFrame(
        {
            "interval_begin_utc": ts,
            "interval_end_utc": ts + timedelta(minutes=5),
            "operating_day": [day] * n,
            "load_mw": [version * 1000.0 + i for i in range(n)],
            "native_load_mw": [float(version)] * n,
            "ard_demand_mw": [1.5] * n,
            "system_load_btm_pv_mw": [None] * n,
            "native_load_btm_pv_mw": [2.5] * n,
            **_provenance(n, f"/fiveminutesystemload/day/{day:%Y%m%d}"),
        },
        schema_overrides={"system_load_btm_pv_mw": pl.Float64},
    )


def system_load_days(days: list[date], version: int = 1) -> pl.DataFrame:
    return pl.concat([system_load(d, version) for d in days])


def zonal_load(day: date, version: int = 1) -> pl.DataFrame:
    ts = intervals(day)
    frames = []
    for zone_id, zone_name in [(4001, ".Z.MAINE"), (4004, ".Z.CONNECTICUT")]:
        n = len(ts)
        frames.append(
            pl.DataFrame(
                {
                    "interval_begin_utc": ts,
                    "interval_end_utc": ts + timedelta(minutes=5),
                    "operating_day": [day] * n,
                    "zone_id": pl.Series([zone_id] * n, dtype=pl.Int32),
                    "zone_name": [zone_name] * n,
                    "load_mw": [float(version * 100 + zone_id % 10)] * n,
                    "btm_pv_mw": [0.0] * n,
                    **_provenance(n, f"/fiveminuteestimatedzonalload/day/{day:%Y%m%d}"),
                }
            )
        )
    return pl.concat(frames)


def lmp(
    day: date, schema: schemas.TableSchema, n_locations: int = 3, version: int = 1, minutes: int = 5
) -> pl.DataFrame:
    ts = intervals(day, minutes)
    n = len(ts)
    frames = []
    for loc in range(n_locations):
        loc_id = 4000 + loc
        frames.append(
            pl.DataFrame(
                {
                    "interval_begin_utc": ts,
                    "interval_end_utc": ts + timedelta(minutes=minutes),
                    "operating_day": [day] * n,
                    "location_id": pl.Series([loc_id] * n, dtype=pl.Int32),
                    "location_name": [f".H.NODE{loc_id}"] * n,
                    "location_type": ["HUB" if loc == 0 else "NETWORK NODE"] * n,
                    "lmp": [version * 10.0 + loc] * n,
                    "energy_component": [version * 10.0] * n,
                    "congestion_component": [float(loc)] * n,
                    "loss_component": [0.0] * n,
                    "price_status": ["final"] * n,
                    **_provenance(n, f"/lmp/{schema.name}/{day:%Y%m%d}"),
                }
            )
        )
    return pl.concat(frames)


def fuel_mix(day: date, version: int = 1) -> pl.DataFrame:
    ts = intervals(day, 60)
    frames = []
    for fuel, rollup in [("Natural Gas", "Fossil"), ("Solar", "Renewables")]:
        n = len(ts)
        frames.append(
            pl.DataFrame(
                {
                    "interval_begin_utc": ts,
                    "interval_end_utc": ts + timedelta(minutes=60),
                    "operating_day": [day] * n,
                    "fuel_category": [fuel] * n,
                    "fuel_category_rollup": [rollup] * n,
                    "gen_mw": [100.0 * version] * n,
                    "is_marginal": [fuel == "Natural Gas"] * n,
                    **_provenance(n, f"/genfuelmix/day/{day:%Y%m%d}"),
                }
            )
        )
    return pl.concat(frames)


def locations(version: int = 1) -> pl.DataFrame:
    n = 3
    return pl.DataFrame(
        {
            "location_id": pl.Series([4000, 4001, 4004], dtype=pl.Int32),
            "location_name": [".H.INTERNAL_HUB", ".Z.MAINE", ".Z.CONNECTICUT"],
            "location_type": ["HUB", "LOAD ZONE", "LOAD ZONE"],
            "area_type": ["INTERNAL"] * n,
            "network_node_type": [None] * n,
            **_provenance(n, f"/locations/all?v={version}"),
        },
        schema_overrides={"network_node_type": pl.Utf8},
    )


def sort_by_key(df: pl.DataFrame, schema: schemas.TableSchema) -> pl.DataFrame:
    return df.sort(list(schema.primary_key))
