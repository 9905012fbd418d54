"""The HTTP side of the fake: a threaded server on 127.0.0.1 (port 0) that hands Web API calls to
FakeSlack, takes file uploads and records what is posted to response_urls, and the parsing of a
request's params as slack_sdk sends them (query, form or JSON)."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.slack.base import Params

if TYPE_CHECKING:
    from tests.fakes.slack.fake import FakeSlack

# Fields slack_sdk may send as JSON strings inside a form body; decoded so tests see objects.
JSON_STRING_FIELDS = ("blocks", "attachments", "view", "metadata", "files")


class Serving:
    """Starting and stopping the server, and where it listens."""

    def start(self) -> FakeSlack:
        server = _Server(self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()  # a kept connection would still be served
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def connections_accepted(self) -> int:
        """How many HTTP connections clients have opened to the fake so far."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return self._server.accepted

    def close_connections(self) -> None:
        """Close the connections clients keep open, as Slack does with idle ones."""
        if self._server is not None:
            self._server.close_connections()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def root_url(self) -> str:
        """Where response_urls point in tests: `http://127.0.0.1:{port}`."""
        return f"http://127.0.0.1:{self.port}"


def _parse_params(query: str, content_type: str, body: bytes) -> Params:
    params: Params = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json"):
        try:
            decoded = json.loads(body or b"{}")
        except ValueError:
            decoded = {}
        if isinstance(decoded, dict):
            params.update(decoded)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in JSON_STRING_FIELDS:
        if isinstance(params.get(key), str) and params[key]:
            # Bad JSON stays a string; the method then answers as Slack does to bad JSON.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self.accepted = 0  # connections accepted so far
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self.accepted += 1
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close every open connection, as a server does with those left idle too long."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test) closes the socket before we answer.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"
    # As Slack's edge: a connection stays open for the client's next call (every answer has a
    # Content-Length), so a client that keeps its connections is served as it would be.
    protocol_version = "HTTP/1.1"
    # An answer's head and body go out as two writes; without this the body of an answer on a
    # kept connection waits for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        assert isinstance(self.server, _Server)
        fake = self.server.fake
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith("/upload/"):
            status, text = fake._handle_upload(url.path.removeprefix("/upload/"), body)
            self._send(status, text, {"Content-Type": "text/plain; charset=utf-8"})
        elif url.path.startswith("/api/"):
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = fake._handle_api(url.path.removeprefix("/api/"), url.query, headers, body)
            if answer.raw is not None:
                content_type = "text/html; charset=utf-8"
                payload = answer.raw
            else:
                content_type = "application/json; charset=utf-8"
                payload = json.dumps(answer.body).encode()
            self._send(answer.status, payload, {"Content-Type": content_type, **answer.headers})
        elif url.path.split("/")[1:2] in (["commands"], ["actions"], ["app"]):
            # A response_url (hooks.slack.com in real life): record it like a Web API call.
            fake._record_response_url(url.path, body)
            self._send(200, b"ok", {"Content-Type": "text/plain"})
        else:
            self._send(404, b"Not Found", {"Content-Type": "text/plain"})

    do_GET = do_POST

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet
