"""Claiming and estimating from the card, by reaction and by button."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.domain.lifecycle import Status
from bot.domain.models import RequestEvent
from tests.conftest import ENGINEER, ENGINEER_2, SALES_REP, STRANGER, Liaison
from tests.slack.helpers import (
    click,
    current,
    dms_to,
    ephemerals_to,
    file_request,
    react,
    thread_texts,
)


def test_claim_by_reaction_updates_card_thread_and_requester(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    request = current(db, card)
    assert request.status is Status.CLAIMED and request.claimer_id == ENGINEER
    assert any("claimed it" in t for t in thread_texts(liaison, card))
    assert any("claimed your request" in t for t in dms_to(liaison, SALES_REP))
    updated = liaison.fake.calls_to("chat.update", ts=card.ts)[-1]
    assert f"<@{ENGINEER}>" in str(updated.params["blocks"])
    events = db.scalars(select(RequestEvent).order_by(RequestEvent.id)).all()
    assert (events[-1].kind, events[-1].from_status, events[-1].to_status, events[-1].surface) == (
        "claimed",
        "new",
        "claimed",
        "reaction",
    )


def test_estimate_that_fits_commits_for_the_desired_date(liaison: Liaison, db) -> None:
    card = file_request(liaison, db, desired_date="2026-12-18")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    request = current(db, card)
    assert request.status is Status.COMMITTED
    assert request.estimate_days == 3
    assert request.committed_date == date(2026, 12, 18)
    assert any("committed for" in t for t in dms_to(liaison, SALES_REP))


def test_a_stranger_is_refused_privately(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, STRANGER, "raising_hand")
    assert current(db, card).claimer_id is None
    assert any("Only members of Engineering" in t for t in ephemerals_to(liaison, STRANGER))


def test_claim_button_and_estimate_menu(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    click(liaison, card, ENGINEER_2, "card_claim", value=str(card.request_id))
    assert current(db, card).claimer_id == ENGINEER_2
    click(
        liaison,
        card,
        ENGINEER_2,
        "card_estimate",
        selected_option_value=f"{card.request_id}:2",
    )
    assert current(db, card).estimate_days == 2
