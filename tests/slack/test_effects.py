"""The outbox carries effects of several kinds, each sent by its own sender, with the order per
request, retries, backoff and telling the leads shared. A tracker call, known only to this file,
shows what a new kind takes: its name, a builder, and a sender."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig
from bot.db.session import transaction
from bot.domain import outbox
from bot.domain.models import OutboxMessage, Request
from bot.domain.outbox import UnknownEffect
from bot.slack import messages
from bot.slack.sending import Outbox
from bot.slack.sending.effects import Effect, SendResult
from bot.slack.sending.senders import SENDERS, CardSender
from bot.slack.sending.transport import Failed
from bot.wiring import delivery_client
from tests.conftest import ENG_LEAD, ENGINEER, Inspector, Liaison
from tests.slack.helpers import Card, dms_to, file_request, react, thread_texts

ISSUE = "tracker_issue"


class FakeTracker:
    """An issue tracker's API: creates issues, or fails as told."""

    def __init__(self) -> None:
        self.issues: list[dict[str, Any]] = []
        self.failures: list[Exception] = []

    def create_issue(self, **fields: Any) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.issues.append(fields)
        return f"ENG-{len(self.issues)}"


# The builder: what the issue says, from the request as it is when the effect is sent.
def issue_fields(request: Request, facts: dict[str, Any]) -> dict[str, Any]:
    return {"title": f"{request.reference}: {request.title}", "labels": facts.get("labels", [])}


class IssueSender:
    """The sender: one call to the tracker. Order, retries and failures are the outbox's."""

    coalesces = False

    def __init__(self, tracker: FakeTracker) -> None:
        self.tracker = tracker

    def build(self, effect: Effect, session: Session, config: LiaisonConfig) -> dict[str, Any]:
        assert effect.request is not None
        return issue_fields(effect.request, effect.row.payload)

    def conversation(self, effect: Effect) -> str | None:
        return None  # not a Slack conversation: nothing to join

    def send(self, effect: Effect, client: WebClient) -> SendResult:
        self.tracker.create_issue(**effect.content)
        return SendResult()


def open_issue(session: Session, request: Request, *, now: datetime, labels: list[str]) -> None:
    """What a workflow would call, in the transaction of the change that calls for an issue."""
    outbox.enqueue(
        session,
        workspace_id=request.workspace_id,
        kind=ISSUE,
        request=request,
        payload={"labels": labels},
        now=now,
    )


@pytest.fixture
def tracker(liaison: Liaison, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTracker]:
    """Liaison with the tracker kind declared and its sender registered beside Slack's."""
    tracker = FakeTracker()
    runtime = liaison.runtime
    monkeypatch.setattr(outbox, "EFFECT_KINDS", outbox.EFFECT_KINDS | {ISSUE})
    client = delivery_client(runtime.settings)
    with_tracker = Outbox(
        sessions=runtime.sessions,
        client_for=lambda team_id: client,
        config_for=runtime.config_for,
        clock=runtime.clock,
        senders={**SENDERS, ISSUE: IssueSender(tracker)},
    )
    monkeypatch.setattr(runtime, "outbox", with_tracker)
    yield tracker


def queue_issue_then_note(liaison: Liaison, card: Card) -> None:
    """An issue and, after it, a note in the card's thread, queued by one change."""
    with transaction(liaison.runtime.sessions) as session:
        request = session.get_one(Request, card.request_id)
        now = liaison.clock()
        open_issue(session, request, now=now, labels=["customer"])
        outbox.enqueue_message(
            session,
            workspace_id=request.workspace_id,
            template=outbox.THREAD_NOTE,
            request=request,
            in_thread=True,
            payload={"change": "claimed", "actor": ENGINEER},
            now=now,
        )


def test_a_new_kind_is_sent_in_order_and_retried_like_any_other(
    liaison: Liaison, db: Inspector, tracker: FakeTracker
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    replies = len(thread_texts(liaison, card))
    tracker.failures.append(ConnectionResetError("tracker went away"))
    queue_issue_then_note(liaison, card)

    report = liaison.runtime.outbox.send_due()
    assert (report.sent, report.retrying) == (0, 1)
    issue = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == ISSUE)).one()
    assert issue.status == "pending" and "tracker went away" in (issue.last_error or "")
    assert len(thread_texts(liaison, card)) == replies  # the note waits behind the issue

    liaison.clock.advance(seconds=10)  # past the first backoff
    assert liaison.runtime.outbox.send_due().sent == 2
    assert tracker.issues == [{"title": "REQ-1: Export invoices as CSV", "labels": ["customer"]}]
    assert db.get(OutboxMessage, issue.id).status == "sent"
    assert len(thread_texts(liaison, card)) == replies + 1


def test_a_new_kind_that_fails_for_good_is_told_to_the_leads(
    liaison: Liaison, db: Inspector, tracker: FakeTracker
) -> None:
    card = file_request(liaison, db)
    tracker.failures.append(Failed("project_not_found"))
    queue_issue_then_note(liaison, card)

    report = liaison.runtime.outbox.send_due()
    assert report.failed == [f"{ISSUE} #{_row_id(db, ISSUE)}: project_not_found"]
    assert tracker.issues == []
    [notice] = dms_to(liaison, ENG_LEAD)
    assert "REQ-1" in notice and "project_not_found" in notice
    assert len(thread_texts(liaison, card)) == 1  # the note after it still went out


def test_an_unknown_effect_kind_cannot_be_queued(liaison: Liaison, db: Inspector) -> None:
    card = file_request(liaison, db)
    queued = db.scalar(select(func.count()).select_from(OutboxMessage))
    with transaction(liaison.runtime.sessions) as session:
        request = session.get_one(Request, card.request_id)
        arguments: dict[str, Any] = {
            "workspace_id": request.workspace_id,
            "request": request,
            "now": liaison.clock(),
        }
        with pytest.raises(UnknownEffect, match="home_view"):
            outbox.enqueue(session, kind="home_view", **arguments)
        with pytest.raises(UnknownEffect, match="gossip"):
            outbox.enqueue_message(session, template="gossip", channel=ENG_LEAD, **arguments)
        with pytest.raises(UnknownEffect, match="nudge"):  # a message template is no file
            outbox.enqueue(session, kind=outbox.FILE, template=outbox.NUDGE, **arguments)
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == queued


def test_an_effect_whose_kind_has_no_sender_fails_and_is_told(
    liaison: Liaison, db: Inspector, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A row left by a version that knew a kind this one does not: it must not stop the outbox.
    card = file_request(liaison, db)
    with monkeypatch.context() as declared:
        declared.setattr(outbox, "EFFECT_KINDS", outbox.EFFECT_KINDS | {ISSUE})
        queue_issue_then_note(liaison, card)

    report = liaison.runtime.outbox.send_due()
    assert report.sent == 2  # the note and the notice to the lead
    assert report.failed == [f"{ISSUE} #{_row_id(db, ISSUE)}: no sender for effect kind '{ISSUE}'"]
    assert len(dms_to(liaison, ENG_LEAD)) == 1


def test_the_outbox_needs_a_sender_for_every_kind(liaison: Liaison) -> None:
    runtime = liaison.runtime
    with pytest.raises(ValueError, match="'file', 'home', 'message'"):
        Outbox(
            sessions=runtime.sessions,
            client_for=runtime.client_for,
            config_for=runtime.config_for,
            clock=runtime.clock,
            senders={outbox.CARD: CardSender()},
        )
    assert set(SENDERS) == outbox.EFFECT_KINDS


def test_every_message_template_has_a_renderer() -> None:
    assert set(outbox.TEMPLATES) == set(messages._RENDERERS)


def _row_id(db: Inspector, kind: str) -> int:
    return db.scalars(select(OutboxMessage.id).where(OutboxMessage.kind == kind)).one()
