"""Landed response bodies: what the raw assets produce and the std assets read back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class LandedBody:
    """One API response as received: the exact body bytes, where and when they came from."""

    path: str
    fetched_at: datetime
    body: bytes
    sha256: str = ""

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.body).hexdigest())


@dataclass
class RawDay:
    """All bodies landed for one dataset and operating day (`day=None` for unpartitioned datasets)."""

    dataset: str
    day: date | None
    bodies: list[LandedBody] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(len(b.body) for b in self.bodies)
