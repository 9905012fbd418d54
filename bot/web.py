"""The WSGI application: Slack's endpoints through Bolt, and a health check.

Bolt is not built for hostile input: it logs the whole body of a request whose signature fails
(anyone could fill the log, forge lines in it, or have a late request's text and token written
there), its request constructor parses the body before anything is verified and raises on bad
JSON (a 500 and a traceback from the WSGI server), and its middleware and our listeners index
payload fields directly. So the body is read here (bounded) and its signature checked first: an
unsigned request gets 401 and one log line saying why, nothing of its body. Then the body is parsed
the way Slack sends it and checked for the shape every listener relies on; a body that fails is
still handed to Bolt, but as an empty request carrying the raw bytes, so Bolt verifies the
signature over what arrived (again: its check stays on) and a middleware then answers 400 instead
of letting anything act on it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError

from bot.config import TrackerKind
from bot.db.session import database_answers, reading
from bot.jobs import heartbeat
from bot.runtime import Runtime
from bot.slack.membership import unusable_channels
from bot.slack.middleware import Direct
from bot.slack.payloads import Problem, parse_slack_body, payload_kind, payload_problem
from bot.trackers import webhooks
from bot.trackers.access import webhook_secret

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
StartResponse = Callable[..., Any]

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Each tracker's webhooks (see bot/trackers/webhooks.py for how each is signed).
TRACKER_PATHS = {f"/trackers/{kind.value}": kind for kind in TrackerKind}
# Slack's payloads are a few kilobytes (a full modal's state stays well under 100 KB).
MAX_BODY = 1024 * 1024
# A refused body up to this size is read and dropped, so a client still sending it gets our 413
# rather than a connection reset; anything larger is not worth the bandwidth.
MAX_DISCARD = 4 * MAX_BODY
# How old (or how far ahead) a signed request may be: Slack's window, and Bolt's.
SIGNATURE_WINDOW = 5 * 60
# Where the reason a request is refused travels, from the WSGI layer to the middleware.
_PROBLEM = "liaison_malformed_request"


# Every `type` Slack sends to a Request URL; anything else is not from Slack.
def create_wsgi_app(runtime: Runtime, bolt_app: App) -> WSGIApp:
    """`POST /slack/events` (and the OAuth pages when enabled) go to Bolt; `GET /healthz` answers
    200 when the database does and 503 when it does not. Oversized bodies get 413, malformed
    Slack requests 400 (once Bolt verified their signature), other paths 404 and other methods
    405. Registers one middleware on `bolt_app` (see `refuse_malformed`)."""
    bolt_app.use(Direct(refuse_malformed))
    secret = runtime.settings.slack_signing_secret
    if not secret:
        raise ValueError("serving Slack over HTTP needs SLACK_SIGNING_SECRET")
    verifier = SignatureVerifier(secret)
    oauth = SlackRequestHandler(bolt_app, path=EVENTS_PATH)
    oauth_paths = set()
    if bolt_app.oauth_flow is not None:
        oauth_paths = {bolt_app.oauth_flow.install_path, bolt_app.oauth_flow.redirect_uri_path}

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO") or "", environ.get("REQUEST_METHOD") or "GET"
        if path == EVENTS_PATH:
            if method != "POST":
                return _answer(start_response, 405, "Method Not Allowed", allow="POST")
            with runtime.answering.one():
                return _slack_events(bolt_app, verifier, environ, start_response)
        if path in TRACKER_PATHS:
            if method != "POST":
                return _answer(start_response, 405, "Method Not Allowed", allow="POST")
            with runtime.answering.one():
                return _tracker_webhook(runtime, TRACKER_PATHS[path], environ, start_response)
        if path == HEALTH_PATH:
            if method not in ("GET", "HEAD"):
                return _answer(start_response, 405, "Method Not Allowed", allow="GET, HEAD")
            return _health(runtime, method, start_response)
        if path in oauth_paths:
            if method != "GET":
                return _answer(start_response, 405, "Method Not Allowed", allow="GET")
            return oauth(environ, start_response)
        return _answer(start_response, 404, "Not Found")

    return application


def refuse_malformed(request: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
    """Runs after Bolt's own middleware (signature check, authorization): a request the WSGI layer
    found malformed reaches Bolt as an empty body, so only its signature is looked at; this
    stops it there with its status and reason."""
    problem = request.context.get(_PROBLEM)
    if isinstance(problem, Problem):
        return BoltResponse(status=problem.status, body=problem.reason)
    return next()


def _health(runtime: Runtime, method: str, start_response: StartResponse) -> Iterable[bytes]:
    healthy = database_answers(runtime.engine)
    state: dict[str, Any] = {"status": "ok" if healthy else "unavailable", "database": healthy}
    if healthy:
        state["channels"] = {"unusable": _unusable_channels(runtime)}
        state.update(_scheduler(runtime))
    body = json.dumps(state).encode()
    start_response(
        "200 OK" if healthy else "503 Service Unavailable",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [b""] if method == "HEAD" else [body]


def _unusable_channels(runtime: Runtime) -> list[str] | None:
    """Configured channels Liaison is not in (None if that could not be read just now)."""
    try:
        with reading(runtime.sessions) as session:
            return unusable_channels(session)
    except SQLAlchemyError:
        return None


def _scheduler(runtime: Runtime) -> dict[str, Any]:
    """Whether a scheduler beats in this deployment ("ok", "late" or "absent"; None if that could
    not be read just now), and when it last did. Never a reason to answer 503: the web answers
    Slack without it."""
    try:
        with reading(runtime.sessions) as session:
            last = heartbeat.last_beat(session)
    except SQLAlchemyError:
        return {"scheduler": None, "scheduler_beat_at": None}
    return {
        "scheduler": heartbeat.scheduler_state(last, runtime.clock()),
        "scheduler_beat_at": last.isoformat() if last else None,
    }


def _slack_events(
    bolt_app: App,
    verifier: SignatureVerifier,
    environ: dict[str, Any],
    start_response: StartResponse,
) -> Iterable[bytes]:
    raw, refusal = _read_body(environ)
    if refusal is not None:
        return _answer(start_response, refusal.status, refusal.reason)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Slack sends UTF-8 and no signature can be checked over anything else.
        return _answer(start_response, 400, "Bad Request: the body is not UTF-8")
    unsigned = _unsigned(verifier, text, environ)
    if unsigned is not None:
        # Bolt would log the whole body of this request; nothing of it is worth a log line.
        log.warning("refused a Slack request: %s (%d bytes)", unsigned, len(raw))
        return _answer(start_response, 401, "invalid request")
    body, problem = parse_slack_body(text, environ.get("CONTENT_TYPE") or "")
    if problem is None:
        problem = payload_problem(body)
    try:
        request = _bolt_request(environ, text, {} if problem else body)
    except Exception as error:  # Bolt reads payload fields to build it: the payload's failure
        log.info("Bolt cannot read the payload: %s", type(error).__name__)
        problem = Problem(400, "Bad Request: malformed payload")
        request = _bolt_request(environ, text, {})
    if problem is not None:
        request.context[_PROBLEM] = problem
    response = bolt_app.dispatch(request)
    if problem is not None and response.status != 401:
        # Signed but malformed. refuse_malformed normally answered already; this also covers an
        # authorization step (OAuth) answering first for the empty body.
        log.warning("refused a signed Slack request: %s", problem.reason)
        return _answer(start_response, problem.status, problem.reason)
    if response.status >= 500:
        log.error(
            "Bolt answered %s to a well-formed %s request (its error is logged above)",
            response.status,
            payload_kind(body),
        )
    return _bolt_answer(start_response, response)


def _tracker_webhook(
    runtime: Runtime, kind: TrackerKind, environ: dict[str, Any], start_response: StartResponse
) -> Iterable[bytes]:
    """A tracker's webhook: its signature checked over the raw body before anything reads it
    (401 and nothing stored otherwise), then stored as Slack events are, and answered 200 (503
    when the database cannot take it, so the tracker sends it again)."""
    raw, refusal = _read_body(environ)
    if refusal is not None:
        return _answer(start_response, refusal.status, refusal.reason)
    secret = webhook_secret(kind, runtime.settings)
    why = webhooks.unsigned(kind, secret, raw, environ)
    payload = webhooks.read_payload(raw) if why is None else None
    if why is None and payload is None:
        return _answer(start_response, 400, "Bad Request: the body is not a JSON object")
    if why is None and payload is not None:
        why = webhooks.stale(kind, payload, runtime.clock())
    if why is not None or payload is None:
        log.warning("refused a %s webhook: %s (%d bytes)", kind.value, why, len(raw))
        return _answer(start_response, 401, "invalid request")
    stored = {
        "event_id": webhooks.delivery_id(kind, raw, environ),
        "event": webhooks.event_name(kind, environ),
        "payload": payload,
    }
    try:
        runtime.store_event(stored, source=kind.value)
    except SQLAlchemyError:
        log.warning("database unavailable: asking %s to send its webhook again", kind.value)
        return _answer(start_response, 503, "database unavailable, please retry")
    return _answer(start_response, 200, "ok")


def _read_body(environ: Mapping[str, Any]) -> tuple[bytes, Problem | None]:
    """The body, never more than MAX_BODY bytes of it kept; a Problem when it is too big."""
    declared = environ.get("CONTENT_LENGTH") or ""
    stream = environ.get("wsgi.input")
    if declared.strip():
        try:
            length = int(declared)
        except ValueError:
            return b"", Problem(400, "Bad Request: invalid Content-Length")
        if length < 0:
            return b"", Problem(400, "Bad Request: invalid Content-Length")
        if length > MAX_BODY:
            if stream is not None and length <= MAX_DISCARD:
                _discard(stream, length)
            return b"", Problem(413, "Payload Too Large")
        raw = stream.read(length) if stream is not None and length else b""
        return raw, None
    if stream is None or not environ.get("wsgi.input_terminated"):
        # Without a length, reading could block until the client gives up (PEP 3333); Bolt's
        # adapter reads nothing in this case, and neither do we.
        return b"", None
    raw = stream.read(MAX_BODY + 1)  # chunked, and the server says reading to the end is safe
    if len(raw) > MAX_BODY:
        return b"", Problem(413, "Payload Too Large")
    return raw, None


def _discard(stream: Any, length: int) -> None:
    while length > 0:
        chunk = stream.read(min(length, 64 * 1024))
        if not chunk:
            return
        length -= len(chunk)


def _unsigned(verifier: SignatureVerifier, body: str, environ: Mapping[str, Any]) -> str | None:
    """Why the request is not signed with the signing secret in Slack's 5-minute window, or None
    when it is (the same check as Bolt's, made before anything reads the body)."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    if not timestamp:
        return "no timestamp"
    if not signature:
        return "no signature"
    try:
        sent_at = int(timestamp)  # Bolt's verifier would raise here, and answer 500
    except ValueError:
        return "invalid timestamp"
    if abs(verifier.clock.now() - sent_at) > SIGNATURE_WINDOW:
        return "timestamp outside the 5-minute window"
    if not verifier.is_valid(body, timestamp, signature):
        return "wrong signature"
    return None


def _bolt_request(environ: dict[str, Any], raw: str, body: dict[str, Any]) -> BoltRequest:
    """A Bolt request holding `body`, as parsed here, while its raw body (what Bolt's verifier
    checks the signature over) is exactly what arrived. Bolt takes a parsed body only in Socket
    Mode, and would otherwise parse the raw one again (for a submitted modal, as much CPU as
    reading its form): the request is built that way, then made an HTTP request, so Bolt's own
    signature check runs on it. Raises when Bolt cannot build one: its context extraction
    indexes fields of the payload too. (A lazy listener would get a copy that Bolt parses again
    from the raw body; Liaison has none.)"""
    http = WsgiHttpRequest(environ)
    request = BoltRequest(
        body=body, query=http.query_string, headers=http.get_headers(), mode="socket_mode"
    )
    request.mode = "http"
    request.raw_body = raw
    return request


def _bolt_answer(start_response: StartResponse, response: BoltResponse) -> Iterable[bytes]:
    body = response.body.encode("utf-8") if isinstance(response.body, str) else b""
    headers = [
        (name, value)
        for name, values in response.headers.items()
        if name.lower() != "content-length"
        for value in values
    ]
    headers.append(("Content-Length", str(len(body))))
    status = HTTPStatus(response.status)
    start_response(f"{status.value} {status.phrase}", headers)
    return [body]


def _answer(
    start_response: StartResponse, status: int, message: str, *, allow: str | None = None
) -> Iterable[bytes]:
    body = (message + "\n").encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    if allow:
        headers.append(("Allow", allow))
    phrase = HTTPStatus(status).phrase
    start_response(f"{status} {phrase}", headers)
    return [body]
