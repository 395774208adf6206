"""Hourly demand by location: day-ahead cleared demand and real-time (settlement) demand per load zone, in milli-MW.

DA demand is the day-ahead zonal load forecast (the 09:xx reliability-region run of the day before) plus a
small seeded clearing difference; RT demand splits the actual hourly system ``Load`` (``/hourlysysload``) by the
hourly zone shares of the 5-minute zonal generator, so the 8 zones add up to the system load exactly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..calendar import Grid, grid, wall_epoch
from ..locations import HUB_ID, SYSTEM_AREA, ZONE_IDS
from .forecasts import _smooth_normal, rr_issue_day, split_exact, zone_shares_hourly
from .loads import hourly_sysload_day
from .signals import rng_for

DA_IDS = (SYSTEM_AREA[0], HUB_ID) + ZONE_IDS  # the order of /dayaheadhourlydemand/current
RT_IDS = ZONE_IDS
RT_LAG_BUSINESS_DAYS = 3
RT_PUBLISH_SECONDS = 10 * 3600  # 10:00 local of that business day
DA_FORECAST_RUN = 1  # the ~09:15 regular run of the day before


@dataclass(frozen=True)
class DemandDay:
    grid: Grid
    ids: tuple[int, ...]  # location id of each column
    load: np.ndarray  # (hours, locations) milli-MW


@functools.lru_cache(maxsize=128)
def da_demand_day(seed: int, day: date) -> DemandDay:
    g = grid(day, 3600)
    n = len(g)
    fc = rr_issue_day(seed, day - timedelta(days=1)).load[1][DA_FORECAST_RUN]  # (hours, 8)
    rng = rng_for(seed, "da_demand", day)
    clearing = 1 + 0.012 * _smooth_normal(rng, (8, n)).T
    zones = np.rint(fc * clearing / 100).astype(np.int64) * 100  # 0.1 MW
    hub = np.rint((60 + 120 * _smooth_normal(rng, (1, n))[0]) * 10).astype(np.int64) * 100
    system = np.rint((zones.sum(axis=1) + hub) / 1000).astype(np.int64) * 1000  # whole MW
    return DemandDay(g, DA_IDS, np.column_stack([system, hub, zones]))


@functools.lru_cache(maxsize=128)
def rt_demand_day(seed: int, day: date) -> DemandDay:
    total = hourly_sysload_day(seed, day).load
    return DemandDay(grid(day, 3600), RT_IDS, split_exact(total, zone_shares_hourly(seed, day), 1))


def rt_publish_epoch(day: date) -> int:
    """RT demand of ``day`` is published whole, at 10:00 local on the 3rd business day after it (weekends skipped)."""
    d, left = day, RT_LAG_BUSINESS_DAYS
    while left:
        d += timedelta(days=1)
        if d.weekday() < 5:
            left -= 1
    return wall_epoch(d, RT_PUBLISH_SECONDS)
