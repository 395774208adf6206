"""The load feeds: ISO-NE's 5-minute system load and its estimated 5-minute load per load zone.

ISO-NE quirks, handled in `lib/parse/load.py` or here:
- Two JSON dialects: the system load is a classic feed (PascalCase, `FiveMinSystemLoads.FiveMinSystemLoad[]`), the
  zonal load a newer one (root `isone_web_services`, snake_case fields, `load_zone_id` possibly a string).
- `/fiveminutesystemload/current` answers with the top-level singular key and a list of one record, not the
  plural wrapper of the day path.
- `BeginDate` is local wall time with an explicit offset (EST/EDT): intervals are converted to UTC, and a day has
  276 (spring forward), 288 or 300 (fall back) five-minute intervals.
- Whole values arrive as JSON integers, and some feeds send numbers as strings: every measurement is cast to
  DOUBLE; NaN and text that is no number become NULL with a warning.
- Loads can be zero or negative in some ISO-NE feeds (DA demand at the hub): the range rule flags any load
  outside `LOAD_RANGE_MW`.
- `current` is the latest published 5-minute interval, a few minutes old; the day path returns everything
  published so far, so one request fills any gap.
- Hourly system load (`/hourlysysload`): `Load` = `NativeLoad` + `ArdDemand`; `/current` is the last completed
  hour, as a single object instead of a list.
- Hourly demand has no all-locations day path: one request per load zone and market (16 a day). Real-time
  demand is published whole days about 3 business days late (`RT_DEMAND_LATE_DAYS`): until then its path answers
  an empty wrapper, and the finalize schedule fetches the days still incomplete again.
"""

from datetime import date, timedelta

from isone_platform.lib.feed import (
    Dataset,
    Polling,
    PriceStatus,
    Request,
    Revisions,
    RuleSet,
    ValueRange,
    single,
    whole_day,
    ymd,
)
from isone_platform.lib.parse.common import FIVE_MINUTES
from isone_platform.lib.parse.hourly import parse_demand_hourly, parse_load_hourly
from isone_platform.lib.parse.load import parse_system_load, parse_zonal_load
from isone_platform.lib.schemas import (
    DEMAND_HOURLY,
    LOAD_HOURLY,
    LOAD_REVISIONS,
    LOAD_ZONES,
    SYSTEM_LOAD_5MIN,
    ZONAL_LOAD_5MIN,
)

LOAD_RANGE_MW = (0.0, 40_000.0)
"""Exclusive bounds of a plausible New England load, MW: zero or less, or far above the peak, is a broken feed."""


def load_range(*columns: str) -> ValueRange:
    """Loads in `LOAD_RANGE_MW`, exclusive; NULL offends."""
    return ValueRange("load_in_range", columns, LOAD_RANGE_MW, "MW", inclusive=False)


SYSTEM_LOAD_DAY = "/fiveminutesystemload/day/{d}"
ZONAL_LOAD_DAY = "/fiveminuteestimatedzonalload/day/{d}"

SYSTEM_LOAD = Dataset(
    "system_load_5min",
    "load",
    SYSTEM_LOAD_5MIN,
    parse_system_load,
    single(SYSTEM_LOAD_DAY),
    FIVE_MINUTES,
    polling=Polling("/fiveminutesystemload/current", whole_day(SYSTEM_LOAD_DAY)),
    rules=RuleSet(ranges=(load_range("load_mw", "native_load_mw", "system_load_btm_pv_mw", "native_load_btm_pv_mw"),)),
    revisions=Revisions("corrections", LOAD_REVISIONS, ("load_mw",)),
)

ZONAL_LOAD = Dataset(
    "zonal_load_5min",
    "load",
    ZONAL_LOAD_5MIN,
    parse_zonal_load,
    single(ZONAL_LOAD_DAY),
    FIVE_MINUTES,
    series_columns=("zone_id",),
    polling=Polling("/fiveminuteestimatedzonalload/current", whole_day(ZONAL_LOAD_DAY)),
    rules=RuleSet(ranges=(load_range("load_mw"),), zones_in="zone_id", zones_only=True, sums_to=SYSTEM_LOAD.name),
    revisions=Revisions("corrections", LOAD_REVISIONS, ("load_mw",), area_column="zone_name", zone_column="zone_id"),
)


ONE_HOUR = timedelta(hours=1)
HOURLY_LOAD_DAY = "/hourlysysload/day/{d}"
HOURLY_FRESH_WITHIN = timedelta(hours=2, minutes=20)
"""Freshness of the hourly load: an hour is published once it is over (plus a few minutes), and polls come every
5 minutes, so today's latest hour begins at most 2 hours before now, plus the same 20-minute slack as the
5-minute feeds."""
RT_DEMAND_LATE_DAYS = 7
"""Real-time hourly demand arrives about 3 business days late (up to 5 calendar days over a weekend, more over a
holiday): the finalize schedule fetches again the days of this window whose real-time demand is incomplete."""
DEMAND_MARKETS = {"DA": "/dayaheadhourlydemand", "RT": "/realtimehourlydemand"}


def demand_plan(day: date | None, status: PriceStatus) -> list[Request]:
    """One request per market and load zone: the API has no all-locations day path for demand."""
    return [
        Request(f"{root}/day/{ymd(day)}/location/{zone_id}")
        for root in DEMAND_MARKETS.values()
        for zone_id in LOAD_ZONES
    ]


LOAD_HOURLY_FEED = Dataset(
    "load_hourly",
    "load",
    LOAD_HOURLY,
    parse_load_hourly,
    single(HOURLY_LOAD_DAY),
    ONE_HOUR,
    polling=Polling("/hourlysysload/current", whole_day(HOURLY_LOAD_DAY), fresh_within=HOURLY_FRESH_WITHIN),
    rules=RuleSet(ranges=(load_range("load_mw", "native_load_mw"),)),
)

DEMAND_HOURLY_FEED = Dataset(
    "demand_hourly",
    "load",
    DEMAND_HOURLY,
    parse_demand_hourly,
    demand_plan,
    ONE_HOUR,
    series_columns=("market", "location_id"),
    rules=RuleSet(ranges=(load_range("load_mw"),), zones_in="location_id", zones_only=True),
)

FEEDS = (SYSTEM_LOAD, ZONAL_LOAD, LOAD_HOURLY_FEED, DEMAND_HOURLY_FEED)
