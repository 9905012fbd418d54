"""Steps shared by the front-door tests: filing a request and finding its card."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.domain.models import Request
from tests.conftest import INTAKE_CHANNEL, SALES_REP, Inspector, Liaison
from tests.fakes.signer import SlackClientSim


@dataclass
class Card:
    request_id: int
    channel: str
    ts: str


def file_request(
    liaison: Liaison,
    db: Inspector,
    user: str = SALES_REP,
    *,
    slack: SlackClientSim | None = None,
    **values: Any,
) -> Card:
    """File a request through /request and the modal (in `slack`'s workspace, the test's one by
    default); wait for its card."""
    slack = slack or liaison.slack
    before = len(liaison.fake.calls_to("views.open"))
    slack.command(user, "")
    view = liaison.fake.wait_for("views.open", count=before + 1)[-1].response["view"]
    fields = {"title": "Export invoices as CSV", "desired_date": "2026-12-18"} | values
    response = slack.view_submission(view, user, fields)
    if response.text and response.json().get("response_action") == "update":
        # A hard deadline before the realistic date: the requester ticks "file it anyway".
        shown = response.json()["view"]
        response = slack.view_submission(shown, user, fields | {"file_anyway": ["yes"]})
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


def click_answers(liaison: Liaison) -> list[str]:
    """What the app told people privately about their clicks, through the clicks' response_urls,
    in order (as ephemeral messages that leave the clicked message alone)."""
    answers = liaison.fake.calls_to("response_url")
    answers = [c for c in answers if c.headers["path"].startswith("/actions/")]
    for call in answers:
        assert call.params.get("response_type") == "ephemeral", call.params
        assert call.params.get("replace_original") is False, call.params
    return [c.params.get("text", "") for c in answers]


# -- added for the lifecycle tests (negotiation, questions, closing, claim rules) -------------


def events_of(db: Inspector, card: Card, kind: str | None = None) -> list[Any]:
    """The request's recorded events, oldest first; only those of ``kind`` when given."""
    from bot.domain.models import RequestEvent

    query = select(RequestEvent).where(RequestEvent.request_id == card.request_id)
    if kind is not None:
        query = query.where(RequestEvent.kind == kind)
    return db.scalars(query.order_by(RequestEvent.id)).all()


def dm_with(liaison: Liaison, user: str, action_id: str) -> dict[str, Any]:
    """The latest DM to ``user`` carrying a button ``action_id``, as Slack stores it now."""
    for call in reversed(liaison.fake.calls_to("chat.postMessage", channel=user)):
        if action_id in str(call.params.get("blocks")):
            return liaison.fake.message(call.response["channel"], call.response["ts"])
    raise AssertionError(f"no DM to {user} with a {action_id} button")


def click_in_dm(
    liaison: Liaison, owner: str, action_id: str, user: str | None = None, **kw: Any
) -> None:
    """Click ``action_id`` in the latest DM to ``owner`` that has it (as ``user``, default the
    owner), the way Slack reports a click in the bot's DM."""
    message = dm_with(liaison, owner, action_id)
    response = liaison.slack.block_action(
        user or owner, action_id, channel_id="D" + owner, message=message, **kw
    )
    assert response.status_code == 200
    liaison.settle()


def thread_message_with(liaison: Liaison, card: Card, action_id: str) -> dict[str, Any]:
    """The latest reply in the card's thread carrying a button ``action_id``."""
    for message in reversed(liaison.fake.thread(card.channel, card.ts)):
        if action_id in str(message.get("blocks")):
            return message
    raise AssertionError(f"no message with a {action_id} button in the thread of {card}")


_reply_serial = itertools.count(1)


def reply_in_thread(
    liaison: Liaison, card: Card, user: str, text: str, *, ts: str | None = None, **kw: Any
) -> None:
    """``user`` writes ``text`` in the card's thread (a ``message`` event), at ``ts`` if given."""
    ts = ts or f"1800000000.{next(_reply_serial):06d}"
    event = {
        "type": "message",
        "channel": card.channel,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": card.ts,
    }
    response = liaison.slack.event(event, **kw)
    assert response.status_code == 200
    liaison.settle()


def opened_view(liaison: Liaison, callback_id: str, count: int = 1) -> dict[str, Any]:
    """The latest modal opened with ``callback_id`` (waiting for the ``count``-th one)."""
    calls = liaison.fake.wait_for(
        "views.open", count=count, view=lambda view: (view or {}).get("callback_id") == callback_id
    )
    return calls[-1].response["view"]


def card_blocks(liaison: Liaison, card: Card) -> list[dict[str, Any]]:
    """The card's blocks as they stand in Slack now."""
    return liaison.fake.message(card.channel, card.ts).get("blocks") or []


def card_actions(liaison: Liaison, card: Card) -> list[str]:
    """The action ids of every interactive element on the card now."""
    return [
        element.get("action_id")
        for block in card_blocks(liaison, card)
        if block.get("type") == "actions"
        for element in block.get("elements") or []
    ]


def private_answers(liaison: Liaison) -> list[str]:
    """What the app said privately through clicks' response_urls (the answers in a DM)."""
    return [
        c.params.get("text", "")
        for c in liaison.fake.calls_to("response_url")
        if c.params.get("response_type") == "ephemeral" and not c.params.get("replace_original")
    ]


# -- a lead's overrides ----------------------------------------------------------------------

LEAD_MODALS = {
    "reassign": "lead_reassign",
    "commit_date": "lead_commit_date",
    "reopen": "lead_reopen",
    "close": "lead_close",
}


def pick_lead_action(liaison: Liaison, card: Card, user: str, choice: str) -> None:
    """``user`` picks ``choice`` in the card's lead menu (the Reopen button on a delivered card)."""
    value = f"{card.request_id}:{choice}"
    if choice == "reopen":
        click(liaison, card, user, "lead_actions", value=value)
    else:
        click(liaison, card, user, "lead_actions", selected_option_value=value)


def lead_override(
    liaison: Liaison, card: Card, user: str, choice: str, values: dict[str, object]
) -> Any:
    """``user`` picks ``choice`` on the card and submits its modal with ``values``; the
    submission's response (the modal must open)."""
    callback = LEAD_MODALS[choice]
    before = len(
        liaison.fake.calls_to(
            "views.open", view=lambda view: (view or {}).get("callback_id") == callback
        )
    )
    pick_lead_action(liaison, card, user, choice)
    view = opened_view(liaison, callback, count=before + 1)
    response = liaison.slack.view_submission(view, user, values)
    assert response.status_code == 200
    liaison.settle()
    return response
