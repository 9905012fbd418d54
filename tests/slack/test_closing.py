"""Closing a request: delivered (with the requester's feedback), declined with a reason, or
cancelled by the requester; a closed card offers no more actions."""

from __future__ import annotations

import json

from bot.domain.lifecycle import Status
from tests.conftest import (
    ENG_LEAD,
    ENGINEER,
    ENGINEER_2,
    SALES_REP,
    SALES_REP_2,
    STRANGER,
    Liaison,
)
from tests.slack.helpers import (
    Card,
    card_actions,
    card_blocks,
    click,
    click_answers,
    click_in_dm,
    current,
    dm_with,
    dms_to,
    ephemerals_to,
    events_of,
    file_request,
    opened_view,
    react,
    reply_in_thread,
    thread_texts,
)


def committed(liaison: Liaison, db) -> Card:
    """A request claimed by ENGINEER, estimated at three days and committed for Fri 18 Dec."""
    card = file_request(liaison, db, desired_date="2026-12-18")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    assert current(db, card).status is Status.COMMITTED
    return card


def assert_delivered_by(liaison: Liaison, db, card: Card, user: str, surface: str) -> None:
    request = current(db, card)
    assert request.status is Status.DELIVERED
    assert request.delivered_at == request.closed_at == liaison.clock.now
    delivered = events_of(db, card, "delivered")
    assert [(e.actor, e.from_status, e.to_status, e.surface) for e in delivered] == [
        (user, "committed", "delivered", surface)
    ]
    assert delivered[0].data["on_time"] is True
    dm = dm_with(liaison, SALES_REP, "feedback_helpful")
    assert "Did it meet the need?" in dm["text"]
    assert "feedback_not_helpful" in str(dm["blocks"])
    assert any("marked it delivered" in t for t in thread_texts(liaison, card))


# -- delivering ------------------------------------------------------------------------------


def test_the_claimer_delivers_by_reaction(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    liaison.clock.advance(days=2)
    react(liaison, card, ENGINEER, "white_check_mark")
    assert_delivered_by(liaison, db, card, ENGINEER, "reaction")


def test_the_claimer_delivers_by_button(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    liaison.clock.advance(days=2)
    click(liaison, card, ENGINEER, "card_deliver", value=str(card.request_id))
    assert_delivered_by(liaison, db, card, ENGINEER, "button")


def test_a_lead_may_deliver(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    click(liaison, card, ENG_LEAD, "card_deliver", value=str(card.request_id))
    assert_delivered_by(liaison, db, card, ENG_LEAD, "button")


def test_another_engineer_may_not_deliver(liaison: Liaison, db) -> None:
    card = committed(liaison, db)

    react(liaison, card, ENGINEER_2, "white_check_mark")
    click(liaison, card, ENGINEER_2, "card_deliver", value=str(card.request_id))

    refusals = ephemerals_to(liaison, ENGINEER_2) + click_answers(liaison)
    assert len(refusals) == 2
    assert all("Only the person who claimed REQ-1" in t for t in refusals)
    request = current(db, card)
    assert request.status is Status.COMMITTED and request.delivered_at is None
    assert events_of(db, card, "delivered") == []
    assert not any("delivered your request" in t for t in dms_to(liaison, SALES_REP))


def test_the_requesters_feedback_is_recorded(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    react(liaison, card, ENGINEER, "white_check_mark")

    click_in_dm(liaison, SALES_REP, "feedback_helpful")

    feedback = events_of(db, card, "feedback")
    assert [(e.actor, e.data, e.surface) for e in feedback] == [
        (SALES_REP, {"helpful": True}, "button")
    ]
    assert "Thanks, noted." in str(dm_with(liaison, SALES_REP, "feedback_helpful")["blocks"])
    assert any("met the need" in t for t in dms_to(liaison, ENGINEER))


def test_not_helpful_feedback_is_recorded_too(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    react(liaison, card, ENGINEER, "white_check_mark")

    click_in_dm(liaison, SALES_REP, "feedback_not_helpful")

    assert [e.data for e in events_of(db, card, "feedback")] == [{"helpful": False}]
    assert any("did not fully meet the need" in t for t in dms_to(liaison, ENGINEER))


# -- declining -------------------------------------------------------------------------------


def test_decline_button_asks_for_a_reason_and_passes_it_on(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)

    click(liaison, card, ENGINEER, "card_decline", value=str(card.request_id))
    view = opened_view(liaison, "decline_request")
    response = liaison.slack.view_submission(view, ENGINEER, {"reason": "Not our product."})
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()

    request = current(db, card)
    assert request.status is Status.DECLINED
    assert request.decline_reason == "Not our product."
    assert request.closed_at == liaison.clock.now
    declined = events_of(db, card, "declined")
    assert [(e.actor, e.to_status, e.surface, e.data) for e in declined] == [
        (ENGINEER, "declined", "modal", {"reason": "Not our product."})
    ]
    told = [t for t in dms_to(liaison, SALES_REP) if "declined your request" in t]
    assert len(told) == 1 and "Not our product." in told[0]


def test_a_decline_without_a_reason_is_a_field_error(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    click(liaison, card, ENGINEER, "card_decline", value=str(card.request_id))
    view = opened_view(liaison, "decline_request")

    response = liaison.slack.view_submission(view, ENGINEER, {"reason": "  "})

    assert response.json()["response_action"] == "errors"
    assert "reason" in response.json()["errors"]
    assert current(db, card).status is Status.NEW


def test_decline_reaction_takes_the_decliners_thread_reply_as_the_reason(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db)

    react(liaison, card, ENGINEER, "no_entry_sign")
    assert current(db, card).status is Status.NEW
    assert any(
        f"<@{ENGINEER}>, reply in this thread with the reason" in t
        for t in thread_texts(liaison, card)
    )

    # Someone else's reply is conversation, not the reason.
    reply_in_thread(liaison, card, SALES_REP, "Why would you decline this?")
    assert current(db, card).status is Status.NEW

    reply_in_thread(liaison, card, ENGINEER, "Finance already exports these.")
    request = current(db, card)
    assert request.status is Status.DECLINED
    assert request.decline_reason == "Finance already exports these."
    declined = events_of(db, card, "declined")
    assert [(e.actor, e.surface) for e in declined] == [(ENGINEER, "thread")]
    told = [t for t in dms_to(liaison, SALES_REP) if "declined your request" in t]
    assert len(told) == 1 and "Finance already exports these." in told[0]


def test_a_stranger_may_not_decline(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)

    react(liaison, card, STRANGER, "no_entry_sign")
    click(liaison, card, STRANGER, "card_decline", value=str(card.request_id))

    refusals = ephemerals_to(liaison, STRANGER) + click_answers(liaison)
    assert len(refusals) == 2 and all("Only members of Engineering" in t for t in refusals)
    liaison.fake.assert_no_call("views.open", view=lambda v: v["callback_id"] == "decline_request")
    request = current(db, card)
    assert request.status is Status.NEW and request.decline_pending_by is None
    assert not any("reason for declining" in t for t in thread_texts(liaison, card))


# -- cancelling ------------------------------------------------------------------------------


def test_the_requester_cancels_with_the_command_and_the_claimer_is_told(
    liaison: Liaison, db
) -> None:
    card = committed(liaison, db)

    response = liaison.slack.command(SALES_REP, "cancel REQ-1")
    assert response.status_code == 200
    assert "REQ-1 is cancelled" in response.json()["text"]
    liaison.settle()

    request = current(db, card)
    assert request.status is Status.CANCELLED and request.closed_at == liaison.clock.now
    cancelled = events_of(db, card, "cancelled")
    assert [(e.actor, e.from_status, e.to_status, e.surface) for e in cancelled] == [
        (SALES_REP, "committed", "cancelled", "slash_command")
    ]
    assert any("which you had claimed" in t for t in dms_to(liaison, ENGINEER))
    assert any("cancelled the request" in t for t in thread_texts(liaison, card))


def test_only_the_requester_may_cancel(liaison: Liaison, db) -> None:
    card = committed(liaison, db)

    for someone in (SALES_REP_2, ENGINEER):
        answer = liaison.slack.command(someone, "cancel REQ-1").json()["text"]
        assert f"Only <@{SALES_REP}>, who filed REQ-1, can cancel it." in answer
    liaison.settle()

    assert current(db, card).status is Status.COMMITTED
    assert events_of(db, card, "cancelled") == []
    assert not any("which you had claimed" in t for t in dms_to(liaison, ENGINEER))


def test_the_cancel_button_in_the_filing_dm_cancels(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)

    click_in_dm(liaison, SALES_REP, "requester_cancel")

    assert current(db, card).status is Status.CANCELLED
    assert [e.surface for e in events_of(db, card, "cancelled")] == ["button"]
    # The DM shows it instead of its Edit and Cancel buttons.
    dm = dm_with(liaison, SALES_REP, "requester_cancel")
    assert "REQ-1 is cancelled." in str(dm["blocks"]) and "requester_edit" not in str(dm)


def test_a_closed_card_has_no_action_buttons_but_a_leads_reopen(liaison: Liaison, db) -> None:
    delivered, declined, cancelled = (file_request(liaison, db) for _ in range(3))
    assert "card_claim" in card_actions(liaison, delivered)

    react(liaison, delivered, ENGINEER, "raising_hand")
    react(liaison, delivered, ENGINEER, "white_check_mark")
    click(liaison, declined, ENGINEER, "card_decline", value=str(declined.request_id))
    view = opened_view(liaison, "decline_request")
    liaison.slack.view_submission(view, ENGINEER, {"reason": "No."})
    liaison.settle()
    liaison.slack.command(SALES_REP, f"cancel {current(db, cancelled).reference}")
    liaison.settle()

    for card, status in (
        (delivered, "Delivered"),
        (declined, "Declined"),
        (cancelled, "Cancelled"),
    ):
        assert current(db, card).status.label == status
        # A delivered request can be reopened by a lead (bot/domain/workflow/overrides.py).
        assert card_actions(liaison, card) == (["lead_actions"] if card is delivered else []), (
            status
        )
        assert f"*Status*\\n{status}" in json.dumps(card_blocks(liaison, card))
        assert "to claim" not in json.dumps(card_blocks(liaison, card))


def test_a_closed_request_refuses_further_changes(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    react(liaison, card, ENGINEER, "white_check_mark")

    react(liaison, card, ENGINEER, "white_check_mark")
    react(liaison, card, ENGINEER, "five")

    assert ephemerals_to(liaison, ENGINEER) == ["REQ-1 is already delivered."] * 2
    request = current(db, card)
    assert request.status is Status.DELIVERED and request.estimate_days == 3
    assert len(events_of(db, card, "delivered")) == 1


def test_a_delivery_after_the_committed_date_is_recorded_as_late(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    liaison.clock.advance(days=20)  # Mon 21 Dec, after the committed Fri 18 Dec

    react(liaison, card, ENGINEER, "white_check_mark")

    assert current(db, card).status is Status.DELIVERED
    assert [e.data["on_time"] for e in events_of(db, card, "delivered")] == [False]
