"""When an estimate does not fit the desired date: the request is at risk, and the requester
accepts the projected date, cuts scope or escalates to both departments' leads."""

from __future__ import annotations

from datetime import date

from bot.domain.lifecycle import Status
from tests.conftest import (
    ENG_LEAD,
    ENGINEER,
    ENGINEER_2,
    SALES_LEAD,
    SALES_REP,
    STRANGER,
    Liaison,
)
from tests.slack.helpers import (
    Card,
    click_answers,
    click_in_dm,
    current,
    dm_with,
    dms_to,
    ephemerals_to,
    events_of,
    file_request,
    opened_view,
    private_answers,
    react,
    thread_message_with,
    thread_texts,
)

NEGOTIATION_BUTTONS = ["negotiation_accept", "negotiation_cut_scope", "negotiation_escalate"]

# The clock stands at Tue 1 Dec 2026, 16:00 in Berlin: one business hour is left today, so
# three working days of work are done on Fri 4 Dec, after a desired Wed 2 Dec.
TOO_SOON = "2026-12-02"
PROJECTED_FOR_THREE_DAYS = date(2026, 12, 4)


def at_risk_request(liaison: Liaison, db, **values: object) -> Card:
    """A request for Wed 2 Dec, claimed by ENGINEER and estimated at three days."""
    card = file_request(liaison, db, desired_date=TOO_SOON, **values)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    return card


def buttons_of(message: dict) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def test_an_estimate_that_misses_the_desired_date_opens_a_negotiation(liaison: Liaison, db) -> None:
    card = at_risk_request(liaison, db)

    request = current(db, card)
    assert request.status is Status.AT_RISK
    assert request.projected_date == PROJECTED_FOR_THREE_DAYS
    assert request.committed_date is None
    at_risk = events_of(db, card, "at_risk")
    assert [(e.from_status, e.to_status) for e in at_risk] == [("estimated", "at_risk")]

    in_thread = thread_message_with(liaison, card, "negotiation_accept")
    assert buttons_of(in_thread) == NEGOTIATION_BUTTONS
    assert "Fri 4 Dec" in in_thread["text"] and "at risk" in in_thread["text"]
    dm = dm_with(liaison, SALES_REP, "negotiation_accept")
    assert buttons_of(dm) == NEGOTIATION_BUTTONS
    assert "Fri 4 Dec" in dm["text"]


def test_accepting_in_the_dm_commits_to_the_projected_date_and_tells_the_claimer(
    liaison: Liaison, db
) -> None:
    card = at_risk_request(liaison, db)

    click_in_dm(liaison, SALES_REP, "negotiation_accept")

    request = current(db, card)
    assert request.status is Status.COMMITTED
    assert request.committed_date == request.projected_date == PROJECTED_FOR_THREE_DAYS
    accepted = events_of(db, card, "accepted")
    assert [(e.actor, e.from_status, e.to_status, e.surface) for e in accepted] == [
        (SALES_REP, "at_risk", "committed", "button")
    ]
    assert any("accepted the projected date" in t for t in dms_to(liaison, ENGINEER))
    assert any("accepted the projected date" in t for t in thread_texts(liaison, card))
    card_update = liaison.fake.calls_to("chat.update", ts=card.ts)[-1]
    assert "Committed for" in str(card_update.params["blocks"])


def test_cutting_scope_edits_the_request_and_asks_for_a_new_estimate(liaison: Liaison, db) -> None:
    card = at_risk_request(liaison, db)
    react(liaison, card, ENGINEER_2, "five")

    click_in_dm(liaison, SALES_REP, "negotiation_cut_scope")
    view = opened_view(liaison, "request_edit")
    title = next(b for b in view["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"] == "Export invoices as CSV"

    response = liaison.slack.view_submission(view, SALES_REP, {"title": "Export invoices only"})
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()

    request = current(db, card)
    assert request.title == "Export invoices only"
    assert request.status is Status.CLAIMED and request.claimer_id == ENGINEER
    assert request.estimates == [] and request.estimate_days is None
    assert request.projected_date is None and request.committed_date is None
    edited = events_of(db, card, "edited")[-1]
    assert (edited.from_status, edited.to_status) == ("at_risk", "claimed")
    assert sorted(edited.data["estimates_cleared"]) == [ENGINEER, ENGINEER_2]
    for estimator in (ENGINEER, ENGINEER_2):
        assert any("estimate it again" in t for t in dms_to(liaison, estimator))

    # A smaller estimate now fits the desired date: committed for it.
    react(liaison, card, ENGINEER, "one")
    request = current(db, card)
    assert request.status is Status.COMMITTED
    assert request.committed_date == date(2026, 12, 2)
    assert any("committed for" in t for t in dms_to(liaison, SALES_REP))


def test_escalating_tells_both_departments_leads_the_facts(liaison: Liaison, db) -> None:
    card = at_risk_request(liaison, db, client="Acme Corp")

    click_in_dm(liaison, SALES_REP, "negotiation_escalate")

    escalated = events_of(db, card, "escalated")
    assert [(e.actor, e.surface) for e in escalated] == [(SALES_REP, "button")]
    assert current(db, card).status is Status.AT_RISK
    for lead in (SALES_LEAD, ENG_LEAD):
        alerts = [t for t in dms_to(liaison, lead) if "escalated" in t]
        assert len(alerts) == 1, dms_to(liaison, lead)
        for fact in ("Acme Corp", "Wed 2 Dec", "Fri 4 Dec", "3 d", f"<@{ENGINEER}>"):
            assert fact in alerts[0]
    assert any("escalated it to the leads" in t for t in thread_texts(liaison, card))


def test_a_stranger_clicking_accept_is_refused_privately(liaison: Liaison, db) -> None:
    card = at_risk_request(liaison, db)
    message = thread_message_with(liaison, card, "negotiation_accept")
    events_before = len(events_of(db, card))

    response = liaison.slack.block_action(
        STRANGER, "negotiation_accept", channel_id=card.channel, message=message
    )
    assert response.status_code == 200
    liaison.settle()

    refusal = click_answers(liaison)
    assert len(refusal) == 1 and f"Only <@{SALES_REP}>" in refusal[0]
    request = current(db, card)
    assert request.status is Status.AT_RISK and request.committed_date is None
    assert len(events_of(db, card)) == events_before


def test_an_infeasible_hard_deadline_alerts_both_leads_at_once(liaison: Liaison, db) -> None:
    card = at_risk_request(liaison, db, deadline="hard")

    assert current(db, card).status is Status.AT_RISK
    for lead in (SALES_LEAD, ENG_LEAD):
        alerts = [t for t in dms_to(liaison, lead) if "hard deadline" in t]
        assert len(alerts) == 1, dms_to(liaison, lead)
        assert "Wed 2 Dec" in alerts[0] and "Fri 4 Dec" in alerts[0]


def test_a_soft_deadline_at_risk_does_not_alert_the_leads(liaison: Liaison, db) -> None:
    at_risk_request(liaison, db)
    assert dms_to(liaison, SALES_LEAD) == [] and dms_to(liaison, ENG_LEAD) == []


def test_the_claimers_other_open_work_pushes_the_projection_later(liaison: Liaison, db) -> None:
    first = file_request(liaison, db, title="First", desired_date="2026-12-18")
    react(liaison, first, ENGINEER, "raising_hand")
    react(liaison, first, ENGINEER, "three")
    second = file_request(liaison, db, title="Second", desired_date="2026-12-18")
    react(liaison, second, ENGINEER, "raising_hand")
    react(liaison, second, ENGINEER, "three")

    # First: three days from now. Second: after the first's three, three more (Wed 9 Dec).
    assert current(db, first).projected_date == PROJECTED_FOR_THREE_DAYS
    assert current(db, second).projected_date == date(2026, 12, 9)
    for card in (first, second):
        assert current(db, card).status is Status.COMMITTED


def test_a_queue_can_make_an_otherwise_feasible_request_at_risk(liaison: Liaison, db) -> None:
    earlier = file_request(liaison, db, title="Earlier", desired_date="2026-12-18")
    react(liaison, earlier, ENGINEER, "raising_hand")
    react(liaison, earlier, ENGINEER, "five")
    # Three days would be done Fri 4 Dec on their own; after five days of queue, they are not.
    card = file_request(liaison, db, title="Later", desired_date="2026-12-04")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")

    request = current(db, card)
    assert request.status is Status.AT_RISK
    assert request.projected_date == date(2026, 12, 11)
    assert any("Fri 11 Dec" in t for t in dms_to(liaison, SALES_REP))


def test_another_estimate_that_leaves_the_projection_unchanged_does_not_reopen_it(
    liaison: Liaison, db
) -> None:
    card = at_risk_request(liaison, db)

    react(liaison, card, ENGINEER_2, "five")  # the claimer's three days still count

    request = current(db, card)
    assert request.status is Status.AT_RISK
    assert request.projected_date == PROJECTED_FOR_THREE_DAYS
    negotiations = [t for t in dms_to(liaison, SALES_REP) if "is at risk" in t]
    assert len(negotiations) == 1
    assert len([t for t in thread_texts(liaison, card) if "is at risk" in t]) == 1


def test_the_negotiation_is_over_once_decided(liaison: Liaison, db) -> None:
    card = at_risk_request(liaison, db)
    click_in_dm(liaison, SALES_REP, "negotiation_accept")

    # Clicks on buttons the DM still showed a moment ago (another tab, a slow client).
    value = str(card.request_id)
    click_in_dm(liaison, SALES_REP, "negotiation_escalate", value=value)
    click_in_dm(liaison, SALES_REP, "negotiation_accept", value=value)

    # The DM shows the decision instead of its buttons; the stale clicks are answered privately.
    dm = dm_with(liaison, SALES_REP, "negotiation_accept")
    assert buttons_of(dm) == [] and "Agreed: REQ-1 is committed for Fri 4 Dec." in str(dm)
    assert private_answers(liaison) == ["REQ-1 has no open negotiation."] * 2
    assert ephemerals_to(liaison, SALES_REP) == []
    assert events_of(db, card, "escalated") == []
    assert len(events_of(db, card, "accepted")) == 1
    assert dms_to(liaison, SALES_LEAD) == [] and dms_to(liaison, ENG_LEAD) == []
