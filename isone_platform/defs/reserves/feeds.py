"""The reserve (ancillary-service) feeds: real-time reserve prices per reserve zone (5-minute and hourly, prelim
then final, like the RT LMPs) and the day-ahead ancillary services market (DASI): reserve requirements, clearing
prices and designations, and strike prices.

ISO-NE quirks, handled in `lib/parse/reserves.py` or here:
- 4 reserve zones (7000 ROS, 7001 SWCT, 7002 CT, 7003 NEMABSTN); only ROS has the 10-minute requirements.
- Prices come preliminary, then final (`/fiveminutereserveprice/{prelim|final}/day/{d}`, `/hourlyprelimreserveprice`
  and `/hourlyfinalreserveprice`): a day that is over is fetched final, falling back to prelim until final is
  published; the prelim values that final ones replace are kept (`*_revisions`).
- `BeginDate` sometimes arrives 1–2 minutes past the 5-minute mark: floored to the grid.
- The day-ahead ancillary services market began with operating day 2025-03-01 (`DASI_START`): earlier days have no
  data; their partitions are materialized empty, and every check says the market did not exist yet.
- DASI feeds are snake_case under `isone_web_services`; the hour begin is `market_hour.local_day`; strike prices
  can be re-published (`strike_price_timestamp`, kept as `published_at_utc`, part of the key).
"""

from datetime import date, timedelta

from isone_platform.lib.feed import Dataset, Polling, PriceStatus, Request, Revisions, RuleSet, ValueRange, ymd
from isone_platform.lib.parse.common import FIVE_MINUTES
from isone_platform.lib.parse.reserves import (
    parse_da_reserves,
    parse_da_strike_prices,
    parse_reserve_prices_5min,
    parse_reserve_prices_hourly,
)
from isone_platform.lib.schemas import (
    DA_RESERVES_HOURLY,
    DA_STRIKE_PRICES_HOURLY,
    RESERVE_PRICES_5MIN,
    RESERVE_PRICES_5MIN_REVISIONS,
    RESERVE_PRICES_HOURLY,
    RESERVE_PRICES_HOURLY_REVISIONS,
)

ONE_HOUR = timedelta(hours=1)
DASI_START = date(2025, 3, 1)
"""The first operating day of ISO-NE's day-ahead ancillary services market (DASI)."""
RESERVE_PRICE_TYPICAL_MAX = 100.0
"""$/MWh, WARN above: reserve prices are zero most of the time and tens of dollars when reserves are short; above
this they are a scarcity event worth a look (they are capped by the reserve constraint penalty factors, $1,000s)."""
RESERVE_PRICES = ("tmsr_clearing_price", "tmnsr_clearing_price", "tmor_clearing_price")


def reserve_price_rules(*prices: str) -> RuleSet:
    """Never negative (ERROR); above `RESERVE_PRICE_TYPICAL_MAX` a WARN."""
    return RuleSet(
        ranges=(
            ValueRange("reserve_price_not_negative", prices, (0.0, None), "$/MWh", nulls_offend=False),
            ValueRange(
                "reserve_price_in_typical_range",
                prices,
                (0.0, RESERVE_PRICE_TYPICAL_MAX),
                "$/MWh",
                severity="WARN",
                nulls_offend=False,
                note=" (typical range)",
            ),
        ),
    )


def _5min_day(status: PriceStatus, day: date | None) -> str:
    return f"/fiveminutereserveprice/{status}/day/{ymd(day)}"


def reserve_5min_plan(day: date | None, status: PriceStatus) -> list[Request]:
    """The whole day in one request; final falling back to prelim until final is published."""
    if status == "final":
        return [Request(_5min_day("final", day), _5min_day("prelim", day))]
    return [Request(_5min_day("prelim", day))]


def reserve_hourly_plan(day: date | None, status: PriceStatus) -> list[Request]:
    """Prelim and final hourly prices have paths of their own; final falling back to prelim."""
    prelim = f"/hourlyprelimreserveprice/day/{ymd(day)}"
    if status == "final":
        return [Request(f"/hourlyfinalreserveprice/day/{ymd(day)}", prelim)]
    return [Request(prelim)]


RESERVE_PRICES_5MIN_FEED = Dataset(
    "reserve_prices_5min",
    "reserves",
    RESERVE_PRICES_5MIN,
    parse_reserve_prices_5min,
    reserve_5min_plan,
    FIVE_MINUTES,
    ("reserve_zone_id",),
    has_price_status=True,
    polling=Polling("/fiveminutereserveprice/prelim/current", lambda day, first_missing: _5min_day("prelim", day)),
    rules=reserve_price_rules(*RESERVE_PRICES),
    revisions=Revisions("prelim_to_final", RESERVE_PRICES_5MIN_REVISIONS, RESERVE_PRICES),
)

RESERVE_PRICES_HOURLY_FEED = Dataset(
    "reserve_prices_hourly",
    "reserves",
    RESERVE_PRICES_HOURLY,
    parse_reserve_prices_hourly,
    reserve_hourly_plan,
    ONE_HOUR,
    ("reserve_zone_id",),
    has_price_status=True,
    rules=reserve_price_rules(*RESERVE_PRICES),
    revisions=Revisions("prelim_to_final", RESERVE_PRICES_HOURLY_REVISIONS, RESERVE_PRICES),
)


def _dasi(template: str):  # noqa: ANN202 - a Plan
    return lambda day, status: [Request(template.format(d=ymd(day)))]


DA_RESERVES_FEED = Dataset(
    "da_reserves_hourly",
    "reserves",
    DA_RESERVES_HOURLY,
    parse_da_reserves,
    _dasi("/daasreservedata/day/{d}"),
    ONE_HOUR,
    rules=reserve_price_rules("tmsr_clearing_price", "tmnsr_clearing_price", "tmor_clearing_price"),
    available_from=DASI_START,
)

DA_STRIKE_PRICES_FEED = Dataset(
    "da_strike_prices_hourly",
    "reserves",
    DA_STRIKE_PRICES_HOURLY,
    parse_da_strike_prices,
    _dasi("/daasstrikeprices/day/{d}"),
    ONE_HOUR,
    rules=RuleSet(ranges=(ValueRange("strike_price_not_negative", ("strike_price",), (0.0, None), "$/MWh"),)),
    available_from=DASI_START,
)

FEEDS = (RESERVE_PRICES_5MIN_FEED, RESERVE_PRICES_HOURLY_FEED, DA_RESERVES_FEED, DA_STRIKE_PRICES_FEED)
