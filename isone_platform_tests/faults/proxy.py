"""A stand-in for ISO-NE on 127.0.0.1 that forwards to the simulator, except for the answers a test makes itself:
the values (NaN, ±Infinity) and sizes (a gzip bomb) no simulator fault produces."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

# (body, headers) to send instead of the simulator's answer, or None to pass that answer on
Answer = tuple[bytes, dict[str, str]] | None
Rewrite = Callable[[str, bytes], Answer]


class RewritingProxy:
    """`rewrite(path, simulator_body)` decides each answer; `base_url` is what ISONE_BASE_URL points at."""

    def __init__(self, upstream_root: str, rewrite: Rewrite):
        self.upstream_root = upstream_root
        self.rewrite = rewrite
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v1.1"

    def __enter__(self) -> RewritingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                upstream = httpx.get(
                    proxy.upstream_root + self.path,
                    headers={"Authorization": self.headers.get("Authorization", ""), "Accept": "application/json"},
                )
                answer = proxy.rewrite(self.path.split("/api/v1.1", 1)[-1], upstream.content)
                body, headers = answer or (upstream.content, {})
                self.send_response(upstream.status_code)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
