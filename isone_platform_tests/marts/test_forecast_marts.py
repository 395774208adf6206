"""The forecast marts against numbers worked out by hand from synthetic std rows.

`mart.isone__load_forecast_accuracy_daily` on a normal day (2024-07-03), the 23-hour 2024-03-10 and the 25-hour
2024-11-03. Every operating day d gets the same issues (local times):

- d-3 12:00 (too old: no bucket), f = a + 5000;
- d-2 10:00 (two_days_ahead), f = a + 200;
- d-1 09:00 (day_ahead, superseded by the later one), f = a + 300;
- d-1 21:00 (day_ahead, the one used), f - a = +100 on even hours of the day, -100 on odd ones, +700 at hour 5;
- d 09:15 (same_day): f = a + 50, but a + 9999 for the hours that began before 09:15 (must not be used);
- d 15:40 (same_day): the 15:00 hour a + 8888 (began before the issue: must not be used), then f = a - 20.

So same_day covers the hours beginning 10:00-15:00 (+50, issue 09:15) and 16:00-23:00 (-20, issue 15:40): 14 hours.
System actual a = 10000 + 100 i (i = hour of the day, 0-based). Zone 4001 (.Z.MAINE): RT demand 1000 + 10 i (one
hour missing on 2024-07-03), DA rows at 99999 (must be ignored), forecast day_ahead a + 10 and same_day (09:15) a - 40
for the hours after it. Zones 4002 and 4003 have only the day_ahead forecast a + 10.

Actual sources of the zones (one per zone-day: RT demand with the whole day, else the hourly mean of the estimated
5-minute zonal load over hours with 12 non-null intervals, else the partial RT demand):
- .Z.MAINE: RT demand. On 2024-11-03 an estimate at a + 500 exists too and is ignored (RT demand is complete);
  on 2024-07-03 RT demand lacks an hour and no estimate exists: the 23 RT hours.
- .Z.NEWHAMPSHIRE: no RT demand. Estimate with hourly mean a - 5 on 2024-07-03 (hour 7 has 11 intervals, hour 8 a
  null one: both left out, 22 hours) and 2024-11-03 (25 hours): error +15. 2024-03-10: nothing, no rows.
- .Z.VERMONT (2024-07-03 only): RT demand for hours 0-9 only and a complete estimate at a - 20: the estimate,
  24 hours, error +30.

`mart.isone__seven_day_outlook`: issues on 2024-07-01 (10:00), 07-02 (10:00), 07-03 (10:00 and 16:00) and 07-04
(10:00), each for d+1..d+6. The run covers 07-02..07-03 only: 07-01's issue is read from std, 07-04's is ignored.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl
import pytest

from isone_platform.lib import dbt as dbt_lib
from isone_platform.lib.schemas import (
    DEMAND_HOURLY,
    LOAD_FORECAST_HOURLY,
    LOAD_FORECAST_ZONAL_HOURLY,
    LOAD_HOURLY,
    SEVEN_DAY_FORECAST,
    ZONAL_LOAD_5MIN,
    TableSchema,
)
from isone_platform.lib.warehouse import WarehouseConfig, replace_partitions

from .conftest import materialize_marts, read_mart

NY = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)
NORMAL, SPRING, FALL = date(2024, 7, 3), date(2024, 3, 10), date(2024, 11, 3)
ACCURACY_DAYS = (SPRING, NORMAL, FALL)
OUTLOOK_ISSUES = (  # (issue day, local hour)
    (date(2024, 7, 1), 10),
    (date(2024, 7, 2), 10),
    (date(2024, 7, 3), 10),
    (date(2024, 7, 3), 16),
    (date(2024, 7, 4), 10),
)
OUTLOOK_RUN = (date(2024, 7, 2), date(2024, 7, 3))
MAINE, NH, VT = (4001, ".Z.MAINE"), (4002, ".Z.NEWHAMPSHIRE"), (4003, ".Z.VERMONT")
ZONE_IDS = {name: zone_id for zone_id, name in (MAINE, NH, VT)}
MISSING_ZONE_HOUR = (NORMAL, 3)
# (zone, day) -> (hourly mean of the estimate - zone_actual, hours of the day whose estimate is incomplete)
ESTIMATES = {
    (MAINE, FALL): (500.0, ()),
    (NH, NORMAL): (-5.0, (7, 8)),
    (NH, FALL): (-5.0, ()),
    (VT, NORMAL): (-20.0, ()),
}
VT_RT_HOURS = range(10)  # .Z.VERMONT's partial RT demand on NORMAL
PROVENANCE = {"source_path": "/synthetic", "fetched_at_utc": datetime(2024, 12, 1, tzinfo=UTC), "body_sha256": "0" * 64}
ACCURACY = "isone__load_forecast_accuracy_daily"
OUTLOOK = "isone__seven_day_outlook"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A local wall time (never an ambiguous or skipped one here) as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY).astimezone(UTC)


def hours(day: date) -> list[datetime]:
    """The UTC begins of the day's hours: 23 / 24 / 25 of them."""
    start, end = local(day, 0), local(day + timedelta(days=1), 0)
    return [start + k * HOUR for k in range((end - start) // HOUR)]


def system_actual(i: int) -> float:
    return 10000.0 + 100 * i


def zone_actual(i: int) -> float:
    return 1000.0 + 10 * i


def day_ahead_error(i: int) -> float:
    return 700.0 if i == 5 else (100.0 if i % 2 == 0 else -100.0)


def issues(day: date) -> dict[str, datetime]:
    return {
        "old": local(day - timedelta(days=3), 12),
        "two_ahead": local(day - timedelta(days=2), 10),
        "da_early": local(day - timedelta(days=1), 9),
        "da_late": local(day - timedelta(days=1), 21),
        "same_a": local(day, 9, 15),
        "same_b": local(day, 15, 40),
    }


# ---------------------------------------------------------------------------------------------------------------
# std rows


def _frame(rows: list[dict], schema: TableSchema) -> pl.DataFrame:
    df = pl.DataFrame([{**r, **PROVENANCE} for r in rows], infer_schema_length=None)
    missing = [c for c in schema.column_names if c not in df.columns]
    return schema.conform(df.with_columns([pl.lit(None).alias(c) for c in missing]))


def _hour_row(day: date, ts: datetime, issued: datetime | None = None, **values) -> dict:
    row = {"interval_begin_utc": ts, "interval_end_utc": ts + HOUR, "operating_day": day, **values}
    if issued is not None:
        row |= {"issued_at_utc": issued, "horizon_hours": (ts - issued) / HOUR}
    return row


def estimate_rows(day: date, zone: tuple[int, str], i: int, ts: datetime) -> list[dict]:
    """The hour's 12 five-minute estimated zonal loads, mean zone_actual(i) + offset (11, or one null, when the hour
    is an incomplete one)."""
    offset, incomplete = ESTIMATES[(zone, day)]
    rows = []
    for j in range(12):
        load: float | None = zone_actual(i) + offset + (j - 5.5)
        if i in incomplete and j == 11:
            if i % 2:
                continue  # an interval missing
            load = None  # an interval with a null load
        begin = ts + j * timedelta(minutes=5)
        rows.append(
            {
                "interval_begin_utc": begin,
                "interval_end_utc": begin + timedelta(minutes=5),
                "operating_day": day,
                "zone_id": zone[0],
                "zone_name": zone[1],
                "load_mw": load,
            }
        )
    return rows


def accuracy_std() -> dict[TableSchema, pl.DataFrame]:
    system_fc, zonal_fc, load, demand, estimates = [], [], [], [], []
    for day in ACCURACY_DAYS:
        iss = issues(day)
        for i, ts in enumerate(hours(day)):
            a, za = system_actual(i), zone_actual(i)
            load.append(_hour_row(day, ts, load_mw=a, native_load_mw=a - 1, ard_demand_mw=1.0))
            for zone_id, zone_name in (MAINE, NH):
                demand.append(
                    _hour_row(day, ts, market="DA", location_id=zone_id, location_name=zone_name, load_mw=99999.0)
                )
            if (day, i) != MISSING_ZONE_HOUR:
                demand.append(_hour_row(day, ts, market="RT", location_id=MAINE[0], location_name=MAINE[1], load_mw=za))
            if day == NORMAL and i in VT_RT_HOURS:
                demand.append(_hour_row(day, ts, market="RT", location_id=VT[0], location_name=VT[1], load_mw=za))
            for zone in (MAINE, NH, VT):
                if (zone, day) in ESTIMATES:
                    estimates += estimate_rows(day, zone, i, ts)
            forecasts = {
                "old": a + 5000,
                "two_ahead": a + 200,
                "da_early": a + 300,
                "da_late": a + day_ahead_error(i),
                "same_a": a + 50 if ts >= iss["same_a"] else a + 9999,
            }
            if ts >= local(day, 15):
                forecasts["same_b"] = a + 8888 if ts < iss["same_b"] else a - 20
            for name, f in forecasts.items():
                system_fc.append(_hour_row(day, ts, iss[name], load_mw=f, net_load_mw=f))
            zone_forecasts = [(MAINE, "da_late", za + 10), (NH, "da_late", za + 10), (VT, "da_late", za + 10)]
            if ts > iss["same_a"]:
                zone_forecasts.append((MAINE, "same_a", za - 40))
            for (zone_id, zone_name), name, f in zone_forecasts:
                zonal_fc.append(
                    _hour_row(day, ts, iss[name], zone_id=zone_id, zone_name=zone_name, load_mw=f, share_pct=10.0)
                )
    return {
        LOAD_FORECAST_HOURLY: _frame(system_fc, LOAD_FORECAST_HOURLY),
        LOAD_FORECAST_ZONAL_HOURLY: _frame(zonal_fc, LOAD_FORECAST_ZONAL_HOURLY),
        LOAD_HOURLY: _frame(load, LOAD_HOURLY),
        DEMAND_HOURLY: _frame(demand, DEMAND_HOURLY),
        ZONAL_LOAD_5MIN: _frame(estimates, ZONAL_LOAD_5MIN),
    }


# The forecast for market day 2024-07-05 in each issue: (peak, surplus).
JULY_5 = date(2024, 7, 5)
JULY_5_VALUES = [(20000.0, 3000.0), (20500.0, 2500.0), (19800.0, 3200.0), (21000.0, 1500.0), (25000.0, -500.0)]


def outlook_values(k: int, market_day: date, horizon: int) -> tuple[float, float]:
    if market_day == JULY_5:
        return JULY_5_VALUES[k]
    return 18000.0 + 100 * horizon + 7 * k, 4000.0 - 50 * horizon - k


def outlook_std() -> pl.DataFrame:
    rows = []
    for k, (day, hour) in enumerate(OUTLOOK_ISSUES):
        issued = local(day, hour)
        for horizon in range(1, 7):
            market_day = day + timedelta(days=horizon)
            peak, surplus = outlook_values(k, market_day, horizon)
            latest_july_3 = k == 3
            rows.append(
                {
                    "interval_begin_utc": local(market_day, 0),
                    "interval_end_utc": local(market_day + timedelta(days=1), 0),
                    "operating_day": day,
                    "market_day": market_day,
                    "issued_at_utc": issued,
                    "day_number": horizon + 1,
                    "horizon_days": horizon,
                    "peak_load_mw": peak,
                    "surplus_deficiency_mw": surplus,
                    "total_available_gen_import_mw": peak + surplus + 2000,
                    "load_plus_required_reserve_mw": peak + 2000,
                    "power_watch": latest_july_3 and market_day == JULY_5,
                    "power_warn": False,
                    "cold_weather_watch": False,
                    "cold_weather_warn": latest_july_3 and market_day == JULY_5,
                    "cold_weather_event": None if latest_july_3 and horizon == 3 else False,
                }
            )
    return _frame(rows, SEVEN_DAY_FORECAST)


def write(config: WarehouseConfig, schema: TableSchema, df: pl.DataFrame) -> None:
    days = sorted(set(df["operating_day"].to_list()))
    replace_partitions(config, schema, df, days)


# ---------------------------------------------------------------------------------------------------------------
# expectations, from the construction above (which error each hour gets), not from the SQL's rules


def stats(errors: dict[datetime, float], actuals: dict[datetime, float], issued: dict[datetime, datetime]) -> dict:
    """MAE, MAPE, bias, max |error| (earliest hour on ties) and mean horizon of hour -> error."""
    n = len(errors)
    top = max(abs(e) for e in errors.values())
    return {
        "hours_compared": n,
        "mae_mw": sum(abs(e) for e in errors.values()) / n,
        "mape_pct": 100 * sum(abs(e) / actuals[ts] for ts, e in errors.items()) / n,
        "bias_mw": sum(errors.values()) / n,
        "max_abs_error_mw": top,
        "max_abs_error_interval_begin_utc": min(ts for ts, e in errors.items() if abs(e) == top),
        "mean_horizon_hours": sum((ts - issued[ts]) / HOUR for ts in errors) / n,
    }


def expected_accuracy() -> dict[tuple[date, str, str], dict]:
    out = {}
    for day in ACCURACY_DAYS:
        iss = issues(day)
        hs = hours(day)
        actual = {ts: system_actual(i) for i, ts in enumerate(hs)}
        zone = {ts: zone_actual(i) for i, ts in enumerate(hs) if (day, i) != MISSING_ZONE_HOUR}
        estimated = {}  # zones without (complete) RT demand: zone name -> hour -> the estimate's hourly mean
        for z in (NH, VT):
            if (z, day) in ESTIMATES:
                offset, incomplete = ESTIMATES[(z, day)]
                estimated[z[1]] = {ts: zone_actual(i) + offset for i, ts in enumerate(hs) if i not in incomplete}
        same_day = {ts: ("same_a", 50.0) for ts in hs if local(day, 10) <= ts < local(day, 16)}
        same_day |= {ts: ("same_b", -20.0) for ts in hs if ts >= local(day, 16)}
        cases = {
            ("SYSTEM", "two_days_ahead"): (1, actual, {ts: ("two_ahead", 200.0) for ts in hs}),
            ("SYSTEM", "day_ahead"): (2, actual, {ts: ("da_late", day_ahead_error(i)) for i, ts in enumerate(hs)}),
            ("SYSTEM", "same_day"): (2, actual, same_day),
            (".Z.MAINE", "day_ahead"): (1, zone, {ts: ("da_late", 10.0) for ts in zone}),
            (".Z.MAINE", "same_day"): (1, zone, {ts: ("same_a", -40.0) for ts in zone if ts > iss["same_a"]}),
        }
        for name, actuals in estimated.items():  # forecast a + 10, estimate a + offset
            offset = ESTIMATES[((ZONE_IDS[name], name), day)][0]
            cases[(name, "day_ahead")] = (1, actuals, {ts: ("da_late", 10.0 - offset) for ts in actuals})
        sources = {"SYSTEM": "load_hourly", ".Z.MAINE": "rt_demand", **dict.fromkeys(estimated, "estimated_zonal_load")}
        for (area, bucket), (n_issues, actuals, used) in cases.items():
            errors = {ts: e for ts, (_, e) in used.items()}
            row = stats(errors, actuals, {ts: iss[name] for ts, (name, _) in used.items()})
            ts_max = row["max_abs_error_interval_begin_utc"]
            out[(day, area, bucket)] = {
                "area_type": "system" if area == "SYSTEM" else "zone",
                "zone_id": ZONE_IDS.get(area),
                "actual_source": sources[area],
                "issues_in_bucket": n_issues,
                "expected_hours": len(hs),
                **row,
                "max_abs_error_interval_begin_local": ts_max.astimezone(NY).isoformat(),
            }
    return out


def expected_outlook() -> dict[tuple[date, date], dict]:
    issued = [local(day, hour) for day, hour in OUTLOOK_ISSUES]
    out = {}
    for d in (OUTLOOK_RUN[0] + timedelta(days=n) for n in range((OUTLOOK_RUN[1] - OUTLOOK_RUN[0]).days + 1)):
        latest = max(k for k, (day, _) in enumerate(OUTLOOK_ISSUES) if day == d)
        for horizon in range(1, 7):
            market_day = d + timedelta(days=horizon)
            # issues up to and including d's latest that covered the market day, oldest first
            seen = [k for k, (day, _) in enumerate(OUTLOOK_ISSUES) if k <= latest and 1 <= (market_day - day).days <= 6]
            vals = [outlook_values(k, market_day, (market_day - OUTLOOK_ISSUES[k][0]).days) for k in seen]
            peak, surplus = vals[-1]
            prev = vals[-2] if len(vals) > 1 else (None, None)
            out[(d, market_day)] = {
                "horizon_days": horizon,
                "latest_issued_at_utc": issued[latest],
                "peak_load_mw": peak,
                "surplus_deficiency_mw": surplus,
                "issues_count": len(seen),
                "first_issued_at_utc": issued[seen[0]],
                "first_peak_load_mw": vals[0][0],
                "peak_load_change_mw": peak - vals[0][0],
                "peak_load_min_mw": min(p for p, _ in vals),
                "peak_load_max_mw": max(p for p, _ in vals),
                "previous_issued_at_utc": issued[seen[-2]] if len(seen) > 1 else None,
                "previous_peak_load_mw": prev[0],
                "peak_load_change_since_previous_mw": None if prev[0] is None else peak - prev[0],
                "first_surplus_deficiency_mw": vals[0][1],
                "surplus_deficiency_change_mw": surplus - vals[0][1],
                "surplus_deficiency_min_mw": min(s for _, s in vals),
                "surplus_deficiency_max_mw": max(s for _, s in vals),
                "previous_surplus_deficiency_mw": prev[1],
                "surplus_deficiency_change_since_previous_mw": None if prev[1] is None else surplus - prev[1],
            }
    return out


# ---------------------------------------------------------------------------------------------------------------
# the build


@pytest.fixture(scope="module")
def forecast_built(mart_env):
    """Synthetic std rows written; the marts built in three runs: 2024-07-02..03, 2024-03-10, 2024-11-03."""
    config = WarehouseConfig.from_env()
    for schema, df in accuracy_std().items():
        write(config, schema, df)
    write(config, SEVEN_DAY_FORECAST, outlook_std())
    results = [
        materialize_marts(*OUTLOOK_RUN),
        materialize_marts(SPRING, SPRING),
        materialize_marts(FALL, FALL),
    ]
    return {"results": results, ACCURACY: read_mart(ACCURACY), OUTLOOK: read_mart(OUTLOOK)}


def assert_row(actual: dict, expected: dict, context: object) -> None:
    for column, want in expected.items():
        got = actual[column]
        if isinstance(want, float) and got is not None:
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), f"{context} {column}: {got} != {want}"
        else:
            assert got == want, f"{context} {column}: {got!r} != {want!r}"


def accuracy_rows(built) -> dict[tuple[date, str, str], dict]:
    rows = {(r["operating_day"], r["area"], r["horizon_bucket"]): r for r in built[ACCURACY]}
    assert len(rows) == len(built[ACCURACY])
    return rows


def outlook_rows(built) -> dict[tuple[date, date], dict]:
    rows = {(r["operating_day"], r["market_day"]): r for r in built[OUTLOOK]}
    assert len(rows) == len(built[OUTLOOK])
    return rows


def test_runs_succeed_with_the_forecast_checks_and_tests_passing(forecast_built):
    for result in forecast_built["results"]:
        assert result.success
        evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
        for name in (
            "load_forecast_accuracy_daily_reconciles_with_std",
            "seven_day_outlook_reconciles_with_std",
            "load_forecast_accuracy_one_row_per_day_area_and_bucket",
            "load_forecast_accuracy_hours_compared_within_the_day",
            "load_forecast_accuracy_mape_not_negative",
            "accepted_values_isone__load_forecast_accuracy_daily_horizon_bucket__same_day__day_ahead__two_days_ahead",
            "seven_day_outlook_one_row_per_day_and_market_day",
            "seven_day_outlook_market_day_is_issue_day_plus_horizon",
            "seven_day_outlook_peak_within_its_range",
        ):
            assert name in evaluations, name
        assert [n for n, e in evaluations.items() if not e.passed] == []
        keys = {e.event_specific_data.materialization.asset_key for e in result.get_asset_materialization_events()}
        assert {dg.AssetKey(["mart", ACCURACY]), dg.AssetKey(["mart", OUTLOOK])} <= keys
    # the accuracy reconciliation compared 7 keys on the normal day: SYSTEM x 3 buckets, .Z.MAINE x 2, .Z.NEWHAMPSHIRE
    # and .Z.VERMONT day_ahead (on the estimate)
    per_day = [
        e
        for e in forecast_built["results"][0].get_asset_check_evaluations()
        if e.check_name == "load_forecast_accuracy_daily_reconciles_with_std" and e.partition == NORMAL.isoformat()
    ]
    assert len(per_day) == 1 and per_day[0].metadata["keys_compared"].value == 7


def test_accuracy_matches_the_construction_on_normal_and_dst_days(forecast_built):
    rows = accuracy_rows(forecast_built)
    expected = expected_accuracy()
    # no .Z.NEWHAMPSHIRE on 2024-03-10 (neither RT demand nor an estimate), no bucket for the d-3 issue
    assert set(rows) == set(expected)
    for key, want in expected.items():
        assert_row(rows[key], want, key)


def test_accuracy_hand_numbers_normal_day(forecast_built):
    rows = accuracy_rows(forecast_built)
    # day_ahead: the 21:00 issue of 07-02 (01:00 UTC on 07-03), not the 09:00 one (+300 everywhere).
    # errors: +100 on 12 even hours, -100 on 11 odd hours, +700 at hour 5 -> sum 800, |sum| 3000.
    da = rows[(NORMAL, "SYSTEM", "day_ahead")]
    assert da["hours_compared"] == 24 and da["expected_hours"] == 24 and da["issues_in_bucket"] == 2
    assert da["mae_mw"] == pytest.approx(125.0)
    assert da["bias_mw"] == pytest.approx(800 / 24)
    assert da["max_abs_error_mw"] == pytest.approx(700.0)
    assert da["max_abs_error_interval_begin_utc"] == datetime(2024, 7, 3, 9, tzinfo=UTC)  # 05:00 EDT
    assert da["max_abs_error_interval_begin_local"] == "2024-07-03T05:00:00-04:00"
    assert da["mean_horizon_hours"] == pytest.approx(14.5)  # hours 3..26 after 01:00 UTC
    mape = 100 * sum(abs(day_ahead_error(i)) / (10000 + 100 * i) for i in range(24)) / 24
    assert da["mape_pct"] == pytest.approx(mape)
    # two_days_ahead: +200 every hour; ties -> the day's first hour
    two = rows[(NORMAL, "SYSTEM", "two_days_ahead")]
    assert (two["hours_compared"], two["mae_mw"], two["bias_mw"], two["max_abs_error_mw"]) == (24, 200.0, 200.0, 200.0)
    assert two["max_abs_error_interval_begin_utc"] == datetime(2024, 7, 3, 4, tzinfo=UTC)
    assert two["mape_pct"] == pytest.approx(100 * sum(200 / (10000 + 100 * i) for i in range(24)) / 24)
    # same_day: none for 00:00-09:00 (the 09:00 hour began before the 09:15 issue); 10:00-15:00 +50 (6 hours,
    # the 15:00 hour began before the 15:40 issue), 16:00-23:00 -20 (8 hours)
    same = rows[(NORMAL, "SYSTEM", "same_day")]
    assert same["hours_compared"] == 14 and same["issues_in_bucket"] == 2
    assert same["mae_mw"] == pytest.approx((6 * 50 + 8 * 20) / 14)
    assert same["bias_mw"] == pytest.approx(10.0)  # (300 - 160) / 14: over-forecast is positive
    assert same["max_abs_error_interval_begin_local"] == "2024-07-03T10:00:00-04:00"
    # the zone: one RT hour missing -> 23 hours, +10 each
    zone = rows[(NORMAL, ".Z.MAINE", "day_ahead")]
    assert (zone["area_type"], zone["zone_id"]) == ("zone", 4001)
    assert (zone["hours_compared"], zone["expected_hours"]) == (23, 24)
    assert (zone["mae_mw"], zone["bias_mw"]) == (pytest.approx(10.0), pytest.approx(10.0))
    zone_mape = 100 * sum(10 / (1000 + 10 * i) for i in range(24) if i != 3) / 23
    assert zone["mape_pct"] == pytest.approx(zone_mape)
    assert rows[(NORMAL, ".Z.MAINE", "same_day")]["bias_mw"] == pytest.approx(-40.0)  # under-forecast


def test_zone_actuals_fall_back_to_the_estimated_zonal_load(forecast_built):
    rows = accuracy_rows(forecast_built)
    # no RT demand: the estimate (hourly mean a - 5, forecast a + 10 -> +15); hour 7 (11 intervals) and hour 8 (a
    # null interval) are left out
    nh = rows[(NORMAL, ".Z.NEWHAMPSHIRE", "day_ahead")]
    assert (nh["actual_source"], nh["zone_id"], nh["hours_compared"], nh["expected_hours"]) == (
        "estimated_zonal_load",
        4002,
        22,
        24,
    )
    assert (nh["mae_mw"], nh["bias_mw"], nh["max_abs_error_mw"]) == (pytest.approx(15.0),) * 3
    nh_mape = 100 * sum(15 / (1000 + 10 * i - 5) for i in range(24) if i not in (7, 8)) / 22
    assert nh["mape_pct"] == pytest.approx(nh_mape)
    fall = rows[(FALL, ".Z.NEWHAMPSHIRE", "day_ahead")]
    assert (fall["actual_source"], fall["hours_compared"], fall["bias_mw"]) == (
        "estimated_zonal_load",
        25,
        pytest.approx(15.0),
    )
    assert (SPRING, ".Z.NEWHAMPSHIRE", "day_ahead") not in rows  # neither source
    # RT demand for hours 0-9 only: the whole day on the estimate (a - 20 -> +30), not a mix
    vt = rows[(NORMAL, ".Z.VERMONT", "day_ahead")]
    assert (vt["actual_source"], vt["hours_compared"], vt["mae_mw"], vt["bias_mw"]) == (
        "estimated_zonal_load",
        24,
        pytest.approx(30.0),
        pytest.approx(30.0),
    )
    # complete RT demand wins over an estimate (at a + 500, which would give -490)
    maine_fall = rows[(FALL, ".Z.MAINE", "day_ahead")]
    assert (maine_fall["actual_source"], maine_fall["hours_compared"], maine_fall["bias_mw"]) == (
        "rt_demand",
        25,
        pytest.approx(10.0),
    )
    # partial RT demand and no estimate: the RT hours it has
    maine = rows[(NORMAL, ".Z.MAINE", "day_ahead")]
    assert (maine["actual_source"], maine["hours_compared"]) == ("rt_demand", 23)
    assert {r["actual_source"] for k, r in rows.items() if k[1] == "SYSTEM"} == {"load_hourly"}


def test_accuracy_hand_numbers_dst_days(forecast_built):
    rows = accuracy_rows(forecast_built)
    spring = rows[(SPRING, "SYSTEM", "day_ahead")]
    # 23 hours: +100 x 12 (even), -100 x 10 and +700 (odd) -> sum 900, |sum| 2900
    assert (spring["hours_compared"], spring["expected_hours"]) == (23, 23)
    assert spring["mae_mw"] == pytest.approx(2900 / 23) and spring["bias_mw"] == pytest.approx(900 / 23)
    assert spring["max_abs_error_interval_begin_local"] == "2024-03-10T06:00:00-04:00"  # hour 5: 02:00 skipped
    fall = rows[(FALL, "SYSTEM", "day_ahead")]
    # 25 hours: +100 x 13, -100 x 11 and +700 -> sum 900, |sum| 3100
    assert (fall["hours_compared"], fall["expected_hours"]) == (25, 25)
    assert fall["mae_mw"] == pytest.approx(124.0) and fall["bias_mw"] == pytest.approx(36.0)
    assert fall["max_abs_error_interval_begin_local"] == "2024-11-03T04:00:00-05:00"  # hour 5: 01:00 twice
    # same_day is 14 local hours (10:00-23:00) on both DST days
    assert rows[(SPRING, "SYSTEM", "same_day")]["hours_compared"] == 14
    assert rows[(FALL, "SYSTEM", "same_day")]["hours_compared"] == 14
    assert rows[(FALL, "SYSTEM", "two_days_ahead")]["hours_compared"] == 25
    assert rows[(SPRING, ".Z.MAINE", "day_ahead")]["hours_compared"] == 23


def test_outlook_matches_the_construction(forecast_built):
    rows = outlook_rows(forecast_built)
    expected = expected_outlook()
    assert set(rows) == set(expected)  # 07-02 and 07-03 x 6 market days; not 07-01 or 07-04 (outside the run)
    for key, want in expected.items():
        assert_row(rows[key], want, key)


def test_outlook_moves_of_july_5_by_hand(forecast_built):
    rows = outlook_rows(forecast_built)
    # issue day 07-03: issues 07-01 (20000 / 3000), 07-02 (20500 / 2500), 07-03 10:00 (19800 / 3200) and the
    # latest, 07-03 16:00 (21000 / 1500); 07-04's (25000) is after the day and ignored
    row = rows[(date(2024, 7, 3), JULY_5)]
    assert row["horizon_days"] == 2 and row["issues_count"] == 4
    assert row["latest_issued_at_utc"] == datetime(2024, 7, 3, 20, tzinfo=UTC)
    assert row["latest_issued_at_local"] == "2024-07-03T16:00:00-04:00"
    assert row["first_issued_at_utc"] == datetime(2024, 7, 1, 14, tzinfo=UTC)  # from std, not in this run
    assert row["previous_issued_at_utc"] == datetime(2024, 7, 3, 14, tzinfo=UTC)
    assert (row["peak_load_mw"], row["first_peak_load_mw"], row["peak_load_change_mw"]) == (21000, 20000, 1000)
    assert (row["peak_load_min_mw"], row["peak_load_max_mw"]) == (19800, 21000)
    assert (row["previous_peak_load_mw"], row["peak_load_change_since_previous_mw"]) == (19800, 1200)
    assert (row["surplus_deficiency_mw"], row["first_surplus_deficiency_mw"]) == (1500, 3000)
    assert row["surplus_deficiency_change_mw"] == -1500
    assert (row["surplus_deficiency_min_mw"], row["surplus_deficiency_max_mw"]) == (1500, 3200)
    assert (row["previous_surplus_deficiency_mw"], row["surplus_deficiency_change_since_previous_mw"]) == (3200, -1700)
    assert row["power_watch"] and row["cold_weather_warn"] and not row["power_warn"]
    assert row["alerts"] == "power_watch, cold_weather_warn"
    # issue day 07-02 (one issue): moves from 07-01's issue only
    row = rows[(date(2024, 7, 2), JULY_5)]
    assert (row["horizon_days"], row["issues_count"], row["peak_load_change_mw"]) == (3, 2, 500)
    assert (row["previous_peak_load_mw"], row["peak_load_change_since_previous_mw"]) == (20000, 500)
    assert row["alerts"] is None and not row["power_watch"]
    # a market day first forecast by the day's latest issue: no previous, no change
    row = rows[(date(2024, 7, 2), date(2024, 7, 8))]
    assert row["issues_count"] == 1 and row["previous_peak_load_mw"] is None
    assert row["peak_load_change_mw"] == 0 and row["peak_load_change_since_previous_mw"] is None
    # 07-09 is covered by both 07-03 issues only; a null flag in std reads false
    assert rows[(date(2024, 7, 3), date(2024, 7, 9))]["issues_count"] == 2
    assert rows[(date(2024, 7, 3), date(2024, 7, 6))]["cold_weather_event"] is False


def test_forecast_marts_are_tagged_forecast():
    from isone_platform.defs.marts.assets import isone_marts

    specs = {spec.key.path[-1]: spec for spec in isone_marts.specs}
    for name in (ACCURACY, OUTLOOK):
        assert name in dbt_lib.MART_TABLES
        assert specs[name].tags["domain"] == "forecast"
        assert specs[name].group_name == "mart"
    assert {d.asset_key for d in specs[ACCURACY].deps} == {
        dg.AssetKey(["std", f"isone__{n}"])
        for n in (
            "load_forecast_hourly",
            "load_forecast_zonal_hourly",
            "load_hourly",
            "demand_hourly",
            "zonal_load_5min",
        )
    }
    assert {d.asset_key for d in specs[OUTLOOK].deps} == {dg.AssetKey(["std", "isone__seven_day_forecast"])}
