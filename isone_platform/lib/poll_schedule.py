"""When the poll sensor asks ISO-NE for the latest interval: densely around the next expected publication, rarely
otherwise.

Why: a new 5-minute interval is queryable a few seconds after a run starts, so the wait that matters is the one
before the probe sees it. Probing every few seconds all the time would cost ~60 requests per interval; probing every
30 s made users wait 19 s typically and 35 s at worst. ISO-NE publishes one interval every 5 minutes, a roughly
constant lag after it ends, so the sensor ticks often (`ProbeSchedule.tick`) but only probes on every tick inside a
window around the expected publication, and once per `ProbeSchedule.backoff` outside it.

Where the window is: interval `t` is published at `t + period + lag` on ISO-NE's clock. The lag is learned as
bounds on *our* clock, so a skew between the clocks (or a simulator whose clock is shifted into the past) is part
of it: a probe that first sees interval `t` at `now` proves `lag <= now - (t + period)`, and the probe before it,
which did not see it, proves `lag > probed_at - (t + period)`. Bounds from successive intervals are intersected
(the lag is about constant), and replaced when they contradict (it changed). Until the first sighting the
configured typical lag is the guess.

Everything here is pure: (now, cursor, schedule) in, a decision or a new cursor out; the sensor does the I/O.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from isone_platform.lib.settings import Settings

INTERVAL = timedelta(minutes=5)
"""The grain of the probed feed (`/fiveminutesystemload`): one interval is published every INTERVAL."""


@dataclass(frozen=True)
class ProbeSchedule:
    """How often to probe: every `tick` (the sensor's minimum interval) from `tick` before the earliest expected
    publication until `window` after the latest, else at most once per `backoff`; `lag` is the first guess of the
    publication lag."""

    tick: timedelta
    backoff: timedelta
    window: timedelta
    lag: timedelta
    period: timedelta = INTERVAL

    @classmethod
    def from_settings(cls, settings: Settings) -> ProbeSchedule:
        """The schedule the `ISONE_POLL_TICK_SECONDS`, `_PROBE_SECONDS`, `_WINDOW_SECONDS` and
        `_PUBLICATION_LAG_SECONDS` settings describe."""
        return cls(
            tick=timedelta(seconds=settings.isone_poll_tick_seconds),
            backoff=timedelta(seconds=settings.isone_poll_probe_seconds),
            window=timedelta(seconds=settings.isone_poll_window_seconds),
            lag=timedelta(seconds=settings.isone_poll_publication_lag_seconds),
        )

    def max_probes_per_period(self, lag_spread: timedelta = timedelta(0)) -> int:
        """Probes in one period at most, for learned lag bounds `lag_spread` apart: the dense window's ticks plus
        the back-off probes of the rest (the bound the average rate is documented against)."""
        dense = self.tick + lag_spread + self.window
        return int(dense / self.tick) + 1 + int(max(self.period - dense, timedelta(0)) / self.backoff) + 1


@dataclass(frozen=True)
class PollCursor:
    """The sensor's memory between ticks (stored as JSON in its Dagster cursor).

    `launched`: the interval (ISO 8601) of the last run requested; `latest`: the newest interval a probe has seen
    (ahead of `launched` while a run is in flight); `probed_at`: our clock at the last probe; `lag_low`/`lag_high`:
    seconds, bounds of the publication lag after an interval's end, on our clock (None until a sighting)."""

    launched: str | None = None
    latest: datetime | None = None
    probed_at: datetime | None = None
    lag_low: float | None = None
    lag_high: float | None = None

    @property
    def pending(self) -> bool:
        """A probe saw an interval that no run was requested for yet (the previous run was still in flight)."""
        return self.latest is not None and self.latest.isoformat() != self.launched

    def to_json(self) -> str:
        fields = asdict(self)
        for name in ("latest", "probed_at"):
            fields[name] = fields[name].isoformat() if fields[name] else None
        return json.dumps(fields, sort_keys=True)

    @classmethod
    def parse(cls, text: str | None) -> PollCursor:
        """The cursor a tick stored; a cursor of the earlier sensor (the bare interval stamp) becomes `launched`.
        An unreadable cursor starts afresh: the worst it costs is one probe and, at most, one run already made."""
        if not text:
            return cls()
        if not text.startswith("{"):
            return cls(launched=text)
        try:
            raw = json.loads(text)
            return cls(
                launched=raw.get("launched"),
                latest=_when(raw.get("latest")),
                probed_at=_when(raw.get("probed_at")),
                lag_low=raw.get("lag_low"),
                lag_high=raw.get("lag_high"),
            )
        except (ValueError, TypeError, AttributeError):
            return cls()


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def probe_window(cursor: PollCursor, schedule: ProbeSchedule) -> tuple[datetime, datetime] | None:
    """Our-clock span in which the interval after `cursor.latest` is expected, widened by a tick before and the
    schedule's window after; None before any sighting."""
    if cursor.latest is None:
        return None
    next_end = cursor.latest + 2 * schedule.period
    low, high = expected_lag(cursor, schedule)
    return next_end + timedelta(seconds=low) - schedule.tick, next_end + timedelta(seconds=high) + schedule.window


def expected_lag(cursor: PollCursor, schedule: ProbeSchedule) -> tuple[float, float]:
    """The lag bounds to expect the next publication within: the learned ones, narrowed to the typical lag when
    they are still wider than a back-off (a first sighting) and hold it; the typical lag before any sighting."""
    guess = schedule.lag.total_seconds()
    if cursor.lag_low is None or cursor.lag_high is None:
        return guess, guess
    wide = cursor.lag_high - cursor.lag_low > schedule.backoff.total_seconds()
    if wide and cursor.lag_low < guess <= cursor.lag_high:
        return guess, guess
    return cursor.lag_low, cursor.lag_high


def should_probe(now: datetime, cursor: PollCursor, schedule: ProbeSchedule) -> bool:
    """Probe on this tick? Always when nothing was probed yet or a sighting waits for its run; on every tick inside
    the expected window; otherwise once `backoff` has passed since the last probe."""
    if cursor.probed_at is None or cursor.pending:
        return True
    window = probe_window(cursor, schedule)
    if window is not None and window[0] <= now <= window[1]:
        return True
    return now - cursor.probed_at >= schedule.backoff


def next_probe_at(cursor: PollCursor, schedule: ProbeSchedule) -> datetime | None:
    """When the next probe happens at the latest (for the sensor's skip message); None when it is due now."""
    if cursor.probed_at is None or cursor.pending:
        return None
    backoff = cursor.probed_at + schedule.backoff
    window = probe_window(cursor, schedule)
    return min(backoff, window[0]) if window is not None and window[0] > cursor.probed_at else backoff


def observe(cursor: PollCursor, now: datetime, latest: datetime | None, schedule: ProbeSchedule) -> PollCursor:
    """The cursor after a probe at `now` that reported `latest` (None: nothing published): a newer interval
    narrows the lag bounds; the same one only moves `probed_at`."""
    if latest is None or (cursor.latest is not None and latest <= cursor.latest):
        return replace(cursor, probed_at=now)
    low, high = sighting_bounds(cursor.probed_at, now, latest, schedule.period)
    if cursor.lag_low is not None and cursor.lag_high is not None:
        low, high = narrowed((low, high), (cursor.lag_low, cursor.lag_high))
    return replace(cursor, latest=latest, probed_at=now, lag_low=low, lag_high=high)


def sighting_bounds(
    probed_before: datetime | None, now: datetime, latest: datetime, period: timedelta
) -> tuple[float, float]:
    """Lag bounds (seconds after the interval's end) that seeing `latest` first at `now` proves: published by now;
    not yet at the previous probe; and after `now - period`, since the interval after it is not published yet."""
    end = latest + period
    high = (now - end).total_seconds()
    low = high - period.total_seconds()
    if probed_before is not None:
        low = max(low, (probed_before - end).total_seconds())
    return low, high


def narrowed(new: tuple[float, float], old: tuple[float, float]) -> tuple[float, float]:
    """The intersection of a sighting's lag bounds with the learned ones; the sighting's alone when the two do not
    overlap (the lag changed)."""
    low, high = max(new[0], old[0]), min(new[1], old[1])
    return (low, high) if low < high else new


def launched(cursor: PollCursor) -> PollCursor:
    """The cursor once a run was requested for the newest sighting."""
    return replace(cursor, launched=cursor.latest.isoformat() if cursor.latest else cursor.launched)
