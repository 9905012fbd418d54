"""A process that stops (SIGTERM) lets the sends and stored events under way finish, starts none,
and gives back the leases it still holds, so another process carries on at once; its scheduler
stops. (That the commands exit promptly on SIGTERM is tests/test_shutdown.py.)"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.session import transaction
from bot.domain import outbox
from bot.domain.models import InboxEvent, OutboxMessage, Request
from bot.jobs.scheduler import build_scheduler
from bot.serve import stop_background
from bot.slack.inbox import EventInbox
from bot.slack.sending import Outbox
from bot.slack.sending.effects import Effect, SendResult
from tests.conftest import ENGINEER, SALES_REP, Inspector, Liaison
from tests.slack.helpers import Card, file_request

WAIT = 10  # seconds a test waits for a thread it started, at most


class GatedSender:
    """A sender for every kind whose sends wait at a gate until the test opens it."""

    coalesces = False

    def __init__(self, *, open_: bool = True) -> None:
        self.entered = threading.Event()
        self.gate = threading.Event()
        if open_:
            self.gate.set()
        self.sent: list[int] = []

    def build(self, effect: Effect, session: Session, config: Any) -> dict[str, Any]:
        return {}

    def conversation(self, effect: Effect) -> str | None:
        return None

    def send(self, effect: Effect, client: WebClient) -> SendResult:
        self.entered.set()
        assert self.gate.wait(WAIT)
        self.sent.append(effect.id)
        return SendResult()


def an_outbox(liaison: Liaison, sender: GatedSender) -> Outbox:
    """An outbox as another process would build it, over the same database."""
    runtime = liaison.runtime
    return Outbox(
        sessions=runtime.sessions,
        client_for=runtime.client_for,
        config_for=runtime.config_for,
        clock=runtime.clock,
        senders=dict.fromkeys(outbox.EFFECT_KINDS, sender),
    )


def queue_notes(liaison: Liaison, card: Card, count: int) -> list[int]:
    """`count` thread notes queued for the request, oldest first."""
    with transaction(liaison.runtime.sessions) as session:
        request = session.get_one(Request, card.request_id)
        rows = [
            outbox.enqueue_message(
                session,
                workspace_id=request.workspace_id,
                template=outbox.THREAD_NOTE,
                request=request,
                in_thread=True,
                payload={"change": "claimed", "actor": ENGINEER},
                now=liaison.clock.now,
            )
            for _ in range(count)
        ]
    return [row.id for row in rows]  # written at commit


def statuses(db: Inspector, ids: list[int]) -> list[str]:
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return [row.status for row in sorted(rows, key=lambda row: row.id)]


def in_thread(work: Any, *args: Any) -> threading.Thread:
    thread = threading.Thread(target=work, args=args, daemon=True)
    thread.start()
    return thread


def test_a_stopping_outbox_finishes_the_send_under_way_and_starts_no_other(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db)
    ids = queue_notes(liaison, card, 2)
    sender = GatedSender(open_=False)
    stopping = an_outbox(liaison, sender)
    sending = in_thread(stopping.send_request, card.request_id)
    assert sender.entered.wait(WAIT)

    stopping.stop()
    assert not stopping.wait_idle(0)  # the first note is under way, its lease held
    sender.gate.set()
    sending.join(WAIT)

    assert stopping.wait_idle(0)
    assert sender.sent == ids[:1] and statuses(db, ids) == ["sent", "pending"]
    assert db.get(Request, card.request_id).outbox_lease_until is None  # given back as it ended
    assert stopping.release_leases() == 0
    stopping.send_due()  # and it sends nothing more
    assert statuses(db, ids) == ["sent", "pending"]

    liaison.runtime.outbox.send_due()  # another process sends the rest
    assert statuses(db, ids) == ["sent", "sent"]


def test_leases_still_held_when_the_grace_ends_are_given_back_for_another_process(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db)
    [note] = queue_notes(liaison, card, 1)
    stuck = GatedSender(open_=False)
    stopping = an_outbox(liaison, stuck)
    sending = in_thread(stopping.send_request, card.request_id)
    assert stuck.entered.wait(WAIT)
    other_sender = GatedSender()
    other = an_outbox(liaison, other_sender)
    other.send_due()
    assert other_sender.sent == []  # the lease is held: the other process waits for it

    stopping.stop()
    assert not stopping.wait_idle(0)
    assert stopping.release_leases() == 1
    other.send_due()  # at once, not when the lease would have run out
    assert other_sender.sent == [note]

    # While another process holds the lease, the stuck send ends (as the process exits): the
    # other's lease stays.
    others = liaison.clock.now + timedelta(seconds=30)
    with transaction(liaison.runtime.sessions) as session:
        session.execute(
            update(Request).where(Request.id == card.request_id).values(outbox_lease_until=others)
        )
    stuck.gate.set()
    sending.join(WAIT)
    assert db.get(Request, card.request_id).outbox_lease_until == others


def test_an_effect_about_no_request_is_given_back_and_one_a_crash_left_is_taken_up(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db)
    now = liaison.clock.now
    with transaction(liaison.runtime.sessions) as session:
        workspace_id = session.get_one(Request, card.request_id).workspace_id
        home, crashed = (
            outbox.enqueue(session, workspace_id=workspace_id, kind=outbox.HOME, channel=u, now=now)
            for u in (SALES_REP, ENGINEER)
        )
    home_id, crashed_id = home.id, crashed.id
    with transaction(liaison.runtime.sessions) as session:
        # A process that crashed while publishing the second one left it "sending" (its lease).
        row = session.get_one(OutboxMessage, crashed_id)
        row.status, row.next_attempt_at = "sending", now + timedelta(seconds=60)
    stuck = GatedSender(open_=False)
    stopping = an_outbox(liaison, stuck)
    sending = in_thread(stopping.send_homes)
    assert stuck.entered.wait(WAIT)

    stopping.stop()
    assert stopping.release_leases() == 1
    assert statuses(db, [home_id]) == ["pending"]  # another process may publish it at once
    stuck.gate.set()
    sending.join(WAIT)

    other_sender = GatedSender()
    other = an_outbox(liaison, other_sender)
    other.send_due()
    assert crashed_id not in other_sender.sent  # its lease is still running
    liaison.clock.advance(seconds=61)
    other.send_due()
    assert crashed_id in other_sender.sent


@pytest.mark.parametrize("handle_here", [False, True])
def test_a_stopping_inbox_gives_back_the_events_it_did_not_finish(
    liaison: Liaison, db: Inspector, handle_here: bool
) -> None:
    runtime = liaison.runtime
    entered, gate, handled = threading.Event(), threading.Event(), []

    def slow(event: dict[str, Any], body: dict[str, Any]) -> None:
        entered.set()
        assert gate.wait(WAIT)

    stopping = EventInbox(sessions=runtime.sessions, clock=runtime.clock)
    stopping.route({"app_mention": slow})
    body = {"event_id": "EvSTOP", "event": {"type": "app_mention"}}
    row_id = stopping.store(body, handle_here=handle_here)
    handling = in_thread(stopping.handle, row_id)
    assert entered.wait(WAIT)

    stopping.stop()
    assert not stopping.wait_idle(0)
    assert stopping.release_leases() == 1
    other = EventInbox(sessions=runtime.sessions, clock=runtime.clock)
    other.route({"app_mention": lambda event, body: handled.append(body["event_id"])})
    assert other.handle_due() == 1 and handled == ["EvSTOP"]
    assert db.get(InboxEvent, row_id) is None

    gate.set()
    handling.join(WAIT)
    stopping.handle_due()  # stopped: it takes nothing new
    assert stopping.wait_idle(0)


def test_events_stored_to_be_handled_here_are_given_back_unhandled_by_a_stopping_process(
    liaison: Liaison, db: Inspector
) -> None:
    runtime = liaison.runtime
    handled: list[str] = []
    stopping = EventInbox(sessions=runtime.sessions, clock=runtime.clock)
    stopping.route({"app_mention": lambda event, body: handled.append("stopping")})
    body = {"event_id": "EvKEPT", "event": {"type": "app_mention"}}
    row_id = stopping.store(body, handle_here=True)  # leased to it, its handling not yet begun

    stopping.stop()
    assert stopping.wait_idle(0)  # nothing under way: no grace to sit out
    stopping.handle(row_id)  # what a handling queued before the stop would do: nothing
    assert stopping.release_leases() == 1
    other = EventInbox(sessions=runtime.sessions, clock=runtime.clock)
    other.route({"app_mention": lambda event, body: handled.append("other")})
    assert other.handle_due() == 1 and handled == ["other"]  # at once
    assert db.get(InboxEvent, row_id) is None
    assert stopping.release_leases() == 0


def test_stopping_a_process_stops_its_scheduler_and_sends(liaison: Liaison, db: Inspector) -> None:
    card = file_request(liaison, db)
    scheduler = build_scheduler(liaison.runtime)
    scheduler.start(paused=True)

    stop_background(liaison.runtime, scheduler)

    assert not scheduler.running
    [note] = queue_notes(liaison, card, 1)
    liaison.runtime.send_soon(card.request_id)  # what a listener finishing now would ask
    liaison.runtime.outbox.send_due()
    assert statuses(db, [note]) == ["pending"]  # left for another process
