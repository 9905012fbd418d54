"""The WSGI app behind an event loop: a request reaches a thread only once all of it has arrived.

A threaded server gives each connection a thread while it reads the request, so a few dozen
clients that send half a request and go quiet take every thread and the bot offline. Here the
server's event loop reads heads and bodies (hypercorn: a head must arrive within the keep-alive
time), `BufferedWsgi` waits for the body on the loop too, against a deadline and never keeping
more than the app would read, and only then runs the WSGI app on a small pool of threads.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


class _Disconnected(Exception):
    """The client went away before its request was complete."""


class BufferedWsgi:
    """An ASGI app running `app` on `threads` threads, each request once its body is complete.

    A body declared longer than `max_body` is not kept: up to `discard_up_to` bytes of it are read
    and dropped (so a client still sending it reads the answer rather than a reset), and the app
    gets the declared length with an empty body, which it refuses (bot/web.py answers 413). A body
    without a declared length is kept up to `max_body` + 1 bytes, enough for the app to see it is
    too long. A body that takes longer than `body_timeout` seconds gets 408 and the connection is
    closed, without the app ever seeing it. When the server shuts down (once it stopped taking
    connections and the requests under way finished), `on_shutdown` runs on a thread.
    """

    def __init__(
        self,
        app: WSGIApp,
        *,
        max_body: int,
        discard_up_to: int,
        body_timeout: float,
        threads: int,
        on_shutdown: Callable[[], object] | None = None,
    ) -> None:
        self._app = app
        self._max_body = max_body
        self._discard_up_to = discard_up_to
        self._body_timeout = body_timeout
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="request")
        self._draining: set[asyncio.Task[None]] = set()
        self._on_shutdown = on_shutdown

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close"})  # refused before the handshake: 403

    async def _http(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        declared = _declared_length(scope)
        body, complete = b"", False
        try:
            async with asyncio.timeout(self._body_timeout):
                if declared is None or declared <= self._max_body:
                    body, complete = await _read(receive, keep=self._max_body + 1)
                elif declared <= self._discard_up_to:
                    _, complete = await _read(receive, keep=0)
        except TimeoutError:
            self._drain(receive)
            await _respond(send, 408, b"Request Timeout\n")
            return
        except _Disconnected:
            return
        if not complete:
            self._drain(receive)
        environ = _environ(scope, body)
        loop = asyncio.get_running_loop()
        status, headers, content = await loop.run_in_executor(
            self._threads, _call, self._app, environ
        )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._threads.shutdown(wait=False)
                if self._on_shutdown is not None:
                    try:
                        await asyncio.get_running_loop().run_in_executor(None, self._on_shutdown)
                    except Exception:
                        log.exception("stopping failed")
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _drain(self, receive: Receive) -> None:
        """Takes what is left of a body nobody will read, until the connection closes: the server
        hands a body over through a short queue, and once nobody reads it, would wait for room in
        it forever, holding the connection open."""

        async def drain() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        task = asyncio.get_running_loop().create_task(drain())
        self._draining.add(task)
        task.add_done_callback(self._draining.discard)


def _declared_length(scope: dict[str, Any]) -> int | None:
    """The Content-Length, when there is one (the HTTP parser has refused invalid ones)."""
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read(receive: Receive, *, keep: int) -> tuple[bytes, bool]:
    """The body, of which only the first `keep` bytes are kept (reading stops there), and whether
    all of it was read."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        if keep:
            body += message.get("body", b"")
            if len(body) >= keep:
                return bytes(body[:keep]), not message.get("more_body")
        if not message.get("more_body"):
            return bytes(body), True


async def _respond(send: Send, status: int, text: bytes) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(text)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})


def _environ(scope: dict[str, Any], body: bytes) -> dict[str, Any]:
    """PEP 3333's environ for `scope`, its body complete in memory."""
    server = scope.get("server") or ("localhost", 80)
    root = scope.get("root_path", "")
    path = scope["path"]
    if root and path.startswith(root):
        path = path[len(root) :]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        # The whole body is here: reading to its end never waits for the client.
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"] = scope["client"][0]
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = "HTTP_" + name
        value = raw_value.decode("latin-1")
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ


def _call(app: WSGIApp, environ: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Runs the WSGI app (in a pool thread); its status, headers and whole body."""
    started: list[tuple[str, list[tuple[str, str]]]] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [(status, headers)]
        return written.append

    try:
        result = app(environ, start_response)
        try:
            chunks = [*written, *result]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started[0]
    except Exception:
        log.exception("the WSGI app failed")
        return 500, [(b"content-type", b"text/plain; charset=utf-8")], b"Internal Server Error\n"
    encoded = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    return int(status.split(" ", 1)[0]), encoded, b"".join(chunks)
