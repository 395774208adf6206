"""The LMP feeds: real-time 5-minute, day-ahead hourly and real-time hourly prices at every priced node.

ISO-NE quirks, handled in `lib/parse/lmp.py` or here:
- There is no all-node whole-day path for 5-minute LMPs: a day is 24 `starthour/{HH}` chunks of one local hour
  each. On DST days `HH` is the local wall-clock hour (we assume, like the simulator): `01` holds both 01:00 hours
  on the fall-back day, `02` is empty in spring.
- Real-time prices are `prelim` first and `final` later, per chunk: days that are over are fetched `final`,
  falling back to `prelim` where final is not published yet; `price_status` records which. Day-ahead prices are
  final when published. There is no `/hourlylmp/rt/final/current`.
- `Location` is an object, `{"@LocId": "4001", "@LocType": "LOAD ZONE", "$": ".Z.MAINE"}`: the id is a string.
  The hub is `.H.INTERNAL_HUB` (LocId 4000), not gridstatus's `.H.INTERNALHUB`.
- Whole prices arrive as JSON integers (`"CongestionComponent": 0`): components are cast to DOUBLE.
- Empty results come as `{"FiveMinLmps": ""}` or `{"FiveMinLmps": {}}`, and one record may be an object, not a list.
- Polling: `/fiveminutelmp/prelim/current/all` has every node at the latest interval; a gap is filled one
  `starthour` chunk per poll (the chunk holding the first missing interval), never the whole day at once.
"""

from datetime import date, datetime, timedelta
from typing import Any

from isone_platform.lib.feed import (
    Dataset,
    Parser,
    Plan,
    Polling,
    PriceStatus,
    Request,
    Revisions,
    RuleSet,
    ValueRange,
    single,
    ymd,
)
from isone_platform.lib.parse.common import FIVE_MINUTES, ParseContext, ParseResult
from isone_platform.lib.parse.lmp import parse_lmp
from isone_platform.lib.partitions import ISONE_TZ
from isone_platform.lib.schemas import (
    LMP_DA_HOURLY,
    LMP_RT_5MIN,
    LMP_RT_5MIN_REVISIONS,
    LMP_RT_HOURLY,
    LMP_RT_HOURLY_REVISIONS,
    TableSchema,
)

ONE_HOUR = timedelta(hours=1)
LMP_HARD_RANGE = (-1_000.0, 5_000.0)
"""Inclusive, ERROR: a price outside is a broken feed; NULL offends too."""
LMP_TYPICAL_RANGE = (-150.0, 1_000.0)
"""Inclusive, WARN: rare real prices fall outside."""

LMP_RULES = RuleSet(
    ranges=(
        ValueRange("lmp_in_hard_range", ("lmp",), LMP_HARD_RANGE, "$/MWh", label="LMP"),
        ValueRange(
            "lmp_in_typical_range",
            ("lmp",),
            LMP_TYPICAL_RANGE,
            "$/MWh",
            severity="WARN",
            nulls_offend=False,
            label="LMP",
            note=" (typical range)",
        ),
    ),
    zones_in="location_id",
    priced_locations=True,
)


def price_status_of(path: str) -> PriceStatus:
    """Day-ahead prices are final when published; real-time ones say so in the path."""
    return "final" if "/final/" in path or path.startswith("/hourlylmp/da/") else "prelim"


def lmp_parser(table: TableSchema, grain: timedelta) -> Parser:
    """`parse_lmp` for one LMP table, with the price status read from the body's path."""

    def parse(body: bytes, ctx: ParseContext) -> ParseResult:
        return parse_lmp(body, ctx, table=table, grain=grain, price_status=price_status_of(ctx.source_path))

    return parse


def chunk_hour_label(ts: datetime) -> str:
    """The `starthour` label (local wall-clock hour) of an interval: both fall-back 01:00 hours are "01"."""
    return f"{ts.astimezone(ISONE_TZ).hour:02d}"


def _rt_5min_chunk(status: PriceStatus, day: date | None, hour: str) -> str:
    return f"/fiveminutelmp/{status}/day/{ymd(day)}/starthour/{hour}"


def rt_5min_plan(day: date | None, status: PriceStatus) -> list[Request]:
    """All nodes exist only per local start hour: 24 chunks, final falling back to prelim per chunk."""
    hours = [f"{h:02d}" for h in range(24)]
    if status == "final":
        return [Request(_rt_5min_chunk("final", day, hh), _rt_5min_chunk("prelim", day, hh)) for hh in hours]
    return [Request(_rt_5min_chunk("prelim", day, hh)) for hh in hours]


def rt_5min_gap(day: date, first_missing: datetime) -> str:
    """The prelim chunk of the hour holding the first missing interval (the next poll continues from there)."""
    return _rt_5min_chunk("prelim", day, chunk_hour_label(first_missing))


def rt_hourly_plan(day: date | None, status: PriceStatus) -> list[Request]:
    """One all-node day; final falling back to prelim."""
    d = ymd(day)
    if status == "final":
        return [Request(f"/hourlylmp/rt/final/day/{d}", f"/hourlylmp/rt/prelim/day/{d}")]
    return [Request(f"/hourlylmp/rt/prelim/day/{d}")]


def _lmp(name: str, table: TableSchema, grain: timedelta, plan: Plan, **kw: Any) -> Dataset:
    """An LMP dataset: one series per location, the LMP rules."""
    return Dataset(name, "lmp", table, lmp_parser(table, grain), plan, grain, ("location_id",), rules=LMP_RULES, **kw)


LMP_VALUES = ("lmp", "energy_component", "congestion_component", "loss_component")
"""The values a final price revises: the LMP and each component (`*_revisions` keep the prelim and final ones)."""

LMP_RT_5MIN_FEED = _lmp(
    "lmp_rt_5min",
    LMP_RT_5MIN,
    FIVE_MINUTES,
    rt_5min_plan,
    has_price_status=True,
    polling=Polling("/fiveminutelmp/prelim/current/all", rt_5min_gap, chunked=True),
    revisions=Revisions("prelim_to_final", LMP_RT_5MIN_REVISIONS, LMP_VALUES),
)
LMP_DA_HOURLY_FEED = _lmp("lmp_da_hourly", LMP_DA_HOURLY, ONE_HOUR, single("/hourlylmp/da/final/day/{d}"))
LMP_RT_HOURLY_FEED = _lmp(
    "lmp_rt_hourly",
    LMP_RT_HOURLY,
    ONE_HOUR,
    rt_hourly_plan,
    has_price_status=True,
    revisions=Revisions("prelim_to_final", LMP_RT_HOURLY_REVISIONS, LMP_VALUES),
)

FEEDS = (LMP_RT_5MIN_FEED, LMP_DA_HOURLY_FEED, LMP_RT_HOURLY_FEED)
