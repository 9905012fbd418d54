"""A submitted intake form is stored before the requester gets the answer and filed after it,
as of when it was sent: the answer costs one INSERT, and nothing after it can lose the request."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from bot.domain import filing
from bot.domain.lifecycle import Status
from bot.domain.models import InboxEvent, Request
from bot.jobs.scheduler import handle_events, send_outbox
from bot.slack.listeners.intake import FORMS, file_submission
from tests.conftest import SALES_REP, Liaison
from tests.slack.helpers import dms_to


def open_intake(liaison: Liaison) -> dict[str, Any]:
    before = len(liaison.fake.calls_to("views.open"))
    liaison.slack.command(SALES_REP, "")
    return liaison.fake.wait_for("views.open", count=before + 1)[-1].response["view"]


def submit(liaison: Liaison, view: dict[str, Any], title: str = "Export invoices") -> None:
    values = {"title": title, "desired_date": "2026-12-18"}
    response = liaison.slack.view_submission(view, SALES_REP, values)
    assert (response.status_code, response.text) == (200, "")


def worker_pass(liaison: Liaison) -> None:
    handle_events(liaison.runtime)
    send_outbox(liaison.runtime)
    liaison.settle()


def stored(db) -> list[InboxEvent]:
    return list(db.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def test_a_form_is_kept_until_it_is_filed_as_of_when_it_was_sent(liaison: Liaison, db) -> None:
    liaison.runtime.settings.liaison_background = "worker"  # web processes only answer
    view = open_intake(liaison)
    sent_at = liaison.clock.now
    submit(liaison, view)
    submit(liaison, view)  # Slack's retry after a slow answer, or a second click

    assert db.scalars(select(Request)).all() == []
    assert [(e.source, e.event_id) for e in stored(db)] == [(FORMS, f"view:{view['id']}")] * 2

    liaison.clock.advance(minutes=10)
    worker_pass(liaison)
    request = db.scalars(select(Request)).one()
    assert (request.title, request.requester_id, request.status) == (
        "Export invoices",
        SALES_REP,
        Status.NEW,
    )
    assert request.created_at.replace(tzinfo=None) == sent_at.replace(tzinfo=None)
    assert request.card_ts is not None
    assert stored(db) == []


def test_a_form_filed_in_the_process_that_answered_it(liaison: Liaison, db) -> None:
    submit(liaison, open_intake(liaison))
    liaison.settle()
    request = db.scalars(select(Request)).one()
    assert request.card_ts is not None
    assert any("Export invoices" in text for text in dms_to(liaison, SALES_REP))
    assert stored(db) == []


def test_a_filing_that_fails_is_tried_again_until_it_is_filed(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_numbered = filing.file_numbered
    failures = [OperationalError("INSERT", {}, Exception("the database went away"))]

    def failing_once(*args: Any, **kwargs: Any) -> Request:
        if failures:
            raise failures.pop()
        return file_numbered(*args, **kwargs)

    monkeypatch.setattr(filing, "file_numbered", failing_once)
    submit(liaison, open_intake(liaison))
    liaison.settle()
    [kept] = stored(db)
    assert kept.attempts == 1 and "the database went away" in (kept.last_error or "")
    assert db.scalars(select(Request)).all() == []

    liaison.clock.advance(minutes=1)
    worker_pass(liaison)
    assert db.scalars(select(Request)).one().card_ts is not None
    assert stored(db) == []


def store_orphan_form(liaison: Liaison, db, engine) -> dict[str, Any]:
    """A form stored, whose department was removed from the settings since it was sent; its
    stored body."""
    liaison.runtime.settings.liaison_background = "worker"
    submit(liaison, open_intake(liaison), title="Export <!channel> invoices")
    [kept] = stored(db)
    body = dict(kept.body)
    body["draft"] = {**body["draft"], "fulfilling_department": "gone"}
    with engine.begin() as connection:
        connection.execute(update(InboxEvent).where(InboxEvent.id == kept.id).values(body=body))
    return body


def not_filed_dms(liaison: Liaison) -> list[str]:
    """The "not filed" DMs Slack took."""
    return [
        c.params["text"]
        for c in liaison.fake.calls_to("chat.postMessage", channel=SALES_REP)
        if c.response.get("ok") and "was not filed" in c.params.get("text", "")
    ]


def test_a_form_whose_team_left_the_settings_is_not_filed_and_its_sender_is_told(
    liaison: Liaison, db, engine
) -> None:
    body = store_orphan_form(liaison, db, engine)

    worker_pass(liaison)
    assert db.scalars(select(Request)).all() == []
    [told] = not_filed_dms(liaison)
    assert "Export" in told and "<!channel>" not in told
    assert stored(db) == []

    # The same form handled again (stored twice, say) tells nobody twice.
    file_submission(liaison.runtime, filing.Submission.from_stored(body))
    worker_pass(liaison)
    assert len(not_filed_dms(liaison)) == 1


def test_telling_a_form_was_not_filed_is_retried_while_slack_fails(
    liaison: Liaison, db, engine
) -> None:
    store_orphan_form(liaison, db, engine)
    liaison.fake.fail("chat.postMessage", status=500, channel=SALES_REP)

    worker_pass(liaison)
    assert not_filed_dms(liaison) == []
    assert stored(db) == []  # the form is done with; its message waits in the outbox

    liaison.clock.advance(minutes=5)
    worker_pass(liaison)
    assert len(not_filed_dms(liaison)) == 1
