"""The rules of the forecasts that keep every issue (lib/dq/rules/issues.py) on hand-made tables: an issue's
hours on DST days, same-day issues covering only the rest of the day, the seven-day forecast's six market days,
the newest issue due by 10:00, and zonal issues summing to the matching system issue."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from isone_platform.lib.datasets import Dataset, dataset
from isone_platform.lib.dq.registry import evaluate_rules
from isone_platform.lib.dq.rules.consistency import identity_holds
from isone_platform.lib.dq.rules.issues import (
    FORECAST_ZONES_TOLERANCE,
    ISSUE_MATCH_WINDOW,
    forecast_zones_sum_to_system,
    issues_complete,
    newest_issue_fresh,
    reports_complete,
)
from isone_platform.lib.feed import Issues
from isone_platform.lib.partitions import ISONE_TZ, day_bounds_utc
from isone_platform.lib.schemas import (
    DA_RESERVES_HOURLY,
    LOAD_FORECAST_HOURLY,
    LOAD_FORECAST_ZONAL_HOURLY,
    LOAD_ZONES,
    MORNING_REPORT,
    SEVEN_DAY_FORECAST,
)
from isone_platform.lib.warehouse import WarehouseConfig, open_connection, replace_partitions

HOUR = timedelta(hours=1)
FALL = date(2024, 11, 3)  # 25 hours
SPRING = date(2024, 3, 10)  # 23 hours
LATER = datetime(2025, 1, 1, tzinfo=UTC)
SYSTEM = dataset("load_forecast_hourly")
ZONAL = dataset("load_forecast_zonal_hourly")
SEVEN = dataset("seven_day_forecast")


def issues_of(ds: Dataset) -> Issues:
    assert ds.rules.issues is not None, ds.name
    return ds.rules.issues


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ISONE_TZ).astimezone(UTC)


def _prov(n: int) -> dict:
    return {
        "source_path": ["/x"] * n,
        "fetched_at_utc": [datetime(2024, 1, 1, tzinfo=UTC)] * n,
        "body_sha256": ["0" * 64] * n,
    }


def hours(day: date, after: datetime | None = None) -> list[datetime]:
    start, end = day_bounds_utc(day)
    out, t = [], start
    while t < end:
        if after is None or t > after:
            out.append(t)
        t += HOUR
    return out


def system_rows(day: date, issued: datetime, load: float = 12_000.0, *, drop: int = 0) -> pl.DataFrame:
    begins = hours(day)[drop:]
    n = len(begins)
    return pl.DataFrame(
        {
            "interval_begin_utc": begins,
            "interval_end_utc": [b + HOUR for b in begins],
            "operating_day": [day] * n,
            "issued_at_utc": [issued] * n,
            "horizon_hours": [(b - issued).total_seconds() / 3600 for b in begins],
            "load_mw": [load] * n,
            "net_load_mw": [load] * n,
            **_prov(n),
        }
    )


def zonal_rows(day: date, issued: datetime, system_mw: float = 12_000.0, *, covers_rest: bool = False, skew=1.0):
    same_day = issued.astimezone(ISONE_TZ).date() == day
    begins = hours(day, after=issued if covers_rest and same_day else None)
    parts = []
    for i, (zone_id, name) in enumerate(LOAD_ZONES.items()):
        mw = system_mw / len(LOAD_ZONES) * (skew if i == 0 else 1.0)
        parts.append(
            pl.DataFrame(
                {
                    "interval_begin_utc": begins,
                    "interval_end_utc": [b + HOUR for b in begins],
                    "operating_day": [day] * len(begins),
                    "issued_at_utc": [issued] * len(begins),
                    "horizon_hours": [(b - issued).total_seconds() / 3600 for b in begins],
                    "zone_id": [zone_id] * len(begins),
                    "zone_name": [name] * len(begins),
                    "load_mw": [mw] * len(begins),
                    "share_pct": [100 / len(LOAD_ZONES)] * len(begins),
                }
            )
        )
    frame = pl.concat(parts).with_columns(pl.col("zone_id").cast(pl.Int32))
    return frame.with_columns(**{k: pl.Series(v) for k, v in _prov(frame.height).items()})


def seven_day_rows(issue_day: date, issued: datetime, market_days: int = 6) -> pl.DataFrame:
    days = [issue_day + timedelta(days=k) for k in range(1, market_days + 1)]
    base: dict[str, list[Any]] = {c: [None] * len(days) for c in SEVEN_DAY_FORECAST.column_names}
    base.update(
        interval_begin_utc=[day_bounds_utc(d)[0] for d in days],
        interval_end_utc=[day_bounds_utc(d)[1] for d in days],
        operating_day=[issue_day] * len(days),
        market_day=days,
        issued_at_utc=[issued] * len(days),
        horizon_days=list(range(1, len(days) + 1)),
        peak_load_mw=[15_000.0] * len(days),
        **_prov(len(days)),
    )
    return pl.DataFrame(base, schema=SEVEN_DAY_FORECAST.polars_schema)


@pytest.fixture
def wh(tmp_path):
    config = WarehouseConfig.local(tmp_path)

    class Warehouse:
        def write(self, schema, frame, days):
            replace_partitions(config, schema, frame, days)

        def con(self):
            return open_connection(config, read_only=True)

    return Warehouse()


def _complete(con, ds, days, now=LATER):
    return issues_complete(con, ds.table, days, issues=issues_of(ds), series=ds.series_columns[1:], now=now)


def test_every_issue_covers_every_hour_of_a_dst_day(wh):
    day_ahead, two_ahead = local(date(2024, 11, 2), 9, 12), local(date(2024, 11, 1), 9, 15)
    wh.write(LOAD_FORECAST_HOURLY, pl.concat([system_rows(FALL, day_ahead), system_rows(FALL, two_ahead)]), [FALL])
    result = _complete(wh.con(), SYSTEM, [FALL])
    assert result.passed, result.summary

    wh.write(
        LOAD_FORECAST_HOURLY, pl.concat([system_rows(FALL, day_ahead), system_rows(FALL, two_ahead, drop=1)]), [FALL]
    )
    result = _complete(wh.con(), SYSTEM, [FALL])
    assert not result.passed and result.severity == "ERROR" and result.count == 1
    [row] = result.rows
    assert row["missing_hours"] == 1 and row["first_missing_utc"] == "2024-11-03T04:00:00+00:00"


def test_an_issue_of_the_day_itself_covers_only_the_hours_after_it(wh):
    same_day, day_ahead = local(SPRING, 9, 17), local(date(2024, 3, 9), 9, 12)
    frame = pl.concat([zonal_rows(SPRING, same_day, covers_rest=True), zonal_rows(SPRING, day_ahead, covers_rest=True)])
    wh.write(LOAD_FORECAST_ZONAL_HOURLY, frame, [SPRING])
    assert len(frame) == 8 * (23 + 14)  # 10:00 .. 23:00 EDT after a 09:17 issue; 23 hours from the day before
    result = _complete(wh.con(), ZONAL, [SPRING])
    assert result.passed, result.summary

    one_zone_hour_missing = frame.filter(
        ~(
            (pl.col("zone_id") == 4004)
            & (pl.col("issued_at_utc") == same_day)
            & (pl.col("interval_begin_utc") == local(SPRING, 12))
        )
    )
    wh.write(LOAD_FORECAST_ZONAL_HOURLY, one_zone_hour_missing, [SPRING])
    result = _complete(wh.con(), ZONAL, [SPRING])
    assert not result.passed and result.count == 1 and result.rows[0]["zone_id"] == 4004


def test_a_day_that_is_over_without_any_issue_fails_one_still_running_does_not(wh):
    wh.write(LOAD_FORECAST_HOURLY, system_rows(FALL, local(date(2024, 11, 2), 9)), [FALL])
    nov4 = date(2024, 11, 4)
    assert not _complete(wh.con(), SYSTEM, [FALL, nov4]).passed
    assert _complete(wh.con(), SYSTEM, [FALL, nov4], now=local(nov4, 12)).passed


def test_a_seven_day_issue_covers_its_six_market_days(wh):
    day = date(2024, 11, 20)
    wh.write(SEVEN_DAY_FORECAST, seven_day_rows(day, local(day, 9, 30)), [day])
    result = _complete(wh.con(), SEVEN, [day])
    assert result.passed, result.summary
    wh.write(SEVEN_DAY_FORECAST, seven_day_rows(day, local(day, 9, 30), market_days=5), [day])
    result = _complete(wh.con(), SEVEN, [day])
    assert not result.passed and result.rows[0]["market_days"] == 5


def test_the_newest_issue_is_due_by_ten_local(wh):
    today = date(2024, 11, 20)
    yesterday_issue = local(today - timedelta(days=1), 9, 15)
    wh.write(LOAD_FORECAST_HOURLY, system_rows(today, yesterday_issue), [today])
    fresh = lambda now: newest_issue_fresh(wh.con(), SYSTEM.table, [today], issues=issues_of(SYSTEM), now=now)  # noqa: E731
    assert fresh(local(today, 8)).passed  # before 10:00 yesterday's issue is the newest due
    late = fresh(local(today, 11))
    assert not late.passed and late.severity == "WARN" and "2024-11-20" in late.summary
    wh.write(
        LOAD_FORECAST_HOURLY,
        pl.concat([system_rows(today, yesterday_issue), system_rows(today, local(today, 9, 15))]),
        [today],
    )
    assert fresh(local(today, 11)).passed
    assert "not applicable" in fresh(local(today + timedelta(days=10), 11)).summary


def test_zonal_issues_sum_to_the_matching_system_issue(wh):
    system_issue = local(date(2024, 11, 19), 9, 12)
    day = date(2024, 11, 20)
    wh.write(LOAD_FORECAST_HOURLY, system_rows(day, system_issue, 12_000.0), [day])
    wh.write(LOAD_FORECAST_ZONAL_HOURLY, zonal_rows(day, system_issue + timedelta(minutes=8), 12_000.0), [day])
    check = lambda: forecast_zones_sum_to_system(wh.con(), ZONAL.table, [day], system=SYSTEM.table)  # noqa: E731
    assert check().passed, check().summary

    skewed = 1 + 8 * FORECAST_ZONES_TOLERANCE * 2  # one zone off by enough to move the sum by 0.2 %
    wh.write(LOAD_FORECAST_ZONAL_HOURLY, zonal_rows(day, system_issue + timedelta(minutes=8), skew=skewed), [day])
    result = check()
    assert not result.passed and result.count == 24 and result.rows[0]["difference_mw"] == pytest.approx(24.0)

    unmatched = system_issue + ISSUE_MATCH_WINDOW + timedelta(minutes=1)  # no system issue that close: not compared
    wh.write(LOAD_FORECAST_ZONAL_HOURLY, zonal_rows(day, unmatched, skew=skewed), [day])
    assert check().passed


def report_rows(day: date, types: list[str], surplus_error: float = 0.0) -> pl.DataFrame:
    """Morning reports of `day` (one per type, issued an hour apart) whose balances hold, but for `surplus_error`."""
    start, end = day_bounds_utc(day)
    n = len(types)
    base: dict[str, list[Any]] = {c: [None] * n for c in MORNING_REPORT.column_names}
    available, peak, ten, thirty, replacement = 22_000.0, 17_000.0, 1_500.0, 600.0, 160.0
    base.update(
        interval_begin_utc=[start] * n,
        interval_end_utc=[end] * n,
        operating_day=[day] * n,
        report_type=types,
        issued_at_utc=[local(day, 6 + i) for i in range(n)],
        total_available_capacity_mw=[available] * n,
        peak_load_today_mw=[peak] * n,
        ten_min_reserve_requirement_mw=[ten] * n,
        thirty_min_reserve_requirement_mw=[thirty] * n,
        total_operating_reserve_requirement_mw=[ten + thirty] * n,
        capacity_required_mw=[peak + ten + thirty] * n,
        surplus_deficiency_mw=[available - (peak + ten + thirty) + surplus_error] * n,
        replacement_reserve_required_mw=[replacement] * n,
        excess_commit_mw=[available - (peak + ten + thirty) + surplus_error - replacement] * n,
        **_prov(n),
    )
    return pl.DataFrame(base, schema=MORNING_REPORT.polars_schema)


def test_every_day_that_is_over_has_its_morning_reports(wh):
    report = dataset("morning_report")
    reports = report.rules.reports
    assert reports is not None
    two, three = date(2024, 12, 19), date(2024, 12, 20)  # the third report begins on 2024-12-20
    wh.write(MORNING_REPORT, report_rows(two, ["Preliminary", "Final"]), [two])
    wh.write(MORNING_REPORT, report_rows(three, ["Preliminary", "Final"]), [three])
    result = reports_complete(wh.con(), MORNING_REPORT, [two, three], reports=reports, now=LATER)
    assert not result.passed and result.rows == [{"operating_day": "2024-12-20", "reports": 2, "expected": 3}]
    assert reports_complete(wh.con(), MORNING_REPORT, [three], reports=reports, now=local(three, 9)).passed


def test_the_morning_report_balances_hold_within_a_megawatt(wh):
    day = date(2024, 11, 20)
    report = dataset("morning_report")
    wh.write(MORNING_REPORT, report_rows(day, ["Preliminary", "Final"]), [day])
    for identity in report.rules.identities:
        assert identity_holds(wh.con(), MORNING_REPORT, [day], identity=identity).passed, identity.rule
    wh.write(MORNING_REPORT, report_rows(day, ["Preliminary", "Final"], surplus_error=5.0), [day])
    failed = {
        i.rule
        for i in report.rules.identities
        if not identity_holds(wh.con(), MORNING_REPORT, [day], identity=i).passed
    }
    assert failed == {"surplus_balances"}  # excess = surplus − replacement still holds: only the surplus is off


def test_days_before_the_market_began_pass_every_rule_empty(wh):
    before = date(2024, 11, 20)
    wh.write(DA_RESERVES_HOURLY, DA_RESERVES_HOURLY.empty_frame(), [before])  # materialized empty, as the asset does
    outcomes = list(evaluate_rules(wh.con(), "da_reserves_hourly", [before], now=LATER))
    assert outcomes and all(o.passed for o in outcomes)
    assert all("when the market began" in o.summary for o in outcomes)
