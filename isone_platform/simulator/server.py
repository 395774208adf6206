"""HTTP layer: stdlib ThreadingHTTPServer, Basic auth, JSON negotiation, gzip, faults, admin endpoints."""

from __future__ import annotations

import base64
import gzip
import hmac
import json
import socket
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from . import api
from .clock import SimClock, _parse_iso
from .faults import DATA_KINDS, Fault, apply_data_fault
from .render import Payload

PREFIX = "/api/v1.1"
SERVER_NAME = "ISO New England"

UNAUTHORIZED_HTML = (
    b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>401 Unauthorized</title>\n'
    b"</head><body>\n<h1>Unauthorized</h1>\n<p>This server could not verify that you\nare authorized to access the "
    b"document\nrequested.  Either you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn't "
    b"understand how to supply\nthe credentials required.</p>\n</body></html>\n"
)

MAINTENANCE_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>ISO New England - Scheduled Maintenance</title></head>\n<body>"
    b"<h1>ISO New England Web Services</h1><p>The system is currently undergoing scheduled maintenance. "
    b"Please try again later.</p></body></html>\n"
)


@dataclass(frozen=True)
class RequestRecord:
    time: datetime
    method: str
    path: str
    status: int
    bytes_sent: int


class _Reset(Exception):
    pass


class _CacheEntry:
    __slots__ = ("raw", "gz", "level", "valid_from", "valid_to", "size")

    def __init__(self, raw: bytes | None, gz: bytes | None, level: int, valid_from: float, valid_to: float):
        self.raw, self.gz, self.level = raw, gz, level
        self.valid_from, self.valid_to = valid_from, valid_to
        self.size = len(raw or b"") + len(gz or b"")


class ResponseCache:
    """Bounded LRU of rendered API bodies, each valid for an interval of simulated time.

    Key: (path, seed, publication lag, final delay). An entry is used only while the clock lies in the
    interval over which the path's answer is unchanged (computed by :mod:`api` while resolving), so moving
    the clock — forwards or backwards — never serves a stale body. Bodies are kept gzip-compressed when a
    client asked for gzip (decompressed for clients that did not), raw otherwise.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self._d: OrderedDict[tuple, _CacheEntry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple, now: float) -> _CacheEntry | None:
        with self._lock:
            e = self._d.get(key)
            if e is None or not (e.valid_from <= now < e.valid_to):
                self.misses += 1
                return None
            self._d.move_to_end(key)
            self.hits += 1
            return e

    def put(self, key: tuple, entry: _CacheEntry) -> None:
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


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # keep test output clean
        pass


def _html_error(status: int, title: str, message: str) -> bytes:
    from html import escape

    return (
        f"<!DOCTYPE html>\n<html><head><title>{status} {escape(title)}</title></head>\n"
        f"<body><h1>{status} {escape(title)}</h1><p>{escape(message)}</p></body></html>\n"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = SERVER_NAME
    # TCP_NODELAY: headers and body are two writes; with Nagle + the client's delayed ACK every keep-alive
    # response whose body fits in one segment used to stall ~40 ms
    disable_nagle_algorithm = True
    sys_version = ""
    sim: SimulatorServer

    def log_message(self, format, *args):  # noqa: A002 - silence default stderr logging
        pass

    def version_string(self):
        return SERVER_NAME

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except _Reset:
            self.close_connection = True
        except (ConnectionError, OSError, ValueError):
            self.close_connection = True

    # -- helpers ------------------------------------------------------------------------------
    def _wants_gzip(self) -> bool:
        return "gzip" in (self.headers.get("Accept-Encoding") or "").lower()

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str = "application/json",
        headers: dict | None = None,
        path: str | None = None,
        allow_gzip: bool = True,
        gzipped: bool = False,
    ) -> None:
        """Send a response; ``gzipped`` means ``body`` is already gzip-compressed (and the client accepts it)."""
        enc = None
        if gzipped:
            enc = "gzip"
        elif allow_gzip and body and self._wants_gzip():
            body = gzip.compress(body, compresslevel=self.sim.gzip_level, mtime=0)
            enc = "gzip"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if enc:
            self.send_header("Content-Encoding", enc)
            self.send_header("Vary", "Accept-Encoding")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.sim._record(self.command, path or self.path, status, len(body))

    def _reset(self, path: str) -> None:
        self.sim._record(self.command, path, 0, 0)
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        finally:
            raise _Reset()

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization") or ""
        if not auth.lower().startswith("basic "):
            return False
        try:
            user, _, pw = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
        except Exception:
            return False
        ok_u = hmac.compare_digest(user.encode(), self.sim.user.encode())
        ok_p = hmac.compare_digest(pw.encode(), self.sim.password.encode())
        return ok_u and ok_p

    def _read_body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    # -- verbs -------------------------------------------------------------------------------
    def do_GET(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def _dispatch(self):
        raw_path = urlsplit(self.path).path
        body = self._read_body() if self.command in ("POST", "DELETE") else b""
        if not self._authorized():
            self._send(
                401,
                UNAUTHORIZED_HTML,
                "text/html; charset=iso-8859-1",
                {"WWW-Authenticate": 'Basic realm="ISO New England Web Services"'},
                raw_path,
                allow_gzip=False,
            )
            return
        if raw_path.startswith("/_sim"):
            self._admin(raw_path, body)
            return
        if self.command not in ("GET", "HEAD"):
            self._send(
                405,
                _html_error(405, "Method Not Allowed", f"{self.command} is not supported"),
                "text/html",
                {"Allow": "GET, HEAD"},
                raw_path,
            )
            return
        if not (raw_path == PREFIX or raw_path.startswith(PREFIX + "/")):
            self._send(
                404,
                _html_error(404, "Not Found", f"No resource at '{raw_path}'. The API lives under {PREFIX}/"),
                "text/html",
                path=raw_path,
            )
            return
        sub = raw_path[len(PREFIX) :]
        json_suffix = sub.endswith(".json")
        if json_suffix:
            sub = sub[: -len(".json")]
        elif sub.endswith(".xml"):
            sub = sub[: -len(".xml")]
        sub = "/" + "/".join(s for s in sub.split("/") if s)
        accept = (self.headers.get("Accept") or "").lower()
        if not (json_suffix or "application/json" in accept):
            self._send(
                406,
                _html_error(
                    406,
                    "Not Acceptable",
                    "This simulator only serves JSON: send 'Accept: application/json' "
                    "or add the '.json' suffix to the path (XML is not simulated).",
                ),
                "text/html",
                path=raw_path,
            )
            return
        self._serve_api(sub, raw_path)

    def _serve_api(self, sub: str, raw_path: str) -> None:
        sim = self.sim
        fired = sim._faults_for(sub)
        transport = [f for f in fired if f.kind not in DATA_KINDS]
        datafaults = [f for f in fired if f.kind in DATA_KINDS]
        truncate = False
        for f in transport:
            if f.kind == "reset":
                self._reset(raw_path)
            elif f.kind == "slow":
                sim._stop_event.wait(f.delay)
            elif f.kind == "429":
                self._send(
                    429,
                    _html_error(429, "Too Many Requests", "Rate limit exceeded, retry later."),
                    "text/html",
                    {"Retry-After": f"{f.retry_after:g}"},
                    raw_path,
                )
                return
            elif f.kind in ("500", "502", "503", "http_error"):
                status = f.http_status
                hdrs = {"Retry-After": f"{f.retry_after:g}"} if status == 503 else {}
                self._send(
                    status,
                    _html_error(status, "Server Error", "The server encountered an error."),
                    "text/html",
                    hdrs,
                    raw_path,
                )
                return
            elif f.kind == "html_200":
                self._send(200, MAINTENANCE_HTML, "text/html;charset=UTF-8", path=raw_path)
                return
            elif f.kind == "truncated_json":
                truncate = True
        body = None
        if sim.recorded_dir is not None and not datafaults:
            body = sim._recorded_body(sub)
        if body is None:
            now = sim.clock.timestamp()
            lag, final_delay = sim.publication_lag.total_seconds(), sim.final_delay.total_seconds()
            cache = sim.cache if (sim.cache is not None and not datafaults and not truncate) else None
            key = (sub, sim.seed, lag, final_delay)
            if cache is not None:
                entry = cache.get(key, now)
                if entry is not None:
                    self._send_cached(cache, key, entry, raw_path)
                    return
            ctx = api.Ctx(seed=sim.seed, now=now, lag=lag, final_delay=final_delay)
            try:
                out = api.resolve(sub, ctx)
            except api.ApiError as exc:
                title = "Bad Request" if exc.status == 400 else "Not Found"
                self._send(exc.status, _html_error(exc.status, title, exc.message), "text/html", path=raw_path)
                return
            if isinstance(out, Payload):
                for f in datafaults:
                    apply_data_fault(out, f, sub)
                body = out.render()
            else:
                body = out
            if cache is not None and ctx.cacheable and body:
                level = sim.gzip_level
                if self._wants_gzip():
                    gz = gzip.compress(body, compresslevel=level, mtime=0)
                    cache.put(key, _CacheEntry(None, gz, level, ctx.valid_from, ctx.valid_to))
                    self._send(200, gz, "application/json", path=raw_path, gzipped=True)
                    return
                cache.put(key, _CacheEntry(body, None, level, ctx.valid_from, ctx.valid_to))
        if truncate:
            body = body[: max(1, len(body) // 2)]
        self._send(200, body, "application/json", path=raw_path)

    def _send_cached(self, cache: ResponseCache, key: tuple, entry: _CacheEntry, raw_path: str) -> None:
        level = self.sim.gzip_level
        if self._wants_gzip():
            if entry.gz is not None and entry.level == level:
                self._send(200, entry.gz, "application/json", path=raw_path, gzipped=True)
                return
            raw = entry.raw if entry.raw is not None else gzip.decompress(entry.gz)
            gz = gzip.compress(raw, compresslevel=level, mtime=0)
            # keep the compressed form from now on (entries are never modified in place)
            cache.put(key, _CacheEntry(None, gz, level, entry.valid_from, entry.valid_to))
            self._send(200, gz, "application/json", path=raw_path, gzipped=True)
            return
        raw = entry.raw if entry.raw is not None else gzip.decompress(entry.gz)
        self._send(200, raw, "application/json", path=raw_path)

    # -- admin -------------------------------------------------------------------------------
    def _admin(self, path: str, body: bytes) -> None:
        sim = self.sim
        cmd = self.command
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            self._send(400, b'{"error":"body is not JSON"}', path=path)
            return
        try:
            if path == "/_sim/state" and cmd == "GET":
                out = sim.state()
            elif path == "/_sim/clock" and cmd == "POST":
                if "set" in payload:
                    sim.clock.set(_parse_iso(str(payload["set"])))
                if "advance_seconds" in payload:
                    sim.clock.advance(timedelta(seconds=float(payload["advance_seconds"])))
                out = {"now": sim.clock.now().isoformat()}
            elif path == "/_sim/clock" and cmd == "GET":
                out = {"now": sim.clock.now().isoformat(), "mode": sim.clock.describe()}
            elif path == "/_sim/faults" and cmd == "POST":
                specs = payload.get("specs") or [payload["spec"]]
                for s in specs:
                    sim.add_fault(Fault.parse(s))
                out = {"faults": [f.as_dict() for f in sim.faults]}
            elif path == "/_sim/faults" and cmd == "GET":
                out = {"faults": [f.as_dict() for f in sim.faults]}
            elif path == "/_sim/faults" and cmd == "DELETE":
                sim.clear_faults()
                out = {"faults": []}
            elif path == "/_sim/requests" and cmd == "GET":
                out = {
                    "requests": [
                        {
                            "time": r.time.isoformat(),
                            "method": r.method,
                            "path": r.path,
                            "status": r.status,
                            "bytes": r.bytes_sent,
                        }
                        for r in sim.requests[-1000:]
                    ]
                }
            elif path == "/_sim/requests" and cmd == "DELETE":
                sim.reset_requests()
                out = {"requests": []}
            else:
                self._send(404, json.dumps({"error": f"unknown admin endpoint {cmd} {path}"}).encode(), path=path)
                return
        except (KeyError, ValueError, TypeError) as exc:
            self._send(400, json.dumps({"error": str(exc)}).encode(), path=path)
            return
        self._send(200, json.dumps(out).encode(), path=path, allow_gzip=False)


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
        handler = type("SimHandler", (_Handler,), {"sim": self})
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
            if len(self.requests) > 100_000:
                del self.requests[:50_000]

    def reset_requests(self) -> None:
        with self._lock:
            self.requests = []

    # -- recorded mode -----------------------------------------------------------------------
    def _recorded_body(self, sub: str) -> bytes | None:
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
