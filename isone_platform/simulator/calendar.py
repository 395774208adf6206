"""Operating-day calendar: DST-aware interval grids in America/New_York.

An ISO-NE operating day is the local calendar day (00:00 to 24:00 local wall time). Interval begin
times are kept as UTC epoch seconds; timestamps are written as ISO-NE writes them:
``2024-11-03T01:00:00.000-04:00`` (local wall time, milliseconds, explicit offset).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

TZ = ZoneInfo("America/New_York")
UTC = UTC

_DAY_RE = re.compile(r"^\d{8}$")


class BadDate(ValueError):
    """A path date that is not a valid YYYYMMDD day."""


def parse_day(text: str) -> date:
    """Parse a ``YYYYMMDD`` path segment; raise :class:`BadDate` when it is not a real day."""
    if not _DAY_RE.match(text):
        raise BadDate(f"invalid day '{text}': expected YYYYMMDD")
    try:
        d = datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise BadDate(f"invalid day '{text}': not a calendar date (expected YYYYMMDD)") from None
    if not (2000 <= d.year <= 2099):
        raise BadDate(f"invalid day '{text}': year out of range 2000-2099")
    return d


def local_midnight_utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=TZ).astimezone(UTC)


def day_bounds_epoch(d: date) -> tuple[int, int]:
    """UTC epoch seconds of local 00:00 of ``d`` and of the next day."""
    start = local_midnight_utc(d)
    end = local_midnight_utc(d + timedelta(days=1))
    return int(start.timestamp()), int(end.timestamp())


def fmt_epoch(epoch: float) -> str:
    """Local ISO-NE timestamp for a UTC epoch (whole seconds)."""
    dt = datetime.fromtimestamp(int(epoch), TZ)
    off = dt.utcoffset()
    assert off is not None  # an aware datetime in the ISO-NE zone always has an offset
    mins = int(off.total_seconds() // 60)
    sign = "-" if mins < 0 else "+"
    mins = abs(mins)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.000{sign}{mins // 60:02d}:{mins % 60:02d}"


def fmt_epoch_ms(ms: int) -> str:
    """Local ISO-NE timestamp for UTC epoch milliseconds: issue times (``CreationDate``) are not always ``.000``."""
    s = fmt_epoch(ms // 1000)
    return f"{s[:20]}{ms % 1000:03d}{s[23:]}"


def wall_epoch(d: date, seconds: int) -> int:
    """UTC epoch of local wall time ``d`` 00:00 + ``seconds`` (wall-clock arithmetic, so 03:36 is 03:36 on DST days)."""
    dt = datetime(d.year, d.month, d.day, tzinfo=TZ) + timedelta(seconds=int(seconds))
    return int(dt.timestamp())


def fmt_dt(dt: datetime) -> str:
    return fmt_epoch(dt.timestamp())


def local_day_of(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, TZ).date()


@dataclass(frozen=True)
class Grid:
    """Interval begin times of one operating day at a fixed step."""

    day: date
    step: int  # seconds
    epochs: np.ndarray  # int64 UTC epoch seconds, ascending
    stamps: tuple[str, ...]  # ISO-NE formatted begin times
    local_hour: np.ndarray  # int local wall-clock hour (0-23) of each begin
    local_frac_hour: np.ndarray  # float local wall-clock hour incl. minutes

    def __len__(self) -> int:
        return len(self.epochs)


@functools.lru_cache(maxsize=512)
def grid(d: date, step: int = 300) -> Grid:
    start, end = day_bounds_epoch(d)
    epochs = np.arange(start, end, step, dtype=np.int64)
    stamps = []
    hours = np.empty(len(epochs), dtype=np.int64)
    frac = np.empty(len(epochs), dtype=np.float64)
    for i, e in enumerate(epochs.tolist()):
        dt = datetime.fromtimestamp(e, TZ)
        stamps.append(fmt_epoch(e))
        hours[i] = dt.hour
        frac[i] = dt.hour + dt.minute / 60.0 + dt.second / 3600.0
    return Grid(d, step, epochs, tuple(stamps), hours, frac)
