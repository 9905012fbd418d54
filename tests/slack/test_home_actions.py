"""Acting from the Home tab: each request listed there carries the buttons that act on it, and a
click runs the same handler, workflow and refusals as the same click on the card or in the DM;
the Home is published again with the outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.calendar import calendar_for
from bot.domain.lifecycle import Status
from bot.domain.nudges import NudgeKind, NudgePlanner
from bot.jobs.nudges import send_nudges
from tests.conftest import (
    ENG_LEAD,
    ENGINEER,
    ENGINEER_2,
    SALES_LEAD,
    SALES_REP,
    STRANGER,
    Inspector,
    Liaison,
)
from tests.slack.helpers import (
    Card,
    click,
    current,
    events_of,
    file_request,
    opened_view,
    react,
)
from tests.slack.test_home import open_home, publishes, sections

TOO_SOON = "2026-12-02"  # three working days of work cannot be done by then


def buttons(view: dict[str, Any], request_id: int) -> list[str]:
    """The action ids of the elements that act on request `request_id` in a Home view."""
    found = []
    for block in view["blocks"]:
        elements = list(block.get("elements") or []) if block["type"] == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            values = [element.get("value")] + [
                o["value"].split(":")[0] for o in element.get("options") or []
            ]
            if str(request_id) in values:
                found.append(element["action_id"])
    return found


def click_home(
    liaison: Liaison,
    owner: str,
    action_id: str,
    request_id: int,
    user: str | None = None,
    view: dict[str, Any] | None = None,
    **kw: Any,
) -> str:
    """Click `action_id` of request `request_id` on `owner`'s Home tab as it was last published
    (or as `view` shows it), as `user` (default the owner), the way Slack reports a click in a
    Home view; the click's trigger."""
    trigger_id = liaison.slack.new_trigger_id()
    view = view or liaison.fake.home_tabs[owner]
    if "selected_option_value" not in kw:
        kw["value"] = str(request_id)
    response = liaison.slack.block_action(
        user or owner, action_id, view=view, trigger_id=trigger_id, **kw
    )
    assert response.status_code == 200
    liaison.settle()
    return trigger_id


def notices(liaison: Liaison, trigger_id: str) -> list[str]:
    """What the app said in a small modal opened with the click's trigger."""
    return [
        c.params["view"]["blocks"][0]["text"]["text"]
        for c in liaison.fake.calls_to("views.open", trigger_id=trigger_id)
        if not c.params["view"].get("callback_id")
    ]


def at_risk(liaison: Liaison, db: Inspector, **values: Any) -> Card:
    card = file_request(liaison, db, desired_date=TOO_SOON, **values)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    assert current(db, card).status is Status.AT_RISK
    return card


def ask(liaison: Liaison, card: Card, user: str = ENGINEER) -> None:
    click(liaison, card, user, "card_ask", value=str(card.request_id))
    view = opened_view(liaison, "ask_requester")
    liaison.slack.view_submission(view, user, {"question": "Which fields?"})
    liaison.settle()


# -- My requests: a link to the card and the decisions waiting on the requester ---------------


def test_my_requests_link_to_the_card(liaison: Liaison, db: Inspector) -> None:
    card = file_request(liaison, db)
    home = open_home(liaison, SALES_REP)
    [link] = [
        b["accessory"] for b in home["blocks"] if b.get("accessory", {}).get("url") is not None
    ]
    assert link["url"] == current(db, card).card_permalink and link["text"]["text"] == "Open card"
    assert buttons(home, card.request_id) == ["home_open_card"]  # nothing waits on them

    before = publishes(liaison, SALES_REP)
    trigger = click_home(liaison, SALES_REP, "home_open_card", card.request_id)
    assert publishes(liaison, SALES_REP) == before and notices(liaison, trigger) == []


def test_a_question_is_answered_from_the_home_in_the_dms_modal(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    open_home(liaison, SALES_REP)
    ask(liaison, card)
    home = liaison.fake.home_tabs[SALES_REP]  # published again: the question waits on them
    assert buttons(home, card.request_id) == ["home_open_card", "requester_answer"]

    trigger = click_home(liaison, SALES_REP, "requester_answer", card.request_id)
    [call] = liaison.fake.calls_to("views.open", trigger_id=trigger)
    assert call.params["view"]["callback_id"] == "requester_answer"
    liaison.slack.view_submission(call.response["view"], SALES_REP, {"answer": "Number, total."})
    liaison.settle()

    assert current(db, card).status is Status.CLAIMED
    assert buttons(liaison.fake.home_tabs[SALES_REP], card.request_id) == ["home_open_card"]


def test_a_negotiation_is_decided_from_the_home(liaison: Liaison, db: Inspector) -> None:
    card = at_risk(liaison, db)
    home = open_home(liaison, SALES_REP)
    assert buttons(home, card.request_id) == [
        "home_open_card",
        "negotiation_accept",
        "negotiation_cut_scope",
        "negotiation_escalate",
    ]
    open_home(liaison, ENG_LEAD)

    trigger = click_home(liaison, SALES_REP, "negotiation_escalate", card.request_id)
    assert notices(liaison, trigger) == []  # the Home shows the outcome
    assert [e.actor for e in events_of(db, card, "escalated")] == [SALES_REP]
    lead = sections(liaison.fake.home_tabs[ENG_LEAD])  # published again: now theirs to see
    assert any("REQ-1" in line for line in lead["Needs attention"])

    click_home(liaison, SALES_REP, "negotiation_accept", card.request_id)
    assert current(db, card).status is Status.COMMITTED
    assert buttons(liaison.fake.home_tabs[SALES_REP], card.request_id) == ["home_open_card"]


def test_cut_scope_on_the_home_opens_the_edit_form(liaison: Liaison, db: Inspector) -> None:
    card = at_risk(liaison, db)
    open_home(liaison, SALES_REP)
    trigger = click_home(liaison, SALES_REP, "negotiation_cut_scope", card.request_id)
    [call] = liaison.fake.calls_to("views.open", trigger_id=trigger)
    assert call.params["view"]["callback_id"] == "request_edit"
    liaison.slack.view_submission(call.response["view"], SALES_REP, {"title": "Invoices only"})
    liaison.settle()
    assert current(db, card).title == "Invoices only"
    assert "Invoices only" in sections(liaison.fake.home_tabs[SALES_REP])["My requests"][0]


def test_feedback_on_a_delivery_is_given_from_the_home(liaison: Liaison, db: Inspector) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "two")
    open_home(liaison, SALES_REP)
    react(liaison, card, ENGINEER, "white_check_mark")
    home = liaison.fake.home_tabs[SALES_REP]
    assert buttons(home, card.request_id) == [
        "home_open_card",
        "feedback_helpful",
        "feedback_not_helpful",
    ]

    click_home(liaison, SALES_REP, "feedback_helpful", card.request_id)
    assert [e.data["helpful"] for e in events_of(db, card, "feedback")] == [True]
    home = sections(liaison.fake.home_tabs[SALES_REP])
    assert home["My requests"] == ["You have no open requests. File one with `/request`."]

    liaison.clock.advance(days=20)  # a delivery nobody judged leaves the list after a while
    other = file_request(liaison, db, desired_date="2027-03-01")
    react(liaison, other, ENGINEER, "raising_hand")
    react(liaison, other, ENGINEER, "white_check_mark")
    assert len(sections(open_home(liaison, SALES_REP))["My requests"]) == 1
    liaison.clock.advance(days=15)
    assert sections(open_home(liaison, SALES_REP))["My requests"][0].startswith("You have no")


def test_someone_else_clicking_a_requesters_decision_is_refused_in_the_same_words(
    liaison: Liaison, db: Inspector
) -> None:
    card = at_risk(liaison, db)
    open_home(liaison, SALES_REP)
    trigger = click_home(
        liaison, SALES_REP, "negotiation_accept", card.request_id, user=STRANGER
    )  # a click forged from another person's Home
    assert notices(liaison, trigger) == [
        f"Only <@{SALES_REP}>, who filed REQ-1, can accept a new date for it."
    ]
    assert current(db, card).status is Status.AT_RISK


# -- My queue and Team queue -------------------------------------------------------------------


def test_an_engineer_claims_estimates_and_delivers_from_the_home(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db)
    home = open_home(liaison, ENGINEER)
    assert buttons(home, card.request_id) == ["card_claim"]

    click_home(liaison, ENGINEER, "card_claim", card.request_id)
    request = current(db, card)
    assert request.claimer_id == ENGINEER
    assert [e.surface for e in events_of(db, card, "claimed")] == ["button"]
    home = liaison.fake.home_tabs[ENGINEER]
    assert buttons(home, card.request_id) == [
        "home_open_card",
        "card_estimate",
        "card_deliver",
        "card_release",
    ]
    assert "REQ-1" in sections(home)["My queue"][0]

    chosen = f"{card.request_id}:2"
    click_home(liaison, ENGINEER, "card_estimate", card.request_id, selected_option_value=chosen)
    assert current(db, card).estimate_days == 2
    assert "committed for" in sections(liaison.fake.home_tabs[ENGINEER])["My queue"][0]

    click_home(liaison, ENGINEER, "card_deliver", card.request_id)
    assert current(db, card).status is Status.DELIVERED
    assert sections(liaison.fake.home_tabs[ENGINEER])["My queue"] == [
        "Nothing is claimed by you right now."
    ]


def test_other_estimates_open_the_cards_modal(liaison: Liaison, db: Inspector) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    open_home(liaison, ENGINEER)
    chosen = f"{card.request_id}:other"
    trigger = click_home(
        liaison, ENGINEER, "card_estimate", card.request_id, selected_option_value=chosen
    )
    [call] = liaison.fake.calls_to("views.open", trigger_id=trigger)
    assert call.params["view"]["callback_id"] == "estimate_request"


def test_releasing_from_the_home_puts_it_back_in_the_team_queue(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    open_home(liaison, ENGINEER)
    click_home(liaison, ENGINEER, "card_release", card.request_id)
    assert current(db, card).claimer_id is None
    home = liaison.fake.home_tabs[ENGINEER]  # published again though no longer its claimer
    assert sections(home)["My queue"] == ["Nothing is claimed by you right now."]
    assert buttons(home, card.request_id) == ["card_claim"]


def test_a_stale_claim_is_answered_privately_and_the_home_published_again(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db)
    open_home(liaison, ENGINEER_2)
    react(liaison, card, ENGINEER, "raising_hand")  # meanwhile; not ENGINEER_2's to see
    before = publishes(liaison, ENGINEER_2)

    trigger = click_home(liaison, ENGINEER_2, "card_claim", card.request_id)

    assert notices(liaison, trigger) == [f"<@{ENGINEER}> has already claimed REQ-1."]
    assert current(db, card).claimer_id == ENGINEER
    assert publishes(liaison, ENGINEER_2) == before + 1
    home = liaison.fake.home_tabs[ENGINEER_2]
    assert "card_claim" not in buttons(home, card.request_id)


def test_a_stale_deliver_and_a_vanished_request_are_answered_privately(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    stale = open_home(liaison, ENGINEER)
    react(liaison, card, ENGINEER, "white_check_mark")  # delivered from the card meanwhile
    delivered_at = current(db, card).delivered_at

    trigger = click_home(liaison, ENGINEER, "card_deliver", card.request_id, view=stale)
    assert notices(liaison, trigger) == ["REQ-1 is already delivered."]
    assert current(db, card).delivered_at == delivered_at

    trigger = click_home(liaison, ENGINEER, "card_deliver", 999_999, view=stale)
    assert notices(liaison, trigger) == ["That request no longer exists."]


def test_someone_outside_the_team_cannot_claim_from_a_home(liaison: Liaison, db: Inspector) -> None:
    card = file_request(liaison, db)
    open_home(liaison, ENGINEER)
    trigger = click_home(liaison, ENGINEER, "card_claim", card.request_id, user=SALES_LEAD)
    assert notices(liaison, trigger) == [
        "Only members of Engineering can claim REQ-1. "
        "If you should be one, ask a lead to add you to the department."
    ]
    assert current(db, card).claimer_id is None


# -- Needs attention: questions left unanswered ------------------------------------------------


def test_a_question_unanswered_past_the_nudge_threshold_needs_the_leads_attention(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    ask(liaison, card)
    nothing = ["Nothing needs your attention."]
    assert sections(open_home(liaison, ENG_LEAD))["Needs attention"] == nothing
    before = publishes(liaison, ENG_LEAD)

    # Due when the needs-info reminder is: one working day of Berlin business time later
    # (Tuesday 16:00 → Wednesday 16:00), by the nudges' own rule.
    config = liaison.runtime.config_for("T0001")
    department = config.find_department("eng")
    assert department is not None
    calendar = calendar_for(department, config.organization)
    due = calendar.add(current(db, card).status_changed_at, config.nudges.needs_info_after)
    assert due == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    liaison.clock.set(due - timedelta(minutes=1))
    assert _nudged(liaison) == []
    send_nudges(liaison.runtime)
    liaison.settle()
    assert publishes(liaison, ENG_LEAD) == before
    assert sections(open_home(liaison, ENG_LEAD))["Needs attention"] == nothing
    liaison.clock.set(due)
    assert _nudged(liaison) == [card.request_id]
    # The reminder to the requester publishes the leads' Homes, where it now shows.
    before = publishes(liaison, ENG_LEAD)
    send_nudges(liaison.runtime)
    liaison.settle()
    assert publishes(liaison, ENG_LEAD) == before + 1
    assert "REQ-1" in sections(liaison.fake.home_tabs[ENG_LEAD])["Needs attention"][0]
    [line] = sections(open_home(liaison, ENG_LEAD))["Needs attention"]
    assert "REQ-1" in line and "*question unanswered* · Needs info" in line
    assert "REQ-1" in sections(open_home(liaison, SALES_LEAD))["Needs attention"][0]
    assert sections(open_home(liaison, ENGINEER)).get("Needs attention") is None  # not a lead

    # Answered: off the list.
    open_home(liaison, SALES_REP)
    trigger = click_home(liaison, SALES_REP, "requester_answer", card.request_id, view=None)
    view = liaison.fake.calls_to("views.open", trigger_id=trigger)[0].response["view"]
    liaison.slack.view_submission(view, SALES_REP, {"answer": "Number and total."})
    liaison.settle()
    assert sections(open_home(liaison, ENG_LEAD))["Needs attention"] == nothing


def _nudged(liaison: Liaison) -> list[int]:
    """The requests the needs-info reminder is due for now (a dry evaluation)."""
    with Session(liaison.runtime.engine) as session:
        planner = NudgePlanner(
            session, config=liaison.runtime.config_for("T0001"), now=liaison.clock()
        )
        return [n.request_id for n in planner.candidates() if n.kind is NudgeKind.NEEDS_INFO]
