"""The fake trackers' server: one loopback HTTP server for the three, the route table, the
credentials each vendor checks, fault injection and the record of calls (see the package's
docstring). The vendors' routes are in github.py, jira.py and linear.py."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

GITHUB_TOKEN = "ghp_test-token"
JIRA_EMAIL = "bot@acme.example"
JIRA_API_TOKEN = "jira-test-token"
LINEAR_API_KEY = "lin_api_test-key"

GITHUB_REPO = "acme/backend"
JIRA_PROJECT = "ENG"
LINEAR_TEAM = "9cfb482a-81e3-4154-b5b9-2c805e70a02d"
LINEAR_TEAM_KEY = "ENG"

JIRA_SITE = "https://acme.atlassian.net"
LINEAR_PATH = "/graphql"

Json = Any


@dataclass
class Incoming:
    """One request as the fake received it; handlers read it, the recorder keeps it."""

    vendor: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: Json
    raw_body: bytes
    match: dict[str, str] = field(default_factory=dict)  # the path pattern's named groups


@dataclass
class Answer:
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class TrackerCall:
    """One answered (or deliberately unanswered) call."""

    route: str
    request: Incoming
    status: int  # 0: no answer was sent (hang, lost answer)
    response: Json

    @property
    def body(self) -> Json:
        return self.request.body


@dataclass
class Fault:
    status: int  # 0: no error answer (hang or lost answer)
    message: str | None
    retry_after: int | None
    remaining: int
    hang: bool = False
    lose: bool = False


Handler = Callable[[Incoming], Answer]


@dataclass
class Route:
    name: str
    vendor: str
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class HttpError(Exception):
    """Raised by a handler to answer with an error in its vendor's shape."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


class TrackerServer:
    """The server and what every vendor shares; the vendors' classes add their routes."""

    def __init__(self) -> None:
        self.github_token = GITHUB_TOKEN
        self.jira_email = JIRA_EMAIL
        self.jira_api_token = JIRA_API_TOKEN
        self.linear_api_key = LINEAR_API_KEY
        # The tracker's clock for the times it stamps and compares (updated, since): a test sets
        # it to the app's clock; None is the real time.
        self.now: datetime | None = None
        self._ids = itertools.count(1)
        self._calls: list[TrackerCall] = []
        self._faults: dict[str, list[Fault]] = {}
        self._cond = threading.Condition(threading.RLock())
        self._release = threading.Event()  # set at stop: hung answers end
        self._routes: list[Route] = []
        self._graphql: dict[str, Handler] = {}
        self._server: _Server | None = None

    # -- serving -----------------------------------------------------------------------------

    def start(self) -> TrackerServer:
        self._release.clear()
        self._server = _Server(self)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TrackerServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTrackers is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def github_url(self) -> str:
        """GITHUB_API_URL (GitHub Enterprise Server serves the API under /api/v3)."""
        return self.root_url + "/github"

    @property
    def jira_url(self) -> str:
        """JIRA_BASE_URL: the site's root; the API is under /rest/api/3."""
        return self.root_url + "/jira"

    @property
    def linear_url(self) -> str:
        """LINEAR_API_URL: the one GraphQL endpoint."""
        return self.root_url + "/linear" + LINEAR_PATH

    def environment(self) -> dict[str, str]:
        """Settings (lower-case names, as `Settings(**...)` takes them) that point the app here."""
        return {
            "github_token": self.github_token,
            "github_api_url": self.github_url,
            "jira_base_url": self.jira_url,
            "jira_email": self.jira_email,
            "jira_api_token": self.jira_api_token,
            "linear_api_key": self.linear_api_key,
            "linear_api_url": self.linear_url,
        }

    # -- routes ------------------------------------------------------------------------------

    def route(self, name: str, vendor: str, method: str, pattern: str, handler: Handler) -> None:
        """Answer `method` requests to `pattern` (a regex over the path below the vendor's
        prefix, named groups passed as `Incoming.match`) with `handler`."""
        self._routes.append(Route(name, vendor, method, re.compile(pattern + r"\Z"), handler))

    def graphql(self, field_name: str, handler: Handler) -> None:
        """Answer Linear queries and mutations whose first top-level field is `field_name`
        (route name `linear.<field_name>`)."""
        self._graphql[field_name] = handler

    # -- what tests read ---------------------------------------------------------------------

    @property
    def calls(self) -> list[TrackerCall]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, route: str) -> list[TrackerCall]:
        return [c for c in self.calls if c.route == route]

    def wait_for(self, route: str, count: int = 1, timeout: float = 5.0) -> list[TrackerCall]:
        """Block until `count` calls to `route` were recorded; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(found := self.calls_to(route)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} call(s) to {route}, got {len(found)}; "
                        f"routes seen: {[c.route for c in self._calls]}"
                    )
                self._cond.wait(remaining)
        return found

    def assert_no_call(self, route: str) -> None:
        found = self.calls_to(route)
        assert not found, f"expected no call to {route}, got {[c.body for c in found]}"

    # -- faults --------------------------------------------------------------------------------

    def fail(
        self,
        route: str,
        status: int,
        *,
        message: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls to `route` with `status` in the vendor's error shape
        (nothing is done). 429 sends Retry-After (default 1)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._add_fault(route, Fault(status, message, retry_after, times))

    def hang(self, route: str, *, times: int = 1) -> None:
        """Never answer the next `times` calls to `route` (until the fake stops): the client
        times out. Nothing is done."""
        self._add_fault(route, Fault(0, None, None, times, hang=True))

    def lose_answer(self, route: str, *, times: int = 1) -> None:
        """Carry out the next `times` calls to `route` (the issue is created) and drop the
        connection before answering: the client cannot know it worked."""
        self._add_fault(route, Fault(0, None, None, times, lose=True))

    def _add_fault(self, route: str, fault: Fault) -> None:
        with self._cond:
            self._faults.setdefault(route, []).append(fault)

    def _take_fault(self, route: str) -> Fault | None:
        with self._cond:
            queue = self._faults.get(route)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.pop(0)
            return fault

    # -- dispatch (server threads) ---------------------------------------------------------------

    def _dispatch(self, incoming: Incoming) -> tuple[str, Answer | None]:
        """The route's name and its answer; None: send nothing and drop the connection."""
        route, handler = self._find(incoming)
        if route is None or handler is None:
            answer = _error(incoming.vendor, 404, "Not Found")
            self._record(route or "unrouted", incoming, answer)
            return route or "unrouted", answer
        auth = self._authenticate(incoming)
        fault = self._take_fault(route) if auth is None else None
        if auth is not None:
            answer: Answer | None = auth
        elif fault is not None and fault.hang:
            self._record(route, incoming, None)
            self._release.wait(30)
            return route, None
        elif fault is not None and fault.status:
            answer = _fault_answer(incoming.vendor, fault)
        else:
            answer = self._handle(handler, incoming)
        if fault is not None and fault.lose:
            self._record(route, incoming, None)
            return route, None
        self._record(route, incoming, answer)
        return route, answer

    def _find(self, incoming: Incoming) -> tuple[str | None, Handler | None]:
        if incoming.vendor == "linear" and incoming.path == LINEAR_PATH:
            field_name = _top_field(incoming.body)
            return f"linear.{field_name}", self._graphql.get(field_name or "")
        for route in self._routes:
            if route.vendor != incoming.vendor or route.method != incoming.method:
                continue
            found = route.pattern.match(incoming.path)
            if found:
                incoming.match = {k: v for k, v in found.groupdict().items() if v is not None}
                return route.name, route.handler
        return None, None

    def _handle(self, handler: Handler, incoming: Incoming) -> Answer:
        try:
            with self._cond:
                return handler(incoming)
        except HttpError as error:
            return _error(incoming.vendor, error.status, error.message, **error.extra)

    def _record(self, route: str, incoming: Incoming, answer: Answer | None) -> None:
        call = TrackerCall(route, incoming, answer.status if answer else 0, answer and answer.body)
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _authenticate(self, incoming: Incoming) -> Answer | None:
        given = incoming.headers.get("authorization", "")
        if incoming.vendor == "github":
            ok = given in (f"Bearer {self.github_token}", f"token {self.github_token}")
            return None if ok else _error("github", 401, "Bad credentials")
        if incoming.vendor == "jira":
            basic = f"{self.jira_email}:{self.jira_api_token}".encode()
            if given == "Basic " + base64.b64encode(basic).decode():
                return None
            # Jira Cloud answers a bad API token with 401 and a plain sentence.
            return Answer(
                401,
                "Client must be authenticated to access this resource.",
                {"Content-Type": "text/plain"},
            )
        if given == self.linear_api_key:
            return None
        return _graphql_error(
            "Authentication required, not authenticated",
            "AUTHENTICATION_ERROR",
            "authentication error",
        )

    def _next_id(self) -> int:
        return next(self._ids)

    def clock(self) -> datetime:
        return self.now or datetime.now(UTC)

    def stamp(self) -> str:
        """Now, as GitHub and Linear write times."""
        return self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")


# -- shapes ------------------------------------------------------------------------------------


def when(value: Any) -> datetime | None:
    """A time as a tracker writes it (GitHub's and Linear's "...Z", Jira's "...000+0000")."""
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _variables(incoming: Incoming) -> dict[str, Any]:
    body = incoming.body if isinstance(incoming.body, dict) else {}
    variables = body.get("variables")
    return variables if isinstance(variables, dict) else {}


def _top_field(body: Json) -> str | None:
    """The first field a GraphQL document selects: `issueCreate` in
    `mutation Create($input: IssueCreateInput!) { issueCreate(input: $input) { ... } }`."""
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str) or "{" not in query:
        return None
    found = re.match(r"\s*([A-Za-z_]\w*)", query[query.index("{") + 1 :])
    return found.group(1) if found else None


def _error(vendor: str, status: int, message: str, **extra: Any) -> Answer:
    """An error answer as each vendor words it."""
    if vendor == "github":
        body: Json = {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": str(status),
            **extra,
        }
        return Answer(status, body)
    if vendor == "jira":
        messages = [message] if message else []
        return Answer(status, {"errorMessages": messages, "errors": extra.get("errors", {})})
    code = {401: "AUTHENTICATION_ERROR", 403: "FORBIDDEN", 429: "RATELIMITED"}.get(status)
    return _graphql_error(message, code or "INTERNAL_ERROR", "graphql error", status=status)


def _graphql_error(message: str, code: str, kind: str, *, status: int = 200) -> Answer:
    # Linear answers GraphQL errors in `errors`; an authentication failure comes with HTTP 400.
    if code == "AUTHENTICATION_ERROR" and status == 200:
        status = 400
    error = {
        "message": message,
        "extensions": {"type": kind, "code": code, "userPresentableMessage": message},
    }
    return Answer(status, {"data": None, "errors": [error]})


_FAULT_MESSAGES = {
    401: "Bad credentials",
    403: "Resource not accessible by integration",
    404: "Not Found",
    422: "Validation Failed",
    429: "API rate limit exceeded",
}


def _fault_answer(vendor: str, fault: Fault) -> Answer:
    message = fault.message or _FAULT_MESSAGES.get(fault.status, "Internal Server Error")
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    if fault.status >= 500:
        # What a load balancer in front of any of them says: not JSON.
        page = f"<html><body><h1>{fault.status} {message}</h1></body></html>"
        return Answer(fault.status, page, {"Content-Type": "text/html", **headers})
    extra: dict[str, Any] = {}
    if fault.status == 422 and vendor == "github":
        extra["errors"] = [{"resource": "Issue", "code": "invalid", "field": "assignees"}]
        extra["documentation_url"] = "https://docs.github.com/rest/issues/issues#create-an-issue"
    answer = _error(vendor, fault.status, message, **extra)
    answer.headers.update(headers)
    if vendor == "linear":
        answer.status = fault.status
    return answer


# -- HTTP --------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: TrackerServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test) closes the socket before we answer.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


_VENDORS = ("github", "jira", "linear")


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeTrackers/1.0"
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        assert isinstance(self.server, _Server)
        url = urlsplit(self.path)
        vendor, _, rest = url.path.lstrip("/").partition("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        incoming = Incoming(
            vendor,
            self.command,
            "/" + rest,
            dict(parse_qsl(url.query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
            raw,
        )
        if vendor not in _VENDORS:
            self._send(Answer(404, {"message": "Not Found"}))
            return
        _, answer = self.server.fake._dispatch(incoming)
        if answer is None:
            # Drop the connection without a word: the client sees it closed mid-request.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(answer)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _send(self, answer: Answer) -> None:
        headers = dict(answer.headers)
        if isinstance(answer.body, str):
            payload = answer.body.encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            payload = json.dumps(answer.body).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        self.send_response(answer.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet
