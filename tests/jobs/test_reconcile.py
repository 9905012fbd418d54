"""Reconciliation through the real app: reactions and thread replies that Slack has on a card but
whose events never arrived are found with reactions.get / conversations.replies and applied once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bot import cli
from bot.domain.lifecycle import Status
from bot.domain.models import InboxEvent
from bot.jobs import reconcile as reconcile_job
from bot.jobs.reconcile import reconcile_cards
from bot.jobs.scheduler import RECONCILE_CARDS, build_scheduler
from bot.jobs.usergroups import refresh_usergroups
from bot.slack.ids import Card as CardIds
from tests.conftest import (
    BOT_TOKEN,
    ENG_LEAD,
    ENGINEER,
    ENGINEER_2,
    SALES_REP,
    SIGNING_SECRET,
    STRANGER,
    Liaison,
)
from tests.slack.helpers import (
    click,
    current,
    dms_to,
    ephemerals_to,
    events_of,
    file_request,
    lead_override,
    react,
    thread_texts,
)


def reconcile(liaison: Liaison, *, dry_run: bool = False):
    report = reconcile_cards(liaison.runtime, dry_run=dry_run)
    liaison.settle()
    return report


def test_dropped_claim_and_estimate_are_applied_once(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    liaison.clock.advance(minutes=30)
    # An outage: Slack keeps the reactions, the events never reach Liaison.
    liaison.slack.reaction_dropped(STRANGER, "raising_hand", card.channel, card.ts)
    liaison.slack.reaction_dropped(ENGINEER, "raising_hand", card.channel, card.ts)
    liaison.slack.reaction_dropped(ENGINEER, "three", card.channel, card.ts)
    assert current(db, card).claimer_id is None

    report = reconcile(liaison)

    assert report.lines() == ["REQ-1: claim by UENG1", "REQ-1: estimate 3 d by UENG1"]
    request = current(db, card)
    assert request.claimer_id == ENGINEER and request.estimate_days == 3
    assert request.status in (Status.COMMITTED, Status.AT_RISK)
    claimed = events_of(db, card, "claimed")
    assert [(e.actor, e.surface) for e in claimed] == [(ENGINEER, "reconcile")]
    assert liaison.fake.wait_for("reactions.get")[0].params["full"] in (True, "true", "1")
    # The requester hears about it as after a reaction that arrived.
    assert any("claimed" in text for text in dms_to(liaison, SALES_REP))
    # The stranger's reaction is left alone, without a word to them.
    assert dms_to(liaison, STRANGER) == [] and ephemerals_to(liaison, STRANGER) == []

    events_before = len(events_of(db, card))
    posts_before = len(liaison.fake.calls_to("chat.postMessage"))
    again = reconcile(liaison)
    assert again.changes == [] and again.checked == 1
    assert len(events_of(db, card)) == events_before
    assert len(liaison.fake.calls_to("chat.postMessage")) == posts_before


def test_dry_run_reports_and_changes_nothing(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    liaison.slack.reaction_dropped(ENGINEER, "raising_hand", card.channel, card.ts)
    events_before = len(events_of(db, card))

    report = reconcile(liaison, dry_run=True)

    assert report.lines() == ["REQ-1: claim by UENG1"]
    assert current(db, card).claimer_id is None
    assert len(events_of(db, card)) == events_before
    assert reconcile(liaison).lines() == ["REQ-1: claim by UENG1"]  # still missed, then applied


def test_liaison_reconcile_dry_run_prints_what_it_would_apply(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    card = file_request(liaison, db)
    liaison.slack.reaction_dropped(ENGINEER, "raising_hand", card.channel, card.ts)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setattr(cli, "_job_runtime", lambda settings, dry_run: liaison.runtime)
    calls_before = len(liaison.fake.calls)

    assert cli.main(["reconcile", "--dry-run"]) == 0

    out = capsys.readouterr().out
    assert "REQ-1: claim by UENG1" in out and "would apply 1 changes" in out
    assert current(db, card).claimer_id is None
    methods = {c.method for c in liaison.fake.calls[calls_before:]}
    assert methods == {"reactions.get"}  # read, nothing posted


def test_missed_removal_releases_a_claim_made_by_reaction(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    assert current(db, card).claimer_id == ENGINEER
    liaison.slack.reaction_dropped(ENGINEER, "raising_hand", card.channel, card.ts, removed=True)

    assert reconcile(liaison).lines() == ["REQ-1: release the claim by UENG1"]
    assert current(db, card).claimer_id is None
    assert reconcile(liaison).changes == []


def test_a_claim_released_with_the_button_is_not_taken_back(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    click(liaison, card, ENGINEER, CardIds.release)
    assert current(db, card).claimer_id is None

    # The reaction is still on the card, but the release came after it.
    assert reconcile(liaison).changes == []
    assert current(db, card).claimer_id is None


def test_an_answer_missed_in_an_outage_is_picked_up_from_the_thread(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    # Someone else's question earlier in the thread and the requester's words before it don't
    # count; only the requester's reply after the question does.
    liaison.fake.post_as(SALES_REP, card.channel, "Just filed it", thread_ts=card.ts)
    liaison.clock.advance(minutes=5)
    react(liaison, card, ENGINEER, "question")
    assert current(db, card).status is Status.NEEDS_INFO
    liaison.clock.advance(minutes=5)
    liaison.fake.post_as(ENGINEER_2, card.channel, "Which client?", thread_ts=card.ts)
    liaison.fake.post_as(SALES_REP, card.channel, "It is for ACME", thread_ts=card.ts)
    liaison.fake.post_as(SALES_REP, card.channel, "and soon", thread_ts=card.ts)

    report = reconcile(liaison)

    assert report.lines() == ["REQ-1: answer to the question by USALES1"]
    request = current(db, card)
    assert request.status is Status.CLAIMED
    [answered] = events_of(db, card, "info_provided")
    assert answered.surface == "reconcile" and answered.data["answer"] == "It is for ACME"
    assert liaison.fake.calls_to("conversations.replies", ts=card.ts)
    assert any("ACME" in text for text in dms_to(liaison, ENGINEER))
    # The answer is in the thread already: it is not copied there again.
    assert [t for t in thread_texts(liaison, card) if "ACME" in t] == ["It is for ACME"]
    # The question reaction stays on the card; it was already applied.
    assert reconcile(liaison).changes == []


def test_only_recent_open_cards_are_read(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    liaison.clock.advance(hours=49)
    liaison.slack.reaction_dropped(ENGINEER, "raising_hand", card.channel, card.ts)
    report = reconcile(liaison)
    assert report.checked == 0 and report.changes == []
    assert liaison.fake.calls_to("reactions.get") == []


def test_the_scheduler_reconciles_every_ten_minutes(liaison: Liaison) -> None:
    scheduler = build_scheduler(liaison.runtime)
    job = scheduler.get_job(RECONCILE_CARDS)
    assert job is not None
    assert job.trigger.interval == timedelta(minutes=10)
    assert job.max_instances == 1


def test_reactions_get_shows_what_people_did_on_the_message(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    client = liaison.runtime.client_for("T0001")
    for user in ("U1", "U2", "U3", "U4"):
        liaison.slack.reaction_dropped(user, "eyes", card.channel, card.ts)
    liaison.slack.reaction_dropped("U2", "eyes", card.channel, card.ts, removed=True)
    full = client.reactions_get(channel=card.channel, timestamp=card.ts, full=True)
    assert full["type"] == "message" and full["channel"] == card.channel
    assert full["message"]["reactions"] == [
        {"name": "eyes", "users": ["U1", "U3", "U4"], "count": 3}
    ]
    liaison.slack.reaction_dropped("U5", "eyes", card.channel, card.ts)
    partial = client.reactions_get(channel=card.channel, timestamp=card.ts)
    [eyes] = partial["message"]["reactions"]
    assert eyes["count"] == 4 and len(eyes["users"]) < 4


def test_a_missed_decline_asks_for_the_reason_and_a_missed_reason_declines(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db)
    liaison.slack.reaction_dropped(ENGINEER, "no_entry_sign", card.channel, card.ts)

    assert reconcile(liaison).lines() == ["REQ-1: decline (asks for the reason) by UENG1"]
    assert current(db, card).decline_pending_by == ENGINEER
    assert reconcile(liaison).changes == []  # asked once

    liaison.clock.advance(minutes=3)
    liaison.fake.post_as(SALES_REP, card.channel, "Please don't", thread_ts=card.ts)
    liaison.fake.post_as(ENGINEER, card.channel, "Finance exports these.", thread_ts=card.ts)
    assert reconcile(liaison).lines() == ["REQ-1: reason for declining by UENG1"]
    request = current(db, card)
    assert request.status is Status.DECLINED and request.decline_reason == "Finance exports these."
    assert [e.surface for e in events_of(db, card, "declined")] == ["reconcile"]
    assert reconcile(liaison).checked == 0  # closed: no longer read


def test_a_missed_delivery_counts_only_from_the_claimer_or_a_lead(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    liaison.slack.reaction_dropped(ENGINEER_2, "white_check_mark", card.channel, card.ts)
    assert reconcile(liaison).changes == []  # not the claimer: ignored, nobody is told
    assert ephemerals_to(liaison, ENGINEER_2) == [] and dms_to(liaison, ENGINEER_2) == []

    liaison.slack.reaction_dropped(ENGINEER, "white_check_mark", card.channel, card.ts)
    assert reconcile(liaison).lines() == ["REQ-1: delivered by UENG1"]
    assert current(db, card).status is Status.DELIVERED


def test_a_reopened_cards_old_delivery_reaction_is_not_a_missed_delivery(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "white_check_mark")
    lead_override(liaison, card, ENG_LEAD, "reopen", {"reason": "Not done"})
    assert current(db, card).status is Status.CLAIMED

    # The reaction of the delivery the lead undid is still on the card.
    assert reconcile(liaison).changes == []
    assert current(db, card).status is Status.CLAIMED
    assert len(events_of(db, card, "delivered")) == 1


def test_two_schedulers_reconciling_at_once_apply_a_reaction_once(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    liaison.slack.reaction_dropped(ENGINEER, "raising_hand", card.channel, card.ts)
    liaison.slack.reaction_dropped(ENGINEER, "two", card.channel, card.ts)

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda _: reconcile_cards(liaison.runtime), range(2)))
    liaison.settle()

    applied = sorted(line for report in reports for line in report.lines())
    assert applied == ["REQ-1: claim by UENG1", "REQ-1: estimate 2 d by UENG1"]
    assert len(events_of(db, card, "claimed")) == 1
    assert [e.data["days"] for e in events_of(db, card, "estimated") if "days" in e.data] == [2]


def test_a_member_through_the_user_group_is_recognised(liaison: Liaison, db) -> None:
    liaison.fake.usergroups["SENG"] = ["UENG3"]
    refresh_usergroups(liaison.runtime)  # the scheduler's job: membership is kept in the database
    card = file_request(liaison, db)
    liaison.slack.reaction_dropped("UENG3", "raising_hand", card.channel, card.ts)

    assert reconcile(liaison).lines() == ["REQ-1: claim by UENG3"]


def test_each_run_reads_a_bounded_number_of_cards_and_every_card_gets_its_turn(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reconcile_job, "MAX_CARDS", 2)
    cards = [file_request(liaison, db, title=f"Request {n}") for n in range(3)]
    for card in cards:
        liaison.slack.reaction_dropped(ENGINEER, "raising_hand", card.channel, card.ts)

    seen: set[str] = set()
    for _ in range(3):
        before = len(liaison.fake.calls_to("reactions.get"))
        report = reconcile(liaison)
        assert report.checked == 2 and report.unchecked == 1
        assert len(liaison.fake.calls_to("reactions.get")) - before == 2
        seen |= {reference for reference, _ in report.changes}
        liaison.clock.advance(minutes=10)
    assert seen == {"REQ-1", "REQ-2", "REQ-3"}
    assert all(current(db, card).claimer_id == ENGINEER for card in cards)


def test_a_card_whose_event_waits_in_the_inbox_is_left_to_that_event(
    liaison: Liaison, db, engine
) -> None:
    card = file_request(liaison, db)
    liaison.slack.reaction_dropped(ENGINEER, "raising_hand", card.channel, card.ts)
    # The event arrived but its handling failed; it is kept for a retry later.
    body = {
        "event_id": "EvLATE",
        "type": "event_callback",
        "event": {
            "type": "reaction_added",
            "user": ENGINEER,
            "reaction": "raising_hand",
            "item": {"type": "message", "channel": card.channel, "ts": card.ts},
        },
    }
    later = liaison.clock.now + timedelta(minutes=30)
    with Session(engine) as session, session.begin():
        session.add(
            InboxEvent(
                event_id="EvLATE",
                body=body,
                received_at=liaison.clock.now,
                attempts=1,
                next_attempt_at=later,
            )
        )

    assert reconcile(liaison).checked == 0
    assert current(db, card).claimer_id is None


def test_an_estimate_changed_with_the_menu_is_not_set_back_by_its_old_reaction(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    click(liaison, card, ENGINEER, CardIds.estimate, selected_option_value=f"{card.request_id}:5")
    assert current(db, card).estimate_days == 5

    assert reconcile(liaison).changes == []  # :three: is still on the card; it was seen
    assert current(db, card).estimate_days == 5
