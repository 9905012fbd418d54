"""Asking the requester: by reaction or by the card's button, and the answer in the thread."""

from __future__ import annotations

from datetime import date

from bot.domain.lifecycle import Status
from tests.conftest import ENG_LEAD, ENGINEER, ENGINEER_2, SALES_REP, SALES_REP_2, Liaison
from tests.slack.helpers import (
    Card,
    click,
    current,
    dms_to,
    events_of,
    file_request,
    opened_view,
    react,
    reply_in_thread,
    thread_texts,
)


def claimed(liaison: Liaison, db, **values: object) -> Card:
    card = file_request(liaison, db, **values)
    react(liaison, card, ENGINEER, "raising_hand")
    return card


def ask_with_the_button(liaison: Liaison, card: Card, user: str, question: str):
    click(liaison, card, user, "card_ask", value=str(card.request_id))
    view = opened_view(liaison, "ask_requester")
    response = liaison.slack.view_submission(view, user, {"question": question})
    liaison.settle()
    return response


def test_the_question_reaction_asks_the_requester(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    react(liaison, card, ENGINEER, "question")

    request = current(db, card)
    assert request.status is Status.NEEDS_INFO
    assert request.info_asked_by == ENGINEER and request.resume_status is Status.CLAIMED
    asked = events_of(db, card, "needs_info")
    assert [(e.actor, e.from_status, e.to_status, e.surface) for e in asked] == [
        (ENGINEER, "claimed", "needs_info", "reaction")
    ]
    assert any(
        f"<@{SALES_REP}>, <@{ENGINEER}> needs more information" in t
        for t in thread_texts(liaison, card)
    )
    assert any("needs more information about your request" in t for t in dms_to(liaison, SALES_REP))
    card_update = liaison.fake.calls_to("chat.update", ts=card.ts)[-1]
    assert "Needs information from the requester" in str(card_update.params["blocks"])


def test_the_ask_button_opens_a_modal_and_sends_the_question(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    response = ask_with_the_button(liaison, card, ENGINEER, "Which invoice fields, exactly?")
    assert response.status_code == 200 and response.text == "", response.text

    request = current(db, card)
    assert request.status is Status.NEEDS_INFO and request.info_asked_by == ENGINEER
    asked = events_of(db, card, "needs_info")[-1]
    assert (asked.surface, asked.data["question"]) == ("modal", "Which invoice fields, exactly?")
    assert any("Which invoice fields, exactly?" in t for t in thread_texts(liaison, card))
    assert any("Which invoice fields, exactly?" in t for t in dms_to(liaison, SALES_REP))


def test_the_requesters_reply_in_the_thread_resumes_the_request_and_tells_the_asker(
    liaison: Liaison, db
) -> None:
    card = claimed(liaison, db)
    ask_with_the_button(liaison, card, ENGINEER_2, "Which fields?")

    reply_in_thread(liaison, card, SALES_REP, "Number, date and total.")

    request = current(db, card)
    assert request.status is Status.CLAIMED
    assert request.info_asked_by is None and request.resume_status is None
    answered = events_of(db, card, "info_provided")
    assert [(e.actor, e.from_status, e.to_status, e.surface) for e in answered] == [
        (SALES_REP, "needs_info", "claimed", "thread")
    ]
    told = [t for t in dms_to(liaison, ENGINEER_2) if "answered your question" in t]
    assert len(told) == 1 and "Number, date and total." in told[0]


def test_an_answer_returns_an_estimated_request_to_its_commitment(liaison: Liaison, db) -> None:
    card = claimed(liaison, db, desired_date="2026-12-18")
    react(liaison, card, ENGINEER, "three")
    react(liaison, card, ENGINEER, "question")

    reply_in_thread(liaison, card, SALES_REP, "Yes, PDF too.")

    request = current(db, card)
    assert request.status is Status.COMMITTED
    assert request.committed_date == date(2026, 12, 18)


def test_a_reply_by_someone_else_does_not_answer_the_question(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)
    react(liaison, card, ENGINEER, "question")
    events_before = len(events_of(db, card))

    reply_in_thread(liaison, card, SALES_REP_2, "I think they mean the totals.")
    reply_in_thread(liaison, card, ENGINEER_2, "Me too.")

    request = current(db, card)
    assert request.status is Status.NEEDS_INFO and request.info_asked_by == ENGINEER
    assert len(events_of(db, card)) == events_before
    assert not any("answered your question" in t for t in dms_to(liaison, ENGINEER))


def test_an_empty_question_is_a_field_error(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    response = ask_with_the_button(liaison, card, ENGINEER, "   ")

    body = response.json()
    assert body["response_action"] == "errors" and "question" in body["errors"]
    assert current(db, card).status is Status.CLAIMED
    assert events_of(db, card, "needs_info") == []
    assert not any("needs more information" in t for t in dms_to(liaison, SALES_REP))


def test_a_request_claimed_while_waiting_for_an_answer_resumes_as_claimed(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER_2, "question")
    react(liaison, card, ENGINEER, "raising_hand")
    assert current(db, card).status is Status.NEEDS_INFO

    reply_in_thread(liaison, card, SALES_REP, "Monthly.")

    request = current(db, card)
    assert request.claimer_id == ENGINEER
    assert request.status is Status.CLAIMED


def test_a_request_assigned_while_waiting_for_an_answer_resumes_as_claimed(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "question")
    click(
        liaison,
        card,
        ENG_LEAD,
        "card_reassign",
        block_id=f"card_actions:{card.request_id}",
        selected_user=ENGINEER_2,
    )
    assert current(db, card).claimer_id == ENGINEER_2

    reply_in_thread(liaison, card, SALES_REP, "Monthly.")

    assert current(db, card).status is Status.CLAIMED
