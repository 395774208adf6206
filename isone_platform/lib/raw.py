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
