"""Snoozing a reminder: only someone the reminder is for may, only for the menu's choices, and
anything else gets a private answer, never an error."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain.models import NudgeMark, RequestEvent
from bot.jobs.nudges import send_nudges
from tests.conftest import (
    ENG_LEAD,
    ENGINEER,
    ENGINEER_2,
    INTAKE_CHANNEL,
    SALES_LEAD,
    SALES_REP,
    SALES_REP_2,
    Liaison,
)
from tests.slack.helpers import Card, click_answers, file_request, react


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def nudge(liaison: Liaison, when: str) -> list[str]:
    result = send_nudges(liaison.runtime, at=at(when))
    liaison.settle()
    return [n.kind.value for n in result.nudges]


def snooze(liaison: Liaison, user: str, value: str, channel: str = INTAKE_CHANNEL) -> None:
    # The option is sent as Slack would send a forged or stale one: not looked up in a menu.
    response = liaison.slack.block_action(
        user, "nudge_snooze", selected_option_value=value, channel_id=channel
    )
    assert response.status_code == 200
    liaison.settle()


def snoozes(db) -> list[RequestEvent]:
    query = select(RequestEvent).where(RequestEvent.kind == "snoozed").order_by(RequestEvent.id)
    return db.scalars(query).all()


def answers_to(liaison: Liaison, user: str) -> list[str]:
    # A click is answered through its response_url; these tests click as one person at a time.
    return click_answers(liaison)


def unclaimed_nudge(liaison: Liaison, db) -> Card:
    card = file_request(liaison, db)
    assert nudge(liaison, "2026-12-02T11:00:00") == ["unclaimed"]  # to the team, in the thread
    return card


def overdue_alert(liaison: Liaison, db) -> Card:
    card = file_request(liaison, db, desired_date="2026-12-04")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "one")
    assert "overdue_leads" in nudge(liaison, "2026-12-07T10:00:00")  # DM to the eng lead
    return card


def negotiation_reminder(liaison: Liaison, db) -> Card:
    card = file_request(liaison, db, desired_date="2026-12-02")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "five")
    assert nudge(liaison, "2026-12-02T15:00:00") == ["negotiation"]  # DM to the requester
    return card


NOT_FOR_THEM = {
    "a sales colleague snoozes the team's unclaimed reminder": (
        unclaimed_nudge,
        "unclaimed",
        SALES_REP_2,
    ),
    "the requester snoozes the lead's overdue alert": (overdue_alert, "overdue_leads", SALES_REP),
    "an engineer snoozes the requester's reminder": (
        negotiation_reminder,
        "negotiation",
        ENGINEER_2,
    ),
}


@pytest.mark.parametrize("case", list(NOT_FOR_THEM), ids=list(NOT_FOR_THEM))
def test_only_the_reminders_recipient_may_snooze_it(liaison: Liaison, db, case: str) -> None:
    setup, kind, user = NOT_FOR_THEM[case]
    card = setup(liaison, db)

    snooze(liaison, user, f"{card.request_id}:{kind}:7")

    assert snoozes(db) == []
    assert db.scalars(select(NudgeMark).where(NudgeMark.recipient == "*")).all() == []
    [answer] = answers_to(liaison, user)
    assert "Only the people this reminder" in answer


def test_the_recipients_may_snooze_their_reminders(liaison: Liaison, db) -> None:
    card = overdue_alert(liaison, db)
    snooze(liaison, ENG_LEAD, f"{card.request_id}:overdue_leads:1")
    snooze(liaison, SALES_REP, f"{card.request_id}:overdue:3")  # mentioned in the thread
    assert [e.data["nudge"] for e in snoozes(db)] == ["overdue_leads", "overdue"]


FORGED_DAYS = {
    "30": "30",
    "100 years": "36500",
    "999999999": "999999999",
    "0": "0",
    "negative": "-1",
    "signed": "+1",
    "fraction": "1.5",
    "superscript": "²",
    "arabic-indic": "٣",
    "5000 digits": "1" * 5000,
    "empty": "",
}


def test_a_snoozed_dm_is_silenced_for_the_one_who_snoozed_it(liaison: Liaison, db) -> None:
    card = overdue_alert(liaison, db)  # the eng lead has had theirs; New York is still asleep
    snooze(liaison, ENG_LEAD, f"{card.request_id}:overdue_leads:7", channel="D" + ENG_LEAD)

    # The sales lead still hears of it in New York's working hours.
    assert nudge(liaison, "2026-12-07T15:00:00") == ["overdue_leads"]
    assert len(liaison.fake.calls_to("chat.postMessage", channel=SALES_LEAD)) == 1


@pytest.mark.parametrize("days", list(FORGED_DAYS.values()), ids=list(FORGED_DAYS))
def test_only_the_menus_snooze_lengths_are_accepted(
    liaison: Liaison, db, caplog: pytest.LogCaptureFixture, days: str
) -> None:
    card = unclaimed_nudge(liaison, db)
    caplog.clear()

    snooze(liaison, ENGINEER, f"{card.request_id}:unclaimed:{days}")

    assert snoozes(db) == []
    [answer] = answers_to(liaison, ENGINEER)
    assert "snooze" in answer.lower() or "menu" in answer.lower()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    # The reminder was not silenced: after the cool-down it comes again.
    assert nudge(liaison, "2026-12-03T11:00:00") == ["unclaimed"]


def test_a_replayed_snooze_is_recorded_once(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = unclaimed_nudge(liaison, db)
    sent = []
    post = liaison.slack._http.post

    def recording(path: str, *, content: bytes, headers: dict[str, str]):
        sent.append((path, content, headers))
        return post(path, content=content, headers=headers)

    monkeypatch.setattr(liaison.slack._http, "post", recording)
    snooze(liaison, ENGINEER, f"{card.request_id}:unclaimed:3")
    path, content, headers = sent[-1]
    for _ in range(3):
        assert post(path, content=content, headers=headers).status_code == 200
    liaison.settle()

    assert len(snoozes(db)) == 1
    assert len(answers_to(liaison, ENGINEER)) == 1
