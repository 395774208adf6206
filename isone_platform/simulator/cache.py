"""The simulator's response cache: rendered API bodies kept while the simulated clock says they are unchanged.

Rendering a day of all-node LMPs takes tens of milliseconds; pollers and backfills ask for the same paths again
and again. An entry is tied to the interval of simulated time over which its path's answer cannot change, so a
clock moved either way never gets a stale body.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict


class CacheEntry:
    """One rendered body, raw or gzip-compressed (at `level`), valid while `valid_from <= now < valid_to`."""

    __slots__ = ("raw", "gz", "level", "valid_from", "valid_to", "size")

    def __init__(self, raw: bytes | None, gz: bytes | None, level: int, valid_from: float, valid_to: float):
        self.raw, self.gz, self.level = raw, gz, level
        self.valid_from, self.valid_to = valid_from, valid_to
        self.size = len(raw or b"") + len(gz or b"")

    def body(self) -> bytes:
        """The uncompressed body (an entry always holds at least one of the two forms)."""
        if self.raw is not None:
            return self.raw
        assert self.gz is not None
        return gzip.decompress(self.gz)


class ResponseCache:
    """Bounded LRU of rendered API bodies, each valid for an interval of simulated time.

    Key: (path, seed, publication lag, final delay). An entry is used only while the clock lies in the
    interval over which the path's answer is unchanged (computed by :mod:`api` while resolving), so moving
    the clock — forwards or backwards — never serves a stale body. Bodies are kept gzip-compressed when a
    client asked for gzip (decompressed for clients that did not), raw otherwise.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self._d: OrderedDict[tuple, CacheEntry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple, now: float) -> CacheEntry | None:
        with self._lock:
            e = self._d.get(key)
            if e is None or not (e.valid_from <= now < e.valid_to):
                self.misses += 1
                return None
            self._d.move_to_end(key)
            self.hits += 1
            return e

    def put(self, key: tuple, entry: CacheEntry) -> None:
        if entry.size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._d.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._d[key] = entry
            self._bytes += entry.size
            while self._bytes > self.max_bytes and self._d:
                _, ev = self._d.popitem(last=False)
                self._bytes -= ev.size

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self._bytes = 0

    def stats(self) -> dict:
        with self._lock:
            return {
                "entries": len(self._d),
                "bytes": self._bytes,
                "max_bytes": self.max_bytes,
                "hits": self.hits,
                "misses": self.misses,
            }
