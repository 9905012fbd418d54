"""Reading what Slack sends: the body as Slack encodes it, and a check that a payload has the
shape Bolt's matchers and our listeners rely on. Pure functions, no I/O."""

from __future__ import annotations

import json
import re
from binascii import a2b_qp
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

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


def parse_slack_body(text: str, content_type: str) -> tuple[dict[str, Any], Problem | None]:
    """The payload as Slack encodes it: JSON for the Events API, a form for slash commands, and
    `payload=<JSON>` for interactivity. (Bolt's own parser guesses from the text, and reads any
    form that contains the word "payload" anywhere, such as `/request fix the payload export`,
    as an empty body.)"""
    media = content_type.split(";", 1)[0].strip().lower()
    if not text:
        return {}, Problem(400, "Bad Request: empty body")
    if media == JSON:
        encoded = text
    elif media == FORM:
        form = read_form(text)
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


# A `%` that does not start an escape (two hex digits).
_NOT_AN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def read_form(text: str) -> dict[str, str]:
    """A form's fields, read as `dict(parse_qsl(text, keep_blank_values=True))` reads them.
    A submitted modal's payload holds a thousand escapes or more, which parse_qsl decodes one by
    one in Python (a tenth of what answering a submission costs); binascii's quoted-printable
    decoder, written in C, decodes `=XX` as parse_qsl decodes `%XX`, so each part with nothing
    else it would read differently (a raw `=` or line break, a `%` that is no escape, a
    character beyond ASCII) is decoded by it once its `%` are `=`; any other part by parse_qsl."""
    fields: dict[str, str] = {}
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        if _decodable(name) and _decodable(value):
            decoded = a2b_qp(value.replace("+", " ").replace("%", "="))
            fields[unquote_plus(name)] = decoded.decode("utf-8", "replace")
        else:
            fields.update(parse_qsl(pair, keep_blank_values=True))
    return fields


def _decodable(part: str) -> bool:
    return (
        part.isascii()
        and "=" not in part
        and "\n" not in part
        and "\r" not in part
        and _NOT_AN_ESCAPE.search(part) is None
    )


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


def payload_kind(body: Mapping[str, Any]) -> str:
    if "command" in body:
        return f"slash command {body.get('command')}"
    event = body.get("event")
    if isinstance(event, dict):
        return f"{body.get('type')} ({event.get('type')})"
    return str(body.get("type"))
