"""A decline reaction waits for its reason in the thread, but not forever and not regardless:
removing the reaction, someone taking the request on, or the time running out ends the wait, and
only the decliner's first reply after the prompt is the reason. A question waits for the
requester's answer until the asker takes the reaction back, and only a reply written after it
answers it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.domain.lifecycle import Status
from tests.conftest import ENG_LEAD, ENGINEER, ENGINEER_2, SALES_REP, Liaison
from tests.slack.helpers import (
    Card,
    current,
    dms_to,
    ephemerals_to,
    events_of,
    file_request,
    lead_override,
    react,
    reply_in_thread,
    thread_texts,
)

FRIENDLY = "Thanks, happy it found a good home!"


def declined_dms(liaison: Liaison) -> list[str]:
    return [t for t in dms_to(liaison, SALES_REP) if "declined your request" in t]


def remove_the_reaction(liaison: Liaison, card: Card) -> None:
    react(liaison, card, ENGINEER, "no_entry_sign", removed=True)


def a_colleague_claims(liaison: Liaison, card: Card) -> None:
    react(liaison, card, ENGINEER_2, "raising_hand")


def a_lead_reassigns(liaison: Liaison, card: Card) -> None:
    lead_override(liaison, card, ENG_LEAD, "reassign", {"assignee": ENGINEER_2})


def comes_goes_then_claimed(liaison: Liaison, card: Card) -> None:
    remove_the_reaction(liaison, card)
    a_colleague_claims(liaison, card)


def time_runs_out(liaison: Liaison, card: Card) -> None:
    liaison.clock.advance(minutes=31)


ENDINGS: dict[str, Callable[[Liaison, Card], None]] = {
    "reaction removed, then a colleague claims": comes_goes_then_claimed,
    "reaction removed": remove_the_reaction,
    "a colleague claims": a_colleague_claims,
    "a lead reassigns": a_lead_reassigns,
    "thirty minutes pass": time_runs_out,
}


@pytest.mark.parametrize("ending", list(ENDINGS), ids=list(ENDINGS))
def test_a_decline_no_longer_awaited_never_takes_a_later_reply_as_its_reason(
    liaison: Liaison, db, ending: str
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "no_entry_sign")
    assert current(db, card).decline_pending_by == ENGINEER

    ENDINGS[ending](liaison, card)
    reply_in_thread(liaison, card, ENGINEER, FRIENDLY)

    request = current(db, card)
    assert request.status is not Status.DECLINED and request.decline_reason is None
    assert request.decline_pending_by is None
    assert events_of(db, card, "declined") == []
    assert declined_dms(liaison) == []
    # A later reply is conversation too: the wait is over, not postponed.
    reply_in_thread(liaison, card, ENGINEER, "Really, well done.")
    assert current(db, card).status is not Status.DECLINED


def test_the_thread_says_when_a_decline_is_off(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "no_entry_sign")
    remove_the_reaction(liaison, card)
    assert any("took back the decline" in t for t in thread_texts(liaison, card))

    react(liaison, card, ENGINEER, "no_entry_sign")
    a_colleague_claims(liaison, card)
    assert any(
        f"<@{ENGINEER_2}> took it on, so the decline <@{ENGINEER}> asked for is off" in t
        for t in thread_texts(liaison, card)
    )


def test_the_prompt_names_the_time_limit_and_a_late_reason_is_answered_privately(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "no_entry_sign")
    prompt = [t for t in thread_texts(liaison, card) if "reason for declining" in t]
    assert len(prompt) == 1 and "within 30 minutes" in prompt[0]

    liaison.clock.advance(minutes=30)
    reply_in_thread(liaison, card, ENGINEER, "Finance already exports these.")

    assert current(db, card).status is Status.NEW
    [late] = ephemerals_to(liaison, ENGINEER)
    assert "not declined" in late and "30 minutes" in late and "React again" in late
    # Reacting again starts a new wait, and a reply in time declines.
    react(liaison, card, ENGINEER, "no_entry_sign")
    liaison.clock.advance(minutes=29)
    reply_in_thread(liaison, card, ENGINEER, "Finance already exports these.")
    request = current(db, card)
    assert request.status is Status.DECLINED
    assert request.decline_reason == "Finance already exports these."
    assert len(declined_dms(liaison)) == 1


def slack_ts(liaison: Liaison, seconds_from_now: float) -> str:
    return f"{liaison.clock.now.timestamp() + seconds_from_now:.6f}"


def test_only_the_first_reply_after_the_prompt_is_the_reason(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "no_entry_sign")

    # Written a minute before the reaction, delivered late by Slack's retry: not an answer.
    reply_in_thread(liaison, card, ENGINEER, FRIENDLY, ts=slack_ts(liaison, -60))
    assert current(db, card).status is Status.NEW
    assert current(db, card).decline_pending_by == ENGINEER

    reply_in_thread(liaison, card, ENGINEER, "Not our product.", ts=slack_ts(liaison, 5))
    reply_in_thread(liaison, card, ENGINEER, "Sorry about that!", ts=slack_ts(liaison, 6))

    request = current(db, card)
    assert request.status is Status.DECLINED
    assert request.decline_reason == "Not our product."
    [told] = declined_dms(liaison)
    assert "Not our product." in told and "Sorry" not in told and FRIENDLY not in told


# -- a question waits for the requester's reply in the same way --------------------------------


def test_taking_the_question_reaction_back_withdraws_the_question(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "question")
    assert current(db, card).status is Status.NEEDS_INFO

    # Someone who did not ask removing their own reaction changes nothing.
    react(liaison, card, ENGINEER_2, "question", removed=True)
    assert current(db, card).status is Status.NEEDS_INFO

    react(liaison, card, ENGINEER, "question", removed=True)

    request = current(db, card)
    assert request.status is Status.CLAIMED and request.info_asked_by is None
    [withdrawn] = events_of(db, card, "info_withdrawn")
    assert (withdrawn.actor, withdrawn.from_status, withdrawn.to_status) == (
        ENGINEER,
        "needs_info",
        "claimed",
    )
    assert any("withdrew their question" in t for t in dms_to(liaison, SALES_REP))
    # The requester's next reply is conversation, not an answer.
    reply_in_thread(liaison, card, SALES_REP, "Glad it's clear!")
    assert events_of(db, card, "info_provided") == []
    assert not any("answered your question" in t for t in dms_to(liaison, ENGINEER))


def test_a_reply_written_before_the_question_is_not_its_answer(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "question")

    reply_in_thread(liaison, card, SALES_REP, "Any news?", ts=slack_ts(liaison, -60))
    assert current(db, card).status is Status.NEEDS_INFO

    reply_in_thread(liaison, card, SALES_REP, "CSV, one file per month.", ts=slack_ts(liaison, 5))
    assert current(db, card).status is Status.CLAIMED
    [answered] = events_of(db, card, "info_provided")
    assert answered.data == {"answer": "CSV, one file per month."}
