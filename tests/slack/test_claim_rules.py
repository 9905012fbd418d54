"""Who holds a request and what it is estimated at: un-claiming, releasing, reassigning, several
estimators, and Slack delivering the same event twice."""

from __future__ import annotations

import json

import pytest

from bot.domain.lifecycle import Status
from tests.conftest import ENG_LEAD, ENGINEER, ENGINEER_2, SALES_REP, Liaison
from tests.slack.helpers import (
    Card,
    click,
    click_answers,
    current,
    dms_to,
    ephemerals_to,
    events_of,
    file_request,
    react,
    thread_texts,
)

# A third engineer, a member through the department's user group only.
ENGINEER_3 = "UENG3"


@pytest.fixture(autouse=True)
def _third_engineer(fake_slack) -> None:
    fake_slack.usergroups["SENG"] = [ENGINEER_3]


def claimed(liaison: Liaison, db, user: str = ENGINEER) -> Card:
    card = file_request(liaison, db)
    react(liaison, card, user, "raising_hand")
    assert current(db, card).claimer_id == user
    return card


def reassign(liaison: Liaison, card: Card, lead: str, to_user: str) -> None:
    click(
        liaison,
        card,
        lead,
        "card_reassign",
        block_id=f"card_actions:{card.request_id}",
        selected_user=to_user,
    )


# -- un-claiming and releasing ---------------------------------------------------------------


def test_removing_your_claim_reaction_unclaims(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    react(liaison, card, ENGINEER, "raising_hand", removed=True)

    request = current(db, card)
    assert request.status is Status.NEW and request.claimer_id is None
    unclaimed = events_of(db, card, "unclaimed")
    assert [(e.actor, e.from_status, e.to_status, e.surface) for e in unclaimed] == [
        (ENGINEER, "claimed", "new", "reaction")
    ]
    assert any("back in the queue" in t for t in thread_texts(liaison, card))
    assert any("released your request" in t for t in dms_to(liaison, SALES_REP))
    card_update = liaison.fake.calls_to("chat.update", ts=card.ts)[-1]
    assert "Nobody yet" in json.dumps(card_update.params["blocks"])


def test_someone_else_removing_their_claim_reaction_changes_nothing(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)
    react(liaison, card, ENGINEER_2, "raising_hand")  # refused: ENGINEER has it
    calls_before = len(liaison.fake.calls)

    react(liaison, card, ENGINEER_2, "raising_hand", removed=True)

    request = current(db, card)
    assert request.status is Status.CLAIMED and request.claimer_id == ENGINEER
    assert events_of(db, card, "unclaimed") == []
    assert len(liaison.fake.calls) == calls_before


def test_the_second_engineer_to_claim_is_told_privately_who_has_it(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    react(liaison, card, ENGINEER_2, "raising_hand")
    click(liaison, card, ENGINEER_2, "card_claim", value=str(card.request_id))

    refusal = f"<@{ENGINEER}> has already claimed REQ-1."
    assert ephemerals_to(liaison, ENGINEER_2) == [refusal]  # the reaction
    assert click_answers(liaison) == [refusal]  # the click
    assert current(db, card).claimer_id == ENGINEER
    assert len(events_of(db, card, "claimed")) == 1


def test_the_release_button_puts_the_request_back_in_the_queue(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    click(liaison, card, ENGINEER, "card_release", value=str(card.request_id))

    request = current(db, card)
    assert request.status is Status.NEW and request.claimer_id is None
    assert [e.surface for e in events_of(db, card, "unclaimed")] == ["button"]
    assert "card_claim" in json.dumps(liaison.fake.message(card.channel, card.ts)["blocks"])


def test_only_the_claimer_may_release(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    click(liaison, card, ENGINEER_2, "card_release", value=str(card.request_id))

    assert click_answers(liaison) == ["Only the person who claimed REQ-1 can release it."]
    assert current(db, card).claimer_id == ENGINEER


def test_releasing_drops_the_claimers_projection(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)
    react(liaison, card, ENGINEER, "three")
    assert current(db, card).status is Status.COMMITTED

    click(liaison, card, ENGINEER, "card_release", value=str(card.request_id))

    request = current(db, card)
    assert request.status is Status.NEW
    assert request.projected_date is None and request.committed_date is None


# -- reassigning -----------------------------------------------------------------------------


def test_a_lead_reassigns_and_the_new_claimer_is_told(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    reassign(liaison, card, ENG_LEAD, ENGINEER_2)

    request = current(db, card)
    assert request.claimer_id == ENGINEER_2 and request.status is Status.CLAIMED
    reassigned = events_of(db, card, "reassigned")
    assert [(e.actor, e.surface, e.data) for e in reassigned] == [
        (ENG_LEAD, "button", {"from": ENGINEER, "to": ENGINEER_2})
    ]
    assert any(f"<@{ENG_LEAD}> assigned" in t for t in dms_to(liaison, ENGINEER_2))
    assert any("handed your request" in t for t in dms_to(liaison, SALES_REP))
    assert any(f"reassigned it to <@{ENGINEER_2}>" in t for t in thread_texts(liaison, card))


def test_a_lead_can_assign_an_unclaimed_request(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)

    reassign(liaison, card, ENG_LEAD, ENGINEER_3)

    request = current(db, card)
    assert request.claimer_id == ENGINEER_3 and request.status is Status.CLAIMED


def test_a_non_lead_may_not_reassign(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    reassign(liaison, card, ENGINEER, ENGINEER_2)

    assert click_answers(liaison) == ["Only a lead of Engineering can reassign requests."]
    assert current(db, card).claimer_id == ENGINEER
    assert events_of(db, card, "reassigned") == []
    assert dms_to(liaison, ENGINEER_2) == []


def test_a_request_cannot_be_reassigned_outside_the_department(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    reassign(liaison, card, ENG_LEAD, SALES_REP)

    assert "is not in Engineering" in click_answers(liaison)[0]
    assert current(db, card).claimer_id == ENGINEER


# -- several estimators ----------------------------------------------------------------------


def test_without_the_claimers_estimate_the_median_counts(liaison: Liaison, db) -> None:
    card = claimed(liaison, db, user=ENGINEER)

    react(liaison, card, ENGINEER_2, "two")
    react(liaison, card, ENGINEER_3, "four")
    react(liaison, card, ENG_LEAD, "three")

    assert current(db, card).estimate_days == 3
    blocks = json.dumps(liaison.fake.message(card.channel, card.ts)["blocks"])
    assert "3 d (median of 3)" in blocks


def test_the_claimers_own_estimate_wins_once_given(liaison: Liaison, db) -> None:
    card = claimed(liaison, db, user=ENGINEER)
    for user, emoji in ((ENGINEER_2, "two"), (ENGINEER_3, "four"), (ENG_LEAD, "three")):
        react(liaison, card, user, emoji)

    react(liaison, card, ENGINEER, "five")

    assert current(db, card).estimate_days == 5
    blocks = json.dumps(liaison.fake.message(card.channel, card.ts)["blocks"])
    assert "5 d (the claimer's)" in blocks


def test_changing_your_estimate_is_recorded_with_the_previous_one(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)
    react(liaison, card, ENGINEER, "two")

    click(liaison, card, ENGINEER, "card_estimate", selected_option_value=f"{card.request_id}:4")

    assert current(db, card).estimate_days == 4
    estimated = [e for e in events_of(db, card, "estimated") if "previous" in e.data]
    assert [(e.actor, e.data["days"], e.data["previous"]) for e in estimated] == [
        (ENGINEER, 2, None),
        (ENGINEER, 4, 2),
    ]
    assert any("estimates 4 working days (was 2)" in t for t in thread_texts(liaison, card))


def test_widely_disagreeing_estimates_are_flagged_on_the_card_and_in_the_thread(
    liaison: Liaison, db
) -> None:
    card = claimed(liaison, db)
    react(liaison, card, ENGINEER, "one")
    assert "disagree" not in json.dumps(liaison.fake.calls_to("chat.update", ts=card.ts)[-1].params)

    react(liaison, card, ENGINEER_2, "three")

    card_update = liaison.fake.calls_to("chat.update", ts=card.ts)[-1]
    assert "The estimates disagree widely" in json.dumps(card_update.params["blocks"])
    warning = [t for t in thread_texts(liaison, card) if "disagree" in t]
    assert len(warning) == 1
    assert f"<@{ENGINEER}>" in warning[0] and f"<@{ENGINEER_2}>" in warning[0]


def test_estimates_within_a_factor_of_three_are_not_flagged(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)
    react(liaison, card, ENGINEER, "two")
    react(liaison, card, ENGINEER_2, "five")

    card_update = liaison.fake.calls_to("chat.update", ts=card.ts)[-1]
    assert "disagree" not in json.dumps(card_update.params["blocks"])
    assert not any("disagree" in t for t in thread_texts(liaison, card))


# -- Slack's deliveries ----------------------------------------------------------------------


def test_a_retried_event_is_handled_once(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)

    react(liaison, card, ENGINEER, "raising_hand", event_id="Ev0CLAIM01")
    react(liaison, card, ENGINEER, "raising_hand", event_id="Ev0CLAIM01", retry_num=1)

    assert current(db, card).claimer_id == ENGINEER
    assert len(events_of(db, card, "claimed")) == 1
    assert len([t for t in thread_texts(liaison, card) if "claimed it" in t]) == 1
    assert len([t for t in dms_to(liaison, SALES_REP) if "claimed your request" in t]) == 1


def test_a_retried_question_reaction_asks_once(liaison: Liaison, db) -> None:
    # Asking is not idempotent (every ask is sent), so only the event id can stop a repeat.
    card = file_request(liaison, db)

    react(liaison, card, ENGINEER, "question", event_id="Ev0ASK0001")
    react(liaison, card, ENGINEER, "question", event_id="Ev0ASK0001", retry_num=1)

    assert len(events_of(db, card, "needs_info")) == 1
    asked = [t for t in dms_to(liaison, SALES_REP) if "needs more information" in t]
    assert len(asked) == 1


def test_a_retried_refusal_is_told_once(liaison: Liaison, db) -> None:
    card = claimed(liaison, db)

    react(liaison, card, ENGINEER_2, "raising_hand", event_id="Ev0REFUSE1")
    react(liaison, card, ENGINEER_2, "raising_hand", event_id="Ev0REFUSE1", retry_num=1)

    assert len(ephemerals_to(liaison, ENGINEER_2)) == 1


def test_reactions_on_a_message_that_is_not_a_card_are_ignored_quietly(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db)
    calls_before = len(liaison.fake.calls)

    for emoji in ("raising_hand", "three", "question", "white_check_mark", "no_entry_sign"):
        response = liaison.slack.reaction(ENGINEER, emoji, card.channel, "1700000999.000100")
        assert response.status_code == 200
    response = liaison.slack.reaction(
        ENGINEER, "raising_hand", card.channel, "1700000999.000100", removed=True
    )
    assert response.status_code == 200
    liaison.settle()

    assert liaison.fake.calls[calls_before:] == []
    request = current(db, card)
    assert request.status is Status.NEW and request.claimer_id is None
    assert [e.kind for e in events_of(db, card)] == ["created"]


def test_other_reactions_on_a_card_are_ignored_quietly(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    calls_before = len(liaison.fake.calls)

    react(liaison, card, ENGINEER, "tada")
    react(liaison, card, ENGINEER, "three", removed=True)

    assert liaison.fake.calls[calls_before:] == []
    assert [e.kind for e in events_of(db, card)] == ["created"]
