"""The dashboard's query cache: every panel query runs through `cached`, kept for the refresh period.

Streamlit's caches live in the server process and are shared by every browser session: one analyst or ten, the
warehouse sees one query per panel per `ISONE_DASHBOARD_REFRESH_SECONDS` (default 60). A separate module from
`app.py` so the B5 benchmark times exactly the page's cached path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import streamlit as st

from isone_platform import warehouse
from isone_platform.dashboard import queries as q
from isone_platform.dashboard.reader import Reader
from isone_platform.dashboard.server import refresh_seconds

REFRESH_SECONDS = refresh_seconds()  # from the settings, read once when the dashboard process starts


@st.cache_resource(show_spinner=False)
def shared_reader() -> Reader:
    """One connection for the whole server (an exception, e.g. no warehouse yet, is not cached)."""
    return Reader()


@st.cache_data(ttl=REFRESH_SECONDS, show_spinner=False)
def cached(query_name: str, *args: Any) -> tuple[Any, str | None]:
    """(result, None) or (None, why there is nothing to show) of `queries.<query_name>(con, *args)`."""
    try:
        return shared_reader().run(getattr(q, query_name), *args), None
    except q.MissingData as missing:
        return None, str(missing)


HEALTH_POLL_SECONDS = 2  # how often a page waiting for the data-quality rules looks again


class BackgroundQuery:
    """A slow panel query (Data health evaluates every dq rule: seconds on a full warehouse) run in a thread on
    its own connection, so neither the page nor the other panels' shared connection waits for it. A result is
    shown until it is older than the refresh period; then a new evaluation starts and the old result stays on
    screen until the new one is there (an evaluation longer than the period must not hide every result)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._fn = fn
        self._lock = threading.Lock()
        self._running: Future | None = None
        self._latest: Future | None = None  # the last finished evaluation
        self._finished_at = 0.0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="isone-dashboard")

    def poll(self, *args: Any) -> tuple[bool, Any, str | None]:
        """(done, result, why nothing) of the latest finished evaluation, starting a new one when there is none
        or it is older than the refresh period. A failure of the query is raised here."""
        with self._lock:
            if self._running is not None and self._running.done():
                self._latest, self._running = self._running, None
            if self._running is None and (self._latest is None or self._expired()):
                self._running = self._executor.submit(self._run, *args)
            latest = self._latest
        if latest is None:
            return False, None, None
        return (True, *latest.result())

    def _expired(self) -> bool:
        return time.monotonic() - self._finished_at > REFRESH_SECONDS

    def _run(self, *args: Any) -> tuple[Any, str | None]:
        con = warehouse.connect()
        try:
            return self._fn(con, *args), None
        except q.MissingData as missing:
            return None, str(missing)
        finally:
            con.close()
            self._finished_at = time.monotonic()


@st.cache_resource(show_spinner=False)
def health_query() -> BackgroundQuery:
    """The server's one background Data health evaluation, shared by every session."""
    return BackgroundQuery(q.data_health)
