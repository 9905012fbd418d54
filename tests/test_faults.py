"""Faults: connections killed under the app, and Slack failing in every way."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from bot.domain.models import OutboxMessage, Request
from bot.slack.sending import Outbox
from bot.wiring import delivery_client
from tests.conftest import ENGINEER, INTAKE_CHANNEL, SALES_REP, Inspector, Liaison
from tests.fakes import FakeSlack
from tests.slack.helpers import file_request, react

# The outbox's client gives up after CLIENT_TIMEOUT; a late answer comes after LATE.
CLIENT_TIMEOUT = 0.5
LATE = 1.5


def submit_request(liaison: Liaison) -> None:
    """/request and the modal, without waiting for the card (Slack may be failing)."""
    liaison.slack.command(SALES_REP, "")
    view = liaison.fake.wait_for("views.open")[-1].response["view"]
    filed = liaison.slack.view_submission(view, SALES_REP, {"title": "Survives"})
    assert filed.status_code == 200 and filed.text == ""
    liaison.settle()


def retry_deliveries(liaison: Liaison, times: int = 1) -> None:
    """The scheduler's passes, with time moving on instead of sleeping."""
    for _ in range(times):
        liaison.clock.advance(minutes=2)
        liaison.runtime.outbox.send_due()


def top_level(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    """The messages in ``channel`` that are not thread replies, as Slack stores them."""
    return [
        m for (c, ts), m in fake.messages.items() if c == channel and m.get("thread_ts", ts) == ts
    ]


def assert_each_message_posted_once(fake: FakeSlack, db: Inspector) -> None:
    """Nothing lost (every outbox row sent) and nothing doubled (no outbox row posted twice)."""
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")).all() == []
    posted = Counter(m["metadata"]["event_payload"]["outbox_id"] for m in fake.messages.values())
    assert [outbox_id for outbox_id, n in posted.items() if n > 1] == []


def test_the_app_recovers_after_its_connections_are_killed(
    liaison: Liaison, db, engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    file_request(liaison, db)
    with engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    listed = liaison.slack.command(SALES_REP, "list").json()
    assert "Export invoices" in str(listed)


def test_slack_failing_in_every_way_loses_and_doubles_nothing(liaison: Liaison, db) -> None:
    fake = liaison.fake
    fake.fail("chat.postMessage", status=500, times=1)
    fake.fail("chat.postMessage", status=429, retry_after=2, times=1)
    fake.fail("chat.postMessage", "internal_error", times=1)
    submit_request(liaison)
    assert db.scalars(select(Request)).one().card_ts is None  # stored although Slack failed
    retry_deliveries(liaison, times=6)
    assert db.scalars(select(Request)).one().card_ts
    ok = [c for c in fake.calls_to("chat.postMessage") if c.response.get("ok")]
    assert [c.params["channel"] for c in ok] == [INTAKE_CHANNEL, SALES_REP]
    assert_each_message_posted_once(fake, db)


# -- posts whose answer is lost --------------------------------------------------------------


@pytest.fixture
def impatient(liaison: Liaison, monkeypatch: pytest.MonkeyPatch) -> Liaison:
    """The app, sending through its delivery client set to stop waiting after
    CLIENT_TIMEOUT (SLACK_TIMEOUT_SECONDS)."""
    runtime = liaison.runtime
    client = delivery_client(
        runtime.settings.model_copy(update={"slack_timeout_seconds": CLIENT_TIMEOUT})
    )
    outbox = Outbox(
        sessions=runtime.sessions,
        client_for=lambda team_id: client,
        config_for=runtime.config_for,
        clock=runtime.clock,
    )
    monkeypatch.setattr(runtime, "outbox", outbox)
    return liaison


def test_a_card_whose_answer_was_lost_is_found_not_posted_again(impatient: Liaison, db) -> None:
    fake = impatient.fake
    fake.accept_then_time_out("chat.postMessage", LATE, channel=INTAKE_CHANNEL)
    submit_request(impatient)
    card_row = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card")).one()
    assert card_row.status == "pending" and card_row.unconfirmed_since is not None
    assert db.scalars(select(Request)).one().card_ts is None

    retry_deliveries(impatient)
    [card] = top_level(fake, INTAKE_CHANNEL)
    request = db.scalars(select(Request)).one()
    assert (request.card_channel, request.card_ts) == (INTAKE_CHANNEL, card["ts"])
    assert request.card_permalink
    assert len(fake.calls_to("chat.postMessage", channel=INTAKE_CHANNEL)) == 1
    assert card["metadata"]["event_payload"] == {"outbox_id": card_row.id}
    assert fake.calls_to("chat.update", ts=card["ts"])  # refreshed: it was rendered back then
    assert_each_message_posted_once(fake, db)


def test_a_receipt_whose_answer_was_lost_is_found_in_the_dm(impatient: Liaison, db) -> None:
    fake = impatient.fake
    fake.accept_then_time_out("chat.postMessage", LATE, channel=SALES_REP)
    submit_request(impatient)
    assert db.scalars(select(Request)).one().card_ts  # the card went through

    retry_deliveries(impatient)
    [receipt] = top_level(fake, "D" + SALES_REP)
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == SALES_REP)).one()
    assert row.sent_ts == receipt["ts"]
    assert fake.calls_to("conversations.open", users=SALES_REP)
    assert len(fake.calls_to("chat.postMessage", channel=SALES_REP)) == 1
    assert_each_message_posted_once(fake, db)


def test_a_thread_reply_whose_answer_was_lost_is_found_in_the_thread(
    impatient: Liaison, db
) -> None:
    fake = impatient.fake
    card = file_request(impatient, db)
    fake.accept_then_time_out("chat.postMessage", LATE, thread_ts=card.ts)
    react(impatient, card, ENGINEER, "raising_hand")
    note = db.scalars(select(OutboxMessage).where(OutboxMessage.in_thread.is_(True))).one()
    assert note.status == "pending" and note.unconfirmed_since is not None

    retry_deliveries(impatient)
    [reply] = fake.thread(card.channel, card.ts)
    assert db.get(OutboxMessage, note.id).sent_ts == reply["ts"]
    assert fake.calls_to("conversations.replies", ts=card.ts)
    assert_each_message_posted_once(fake, db)


def test_a_post_that_timed_out_before_slack_took_it_is_sent_again(impatient: Liaison, db) -> None:
    fake = impatient.fake
    fake.fail("chat.postMessage", status=500, delay=LATE, channel=INTAKE_CHANNEL)  # never posted
    submit_request(impatient)
    assert db.scalars(select(Request)).one().card_ts is None

    retry_deliveries(impatient)
    [card] = top_level(fake, INTAKE_CHANNEL)
    assert db.scalars(select(Request)).one().card_ts == card["ts"]
    assert fake.calls_to("conversations.history", channel=INTAKE_CHANNEL)
    assert_each_message_posted_once(fake, db)


def test_a_failed_look_up_is_retried_and_still_posts_nothing_twice(impatient: Liaison, db) -> None:
    fake = impatient.fake
    fake.accept_then_time_out("chat.postMessage", LATE, channel=INTAKE_CHANNEL)
    fake.fail("conversations.history", status=500)
    submit_request(impatient)

    retry_deliveries(impatient)  # the look-up fails: nothing is posted, the row waits
    card_row = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card")).one()
    assert card_row.status == "pending" and card_row.unconfirmed_since is not None
    assert len(fake.calls_to("chat.postMessage", channel=INTAKE_CHANNEL)) == 1

    retry_deliveries(impatient)
    [card] = top_level(fake, INTAKE_CHANNEL)
    assert db.scalars(select(Request)).one().card_ts == card["ts"]
    assert len(fake.calls_to("chat.postMessage", channel=INTAKE_CHANNEL)) == 1
    assert_each_message_posted_once(fake, db)


def test_a_post_is_sent_again_when_slack_will_not_show_the_history(impatient: Liaison, db) -> None:
    # A bot posting through chat:write.public without being a member cannot read the channel.
    fake = impatient.fake
    fake.accept_then_time_out("chat.postMessage", LATE, channel=INTAKE_CHANNEL)
    fake.fail("conversations.history", "not_in_channel")
    submit_request(impatient)

    retry_deliveries(impatient)
    cards = top_level(fake, INTAKE_CHANNEL)
    assert len(cards) == 2  # a double, which beats losing the card
    request = db.scalars(select(Request)).one()
    assert request.card_ts == cards[-1]["ts"]
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")).all() == []
