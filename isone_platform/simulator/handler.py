"""The simulator's HTTP request handler: Basic auth, JSON negotiation, gzip, faults, the response cache.

A request goes through named steps — authorize, route (`/_sim/` admin or the API), negotiate JSON, play the
transport faults that fired, then the body: a recorded file, a cached rendering, or a fresh one with the data
faults applied — so each rule of the real service's behaviour has one place.
"""

from __future__ import annotations

import base64
import gzip
import hmac
import json
import socket
import struct
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import admin, api
from .cache import CacheEntry, ResponseCache
from .faults import DATA_KINDS, Fault, apply_data_fault
from .pages import MAINTENANCE_HTML, SERVER_NAME, UNAUTHORIZED_HTML, html_error
from .render import Payload

if TYPE_CHECKING:
    from .server import SimulatorServer

PREFIX = "/api/v1.1"
SERVER_ERROR_KINDS = ("500", "502", "503", "http_error")


class _Reset(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
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

    def _send_html_error(self, status: int, title: str, message: str, path: str, headers: dict | None = None) -> None:
        self._send(status, html_error(status, title, message), "text/html", headers, path)

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
        elif raw_path.startswith("/_sim"):
            self._admin(raw_path, body)
        elif self.command not in ("GET", "HEAD"):
            message = f"{self.command} is not supported"
            self._send_html_error(405, "Method Not Allowed", message, raw_path, {"Allow": "GET, HEAD"})
        elif not (raw_path == PREFIX or raw_path.startswith(PREFIX + "/")):
            message = f"No resource at '{raw_path}'. The API lives under {PREFIX}/"
            self._send_html_error(404, "Not Found", message, raw_path)
        else:
            self._negotiate(raw_path)

    def _negotiate(self, raw_path: str) -> None:
        """Serve JSON to a client that asks for it (`Accept: application/json` or a `.json` suffix); 406 else."""
        sub = raw_path[len(PREFIX) :]
        json_suffix = sub.endswith(".json")
        if json_suffix:
            sub = sub[: -len(".json")]
        elif sub.endswith(".xml"):
            sub = sub[: -len(".xml")]
        sub = "/" + "/".join(s for s in sub.split("/") if s)
        accept = (self.headers.get("Accept") or "").lower()
        if json_suffix or "application/json" in accept:
            self._serve_api(sub, raw_path)
            return
        message = (
            "This simulator only serves JSON: send 'Accept: application/json' "
            "or add the '.json' suffix to the path (XML is not simulated)."
        )
        self._send_html_error(406, "Not Acceptable", message, raw_path)

    # -- the API -----------------------------------------------------------------------------
    def _serve_api(self, sub: str, raw_path: str) -> None:
        fired = self.sim._faults_for(sub)
        datafaults = [f for f in fired if f.kind in DATA_KINDS]
        if self._play_transport_faults([f for f in fired if f.kind not in DATA_KINDS], raw_path):
            return
        truncate = any(f.kind == "truncated_json" for f in fired)
        body = None
        if self.sim.recorded_dir is not None and not datafaults:
            body = self.sim._recorded_body(sub)
        if body is None:
            body = self._rendered_body(sub, raw_path, datafaults, use_cache=not (datafaults or truncate))
            if body is None:
                return
        if truncate:
            body = body[: max(1, len(body) // 2)]
        self._send(200, body, "application/json", path=raw_path)

    def _play_transport_faults(self, faults: list[Fault], raw_path: str) -> bool:
        """Play the fired transport faults in order; True when one of them has answered the request."""
        for f in faults:
            if f.kind == "reset":
                self._reset(raw_path)
            elif f.kind == "slow":
                self.sim._stop_event.wait(f.delay)
            elif self._send_fault_answer(f, raw_path):
                return True
        return False

    def _send_fault_answer(self, f: Fault, raw_path: str) -> bool:
        """Answer for a 429, 5xx or maintenance-page fault; False for a fault that does not answer."""
        if f.kind == "429":
            message = "Rate limit exceeded, retry later."
            headers = {"Retry-After": f"{f.retry_after:g}"}
            self._send_html_error(429, "Too Many Requests", message, raw_path, headers)
        elif f.kind in SERVER_ERROR_KINDS:
            status = f.http_status
            headers = {"Retry-After": f"{f.retry_after:g}"} if status == 503 else {}
            self._send_html_error(status, "Server Error", "The server encountered an error.", raw_path, headers)
        elif f.kind == "html_200":
            self._send(200, MAINTENANCE_HTML, "text/html;charset=UTF-8", path=raw_path)
        else:
            return False
        return True

    def _rendered_body(self, sub: str, raw_path: str, datafaults: list[Fault], use_cache: bool) -> bytes | None:
        """The API's body for `sub` now, from the cache or freshly resolved (damaged by `datafaults`); None when
        the request has already been answered (a cache hit, an API error, a gzipped body just cached)."""
        sim = self.sim
        now = sim.clock.timestamp()
        lag, final_delay = sim.publication_lag.total_seconds(), sim.final_delay.total_seconds()
        cache = sim.cache if use_cache else None
        key = (sub, sim.seed, lag, final_delay)
        if cache is not None and (entry := cache.get(key, now)) is not None:
            self._send_cached(cache, key, entry, raw_path)
            return None
        ctx = api.Ctx(seed=sim.seed, now=now, lag=lag, final_delay=final_delay)
        try:
            out = api.resolve(sub, ctx)
        except api.ApiError as exc:
            title = "Bad Request" if exc.status == 400 else "Not Found"
            self._send_html_error(exc.status, title, exc.message, raw_path)
            return None
        body = _damaged(out, datafaults, sub) if isinstance(out, Payload) else out
        if cache is not None and ctx.cacheable and body:
            return self._cache_body(cache, key, ctx, body, raw_path)
        return body

    def _cache_body(self, cache: ResponseCache, key: tuple, ctx: api.Ctx, body: bytes, raw_path: str) -> bytes | None:
        """Cache a fresh body: gzipped (and sent, returning None) for a gzip client, raw (returned) otherwise."""
        level = self.sim.gzip_level
        if self._wants_gzip():
            gz = gzip.compress(body, compresslevel=level, mtime=0)
            cache.put(key, CacheEntry(None, gz, level, ctx.valid_from, ctx.valid_to))
            self._send(200, gz, "application/json", path=raw_path, gzipped=True)
            return None
        cache.put(key, CacheEntry(body, None, level, ctx.valid_from, ctx.valid_to))
        return body

    def _send_cached(self, cache: ResponseCache, key: tuple, entry: CacheEntry, raw_path: str) -> None:
        level = self.sim.gzip_level
        if self._wants_gzip():
            if entry.gz is not None and entry.level == level:
                self._send(200, entry.gz, "application/json", path=raw_path, gzipped=True)
                return
            raw = entry.body()
            gz = gzip.compress(raw, compresslevel=level, mtime=0)
            # keep the compressed form from now on (entries are never modified in place)
            cache.put(key, CacheEntry(None, gz, level, entry.valid_from, entry.valid_to))
            self._send(200, gz, "application/json", path=raw_path, gzipped=True)
            return
        raw = entry.body()
        self._send(200, raw, "application/json", path=raw_path)

    # -- admin -------------------------------------------------------------------------------
    def _admin(self, path: str, body: bytes) -> None:
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            self._send(400, b'{"error":"body is not JSON"}', path=path)
            return
        endpoint = admin.ENDPOINTS.get((path, self.command))
        if endpoint is None:
            self._send(404, json.dumps({"error": f"unknown admin endpoint {self.command} {path}"}).encode(), path=path)
            return
        try:
            out = endpoint(self.sim, payload)
        except (KeyError, ValueError, TypeError) as exc:
            self._send(400, json.dumps({"error": str(exc)}).encode(), path=path)
            return
        self._send(200, json.dumps(out).encode(), path=path, allow_gzip=False)


def _damaged(payload: Payload, datafaults: list[Fault], sub: str) -> bytes:
    """The payload rendered after the fired data faults rewrote its records."""
    for f in datafaults:
        apply_data_fault(payload, f, sub)
    return payload.render()
