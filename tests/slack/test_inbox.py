"""Slack events are stored before they are acknowledged: the answer means the event is kept,
and whatever happens to the process afterwards, it is handled once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.lifecycle import Status
from bot.domain.models import InboxEvent
from bot.domain.workflow import Workflow
from bot.jobs.scheduler import handle_events, send_outbox
from bot.slack.inbox import MAX_ATTEMPTS
from tests.conftest import ENGINEER, Liaison
from tests.slack.helpers import current, file_request, react


def worker_pass(liaison: Liaison) -> None:
    handle_events(liaison.runtime)
    send_outbox(liaison.runtime)


def stored(db) -> list[InboxEvent]:
    return list(db.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def test_an_acknowledged_event_is_kept_until_the_worker_handles_it(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    liaison.runtime.settings.liaison_background = "worker"  # web processes only answer
    react(liaison, card, ENGINEER, "raising_hand", event_id="EvKEPT")
    react(liaison, card, ENGINEER, "raising_hand", event_id="EvKEPT")  # Slack's duplicate
    assert current(db, card).status is Status.NEW
    # Both are kept; the event id recorded with the claim keeps the second from acting again.
    assert [e.event_id for e in stored(db)] == ["EvKEPT", "EvKEPT"]

    worker_pass(liaison)
    liaison.settle()
    request = current(db, card)
    assert request.status is Status.CLAIMED and request.claimer_id == ENGINEER
    assert stored(db) == []
    assert len(liaison.fake.calls_to("chat.update", ts=card.ts)) == 1


def test_an_event_whose_handling_fails_is_retried_later(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = file_request(liaison, db)
    claim = Workflow.claim
    failures = [RuntimeError("the handler crashed")]

    def claim_failing_once(self: Workflow, *args: object) -> str:
        if failures:
            raise failures.pop()
        return claim(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Workflow, "claim", claim_failing_once)
    react(liaison, card, ENGINEER, "raising_hand", event_id="EvRETRY")
    [kept] = stored(db)
    assert (kept.attempts, kept.gave_up_at) == (1, None)
    assert "the handler crashed" in (kept.last_error or "")
    assert current(db, card).status is Status.NEW

    worker_pass(liaison)  # not due yet: the backoff holds it
    assert current(db, card).status is Status.NEW
    liaison.clock.advance(minutes=1)
    worker_pass(liaison)
    liaison.settle()
    assert current(db, card).status is Status.CLAIMED
    assert stored(db) == []


def test_an_event_that_always_fails_is_kept_and_no_longer_retried(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = file_request(liaison, db)

    def claim_failing(self: Workflow, *args: object) -> str:
        raise RuntimeError("broken for good")

    monkeypatch.setattr(Workflow, "claim", claim_failing)
    react(liaison, card, ENGINEER, "raising_hand", event_id="EvBROKEN")
    for _ in range(MAX_ATTEMPTS + 2):
        liaison.clock.advance(hours=2)
        worker_pass(liaison)
    [kept] = stored(db)
    assert kept.attempts == MAX_ATTEMPTS and kept.gave_up_at is not None


class _Stopped:
    """A background pool that runs nothing: the process stops right after the answer."""

    def submit(self, fn: object, /, *args: object, **kwargs: object) -> None:
        return None


def test_an_event_kept_for_this_process_is_handled_by_the_next_pass_if_the_process_stops(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = file_request(liaison, db)
    monkeypatch.setattr(liaison.runtime, "background", _Stopped())
    react(liaison, card, ENGINEER, "raising_hand", event_id="EvORPHAN")
    [kept] = stored(db)
    assert kept.attempts == 1 and kept.lease_until is not None  # leased to the stopped process

    worker_pass(liaison)  # its lease still holds
    assert current(db, card).status is Status.NEW
    liaison.clock.advance(minutes=2)
    worker_pass(liaison)
    liaison.settle()
    assert current(db, card).status is Status.CLAIMED
    assert stored(db) == []
