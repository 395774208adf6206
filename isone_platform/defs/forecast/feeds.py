"""The forecast feeds: ISO-NE's hourly load forecast (system and per load zone), every issue of it, and the
seven-day capacity forecast.

ISO-NE quirks, handled in `lib/parse/forecast.py` or here:
- A forecast is re-issued several times a day (runs at about 04:00 and 09:15 local plus ad-hoc ones), and the
  `/all` paths return every issue (`CreationDate`): each is kept, keyed by `issued_at_utc`, so a day-ahead
  forecast can be told from a same-day one and forecast error measured by horizon.
- The hourly system forecast of day d holds the runs of d-2, d-1 and d, each covering every hour of d (216 records
  on a normal day with 9 runs, 138 on the 23-hour spring day, 175 on the 25-hour fall day).
- The zonal split names the 8 load zones without ids (`ReliabilityRegion` = `.Z.MAINE`, …): ids come from
  `lib.schemas.LOAD_ZONES`. Runs made on the day itself cover only the hours that begin after them (1,000
  records on 2024-03-10, 1,264 on 2024-11-03). A zonal run is published 4 s to 9 min after its system run, and
  can be missing.
- The seven-day forecast is fetched by issue day (`/sevendayforecast/day/{d}/all`): each issue carries six market
  days (d+1 … d+6); the day index is the string `"@Day"` in older bodies and the number `"Day"` in newer ones;
  `RtdrMw`/`RtegMw` of older years became `DrrMw`.
- `CreationDate` carries milliseconds that are not always `.000`; MW values are integers, floats or strings.
- `current` endpoints return the newest issue's last record only: a poll reads its `CreationDate` and fetches the
  day's `/all` path when the issue is new (at most 2 requests).
"""

from datetime import time

from isone_platform.defs.load.feeds import LOAD_HOURLY_FEED, load_range
from isone_platform.lib.feed import Dataset, Issues, Polling, RuleSet, ValueRange, single, whole_day
from isone_platform.lib.parse.forecast import (
    parse_load_forecast_hourly,
    parse_load_forecast_zonal,
    parse_seven_day_forecast,
)
from isone_platform.lib.schemas import LOAD_FORECAST_HOURLY, LOAD_FORECAST_ZONAL_HOURLY, SEVEN_DAY_FORECAST

ONE_HOUR = LOAD_HOURLY_FEED.grain
FORECAST_DUE_BY = time(10, 0)
"""ISO-NE issues the hourly load forecast by 10:00 local every day (runs at ~04:00 and ~09:15), and the seven-day
forecast at ~09:30: an issue of today is due by then."""
FORECAST_SPAN_DAYS = 2
"""An hourly load forecast run covers its issue day and the next 2 days."""
SEVEN_DAY_HORIZON_DAYS = 6
"""A seven-day forecast issue covers the 6 market days after its issue day (ISO-NE's days 2-7)."""
SURPLUS_TYPICAL_MW = (-2_000.0, 20_000.0)
"""WARN: a capacity surplus outside this (deficiency of more than 2 GW, or more than 20 GW spare) is unheard of."""

LOAD_FORECAST_DAY = "/hourlyloadforecast/all/day/{d}"
ZONAL_FORECAST_DAY = "/reliabilityregionloadforecast/day/{d}/all"
SEVEN_DAY_DAY = "/sevendayforecast/day/{d}/all"


def _issues(covers, current: str, **kw) -> Issues:  # noqa: ANN001 (a Literal of lib.feed.Issues)
    return Issues(covers, FORECAST_DUE_BY, FORECAST_SPAN_DAYS, polled_from=current, **kw)


LOAD_FORECAST_FEED = Dataset(
    "load_forecast_hourly",
    "forecast",
    LOAD_FORECAST_HOURLY,
    parse_load_forecast_hourly,
    single(LOAD_FORECAST_DAY),
    ONE_HOUR,
    series_columns=("issued_at_utc",),
    polling=Polling("/hourlyloadforecast/current", whole_day(LOAD_FORECAST_DAY)),
    rules=RuleSet(
        ranges=(load_range("load_mw", "net_load_mw"),),
        issues=_issues("day", "/hourlyloadforecast/current"),
    ),
)

LOAD_FORECAST_ZONAL_FEED = Dataset(
    "load_forecast_zonal_hourly",
    "forecast",
    LOAD_FORECAST_ZONAL_HOURLY,
    parse_load_forecast_zonal,
    single(ZONAL_FORECAST_DAY),
    ONE_HOUR,
    series_columns=("issued_at_utc", "zone_id"),
    polling=Polling("/reliabilityregionloadforecast/current", whole_day(ZONAL_FORECAST_DAY)),
    rules=RuleSet(
        ranges=(
            load_range("load_mw"),
            ValueRange("share_in_range", ("share_pct",), (0.0, 100.0), "%", label="zone share"),
        ),
        sums_to=LOAD_FORECAST_FEED.name,
        issues=_issues("rest_of_day", "/reliabilityregionloadforecast/current"),
    ),
)

SEVEN_DAY_FEED = Dataset(
    "seven_day_forecast",
    "forecast",
    SEVEN_DAY_FORECAST,
    parse_seven_day_forecast,
    single(SEVEN_DAY_DAY),
    None,
    series_columns=("issued_at_utc", "market_day"),
    polling=Polling("/sevendayforecast/current", whole_day(SEVEN_DAY_DAY)),
    rules=RuleSet(
        ranges=(
            load_range("peak_load_mw"),
            ValueRange(
                "surplus_in_typical_range",
                ("surplus_deficiency_mw",),
                SURPLUS_TYPICAL_MW,
                "MW",
                severity="WARN",
                nulls_offend=False,
                label="surplus/deficiency",
                note=" (typical range)",
            ),
        ),
        issues=Issues(
            "next_days",
            FORECAST_DUE_BY,
            span_days=0,
            horizon_days=SEVEN_DAY_HORIZON_DAYS,
            polled_from="/sevendayforecast/current",
        ),
    ),
)

FEEDS = (LOAD_FORECAST_FEED, LOAD_FORECAST_ZONAL_FEED, SEVEN_DAY_FEED)
