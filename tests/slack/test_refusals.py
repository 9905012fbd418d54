"""The workflow refuses with a code and facts; the Slack layer says why, in words."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.domain.lifecycle import Status
from bot.domain.workflow import Attempt, Refusal, RefusalCode
from bot.slack.refusals import SENTENCES, VERBS, refusal_text

FACTS: dict[str, Any] = {
    "reference": "REQ-7",
    "status": Status.NEEDS_INFO,
    "department": "Engineering",
    "departments": ["Engineering", "Sales"],
    "today": date(2026, 11, 30),
    "requester": "U0REQ",
    "claimer": "U0CLA",
    "user": "U0NEW",
    "attempt": Attempt.ANSWER,
    "choices": (1, 3, 7),
}


@pytest.mark.parametrize("code", list(RefusalCode))
def test_every_refusal_has_a_sentence(code: RefusalCode) -> None:
    sentence = refusal_text(Refusal(code, **FACTS))

    assert sentence.endswith((".", "!"))


@pytest.mark.parametrize("attempt", list(Attempt))
def test_every_attempt_reads_as_a_verb(attempt: Attempt) -> None:
    assert VERBS[attempt]


def test_the_sentence_names_the_people_as_mentions() -> None:
    refusal = Refusal(RefusalCode.REQUESTER_ONLY, **FACTS)

    assert refusal_text(refusal) == (
        "Only <@U0REQ>, who filed REQ-7, can answer questions about it."
    )
    assert str(refusal) == "requester_only"  # what a log line shows: no names, no words


def test_snooze_choices_are_listed_as_the_menu_offers_them() -> None:
    assert refusal_text(Refusal(RefusalCode.SNOOZE_CHOICE, choices=(1, 3, 7))) == (
        "Reminders can be snoozed for 1, 3 or 7 days: pick one in the menu."
    )
    assert set(SENTENCES) == set(RefusalCode)


def test_a_lead_only_refusal_names_each_department_whose_leads_may() -> None:
    assert refusal_text(
        Refusal(
            RefusalCode.LEADS_ONLY, departments=["Engineering", "Sales"], attempt=Attempt.REOPEN
        )
    ) == ("Only a lead of Engineering or Sales can reopen requests.")
    assert (
        refusal_text(Refusal(RefusalCode.DATE_IN_PAST, reference="REQ-7", today=date(2026, 11, 30)))
        == "Pick a date from Mon 30 Nov on: a committed date cannot be in the past."
    )
