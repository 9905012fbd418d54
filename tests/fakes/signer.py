"""The Slack side of the app under test: signed requests shaped like Slack's.

Slash commands go form-encoded, interactivity as ``payload=<urlencoded JSON>``, events as
raw JSON; every body is signed the way Slack signs it (``v0=`` + HMAC-SHA256).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

from tests.fakes.slack.base import copied

if TYPE_CHECKING:
    from tests.fakes.slack_api import FakeSlack

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"

Payload = dict[str, Any]


INITIAL_KEYS = (
    "initial_value",
    "initial_date",
    "initial_time",
    "initial_user",
    "initial_users",
    "initial_conversation",
    "initial_channel",
)


def slack_signature(secret: str, timestamp: str, body: bytes | str) -> str:
    """The ``X-Slack-Signature`` Slack sends for ``body`` at ``timestamp``."""
    raw = body.encode() if isinstance(body, str) else body
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackClientSim:
    """Sends commands, interactions and events to the app like Slack does."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        *,
        team_id: str = "T0001",
        team_domain: str = "acme",
        api_app_id: str = "A0001",
        bot_user_id: str = "UBOT",
        verification_token: str = "verification_token",
        response_url_base: str = "https://hooks.slack.com",
        now: Callable[[], float] = time.time,
        workspace: FakeSlack | None = None,
    ) -> None:
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.verification_token = verification_token
        self.response_url_base = response_url_base.rstrip("/")
        self.now = now
        # The fake Web API this Slack belongs to: it says which channels the bot hears, learns
        # when each trigger id was issued, and keeps people's reactions on its messages. Without
        # one, every event is delivered.
        self.workspace = workspace
        self.withheld: list[Payload] = []  # events Slack did not send: the bot is not there
        self._serial = itertools.count(1)
        self._http = httpx.Client(base_url=app_url, timeout=10.0)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SlackClientSim:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- low level -------------------------------------------------------------------------

    def post(
        self,
        body: bytes | str,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        path: str = "/slack/events",
    ) -> httpx.Response:
        """POST ``body``, signed unless ``signature`` is given (for bad-signature tests)."""
        raw = body.encode() if isinstance(body, str) else body
        sent_headers = self.signed_headers(
            raw, content_type, timestamp=timestamp, signature=signature, headers=headers
        )
        return self._http.post(path, content=raw, headers=sent_headers)

    def signed_headers(
        self,
        raw: bytes,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, str]:
        """The headers Slack sends with ``raw``: content type, timestamp and signature."""
        timestamp = timestamp if timestamp is not None else str(int(self.now()))
        if signature is None:
            signature = slack_signature(self.signing_secret, timestamp, raw)
        return {
            "Content-Type": content_type,
            "User-Agent": SLACK_USER_AGENT,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
            **(headers or {}),
        }

    def interaction(self, payload: Payload) -> httpx.Response:
        """Send an interactivity payload as Slack does: ``payload=<urlencoded JSON>``."""
        return self.post(urlencode({"payload": json.dumps(payload)}), FORM)

    # -- slash commands and shortcuts ------------------------------------------------------

    def command(
        self,
        user_id: str,
        text: str = "",
        *,
        command: str = "/request",
        channel_id: str = "C0GENERAL",
        trigger_id: str | None = None,
    ) -> httpx.Response:
        """Invoke a slash command (form-encoded, the key set of a non-Enterprise workspace)."""
        form = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": _channel_name(channel_id),
            "user_id": user_id,
            "user_name": _user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url("commands"),
            "trigger_id": trigger_id or self.new_trigger_id(),
        }
        return self.post(urlencode(form), FORM)

    def message_shortcut(
        self,
        user_id: str,
        message: Payload,
        *,
        channel_id: str = "C0GENERAL",
        callback_id: str = "create_request",
        trigger_id: str | None = None,
    ) -> httpx.Response:
        """Run a message shortcut on ``message`` (needs at least text and user; ts is filled)."""
        message = {"type": "message", **copy.deepcopy(message)}
        message.setdefault("ts", self._ts())
        payload = {
            **self._interaction_base("message_action", user_id, trigger_id),
            "action_ts": self._ts(),
            "callback_id": callback_id,
            "channel": {"id": channel_id, "name": _channel_name(channel_id)},
            "message_ts": message["ts"],
            "message": message,
            "response_url": self._response_url("app"),
        }
        return self.interaction(payload)

    # -- block actions and views ------------------------------------------------------------

    def block_action(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        selected_option_value: str | None = None,
        selected_user: str | None = None,
        block_id: str = "actions",
        channel_id: str | None = None,
        message_ts: str | None = None,
        message: Payload | None = None,
        view: Payload | None = None,
        trigger_id: str | None = None,
    ) -> httpx.Response:
        """Click or pick an element, in a message (default) or in ``view``.

        When the element can be found in the message's or view's blocks, its type, block_id,
        text and options are taken from there; otherwise the type follows the arguments
        (selected_user -> users_select, selected_option_value -> static_select, else button).
        """
        blocks = (view or message or {}).get("blocks") or []
        found_block_id, element = _find_element(blocks, action_id, block_id, value)
        action = _action(
            element or _guess_element(action_id, selected_option_value, selected_user),
            value=value,
            selected_option_value=selected_option_value,
            selected_user=selected_user,
        )
        action.update(block_id=found_block_id or block_id, action_ts=self._ts())
        payload = self._interaction_base("block_actions", user_id, trigger_id)
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = copied(view)
        else:
            ts = message_ts or (message or {}).get("ts") or self._ts()
            channel = channel_id or "C0GENERAL"
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel, "name": _channel_name(channel)}
            payload["message"] = {"type": "message", "ts": ts, **copy.deepcopy(message or {})}
            payload["state"] = {"values": {}}
            payload["response_url"] = self._response_url("actions")
        payload["actions"] = [action]
        return self.interaction(payload)

    def view_submission(
        self, view: Payload, user_id: str, values: dict[str, object]
    ) -> httpx.Response:
        """Submit ``view`` (as FakeSlack's views.open answered it) with ``values`` by block_id."""
        submitted = copied(view)
        submitted["state"] = {"values": build_state_values(view.get("blocks") or [], values)}
        payload = {
            **self._interaction_base("view_submission", user_id, None),
            "view": submitted,
            "response_urls": [],
        }
        return self.interaction(payload)

    # -- events ----------------------------------------------------------------------------

    def event(
        self,
        event: Payload,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx.Response | None:
        """Deliver ``event`` in an event_callback envelope; a retry adds Slack's headers.

        Like Slack, sends nothing (None; the event is kept in ``withheld``) for an event in a
        channel the bot is not a member of."""
        channel = event.get("channel") or (event.get("item") or {}).get("channel")
        if (
            self.workspace is not None
            and channel
            and not self.workspace.bot_hears(channel, self.team_id)
        ):
            self.withheld.append(copy.deepcopy(event))
            return None
        now = self.now()
        inner = {**copy.deepcopy(event)}
        inner.setdefault("event_ts", f"{now:.6f}")
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(json.dumps(envelope), JSON, headers=headers)

    def reaction(
        self,
        user_id: str,
        reaction: str,
        channel: str,
        ts: str,
        *,
        removed: bool = False,
        item_user: str = "UBOT",
        **kw: Any,
    ) -> httpx.Response | None:
        """A person reacts (or takes the reaction off): Slack keeps it on the message and sends a
        reaction_added (or _removed) event; ``kw`` goes to :meth:`event` (event_id...)."""
        self._react_in_slack(user_id, reaction, channel, ts, removed=removed)
        event = {
            "type": "reaction_removed" if removed else "reaction_added",
            "user": user_id,
            "reaction": reaction,
            "item_user": item_user,
            "item": {"type": "message", "channel": channel, "ts": ts},
        }
        return self.event(event, **kw)

    def reaction_dropped(
        self, user_id: str, reaction: str, channel: str, ts: str, *, removed: bool = False
    ) -> None:
        """A reaction Slack keeps on the message but whose event never reaches the app (an
        outage longer than Slack's retries)."""
        self._react_in_slack(user_id, reaction, channel, ts, removed=removed)

    def _react_in_slack(
        self, user_id: str, reaction: str, channel: str, ts: str, *, removed: bool
    ) -> None:
        if self.workspace is None:
            return
        if removed:
            self.workspace.remove_reaction(channel, ts, user_id, reaction)
        else:
            self.workspace.add_reaction(channel, ts, user_id, reaction)

    def app_home_opened(
        self, user_id: str, *, tab: str = "home", **kw: Any
    ) -> httpx.Response | None:
        """An app_home_opened event for ``user_id``; ``kw`` goes to :meth:`event`."""
        event = {"type": "app_home_opened", "user": user_id, "channel": "D" + user_id, "tab": tab}
        return self.event(event, **kw)

    # -- helpers ---------------------------------------------------------------------------

    def new_trigger_id(self) -> str:
        """A trigger id as a user's click makes one; the fake Web API starts its 3 s then."""
        trigger_id = f"{int(self.now())}{next(self._serial):03d}.{uuid.uuid4().hex}"
        if self.workspace is not None:
            self.workspace.issue_trigger(trigger_id)
        return trigger_id

    def _ts(self) -> str:
        return f"{self.now():.6f}"

    def _response_url(self, kind: str) -> str:
        serial = next(self._serial)
        return f"{self.response_url_base}/{kind}/{self.team_id}/{serial}/{uuid.uuid4().hex}"

    def _interaction_base(self, kind: str, user_id: str, trigger_id: str | None) -> Payload:
        return {
            "type": kind,
            "token": self.verification_token,
            "api_app_id": self.api_app_id,
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": {
                "id": user_id,
                "username": _user_name(user_id),
                "name": _user_name(user_id),
                "team_id": self.team_id,
            },
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": trigger_id or self.new_trigger_id(),
        }


# -- payload building (pure functions) ---------------------------------------------------


def _user_name(user_id: str) -> str:
    return f"user-{user_id.lower()}"


def _channel_name(channel_id: str) -> str:
    return "directmessage" if channel_id.startswith("D") else channel_id.lower()


def _elements_of(block: Payload) -> list[Payload]:
    if block.get("type") == "actions":
        return list(block.get("elements") or [])
    return [e for e in (block.get("accessory"), block.get("element")) if isinstance(e, dict)]


def _find_element(
    blocks: list[Payload], action_id: str, block_id: str, value: str | None
) -> tuple[str | None, Payload | None]:
    """The (block_id, element) best matching ``action_id``: same block, then same value."""
    candidates = [
        (block.get("block_id"), element)
        for block in blocks
        for element in _elements_of(block)
        if element.get("action_id") == action_id
    ]
    for wanted in (
        lambda b, e: b == block_id,
        lambda b, e: value is not None and e.get("value") == value,
        lambda b, e: True,
    ):
        for candidate in candidates:
            if wanted(*candidate):
                return candidate
    return None, None


def _guess_element(
    action_id: str, selected_option_value: str | None, selected_user: str | None
) -> Payload:
    if selected_user is not None:
        return {"type": "users_select", "action_id": action_id}
    if selected_option_value is not None:
        option = {"text": _plain(selected_option_value), "value": selected_option_value}
        return {"type": "static_select", "action_id": action_id, "options": [option]}
    return {"type": "button", "action_id": action_id, "text": _plain("Button")}


def _action(
    element: Payload,
    *,
    value: str | None,
    selected_option_value: str | None,
    selected_user: str | None,
) -> Payload:
    kind = element["type"]
    action: Payload = {"type": kind, "action_id": element["action_id"]}
    if kind == "button":
        action["text"] = element.get("text") or _plain("Button")
        button_value = value if value is not None else element.get("value")
        if button_value is not None:
            action["value"] = button_value
        if "style" in element:
            action["style"] = element["style"]
    elif kind == "users_select":
        action["selected_user"] = selected_user
    elif kind in ("static_select", "overflow", "radio_buttons"):
        wanted = selected_option_value if selected_option_value is not None else value
        action["selected_option"] = _option(element, wanted)
    elif kind == "datepicker":
        action["selected_date"] = value
    else:
        action["value"] = value
    return action


def _plain(text: str) -> Payload:
    return {"type": "plain_text", "text": text, "emoji": True}


def _all_options(element: Payload) -> list[Payload]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _option(element: Payload, value: object) -> Payload | None:
    if value is None:
        return None
    for option in _all_options(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    if element.get("type") in ("external_select", "multi_external_select"):
        return {"text": _plain(str(value)), "value": value}
    raise KeyError(f"no option {value!r} in {element.get('action_id')!r}")


def _element_state(element: Payload, value: object) -> Payload:
    """Slack's state.values entry for ``element`` holding ``value``."""
    kind = element["type"]
    state: Payload = {"type": kind}
    if kind == "datepicker":
        state["selected_date"] = value
    elif kind == "timepicker":
        state["selected_time"] = value
    elif kind in ("static_select", "external_select", "radio_buttons"):
        state["selected_option"] = _option(element, value)
    elif kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        state["selected_options"] = [_option(element, v) for v in _as_list(value)]
    elif kind == "users_select":
        state["selected_user"] = value
    elif kind == "multi_users_select":
        state["selected_users"] = _as_list(value)
    elif kind == "conversations_select":
        state["selected_conversation"] = value
    elif kind == "channels_select":
        state["selected_channel"] = value
    else:  # plain_text_input, number_input, email_text_input, url_text_input, ...
        state["value"] = value
    return state


def _initial_value(element: Payload) -> object:
    """What Slack reports for an input the user left untouched."""
    kind = element["type"]
    if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        return [o["value"] for o in element.get("initial_options") or []]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    for key in INITIAL_KEYS:
        if key in element:
            return element[key]
    return [] if kind == "multi_users_select" else None


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return list(value)
    return [value]


def build_state_values(blocks: list[Payload], values: dict[str, object]) -> Payload:
    """``view.state.values`` for the input blocks, ``values`` keyed by block_id.

    Blocks not in ``values`` report their initial value; a block_id that names no input
    block raises KeyError (a bug in the test).
    """
    inputs = {
        block["block_id"]: block["element"]
        for block in blocks
        if block.get("type") == "input" and "block_id" in block and "element" in block
    }
    unknown = set(values) - set(inputs)
    if unknown:
        raise KeyError(f"no input block {sorted(unknown)}; inputs are {sorted(inputs)}")
    state: Payload = {}
    for block_id, element in inputs.items():
        value = values[block_id] if block_id in values else _initial_value(element)
        action_id = element.get("action_id") or f"{block_id}-element"
        state[block_id] = {action_id: _element_state(element, value)}
    return state
