"""The WSGI application: Slack's endpoints through Bolt, and a health check.

Bolt stays the one that checks signatures. What it is not built for is hostile input: its request
constructor parses the body before anything is verified and raises on bad JSON (a 500 and a
traceback from the WSGI server), and its middleware and our listeners index payload fields
directly. So the body is read here (bounded), parsed the way Slack sends it, and checked for the
shape every listener relies on; a body that fails is still handed to Bolt, but as an empty request
carrying the raw bytes, so Bolt verifies the signature over what arrived and a middleware then
answers 400 instead of letting anything act on it. Unsigned requests keep getting Bolt's 401.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.middleware import Middleware

from bot.db.session import database_answers
from bot.runtime import Runtime

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
StartResponse = Callable[..., Any]

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's payloads are a few kilobytes (a full modal's state stays well under 100 KB).
MAX_BODY = 1024 * 1024
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Where the reason a request is refused travels, from the WSGI layer to the middleware.
_PROBLEM = "liaison_malformed_request"

# Every `type` Slack sends to a Request URL; anything else is not from Slack.
_INTERACTIVE = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "dialog_cancellation",
        "dialog_submission",
        "dialog_suggestion",
        "interactive_message",
        "message_action",
        "shortcut",
        "view_closed",
        "view_submission",
    }
)
_ENVELOPES = frozenset({"app_rate_limited", "event_callback", "url_verification"})
# Top-level objects that Bolt or our listeners read with `.get`: a dict when present.
_OBJECTS = ("channel", "container", "event", "message", "state", "view")
# Fields read as text, by (object, key); a string when present.
_TEXT_FIELDS = (
    ("channel", "id"),
    ("container", "channel_id"),
    ("container", "message_ts"),
    ("message", "text"),
    ("message", "ts"),
    ("view", "private_metadata"),
)
# In the events we handle, the fields the listeners read as text.
_EVENT_TEXT = ("user", "channel", "ts", "thread_ts", "text", "reaction", "subtype", "bot_id")
_HANDLED_EVENTS = frozenset({"message", "reaction_added", "reaction_removed"})


@dataclass(frozen=True)
class Problem:
    """Why a request is refused, and with which status."""

    status: int
    reason: str


def create_wsgi_app(runtime: Runtime, bolt_app: App) -> WSGIApp:
    """`POST /slack/events` (and the OAuth pages when enabled) go to Bolt; `GET /healthz` answers
    200 when the database does and 503 when it does not. Oversized bodies get 413, malformed
    Slack requests 400 (once Bolt verified their signature), other paths 404 and other methods
    405. Registers one middleware on `bolt_app` (see `RefuseMalformed`)."""
    bolt_app.use(RefuseMalformed())
    oauth = SlackRequestHandler(bolt_app, path=EVENTS_PATH)
    oauth_paths = set()
    if bolt_app.oauth_flow is not None:
        oauth_paths = {bolt_app.oauth_flow.install_path, bolt_app.oauth_flow.redirect_uri_path}

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO") or "", environ.get("REQUEST_METHOD") or "GET"
        if path == EVENTS_PATH:
            if method != "POST":
                return _answer(start_response, 405, "Method Not Allowed", allow="POST")
            return _slack_events(bolt_app, environ, start_response)
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


class RefuseMalformed(Middleware):
    """Runs after Bolt's own middleware (signature check, authorization): a request the WSGI layer
    found malformed reaches Bolt as an empty body, so only its signature is looked at; this
    stops it there with its status and reason."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # Bolt passes it by this name
    ) -> BoltResponse:
        problem = req.context.get(_PROBLEM)
        if isinstance(problem, Problem):
            return BoltResponse(status=problem.status, body=problem.reason)
        return next()


def _health(runtime: Runtime, method: str, start_response: StartResponse) -> Iterable[bytes]:
    healthy = database_answers(runtime.engine)
    body = json.dumps({"status": "ok" if healthy else "unavailable", "database": healthy}).encode()
    start_response(
        "200 OK" if healthy else "503 Service Unavailable",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [b""] if method == "HEAD" else [body]


def _slack_events(
    bolt_app: App, environ: dict[str, Any], start_response: StartResponse
) -> Iterable[bytes]:
    raw, refusal = _read_body(environ)
    if refusal is not None:
        return _answer(start_response, refusal.status, refusal.reason)
    if not _timestamp_is_integer(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")):
        # Bolt's verifier would raise on int() and answer 500; no such request is valid anyway.
        return _answer(start_response, 401, "invalid request")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Slack sends UTF-8 and Bolt cannot even check a signature over anything else.
        return _answer(start_response, 400, "Bad Request: the body is not UTF-8")
    body, problem = parse_slack_body(text, environ.get("CONTENT_TYPE") or "")
    if problem is None:
        problem = payload_problem(body)
    request = _bolt_request(environ, text, {} if problem else body)
    if request is None:
        problem = Problem(400, "Bad Request: malformed payload")
        request = _bolt_request(environ, text, {})
        assert request is not None  # an empty body always builds
    if problem is not None:
        request.context[_PROBLEM] = problem
    response = bolt_app.dispatch(request)
    if problem is not None and response.status != 401:
        # Signed but malformed. RefuseMalformed normally answered already; this also covers an
        # authorization step (OAuth) answering first for the empty body.
        log.warning("refused a signed Slack request: %s", problem.reason)
        return _answer(start_response, problem.status, problem.reason)
    if response.status >= 500:
        log.error(
            "Bolt answered %s to a well-formed %s request (the listener's error is logged above)",
            response.status,
            _kind(body),
        )
    return _bolt_answer(start_response, response)


def _read_body(environ: Mapping[str, Any]) -> tuple[bytes, Problem | None]:
    """The body, never more than MAX_BODY bytes read; a Problem when it is too big."""
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


def _timestamp_is_integer(value: str | None) -> bool:
    if value is None:
        return True  # missing: Bolt verifies it as "0" and answers 401
    try:
        int(value)
    except ValueError:
        return False
    return True


def parse_slack_body(text: str, content_type: str) -> tuple[dict[str, Any], Problem | None]:
    """The payload as Slack encodes it: JSON for the Events API, a form for slash commands, and
    `payload=<JSON>` for interactivity. (Bolt's own parser guesses from the text, and reads any
    form that contains the word "payload" anywhere, such as `/request fix the payload export`,
    as an empty body.)"""
    media = content_type.split(";", 1)[0].strip().lower()
    if not text:
        return {}, Problem(400, "Bad Request: empty body")
    if media == JSON:
        encoded: str | None = text
    elif media == FORM:
        form = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" not in form:
            return form, None
        encoded = form["payload"]
    else:
        return {}, Problem(415, "Unsupported Media Type")
    try:
        data = json.loads(encoded)
    except (ValueError, RecursionError):
        return {}, Problem(400, "Bad Request: the payload is not JSON")
    if not isinstance(data, dict):
        return {}, Problem(400, "Bad Request: the payload is not a JSON object")
    return data, None


def payload_problem(body: Mapping[str, Any]) -> Problem | None:
    """What is wrong with a parsed payload's shape, for the fields Bolt's matchers and our
    listeners read without checking; None when they can all be read."""
    reason = _shape_problem(body)
    return Problem(400, f"Bad Request: {reason}") if reason else None


def _shape_problem(body: Mapping[str, Any]) -> str | None:
    if body.get("ssl_check") == "1":
        return None  # Slack's SSL check; Bolt answers it
    for name in _OBJECTS:
        if body.get(name) is not None and not isinstance(body[name], dict):
            return f"{name} is not an object"
    for name, key in _TEXT_FIELDS:
        value = (body.get(name) or {}).get(key)
        if value is not None and not isinstance(value, str):
            return f"{name}.{key} is not text"
    if "command" in body:
        return _command_problem(body)
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in _INTERACTIVE | _ENVELOPES:
        return "unknown payload type"
    if kind == "event_callback":
        return _event_problem(body.get("event"))
    if kind == "url_verification":
        return None if isinstance(body.get("challenge"), str) else "challenge is missing"
    if kind == "app_rate_limited":
        return None
    return _interaction_problem(kind, body)


def _command_problem(body: Mapping[str, Any]) -> str | None:
    # A form: every value is text, and the listener reads these three.
    if not all(isinstance(value, str) for value in body.values()):
        return "command fields are not text"
    for name in ("command", "user_id", "trigger_id"):
        if not body.get(name):
            return f"{name} is missing"
    return None


def _event_problem(event: object) -> str | None:
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "event.type is missing"
    if event["type"] not in _HANDLED_EVENTS:
        return None
    for key in _EVENT_TEXT:
        if event.get(key) is not None and not isinstance(event[key], str):
            return f"event.{key} is not text"
    item = event.get("item")
    if item is not None and not isinstance(item, dict):
        return "event.item is not an object"
    return None


def _interaction_problem(kind: str, body: Mapping[str, Any]) -> str | None:
    user = body.get("user")
    if not isinstance(user, dict) or not _text(user.get("id")):
        return "user.id is missing"
    if body.get("trigger_id") is not None and not isinstance(body["trigger_id"], str):
        return "trigger_id is not text"
    actions = body.get("actions")
    # Bolt reads the first action of these two kinds whenever it runs any listener.
    if kind in ("block_actions", "interactive_message") or actions is not None:
        problem = _actions_problem(actions, need_action_id=kind == "block_actions")
        if problem:
            return problem
    if kind in ("view_submission", "view_closed"):
        return _view_problem(body.get("view"))
    if kind == "block_actions":
        return None if _text(body.get("trigger_id")) else "trigger_id is missing"
    if kind == "block_suggestion":
        return None if _text(body.get("action_id")) else "action_id is missing"
    if kind in ("shortcut", "message_action") and not _text(body.get("trigger_id")):
        return "trigger_id is missing"
    return None if _text(body.get("callback_id")) else "callback_id is missing"


def _view_problem(view: object) -> str | None:
    if not isinstance(view, dict):
        return "view is missing"
    if not _text(view.get("callback_id")):
        return "view.callback_id is missing"
    if view.get("type") != "modal":
        # Only modals are submitted (Bolt would also look for a retired workflow step).
        return "view is not a modal"
    state = view.get("state")
    if state is None:
        return None
    if not isinstance(state, dict):
        return "view.state is not an object"
    values = state.get("values")
    if values is None:
        return None
    # Slack's shape: values[block_id][action_id] = the element's state.
    if not isinstance(values, dict) or not all(
        isinstance(block, dict) and all(isinstance(element, dict) for element in block.values())
        for block in values.values()
    ):
        return "view.state.values is malformed"
    return None


def _actions_problem(actions: object, *, need_action_id: bool) -> str | None:
    if not isinstance(actions, list) or not actions:
        return "actions is missing"
    for action in actions:
        if not isinstance(action, dict):
            return "an action is not an object"
        if need_action_id and not _text(action.get("action_id")):
            return "an action has no action_id"
        option = action.get("selected_option")
        if option is not None and not isinstance(option, dict):
            return "selected_option is not an object"
        for key in ("block_id", "selected_user"):
            if action.get(key) is not None and not isinstance(action[key], str):
                return f"{key} is not text"
    return None


def _text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _kind(body: Mapping[str, Any]) -> str:
    if "command" in body:
        return f"slash command {body.get('command')}"
    event = body.get("event")
    if isinstance(event, dict):
        return f"{body.get('type')} ({event.get('type')})"
    return str(body.get("type"))


def _bolt_request(environ: dict[str, Any], raw: str, body: dict[str, Any]) -> BoltRequest | None:
    """A Bolt request holding `body`, parsed by us, while its raw body (what Bolt's verifier
    signs) is exactly what arrived. None when Bolt cannot build one from `body` (its context
    extraction indexes fields of the payload too)."""
    http = WsgiHttpRequest(environ)
    try:
        request = BoltRequest(
            body=json.dumps(body) if body else "",
            query=http.query_string,
            headers=http.get_headers(),
        )
    except Exception as error:  # only the payload is parsed here: any failure is the payload's
        log.info("Bolt cannot read the payload: %r", error)
        return None
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
