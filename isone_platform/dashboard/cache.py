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
from isone_platform.lib.settings import env_seconds

REFRESH_ENV = "ISONE_DASHBOARD_REFRESH_SECONDS"
DEFAULT_REFRESH_SECONDS = 60
REFRESH_SECONDS = env_seconds(REFRESH_ENV, DEFAULT_REFRESH_SECONDS)


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
    its own connection, so neither the page nor the other panels' shared connection waits for it. The result
    is kept for the refresh period, then recomputed on the next look."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._fn = fn
        self._lock = threading.Lock()
        self._future: Future | None = None
        self._started = 0.0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="isone-dashboard")

    def poll(self, *args: Any) -> tuple[bool, Any, str | None]:
        """(done, result, why nothing) — starting the evaluation when there is none or it is older than the
        refresh period. A failure of the query is raised here."""
        with self._lock:
            if self._future is None or (self._future.done() and self._expired()):
                self._future, self._started = self._executor.submit(self._run, *args), time.monotonic()
            future = self._future
        if not future.done():
            return False, None, None
        return (True, *future.result())

    def _expired(self) -> bool:
        return time.monotonic() - self._started > REFRESH_SECONDS

    def _run(self, *args: Any) -> tuple[Any, str | None]:
        con = warehouse.connect()
        try:
            return self._fn(con, *args), None
        except q.MissingData as missing:
            return None, str(missing)
        finally:
            con.close()


@st.cache_resource(show_spinner=False)
def health_query() -> BackgroundQuery:
    """The server's one background Data health evaluation, shared by every session."""
    return BackgroundQuery(q.data_health)
