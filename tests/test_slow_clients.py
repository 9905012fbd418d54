"""Slow clients cannot take the bot offline: with hundreds of connections that send their request
slowly or never finish it, `liaison web` and `liaison run` keep answering Slack and health checks
within 3 s, and drop those connections once their head or body takes too long."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import SALES_REP, SIGNING_SECRET
from tests.fakes.signer import FORM, SlackClientSim
from tests.served import Served, serve

PER_SHAPE = 60
TIMEOUT = 6  # seconds for a head or a body, instead of the defaults (75 and 10)
HEAD = b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


def _never_finished_head(sock: socket.socket) -> None:
    sock.sendall(HEAD)


def _half_request_line(sock: socket.socket) -> None:
    sock.sendall(b"POST /slack/ev")


def _short_body(sock: socket.socket) -> None:
    sock.sendall(HEAD + b"Content-Length: 1000\r\n\r\n" + b'{"a":')


def _trickled_body_start(sock: socket.socket) -> None:
    sock.sendall(HEAD + b"Content-Length: 1000\r\n\r\n")


# Each shape: what is sent at once, and whether a byte follows every half second after that.
SHAPES: dict[str, tuple[Callable[[socket.socket], None], bool]] = {
    "half a request line": (_half_request_line, False),
    "head never finished": (_never_finished_head, False),
    "head trickled": (lambda sock: sock.sendall(b"P"), True),
    "Content-Length 1000, 5 bytes sent": (_short_body, False),
    "body trickled": (_trickled_body_start, True),
}


@pytest.mark.parametrize("command", ["web", "run"])
def test_slow_clients_do_not_stop_the_answers(tmp_path: Path, command: str) -> None:
    timeouts = {"HTTP_KEEP_ALIVE_SECONDS": str(TIMEOUT), "HTTP_BODY_TIMEOUT_SECONDS": str(TIMEOUT)}
    with serve(tmp_path, command, **timeouts) as served:
        opened = time.monotonic()
        slow = {
            shape: [_connect(served) for _ in range(PER_SHAPE)] for shape in SHAPES
        }  # fmt: skip
        try:
            for shape, sockets in slow.items():
                for sock in sockets:
                    SHAPES[shape][0](sock)
            trickling = _Trickler([s for shape, (_, t) in SHAPES.items() if t for s in slow[shape]])
            trickling.start()
            try:
                for _ in range(3):
                    _assert_answered_within_3_s(served)
                # They were all still open while the answers came: the server waited for them.
                assert time.monotonic() - opened < TIMEOUT
                assert not _closed_now([s for sockets in slow.values() for s in sockets])

                answers = _wait_until_closed(slow, deadline=time.monotonic() + 6 * TIMEOUT)
            finally:
                trickling.stop()
            for shape in ("Content-Length 1000, 5 bytes sent", "body trickled"):
                assert all(a.startswith(b"HTTP/1.1 408") for a in answers[shape]), shape
            _assert_answered_within_3_s(served)
        finally:
            for sockets in slow.values():
                for sock in sockets:
                    sock.close()
    assert "Traceback" not in served.stderr


def _connect(served: Served) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=5)
    sock.setblocking(False)
    return sock


def _assert_answered_within_3_s(served: Served) -> None:
    slack = SlackClientSim(served.url, SIGNING_SECRET)
    body = urlencode(
        {
            "token": "verification_token",
            "team_id": "T0001",
            "team_domain": "acme",
            "channel_id": "C0GENERAL",
            "user_id": SALES_REP,
            "command": "/request",
            "text": "help",
            "api_app_id": "A0001",
            "response_url": "https://hooks.slack.com/commands/T0001/1/x",
            "trigger_id": slack.new_trigger_id(),
        }
    ).encode()
    headers = slack.signed_headers(body, FORM)
    slack.close()
    # A new connection each time: the server must still accept, not only answer.
    answer = httpx.post(f"{served.url}/slack/events", content=body, headers=headers, timeout=3)
    assert answer.status_code == 200
    assert httpx.get(f"{served.url}/healthz", timeout=3).status_code == 200


def _closed_now(sockets: list[socket.socket]) -> list[socket.socket]:
    with selectors.DefaultSelector() as selector:
        for sock in sockets:
            selector.register(sock, selectors.EVENT_READ)
        return [key.fileobj for key, _ in selector.select(timeout=0)]  # type: ignore[misc]


def _wait_until_closed(
    slow: dict[str, list[socket.socket]], *, deadline: float
) -> dict[str, list[bytes]]:
    """Reads every slow connection until the server closes it; what each received, by shape."""
    received: dict[socket.socket, bytes] = {}
    shape_of = {sock: shape for shape, sockets in slow.items() for sock in sockets}
    with selectors.DefaultSelector() as selector:
        for sock in shape_of:
            selector.register(sock, selectors.EVENT_READ)
        while selector.get_map():
            assert time.monotonic() < deadline, f"{len(selector.get_map())} connections still open"
            for key, _ in selector.select(timeout=0.2):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except ConnectionError:
                    data = b""
                received[sock] = received.get(sock, b"") + data
                if not data:
                    selector.unregister(sock)
    answers: dict[str, list[bytes]] = {shape: [] for shape in slow}
    for sock, data in received.items():
        answers[shape_of[sock]].append(data)
    return answers


class _Trickler(threading.Thread):
    """Sends one more byte on each connection every half second while the server keeps it."""

    def __init__(self, sockets: list[socket.socket]) -> None:
        super().__init__(daemon=True)
        self._sockets = sockets
        self._stopped = threading.Event()

    def run(self) -> None:
        rounds = 0
        while not self._stopped.wait(0.5) and rounds < 200:
            rounds += 1
            for sock in self._sockets:
                # An error: closed by the server (or full), which is not waiting for more.
                with contextlib.suppress(OSError):
                    sock.send(b"x" if rounds % 2 else b"-")

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=5)


def test_oversized_bodies_get_413_from_the_served_app(tmp_path: Path) -> None:
    """Bodies too big are never kept, and their connections are closed once answered: declared
    too long (sent or not), or chunked past the cap."""
    declared = HEAD + f"Content-Length: {50 * 1024 * 1024}\r\n\r\n".encode()
    chunked = HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    with serve(tmp_path, "web", WEB_CONCURRENCY="1") as served:
        assert _answer_and_close(served, declared, b"") == 413
        assert _answer_and_close(served, declared, b"x" * 0x10000) == 413
        assert _answer_and_close(served, chunked, chunk) == 413
        big = b"x" * (2 * 1024 * 1024)
        assert httpx.post(f"{served.url}/slack/events", content=big).status_code == 413
        assert httpx.post(f"{served.url}/slack/events", content=b"{}").status_code == 401


def _answer_and_close(served: Served, head: bytes, piece: bytes) -> int:
    """Sends `head`, then `piece` over and over (up to 128 times) while the server reads; the
    status of the answer, once the server closed the connection (within 5 s)."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
        sock.sendall(head)
        sender = threading.Thread(target=_send_repeatedly, args=(sock, piece), daemon=True)
        sender.start()
        answer = b""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                data = sock.recv(4096)
            except ConnectionError:
                break
            if not data:
                break
            answer += data
        else:
            raise AssertionError("the connection was not closed")
        sender.join(timeout=5)
    return int(answer.split(b" ", 2)[1])


def _send_repeatedly(sock: socket.socket, piece: bytes) -> None:
    for _ in range(128 if piece else 0):
        try:
            sock.sendall(piece)
        except OSError:
            return
