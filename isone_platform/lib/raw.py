"""Landed response bodies: what the raw assets produce and the std assets read back."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class LandedBody:
    """One API response as received: the exact body bytes, where and when they came from."""

    path: str
    fetched_at: datetime
    body: bytes
    sha256: str = ""
    # `body` gzip-compressed, when we have it already (as the server sent it, or as the lake stores it): landing
    # then copies it instead of compressing again. Not part of the body's identity.
    gzipped: bytes | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.body).hexdigest())


@dataclass
class RawDay:
    """All bodies landed for one dataset and operating day (`day=None` for unpartitioned datasets)."""

    dataset: str
    day: date | None
    bodies: list[LandedBody] = field(default_factory=list)
    # The lake manifest the bodies were read from (None when freshly fetched): what the std step accepts or
    # rejects (`lake.accept_day` / `lake.reject_day`).
    manifest: dict | None = field(default=None, repr=False, compare=False)

    @property
    def total_bytes(self) -> int:
        return sum(len(b.body) for b in self.bodies)


@dataclass
class FetchedDays:
    """The operating days of one raw run, fetched one at a time as they are iterated.

    A raw run covers up to a week, and one all-node RT 5-minute day is ~73 MB of JSON: holding the run's days
    in a list would keep them all in memory until the last one is landed. Iterating this instead fetches a day
    only when the consumer (the raw lake IO manager) asks for it, after it has landed the previous one, so at
    most one day's bodies are alive and a failure on day 3 leaves days 1-2 landed.

    One pass only: `source` is a generator (iterating again would have to fetch again). What the producer learns
    while fetching (requests sent, bytes received, poll reports) is in `report` once the pass is over.
    """

    days: list[date | None]
    source: Iterator[RawDay]
    report: dict[str, object] = field(default_factory=dict)
    _consumed: bool = False

    def __iter__(self) -> Iterator[RawDay]:
        if self._consumed:
            raise RuntimeError("FetchedDays can be iterated once: the days are fetched while iterating")
        self._consumed = True
        return self.source
