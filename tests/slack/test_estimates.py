"""Estimates beyond the reactions' ten days: the card's menu and the Estimate… modal."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from bot.domain.lifecycle import Status
from bot.domain.models import Estimate, RequestEvent
from tests.conftest import ENGINEER, ENGINEER_2, STRANGER, Liaison
from tests.slack.helpers import (
    Card,
    click,
    click_answers,
    current,
    dms_to,
    file_request,
    react,
    thread_texts,
)


def pick(liaison: Liaison, card: Card, user: str, choice: str) -> None:
    click(liaison, card, user, "card_estimate", selected_option_value=f"{card.request_id}:{choice}")


def open_estimate_modal(liaison: Liaison, card: Card, user: str = ENGINEER) -> dict:
    before = len(liaison.fake.calls_to("views.open"))
    pick(liaison, card, user, "other")
    return liaison.fake.wait_for("views.open", count=before + 1)[-1].response["view"]


def test_an_estimate_of_15_days_from_the_cards_menu(liaison: Liaison, db) -> None:
    # Desired Friday 18 Dec; 15 working days from Tuesday 1 Dec 10:00 New York end on 22 Dec.
    card = file_request(liaison, db, desired_date="2026-12-18")
    react(liaison, card, ENGINEER, "raising_hand")
    pick(liaison, card, ENGINEER, "15")
    request = current(db, card)
    assert request.estimate_days == 15
    assert request.projected_date == date(2026, 12, 22)
    assert request.status is Status.AT_RISK
    assert any("estimates 15 working days." in t for t in thread_texts(liaison, card))
    assert any("at risk" in t for t in dms_to(liaison, request.requester_id))
    card_blocks = json.dumps(liaison.fake.message(card.channel, card.ts)["blocks"])
    assert "15 d" in card_blocks and "15.0" not in card_blocks


def test_the_menu_offers_half_days_long_estimates_and_other(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    blocks = liaison.fake.message(card.channel, card.ts)["blocks"]
    menu = next(
        e for b in blocks for e in b.get("elements", []) if e.get("action_id") == "card_estimate"
    )
    labels = [o["text"]["text"] for o in menu["options"]]
    assert labels[:3] == ["0.5 working day", "1 working day", "1.5 working days"]
    assert "60 working days" in labels and labels[-1] == "Other…"


def test_two_and_a_half_days_through_the_modal(liaison: Liaison, db) -> None:
    card = file_request(liaison, db, desired_date="2026-12-18")
    react(liaison, card, ENGINEER, "raising_hand")
    view = open_estimate_modal(liaison, card)
    assert view["callback_id"] == "estimate_request"
    response = liaison.slack.view_submission(view, ENGINEER, {"days": "2.5"})
    assert response.status_code == 200 and response.text == ""
    liaison.settle()
    request = current(db, card)
    assert request.estimate_days == 2.5
    assert request.status is Status.COMMITTED
    assert [e.days for e in db.scalars(select(Estimate))] == [2.5]
    event = db.scalars(select(RequestEvent).where(RequestEvent.kind == "estimated")).one()
    assert (event.surface, event.data["days"]) == ("modal", 2.5)
    assert any("estimates 2.5 working days." in t for t in thread_texts(liaison, card))

    # Opened again, the modal shows the estimate given; a new one replaces it.
    again = open_estimate_modal(liaison, card)
    assert again["blocks"][0]["element"]["initial_value"] == "2.5"
    liaison.slack.view_submission(again, ENGINEER, {"days": "40"})
    liaison.settle()
    assert current(db, card).estimate_days == 40
    assert any("estimates 40 working days (was 2.5)." in t for t in thread_texts(liaison, card))


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("0", "0.5 to 250"),
        ("251", "0.5 to 250"),
        ("1.3", "whole or half"),
        ("2.25", "at most one decimal"),
        ("abc", "a number"),
        ("²", "a number"),
    ],
)
def test_the_modal_refuses_what_is_not_an_estimate(
    liaison: Liaison, db, typed: str, why: str
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    view = open_estimate_modal(liaison, card)
    response = liaison.slack.view_submission(view, ENGINEER, {"days": typed})
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["days"] and why in body["errors"]["days"]
    assert current(db, card).estimate_days is None
    assert db.scalars(select(Estimate)).all() == []


def test_only_the_team_may_open_or_submit_the_modal(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    opened = len(liaison.fake.calls_to("views.open"))
    pick(liaison, card, STRANGER, "other")
    assert any("Only members of Engineering" in t for t in click_answers(liaison))
    assert len(liaison.fake.calls_to("views.open")) == opened

    view = open_estimate_modal(liaison, card, ENGINEER_2)
    response = liaison.slack.view_submission(view, STRANGER, {"days": "3"})
    assert "Only members of Engineering" in response.json()["errors"]["days"]
    assert current(db, card).estimate_days is None


def test_reactions_still_mean_one_to_ten_days(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "keycap_ten")
    assert current(db, card).estimate_days == 10
