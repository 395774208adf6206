"""The fuel-mix poll gap (`POLL_GAP`) against every real recorded fuel-mix day: a complete real day has no gap, so
polling it makes no gap request, while a real hole of 40 minutes is still found."""

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from isone_platform.defs.fuel_mix.feeds import POLL_GAP
from isone_platform.lib.datasets import Dataset, dataset
from isone_platform.lib.dq.rules.completeness import FUEL_MIX_SLOT
from isone_platform.lib.parse.common import ParseContext
from isone_platform.lib.parse.fuel_mix import parse_fuel_mix
from isone_platform.lib.partitions import day_bounds_utc
from isone_platform.lib.poll import first_missing

FETCHED = datetime(2026, 11, 21, tzinfo=UTC)
MARGIN = timedelta(minutes=7)
"""The margin `POLL_GAP`'s docstring promises above the largest real gap between two snapshots."""
OLD_POLL_GAP = timedelta(minutes=15)
"""The threshold before: below the largest real gap, so it re-fetched whole days."""


def _snapshots(path: Path) -> tuple[date, list[datetime]]:
    """The operating day of a `genfuelmix_day_YYYYMMDD.json` body and its distinct snapshot begins (UTC, sorted)."""
    day = datetime.strptime(path.stem.rsplit("_", 1)[1], "%Y%m%d").date()
    body = path.read_bytes()
    ctx = ParseContext("fuel_mix", day, "/" + path.name, FETCHED, hashlib.sha256(body).hexdigest())
    result = parse_fuel_mix(body, ctx)
    assert result.warnings == [], path.name
    return day, sorted(result.frame["interval_begin_utc"].unique().to_list())


@pytest.fixture(scope="module")
def real_days(real_dir: Path) -> dict[date, list[datetime]]:
    paths = sorted((real_dir / "bodies").glob("genfuelmix_day_*.json"))
    assert len(paths) >= 6, paths  # isone_real/README.md: 2024-01-01/02, 2024-03-09/10 (DST), 2024-11-02/03 (DST)
    return dict(_snapshots(p) for p in paths)


@pytest.fixture(scope="module")
def fuel() -> Dataset:
    ds = dataset("fuel_mix")
    assert ds.grain is None and ds.polling is not None and ds.polling.gap == POLL_GAP
    return ds


def _with_gap(ds: Dataset, gap: timedelta) -> Dataset:
    assert ds.polling is not None
    return replace(ds, polling=replace(ds.polling, gap=gap))


def _gap_polls(ds: Dataset, day: date, snapshots: list[datetime]) -> int:
    """Polls of a day that request a gap fill, walking its snapshots as a poller does: at each snapshot t, what
    was landed before plus the latest published (t), up to t (`lib/poll.poll_day`)."""
    return sum(first_missing(ds, day, snapshots[:i] + [t], t) is not None for i, t in enumerate(snapshots))


def _gaps(day: date, snapshots: list[datetime]) -> list[timedelta]:
    """Every stretch without a snapshot, in UTC: from the day's start, between snapshots, and to the day's end."""
    start, end = day_bounds_utc(day)
    edges = [start, *snapshots, end]
    return [b - a for a, b in zip(edges, edges[1:], strict=False)]


def test_threshold_is_above_every_real_gap_by_the_margin(real_days):
    largest = max(g for day, snapshots in real_days.items() for g in _gaps(day, snapshots))
    assert largest > OLD_POLL_GAP  # the reason for the change: 17 min 29 s on 2024-03-09
    assert largest + MARGIN <= POLL_GAP, largest
    assert POLL_GAP <= FUEL_MIX_SLOT / 2  # a real outage is still polled long before an hour lacks a snapshot


def test_a_complete_real_day_has_no_gap(real_days, fuel):
    for day, snapshots in real_days.items():
        start, end = day_bounds_utc(day)
        assert start <= snapshots[0] and snapshots[-1] < end, day  # DST days: 23 / 25 hours, compared in UTC
        assert first_missing(fuel, day, snapshots, snapshots[-1]) is None, day
        assert first_missing(fuel, day, snapshots, end - timedelta(microseconds=1)) is None, day


def test_polling_a_real_day_snapshot_by_snapshot_requests_no_gap(real_days, fuel):
    old = _with_gap(fuel, OLD_POLL_GAP)
    for day, snapshots in real_days.items():
        assert _gap_polls(fuel, day, snapshots) == 0, day
    # the old threshold re-fetched the whole day on every poll after a real gap of more than 15 minutes
    assert {day: n for day in real_days if (n := _gap_polls(old, day, real_days[day]))}.keys() == {
        date(2024, 3, 9),
        date(2024, 11, 3),
    }


def test_a_40_minute_hole_in_a_real_day_is_found(real_days, fuel):
    day = date(2024, 11, 3)  # fall back: 25 hours
    snapshots = real_days[day]
    before = snapshots[100]
    holed = [t for t in snapshots if not before < t <= before + timedelta(minutes=40)]
    after = holed[holed.index(before) + 1]
    assert after - before > timedelta(minutes=40)
    assert first_missing(fuel, day, holed, holed[-1]) == before
    # the poll that publishes the first snapshot after the hole requests the day from the hole's start
    i = holed.index(after)
    assert first_missing(fuel, day, holed[:i] + [after], after) == before
    assert first_missing(fuel, day, holed[:i], before + timedelta(minutes=40)) == before  # nothing new, still asks
