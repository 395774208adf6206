"""Simulated clock deciding what the simulator has "published"."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

UTC = UTC


def _parse_iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"clock time '{text}' must carry a UTC offset, e.g. 2024-11-05T12:00:00-05:00")
    return dt.astimezone(UTC)


class SimClock:
    """Thread-safe clock: ``real`` (wall time), ``fixed`` (frozen) or ``accelerated`` (factor × wall time).

    ``set()`` and ``advance()`` work in every mode: they move the simulated "now" and the clock then
    keeps running at its rate (0 for fixed, 1 for real, FACTOR for accelerated) from there.
    """

    def __init__(self, mode: str = "real", start: datetime | None = None, factor: float | None = None):
        if mode not in ("real", "fixed", "accelerated"):
            raise ValueError(f"unknown clock mode {mode!r}")
        self.mode = mode
        if mode == "fixed":
            rate = 0.0
        elif mode == "real":
            rate = 1.0
        else:
            rate = float(factor if factor is not None else 60.0)
            if rate <= 0:
                raise ValueError("accelerated clock factor must be > 0")
        self.rate = rate
        self._lock = threading.Lock()
        self._base_wall = time.time()
        if start is None:
            start = datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("clock start must be timezone-aware")
        self._base_sim = start.astimezone(UTC).timestamp()

    @classmethod
    def parse(cls, spec: str) -> SimClock:
        """``real`` | ``fixed:ISO`` | ``accelerated:FACTOR`` | ``accelerated:FACTOR@ISO``."""
        spec = (spec or "real").strip()
        if spec == "real":
            return cls("real")
        kind, _, rest = spec.partition(":")
        if kind == "fixed" and rest:
            return cls("fixed", _parse_iso(rest))
        if kind == "accelerated" and rest:
            factor, _, when = rest.partition("@")
            return cls("accelerated", _parse_iso(when) if when else None, float(factor))
        raise ValueError(f"bad clock spec {spec!r}: use real | fixed:ISO | accelerated:FACTOR[@ISO]")

    def timestamp(self) -> float:
        with self._lock:
            return self._base_sim + (time.time() - self._base_wall) * self.rate

    def now(self) -> datetime:
        """Current simulated time, tz-aware UTC."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("SimClock.set needs a timezone-aware datetime")
        with self._lock:
            self._base_wall = time.time()
            self._base_sim = when.astimezone(UTC).timestamp()

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._base_sim += delta.total_seconds()

    def describe(self) -> str:
        if self.mode == "accelerated":
            return f"accelerated:{self.rate:g}"
        return self.mode

    def __repr__(self) -> str:
        return f"SimClock({self.describe()}, now={self.now().isoformat()})"
