"""A small HTTP server for processes that serve no HTTP of their own (``cobro worker``):
``GET /livez`` (200 while ``alive()`` says so, else 503) and ``GET /metrics`` (with
``Authorization: Bearer <scrape token>``; 403 without it, and always when no token is set).
It runs on a daemon thread of the process it watches."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from shared.observability.metrics import CONTENT_TYPE, exposition, scrape_allowed


class ProbeServer:
    def __init__(
        self, host: str, port: int, *, alive: Callable[[], bool], scrape_token: str
    ) -> None:
        self._alive = alive
        self._token = scrape_token
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="cobro-probes", daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> ProbeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        probes = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/livez":
                    alive = probes._alive()
                    body = {"status": "ok"} if alive else {"code": "not_alive"}
                    self._answer(200 if alive else 503, json.dumps(body).encode())
                elif path == "/metrics":
                    if scrape_allowed(self.headers.get("Authorization"), probes._token):
                        self._answer(200, exposition(), CONTENT_TYPE)
                    else:
                        self._answer(403, b'{"code": "forbidden"}')
                else:
                    self._answer(404, b'{"code": "route_not_found"}')

            def _answer(
                self, status: int, body: bytes, content_type: str = "application/json"
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Probes are polled every few seconds: not worth a log line each."""

        return Handler
