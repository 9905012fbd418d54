"""Nudges through the real app: thresholds in business time, recipients' hours, cool-down,
grouping, snooze, and the overdue escalation. Time is moved with the clock, never slept."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.domain.models import NudgeLog, RequestEvent
from bot.jobs.nudges import send_nudges
from tests.conftest import ENG_LEAD, ENGINEER, INTAKE_CHANNEL, SALES_LEAD, SALES_REP, Liaison
from tests.slack.helpers import file_request, react, thread_texts


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def nudged(liaison: Liaison, when: str):
    result = send_nudges(liaison.runtime, at=at(when))
    liaison.settle()
    return result


def test_unclaimed_nudge_waits_four_business_hours_then_mentions_the_team(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db)  # Tue 1 Dec 16:00 Berlin: one business hour left today
    assert nudged(liaison, "2026-12-02T10:59:00").nudges == []  # Wed 11:59 Berlin: 3h59
    result = nudged(liaison, "2026-12-02T11:00:00")  # Wed 12:00 Berlin: 4h
    assert [n.kind.value for n in result.nudges] == ["unclaimed"]
    texts = thread_texts(liaison, card)
    assert any("<!subteam^SENG>" in t and "waited 4 business hours" in t for t in texts)


def test_cooldown_then_snooze(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    assert len(nudged(liaison, "2026-12-02T11:00:00").nudges) == 1
    # Within the one-business-day cool-down: nothing; after it: again.
    assert nudged(liaison, "2026-12-03T10:59:00").nudges == []
    assert len(nudged(liaison, "2026-12-03T11:00:00").nudges) == 1

    nudge = liaison.fake.calls_to("chat.postMessage", thread_ts=card.ts)[-1]
    menu = nudge.params["blocks"][0]["accessory"]
    three_days = next(o["value"] for o in menu["options"] if o["value"].endswith(":3"))
    liaison.slack.block_action(
        ENGINEER,
        "nudge_snooze",
        selected_option_value=three_days,
        channel_id=INTAKE_CHANNEL,
        message=liaison.fake.message(INTAKE_CHANNEL, nudge.response["ts"]),
    )
    liaison.settle()
    assert nudged(liaison, "2026-12-04T12:00:00").nudges == []  # snoozed, although cooled down
    assert len(nudged(liaison, "2026-12-07T12:00:00").nudges) == 1  # Monday: snooze over
    snoozed = db.scalars(select(RequestEvent).where(RequestEvent.kind == "snoozed")).one()
    assert snoozed.data["days"] == 3
    status = liaison.slack.command(SALES_REP, "status REQ-1").json()
    assert "Snoozed reminders (unclaimed)" in str(status)


def test_no_nudges_at_night_on_weekends_or_holidays(liaison: Liaison, db) -> None:
    file_request(liaison, db)
    assert nudged(liaison, "2026-12-02T20:00:00").nudges == []  # 21:00 in Berlin
    assert nudged(liaison, "2026-12-05T12:00:00").nudges == []  # Saturday
    liaison.clock.set(at("2026-12-24T15:00:00"))
    file_request(liaison, db, title="Before the holiday", desired_date="2027-01-29")
    # Thu 24 Dec 16:00 → 1h; Fri 25 Dec is a holiday; Mon 28 Dec 12:00 is the fourth hour.
    assert [n.reference for n in nudged(liaison, "2026-12-25T12:00:00").nudges] == []
    late = nudged(liaison, "2026-12-28T11:00:00").nudges
    assert "REQ-2" in [n.reference for n in late]


def test_unestimated_dm_to_the_claimer_grouped_per_recipient(liaison: Liaison, db) -> None:
    first = file_request(liaison, db, title="First")
    second = file_request(liaison, db, title="Second")
    react(liaison, first, ENGINEER, "raising_hand")
    react(liaison, second, ENGINEER, "raising_hand")
    liaison.fake.reset()
    # Claimed Tue 16:00 Berlin; one business day later is Wed 16:00 Berlin.
    assert [n.kind.value for n in nudged(liaison, "2026-12-02T14:59:00").nudges] == []
    result = nudged(liaison, "2026-12-02T15:00:00")
    assert sorted(n.kind.value for n in result.nudges) == ["unestimated", "unestimated"]
    dms = liaison.fake.calls_to("chat.postMessage", channel=ENGINEER)
    assert len(dms) == 1  # one message listing both requests
    assert "REQ-1" in dms[0].params["text"] and "REQ-2" in dms[0].params["text"]


def test_requester_in_another_time_zone_is_nudged_in_their_hours(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "question")  # needs_info since Tue 16:00 Berlin
    liaison.fake.reset()
    # Wed 16:00 Berlin = 10:00 New York: threshold passed and the requester is at work.
    assert [n.kind.value for n in nudged(liaison, "2026-12-02T15:00:00").nudges] == ["needs_info"]
    assert len(liaison.fake.calls_to("chat.postMessage", channel=SALES_REP)) == 1


def test_needs_info_waits_for_the_requesters_morning(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "question")
    # Thu 09:30 Berlin is past the threshold, but 03:30 in New York: wait.
    assert nudged(liaison, "2026-12-03T08:30:00").nudges == []
    assert [n.kind.value for n in nudged(liaison, "2026-12-03T14:30:00").nudges] == ["needs_info"]


def test_overdue_mentions_both_in_the_thread_and_tells_the_leads_once(liaison: Liaison, db) -> None:
    card = file_request(liaison, db, desired_date="2026-12-04")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "one")  # committed for Fri 4 Dec
    liaison.fake.reset()
    result = nudged(liaison, "2026-12-07T10:00:00")  # Monday, 11:00 Berlin, 05:00 New York
    assert sorted(n.kind.value for n in result.nudges) == ["overdue", "overdue_leads"]
    overdue = [t for t in thread_texts(liaison, card) if "was due" in t]
    assert overdue and f"<@{ENGINEER}>" in overdue[0] and f"<@{SALES_REP}>" in overdue[0]
    assert len(liaison.fake.calls_to("chat.postMessage", channel=ENG_LEAD)) == 1
    assert liaison.fake.calls_to("chat.postMessage", channel=SALES_LEAD) == []
    # The sales lead hears of it in New York's working hours, once.
    assert [n.kind.value for n in nudged(liaison, "2026-12-07T15:00:00").nudges] == [
        "overdue_leads"
    ]
    later = nudged(liaison, "2026-12-08T15:00:00")
    assert [n.kind.value for n in later.nudges] == ["overdue"]  # the leads are not told again
    for lead in (ENG_LEAD, SALES_LEAD):
        assert len(liaison.fake.calls_to("chat.postMessage", channel=lead)) == 1
    logged = db.scalars(select(NudgeLog).where(NudgeLog.kind == "overdue_leads")).all()
    assert sorted(entry.recipient for entry in logged) == sorted([ENG_LEAD, SALES_LEAD])


def test_due_soon_mentions_the_claimer(liaison: Liaison, db) -> None:
    card = file_request(liaison, db, desired_date="2026-12-09")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "one")
    assert nudged(liaison, "2026-12-04T10:00:00").nudges == []  # Fri: 3 workdays to Wed
    result = nudged(liaison, "2026-12-07T10:00:00")  # Mon: due within 2 workdays
    assert [n.kind.value for n in result.nudges] == ["due_soon"]
    assert any(f"<@{ENGINEER}>" in t and "is due" in t for t in thread_texts(liaison, card))


def test_dry_run_sends_and_records_nothing(liaison: Liaison, db) -> None:
    file_request(liaison, db)
    liaison.fake.reset()
    result = send_nudges(liaison.runtime, at=at("2026-12-02T11:00:00"), dry_run=True)
    liaison.settle()
    assert [n.kind.value for n in result.nudges] == ["unclaimed"]
    liaison.runtime.outbox.send_due()
    liaison.fake.assert_no_call("chat.postMessage")
    assert db.scalars(select(NudgeLog)).all() == []
    assert len(nudged(liaison, "2026-12-02T11:00:00").nudges) == 1  # not used up by the dry run


def test_an_undecided_negotiation_reminds_the_requester(liaison: Liaison, db) -> None:
    card = file_request(liaison, db, desired_date="2026-12-02")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "five")  # at risk since Tue 16:00 Berlin
    liaison.fake.reset()
    assert nudged(liaison, "2026-12-02T14:59:00").nudges == []
    result = nudged(liaison, "2026-12-02T15:00:00")
    assert [n.kind.value for n in result.nudges] == ["negotiation"]
    [dm] = liaison.fake.calls_to("chat.postMessage", channel=SALES_REP)
    assert "waiting for your decision" in dm.params["text"]
