"""Not ready: an engineer sends a request back naming what is missing (the reaction, which
offers a button, or the card's button), the requester completes it from the DM, and the request
resumes where it was."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.domain.lifecycle import Status
from bot.domain.models import Request
from bot.jobs.nudges import send_nudges
from tests.conftest import (
    DEFAULT_CONFIG,
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_REP,
    SALES_REP_2,
    STRANGER,
    Inspector,
    Liaison,
)
from tests.slack.helpers import (
    Card,
    card_blocks,
    click,
    click_answers,
    click_in_dm,
    current,
    dm_with,
    dms_to,
    ephemerals_to,
    events_of,
    private_answers,
    react,
    reply_in_thread,
    thread_texts,
)
from tests.slack.test_request_types import BUG, SEVERITY, STEPS, SUMMARY, TYPES, file_bug

NOT_READY, COMPLETE = "not_ready", "request_complete"


@pytest.fixture
def config_text() -> str:
    return DEFAULT_CONFIG + TYPES


def views_opened(liaison: Liaison, callback_id: str) -> list[dict[str, Any]]:
    calls = liaison.fake.calls_to(
        "views.open", view=lambda view: (view or {}).get("callback_id") == callback_id
    )
    return [c.response["view"] for c in calls]


def latest_view(liaison: Liaison, callback_id: str, count: int) -> dict[str, Any]:
    calls = liaison.fake.wait_for(
        "views.open", count=count, view=lambda v: (v or {}).get("callback_id") == callback_id
    )
    return calls[-1].response["view"]


def offered_button(liaison: Liaison, user: str) -> list[dict[str, Any]]:
    """The blocks of the latest ephemeral message to `user`."""
    blocks = liaison.fake.calls_to("chat.postEphemeral", user=user)[-1].params.get("blocks")
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks or [])


def by_id(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if "block_id" in b}


def claimed_bug(liaison: Liaison, db: Inspector) -> Card:
    card = file_bug(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    return card


def test_the_round_trip_from_the_reaction_to_the_completed_request(
    liaison: Liaison, db: Inspector
) -> None:
    card = claimed_bug(liaison, db)

    # A reaction has no trigger to open a modal with: the reactor is offered a button.
    react(liaison, card, ENGINEER, "memo")
    assert current(db, card).status is Status.CLAIMED
    offer = offered_button(liaison, ENGINEER)
    response = liaison.slack.block_action(
        ENGINEER, "not_ready_open", channel_id=INTAKE_CHANNEL, message={"blocks": offer}
    )
    assert response.status_code == 200
    liaison.settle()
    view = latest_view(liaison, NOT_READY, 1)
    missing = by_id(view)["missing"]["element"]
    assert missing["type"] == "checkboxes"
    assert [o["value"] for o in missing["options"]][:2] == ["steps", "summary"]

    sent = {"missing": ["steps", "severity"], "note": "Which browser & which account?"}
    response = liaison.slack.view_submission(view, ENGINEER, sent)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()

    request = current(db, card)
    assert request.status is Status.NEEDS_INFO
    assert (request.info_asked_by, request.resume_status) == (ENGINEER, Status.CLAIMED)
    [event] = events_of(db, card, "not_ready")
    assert (event.actor, event.surface, event.from_status, event.to_status) == (
        ENGINEER,
        "modal",
        "claimed",
        "needs_info",
    )
    assert event.data == {
        "missing": ["steps", "severity"],
        "note": "Which browser & which account?",
    }
    noted = [t for t in thread_texts(liaison, card) if "not ready" in t]
    assert noted and "Steps to reproduce" in noted[-1] and "Severity" in noted[-1]
    told = [t for t in dms_to(liaison, SALES_REP) if "not ready yet" in t]
    assert len(told) == 1 and "Which browser &amp; which account?" in told[0]
    # A reply in the thread is conversation: the request waits for its fields.
    reply_in_thread(liaison, card, SALES_REP, "Chrome, on the demo account.")
    assert current(db, card).status is Status.NEEDS_INFO

    # The requester opens the named fields, showing what the request holds now.
    dm_with(liaison, SALES_REP, COMPLETE)
    click_in_dm(liaison, SALES_REP, COMPLETE)
    form = latest_view(liaison, COMPLETE, 1)
    blocks = by_id(form)
    assert [b for b in blocks if b.startswith("type_field.")] == [STEPS, SEVERITY]
    assert blocks[STEPS]["element"]["initial_value"] == BUG[STEPS]
    assert blocks[SEVERITY]["element"]["initial_option"]["value"] == "High"
    assert "Which browser" in json.dumps(form["blocks"])

    refused = liaison.slack.view_submission(form, SALES_REP, {STEPS: " "})
    assert refused.json() == {
        "response_action": "errors",
        "errors": {STEPS: "Fill this in."},
    }
    assert current(db, card).status is Status.NEEDS_INFO

    done = {STEPS: "Open Billing, click Export in Chrome", SEVERITY: "Critical", "answer": "Demo"}
    response = liaison.slack.view_submission(form, SALES_REP, done)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()

    request = current(db, card)
    assert request.status is Status.CLAIMED
    assert (request.info_asked_by, request.resume_status) == (None, None)
    assert request.type_fields[STEPS.rpartition(".")[2]] == "Open Billing, click Export in Chrome"
    assert request.type_fields["severity"] == "Critical"
    assert request.type_fields["summary"] == BUG[SUMMARY]  # not named: kept as it was
    [answered] = events_of(db, card, "info_provided")
    assert answered.data == {"completed": ["steps", "severity"], "answer": "Demo"}
    assert any(
        "completed the request: Steps to reproduce, Severity" in t
        for t in thread_texts(liaison, card)
    )
    assert any("completed" in t and "Demo" in t for t in dms_to(liaison, ENGINEER))

    # The DM's prompt shows the outcome instead of its button.
    [posted] = [
        c
        for c in liaison.fake.calls_to("chat.postMessage", channel=SALES_REP)
        if COMPLETE in str(c.params.get("blocks"))
    ]
    prompt = liaison.fake.message(posted.response["channel"], posted.response["ts"])
    assert COMPLETE not in json.dumps(prompt["blocks"])
    assert "REQ-1 is complete and" in json.dumps(prompt["blocks"])
    # A click on a copy of the prompt not refreshed yet is stale: a private word, no modal.
    blocks = posted.params["blocks"]
    old = {**prompt, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}
    response = liaison.slack.block_action(
        SALES_REP, COMPLETE, channel_id="D" + SALES_REP, message=old
    )
    assert response.status_code == 200
    liaison.settle()
    assert len(views_opened(liaison, COMPLETE)) == 1
    assert (
        private_answers(liaison)[-1] == "REQ-1 is no longer waiting for an answer: it is claimed."
    )


def test_the_cards_button_opens_the_form_and_something_must_be_named(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_bug(liaison, db)
    assert "card_not_ready" in json.dumps(liaison.fake.message(card.channel, card.ts)["blocks"])
    click(liaison, card, ENGINEER, "card_not_ready", value=str(card.request_id))
    view = latest_view(liaison, NOT_READY, 1)

    nothing = liaison.slack.view_submission(view, ENGINEER, {})
    assert list(nothing.json()["errors"]) == ["note"]

    response = liaison.slack.view_submission(view, ENGINEER, {"note": "Which customer?"})
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()
    request = current(db, card)
    assert (request.status, request.resume_status) == (Status.NEEDS_INFO, Status.NEW)
    assert events_of(db, card, "not_ready")[0].surface == "modal"

    # Without fields named, completing is an answer to the note.
    click_in_dm(liaison, SALES_REP, COMPLETE)
    form = latest_view(liaison, COMPLETE, 1)
    assert not any(b.startswith("type_field.") for b in by_id(form))
    assert list(liaison.slack.view_submission(form, SALES_REP, {}).json()["errors"]) == ["answer"]
    response = liaison.slack.view_submission(form, SALES_REP, {"answer": "Acme Corp"})
    assert response.text == ""
    liaison.settle()
    assert current(db, card).status is Status.NEW
    assert any("Acme Corp" in t for t in thread_texts(liaison, card))


def test_a_request_without_a_type_is_sent_back_with_a_note(
    liaison: Liaison, db: Inspector, engine: Any
) -> None:
    card = file_bug(liaison, db)
    with Session(engine) as session, session.begin():  # as if filed before the team had types
        session.execute(
            update(Request).where(Request.id == card.request_id).values(request_type=None)
        )
    click(liaison, card, ENGINEER, "card_not_ready", value=str(card.request_id))
    view = latest_view(liaison, NOT_READY, 1)
    assert list(by_id(view)) == ["note"] and not by_id(view)["note"].get("optional")
    liaison.slack.view_submission(view, ENGINEER, {"note": "What is broken?"})
    liaison.settle()
    assert current(db, card).status is Status.NEEDS_INFO
    # The Answer button of the Home and reminders opens the same form as the DM's button.
    response = liaison.slack.block_action(
        SALES_REP, "requester_answer", value=str(card.request_id), channel_id="D" + SALES_REP
    )
    assert response.status_code == 200
    liaison.settle()
    assert len(views_opened(liaison, COMPLETE)) == 1
    assert views_opened(liaison, "requester_answer") == []


def test_strangers_are_refused_privately(liaison: Liaison, db: Inspector) -> None:
    card = file_bug(liaison, db)

    react(liaison, card, STRANGER, "memo")
    assert any("Engineering" in t for t in ephemerals_to(liaison, STRANGER))
    assert "not_ready_open" not in json.dumps(offered_button(liaison, STRANGER))

    click(liaison, card, SALES_REP_2, "card_not_ready", value=str(card.request_id))
    assert click_answers(liaison) and "Engineering" in click_answers(liaison)[-1]
    assert views_opened(liaison, NOT_READY) == []

    # Only the requester completes it.
    click(liaison, card, ENGINEER, "card_not_ready", value=str(card.request_id))
    view = latest_view(liaison, NOT_READY, 1)
    liaison.slack.view_submission(view, ENGINEER, {"missing": ["summary"]})
    liaison.settle()
    message = dm_with(liaison, SALES_REP, COMPLETE)
    response = liaison.slack.block_action(
        SALES_REP_2, COMPLETE, channel_id="D" + SALES_REP, message=message
    )
    assert response.status_code == 200
    liaison.settle()
    assert views_opened(liaison, COMPLETE) == []
    assert f"<@{SALES_REP}>" in private_answers(liaison)[-1]
    assert current(db, card).status is Status.NEEDS_INFO


def test_a_closed_request_cannot_be_sent_back(liaison: Liaison, db: Inspector) -> None:
    card = file_bug(liaison, db)
    click(liaison, card, SALES_REP, "requester_cancel", value=str(card.request_id))
    click(liaison, card, ENGINEER, "card_not_ready", value=str(card.request_id))
    assert views_opened(liaison, NOT_READY) == []
    assert "cancelled" in click_answers(liaison)[-1].lower()


def test_reconciling_the_thread_does_not_take_a_reply_for_the_fields(
    liaison: Liaison, db: Inspector
) -> None:
    from bot.jobs.reconcile import reconcile_cards

    card = claimed_bug(liaison, db)
    # A question asked and answered before: the thread is read from then on.
    react(liaison, card, ENGINEER, "question")
    liaison.clock.advance(minutes=1)
    reply_in_thread(liaison, card, SALES_REP, "Yes, all of them.")
    assert current(db, card).status is Status.CLAIMED
    click(liaison, card, ENGINEER, "card_not_ready", value=str(card.request_id))
    liaison.slack.view_submission(latest_view(liaison, NOT_READY, 1), ENGINEER, {"note": "Which?"})
    liaison.settle()
    liaison.clock.advance(minutes=5)
    # A reply whose event never arrived, and a memo reaction nobody's form followed.
    liaison.fake.post_as(SALES_REP, card.channel, "The big one", thread_ts=card.ts)
    liaison.slack.reaction_dropped(ENGINEER, "memo", card.channel, card.ts)

    report = reconcile_cards(liaison.runtime)
    liaison.settle()

    assert report.changes == []
    assert current(db, card).status is Status.NEEDS_INFO


def test_the_card_and_the_reminder_say_which_fields_it_waits_for(
    liaison: Liaison, db: Inspector
) -> None:
    card = claimed_bug(liaison, db)
    click(liaison, card, ENGINEER, "card_not_ready", value=str(card.request_id))
    view = latest_view(liaison, NOT_READY, 1)
    liaison.slack.view_submission(view, ENGINEER, {"missing": ["severity", "steps"]})
    liaison.settle()

    shown = json.dumps(card_blocks(liaison, card))
    assert "*Status*\\nWaiting for the requester to complete: Steps to reproduce, Severity" in (
        shown
    )
    assert "sent it back as not ready" in shown and "Needs information" not in shown
    assert "asked" not in shown
    status = json.dumps(liaison.slack.command(SALES_REP, "status REQ-1").json()["blocks"])
    assert "Waiting for the requester to complete: Steps to reproduce, Severity" in status

    send_nudges(liaison.runtime, at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    liaison.settle()
    reminder = liaison.fake.calls_to("chat.postMessage", channel=SALES_REP)[-1].params
    assert "need you" in str(reminder["blocks"][0])
    assert "waiting for your answer" not in reminder["text"]
    assert (
        "sent back as not ready and waits for you to complete Steps to reproduce, Severity"
        in (reminder["text"])
    )

    # Completed, the card says where the request is again.
    click_in_dm(liaison, SALES_REP, COMPLETE)
    form = latest_view(liaison, COMPLETE, 1)
    liaison.slack.view_submission(form, SALES_REP, {STEPS: "Click Export", SEVERITY: "Low"})
    liaison.settle()
    shown = json.dumps(card_blocks(liaison, card))
    assert "*Status*\\nClaimed" in shown and "Waiting for the requester" not in shown


def test_a_note_alone_is_what_the_card_and_reminder_wait_for(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_bug(liaison, db)
    click(liaison, card, ENGINEER, "card_not_ready", value=str(card.request_id))
    liaison.slack.view_submission(latest_view(liaison, NOT_READY, 1), ENGINEER, {"note": "Who?"})
    liaison.settle()
    shown = json.dumps(card_blocks(liaison, card))
    assert "*Status*\\nWaiting for the requester to complete the request" in shown

    send_nudges(liaison.runtime, at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    liaison.settle()
    reminder = liaison.fake.calls_to("chat.postMessage", channel=SALES_REP)[-1].params
    assert "sent back as not ready and waits for you to complete it (" in reminder["text"]
