"""The key that names one click or one form submission (bot/slack/intents.py)."""

from __future__ import annotations

import copy
from typing import Any

from bot.domain.models import ProcessedEvent
from bot.slack.intents import intent_key

CLICK: dict[str, Any] = {
    "type": "block_actions",
    "team": {"id": "T111", "domain": "acme"},
    "user": {"id": "U1", "team_id": "T111"},
    "trigger_id": "111.222.abc",
    "actions": [{"action_id": "negotiation_escalate", "action_ts": "1596530385.194939"}],
}
SUBMISSION: dict[str, Any] = {
    "type": "view_submission",
    "team": {"id": "T111", "domain": "acme"},
    "user": {"id": "U1", "team_id": "T111"},
    "trigger_id": "111.333.def",
    "view": {"id": "V111", "callback_id": "decline_request"},
}
KEY_LENGTH = ProcessedEvent.__table__.c.event_id.type.length


def changed(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(body)
    target = copied
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    return copied


def test_a_replay_has_the_same_key_and_another_click_or_workspace_another() -> None:
    key = intent_key(CLICK)
    assert key is not None and key == intent_key(copy.deepcopy(CLICK))
    assert intent_key(changed(CLICK, ("trigger_id",), "111.222.xyz")) != key
    assert intent_key(changed(CLICK, ("team", "id"), "T222")) != key
    assert intent_key(changed(CLICK, ("user", "id"), "U2")) != key


def test_a_form_is_keyed_by_its_view_whatever_the_trigger() -> None:
    key = intent_key(SUBMISSION)
    assert key is not None
    assert intent_key(changed(SUBMISSION, ("trigger_id",), "another")) == key
    assert intent_key(changed(SUBMISSION, ("view", "id"), "V222")) != key
    assert intent_key(changed(SUBMISSION, ("team", "id"), "T222")) != key


def test_keys_fit_the_column_whatever_the_payload_holds() -> None:
    huge = changed(CLICK, ("trigger_id",), "9" * 100_000)
    for body in (CLICK, SUBMISSION, huge):
        key = intent_key(body)
        assert key is not None and len(key) <= KEY_LENGTH


def test_a_payload_naming_no_trigger_or_view_has_no_key() -> None:
    no_trigger = changed(CLICK, ("trigger_id",), None)
    assert intent_key(no_trigger) is not None  # the action's own timestamp names the click
    assert intent_key(changed(no_trigger, ("actions",), [{"action_id": "x"}])) is None
    assert intent_key(changed(SUBMISSION, ("view",), {})) is None
    assert intent_key(changed(no_trigger, ("actions",), ["not an object"])) is None
