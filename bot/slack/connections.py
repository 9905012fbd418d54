"""A Web API client that keeps its HTTP connections to Slack open between calls.

slack_sdk's `WebClient` sends each call through urllib, which opens a connection, asks the server
to close it after the answer, and closes it: a TCP (and, to slack.com, a TLS) handshake for every
call. `KeepAliveWebClient` is a `WebClient` in everything (the same methods, arguments, retry
handlers and errors) except that each thread keeps one HTTP/1.1 connection per host and sends its
next call on it. Each thread its own, because a connection carries one exchange at a time.

A connection the server closed while it sat idle (Slack closes idle ones) is noticed before it is
used, by looking whether its socket has something to read, and a new one is opened instead; a
call is never sent twice by this client. Failures read as urllib's do: an error while sending is
a `URLError` (which the connection retry handler of the listeners' client retries), an answer
that is not 2xx an `HTTPError` (Slack's Web API does not redirect, so a redirect is not followed
either). Through a proxy, calls go through urllib as before.
"""

from __future__ import annotations

import http.client
import io
import math
import select
import threading
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

from bot.slack.cache import ExpiringCache

Connection = http.client.HTTPConnection


class KeepAliveWebClient(WebClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        connection = self._connection(parts.scheme, parts.netloc)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(req.header_items())
        try:
            connection.request("POST", target, body=req.data, headers=headers)
        except OSError as error:
            self._drop(parts.scheme, parts.netloc)
            raise URLError(error) from error
        try:
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            self._drop(parts.scheme, parts.netloc)
            raise
        if response.will_close:
            self._drop(parts.scheme, parts.netloc)
        if not 200 <= response.status < 300:
            raise HTTPError(
                url, response.status, response.reason, response.headers, io.BytesIO(body)
            )
        if response.headers.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": response.headers, "body": body}
        charset = response.headers.get_content_charset() or "utf-8"
        return {
            "status": response.status,
            "headers": response.headers,
            "body": body.decode(charset),
        }

    def _connections(self) -> dict[tuple[str, str], Connection]:
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        return connections

    def _connection(self, scheme: str, netloc: str) -> Connection:
        connections = self._connections()
        connection = connections.get((scheme, netloc))
        if connection is not None and _closed_by_server(connection):
            self._drop(scheme, netloc)
            connection = None
        if connection is None:
            if scheme == "https":
                connection = http.client.HTTPSConnection(
                    netloc, timeout=self.timeout, context=self.ssl
                )
            else:
                connection = http.client.HTTPConnection(netloc, timeout=self.timeout)
            connections[(scheme, netloc)] = connection
        return connection

    def _drop(self, scheme: str, netloc: str) -> None:
        connection = self._connections().pop((scheme, netloc), None)
        if connection is not None:
            connection.close()


def _closed_by_server(connection: Connection) -> bool:
    """True when an idle connection's socket has something to read: between answers, the server
    says something only to close it (or the socket is gone)."""
    sock = connection.sock
    if sock is None:
        return False  # not connected yet: `request` connects
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class KeptClients:
    """Bolt hands each listener a new plain `WebClient` (one per request, so that nothing a
    listener does to it is shared with another), and each of its calls opens a connection of its
    own. Listeners get a `KeepAliveWebClient` instead, one per token and team, made like the one
    Bolt made (base URL, timeout, retry handlers); the most recently used `size` are kept.
    Liaison's listeners never change the client they are handed."""

    def __init__(self, *, size: int = 256) -> None:
        self._clients: ExpiringCache[tuple[str, str | None], WebClient] = ExpiringCache(
            ttl=math.inf, max_entries=size
        )

    def like(self, client: WebClient) -> WebClient:
        if client.token is None:
            return client
        team_id = client.default_params.get("team_id")  # where WebClient keeps it
        key = (client.token, team_id)
        known, kept = self._clients.fresh(key)
        if known and kept is not None:
            return kept
        kept = KeepAliveWebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            headers=client.headers,
            team_id=team_id,
            logger=client.logger,
            retry_handlers=client.retry_handlers,
        )
        self._clients.put(key, kept)
        return kept
