"""The dashboard's panel computations (queries.py) on a hand-made warehouse, against answers computed here in
Python (zoneinfo, plain arithmetic) from the same synthetic rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from statistics import mean
from typing import cast

import duckdb
import pytest

from isone_platform import warehouse
from isone_platform.dashboard import queries as q
from isone_platform.lib.partitions import ISONE_TZ, day_bounds_utc

from . import synthetic
from .conftest import LOAD_DAYS, PRICE_DAYS

LAST_DAY = LOAD_DAYS[-1]
LATEST = day_bounds_utc(LAST_DAY)[1] - synthetic.FIVE  # 2024-11-10 04:55 UTC, 23:55 EST


def test_now_snapshot_parity(con):
    snap = q.now_snapshot(con)
    assert snap.latest_utc == LATEST == datetime(2024, 11, 10, 4, 55, tzinfo=UTC)
    assert snap.system_mw == pytest.approx(synthetic.system_mw(LATEST))
    p = snap.parity
    assert p is not None
    assert (p.interval_utc, p.zones_reported) == (LATEST, q.ZONE_COUNT)
    assert p.zones_mw == pytest.approx(synthetic.system_mw(LATEST) * synthetic.ZONES_OVER_SYSTEM)
    assert p.difference_mw == pytest.approx(synthetic.system_mw(LATEST) * (synthetic.ZONES_OVER_SYSTEM - 1))
    assert p.difference_pct == pytest.approx(1.0)
    assert snap.is_stale(LATEST + q.STALE_AFTER + timedelta(minutes=1))
    assert not snap.is_stale(LATEST + q.STALE_AFTER)


def test_latest_prices_fuels_and_zones(con):
    lmps = q.lmp_now(con)
    assert lmps["location_name"][0] == q.HUB_NAME and lmps.height == 1 + q.ZONE_COUNT
    assert lmps["utc_time"][0] == "2024-11-10 04:55 UTC" and lmps["local_time"][0] == "2024-11-09 23:55 EST"
    fuels = q.fuel_now(con)
    assert fuels.filter("is_marginal")["fuel_category"].to_list() == [synthetic.MARGINAL_FUEL]
    assert fuels["gen_mw"].to_list() == sorted(synthetic.FUELS.values(), reverse=True)
    zones = q.zones_latest(con)
    expected = [
        round(synthetic.system_mw(LATEST) * share * synthetic.ZONES_OVER_SYSTEM, 6)
        for _, share in synthetic.ZONE_SHARES.values()
    ]
    assert zones["load_mw"].to_list() == pytest.approx(expected)
    assert zones["zone_name"].to_list() == [name for name, _ in synthetic.ZONE_SHARES.values()]


@pytest.mark.parametrize("hours", [1, 24, 168])
def test_sparkline_window_holds_12_points_an_hour_per_zone(con, hours):
    """168 h back from 2024-11-10 crosses the fall-back night: still 168 × 12 five-minute intervals."""
    points = q.sparklines(con, hours)
    per_zone = points.group_by("zone_id").len()
    assert per_zone["len"].to_list() == [hours * 12] * q.ZONE_COUNT
    assert points["interval_begin_utc"].max() == LATEST
    assert points["interval_begin_utc"].min() == LATEST - timedelta(hours=hours) + synthetic.FIVE
    assert points["hours_ago"].min() == 0 and points["hours_ago"].max() < hours


@pytest.mark.parametrize("bad", [0, 169, 2.5])
def test_sparkline_window_outside_1_to_168_hours_is_a_clear_error(con, bad):
    with pytest.raises(ValueError, match=f"sparkline window {bad!r} h: must be a whole number of hours from 1 to 168"):
        q.sparklines(con, bad)


def expected_heatmap() -> dict[tuple[str, int], tuple[float, int]]:
    """(weekday, local hour) -> (mean MW, intervals) over the 28 days, with zoneinfo."""
    cells = defaultdict(list)
    for day in LOAD_DAYS[-q.HEATMAP_DAYS :]:
        for ts in synthetic.intervals(day, synthetic.FIVE):
            local = ts.astimezone(ISONE_TZ)
            cells[(q.WEEKDAYS[local.weekday()], local.hour)].append(synthetic.system_mw(ts))
    return {k: (mean(v), len(v)) for k, v in cells.items()}


def test_heatmap_28_days_by_local_hour_and_weekday_with_the_fall_back_sunday(con):
    heat = q.heatmap(con)
    assert heat["days_with_data"].unique().to_list() == [q.HEATMAP_DAYS]
    cells = {(r["weekday"], r["local_hour"]): (r["avg_mw"], r["intervals"]) for r in heat.iter_rows(named=True)}
    expected = expected_heatmap()
    assert cells.keys() == expected.keys() and len(cells) == 7 * 24
    for key, (avg, n) in expected.items():
        assert cells[key][1] == n, key
        assert cells[key][0] == pytest.approx(avg), key
    # both 01:00 hours of 2024-11-03 (EDT and EST) land in Sunday 01:00: 4 Sundays × 12 + 12 more intervals
    assert cells[("Sun", 1)][1] == 4 * 12 + 12 and cells[("Sun", 2)][1] == 4 * 12
    assert cells[("Sat", 0)][1] == 4 * 12  # 2024-10-12, a 29th day back, is outside the window


def test_day_hour_labels_follow_dst():
    fall = q.day_hour_labels(date(2024, 11, 3))
    assert len(fall) == 26 and (fall[1], fall[2], fall[25]) == ("01:00 EDT", "01:00 EST", "00:00 EST")
    spring = q.day_hour_labels(date(2024, 3, 10))
    assert len(spring) == 24 and (spring[1], spring[2]) == ("01:00", "03:00")


def test_hub_prices_spread_and_congestion_of_a_day(con):
    day = q.price_day_default(con)
    assert day == PRICE_DAYS[-1]
    prices = q.hub_prices(con, day)
    assert prices.group_by("series").len().sort("series").rows() == [
        ("DA hourly", 24),
        ("RT 5-min", 288),
        ("RT hourly", 24),
    ]
    assert prices["hour_of_day"].min() == 0 and prices["end_hour_of_day"].max() == 24
    spread = q.top_spread(con, day)
    assert spread.height == q.TOP_NODES and spread["location_name"][0] == ".Z.NEMASSBOST"  # 4008: DA − RT 2.008
    assert spread["da_rt_spread"][0] == pytest.approx(2.008)
    congestion = q.top_congestion(con, day)
    assert congestion.height == q.TOP_NODES and congestion["location_name"][0] == ".Z.NEMASSBOST"
    assert congestion["mean_abs_congestion"][0] == pytest.approx(0.08)


def test_fuel_mix_of_a_day_and_its_shares(con):
    day = q.fuel_day_default(con)
    snapshots = q.fuel_mix_day(con, day)
    assert snapshots.height == 24 * len(synthetic.FUELS)
    shares = q.fuel_shares(con, day)
    assert shares["fuel_category"][0] == synthetic.MARGINAL_FUEL
    assert shares["energy_share_pct"].sum() == pytest.approx(100)


def test_a_day_without_data_and_missing_tables_say_what_is_missing(con, load_only):
    with pytest.raises(q.MissingData, match=r"no Hub \(.H.INTERNAL_HUB\) price on 2024-01-01"):
        q.hub_prices(con, date(2024, 1, 1))
    with pytest.raises(q.MissingData, match="no fuel-mix snapshot on 2024-01-01"):
        q.fuel_mix_day(con, date(2024, 1, 1))
    # the guarded read-only connection stands in for DuckDB's, as the dashboard's Reader hands it to these functions
    only_load = cast(duckdb.DuckDBPyConnection, warehouse.connect())
    try:
        with pytest.raises(q.MissingData, match="std.isone__zonal_load_5min is not materialized yet"):
            q.zones_latest(only_load)
        with pytest.raises(q.MissingData, match="mart.isone__lmp_daily is not materialized yet"):
            q.price_day_default(only_load)
        assert q.now_snapshot(only_load).parity is None
    finally:
        only_load.close()


def test_data_health_uses_the_dq_rules(con):
    now = LATEST + timedelta(hours=1)
    health = {r["dataset"]: r for r in q.data_health(con, now).iter_rows(named=True)}
    days = [d.isoformat() for d in PRICE_DAYS]
    system = health["isone__system_load_5min"]
    assert (system["latest_day"], [system[d] for d in days], system["failing_rules"]) == (
        LAST_DAY.isoformat(),
        [100.0] * 3,
        "none",
    )
    # no isone__locations in this warehouse: the dq rules that join it warn, and the page shows them
    assert "lmp_locations_known [WARN]" in health["isone__lmp_rt_5min"]["failing_rules"]
    assert health["isone__locations"]["failing_rules"] == "table not materialized yet"
