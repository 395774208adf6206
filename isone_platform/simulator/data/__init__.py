"""Pure deterministic data generators (numpy).

Every generator is a function of (seed, feed, day) only — never of request order — and is cached per
(seed, day) with small LRU caches. Smooth noise is *value noise* over absolute time (hash of the knot
index), so series are continuous across midnight and identical whichever day is generated first.

All values are kept as integers in their published precision: loads in milli-MW (3 decimals), prices
in cents, generation in whole MW. The renderer turns them into JSON numbers.

The package, by feed: `signals` (hashing, noise, calendar features, the system load model everything derives
from), `loads` (system and zonal load), `lmps` (prices over the network topology), `fuelmix` (generation by
fuel), `forecasts` (hourly system and zonal load forecasts, seven-day capacity forecast), `demand` (DA/RT hourly
demand by location), `reserves` (RT reserve prices by reserve zone, DASI reserve data and strike prices),
`morning` (the morning report). This `__init__` re-exports what the API layer uses, as `data.X`.
"""

from .demand import DA_IDS, RT_IDS, DemandDay, da_demand_day, rt_demand_day, rt_publish_epoch
from .forecasts import (
    HORIZON_DAYS,
    HlfIssueDay,
    RrIssueDay,
    SevenDayIssue,
    hlf_issue_day,
    rr_issue_day,
    sevenday_issues,
)
from .fuelmix import BATTERIES_FROM, FUEL_ORDER, ROLLUP, FuelSnapshot, fuelmix_day
from .lmps import LmpDay, Topo, da_lmp_day, rt_hourly_lmp_day, rt_lmp_day, topo
from .loads import HourlyLoadDay, SysLoadDay, ZonalDay, hourly_sysload_day, sysload_day, zonal_day
from .morning import MorningReport, morning_reports
from .reserves import (
    DAAS_FROM,
    RESERVE_ZONES,
    DaasDay,
    ReserveDay,
    StrikeVintage,
    daas_day,
    reserve_5min_day,
    reserve_hourly_day,
    strike_vintages,
)
from .signals import LoadSeries, h64, load_series, rng_for, sun, vnoise

__all__ = [
    "DAAS_FROM",
    "RESERVE_ZONES",
    "DaasDay",
    "MorningReport",
    "ReserveDay",
    "StrikeVintage",
    "daas_day",
    "morning_reports",
    "reserve_5min_day",
    "reserve_hourly_day",
    "strike_vintages",
    "DA_IDS",
    "HORIZON_DAYS",
    "RT_IDS",
    "DemandDay",
    "HlfIssueDay",
    "RrIssueDay",
    "SevenDayIssue",
    "da_demand_day",
    "hlf_issue_day",
    "rr_issue_day",
    "rt_demand_day",
    "rt_publish_epoch",
    "sevenday_issues",
    "BATTERIES_FROM",
    "FUEL_ORDER",
    "ROLLUP",
    "FuelSnapshot",
    "HourlyLoadDay",
    "LmpDay",
    "LoadSeries",
    "SysLoadDay",
    "Topo",
    "ZonalDay",
    "da_lmp_day",
    "fuelmix_day",
    "h64",
    "hourly_sysload_day",
    "load_series",
    "rng_for",
    "rt_hourly_lmp_day",
    "rt_lmp_day",
    "sun",
    "sysload_day",
    "topo",
    "vnoise",
    "zonal_day",
]
