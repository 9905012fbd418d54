"""One route for an event: stored, answered, then handled by its listener, called by the inbox
(no second Bolt app); the work after the answer is two jobs, named for what they do, under one
setting whose old name still works."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy import select

from bot.domain.lifecycle import Status
from bot.domain.models import InboxEvent
from bot.jobs.scheduler import (
    HANDLE_EVENTS,
    SEND_OUTBOX,
    build_scheduler,
    handle_events,
    send_outbox,
)
from bot.settings import Settings
from tests.conftest import ENGINEER, Liaison
from tests.slack.helpers import current, file_request, react


def test_an_event_goes_through_bolt_once_and_the_inbox_calls_its_listener(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = file_request(liaison, db)
    dispatched: list[object] = []
    dispatch = App.dispatch

    def counting(self: App, req: BoltRequest) -> BoltResponse:
        dispatched.append(req.body.get("event_id"))
        return dispatch(self, req)

    monkeypatch.setattr(App, "dispatch", counting)
    react(liaison, card, ENGINEER, "raising_hand", event_id="EvONEROUTE")
    assert current(db, card).status is Status.CLAIMED
    assert dispatched == ["EvONEROUTE"]  # answered by Bolt; handled without it
    assert list(db.scalars(select(InboxEvent))) == []


def test_an_event_no_listener_reads_is_answered_and_dropped(liaison: Liaison, db) -> None:
    before = len(liaison.fake.calls)
    response = liaison.slack.event(
        {"type": "emoji_changed", "subtype": "add", "name": "shipit"},
        event_id="EvNOLISTENER",
    )
    assert response is not None and response.status_code == 200
    liaison.settle()
    assert list(db.scalars(select(InboxEvent))) == []
    assert len(liaison.fake.calls) == before


def test_handling_events_and_sending_the_outbox_are_two_jobs(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    liaison.runtime.settings.liaison_background = "worker"
    updates = len(liaison.fake.calls_to("chat.update", ts=card.ts))
    react(liaison, card, ENGINEER, "raising_hand", event_id="EvTWOJOBS")

    handle_events(liaison.runtime)
    assert current(db, card).status is Status.CLAIMED
    assert len(liaison.fake.calls_to("chat.update", ts=card.ts)) == updates  # not sent yet

    send_outbox(liaison.runtime)
    liaison.settle()
    assert len(liaison.fake.calls_to("chat.update", ts=card.ts)) == updates + 1

    scheduler = build_scheduler(liaison.runtime)
    every = timedelta(seconds=liaison.runtime.settings.background_poll_seconds)
    for job_id in (HANDLE_EVENTS, SEND_OUTBOX):
        job = scheduler.get_job(job_id)
        assert job is not None and job.trigger.interval == every
    assert scheduler.get_job("deliver-outbox") is None


def test_the_background_setting_keeps_its_old_name_working(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("LIAISON_BACKGROUND", "LIAISON_DELIVERY", "BACKGROUND_POLL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIAISON_DELIVERY", "worker")
    monkeypatch.setenv("WORKER_DELIVERY_SECONDS", "2")
    settings = Settings(_env_file=None)
    assert (settings.liaison_background, settings.background_poll_seconds) == ("worker", 2)

    monkeypatch.setenv("LIAISON_BACKGROUND", "inline")  # the new name wins
    monkeypatch.setenv("BACKGROUND_POLL_SECONDS", "1")
    settings = Settings(_env_file=None)
    assert (settings.liaison_background, settings.background_poll_seconds) == ("inline", 1)
