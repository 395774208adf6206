"""The poll sensor's probe schedule, as pure functions of (now, cursor, schedule): when it probes, what a probe
teaches it about the publication lag, and what that costs and gains over hours of 5-second ticks."""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from isone_platform.lib.poll_schedule import (
    INTERVAL,
    PollCursor,
    ProbeSchedule,
    launched,
    narrowed,
    next_probe_at,
    observe,
    probe_window,
    should_probe,
)
from isone_platform.lib.settings import Settings

SCHEDULE = ProbeSchedule(
    tick=timedelta(seconds=5), backoff=timedelta(seconds=60), window=timedelta(seconds=60), lag=timedelta(seconds=60)
)
T0 = datetime(2024, 11, 20, 11, 0, tzinfo=UTC)  # an interval begin
S = timedelta(seconds=1)


def test_a_new_or_legacy_cursor_probes_at_once():
    assert should_probe(T0, PollCursor(), SCHEDULE)
    legacy = PollCursor.parse("2024-11-20T10:55:00+00:00")  # the earlier sensor stored the bare stamp
    assert legacy.launched == "2024-11-20T10:55:00+00:00" and should_probe(T0, legacy, SCHEDULE)
    assert PollCursor.parse('{"latest": "not a time"}') == PollCursor()
    assert PollCursor.parse(None) == PollCursor()


def test_the_cursor_survives_its_json():
    cursor = PollCursor("2024-11-20T11:00:00+00:00", T0, T0 + 400 * S, 55.0, 60.0)
    assert PollCursor.parse(cursor.to_json()) == cursor


def test_a_sighting_bounds_the_lag_between_the_previous_probe_and_this_one():
    before = observe(PollCursor(), T0 + 300 * S, T0 - INTERVAL, SCHEDULE)  # sees 10:55 at 11:05
    seen = observe(before, T0 + 362 * S, T0, SCHEDULE)  # not at 11:05:57 (the probe before), seen at 11:06:02
    seen = observe(replace_probed(seen, T0 + 357 * S), T0 + 362 * S, T0, SCHEDULE)
    assert (seen.lag_low, seen.lag_high) == (57.0, 62.0)
    assert seen.latest == T0 and seen.pending and not launched(seen).pending
    again = observe(launched(seen), T0 + 367 * S, T0, SCHEDULE)  # the same interval: only the probe time moves
    assert again == replace(launched(seen), probed_at=T0 + 367 * S)


def replace_probed(cursor: PollCursor, when: datetime) -> PollCursor:
    """`cursor` as if its last probe (which saw nothing newer) happened at `when`."""
    return PollCursor(cursor.launched, T0 - INTERVAL, when, cursor.lag_low, cursor.lag_high)


def test_bounds_are_intersected_and_replaced_when_the_lag_changed():
    assert narrowed((50.0, 70.0), (60.0, 65.0)) == (60.0, 65.0)
    assert narrowed((120.0, 125.0), (60.0, 65.0)) == (120.0, 125.0)  # disjoint: the new lag wins


def test_probes_every_tick_inside_the_window_and_backs_off_outside():
    cursor = launched(PollCursor(latest=T0, probed_at=T0 + 362 * S, lag_low=57.0, lag_high=62.0))
    start, end = probe_window(cursor, SCHEDULE) or (T0, T0)
    assert (start, end) == (T0 + 600 * S + 52 * S, T0 + 600 * S + 122 * S)  # next end 11:10 + lag -5 s .. +60 s
    assert not should_probe(T0 + 400 * S, cursor, SCHEDULE)  # 38 s after the last probe, far from the window
    assert should_probe(T0 + 422 * S, cursor, SCHEDULE)  # a back-off probe, 60 s on
    late = PollCursor(cursor.launched, T0, start - 30 * S, 57.0, 62.0)
    assert should_probe(start, late, SCHEDULE) and should_probe(end, late, SCHEDULE)
    assert next_probe_at(late, SCHEDULE) == start
    overdue = PollCursor(cursor.launched, T0, end, 57.0, 62.0)  # the window's last probe saw nothing new
    assert not should_probe(end + 5 * S, overdue, SCHEDULE) and should_probe(end + 60 * S, overdue, SCHEDULE)


def test_a_pending_sighting_probes_again_before_launching():
    cursor = PollCursor(launched="2024-11-20T10:55:00+00:00", latest=T0, probed_at=T0 + 362 * S)
    assert cursor.pending and should_probe(T0 + 363 * S, cursor, SCHEDULE) and next_probe_at(cursor, SCHEDULE) is None


def simulate(lag: float, jitter: float, offset: timedelta, hours: float = 3, seed: int = 7):
    """Tick every 5 s (as Dagster's sensor loop) against a feed publishing each interval `lag` ± `jitter` s after it
    ends on ISO-NE's clock, which is `offset` behind ours: (detection delays in s after the first hour, probes/h)."""
    rng = random.Random(seed)
    published = {}  # interval begin -> our-clock publication time
    begin = T0
    while begin < T0 + timedelta(hours=hours + 1):
        published[begin] = begin + INTERVAL + timedelta(seconds=lag + rng.uniform(-jitter, jitter)) + offset
        begin += INTERVAL
    cursor, probes, delays = PollCursor(), 0, []
    now = T0 + INTERVAL + offset + rng.uniform(0, 300) * S
    while now < T0 + timedelta(hours=hours) + offset:
        if should_probe(now, cursor, SCHEDULE):
            probes += 1
            latest = max((b for b, at in published.items() if at <= now), default=None)
            new = observe(cursor, now, latest, SCHEDULE)
            if new.latest != cursor.latest and latest is not None and now > T0 + timedelta(hours=1) + offset:
                delays.append((now - published[latest]).total_seconds())
            cursor = launched(new)
        now += SCHEDULE.tick + rng.uniform(0, 0.5) * S  # the daemon's loop is never exactly on time
    return delays, probes / hours


@pytest.mark.parametrize(
    ("lag", "offset"),
    [
        (60, timedelta(0)),  # the simulator's lag, clocks agree
        (150, timedelta(0)),  # a lag well above the first guess
        (60, -timedelta(days=700)),  # a simulator clock shifted two years into the past
        (20, timedelta(seconds=-40)),  # a short lag and a skewed host clock
    ],
)
def test_each_interval_is_seen_within_about_a_tick_at_under_one_probe_per_10_s(lag, offset):
    delays, per_hour = simulate(lag, jitter=3, offset=offset)
    assert len(delays) >= 23  # every interval of the two measured hours
    assert max(delays) <= 6.0  # one tick (5 s) plus the loop's lateness
    assert per_hour <= 3600 / 10


def test_a_lag_that_jumps_is_relearned():
    first, _ = simulate(60, jitter=2, offset=timedelta(0), seed=3)
    later, _ = simulate(140, jitter=2, offset=timedelta(0), seed=3)
    assert max(first) <= 6.0 and max(later) <= 6.0


def test_the_default_settings_keep_the_average_under_one_probe_per_10_s(monkeypatch):
    for name in ("TICK", "PROBE", "WINDOW", "PUBLICATION_LAG"):
        monkeypatch.delenv(f"ISONE_POLL_{name}_SECONDS", raising=False)
    schedule = ProbeSchedule.from_settings(Settings.from_env())
    assert schedule == SCHEDULE
    assert schedule.max_probes_per_period(lag_spread=schedule.tick) <= INTERVAL / timedelta(seconds=10)
