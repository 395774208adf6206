"""IsoneClient retry rules on a scripted transport: which statuses are retried, how long it waits, what errors say."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from isone_platform.lib.isone_client import (
    DEFAULT_MAX_BODY_MB,
    IsoneApiError,
    IsoneAuthError,
    IsoneBodyTooLargeError,
    IsoneClient,
    IsoneNotFoundError,
    RetryPolicy,
    parse_retry_after,
)

JSON = {"content-type": "application/json"}
SECRET = "s3cr3t-pa55"


class Script:
    """Answers requests from a list of (status, headers, body) or exceptions, recording what was asked."""

    def __init__(self, *steps):
        self.steps = list(steps)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        status, headers, body = step
        return httpx.Response(status, headers=headers, content=body)


def client_for(script: Script, sleeps: list[float], attempts=5) -> IsoneClient:
    return IsoneClient(
        "http://sim.test/api/v1.1",
        "demo",
        SECRET,
        retry=RetryPolicy(attempts, 0.5, 30.0),
        sleep=sleeps.append,
        seed=1,
        transport=httpx.MockTransport(script),
    )


def test_429_waits_at_least_retry_after_then_succeeds():
    script = Script((429, {"retry-after": "7"}, b"slow down"), (200, JSON, b'{"ok":1}'))
    sleeps: list[float] = []
    response = client_for(script, sleeps).get("/genfuelmix/current")
    assert response.body == b'{"ok":1}' and response.attempts == 2
    assert sleeps == [pytest.approx(7.0)]


def test_503_is_retried_with_growing_jittered_backoff():
    script = Script(*[(503, {}, b"busy")] * 3, (200, JSON, b"{}"))
    sleeps: list[float] = []
    client_for(script, sleeps).get("/x")
    assert len(sleeps) == 3
    caps = [0.5, 1.0, 2.0]
    assert all(0 <= s <= cap for s, cap in zip(sleeps, caps, strict=True))


def test_transport_errors_are_retried():
    script = Script(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), (200, JSON, b"{}"))
    sleeps: list[float] = []
    assert client_for(script, sleeps).get("/x").attempts == 3


def test_html_page_with_200_is_retried_as_transient():
    script = Script((200, {"content-type": "text/html"}, b"<html>maintenance</html>"), (200, JSON, b"{}"))
    assert client_for(script, []).get("/x").attempts == 2


@pytest.mark.parametrize(("status", "error"), [(401, IsoneAuthError), (403, IsoneAuthError), (404, IsoneNotFoundError)])
def test_auth_and_not_found_are_not_retried_and_explained(status, error):
    script = Script((status, {"www-authenticate": "Basic"}, b"<html>no</html>"))
    sleeps: list[float] = []
    with pytest.raises(error) as err:
        client_for(script, sleeps).get("/fiveminutelmp/current")
    assert len(script.seen) == 1 and sleeps == []
    message = str(err.value)
    assert "/fiveminutelmp/current" in message and f"HTTP {status}" in message
    if status == 401:
        assert "ISONE_USERNAME" in message
    assert SECRET not in message and "demo" not in message


def test_giving_up_names_path_status_and_attempts_but_not_credentials():
    script = Script(*[(502, {}, b"bad gateway")] * 3)
    with pytest.raises(IsoneApiError) as err:
        client_for(script, [], attempts=3).get("/hourlylmp/da/final/day/20241103")
    message = str(err.value)
    assert "/hourlylmp/da/final/day/20241103" in message and "HTTP 502" in message and "3 attempts" in message
    assert SECRET not in message


def test_requests_carry_basic_auth_json_and_gzip():
    script = Script((200, JSON, b"{}"))
    client_for(script, []).get("locations/all")
    request = script.seen[0]
    assert request.url.path == "/api/v1.1/locations/all"
    assert request.headers["accept"] == "application/json" and "gzip" in request.headers["accept-encoding"]
    assert request.headers["authorization"].startswith("Basic ")


def test_base_url_with_embedded_credentials_is_refused():
    with pytest.raises(ValueError, match="must not embed credentials") as err:
        IsoneClient(f"https://demo:{SECRET}@webservices.iso-ne.com/api/v1.1")
    assert SECRET not in str(err.value)


def test_retry_after_as_http_date_and_capped():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == pytest.approx(30)
    assert parse_retry_after("garbage") is None and parse_retry_after(None) is None
    assert RetryPolicy().delay(1, 10_000, random.Random(0)) == 120.0


def test_truncated_json_is_retried_then_reported():
    script = Script(*[(200, JSON, b'{"FiveMinLmps": {"FiveMinLmp": [{"Begin')] * 2, (200, JSON, b"{}"))
    assert client_for(script, []).get("/x").attempts == 3
    script = Script(*[(200, JSON, b'{"cut')] * 2)
    with pytest.raises(IsoneApiError, match=r"GET /x -> HTTP 200: response is not valid JSON.*2 attempts"):
        client_for(script, [], attempts=2).get("/x")


class _Streamed(httpx.SyncByteStream):
    """A response body that arrives as a stream (as from a socket), so the client sees the wire bytes."""

    def __init__(self, data: bytes):
        self.data = data

    def __iter__(self):
        yield self.data


def _gzip_client(bodies: list[bytes], sleeps: list[float]) -> IsoneClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={**JSON, "content-encoding": "gzip"}, stream=_Streamed(bodies.pop(0)))

    return IsoneClient(
        "http://sim.test/api/v1.1",
        "demo",
        SECRET,
        retry=RetryPolicy(2, 0.5, 30.0),
        sleep=sleeps.append,
        seed=1,
        transport=httpx.MockTransport(handler),
    )


def test_a_gzipped_body_is_kept_as_received_for_the_lake():
    import gzip

    wire = gzip.compress(b'{"FiveMinSystemLoads":""}', compresslevel=1, mtime=0)
    response = _gzip_client([wire], []).get("/fiveminutesystemload/day/20241103")
    assert response.body == b'{"FiveMinSystemLoads":""}' and response.gzipped == wire


def test_a_truncated_gzip_stream_is_retried_then_named():
    import gzip

    wire = gzip.compress(b'{"FiveMinSystemLoads":{"FiveMinSystemLoad":[' + b'{"x":1},' * 500 + b"]}}", mtime=0)
    sleeps: list[float] = []
    with pytest.raises(IsoneApiError, match=r"GET /x: gzip body cannot be decoded.*possibly truncated.*2 attempts"):
        _gzip_client([wire[: len(wire) // 2]] * 2, sleeps).get("/x")
    assert len(sleeps) == 1


class _Chunked(httpx.SyncByteStream):
    """A body arriving in many chunks, counting how many the client pulled before it stopped reading."""

    def __init__(self, data: bytes, size: int = 64 * 1024):
        self.chunks = [data[i : i + size] for i in range(0, len(data), size)]
        self.pulled = 0

    def __iter__(self):
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk


def _capped_client(stream: _Chunked, headers: dict, sleeps: list[float], max_body_mb: int | None = 1) -> IsoneClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={**JSON, **headers}, stream=stream)

    return IsoneClient(
        "http://sim.test/api/v1.1",
        "demo",
        SECRET,
        retry=RetryPolicy(3, 0.5, 30.0),
        sleep=sleeps.append,
        seed=1,
        transport=httpx.MockTransport(handler),
        max_body_mb=max_body_mb,
    )


def _bomb(decoded_mb: int) -> bytes:
    """A gzip stream of `decoded_mb` MB of spaces: ~1,000 times smaller on the wire."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(decoded_mb)) + packer.flush()


def test_a_gzip_bomb_stops_at_the_cap_naming_path_and_cap_without_retrying():
    """Case 30: the bomb decodes to 64 MB; reading stops just past the 1 MB cap, long before the end of the
    stream, and the same request is not sent again (it would give the same body)."""
    stream, sleeps = _Chunked(_bomb(64), size=1024), []
    with pytest.raises(IsoneBodyTooLargeError) as err:
        _capped_client(stream, {"content-encoding": "gzip"}, sleeps).get("/fiveminutesystemload/day/20241103")
    message = str(err.value)
    assert "GET /fiveminutesystemload/day/20241103" in message and "ISONE_MAX_BODY_MB cap of 1 MB" in message
    assert sleeps == [] and stream.pulled < len(stream.chunks) / 10


def test_a_plain_body_past_the_cap_is_refused_as_it_arrives():
    stream = _Chunked(b'{"x":"' + b"a" * (2 * 1024 * 1024) + b'"}')
    with pytest.raises(IsoneBodyTooLargeError, match=r"GET /x -> HTTP 200: .*cap of 1 MB"):
        _capped_client(stream, {}, []).get("/x")
    assert stream.pulled == 17  # 16 chunks of 64 KiB fill the cap; the 17th passes it


def test_bodies_within_the_cap_and_multi_member_gzip_decode_as_before():
    import gzip

    doc = b'{"FiveMinSystemLoads":{"FiveMinSystemLoad":[' + b'{"LoadMw":1},' * 10_000 + b'{"LoadMw":2}]}}'
    wire = gzip.compress(doc[:1000], mtime=0) + gzip.compress(doc[1000:], mtime=0)
    response = _capped_client(_Chunked(wire, size=100), {"content-encoding": "gzip"}, []).get("/x")
    assert response.body == doc and response.gzipped == wire


def test_the_cap_comes_from_the_settings(monkeypatch):
    from isone_platform.lib.resources import isone_api_resource
    from isone_platform.lib.settings import Settings

    monkeypatch.setenv("ISONE_MAX_BODY_MB", "3")
    with isone_api_resource(Settings.from_env()).client() as client:
        assert client.max_body_bytes == 3 * 1024 * 1024
    monkeypatch.delenv("ISONE_MAX_BODY_MB")
    assert IsoneClient("http://sim.test/api/v1.1").max_body_bytes == DEFAULT_MAX_BODY_MB * 1024 * 1024
    monkeypatch.setenv("ISONE_MAX_BODY_MB", "lots")
    with pytest.raises(ValueError, match="ISONE_MAX_BODY_MB='lots'"):
        Settings.from_env()
