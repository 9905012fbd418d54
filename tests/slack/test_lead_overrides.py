"""A lead's overrides through the front door: the card's lead menu and a Home *Needs attention*
item's open a modal for a lead and refuse anyone else privately; each override changes the card,
says so in its thread, tells the requester and the claimer by DM and is recorded with the lead,
the move and the surface."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.lifecycle import Status
from tests.conftest import (
    ENG_LEAD,
    ENGINEER,
    ENGINEER_2,
    SALES_LEAD,
    SALES_REP,
    Liaison,
)
from tests.slack.helpers import (
    Card,
    card_actions,
    card_blocks,
    click,
    click_answers,
    current,
    dms_to,
    events_of,
    file_request,
    lead_override,
    opened_view,
    pick_lead_action,
    react,
    thread_texts,
)
from tests.slack.test_home import open_home


def lead_modals_opened(liaison: Liaison) -> list[str]:
    return [
        c.params["view"]["callback_id"]
        for c in liaison.fake.calls_to("views.open")
        if str((c.params.get("view") or {}).get("callback_id", "")).startswith("lead_")
    ]


def committed(liaison: Liaison, db) -> Card:
    """Claimed by ENGINEER, three days, committed for Fri 18 Dec."""
    card = file_request(liaison, db, desired_date="2026-12-18")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    assert current(db, card).status is Status.COMMITTED
    return card


def at_risk(liaison: Liaison, db, **values: Any) -> Card:
    """Claimed by ENGINEER, three days of work wanted by the next day: at risk."""
    card = file_request(liaison, db, desired_date="2026-12-02", **values)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    assert current(db, card).status is Status.AT_RISK
    return card


def delivered(liaison: Liaison, db) -> Card:
    card = committed(liaison, db)
    react(liaison, card, ENGINEER, "white_check_mark")
    assert current(db, card).status is Status.DELIVERED
    return card


def errors_of(response: Any) -> dict[str, str]:
    body = json.loads(response.text)
    assert body["response_action"] == "errors", body
    return body["errors"]


def latest(texts: list[str], words: str) -> str:
    found = [t for t in texts if words in t]
    assert found, f"nothing says {words!r} in {texts}"
    return found[-1]


# -- the menu --------------------------------------------------------------------------------


def test_an_open_card_has_one_compact_lead_menu(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    actions = card_actions(liaison, card)
    assert actions[-1] == "lead_actions" and "card_reassign" not in actions
    [menu] = [
        e
        for block in card_blocks(liaison, card)
        if block["type"] == "actions"
        for e in block["elements"]
        if e["action_id"] == "lead_actions"
    ]
    assert menu["type"] == "overflow"
    assert [o["value"] for o in menu["options"]] == [
        f"{card.request_id}:reassign",
        f"{card.request_id}:commit_date",
        f"{card.request_id}:close",
    ]


def test_anyone_else_is_refused_privately_and_no_modal_opens(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    for user, choice in (
        (ENGINEER, "reassign"),
        (SALES_LEAD, "reassign"),
        (SALES_LEAD, "commit_date"),
        (ENGINEER, "close"),
        (SALES_REP, "close"),
    ):
        pick_lead_action(liaison, card, user, choice)

    assert click_answers(liaison) == [
        "Only a lead of Engineering can reassign requests.",
        "Only a lead of Engineering can reassign requests.",
        "Only a lead of Engineering can set the committed date of requests.",
        "Only a lead of Engineering or Sales can close requests.",
        "Only a lead of Engineering or Sales can close requests.",
    ]
    assert lead_modals_opened(liaison) == []
    assert current(db, card).status is Status.COMMITTED
    assert [e.kind for e in events_of(db, card)][-1] == "committed"


def test_a_choice_that_is_no_menus_is_not_understood(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    for value in (f"{card.request_id}:explode", "x:reassign", "", f"{card.request_id}"):
        response = liaison.slack.block_action(
            ENG_LEAD, "lead_actions", value=value, channel_id=card.channel
        )
        assert response.status_code == 200
    liaison.settle()
    assert len(click_answers(liaison)) == 4
    assert all("couldn't read that choice" in t for t in click_answers(liaison))
    assert lead_modals_opened(liaison) == []


# -- reassign --------------------------------------------------------------------------------


def test_a_lead_reassigns_from_the_card(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    pick_lead_action(liaison, card, ENG_LEAD, "reassign")
    view = opened_view(liaison, "lead_reassign")
    [picker] = [b for b in view["blocks"] if b.get("block_id") == "assignee"]
    assert picker["element"]["initial_user"] == ENGINEER

    response = liaison.slack.view_submission(view, ENG_LEAD, {"assignee": ENGINEER_2})
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()

    assert current(db, card).claimer_id == ENGINEER_2
    [event] = events_of(db, card, "reassigned")
    assert (event.actor, event.surface, event.data) == (
        ENG_LEAD,
        "modal",
        {"from": ENGINEER, "to": ENGINEER_2},
    )
    assert f"reassigned it to <@{ENGINEER_2}>" in latest(thread_texts(liaison, card), "reassigned")
    assert latest(dms_to(liaison, ENGINEER_2), "assigned")
    assert "it is off your queue" in latest(dms_to(liaison, ENGINEER), "handed")
    assert f"to <@{ENGINEER_2}>" in latest(dms_to(liaison, SALES_REP), "handed your request")
    fields = json.dumps(card_blocks(liaison, card))
    assert f"*Claimed by*\\n<@{ENGINEER_2}>" in fields


def test_a_reassignment_outside_the_team_or_to_nobody_is_a_field_error(
    liaison: Liaison, db
) -> None:
    card = committed(liaison, db)
    pick_lead_action(liaison, card, ENG_LEAD, "reassign")
    view = opened_view(liaison, "lead_reassign")

    outsider = liaison.slack.view_submission(view, ENG_LEAD, {"assignee": SALES_REP})
    nobody = liaison.slack.view_submission(
        {**view, "blocks": [b for b in view["blocks"] if b.get("block_id") != "assignee"]},
        ENG_LEAD,
        {},
    )

    assert "is not in Engineering, so they can't take it." in errors_of(outsider)["assignee"]
    assert errors_of(nobody) == {"assignee": "Pick the person who should do it."}
    liaison.settle()
    assert current(db, card).claimer_id == ENGINEER
    assert events_of(db, card, "reassigned") == []


# -- the committed date ----------------------------------------------------------------------


def test_a_lead_commits_an_at_risk_request_after_a_conversation(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db)

    response = lead_override(
        liaison,
        card,
        ENG_LEAD,
        "commit_date",
        {"committed_date": "2026-12-09", "reason": "Agreed with Sam & the client: <b>9th</b>"},
    )

    assert response.text == "", response.text
    request = current(db, card)
    assert (request.status, request.committed_date.isoformat()) == (Status.COMMITTED, "2026-12-09")
    [event] = events_of(db, card, "date_set")
    assert (event.actor, event.from_status, event.to_status, event.surface) == (
        ENG_LEAD,
        "at_risk",
        "committed",
        "modal",
    )
    assert event.data["reason"] == "Agreed with Sam & the client: <b>9th</b>"
    note = latest(thread_texts(liaison, card), "set the committed date")
    assert "&lt;b&gt;9th&lt;/b&gt;" in note and "<b>" not in note
    assert "Agreed with Sam &amp; the client" in latest(
        dms_to(liaison, SALES_REP), "set the committed date of your request"
    )
    assert latest(dms_to(liaison, ENGINEER), "which you have")
    blocks = json.dumps(card_blocks(liaison, card))
    assert "At risk" not in blocks and "*Committed for*" in blocks


def test_the_date_form_checks_its_fields(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db)
    pick_lead_action(liaison, card, ENG_LEAD, "commit_date")
    view = opened_view(liaison, "lead_commit_date")

    empty = liaison.slack.view_submission(view, ENG_LEAD, {"committed_date": None, "reason": ""})
    past = liaison.slack.view_submission(
        view, ENG_LEAD, {"committed_date": "2026-11-02", "reason": "Agreed"}
    )

    assert errors_of(empty) == {
        "committed_date": "Pick the date that was agreed.",
        "reason": "Write a few words: the requester and the claimer read them.",
    }
    assert list(errors_of(past)) == ["committed_date"]
    assert "a committed date cannot be in the past" in errors_of(past)["committed_date"]
    liaison.settle()
    assert current(db, card).status is Status.AT_RISK
    assert events_of(db, card, "date_set") == []


def test_an_unclaimed_request_gets_no_date_form(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    pick_lead_action(liaison, card, ENG_LEAD, "commit_date")
    assert click_answers(liaison) == [
        "Nobody has claimed REQ-1: reassign it to someone before committing a date."
    ]
    assert lead_modals_opened(liaison) == []


# -- reopen ----------------------------------------------------------------------------------


def test_a_lead_of_the_requesting_side_reopens_a_delivered_request(liaison: Liaison, db) -> None:
    card = delivered(liaison, db)
    assert card_actions(liaison, card) == ["lead_actions"]

    lead_override(liaison, card, SALES_LEAD, "reopen", {"reason": "The CSV misses the VAT column"})

    request = current(db, card)
    assert request.status is Status.COMMITTED
    assert request.delivered_at is None and request.closed_at is None
    [event] = events_of(db, card, "reopened")
    assert (event.actor, event.from_status, event.to_status, event.surface) == (
        SALES_LEAD,
        "delivered",
        "committed",
        "modal",
    )
    assert "misses the VAT column" in latest(thread_texts(liaison, card), "reopened it")
    assert "misses the VAT column" in latest(dms_to(liaison, SALES_REP), "reopened your request")
    assert "back in your queue" in latest(dms_to(liaison, ENGINEER), "reopened")
    assert "card_claim" not in card_actions(liaison, card)  # claimed: Release, not Claim
    assert {"card_release", "card_deliver", "lead_actions"} <= set(card_actions(liaison, card))

    # Delivered again: the claimer's new reaction counts, and the figures count it once.
    react(liaison, card, ENGINEER, "white_check_mark", removed=True)
    react(liaison, card, ENGINEER, "white_check_mark")
    assert current(db, card).status is Status.DELIVERED
    assert [e.kind for e in events_of(db, card) if e.to_status == "delivered"] == [
        "delivered",
        "delivered",
    ]


def test_only_a_delivered_request_reopens_and_only_for_a_lead(liaison: Liaison, db) -> None:
    card = delivered(liaison, db)
    pick_lead_action(liaison, card, ENGINEER, "reopen")
    open_card = committed(liaison, db)
    # A forged choice: an open card offers no Reopen.
    liaison.slack.block_action(
        ENG_LEAD, "lead_actions", value=f"{open_card.request_id}:reopen", channel_id=card.channel
    )
    liaison.settle()

    assert click_answers(liaison) == [
        "Only a lead of Engineering or Sales can reopen requests.",
        "REQ-2 is not delivered.",
    ]
    assert lead_modals_opened(liaison) == []
    assert current(db, card).status is Status.DELIVERED
    assert events_of(db, card, "reopened") == []


def test_a_reason_is_needed_to_reopen(liaison: Liaison, db) -> None:
    card = delivered(liaison, db)
    pick_lead_action(liaison, card, ENG_LEAD, "reopen")
    view = opened_view(liaison, "lead_reopen")
    response = liaison.slack.view_submission(view, ENG_LEAD, {"reason": "   "})
    assert errors_of(response) == {
        "reason": "Write a few words: the requester and the claimer read them."
    }
    liaison.settle()
    assert current(db, card).status is Status.DELIVERED


# -- close as stale --------------------------------------------------------------------------


def test_a_lead_closes_a_stale_request_as_declined(liaison: Liaison, db) -> None:
    card = committed(liaison, db)

    lead_override(
        liaison,
        card,
        ENG_LEAD,
        "close",
        {"outcome": "declined", "reason": "Stale: no news since October @channel"},
    )

    request = current(db, card)
    assert request.status is Status.DECLINED and request.closed_at == liaison.clock.now
    [event] = events_of(db, card, "closed")
    assert (event.actor, event.from_status, event.to_status, event.surface) == (
        ENG_LEAD,
        "committed",
        "declined",
        "modal",
    )
    assert card_actions(liaison, card) == []
    blocks = json.dumps(card_blocks(liaison, card))
    assert "Declined because" in blocks and "Stale: no news since October" in blocks
    note = latest(thread_texts(liaison, card), "closed it as declined")
    assert "<!channel>" not in note and "@channel" not in note  # defused
    assert latest(dms_to(liaison, SALES_REP), "closed your request")
    assert "no need to go on with it" in latest(dms_to(liaison, ENGINEER), "closed")


def test_a_lead_of_the_requesting_side_cancels_a_stale_request(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    lead_override(liaison, card, SALES_LEAD, "close", {"reason": "Stale: the deal fell through"})
    assert current(db, card).status is Status.CANCELLED  # the form's first choice
    assert [e.actor for e in events_of(db, card, "closed")] == [SALES_LEAD]


def test_the_close_form_refuses_a_forged_outcome_and_a_closed_request(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    pick_lead_action(liaison, card, ENG_LEAD, "close")
    view = opened_view(liaison, "lead_close")
    forged = json.loads(json.dumps(view))
    [outcome] = [b for b in forged["blocks"] if b.get("block_id") == "outcome"]
    outcome["element"]["options"].append(
        {"text": {"type": "plain_text", "text": "x"}, "value": "delivered"}
    )

    bad = liaison.slack.view_submission(forged, ENG_LEAD, {"outcome": "delivered", "reason": "x"})
    assert errors_of(bad) == {"outcome": "Pick how to close it."}

    react(liaison, card, ENGINEER, "white_check_mark")  # meanwhile, it is delivered
    late = liaison.slack.view_submission(view, ENG_LEAD, {"reason": "Stale"})
    assert errors_of(late) == {"reason": "REQ-1 is already delivered."}
    liaison.settle()
    assert current(db, card).status is Status.DELIVERED
    assert events_of(db, card, "closed") == []


# -- from the Home tab -----------------------------------------------------------------------


def home_action(liaison: Liaison, user: str, card: Card, choice: str) -> None:
    home = open_home(liaison, user)
    response = liaison.slack.block_action(
        user,
        "lead_actions",
        selected_option_value=f"{card.request_id}:{choice}",
        block_id=f"lead_actions:{card.request_id}",
        view=home,
    )
    assert response.status_code == 200
    liaison.settle()


def test_a_needs_attention_item_carries_the_same_menu(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db, deadline="hard")
    home = open_home(liaison, ENG_LEAD)
    [item] = [b for b in home["blocks"] if b.get("block_id") == f"lead_actions:{card.request_id}"]
    assert item["accessory"]["type"] == "overflow"
    assert item["accessory"]["action_id"] == "lead_actions"
    # Only the leads' list carries it: the engineer's queue does not.
    engineer = open_home(liaison, ENGINEER)
    assert "lead_actions" not in json.dumps(engineer)


def test_a_lead_sets_the_date_from_the_home_tab(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db, deadline="hard")

    home_action(liaison, ENG_LEAD, card, "commit_date")
    view = opened_view(liaison, "lead_commit_date")
    response = liaison.slack.view_submission(
        view, ENG_LEAD, {"committed_date": "2026-12-09", "reason": "Call with the client"}
    )
    assert response.text == "", response.text
    liaison.settle()

    assert current(db, card).status is Status.COMMITTED
    assert [(e.actor, e.surface) for e in events_of(db, card, "date_set")] == [(ENG_LEAD, "home")]
    assert latest(thread_texts(liaison, card), "set the committed date")
    # It no longer needs attention: the lead's Home was published again without it.
    assert "lead_actions" not in json.dumps(liaison.fake.home_tabs[ENG_LEAD])


def test_a_refusal_on_the_home_tab_is_said_in_a_modal(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db, deadline="hard")

    home_action(liaison, SALES_LEAD, card, "reassign")

    [notice] = [
        c.params["view"]
        for c in liaison.fake.calls_to("views.open")
        if "callback_id" not in c.params["view"]
    ]
    assert "Only a lead of Engineering can reassign requests." in json.dumps(notice)
    assert lead_modals_opened(liaison) == []
    assert current(db, card).claimer_id == ENGINEER


def test_a_lead_closes_from_the_home_tab(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db, deadline="hard")
    home_action(liaison, SALES_LEAD, card, "close")
    view = opened_view(liaison, "lead_close")
    liaison.slack.view_submission(view, SALES_LEAD, {"outcome": "cancelled", "reason": "Stale"})
    liaison.settle()
    assert current(db, card).status is Status.CANCELLED
    assert [(e.actor, e.surface) for e in events_of(db, card, "closed")] == [(SALES_LEAD, "home")]


# -- the history -----------------------------------------------------------------------------


def test_the_requests_history_shows_each_override(liaison: Liaison, db) -> None:
    card = delivered(liaison, db)
    lead_override(liaison, card, ENG_LEAD, "reopen", {"reason": "Missing VAT"})
    lead_override(
        liaison, card, ENG_LEAD, "commit_date", {"committed_date": "2026-12-22", "reason": "Agreed"}
    )
    lead_override(liaison, card, ENG_LEAD, "close", {"outcome": "cancelled", "reason": "Stale"})

    history = json.dumps(liaison.slack.command(SALES_REP, "status REQ-1").json())
    for line in (
        "Reopened by a lead \\u201cMissing VAT\\u201d (delivered \\u2192 committed)",
        "Committed date set by a lead: ",
        "Closed by a lead \\u201cStale\\u201d (committed \\u2192 cancelled)",
    ):
        assert line in history, history
    assert "via modal" in history


def test_the_old_cards_users_menu_still_reassigns(liaison: Liaison, db) -> None:
    card = committed(liaison, db)
    click(
        liaison,
        card,
        ENG_LEAD,
        "card_reassign",
        block_id=f"card_actions:{card.request_id}",
        selected_user=ENGINEER_2,
    )
    assert current(db, card).claimer_id == ENGINEER_2


def test_a_form_sent_twice_overrides_once(liaison: Liaison, db) -> None:
    card = delivered(liaison, db)
    pick_lead_action(liaison, card, ENG_LEAD, "reopen")
    view = opened_view(liaison, "lead_reopen")
    for _ in range(2):
        response = liaison.slack.view_submission(view, ENG_LEAD, {"reason": "Not done"})
        assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()
    assert len(events_of(db, card, "reopened")) == 1
    assert len([t for t in dms_to(liaison, SALES_REP) if "reopened your request" in t]) == 1
