"""The workflow says what it did with a code and facts; the Slack layer says it in words."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.domain.lifecycle import Status
from bot.domain.workflow import Done, DoneCode
from bot.slack.confirmations import SENTENCES, confirmation_text

FACTS: dict[str, Any] = {
    "reference": "REQ-7",
    "requester": "U0REQ",
    "asked_by": "U0ENG",
    "days": 2.5,
    "committed": date(2026, 12, 4),
    "day": date(2026, 12, 4),
    "minutes": 10,
    "helpful": True,
    "estimates_cleared": True,
    "nudge": "needs_info",
    "to": "U0NEW",
    "status": Status.AT_RISK,
    "outcome": Status.CANCELLED,
    "target": "acme/backend",
}


def test_every_outcome_has_a_sentence() -> None:
    assert set(SENTENCES) == set(DoneCode)


@pytest.mark.parametrize("code", list(DoneCode))
def test_each_sentence_is_whole(code: DoneCode) -> None:
    sentence = confirmation_text(Done(code, **FACTS))

    assert sentence is not None and sentence.endswith(".")
    assert "{" not in sentence and "None" not in sentence


@pytest.mark.parametrize(
    ("done", "expected"),
    [
        (Done(DoneCode.CLAIMED, reference="REQ-1"), "You claimed REQ-1."),
        (
            Done(DoneCode.DELIVERED, reference="REQ-1", requester="U0REQ"),
            "REQ-1 is delivered; I asked <@U0REQ> for feedback.",
        ),
        (
            Done(DoneCode.ANSWERED, reference="REQ-1", asked_by=None),
            "Your answer is in the thread of REQ-1.",
        ),
        (
            Done(DoneCode.ANSWERED, reference="REQ-1", asked_by="U0ENG"),
            "Your answer is in the thread of REQ-1 and <@U0ENG> is told.",
        ),
        (
            Done(DoneCode.SNOOZED, reference="REQ-1", nudge="needs_info", days=1),
            "Reminders about REQ-1 (needs info) are snoozed for 1 day.",
        ),
        (
            Done(DoneCode.DATE_SET, reference="REQ-1", day=date(2026, 12, 4)),
            "REQ-1 is committed for Fri 4 Dec; both sides are told.",
        ),
        (Done(DoneCode.EDITED, reference="REQ-1", estimates_cleared=False), "REQ-1 is updated."),
    ],
)
def test_sentences(done: Done, expected: str) -> None:
    assert confirmation_text(done) == expected


def test_nothing_done_says_nothing() -> None:
    assert confirmation_text(None) is None
