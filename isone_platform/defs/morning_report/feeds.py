"""ISO-NE's morning report: every report issued for an operating day (capacity, load forecast, reserves, surplus),
and its two nested lists as tables of their own: interchange per tie and the weather per city.

ISO-NE quirks, handled in `lib/parse/morning_report.py` or here:
- Two reports per operating day up to 2024-12-19 (`Preliminary` the day before, `Final` about 08:14), three from
  2024-12-20 (the next-day operational capacity report by 16:00 the day before, the morning report by 08:00, an
  update by noon): `REPORTS_PER_DAY`. A report is identified by its type and issue time (`CreationDate`).
- Field names are kept meaningful in snake_case even where the API misspells them (`UncommitedAvailDRRMw`);
  values may arrive as strings (`ExpActOp4Mw: "0"`); fields come and go by year (DRR from 2018, planned/forced
  outage splits from 2025-07, the NECEC tie in 2026).
- `TieDelivery[]` and `InterchangeDetail[]` are merged per tie (`Phase II` = `Phase 2`); negative = import.
- The three tables come from the same small body (~10 KB), fetched once per table.
- `/morningreport/current` changes during the day: a poll reads its newest report and fetches the day's reports
  when that one is new (at most 2 requests).
"""

from datetime import date

from isone_platform.lib.feed import Dataset, Identity, Polling, Reports, RuleSet, single, whole_day
from isone_platform.lib.parse.morning_report import (
    parse_morning_report,
    parse_morning_report_interchange,
    parse_morning_report_weather,
)
from isone_platform.lib.schemas import MORNING_REPORT, MORNING_REPORT_INTERCHANGE, MORNING_REPORT_WEATHER

MORNING_REPORT_DAY = "/morningreport/day/{d}/all"
THREE_REPORTS_FROM = date(2024, 12, 20)
"""From this operating day ISO-NE issues three reports a day, before it two."""
BALANCE_TOLERANCE_MW = 1.0
"""The morning report's balances hold to the megawatt (its values are whole MW)."""


def reports_per_day(day: date) -> int:
    """How many morning reports ISO-NE issues for `day`."""
    return 3 if day >= THREE_REPORTS_FROM else 2


REPORTS = Reports(
    reports_per_day,
    description=f"2 a day, 3 from {THREE_REPORTS_FROM.isoformat()} (one row per report and type)",
)
POLLING = Polling("/morningreport/current", whole_day(MORNING_REPORT_DAY))


def _balance(rule: str, column: str, equals: str) -> Identity:
    return Identity(rule, column, equals, BALANCE_TOLERANCE_MW)


BALANCES = (
    _balance(
        "total_available_capacity_balances",
        "total_available_capacity_mw",
        "cso_mw + cap_additions_mw - gen_outages_reduction_mw - uncommitted_available_gen_mw "
        "+ coalesce(drr_capacity_mw, 0) - coalesce(uncommitted_available_drr_mw, 0) - net_capacity_delivery_mw",
    ),
    _balance(
        "capacity_required_balances",
        "capacity_required_mw",
        "peak_load_today_mw + total_operating_reserve_requirement_mw",
    ),
    _balance(
        "operating_reserve_balances",
        "total_operating_reserve_requirement_mw",
        "ten_min_reserve_requirement_mw + thirty_min_reserve_requirement_mw",
    ),
    _balance("surplus_balances", "surplus_deficiency_mw", "total_available_capacity_mw - capacity_required_mw"),
    _balance("excess_commit_balances", "excess_commit_mw", "surplus_deficiency_mw - replacement_reserve_required_mw"),
)

MORNING_REPORT_FEED = Dataset(
    "morning_report",
    "morning_report",
    MORNING_REPORT,
    parse_morning_report,
    single(MORNING_REPORT_DAY),
    None,
    polling=POLLING,
    rules=RuleSet(reports=REPORTS, identities=BALANCES),
)

MORNING_REPORT_INTERCHANGE_FEED = Dataset(
    "morning_report_interchange",
    "morning_report",
    MORNING_REPORT_INTERCHANGE,
    parse_morning_report_interchange,
    single(MORNING_REPORT_DAY),
    None,
    polling=POLLING,
    rules=RuleSet(reports=REPORTS),
)

MORNING_REPORT_WEATHER_FEED = Dataset(
    "morning_report_weather",
    "morning_report",
    MORNING_REPORT_WEATHER,
    parse_morning_report_weather,
    single(MORNING_REPORT_DAY),
    None,
    polling=POLLING,
    rules=RuleSet(reports=REPORTS),
)

FEEDS = (MORNING_REPORT_FEED, MORNING_REPORT_INTERCHANGE_FEED, MORNING_REPORT_WEATHER_FEED)
