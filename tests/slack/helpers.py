"""Steps shared by the front-door tests: filing a request and finding its card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.db.models import Request
from tests.conftest import INTAKE_CHANNEL, SALES_REP, Inspector, Liaison


@dataclass
class Card:
    request_id: int
    channel: str
    ts: str


def file_request(liaison: Liaison, db: Inspector, user: str = SALES_REP, **values: Any) -> Card:
    """File a request through /request and the modal; wait for its card."""
    before = len(liaison.fake.calls_to("views.open"))
    liaison.slack.command(user, "")
    view = liaison.fake.wait_for("views.open", count=before + 1)[-1].response["view"]
    fields = {"title": "Export invoices as CSV", "desired_date": "2026-12-18"} | values
    response = liaison.slack.view_submission(view, user, fields)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()
    request = db.scalars(select(Request).order_by(Request.id.desc())).all()[0]
    assert request.card_ts, "the card was not posted"
    return Card(request.id, request.card_channel or INTAKE_CHANNEL, request.card_ts)


def react(liaison: Liaison, card: Card, user: str, reaction: str, **kw: Any) -> None:
    response = liaison.slack.reaction(user, reaction, card.channel, card.ts, **kw)
    assert response.status_code == 200
    liaison.settle()


def click(liaison: Liaison, card: Card, user: str, action_id: str, **kw: Any) -> None:
    message = liaison.fake.message(card.channel, card.ts)
    response = liaison.slack.block_action(
        user, action_id, channel_id=card.channel, message=message, **kw
    )
    assert response.status_code == 200
    liaison.settle()


def current(db: Inspector, card: Card) -> Request:
    return db.get(Request, card.request_id)


def thread_texts(liaison: Liaison, card: Card) -> list[str]:
    return [m.get("text", "") for m in liaison.fake.thread(card.channel, card.ts)]


def dms_to(liaison: Liaison, user: str) -> list[str]:
    return [
        c.params.get("text", "") for c in liaison.fake.calls_to("chat.postMessage", channel=user)
    ]


def ephemerals_to(liaison: Liaison, user: str) -> list[str]:
    return [
        c.params.get("text", "") for c in liaison.fake.calls_to("chat.postEphemeral", user=user)
    ]
