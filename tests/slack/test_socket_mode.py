"""Socket Mode: payloads arrive over a WebSocket instead of signed HTTP requests, so they reach
the Bolt app directly (as `SocketModeHandler` hands them over). The same listeners act on them,
and a payload of the wrong shape is refused before any listener reads it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltRequest
from sqlalchemy import func, select

from bot.domain.lifecycle import Status
from bot.domain.models import ProcessedEvent
from bot.slack.app import create_bolt_app
from tests.conftest import ENGINEER, TEAM_ID, Liaison
from tests.slack.helpers import Card, current, file_request


def socket_mode_app(liaison: Liaison) -> App:
    return create_bolt_app(liaison.runtime, listener_executor=liaison.executor)


def reaction_envelope(card: Card, user: str, reaction: str, event_id: str) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": TEAM_ID,
        "api_app_id": "A0001",
        "event_id": event_id,
        "event_time": 1_700_000_000,
        "event": {
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item": {"type": "message", "channel": card.channel, "ts": card.ts},
            "event_ts": "1700000000.000100",
        },
    }


def test_a_reaction_over_socket_mode_claims_the_request(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    app = socket_mode_app(liaison)
    envelope = reaction_envelope(card, ENGINEER, "raising_hand", "EvSOCKET1")
    response = app.dispatch(BoltRequest(body=envelope, mode="socket_mode"))
    assert response.status == 200
    liaison.settle()
    request = current(db, card)
    assert request.status is Status.CLAIMED and request.claimer_id == ENGINEER


def test_a_malformed_socket_mode_payload_is_refused_before_any_listener(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db)
    handled = db.scalar(select(func.count()).select_from(ProcessedEvent))
    app = socket_mode_app(liaison)
    envelope = reaction_envelope(card, ENGINEER, "raising_hand", "EvSOCKET2")
    envelope["event"]["item"] = "not an object"
    response = app.dispatch(BoltRequest(body=envelope, mode="socket_mode"))
    assert response.status == 400
    liaison.settle()
    assert current(db, card).status is Status.NEW
    assert db.scalar(select(func.count()).select_from(ProcessedEvent)) == handled
