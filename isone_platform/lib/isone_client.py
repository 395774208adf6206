"""HTTP client for the ISO-NE Web Services API (or the bundled simulator, which speaks the same API).

Retries 429, 5xx, non-JSON 200 pages and transport errors with exponential jittered backoff, honouring
`Retry-After`; 401/403/404 fail at once with an explanation. Errors name the path and status, never the
credentials (they travel only in the Authorization header, which is never logged or echoed).
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import httpx

DEFAULT_BASE_URL = "https://webservices.iso-ne.com/api/v1.1"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 120.0
DEFAULT_READ_TIMEOUT_SECONDS = 60.0
# The largest decoded body accepted (`ISONE_MAX_BODY_MB`). An all-node 5-minute LMP hour is ~3 MB (its
# day of 24 hours, fetched hour by hour, 73 MB), so 512 MB is far above any real answer, yet below what a worker
# can hold several times over while parsing (the audit's 200 MB body peaked at 1.31 GB RSS).
DEFAULT_MAX_BODY_MB = 512
MAX_BODY_ENV = "ISONE_MAX_BODY_MB"
_MB = 1024 * 1024
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # zlib reads the gzip header and trailer itself

log = logging.getLogger(__name__)


class IsoneApiError(RuntimeError):
    """A request to ISO-NE failed for good.

    `path` is relative to the base URL; `status` is None for transport errors; `attempts` is how many times the
    request was sent before the client gave up."""

    def __init__(self, path: str, status: int | None, message: str, attempts: int = 1):
        self.path = path
        self.status = status
        self.reason = message
        self.attempts = attempts
        where = f"GET {path}" + (f" -> HTTP {status}" if status is not None else "")
        super().__init__(f"ISO-NE API {where}: {message}")

    @property
    def transient(self) -> bool:
        """Whether the same request may succeed later (an outage, a timeout, a cut or garbled body, a rate
        limit), so a later step attempt is worth it; False where it gets the same answer again (401/403/404,
        other 4xx, a body over the cap)."""
        if isinstance(self, (IsoneAuthError, IsoneNotFoundError, IsoneBodyTooLargeError)):
            return False
        return self.status is None or self.status == 200 or self.status == 429 or self.status >= 500


class IsoneAuthError(IsoneApiError):
    pass


class IsoneNotFoundError(IsoneApiError):
    pass


class IsoneBodyTooLargeError(IsoneApiError):
    """A body larger than the cap once decoded. Not retried: the same request gives the same body."""


@dataclass(frozen=True)
class ApiResponse:
    path: str
    status: int
    body: bytes
    fetched_at: datetime
    attempts: int
    # The body exactly as it came over the wire when the server gzipped it: the lake stores it as is instead of
    # compressing the body again (1 s of CPU per all-node LMP day at level 6).
    gzipped: bytes | None = None


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based): full jitter, at least Retry-After."""
        backoff = rng.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))
        if retry_after is not None:
            return max(min(retry_after, MAX_RETRY_AFTER_SECONDS), backoff)
        return backoff


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


_validators = threading.local()


def _json_valid(text: str) -> bool:
    # DuckDB's JSON validator (yyjson) builds no Python objects: 0.19 s for an all-node LMP day (73 MB) where
    # json.loads takes 1.3 s, which made validation 40 % of a fetch. Like json.loads it accepts NaN, and it
    # also accepts trailing commas; what it must catch — truncated bodies, HTML, garbage — it rejects. The
    # parsers stay the authority on content. One connection per thread: fetches run in a thread pool.
    con = getattr(_validators, "con", None)
    if con is None:
        con = _validators.con = duckdb.connect(":memory:")
    row = con.execute("SELECT json_valid(?)", [text]).fetchone()
    return row is not None and bool(row[0])


def _json_problem(body: bytes) -> str | None:
    """Why a 200 body is not usable JSON (a cut connection leaves it truncated), or None when it is.

    Checked before landing, so a bad body is retried and never replaces a good day in the lake.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"response is not valid JSON ({len(body)} bytes): not UTF-8 at byte {exc.start}"
    if text.strip() and _json_valid(text):
        return None
    try:  # only for the message: where and why the body is invalid
        json.loads(text)
    except ValueError as exc:
        return f"response is not valid JSON ({len(body)} bytes, possibly truncated): {exc}"
    return f"response is not valid JSON ({len(body)} bytes): rejected by DuckDB's JSON reader"


class _CorruptEncoding(Exception):
    """A body whose Content-Encoding cannot be decoded: retried like a truncated body."""


@dataclass(frozen=True)
class _Cap:
    """The decoded-body limit of one response, and what its error names."""

    limit: int
    path: str
    status: int

    def exceeded(self, size: int) -> IsoneBodyTooLargeError:
        return IsoneBodyTooLargeError(
            self.path,
            self.status,
            f"response body exceeds the {MAX_BODY_ENV} cap of {self.limit / _MB:g} MB once decoded (stopped "
            f"reading at {size:,} bytes); raise {MAX_BODY_ENV} if the feed really answers that much",
        )


def _capped(chunks: Iterable[bytes], cap: _Cap) -> bytes:
    """The chunks joined, or the cap's error as soon as they pass it."""
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > cap.limit:
            raise cap.exceeded(size)
        parts.append(chunk)
    return b"".join(parts)


def _gunzip_capped(chunks: Iterable[bytes], cap: _Cap) -> tuple[bytes, bytes]:
    """(decoded body, wire bytes) of a gzip stream, decoding each chunk as it arrives with at most
    `cap.limit + 1` bytes of output, so a bomb is stopped after ~1 byte past the cap. Several gzip members
    in a row are read like `gzip.decompress` reads them."""
    wire, out, size = [], [], 0
    inflater, fed = zlib.decompressobj(_GZIP_WBITS), False
    try:
        for chunk in chunks:
            wire.append(chunk)
            data = chunk
            while data:
                fed = True
                piece = inflater.decompress(data, cap.limit + 1 - size)
                size += len(piece)
                if size > cap.limit:
                    raise cap.exceeded(size)
                out.append(piece)
                data = inflater.unconsumed_tail
                if inflater.eof:  # a member ended: anything after it is the next member
                    data, inflater, fed = inflater.unused_data, zlib.decompressobj(_GZIP_WBITS), False
    except zlib.error as exc:
        raise _CorruptEncoding(_gzip_problem(sum(map(len, wire)), exc)) from None
    if fed:  # a member was cut short (a cut connection truncates the gzip stream)
        raise _CorruptEncoding(_gzip_problem(sum(map(len, wire)), "incomplete gzip stream"))
    return b"".join(out), b"".join(wire)


def _gzip_problem(wire_bytes: int, why: object) -> str:
    return f"gzip body cannot be decoded ({wire_bytes} bytes, possibly truncated): {why}"


def _explain(status: int) -> str:
    if status == 401:
        return (
            "authentication failed: check ISONE_USERNAME / ISONE_PASSWORD (an ISO Express account with "
            "'ISO Data Feeds' enabled; new accounts are refused until ISO-NE approves them)"
        )
    if status == 403:
        return "forbidden: the account is not allowed to read this feed"
    if status == 404:
        return "not found: unknown path, or no data published for it"
    return "request failed"


class IsoneClient:
    """One connection pool for a run. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        username: str | None = None,
        password: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = DEFAULT_READ_TIMEOUT_SECONDS,
        max_connections: int = 8,
        sleep=time.sleep,
        seed: int | None = None,
        transport: httpx.BaseTransport | None = None,
        max_body_mb: int | None = None,
    ):
        """`max_body_mb`: the decoded-body cap (default DEFAULT_MAX_BODY_MB; the resource passes
        `ISONE_MAX_BODY_MB`)."""
        if "@" in base_url.split("//", 1)[-1].split("/", 1)[0]:
            raise ValueError("ISONE_BASE_URL must not embed credentials; set ISONE_USERNAME / ISONE_PASSWORD")
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.max_body_bytes = (max_body_mb or DEFAULT_MAX_BODY_MB) * _MB
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        auth = httpx.BasicAuth(username, password or "") if username else None
        self._http = httpx.Client(
            auth=auth,
            headers={"Accept": "application/json", "Accept-Encoding": "gzip", "User-Agent": "isone-platform"},
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            follow_redirects=False,
            transport=transport,
        )
        self.requests_sent = 0
        self.bytes_received = 0
        self._stats_lock = threading.Lock()

    def __enter__(self) -> IsoneClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, path: str) -> tuple[httpx.Response, bytes, bytes | None]:
        """The response, its decoded body and, when the server gzipped it, the bytes as received.

        Reads and decodes chunk by chunk, and stops as soon as the decoded body passes the cap: a gzip bomb
        (or a runaway answer) is an error naming the path, never an out-of-memory.
        """
        with self._http.stream("GET", self.base_url + path) as response:
            if response.is_stream_consumed:  # read and decoded already (an in-memory transport, e.g. in tests)
                return response, _capped([response.content], self._body_cap(path, response)), None
            cap = self._body_cap(path, response)
            encoding = response.headers.get("content-encoding", "").strip().lower()
            if encoding in ("", "identity"):
                return response, _capped(response.iter_raw(), cap), None
            if encoding != "gzip":
                raise _CorruptEncoding(f"unsupported Content-Encoding {encoding!r} (only gzip was asked for)")
            body, wire = _gunzip_capped(response.iter_raw(), cap)
            return response, body, wire

    def _body_cap(self, path: str, response: httpx.Response) -> _Cap:
        return _Cap(self.max_body_bytes, path, response.status_code)

    def get(self, path: str) -> ApiResponse:
        """GET `path` (relative to the base URL, e.g. `/fiveminutesystemload/day/20241103`) with retries."""
        if not path.startswith("/"):
            path = "/" + path
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response, body, gzipped = self._send(path)
            except IsoneBodyTooLargeError as exc:
                exc.attempts = attempt
                raise
            except httpx.TransportError as exc:
                failure = IsoneApiError(path, None, f"{type(exc).__name__}: {exc}")
            except _CorruptEncoding as exc:
                failure = IsoneApiError(path, None, str(exc))
            else:
                with self._stats_lock:
                    self.requests_sent += 1
                    self.bytes_received += len(body)
                status = response.status_code
                if status == 200:
                    content_type = response.headers.get("content-type", "")
                    problem = (
                        _json_problem(body)
                        if "json" in content_type
                        # ISO-NE occasionally answers a maintenance page with 200: transient, retry.
                        else (f"expected JSON, got {content_type or 'no content type'}")
                    )
                    if problem is None:
                        return ApiResponse(path, status, body, datetime.now(UTC), attempt, gzipped)
                    failure = IsoneApiError(path, status, problem)
                elif status in (401, 403):
                    raise IsoneAuthError(path, status, _explain(status), attempt)
                elif status == 404:
                    raise IsoneNotFoundError(path, status, _explain(status), attempt)
                elif status in RETRYABLE_STATUS:
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
                    failure = IsoneApiError(path, status, _explain(status))
                else:
                    raise IsoneApiError(path, status, _explain(status), attempt)
            if attempt >= self.retry.max_attempts:
                raise IsoneApiError(
                    path, failure.status, f"{failure.reason} (gave up after {attempt} attempts)", attempt
                ) from failure
            with self._rng_lock:
                delay = self.retry.delay(attempt, retry_after, self._rng)
            log.warning("%s; retrying in %.2fs (attempt %d of %d)", failure, delay, attempt, self.retry.max_attempts)
            self._sleep(delay)
