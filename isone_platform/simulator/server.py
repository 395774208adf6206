"""The simulator server: a stdlib ThreadingHTTPServer on a daemon thread, with the state requests act on — the
clock, the faults, the request log, the response cache, the recorded bodies.

How a request is answered is `handler`'s business (with `admin`, `cache` and `pages`); this module owns the
lifecycle and the state, guarded by one lock because the handler threads share it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

from .cache import ResponseCache
from .clock import SimClock
from .faults import Fault
from .handler import PREFIX, Handler

REQUESTS_KEPT = 100_000
"""The request log keeps at most this many records (then drops the older half)."""


@dataclass(frozen=True)
class RequestRecord:
    time: datetime
    method: str
    path: str
    status: int
    bytes_sent: int


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # keep test output clean
        pass


class SimulatorServer:
    """The ISO-NE Web Services API simulator (see docs/simulator.md)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        user: str = "demo",
        password: str = "demo",
        seed: int = 0,
        clock: SimClock | str = "real",
        faults=(),
        recorded_dir: str | Path | None = None,
        publication_lag: timedelta = timedelta(seconds=60),
        final_delay: timedelta = timedelta(hours=6),
        gzip_level: int = 3,
        cache_bytes: int = 256 * 2**20,
    ):
        self.host = host
        self._req_port = port
        self.user = user
        self.password = password
        self.seed = int(seed)
        self.clock = clock if isinstance(clock, SimClock) else SimClock.parse(clock)
        self.faults: list[Fault] = [f if isinstance(f, Fault) else Fault.parse(f) for f in faults]
        self.recorded_dir = Path(recorded_dir).resolve() if recorded_dir else None
        self.publication_lag = publication_lag
        self.final_delay = final_delay
        self.gzip_level = gzip_level
        # rendered bodies of paths whose answer is fixed for a while (see ResponseCache); 0 disables
        self.cache: ResponseCache | None = ResponseCache(cache_bytes) if cache_bytes and cache_bytes > 0 else None
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port: int = port

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> SimulatorServer:
        if self._httpd is not None:
            return self
        handler = type("SimHandler", (Handler,), {"sim": self})
        self._stop_event.clear()
        self._httpd = _HTTPServer((self.host, self._req_port), handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name=f"isone-sim:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd = self._httpd
        if httpd is None:
            return
        self._stop_event.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{PREFIX}"

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- faults ------------------------------------------------------------------------------
    def add_fault(self, fault: Fault | str) -> None:
        with self._lock:
            self.faults.append(fault if isinstance(fault, Fault) else Fault.parse(fault))

    def clear_faults(self) -> None:
        with self._lock:
            self.faults = []

    def _faults_for(self, path: str) -> list[Fault]:
        with self._lock:
            faults = list(self.faults)
        return [f for f in faults if f.trigger(path)]

    # -- requests log ------------------------------------------------------------------------
    def _record(self, method: str, path: str, status: int, n: int) -> None:
        rec = RequestRecord(datetime.now(UTC), method, path, status, n)
        with self._lock:
            self.requests.append(rec)
            if len(self.requests) > REQUESTS_KEPT:
                del self.requests[: REQUESTS_KEPT // 2]

    def reset_requests(self) -> None:
        with self._lock:
            self.requests = []

    # -- recorded mode -----------------------------------------------------------------------
    def _recorded_body(self, sub: str) -> bytes | None:
        if self.recorded_dir is None:
            return None
        name = sub.strip("/").replace("/", "_") + ".json"
        f = self.recorded_dir / name
        if f.is_file() and f.resolve().parent == self.recorded_dir:
            return f.read_bytes()
        return None

    def state(self) -> dict:
        return {
            "now": self.clock.now().isoformat(),
            "clock": self.clock.describe(),
            "seed": self.seed,
            "publication_lag_seconds": self.publication_lag.total_seconds(),
            "final_delay_seconds": self.final_delay.total_seconds(),
            "faults": [f.as_dict() for f in self.faults],
            "request_count": len(self.requests),
            "response_cache": self.cache.stats() if self.cache is not None else None,
            "recorded_dir": str(self.recorded_dir) if self.recorded_dir else None,
        }
